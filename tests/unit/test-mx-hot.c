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
    g_test_add_func("/mx-hot/cost/1tib", test_cost_1tib);
    return g_test_run();
}
