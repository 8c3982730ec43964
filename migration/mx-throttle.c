/*
 * qemu-mx: the staged CPU throttle policy: when and how hard to throttle
 * the guest's vCPUs so that a precopy migration converges quickly.
 *
 * After each sync round (at most one a second) the policy gets the round's
 * dirty rate, its average bandwidth and the dirty RAM left, all in raw
 * bytes of RAM: the units the switchover decision compares (remaining <
 * bandwidth * downtime-limit, with the bandwidth counted by
 * mx_converge_bandwidth()).
 *
 * - off: no throttle until the dirty rate is above throttle-trigger-
 *   threshold percent of the bandwidth (the migration is not converging:
 *   stock's own test) and, by the trigger mode: the dirty rate changed by
 *   less than MX_THR_STABLE since the previous round (dirty-rate: the
 *   guest is not slowing down by itself), the dirty RAM left shrank by less
 *   than MX_THR_STABLE (remaining: iterating does not get it closer to the
 *   switchover), or nothing more (first-high; with less than
 *   MX_THR_DIRECT_NS of bandwidth left, two such rounds in a row, stock's
 *   own count, since a single one may be a burst).  In the first two modes a
 *   round that stayed that high MX_THR_HIGH_ROUNDS times in a row triggers
 *   anyway (a noisy rate must not keep it off for ever).
 * - direct: if the remaining RAM takes less than MX_THR_DIRECT_NS to send
 *   at the round's bandwidth, 90% for 3 s, then 99% for 3 s (both at most
 *   the cap).  Still running after that: staged.
 * - staged, first step (the drain step): when the formula's level leaves
 *   the guest, dirtying at its estimated unthrottled rate, dirtying more
 *   than the switchover's budget (bandwidth x downtime-limit) while the
 *   remaining RAM drains (remaining / bandwidth), the highest level below
 *   the cap (max-cpu-throttle - 1) for the drain pass: the estimate is a
 *   lower bound (a round's unique dirty pages saturate), so the least
 *   level it asks for leaks a residual that costs more rounds at a high
 *   throttle after the pass (measured: docs/mx/cpu-throttle.md).
 * - staged: each round, the throttle that brings the dirty rate down to
 *   MX_THR_TARGET of the bandwidth, and never lower than the level it
 *   already reached.  The round's dirty rate was measured while the vCPUs
 *   ran only a share `run' of the time (the time average of 1 - throttle
 *   over the round), so the unthrottled rate is dirty_rate / run, and
 *       throttle = 1 - run * (bandwidth * 0.2) / dirty_rate.
 *   This is our reading of the seed's "1 - ((avg bandwidth * 0.2) / dirty
 *   rate * previous round's throttle)": taken literally (the previous
 *   throttle itself as the factor) the throttle would fall as the previous
 *   one rises and be 100% after a round without throttle; with the
 *   previous round's run share (1 - its throttle) as the factor it is the
 *   proportional step that a dirty rate proportional to vCPU time needs.
 * - cap: the formula asks for the cap (max-cpu-throttle) or more: hold the
 *   cap for cap_ns only (staged levels stay below it, so the time at the
 *   cap is bounded).  Then
 * - force-requested: back to the last level below the cap, and the caller
 *   tells management to force the switchover.  With force_ns set, the
 *   switchover is forced once the cap was reached force_ns ago.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include <math.h>
#include "mx-throttle.h"

static const char *const phase_names[MX_THR__MAX] = {
    [MX_THR_OFF] = "off",
    [MX_THR_DIRECT] = "direct",
    [MX_THR_STAGED] = "staged",
    [MX_THR_CAP] = "cap",
    [MX_THR_FORCE] = "force-requested",
};

static const char *const why_names[MX_THR_WHY__MAX] = {
    [MX_THR_WHY_NONE] = "none",
    [MX_THR_WHY_CONVERGING] = "converging",
    [MX_THR_WHY_UNSTABLE] = "dirty-rate-changing",
    [MX_THR_WHY_DIRECT] = "trigger-direct",
    [MX_THR_WHY_STAGED] = "trigger-staged",
    [MX_THR_WHY_DIRECT_STEP] = "direct-second-level",
    [MX_THR_WHY_DIRECT_DONE] = "direct-over",
    [MX_THR_WHY_STEP] = "staged-step",
    [MX_THR_WHY_HOLD] = "staged-hold",
    [MX_THR_WHY_CAP] = "cap-reached",
    [MX_THR_WHY_CAP_OVER] = "cap-over",
    [MX_THR_WHY_FORCE_NOW] = "force-switchover",
    [MX_THR_WHY_SHRINKING] = "remaining-shrinking",
    [MX_THR_WHY_DRAIN] = "trigger-staged-drain",
    [MX_THR_WHY_CONFIRM] = "first-high-confirm",
};

const char *mx_thr_phase_str(MxThrPhase p)
{
    return p < MX_THR__MAX ? phase_names[p] : "?";
}

const char *mx_thr_why_str(MxThrWhy w)
{
    return w < MX_THR_WHY__MAX ? why_names[w] : "?";
}

void mx_thr_init(MxThrottle *t, int64_t now)
{
    memset(t, 0, sizeof(*t));
    t->phase = MX_THR_OFF;
    t->phase_start = now;
    t->last = now;
    t->round_start = now;
}

/* Account the time since the last call to the current phase and level */
static void account(MxThrottle *t, int64_t now)
{
    if (now > t->last) {
        t->spent[t->phase] += now - t->last;
        t->run_ns += (now - t->last) * (1.0 - t->pct / 100.0);
        t->last = now;
    }
}

static void enter(MxThrottle *t, MxThrPhase p, int pct, int64_t now,
                  const MxThrConfig *c)
{
    t->phase = p;
    t->phase_start = now;
    t->pct = pct;
    if (pct < c->max_pct) {
        t->below_cap = pct;
    }
    if (!(t->seen & (1u << p))) {
        t->seen |= 1u << p;
        t->order[t->norder++] = p;
    }
}

int mx_thr_staged_pct(double full_rate, double bandwidth)
{
    double p;

    if (full_rate <= 0) {
        return 0;
    }
    p = 100.0 * (1.0 - MX_THR_TARGET * bandwidth / full_rate);
    if (p <= 0) {
        return 0;
    }
    if (p >= 100) {
        return 100;
    }
    return (int)ceil(p);
}

int mx_thr_drain_pct(double full_rate, double bandwidth, uint64_t remaining,
                     int64_t downtime_ns)
{
    double budget, dirt, p;

    if (full_rate <= 0 || remaining == 0) {
        return 0;
    }
    if (bandwidth <= 0) {
        return 100;
    }
    /* bytes the switchover may leave, and the guest's while draining */
    budget = bandwidth * ((double)downtime_ns / NANOSECONDS_PER_SECOND);
    dirt = full_rate * (remaining / bandwidth);
    p = 100.0 * (1.0 - budget / dirt);
    if (p <= 0) {
        return 0;
    }
    if (p >= 100) {
        return 100;
    }
    return (int)ceil(p);
}

/* A staged step from the current estimate of the unthrottled dirty rate */
static void staged_step(MxThrottle *t, const MxThrConfig *c, int64_t now,
                        int floor)
{
    int p = mx_thr_staged_pct(t->full_rate, t->bandwidth);

    if (p >= c->max_pct) {
        t->cap_start = now;
        enter(t, MX_THR_CAP, c->max_pct, now, c);
        t->why = MX_THR_WHY_CAP;
    } else if (p > floor) {
        enter(t, MX_THR_STAGED, p, now, c);
        t->why = MX_THR_WHY_STEP;
    } else {
        /* not below what it already reached: progressive, never easing */
        enter(t, MX_THR_STAGED, floor, now, c);
        t->why = MX_THR_WHY_HOLD;
    }
}

/* Triggered with more than MX_THR_DIRECT_NS left: the first staged step */
static void staged_first(MxThrottle *t, const MxThrConfig *c, int64_t now)
{
    int d;

    staged_step(t, c, now, 0);
    if (t->why == MX_THR_WHY_CAP) {
        return;
    }
    t->why = MX_THR_WHY_STAGED;
    /*
     * A drain is needed when the formula's level would leave more dirty
     * RAM after the pass than the switchover may take.  Then the drain
     * pass runs at the highest level below the cap (the cap's time stays
     * bounded): the measured rate is a lower bound of what the guest
     * writes, every write during the pass counts at the next sync, and a
     * level that leaks more only adds rounds at a high throttle after it
     * (docs/mx/cpu-throttle.md, "The first step: the drain pass").
     */
    d = mx_thr_drain_pct(t->full_rate, t->bandwidth, t->remaining,
                         c->downtime_ns);
    if (d > t->pct && c->max_pct - 1 > t->pct) {
        enter(t, MX_THR_STAGED, c->max_pct - 1, now, c);
        t->why = MX_THR_WHY_DRAIN;
    }
}

bool mx_thr_round(MxThrottle *t, const MxThrConfig *c, const MxThrInput *in)
{
    MxThrPhase old_phase = t->phase;
    int old_pct = t->pct;
    int64_t len;
    double run;
    bool high, stable;
    MxThrWhy wait;

    account(t, in->now);
    len = in->now - t->round_start;
    run = len > 0 ? t->run_ns / len : 1.0 - t->pct / 100.0;
    t->run_ns = 0;
    t->round_start = in->now;
    if (run < MX_THR_MIN_RUN) {
        run = MX_THR_MIN_RUN;
    }
    if (run > 1) {
        run = 1;
    }
    t->dirty_rate = in->dirty_rate;
    t->bandwidth = in->bandwidth;
    t->remaining = in->remaining;
    t->full_rate = in->dirty_rate / run;
    t->why = MX_THR_WHY_NONE;

    switch (t->phase) {
    case MX_THR_OFF:
        high = in->dirty_rate * 100 > in->bandwidth * c->trigger_pct;
        switch (c->trigger) {
        case MX_THR_TRIG_REMAINING:
            /* the dirty RAM left did not shrink by MX_THR_STABLE or more */
            stable = t->have_prev && t->prev_remaining > 0 &&
                     in->remaining >=
                     (1.0 - MX_THR_STABLE) * t->prev_remaining;
            wait = MX_THR_WHY_SHRINKING;
            break;
        case MX_THR_TRIG_FIRST_HIGH:
            /*
             * With MX_THR_DIRECT_NS or more left, one more round costs a
             * pass over the working set: the first high round.  With less
             * left a round costs little and one high round may be a burst
             * of a guest that converges: stock's two in a row.
             */
            stable = t->high_rounds >= 1 ||
                     in->remaining >= in->bandwidth *
                     ((double)MX_THR_DIRECT_NS / NANOSECONDS_PER_SECOND);
            wait = MX_THR_WHY_CONFIRM;
            break;
        default:
            stable = t->have_prev && in->dirty_rate > 0 &&
                     fabs(in->dirty_rate - t->prev_rate) <=
                     MX_THR_STABLE * t->prev_rate;
            wait = MX_THR_WHY_UNSTABLE;
            break;
        }
        t->have_prev = true;
        t->prev_rate = in->dirty_rate;
        t->prev_remaining = in->remaining;
        if (!high) {
            t->high_rounds = 0;
            t->why = MX_THR_WHY_CONVERGING;
            break;
        }
        t->high_rounds++;
        if (!stable && t->high_rounds < MX_THR_HIGH_ROUNDS) {
            t->why = wait;
            break;
        }
        if (in->remaining < in->bandwidth *
            ((double)MX_THR_DIRECT_NS / NANOSECONDS_PER_SECOND)) {
            enter(t, MX_THR_DIRECT, MIN(MX_THR_DIRECT_PCT1, c->max_pct),
                  in->now, c);
            t->why = MX_THR_WHY_DIRECT;
        } else {
            staged_first(t, c, in->now);
        }
        break;
    case MX_THR_STAGED:
        staged_step(t, c, in->now, t->pct);
        break;
    default:
        /* direct, cap and force-requested are timed: see mx_thr_tick() */
        break;
    }
    return t->phase != old_phase || t->pct != old_pct;
}

bool mx_thr_tick(MxThrottle *t, const MxThrConfig *c, int64_t now)
{
    MxThrPhase old_phase = t->phase;
    int old_pct = t->pct;
    int64_t el;

    account(t, now);
    el = now - t->phase_start;
    switch (t->phase) {
    case MX_THR_DIRECT:
        if (el >= 2 * MX_THR_STEP_NS) {
            /* direct was not enough: staged, from what it measured */
            staged_step(t, c, now, 0);
            if (t->why != MX_THR_WHY_CAP) {
                t->why = MX_THR_WHY_DIRECT_DONE;
            }
        } else if (el >= MX_THR_STEP_NS &&
                   t->pct < MIN(MX_THR_DIRECT_PCT2, c->max_pct)) {
            t->pct = MIN(MX_THR_DIRECT_PCT2, c->max_pct);
            t->why = MX_THR_WHY_DIRECT_STEP;
        }
        break;
    case MX_THR_CAP:
        if (el >= c->cap_ns) {
            enter(t, MX_THR_FORCE, t->below_cap, now, c);
            t->why = MX_THR_WHY_CAP_OVER;
        }
        break;
    default:
        break;
    }
    if ((t->phase == MX_THR_CAP || t->phase == MX_THR_FORCE) &&
        c->force_ns > 0 && !t->force && now - t->cap_start >= c->force_ns) {
        t->force = true;
        t->why = MX_THR_WHY_FORCE_NOW;
        return true;
    }
    return t->phase != old_phase || t->pct != old_pct;
}

void mx_thr_stop(MxThrottle *t, int64_t now)
{
    account(t, now);
    t->phase = MX_THR_OFF;
    t->phase_start = now;
    t->pct = 0;
}

double mx_thr_seconds(const MxThrottle *t, MxThrPhase p, int64_t now)
{
    int64_t ns = t->spent[p];

    if (p == t->phase && now > t->last) {
        ns += now - t->last;
    }
    return (double)ns / NANOSECONDS_PER_SECOND;
}
