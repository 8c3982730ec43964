/*
 * qemu-mx: unit test of the batch-size rule of the batched compress
 * hand-off (migration/mx-compress-batch-rule.c).
 *
 * The rule sees only what the pool feeds it: each finished batch's page
 * count and the compress thread's own CPU time for it.  The tests feed it
 * the costs of lz4 pages (~3 us), zlib pages (~60 us), zero pages and
 * changes between them, and check the batch sizes it answers.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "../migration/mx-compress-batch-rule.h"

#define LZ4_NS      3000        /* one 4 KiB guest page, lz4 level 1 */
#define ZLIB_NS     60000       /* the same page, zlib level 1 */
#define ZERO_NS     300         /* a zero page: buffer_is_zero + header */

/* 1 is stock's per-page hand-off, whatever the pages cost */
static void test_stock(void)
{
    MxBatchRule r;

    g_assert_cmpuint(mx_batch_size(1, 0), ==, 1);
    g_assert_cmpuint(mx_batch_size(1, LZ4_NS), ==, 1);
    g_assert_cmpuint(mx_batch_size(1, ZERO_NS), ==, 1);
    mx_batch_rule_init(&r, 1);
    g_assert_cmpuint(r.size, ==, 1);
    for (int i = 0; i < 100; i++) {
        g_assert_cmpuint(mx_batch_rule_observe(&r, LZ4_NS, 1), ==, 1);
    }
}

/* A fixed size is used as given, clamped to the largest batch */
static void test_fixed(void)
{
    for (unsigned n = 2; n <= MX_BATCH_MAX; n++) {
        g_assert_cmpuint(mx_batch_size(n, 0), ==, n);
        g_assert_cmpuint(mx_batch_size(n, ZLIB_NS), ==, n);
        g_assert_cmpuint(mx_batch_size(n, ZERO_NS), ==, n);
    }
    g_assert_cmpuint(mx_batch_size(255, LZ4_NS), ==, MX_BATCH_MAX);
}

/* Auto: the start size until a batch was measured */
static void test_auto_start(void)
{
    MxBatchRule r;

    mx_batch_rule_init(&r, 0);
    g_assert_cmpuint(r.size, ==, MX_BATCH_START);
    /* an empty batch (cleanup stopped it) measures nothing */
    g_assert_cmpuint(mx_batch_rule_observe(&r, 5000, 0), ==, MX_BATCH_START);
    g_assert_cmpuint(r.page_ns, ==, 0);
}

/*
 * Auto: the hand-off costs at most a tenth of the batch: with lz4 that is
 * 60 pages, with zlib 3 (a page of zlib already costs 3x a hand-off).
 */
static void test_auto_costs(void)
{
    unsigned lz4 = mx_batch_size(0, LZ4_NS);
    unsigned zlib = mx_batch_size(0, ZLIB_NS);

    g_assert_cmpuint(lz4, ==, 60);
    g_assert_cmpuint(zlib, ==, 3);
    /* the property the rule promises, for every cost it can answer */
    for (uint64_t ns = 100; ns <= 1000000; ns += 100) {
        unsigned n = mx_batch_size(0, ns);

        g_assert_cmpuint(n, >=, 2);
        g_assert_cmpuint(n, <=, MX_BATCH_MAX);
        if (n < MX_BATCH_MAX && (uint64_t)n * ns <= MX_BATCH_LATENCY_NS &&
            n > 2) {
            /* not clamped: the overhead bound holds, and is tight */
            g_assert_cmpuint(MX_BATCH_HANDOFF_NS * MX_BATCH_OVERHEAD_DIV,
                             <=, n * ns);
            g_assert_cmpuint(MX_BATCH_HANDOFF_NS * MX_BATCH_OVERHEAD_DIV,
                             >, (n - 1) * ns);
        }
    }
    /* zero pages cost next to nothing: the largest batch */
    g_assert_cmpuint(mx_batch_size(0, ZERO_NS), ==, MX_BATCH_MAX);
    g_assert_cmpuint(mx_batch_size(0, 1), ==, MX_BATCH_MAX);
}

/* Auto: a slow page (zlib level 9 on a loaded host) is not batched long */
static void test_auto_latency(void)
{
    /* 1 ms a page: 2 pages is the least batch and within the bound */
    g_assert_cmpuint(mx_batch_size(0, 1000000), ==, 2);
    /* 200 us a page: the overhead wants 1, the least is 2 */
    g_assert_cmpuint(mx_batch_size(0, 200000), ==, 2);
    /*
     * The latency bound wins over the overhead bound when pages are
     * slow enough; with the constants in use it never goes below 2.
     */
    for (uint64_t ns = 1000; ns <= 4000000; ns += 1000) {
        unsigned n = mx_batch_size(0, ns);

        if (n > 2) {
            g_assert_cmpuint((uint64_t)n * ns, <=, MX_BATCH_LATENCY_NS);
        }
    }
}

/* Auto follows the measured cost: lz4 pages, then zlib pages, then back */
static void test_auto_follows(void)
{
    MxBatchRule r;
    unsigned n;
    int i;

    mx_batch_rule_init(&r, 0);
    for (i = 0; i < 20; i++) {
        n = mx_batch_rule_observe(&r, (uint64_t)r.size * LZ4_NS, r.size);
    }
    g_assert_cmpuint(n, ==, 60);
    g_assert_cmpuint(r.page_ns, ==, LZ4_NS);
    /* one slow batch (the thread was preempted) does not undo it */
    n = mx_batch_rule_observe(&r, (uint64_t)r.size * LZ4_NS * 3, r.size);
    g_assert_cmpuint(n, >=, 30);
    g_assert_cmpuint(n, <, 60);
    /* zlib pages from now on: down to 3 or 4 within a few batches */
    for (i = 0; i < 10; i++) {
        n = mx_batch_rule_observe(&r, (uint64_t)r.size * ZLIB_NS, r.size);
    }
    g_assert_cmpuint(n, <=, 4);
    for (i = 0; i < 20; i++) {
        n = mx_batch_rule_observe(&r, (uint64_t)r.size * ZLIB_NS, r.size);
    }
    g_assert_cmpuint(n, >=, 3);
    g_assert_cmpuint(n, <=, 4);
    /* zero pages: up to the largest batch */
    for (i = 0; i < 40; i++) {
        n = mx_batch_rule_observe(&r, (uint64_t)r.size * ZERO_NS, r.size);
    }
    g_assert_cmpuint(n, ==, MX_BATCH_MAX);
    g_assert_cmpuint(r.batches, ==, 91);
}

/* A batch measured as taking no CPU at all (coarse clock) is not a crash */
static void test_auto_zero_time(void)
{
    MxBatchRule r;

    mx_batch_rule_init(&r, 0);
    g_assert_cmpuint(mx_batch_rule_observe(&r, 0, 16), ==, MX_BATCH_MAX);
    g_assert_cmpuint(r.page_ns, ==, 1);
    g_assert_cmpuint(mx_batch_rule_observe(&r, 0, 16), ==, MX_BATCH_MAX);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/mx-compress-batch/stock", test_stock);
    g_test_add_func("/mx-compress-batch/fixed", test_fixed);
    g_test_add_func("/mx-compress-batch/auto/start", test_auto_start);
    g_test_add_func("/mx-compress-batch/auto/costs", test_auto_costs);
    g_test_add_func("/mx-compress-batch/auto/latency", test_auto_latency);
    g_test_add_func("/mx-compress-batch/auto/follows", test_auto_follows);
    g_test_add_func("/mx-compress-batch/auto/zero-time", test_auto_zero_time);
    return g_test_run();
}
