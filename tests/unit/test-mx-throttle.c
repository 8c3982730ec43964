/*
 * qemu-mx: unit test of the staged CPU throttle policy
 * (migration/mx-throttle.c).
 *
 * A fake migration feeds the policy sync rounds on a fake clock: the dirty
 * rate it reports is the guest's unthrottled rate times the share of the
 * round the vCPUs ran (the throttle the policy applied), so the tests see
 * the policy react to its own throttle the way a CPU-bound guest would.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/timer.h"
#include "qemu/units.h"
#include <math.h>
#include "../migration/mx-throttle.h"

#define S       NANOSECONDS_PER_SECOND
#define MS      ((int64_t)SCALE_MS)
#define BW      (100.0 * MiB)   /* link: 100 MiB/s */
/* a downtime limit so long that the drain step never asks for more */
#define NO_DRAIN (1000 * S)

typedef struct Sim {
    MxThrottle t;
    MxThrConfig c;
    int64_t now;
    int changes;
    double run_ns;          /* vCPU run time since the last round */
    int64_t round_start;
} Sim;

static void sim_init(Sim *s)
{
    memset(s, 0, sizeof(*s));
    s->now = 10 * S;
    s->c.max_pct = 99;
    s->c.trigger_pct = 50;
    s->c.cap_ns = 3 * S;
    s->c.force_ns = 0;
    s->c.trigger = MX_THR_TRIG_RATE;
    s->c.downtime_ns = 300 * MS;
    mx_thr_init(&s->t, s->now);
    s->round_start = s->now;
}

/* Advance the clock by @ns in ticks of 100 ms */
static void sim_wait(Sim *s, int64_t ns)
{
    int64_t end = s->now + ns;

    while (s->now < end) {
        int64_t next = MIN(s->now + 100 * MS, end);

        s->run_ns += (next - s->now) * (1.0 - s->t.pct / 100.0);
        s->now = next;
        s->changes += mx_thr_tick(&s->t, &s->c, s->now);
    }
}

/* A round of @len ns: guest dirties @full bytes/s when unthrottled */
static bool sim_round(Sim *s, int64_t len, double full, double bw,
                      uint64_t remaining)
{
    MxThrInput in;
    bool changed;
    double run;

    sim_wait(s, len);
    run = s->run_ns / (s->now - s->round_start);
    s->run_ns = 0;
    s->round_start = s->now;
    in.now = s->now;
    in.dirty_rate = full * run;
    in.bandwidth = bw;
    in.remaining = remaining;
    changed = mx_thr_round(&s->t, &s->c, &in);
    s->changes += changed;
    return changed;
}

/* A light guest (below the trigger share of the bandwidth): never engages */
static void test_light_never(void)
{
    Sim s;
    int i;

    sim_init(&s);
    for (i = 0; i < 50; i++) {
        g_assert_false(sim_round(&s, S, 0.49 * BW, BW, 512 * MiB));
        g_assert_cmpint(s.t.why, ==, MX_THR_WHY_CONVERGING);
    }
    g_assert_cmpint(s.t.phase, ==, MX_THR_OFF);
    g_assert_cmpint(s.t.pct, ==, 0);
    g_assert_cmpint(s.changes, ==, 0);
    g_assert_cmpint(s.t.seen, ==, 0);
}

/* Trigger: two rounds within 5% of each other, not one more, not one less */
static void test_trigger_stable(void)
{
    Sim s;

    sim_init(&s);
    /* first high round: nothing to compare with */
    g_assert_false(sim_round(&s, S, 2.0 * BW, BW, 1 * GiB));
    g_assert_cmpint(s.t.why, ==, MX_THR_WHY_UNSTABLE);
    /* changed by 10%: not yet */
    g_assert_false(sim_round(&s, S, 2.2 * BW, BW, 1 * GiB));
    g_assert_cmpint(s.t.why, ==, MX_THR_WHY_UNSTABLE);
    /* within 5% of the previous round (2.2 -> 2.3: 4.5%): throttle */
    g_assert_true(sim_round(&s, S, 2.3 * BW, BW, 1 * GiB));
    g_assert_cmpint(s.t.phase, ==, MX_THR_STAGED);
    /* the drain step: 1 - 0.3 s / (2.3 * 10.24 s) = 98.7%, below the cap */
    g_assert_cmpint(s.t.why, ==, MX_THR_WHY_DRAIN);
    g_assert_cmpint(s.t.pct, ==, 98);
}

/*
 * Trigger remaining: the dirty RAM left shrank by less than 5% since the
 * previous round, whatever the dirty rate does; growing counts too.
 */
static void test_trigger_remaining(void)
{
    Sim s;

    sim_init(&s);
    s.c.trigger = MX_THR_TRIG_REMAINING;
    /* first high round: nothing to compare with */
    g_assert_false(sim_round(&s, S, 2.0 * BW, BW, 1000 * MiB));
    g_assert_cmpint(s.t.why, ==, MX_THR_WHY_SHRINKING);
    /* shrank by 10%, the rate the same: not yet (dirty-rate would) */
    g_assert_false(sim_round(&s, S, 2.0 * BW, BW, 900 * MiB));
    g_assert_cmpint(s.t.why, ==, MX_THR_WHY_SHRINKING);
    /* shrank by 4.9%, the rate up 50%: throttle */
    g_assert_true(sim_round(&s, S, 3.0 * BW, BW, 856 * MiB));
    g_assert_cmpint(s.t.phase, ==, MX_THR_STAGED);

    /* growing: not converging at all */
    sim_init(&s);
    s.c.trigger = MX_THR_TRIG_REMAINING;
    sim_round(&s, S, 2.0 * BW, BW, 700 * MiB);
    g_assert_true(sim_round(&s, S, 1.5 * BW, BW, 800 * MiB));
    g_assert_cmpint(s.t.phase, !=, MX_THR_OFF);

    /* boundary: 5.1% less does not trigger, 4.9% less does */
    sim_init(&s);
    s.c.trigger = MX_THR_TRIG_REMAINING;
    sim_round(&s, S, 2.0 * BW, BW, 1000 * MiB);
    g_assert_false(sim_round(&s, S, 2.0 * BW, BW, 949 * MiB));
    g_assert_true(sim_round(&s, S, 2.0 * BW, BW, 903 * MiB));

    /* a light guest whose dirty RAM left stays put is never touched */
    sim_init(&s);
    s.c.trigger = MX_THR_TRIG_REMAINING;
    sim_round(&s, S, 0.4 * BW, BW, 300 * MiB);
    g_assert_false(sim_round(&s, S, 0.4 * BW, BW, 300 * MiB));
    g_assert_cmpint(s.t.why, ==, MX_THR_WHY_CONVERGING);
    g_assert_cmpint(s.t.phase, ==, MX_THR_OFF);
}

/* Trigger remaining, never within 5%: the MX_THR_HIGH_ROUNDS fallback */
static void test_trigger_remaining_noisy(void)
{
    Sim s;
    int i;
    uint64_t rem = 1000 * MiB;

    sim_init(&s);
    s.c.trigger = MX_THR_TRIG_REMAINING;
    for (i = 1; i < MX_THR_HIGH_ROUNDS; i++) {
        g_assert_false(sim_round(&s, S, 2.0 * BW, BW, rem));
        rem = rem * 8 / 10;
    }
    g_assert_true(sim_round(&s, S, 2.0 * BW, BW, rem));
    g_assert_cmpint(s.t.phase, !=, MX_THR_OFF);
}

/* Trigger first-high: the first round above the trigger share */
static void test_trigger_first_high(void)
{
    Sim s;
    int i;

    sim_init(&s);
    s.c.trigger = MX_THR_TRIG_FIRST_HIGH;
    g_assert_true(sim_round(&s, S, 0.51 * BW, BW, 1 * GiB));
    g_assert_cmpint(s.t.phase, ==, MX_THR_STAGED);

    /* after converging rounds, still the first high one */
    sim_init(&s);
    s.c.trigger = MX_THR_TRIG_FIRST_HIGH;
    for (i = 0; i < 5; i++) {
        g_assert_false(sim_round(&s, S, 0.3 * BW, BW, 1 * GiB));
    }
    g_assert_true(sim_round(&s, S, 2.0 * BW, BW, 1 * GiB));

    /* boundary: exactly the trigger share is not above it; a light guest */
    sim_init(&s);
    s.c.trigger = MX_THR_TRIG_FIRST_HIGH;
    for (i = 0; i < 20; i++) {
        g_assert_false(sim_round(&s, S, (i & 1 ? 0.5 : 0.45) * BW, BW,
                                 1 * GiB));
        g_assert_cmpint(s.t.why, ==, MX_THR_WHY_CONVERGING);
    }
    g_assert_cmpint(s.t.seen, ==, 0);

    /* a higher throttle-trigger-threshold moves it */
    sim_init(&s);
    s.c.trigger = MX_THR_TRIG_FIRST_HIGH;
    s.c.trigger_pct = 80;
    g_assert_false(sim_round(&s, S, 0.8 * BW, BW, 1 * GiB));
    g_assert_true(sim_round(&s, S, 0.81 * BW, BW, 1 * GiB));
}

/*
 * Trigger first-high with less than 5 s of bandwidth left: a single high
 * round may be a burst of a guest that converges (measured: a 50 MiB/s
 * guest starved for a round by a loaded host, then catching up at 53 MiB/s
 * with 93 MiB left): it takes two in a row, stock's own count.
 */
static void test_trigger_first_high_little_left(void)
{
    Sim s;

    /* the burst: converging rounds, one high round, converging again */
    sim_init(&s);
    s.c.trigger = MX_THR_TRIG_FIRST_HIGH;
    g_assert_false(sim_round(&s, S, 0.3 * BW, BW, 330 * MiB));
    g_assert_false(sim_round(&s, S, 0.2 * BW, BW, 150 * MiB));
    g_assert_false(sim_round(&s, S, 0.53 * BW, BW, 93 * MiB));
    g_assert_cmpint(s.t.why, ==, MX_THR_WHY_CONFIRM);
    g_assert_false(sim_round(&s, S, 0.4 * BW, BW, 40 * MiB));
    g_assert_cmpint(s.t.why, ==, MX_THR_WHY_CONVERGING);
    g_assert_false(sim_round(&s, S, 0.6 * BW, BW, 40 * MiB));
    g_assert_cmpint(s.t.phase, ==, MX_THR_OFF);
    g_assert_cmpint(s.t.seen, ==, 0);
    /* a second high round in a row: direct (little left) */
    g_assert_true(sim_round(&s, S, 0.6 * BW, BW, 40 * MiB));
    g_assert_cmpint(s.t.phase, ==, MX_THR_DIRECT);

    /* boundary: 5 s of bandwidth left triggers at once, 1 byte less waits */
    sim_init(&s);
    s.c.trigger = MX_THR_TRIG_FIRST_HIGH;
    g_assert_true(sim_round(&s, S, 2.0 * BW, BW, 500 * MiB));
    g_assert_cmpint(s.t.phase, ==, MX_THR_STAGED);
    sim_init(&s);
    s.c.trigger = MX_THR_TRIG_FIRST_HIGH;
    g_assert_false(sim_round(&s, S, 2.0 * BW, BW, 500 * MiB - 1));
    g_assert_cmpint(s.t.why, ==, MX_THR_WHY_CONFIRM);
    g_assert_true(sim_round(&s, S, 2.0 * BW, BW, 500 * MiB - 1));
    g_assert_cmpint(s.t.phase, ==, MX_THR_DIRECT);
}

/* The drain step, as computed: 1 - bw * downtime / (rate * remaining / bw) */
static void test_drain_formula(void)
{
    /* 10 s to drain at BW, dirtying BW: 1 - 0.3 / 10 = 97% */
    g_assert_cmpint(mx_thr_drain_pct(BW, BW, 1000 * MiB, 300 * MS), ==, 97);
    /* 2 * BW: 1 - 0.3 / 20 = 98.5% -> 99 */
    g_assert_cmpint(mx_thr_drain_pct(2 * BW, BW, 1000 * MiB, 300 * MS), ==,
                    99);
    /* half a second of dirtying fits a 1 s downtime: none needed */
    g_assert_cmpint(mx_thr_drain_pct(BW, BW, 50 * MiB, 1000 * MS), ==, 0);
    /* no downtime allowed at all: everything */
    g_assert_cmpint(mx_thr_drain_pct(BW, BW, 1000 * MiB, 0), ==, 100);
    g_assert_cmpint(mx_thr_drain_pct(BW, 0, 1000 * MiB, 300 * MS), ==, 100);
    g_assert_cmpint(mx_thr_drain_pct(0, BW, 1000 * MiB, 300 * MS), ==, 0);
    g_assert_cmpint(mx_thr_drain_pct(BW, BW, 0, 300 * MS), ==, 0);
}

/*
 * Staged, the first step is the drain step: when a drain is needed, the
 * highest level below the cap (the cap's time stays bounded), whatever
 * level the drain formula itself asks for; never below the formula, and
 * later rounds never lower.
 */
static void test_staged_drain(void)
{
    Sim s;
    int i;

    /*
     * 10 s of remaining, rate = BW: the drain formula asks for 97% (the
     * staged formula 80%); the drain pass runs at 98%, one below the cap
     */
    g_assert_cmpint(mx_thr_drain_pct(BW, BW, 1000 * MiB, 300 * MS), ==, 97);
    sim_init(&s);
    s.c.trigger = MX_THR_TRIG_FIRST_HIGH;
    g_assert_true(sim_round(&s, S, BW, BW, 1000 * MiB));
    g_assert_cmpint(s.t.phase, ==, MX_THR_STAGED);
    g_assert_cmpint(s.t.why, ==, MX_THR_WHY_DRAIN);
    g_assert_cmpint(s.t.pct, ==, 98);
    for (i = 0; i < 5; i++) {
        sim_round(&s, S, BW, BW, 100 * MiB);
        g_assert_cmpint(s.t.pct, ==, 98);
        g_assert_cmpint(s.t.phase, ==, MX_THR_STAGED);
    }

    /*
     * The measured case (round 3, CPU-bound, bench/results/throttle/r3):
     * a saturated round reports 87 MiB/s over a 105 MiB/s link with
     * 711 MiB left; the formula asks for 95%, which left 44-66 MiB after
     * the pass (budget 31 MiB) and one to three more rounds: 98%.
     */
    g_assert_cmpint(mx_thr_drain_pct(87.0 * MiB, 105.0 * MiB, 711 * MiB,
                                     300 * MS), ==, 95);
    sim_init(&s);
    s.c.trigger = MX_THR_TRIG_FIRST_HIGH;
    sim_round(&s, 8 * S, 87.0 * MiB, 105.0 * MiB, 711 * MiB);
    g_assert_cmpint(s.t.why, ==, MX_THR_WHY_DRAIN);
    g_assert_cmpint(s.t.pct, ==, 98);

    /* a lower cap: one below it */
    sim_init(&s);
    s.c.trigger = MX_THR_TRIG_FIRST_HIGH;
    s.c.max_pct = 90;
    sim_round(&s, S, BW, BW, 1000 * MiB);
    g_assert_cmpint(s.t.why, ==, MX_THR_WHY_DRAIN);
    g_assert_cmpint(s.t.pct, ==, 89);

    /*
     * the level below the cap is not above the formula's (80%): the
     * formula's level, not a drain step
     */
    sim_init(&s);
    s.c.trigger = MX_THR_TRIG_FIRST_HIGH;
    s.c.max_pct = 81;
    sim_round(&s, S, BW, BW, 1000 * MiB);
    g_assert_cmpint(s.t.phase, ==, MX_THR_STAGED);
    g_assert_cmpint(s.t.why, ==, MX_THR_WHY_STAGED);
    g_assert_cmpint(s.t.pct, ==, 80);

    /* the drain asks for the cap or more: one below it, not the cap */
    sim_init(&s);
    s.c.trigger = MX_THR_TRIG_FIRST_HIGH;
    s.c.downtime_ns = 0;
    sim_round(&s, S, BW, BW, 1000 * MiB);
    g_assert_cmpint(s.t.phase, ==, MX_THR_STAGED);
    g_assert_cmpint(s.t.pct, ==, 98);

    /* a long downtime limit: the drain step is below the formula's 80% */
    sim_init(&s);
    s.c.trigger = MX_THR_TRIG_FIRST_HIGH;
    s.c.downtime_ns = 5 * S;
    sim_round(&s, S, BW, BW, 1000 * MiB);
    g_assert_cmpint(s.t.why, ==, MX_THR_WHY_STAGED);
    g_assert_cmpint(s.t.pct, ==, 80);

    /* the formula's cap still wins: timed cap */
    sim_init(&s);
    s.c.trigger = MX_THR_TRIG_FIRST_HIGH;
    sim_round(&s, S, 60.0 * BW, BW, 1000 * MiB);
    g_assert_cmpint(s.t.phase, ==, MX_THR_CAP);

    /* little left: direct as before (two high rounds), no drain step */
    sim_init(&s);
    s.c.trigger = MX_THR_TRIG_FIRST_HIGH;
    sim_round(&s, S, 2.0 * BW, BW, 400 * MiB);
    sim_round(&s, S, 2.0 * BW, BW, 400 * MiB);
    g_assert_cmpint(s.t.phase, ==, MX_THR_DIRECT);
    g_assert_cmpint(s.t.pct, ==, 90);
}

/* The 5% boundary: 5.0% triggers, 5.2% does not */
static void test_trigger_boundary(void)
{
    Sim s;

    sim_init(&s);
    sim_round(&s, S, 2.0 * BW, BW, 1 * GiB);
    g_assert_false(sim_round(&s, S, 2.0 * 1.052 * BW, BW, 1 * GiB));
    g_assert_cmpint(s.t.phase, ==, MX_THR_OFF);

    sim_init(&s);
    sim_round(&s, S, 2.0 * BW, BW, 1 * GiB);
    g_assert_true(sim_round(&s, S, 2.0 * 0.95 * BW, BW, 1 * GiB));
    g_assert_cmpint(s.t.phase, !=, MX_THR_OFF);

    /* the trigger share: exactly 50% of the bandwidth is not above it */
    sim_init(&s);
    sim_round(&s, S, 0.5 * BW, BW, 1 * GiB);
    g_assert_false(sim_round(&s, S, 0.5 * BW, BW, 1 * GiB));
    g_assert_cmpint(s.t.why, ==, MX_THR_WHY_CONVERGING);
}

/* A rate that never settles still triggers after MX_THR_HIGH_ROUNDS */
static void test_trigger_noisy(void)
{
    Sim s;
    int i;

    sim_init(&s);
    for (i = 1; i < MX_THR_HIGH_ROUNDS; i++) {
        g_assert_false(sim_round(&s, S, (i & 1 ? 2.0 : 3.0) * BW, BW,
                                 1 * GiB));
    }
    g_assert_true(sim_round(&s, S, 2.0 * BW, BW, 1 * GiB));
    g_assert_cmpint(s.t.phase, !=, MX_THR_OFF);

    /* a converging round in between starts the count again */
    sim_init(&s);
    for (i = 1; i < MX_THR_HIGH_ROUNDS; i++) {
        sim_round(&s, S, (i & 1 ? 2.0 : 3.0) * BW, BW, 1 * GiB);
    }
    sim_round(&s, S, 0.1 * BW, BW, 1 * GiB);
    g_assert_false(sim_round(&s, S, 3.0 * BW, BW, 1 * GiB));
    g_assert_cmpint(s.t.phase, ==, MX_THR_OFF);
}

/* Little left: direct, 90% for 3 s then 99% for 3 s, then staged */
static void test_direct(void)
{
    Sim s;

    sim_init(&s);
    sim_round(&s, S, 2.0 * BW, BW, 400 * MiB);
    /* 400 MiB < 5 s * 100 MiB/s */
    g_assert_true(sim_round(&s, S, 2.0 * BW, BW, 400 * MiB));
    g_assert_cmpint(s.t.phase, ==, MX_THR_DIRECT);
    g_assert_cmpint(s.t.why, ==, MX_THR_WHY_DIRECT);
    g_assert_cmpint(s.t.pct, ==, 90);
    sim_wait(&s, 2900 * MS);
    g_assert_cmpint(s.t.pct, ==, 90);
    sim_wait(&s, 100 * MS);
    g_assert_cmpint(s.t.pct, ==, 99);
    g_assert_cmpint(s.t.phase, ==, MX_THR_DIRECT);
    /* rounds during direct change nothing */
    g_assert_false(sim_round(&s, 1 * S, 2.0 * BW, BW, 100 * MiB));
    g_assert_cmpfloat(fabs(s.t.full_rate - 2.0 * BW), <, 0.01 * BW);
    sim_wait(&s, 1900 * MS);
    g_assert_cmpint(s.t.phase, ==, MX_THR_DIRECT);
    g_assert_cmpint(s.t.pct, ==, 99);
    /*
     * 6 s: staged.  The last round ran at 99% and dirtied 1% of 2 * BW:
     * the unthrottled rate is 2 * BW, so 1 - 0.2 / 2 = 90%.
     */
    sim_wait(&s, 100 * MS);
    g_assert_cmpint(s.t.phase, ==, MX_THR_STAGED);
    g_assert_cmpint(s.t.why, ==, MX_THR_WHY_DIRECT_DONE);
    g_assert_cmpint(s.t.pct, ==, 90);
    g_assert_cmpfloat(mx_thr_seconds(&s.t, MX_THR_DIRECT, s.now), ==, 6.0);
}

/* The direct boundary: exactly 5 s of bandwidth left is staged */
static void test_direct_boundary(void)
{
    Sim s;

    sim_init(&s);
    sim_round(&s, S, 2.0 * BW, BW, 500 * MiB);
    sim_round(&s, S, 2.0 * BW, BW, 500 * MiB);
    g_assert_cmpint(s.t.phase, ==, MX_THR_STAGED);

    sim_init(&s);
    sim_round(&s, S, 2.0 * BW, BW, 500 * MiB - 1);
    sim_round(&s, S, 2.0 * BW, BW, 500 * MiB - 1);
    g_assert_cmpint(s.t.phase, ==, MX_THR_DIRECT);
}

/* Direct levels never exceed the cap (max-cpu-throttle) */
static void test_direct_capped(void)
{
    Sim s;

    sim_init(&s);
    s.c.max_pct = 80;
    sim_round(&s, S, 2.0 * BW, BW, 100 * MiB);
    sim_round(&s, S, 2.0 * BW, BW, 100 * MiB);
    g_assert_cmpint(s.t.phase, ==, MX_THR_DIRECT);
    g_assert_cmpint(s.t.pct, ==, 80);
    sim_wait(&s, 4 * S);
    g_assert_cmpint(s.t.pct, ==, 80);
}

/* The formula, as read: 1 - run * 0.2 * bandwidth / dirty rate */
static void test_formula(void)
{
    g_assert_cmpint(mx_thr_staged_pct(2.0 * BW, BW), ==, 90);
    g_assert_cmpint(mx_thr_staged_pct(1.0 * BW, BW), ==, 80);
    g_assert_cmpint(mx_thr_staged_pct(0.5 * BW, BW), ==, 60);
    g_assert_cmpint(mx_thr_staged_pct(0.2 * BW, BW), ==, 0);
    g_assert_cmpint(mx_thr_staged_pct(0.1 * BW, BW), ==, 0);
    g_assert_cmpint(mx_thr_staged_pct(0, BW), ==, 0);
    g_assert_cmpint(mx_thr_staged_pct(40.0 * BW, BW), ==, 100);
    /* 1 - 0.2 / 3.4 = 94.1% -> 95 (rounded up) */
    g_assert_cmpint(mx_thr_staged_pct(3.4 * BW, BW), ==, 95);
}

/*
 * Staged, a CPU-bound guest (its dirty rate follows its vCPU time):
 * one step to the level that gets the dirty rate to 20% of the link, and
 * it stays there; the throttle never goes down.
 */
static void test_staged_cpu_bound(void)
{
    Sim s;
    int i;

    sim_init(&s);
    s.c.downtime_ns = NO_DRAIN;
    sim_round(&s, 2 * S, 1.7 * BW, BW, 1 * GiB);
    g_assert_true(sim_round(&s, 2 * S, 1.7 * BW, BW, 1 * GiB));
    g_assert_cmpint(s.t.phase, ==, MX_THR_STAGED);
    g_assert_cmpint(s.t.pct, ==, mx_thr_staged_pct(1.7 * BW, BW));
    g_assert_cmpint(s.t.pct, ==, 89);
    for (i = 0; i < 10; i++) {
        int before = s.t.pct;

        sim_round(&s, S, 1.7 * BW, BW, 1 * GiB);
        g_assert_cmpint(s.t.pct, >=, before);
        g_assert_cmpint(s.t.pct, <=, 89);
    }
    g_assert_cmpint(s.t.phase, ==, MX_THR_STAGED);
    /* a guest that dirties less now: the throttle holds, never eases */
    sim_round(&s, S, 0.1 * BW, BW, 1 * GiB);
    g_assert_cmpint(s.t.pct, ==, 89);
    g_assert_cmpint(s.t.why, ==, MX_THR_WHY_HOLD);
}

/*
 * Staged, a guest with spare CPU (its dirty rate drops only once the
 * throttle takes more than its spare): progressive steps until the rate is
 * down to 20% of the link.
 */
static void test_staged_spare_cpu(void)
{
    Sim s;
    /* needs 30% of a vCPU for 2 * BW */
    const double need = 0.3, full = 2.0 * BW;
    MxThrInput in;
    int i, prev = 0, steps = 0;

    sim_init(&s);
    s.c.downtime_ns = NO_DRAIN;
    for (i = 0; i < 12; i++) {
        double run = 1.0 - s.t.pct / 100.0;

        sim_wait(&s, S);
        in.now = s.now;
        in.dirty_rate = run >= need ? full : full * run / need;
        in.bandwidth = BW;
        in.remaining = 1 * GiB;
        mx_thr_round(&s.t, &s.c, &in);
        g_assert_cmpint(s.t.pct, >=, prev);
        steps += s.t.pct > prev;
        prev = s.t.pct;
    }
    g_assert_cmpint(s.t.phase, ==, MX_THR_STAGED);
    g_assert_cmpint(steps, >=, 2);
    /* dirty rate at the final level: at most 20% of the bandwidth (+1%) */
    g_assert_cmpfloat(full * (1.0 - s.t.pct / 100.0) / need, <=,
                      0.21 * BW);
}

/*
 * The cap: formula above 99% -> 99% for cap_ns only, then
 * force-requested at the last level below the cap.
 */
static void test_cap(void)
{
    Sim s;

    sim_init(&s);
    s.c.downtime_ns = NO_DRAIN;
    sim_round(&s, S, 2.0 * BW, BW, 1 * GiB);
    sim_round(&s, S, 2.0 * BW, BW, 1 * GiB);
    g_assert_cmpint(s.t.pct, ==, 90);
    /* the guest's unthrottled rate turns out 50x the link */
    sim_round(&s, S, 50.0 * BW, BW, 1 * GiB);
    g_assert_cmpint(s.t.phase, ==, MX_THR_CAP);
    g_assert_cmpint(s.t.why, ==, MX_THR_WHY_CAP);
    g_assert_cmpint(s.t.pct, ==, 99);
    /* rounds at the cap change nothing */
    g_assert_false(sim_round(&s, 1 * S, 50.0 * BW, BW, 1 * GiB));
    sim_wait(&s, 1900 * MS);
    g_assert_cmpint(s.t.phase, ==, MX_THR_CAP);
    sim_wait(&s, 100 * MS);
    g_assert_cmpint(s.t.phase, ==, MX_THR_FORCE);
    g_assert_cmpint(s.t.why, ==, MX_THR_WHY_CAP_OVER);
    g_assert_cmpint(s.t.pct, ==, 90);
    g_assert_false(s.t.force);
    g_assert_cmpfloat(mx_thr_seconds(&s.t, MX_THR_CAP, s.now), ==, 3.0);
    /* and it stays there: never back to the cap, never forced */
    sim_round(&s, S, 50.0 * BW, BW, 1 * GiB);
    sim_wait(&s, 60 * S);
    g_assert_cmpint(s.t.phase, ==, MX_THR_FORCE);
    g_assert_cmpint(s.t.pct, ==, 90);
    g_assert_false(s.t.force);
    g_assert_cmpint(s.t.norder, ==, 3);
    g_assert_cmpint(s.t.order[0], ==, MX_THR_STAGED);
    g_assert_cmpint(s.t.order[1], ==, MX_THR_CAP);
    g_assert_cmpint(s.t.order[2], ==, MX_THR_FORCE);
}

/* The cap boundary: a formula level equal to the cap is the cap (timed) */
static void test_cap_boundary(void)
{
    Sim s;

    /* 2 * BW unthrottled: the formula says 90% */
    sim_init(&s);
    s.c.downtime_ns = NO_DRAIN;
    s.c.max_pct = 90;
    sim_round(&s, S, 2.0 * BW, BW, 1 * GiB);
    sim_round(&s, S, 2.0 * BW, BW, 1 * GiB);
    g_assert_cmpint(s.t.phase, ==, MX_THR_CAP);
    g_assert_cmpint(s.t.pct, ==, 90);

    sim_init(&s);
    s.c.downtime_ns = NO_DRAIN;
    s.c.max_pct = 91;
    sim_round(&s, S, 2.0 * BW, BW, 1 * GiB);
    sim_round(&s, S, 2.0 * BW, BW, 1 * GiB);
    g_assert_cmpint(s.t.phase, ==, MX_THR_STAGED);
    g_assert_cmpint(s.t.pct, ==, 90);
}

/* The cap's own timer: cap_ns is honoured, to the tick */
static void test_cap_timer(void)
{
    Sim s;

    sim_init(&s);
    s.c.cap_ns = 500 * MS;
    sim_round(&s, S, 60.0 * BW, BW, 1 * GiB);
    sim_round(&s, S, 60.0 * BW, BW, 1 * GiB);
    g_assert_cmpint(s.t.phase, ==, MX_THR_CAP);
    sim_wait(&s, 400 * MS);
    g_assert_cmpint(s.t.phase, ==, MX_THR_CAP);
    sim_wait(&s, 100 * MS);
    g_assert_cmpint(s.t.phase, ==, MX_THR_FORCE);
    /* straight to the cap: nothing below it was applied */
    g_assert_cmpint(s.t.pct, ==, 0);
}

/* Auto-force: after force_ns at the cap, the switchover is forced */
static void test_force(void)
{
    Sim s;

    sim_init(&s);
    s.c.force_ns = 2 * S;
    sim_round(&s, S, 60.0 * BW, BW, 1 * GiB);
    sim_round(&s, S, 60.0 * BW, BW, 1 * GiB);
    g_assert_cmpint(s.t.phase, ==, MX_THR_CAP);
    sim_wait(&s, 1900 * MS);
    g_assert_false(s.t.force);
    sim_wait(&s, 100 * MS);
    g_assert_true(s.t.force);
    g_assert_cmpint(s.t.why, ==, MX_THR_WHY_FORCE_NOW);
    g_assert_cmpint(s.t.phase, ==, MX_THR_CAP);
    g_assert_cmpint(s.t.pct, ==, 99);

    /* longer than the cap: forced from force-requested */
    sim_init(&s);
    s.c.force_ns = 5 * S;
    sim_round(&s, S, 60.0 * BW, BW, 1 * GiB);
    sim_round(&s, S, 60.0 * BW, BW, 1 * GiB);
    sim_wait(&s, 4900 * MS);
    g_assert_cmpint(s.t.phase, ==, MX_THR_FORCE);
    g_assert_false(s.t.force);
    sim_wait(&s, 100 * MS);
    g_assert_true(s.t.force);
}

/* Stop: off, no throttle, and the phases' times kept */
static void test_stop(void)
{
    Sim s;

    sim_init(&s);
    sim_round(&s, S, 2.0 * BW, BW, 100 * MiB);
    sim_round(&s, S, 2.0 * BW, BW, 100 * MiB);
    g_assert_cmpint(s.t.phase, ==, MX_THR_DIRECT);
    sim_wait(&s, 1500 * MS);
    mx_thr_stop(&s.t, s.now);
    g_assert_cmpint(s.t.phase, ==, MX_THR_OFF);
    g_assert_cmpint(s.t.pct, ==, 0);
    s.now += 10 * S;
    g_assert_cmpfloat(mx_thr_seconds(&s.t, MX_THR_DIRECT, s.now), ==, 1.5);
    g_assert_false(mx_thr_tick(&s.t, &s.c, s.now));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/mx-throttle/light-never", test_light_never);
    g_test_add_func("/mx-throttle/trigger/stable", test_trigger_stable);
    g_test_add_func("/mx-throttle/trigger/boundary", test_trigger_boundary);
    g_test_add_func("/mx-throttle/trigger/noisy", test_trigger_noisy);
    g_test_add_func("/mx-throttle/trigger/remaining", test_trigger_remaining);
    g_test_add_func("/mx-throttle/trigger/remaining-noisy",
                    test_trigger_remaining_noisy);
    g_test_add_func("/mx-throttle/trigger/first-high",
                    test_trigger_first_high);
    g_test_add_func("/mx-throttle/trigger/first-high-little-left",
                    test_trigger_first_high_little_left);
    g_test_add_func("/mx-throttle/drain", test_drain_formula);
    g_test_add_func("/mx-throttle/staged/drain", test_staged_drain);
    g_test_add_func("/mx-throttle/direct", test_direct);
    g_test_add_func("/mx-throttle/direct/boundary", test_direct_boundary);
    g_test_add_func("/mx-throttle/direct/capped", test_direct_capped);
    g_test_add_func("/mx-throttle/formula", test_formula);
    g_test_add_func("/mx-throttle/staged/cpu-bound", test_staged_cpu_bound);
    g_test_add_func("/mx-throttle/staged/spare-cpu", test_staged_spare_cpu);
    g_test_add_func("/mx-throttle/cap", test_cap);
    g_test_add_func("/mx-throttle/cap/boundary", test_cap_boundary);
    g_test_add_func("/mx-throttle/cap/timer", test_cap_timer);
    g_test_add_func("/mx-throttle/force", test_force);
    g_test_add_func("/mx-throttle/stop", test_stop);
    return g_test_run();
}
