/*
 * qemu-mx: the IO QoS controller (docs/mx/io-qos.md).
 *
 * Once per period it compares the copy job's dirty backlog with the one a
 * period ago.  While the backlog clearly shrinks, or is already small once
 * the job is READY, nothing happens.  When it has not clearly shrunk for
 * MX_IOQOS_PATIENCE periods in a row and the guest is writing, a write
 * limit goes on; each further period without a clear shrink steps it down,
 * never below the floor; while the backlog shrinks it is held.  Once the
 * job is READY and the backlog stays small, the limit is raised a step at a
 * time, up to the rate the guest wrote at when the limit went on, and taken
 * off when the backlog stays small at that rate too, or at once when the
 * guest writes less than half the limit.  A raise that the backlog does not
 * take (a step down right after it) doubles the calm time before the next
 * one, so a guest that writes faster than the link is probed rarely.
 *
 * Tail mode (block-qos-tail, on by default): while an outgoing migration
 * runs and the job is READY, the switchover is near, and what the backlog
 * holds when the guest stops is copied in the downtime (libvirt cancels the
 * mirror at pre-switchover).  Then "small" means within what the copy
 * drains in tail_ms at its capacity (at least MX_IOQOS_TAIL_MIN; a READY
 * mirror sleeps 100 ms when it has caught up, so a backlog of the guest's
 * writes of 100 ms is normal), a shrinking backlog only
 * counts if it gets there within a period, a limit goes on after one such
 * period instead of MX_IOQOS_PATIENCE, and the limit is not raised.
 *
 * Pace rule (block-qos-slowdown, on by default): before READY, the copy
 * takes backlog / (copy - fresh) where fresh is what the guest dirties in
 * areas the copy had already cleaned, against backlog / copy without the
 * guest's writes: their ratio is copy / (copy - fresh).  Keeping the copy
 * at most slowdown% longer than it would take without the guest means
 * fresh <= copy * slowdown / (100 + slowdown).  A period over that bound
 * puts a limit on (or takes it down) to the guest's write rate scaled by
 * bound / fresh, and at least one step, never below the floor; it only
 * engages when a step of the guest's writes can come off above the floor,
 * so a guest writing near or below the floor is left alone.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "block/mx-ioqos.h"

static const char *const verdict_names[MX_IOQOS__MAX] = {
    [MX_IOQOS_WAIT] = "wait",
    [MX_IOQOS_QUIET] = "quiet",
    [MX_IOQOS_WATCH] = "watch",
    [MX_IOQOS_ENGAGE] = "engage",
    [MX_IOQOS_STEP] = "step",
    [MX_IOQOS_FLOOR] = "floor",
    [MX_IOQOS_HOLD] = "hold",
    [MX_IOQOS_RAISE] = "raise",
    [MX_IOQOS_RELEASE] = "release",
    [MX_IOQOS_PACE] = "pace",
};

const char *mx_ioqos_verdict_str(MxIoqosVerdict v)
{
    return v < MX_IOQOS__MAX ? verdict_names[v] : "?";
}

void mx_ioqos_init(MxIoqosState *st)
{
    memset(st, 0, sizeof(*st));
}

static uint64_t per_second(uint64_t bytes, int64_t dt)
{
    return (uint64_t)((double)bytes * 1e9 / (double)dt);
}

static uint64_t percent_of(uint64_t v, unsigned pct)
{
    return (uint64_t)((double)v * pct / 100.0);
}

static void period_reset(MxIoqosState *st, const MxIoqosSample *s)
{
    st->period_start = s->now;
    st->period_backlog = s->backlog;
    st->period_copied = s->copied;
    st->period_written = s->written;
}

static MxIoqosVerdict release(MxIoqosState *st)
{
    st->limit = 0;
    st->demand = 0;
    st->strikes = 0;
    st->calm = 0;
    st->backoff = 0;
    st->raised = false;
    st->steps++;
    return MX_IOQOS_RELEASE;
}

MxIoqosVerdict mx_ioqos_decide(MxIoqosState *st, const MxIoqosConfig *cfg,
                               const MxIoqosSample *s)
{
    int64_t dt;
    uint64_t copied, written, floor, lim, fresh, pace_lim = 0;
    bool small, shrunk, tail, pace = false;
    unsigned step;

    if (!st->started) {
        st->started = true;
        period_reset(st, s);
        return MX_IOQOS_WAIT;
    }
    dt = s->now - st->period_start;
    if (dt < MX_IOQOS_PERIOD_NS) {
        return MX_IOQOS_WAIT;
    }

    copied = s->copied - st->period_copied;
    written = s->written - st->period_written;
    st->copy_rate = per_second(copied, dt);
    st->write_rate = per_second(written, dt);
    st->shrink = (int64_t)st->period_backlog - (int64_t)s->backlog;
    /*
     * What the copy drains when it has work queued.  A READY copy that keeps
     * up copies only what the guest writes, so its copy rate then says
     * nothing about the link: keep the last busy period's.
     */
    if (s->backlog > st->copy_rate / MX_IOQOS_SMALL_DIV || !st->capacity) {
        st->capacity = st->copy_rate;
    }
    tail = cfg->enabled && cfg->tail_ms && s->ready && s->migrating;
    st->tail = tail;
    if (tail) {
        st->small = MAX(MX_IOQOS_TAIL_MIN,
                        (uint64_t)((double)st->capacity * cfg->tail_ms / 1000));
    } else {
        st->small = MAX(MX_IOQOS_SMALL_MIN,
                        st->copy_rate / MX_IOQOS_SMALL_DIV);
    }
    if (st->limit) {
        st->throttled_ns += dt;
    }
    period_reset(st, s);

    if (!cfg->enabled) {
        st->strikes = st->calm = 0;
        return st->limit ? release(st) : MX_IOQOS_QUIET;
    }

    floor = MAX(cfg->floor, 1);
    step = MIN(MAX(cfg->step, 1), 99);
    /* The job can converge from here: READY and little left */
    small = s->ready && s->backlog <= st->small;
    if (tail) {
        /* near the switchover only a shrink that reaches the bound counts */
        shrunk = st->shrink > 0 &&
                 s->backlog <= st->small + (uint64_t)st->shrink;
    } else {
        /* Clearly shrunk: the guest re-dirtied at most 7/8 of the copy */
        shrunk = st->shrink > 0 &&
                 (uint64_t)st->shrink * MX_IOQOS_CLEAR_DIV >= copied;
    }
    /*
     * Pace rule, before READY: what the guest dirtied afresh (the copy
     * minus the shrink) against what keeps the copy within slowdown% of
     * its time without the guest's writes.
     */
    st->pace_bound = 0;
    if (cfg->slowdown && !s->ready) {
        fresh = st->shrink >= (int64_t)copied ? 0 : copied - st->shrink;
        st->pace_bound = (uint64_t)((double)copied * cfg->slowdown /
                                    (100.0 + cfg->slowdown));
        if (fresh > st->pace_bound) {
            pace = true;
            pace_lim = (uint64_t)((double)st->write_rate *
                                  st->pace_bound / fresh);
        }
    }

    if (!st->limit) {
        st->calm = 0;
        if (pace && percent_of(st->write_rate, 100 - step) > floor) {
            /* engage at once, at least a step below write and copy rates */
            st->strikes = 0;
            st->demand = st->write_rate;
            lim = percent_of(MIN(st->write_rate, st->copy_rate), 100 - step);
            st->limit = MAX(MIN(lim, pace_lim), floor);
            st->steps++;
            st->pace_steps++;
            return MX_IOQOS_PACE;
        }
        if (small || shrunk) {
            st->strikes = 0;
            return MX_IOQOS_QUIET;
        }
        /* A guest writing no faster than the floor cannot be helped */
        if (st->write_rate <= floor ||
            ++st->strikes < (tail ? 1 : MX_IOQOS_PATIENCE)) {
            return MX_IOQOS_WATCH;
        }
        st->strikes = 0;
        st->demand = st->write_rate;
        lim = percent_of(MIN(st->write_rate, st->copy_rate), 100 - step);
        st->limit = MAX(lim, floor);
        st->steps++;
        st->tail_steps += tail;
        return MX_IOQOS_ENGAGE;
    }

    if (small) {
        st->raised = false;
        /* The guest no longer uses much of the limit: take it off */
        if (st->write_rate * 2 < st->limit) {
            return release(st);
        }
        if (tail) {
            /* the switchover is near: no raise (nor a calm count) now */
            st->calm = 0;
            return MX_IOQOS_HOLD;
        }
        if (++st->calm < (MX_IOQOS_CALM << st->backoff)) {
            return MX_IOQOS_HOLD;
        }
        st->calm = 0;
        if (st->limit >= st->demand) {
            /* it held at the guest's own rate: no longer needed */
            return release(st);
        }
        lim = (uint64_t)((double)st->limit * 100.0 / (100 - step)) + 1;
        st->limit = MIN(lim, st->demand);
        st->raised = true;
        st->steps++;
        return MX_IOQOS_RAISE;
    }
    st->calm = 0;
    if (pace) {
        /* the copy would take too long: down to the pace, a step at least */
        lim = percent_of(MIN(st->limit, st->copy_rate), 100 - step);
        lim = MAX(MIN(lim, pace_lim), floor);
        if (lim >= st->limit) {
            return MX_IOQOS_FLOOR;
        }
        st->raised = false;
        st->limit = lim;
        st->steps++;
        st->pace_steps++;
        return MX_IOQOS_PACE;
    }
    if (shrunk) {
        st->raised = false;
        return MX_IOQOS_HOLD;
    }
    /*
     * Step down from the lower of the limit and what the job copied: when
     * the copy slowed down (the link is shared with RAM), one step brings
     * the guest below it.
     */
    lim = MAX(percent_of(MIN(st->limit, st->copy_rate), 100 - step), floor);
    if (lim >= st->limit) {
        return MX_IOQOS_FLOOR;
    }
    if (st->raised && st->backoff < MX_IOQOS_BACKOFF_MAX) {
        /* the last raise was one too many: wait longer before the next */
        st->backoff++;
    }
    st->raised = false;
    st->limit = lim;
    st->steps++;
    st->tail_steps += tail;
    return MX_IOQOS_STEP;
}
