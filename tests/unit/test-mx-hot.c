/*
 * qemu-mx: unit test of hot-segment deferral's decisions (migration/mx-hot.c).
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/bitmap.h"
#include "qemu/timer.h"
#include "../migration/mx-hot.h"

#define MiB_ (1024 * 1024ULL)

static uint64_t choose(const uint32_t *heat, uint64_t n, uint32_t max,
                       unsigned percent, unsigned long *d)
{
    return mx_hot_choose(heat, n, max, percent, UINT64_MAX, d);
}

/* 10 segments, two clearly hot: both deferred with room for them */
static void test_hot_pair(void)
{
    uint32_t heat[10] = { 1, 0, 512, 2, 1, 512, 0, 1, 0, 3 };
    unsigned long d[1];

    g_assert_cmpuint(choose(heat, 10, 512, 30, d), ==, 2);
    g_assert_true(test_bit(2, d));
    g_assert_true(test_bit(5, d));
    g_assert_cmpuint(find_first_bit(d, 10), ==, 2);
}

/* uniform writes: nothing is twice as hot as the mean, nothing deferred */
static void test_uniform(void)
{
    uint32_t heat[8] = { 100, 101, 99, 100, 100, 102, 98, 100 };
    unsigned long d[1];

    g_assert_cmpuint(choose(heat, 8, 512, 100, d), ==, 0);
    g_assert_cmpuint(find_first_bit(d, 8), ==, 8);
}

/*
 * A working set written uniformly in a guest that leaves most of its RAM
 * idle: the idle segments do not count in the mean, nothing is deferred.
 */
static void test_idle_ram(void)
{
    uint32_t heat[100] = { 0 };
    unsigned long d[2];
    int i;

    for (i = 10; i < 40; i++) {
        heat[i] = 100 + i % 3;
    }
    g_assert_cmpuint(choose(heat, 100, 512, 30, d), ==, 0);
    /* one segment of it hot: that one */
    heat[20] = 512;
    g_assert_cmpuint(choose(heat, 100, 512, 30, d), ==, 1);
    g_assert_true(test_bit(20, d));
}

/* all cold (no writes): nothing deferred */
static void test_all_cold(void)
{
    uint32_t heat[8] = { 0 };
    unsigned long d[1];

    g_assert_cmpuint(choose(heat, 8, 512, 100, d), ==, 0);
}

/*
 * All hot: with every segment equally hot none is hotter than the mean,
 * so nothing is deferred even at 100%.
 */
static void test_all_hot(void)
{
    uint32_t heat[8] = { 512, 512, 512, 512, 512, 512, 512, 512 };
    unsigned long d[1];

    g_assert_cmpuint(choose(heat, 8, 512, 100, d), ==, 0);
}

/* percent 0 defers nothing; percent 100 defers every eligible segment */
static void test_percent_bounds(void)
{
    uint32_t heat[10] = { 10, 10, 10, 10, 10, 10, 10, 500, 400, 300 };
    unsigned long d[1];

    g_assert_cmpuint(choose(heat, 10, 512, 0, d), ==, 0);
    g_assert_cmpuint(find_first_bit(d, 10), ==, 10);
    g_assert_cmpuint(choose(heat, 10, 512, 100, d), ==, 3);
    /* over 100 is taken as 100 */
    g_assert_cmpuint(choose(heat, 10, 512, 250, d), ==, 3);
}

/* the limit: the hottest first, then ties go to the lower index */
static void test_ties(void)
{
    uint32_t heat[20];
    unsigned long d[1];
    int i;

    for (i = 0; i < 20; i++) {
        heat[i] = 10;
    }
    heat[3] = 400;
    heat[7] = 200;
    heat[11] = 200;
    heat[15] = 200;
    /* 10% of 20 = 2: 3 (hottest) and 7 (lowest of the tied) */
    g_assert_cmpuint(choose(heat, 20, 512, 10, d), ==, 2);
    g_assert_true(test_bit(3, d));
    g_assert_true(test_bit(7, d));
    g_assert_false(test_bit(11, d));
    g_assert_false(test_bit(15, d));
    /* 15% of 20 = 3: 3, 7, 11 */
    g_assert_cmpuint(choose(heat, 20, 512, 15, d), ==, 3);
    g_assert_true(test_bit(11, d));
    g_assert_false(test_bit(15, d));
}

/*
 * The final phase: at most as many segments as fit half the switchover
 * threshold, the hottest first.
 */
static void test_final_limit(void)
{
    uint32_t heat[20];
    unsigned long d[1];
    int i;

    for (i = 0; i < 20; i++) {
        heat[i] = 10;
    }
    heat[2] = 300;
    heat[5] = 500;
    heat[9] = 400;
    /* 35 MiB threshold, 2 MiB segments: 8 fit half of it */
    g_assert_cmpuint(mx_hot_final_limit(35 * MiB_, 2 * MiB_), ==, 8);
    g_assert_cmpuint(mx_hot_final_limit(3 * MiB_, 2 * MiB_), ==, 0);
    g_assert_cmpuint(mx_hot_final_limit(35 * MiB_, 0), ==, 0);
    /* room for 2: the two hottest */
    g_assert_cmpuint(mx_hot_choose(heat, 20, 512, 30, 2, d), ==, 2);
    g_assert_true(test_bit(5, d));
    g_assert_true(test_bit(9, d));
    g_assert_false(test_bit(2, d));
    /* room for none: nothing held, the migration is stock's */
    g_assert_cmpuint(mx_hot_choose(heat, 20, 512, 30, 0, d), ==, 0);
    g_assert_cmpuint(find_first_bit(d, 20), ==, 20);
}

/* heat above a segment's size is clamped, not an out-of-range index */
static void test_clamp(void)
{
    uint32_t heat[4] = { 1, 9999, 1, 1 };
    unsigned long d[1];

    g_assert_cmpuint(choose(heat, 4, 64, 50, d), ==, 1);
    g_assert_true(test_bit(1, d));
}

/* the seed's switch-off: all dirty data below 1/10 of RAM */
static void test_rule_ram_share(void)
{
    MxHotRule r;
    uint64_t ram = 1024 * MiB_;

    mx_hot_rule_init(&r, true);
    g_assert_cmpint(mx_hot_rule_step(&r, 300 * MiB_, 60 * MiB_, 30 * MiB_, ram),
                    ==, MX_HOT_ON);
    /* 50 + 52 = 102 MiB < 102.4 MiB */
    g_assert_cmpint(mx_hot_rule_step(&r, 50 * MiB_, 52 * MiB_, 30 * MiB_, ram),
                    ==, MX_HOT_OFF_RAM_SHARE);
    /* off stays off */
    g_assert_cmpint(mx_hot_rule_step(&r, 500 * MiB_, 0, 30 * MiB_, ram),
                    ==, MX_HOT_OFF_RAM_SHARE);
}

/*
 * A hot set larger than 1/10 of RAM: the seed's rule never fires (held
 * back alone is 200 MiB), the cold part fitting the threshold ends it.
 */
static void test_rule_big_hot_set(void)
{
    MxHotRule r;
    uint64_t ram = 1024 * MiB_;

    mx_hot_rule_init(&r, true);
    g_assert_cmpint(mx_hot_rule_step(&r, 400 * MiB_, 200 * MiB_, 30 * MiB_,
                                     ram), ==, MX_HOT_ON);
    g_assert_cmpint(mx_hot_rule_step(&r, 100 * MiB_, 200 * MiB_, 30 * MiB_,
                                     ram), ==, MX_HOT_ON);
    g_assert_cmpint(mx_hot_rule_step(&r, 29 * MiB_, 200 * MiB_, 30 * MiB_,
                                     ram), ==, MX_HOT_OFF_COLD_FITS);
}

/* the cold part no longer shrinks by 1/10: deferral ends */
static void test_rule_no_progress(void)
{
    MxHotRule r;
    uint64_t ram = 1024 * MiB_;

    mx_hot_rule_init(&r, true);
    g_assert_cmpint(mx_hot_rule_step(&r, 400 * MiB_, 200 * MiB_, 30 * MiB_,
                                     ram), ==, MX_HOT_ON);
    /* 360 is exactly 1/10 less: still progress */
    g_assert_cmpint(mx_hot_rule_step(&r, 360 * MiB_, 200 * MiB_, 30 * MiB_,
                                     ram), ==, MX_HOT_ON);
    g_assert_cmpint(mx_hot_rule_step(&r, 330 * MiB_, 200 * MiB_, 30 * MiB_,
                                     ram), ==, MX_HOT_OFF_NO_PROGRESS);
}

static void test_rule_disabled_and_stop(void)
{
    MxHotRule r;

    mx_hot_rule_init(&r, false);
    g_assert_cmpint(mx_hot_rule_step(&r, 400 * MiB_, 0, 1, 1024 * MiB_), ==,
                    MX_HOT_OFF_DISABLED);
    mx_hot_rule_stop(&r);
    g_assert_cmpint(r.state, ==, MX_HOT_OFF_DISABLED);

    mx_hot_rule_init(&r, true);
    mx_hot_rule_stop(&r);
    g_assert_cmpint(r.state, ==, MX_HOT_OFF_STOPPED);
    g_assert_cmpint(mx_hot_rule_step(&r, 400 * MiB_, 0, 1, 1024 * MiB_), ==,
                    MX_HOT_OFF_STOPPED);
}

/*
 * The hold for the throttle (auto-converge): a 154 MiB hot set over a
 * link of 120 MiB/s (threshold 36 MiB at 300 ms).  @r is holding after
 * this; every later round is 100 ms and passes an idle link's threshold
 * (1 MiB), so the rule must use the highest it saw.
 */
#define HOLD_THR    (36 * MiB_)
#define HOLD_HOT    (154 * MiB_)

static MxHotRound hold_round(uint64_t cold, uint64_t written, int64_t now,
                             unsigned throttle)
{
    MxHotRound in = {
        .cold = cold, .deferred = HOLD_HOT, .threshold = 1 * MiB_,
        .ram = 1024 * MiB_, .hot_written = written, .elapsed_ms = 100,
        .now_ms = now, .downtime_ms = 300, .trigger_pct = 50,
        .throttle_pct = throttle,
    };
    return in;
}

static void hold_start(MxHotRule *r, bool hold)
{
    MxHotRound in = {
        .cold = 400 * MiB_, .deferred = HOLD_HOT, .threshold = HOLD_THR,
        .ram = 1024 * MiB_, .hot_written = 130 * MiB_, .elapsed_ms = 1000,
        .now_ms = 10000, .downtime_ms = 300, .trigger_pct = 50,
    };

    mx_hot_rule_init(r, true);
    mx_hot_rule_set_hold(r, hold);
    g_assert_cmpint(mx_hot_rule_round(r, &in), ==, MX_HOT_ON);
    g_assert_false(r->holding);
    /* the cold part fits: without the hold this ends the first phase */
    in.cold = 20 * MiB_;
    in.now_ms += 1000;
    g_assert_cmpint(mx_hot_rule_round(r, &in), ==,
                    hold ? MX_HOT_ON : MX_HOT_OFF_COLD_FITS);
    g_assert_cmpint(r->holding, ==, hold);
}

/*
 * Negative control: the same rounds with the hold off end the first phase
 * at cold-fits (as before the hold existed), with it on deferral holds on.
 */
static void test_hold_starts(void)
{
    MxHotRule r;

    hold_start(&r, false);
    g_assert_cmpint(r.state, ==, MX_HOT_OFF_COLD_FITS);
    hold_start(&r, true);
    g_assert_cmpint(r.state, ==, MX_HOT_ON);
    g_assert_cmpint(r.hold_why, ==, MX_HOT_OFF_COLD_FITS);
    g_assert_cmpuint(r.thr_max, ==, HOLD_THR);
}

/* no-progress becomes a hold too */
static void test_hold_no_progress(void)
{
    MxHotRule r;
    MxHotRound in = {
        .cold = 400 * MiB_, .deferred = HOLD_HOT, .threshold = HOLD_THR,
        .ram = 1024 * MiB_, .downtime_ms = 300, .trigger_pct = 50,
    };

    mx_hot_rule_init(&r, true);
    mx_hot_rule_set_hold(&r, true);
    g_assert_cmpint(mx_hot_rule_round(&r, &in), ==, MX_HOT_ON);
    in.cold = 390 * MiB_;
    g_assert_cmpint(mx_hot_rule_round(&r, &in), ==, MX_HOT_ON);
    g_assert_true(r.holding);
    g_assert_cmpint(r.hold_why, ==, MX_HOT_OFF_NO_PROGRESS);
}

/*
 * Held until the throttled hot rate lets the hot set go once: at 135 MiB/s
 * sending 156 MiB (1.3 s) would dirty it all again; at 60 MiB/s 78 MiB,
 * more than twice the 36 MiB threshold; at 50 MiB/s 65 MiB, within twice
 * the threshold of the busy link (not the idle link's 1 MiB).
 */
static void test_hold_hot_fits(void)
{
    MxHotRule r;
    MxHotRound in;
    int64_t now = 11000;
    int i;

    hold_start(&r, true);
    /* rates need MX_HOT_RATE_MS: 200 ms decide nothing */
    for (i = 0; i < 2; i++) {
        in = hold_round(2 * MiB_, 13 * MiB_ + MiB_ / 2, now += 100, 20);
        g_assert_cmpint(mx_hot_rule_round(&r, &in), ==, MX_HOT_ON);
        g_assert_cmpuint(r.est_rate, ==, 0);
    }
    in = hold_round(2 * MiB_, 13 * MiB_ + MiB_ / 2, now += 100, 20);
    g_assert_cmpint(mx_hot_rule_round(&r, &in), ==, MX_HOT_ON);
    g_assert_cmpuint(r.est_rate, ==, 135 * MiB_);
    g_assert_cmpuint(r.est_send_ms, ==, 1300);
    g_assert_cmpuint(r.est_dirtied, ==, HOLD_HOT);     /* capped */
    /* throttled: 60 MiB/s, not yet */
    for (i = 0; i < 3; i++) {
        in = hold_round(2 * MiB_, 6 * MiB_, now += 100, 60);
        g_assert_cmpint(mx_hot_rule_round(&r, &in), ==, MX_HOT_ON);
    }
    g_assert_cmpuint(r.est_dirtied, ==, 78 * MiB_);
    /* 50 MiB/s */
    for (i = 0; i < 2; i++) {
        in = hold_round(2 * MiB_, 5 * MiB_, now += 100, 70);
        g_assert_cmpint(mx_hot_rule_round(&r, &in), ==, MX_HOT_ON);
    }
    in = hold_round(2 * MiB_, 5 * MiB_, now += 100, 70);
    g_assert_cmpint(mx_hot_rule_round(&r, &in), ==, MX_HOT_OFF_HOT_FITS);
    g_assert_false(r.holding);
    g_assert_cmpuint(r.est_dirtied, ==, 65 * MiB_);
    /* over stays over */
    g_assert_cmpint(mx_hot_rule_round(&r, &in), ==, MX_HOT_OFF_HOT_FITS);
}

/*
 * No throttle and a 300 MiB hot set written below throttle-trigger-threshold
 * (50 MiB/s, under 50% of 120 MiB/s; sending it would leave 126 MiB):
 * auto-converge would not act, iterate it, once MX_HOT_SLOW_COUNT
 * measurements in a row say so.  A throttle running, or one faster
 * measurement, starts the count again.
 */
static bool slow_measure(MxHotRule *r, int64_t *now, unsigned throttle,
                         uint64_t per_100ms)
{
    MxHotRound in;
    MxHotState st = MX_HOT_ON;
    int i;

    for (i = 0; i < 3; i++) {
        in = hold_round(2 * MiB_, per_100ms, *now += 100, throttle);
        in.deferred = 300 * MiB_;
        st = mx_hot_rule_round(r, &in);
        if (st != MX_HOT_ON) {
            break;
        }
    }
    return st == MX_HOT_OFF_HOT_SLOW;
}

static void test_hold_hot_slow(void)
{
    MxHotRule r;
    int64_t now = 11000;
    int i;

    hold_start(&r, true);
    /* throttled: never slow */
    for (i = 0; i < MX_HOT_SLOW_COUNT + 1; i++) {
        g_assert_false(slow_measure(&r, &now, 10, 5 * MiB_));
    }
    g_assert_cmpuint(r.est_rate, ==, 50 * MiB_);
    g_assert_cmpuint(r.est_dirtied, >, MX_HOT_FIT_MUL * HOLD_THR);
    /* not throttled: slow, then one fast measurement, then slow again */
    for (i = 0; i < MX_HOT_SLOW_COUNT - 1; i++) {
        g_assert_false(slow_measure(&r, &now, 0, 5 * MiB_));
    }
    g_assert_false(slow_measure(&r, &now, 0, 13 * MiB_));
    for (i = 0; i < MX_HOT_SLOW_COUNT - 1; i++) {
        g_assert_false(slow_measure(&r, &now, 0, 5 * MiB_));
    }
    g_assert_true(slow_measure(&r, &now, 0, 5 * MiB_));
    g_assert_cmpint(r.state, ==, MX_HOT_OFF_HOT_SLOW);
}

/* the throttle never starts: 5 s; it never gets there: 30 s */
static void test_hold_timeouts(void)
{
    MxHotRule r;
    MxHotRound in;
    int64_t t0 = 11000;

    hold_start(&r, true);
    in = hold_round(2 * MiB_, 13 * MiB_, t0 + MX_HOT_HOLD_START_MS - 1, 0);
    g_assert_cmpint(mx_hot_rule_round(&r, &in), ==, MX_HOT_ON);
    in = hold_round(2 * MiB_, 13 * MiB_, t0 + MX_HOT_HOLD_START_MS, 0);
    g_assert_cmpint(mx_hot_rule_round(&r, &in), ==, MX_HOT_OFF_NO_THROTTLE);

    hold_start(&r, true);
    in = hold_round(2 * MiB_, 13 * MiB_, t0 + MX_HOT_HOLD_MAX_MS - 1, 99);
    g_assert_cmpint(mx_hot_rule_round(&r, &in), ==, MX_HOT_ON);
    in = hold_round(2 * MiB_, 13 * MiB_, t0 + MX_HOT_HOLD_MAX_MS, 99);
    g_assert_cmpint(mx_hot_rule_round(&r, &in), ==, MX_HOT_OFF_HOLD_TIMEOUT);
}

/*
 * A hot set within what the final phase keeps (half the threshold) is not
 * held: cold-fits or 1/10 of RAM as without auto-converge.  A larger one
 * below 1/10 of RAM is held (the seed's rule would release 90 MiB the
 * guest re-dirties at 130 MiB/s), and once holding, 1/10 of RAM does not
 * end the hold.  Nothing held any more ends it.
 */
static void test_hold_not_needed(void)
{
    MxHotRule r;
    MxHotRound in = {
        .cold = 20 * MiB_, .deferred = 18 * MiB_, .threshold = HOLD_THR,
        .ram = 256 * MiB_, .downtime_ms = 300, .trigger_pct = 50,
    };

    mx_hot_rule_init(&r, true);
    mx_hot_rule_set_hold(&r, true);
    g_assert_cmpint(mx_hot_rule_round(&r, &in), ==, MX_HOT_OFF_COLD_FITS);
    g_assert_false(r.holding);
    mx_hot_rule_init(&r, true);
    mx_hot_rule_set_hold(&r, true);
    in.cold = 5 * MiB_;
    in.deferred = 10 * MiB_;
    g_assert_cmpint(mx_hot_rule_round(&r, &in), ==, MX_HOT_OFF_RAM_SHARE);
    g_assert_false(r.holding);

    /* 90 MiB held, 2 MiB cold: below 1/10 of 1 GiB, held all the same */
    mx_hot_rule_init(&r, true);
    mx_hot_rule_set_hold(&r, true);
    in = hold_round(2 * MiB_, 130 * MiB_, 10000, 0);
    in.deferred = 90 * MiB_;
    in.threshold = HOLD_THR;
    in.elapsed_ms = 1000;
    g_assert_cmpint(mx_hot_rule_round(&r, &in), ==, MX_HOT_ON);
    g_assert_true(r.holding);
    g_assert_cmpint(r.hold_why, ==, MX_HOT_OFF_RAM_SHARE);
    /* holding: 1/10 of RAM does not end it; 3 x 13 MiB in 300 ms: not yet */
    hold_start(&r, true);
    in = hold_round(2 * MiB_, 13 * MiB_, 11100, 20);
    in.deferred = 90 * MiB_;        /* 92 < 102.4 MiB */
    g_assert_cmpint(mx_hot_rule_round(&r, &in), ==, MX_HOT_ON);
    g_assert_true(r.holding);
    in.now_ms += 100;
    g_assert_cmpint(mx_hot_rule_round(&r, &in), ==, MX_HOT_ON);
    in.now_ms += 100;
    g_assert_cmpint(mx_hot_rule_round(&r, &in), ==, MX_HOT_ON);
    g_assert_true(r.holding);
    g_assert_cmpuint(r.est_dirtied, ==, 90 * MiB_);

    hold_start(&r, true);
    in = hold_round(200 * MiB_, 0, 11100, 20);
    in.deferred = 0;
    g_assert_cmpint(mx_hot_rule_round(&r, &in), ==, MX_HOT_OFF_HOT_FITS);
}

/* writes to held pages the sync did not count; the pacing of the hold */
static void test_rewrites_and_pace(void)
{
    g_assert_cmpuint(mx_hot_rewrites(100, 60, 50), ==, 90);
    g_assert_cmpuint(mx_hot_rewrites(100, 40, 50), ==, 100);
    g_assert_cmpuint(mx_hot_rewrites(5, 60, 50), ==, 0);
    g_assert_cmpuint(mx_hot_rewrites(0, 0, 0), ==, 0);

    g_assert_cmpuint(mx_hot_pace_ms(false, 1030, 1000), ==, 0);
    g_assert_cmpuint(mx_hot_pace_ms(true, 1030, 1000), ==, 70);
    g_assert_cmpuint(mx_hot_pace_ms(true, 1100, 1000), ==, 0);
    g_assert_cmpuint(mx_hot_pace_ms(true, 900, 1000), ==,
                     MX_HOT_HOLD_SYNC_MS);
}

/*
 * Cost of a choice for a 1 TiB guest at the default 2 MiB segments
 * (524288 segments of 512 pages), 5% of them hot: reported, not asserted.
 */
static void test_cost_1tib(void)
{
    uint64_t n = 1ULL << 19, i, marked;
    uint32_t *heat = g_new0(uint32_t, n);
    unsigned long *d = bitmap_new(n);
    int64_t t0;

    for (i = 0; i < n; i++) {
        heat[i] = (i % 20 == 0) ? 512 : (i % 7);
    }
    t0 = get_clock();
    marked = choose(heat, n, 512, 30, d);
    g_test_message("1 TiB, 2 MiB segments: choice of %" PRIu64 " of %" PRIu64
                   " segments took %" PRId64 " us", marked, n,
                   (get_clock() - t0) / 1000);
    g_assert_cmpuint(marked, ==, DIV_ROUND_UP(n, 20));
    g_free(heat);
    g_free(d);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/mx-hot/choose/hot-pair", test_hot_pair);
    g_test_add_func("/mx-hot/choose/uniform", test_uniform);
    g_test_add_func("/mx-hot/choose/idle-ram", test_idle_ram);
    g_test_add_func("/mx-hot/choose/all-cold", test_all_cold);
    g_test_add_func("/mx-hot/choose/all-hot", test_all_hot);
    g_test_add_func("/mx-hot/choose/percent-bounds", test_percent_bounds);
    g_test_add_func("/mx-hot/choose/ties", test_ties);
    g_test_add_func("/mx-hot/choose/clamp", test_clamp);
    g_test_add_func("/mx-hot/choose/final-limit", test_final_limit);
    g_test_add_func("/mx-hot/rule/ram-share", test_rule_ram_share);
    g_test_add_func("/mx-hot/rule/big-hot-set", test_rule_big_hot_set);
    g_test_add_func("/mx-hot/rule/no-progress", test_rule_no_progress);
    g_test_add_func("/mx-hot/rule/disabled-and-stop",
                    test_rule_disabled_and_stop);
    g_test_add_func("/mx-hot/hold/starts", test_hold_starts);
    g_test_add_func("/mx-hot/hold/no-progress", test_hold_no_progress);
    g_test_add_func("/mx-hot/hold/hot-fits", test_hold_hot_fits);
    g_test_add_func("/mx-hot/hold/hot-slow", test_hold_hot_slow);
    g_test_add_func("/mx-hot/hold/timeouts", test_hold_timeouts);
    g_test_add_func("/mx-hot/hold/not-needed", test_hold_not_needed);
    g_test_add_func("/mx-hot/hold/rewrites-and-pace", test_rewrites_and_pace);
    g_test_add_func("/mx-hot/cost/1tib", test_cost_1tib);
    return g_test_run();
}
