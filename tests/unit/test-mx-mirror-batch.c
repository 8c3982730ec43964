/*
 * qemu-mx: unit test of the mirror's areas-per-turn rule
 * (block/mx-mirror-batch.c).
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "block/mx-mirror-batch.h"

#define SLICE_NS 100000000LL

/* A turn that may go on: everything below changes one input of it */
static MxMirrorBatchIn go(void)
{
    MxMirrorBatchIn in = {
        .done = 1, .batch = 16, .delay_ns = 0,
        .dirty = 4096, .in_flight = 1, .max_in_flight = 16, .buf_free = 15,
        .error = false, .since_pause_ns = 1000, .slice_ns = SLICE_NS,
    };
    return in;
}

static void test_more(void)
{
    MxMirrorBatchIn in = go();

    g_assert_cmpint(mx_mirror_batch_next(&in), ==, MX_MIRROR_BATCH_MORE);
    g_assert_cmpstr(mx_mirror_batch_why_str(MX_MIRROR_BATCH_MORE), ==, "more");
}

/* batch 1 is stock: one area per turn, whatever else holds */
static void test_stock(void)
{
    MxMirrorBatchIn in = go();

    in.batch = MX_MIRROR_BATCH_STOCK;
    g_assert_cmpint(mx_mirror_batch_next(&in), ==, MX_MIRROR_BATCH_LIMIT);
}

/* the limit counts areas: batch - 1 more after the first, then stop */
static void test_limit(void)
{
    MxMirrorBatchIn in = go();
    unsigned n = 1;

    in.batch = 5;
    in.max_in_flight = 100;
    in.buf_free = 100;
    while (mx_mirror_batch_next(&in) == MX_MIRROR_BATCH_MORE) {
        in.done++;
        in.in_flight++;
        in.buf_free--;
        n++;
    }
    g_assert_cmpuint(n, ==, 5);
    g_assert_cmpint(mx_mirror_batch_next(&in), ==, MX_MIRROR_BATCH_LIMIT);
}

/* the in-flight limit and the buffer end a turn at their boundary */
static void test_in_flight_and_buffer(void)
{
    MxMirrorBatchIn in = go();

    in.in_flight = 15;
    g_assert_cmpint(mx_mirror_batch_next(&in), ==, MX_MIRROR_BATCH_MORE);
    in.in_flight = 16;
    g_assert_cmpint(mx_mirror_batch_next(&in), ==, MX_MIRROR_BATCH_IN_FLIGHT);
    in = go();
    in.buf_free = 1;
    g_assert_cmpint(mx_mirror_batch_next(&in), ==, MX_MIRROR_BATCH_MORE);
    in.buf_free = 0;
    g_assert_cmpint(mx_mirror_batch_next(&in), ==, MX_MIRROR_BATCH_BUFFER);
}

static void test_clean_rate_error(void)
{
    MxMirrorBatchIn in = go();

    in.dirty = 0;
    g_assert_cmpint(mx_mirror_batch_next(&in), ==, MX_MIRROR_BATCH_CLEAN);
    in = go();
    in.delay_ns = 1;
    g_assert_cmpint(mx_mirror_batch_next(&in), ==, MX_MIRROR_BATCH_RATE);
    /* an error wins over everything: it must be reported now */
    in.error = true;
    in.batch = 64;
    g_assert_cmpint(mx_mirror_batch_next(&in), ==, MX_MIRROR_BATCH_ERROR);
    g_assert_cmpstr(mx_mirror_batch_why_str(MX_MIRROR_BATCH_ERROR), ==,
                    "error");
}

/* the job yields at its time slice, so drains and pauses get through */
static void test_slice(void)
{
    MxMirrorBatchIn in = go();

    in.since_pause_ns = SLICE_NS - 1;
    g_assert_cmpint(mx_mirror_batch_next(&in), ==, MX_MIRROR_BATCH_MORE);
    in.since_pause_ns = SLICE_NS;
    g_assert_cmpint(mx_mirror_batch_next(&in), ==, MX_MIRROR_BATCH_SLICE);
}

static void test_param(void)
{
    g_assert_false(mx_mirror_batch_param_valid(0));
    g_assert_true(mx_mirror_batch_param_valid(MX_MIRROR_BATCH_STOCK));
    g_assert_true(mx_mirror_batch_param_valid(MX_MIRROR_BATCH_DEFAULT));
    g_assert_true(mx_mirror_batch_param_valid(16));
    g_assert_true(mx_mirror_batch_param_valid(MX_MIRROR_BATCH_MAX));
    g_assert_false(mx_mirror_batch_param_valid(MX_MIRROR_BATCH_MAX + 1));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/mx-mirror-batch/more", test_more);
    g_test_add_func("/mx-mirror-batch/stock", test_stock);
    g_test_add_func("/mx-mirror-batch/limit", test_limit);
    g_test_add_func("/mx-mirror-batch/in-flight-and-buffer",
                    test_in_flight_and_buffer);
    g_test_add_func("/mx-mirror-batch/clean-rate-error",
                    test_clean_rate_error);
    g_test_add_func("/mx-mirror-batch/slice", test_slice);
    g_test_add_func("/mx-mirror-batch/param", test_param);
    return g_test_run();
}
