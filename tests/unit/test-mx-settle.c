/*
 * qemu-mx: unit test of the rule that says when the disks may be
 * inactivated under running mirror jobs (block/mx-settle-rule.c).
 *
 * A fake mirror copies its last dirty bytes on a fake clock; the tests
 * check that the rule waits while bytes are being copied, says DONE only
 * when none is left, and gives up (so the migration fails and the source
 * keeps its disks) on a job that is not ready, paused with data, stuck, or
 * too slow.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/timer.h"
#include "../block/mx-settle-rule.h"

#define MS SCALE_MS
#define TICK (10 * MS)

/*
 * Drive the rule with one job copying @rate bytes per tick from @pending;
 * returns the verdict and the fake time it came at in *@at.
 */
static MxSettleVerdict run(int64_t pending, int64_t rate, int64_t *at)
{
    MxSettle st;
    MxSettleSample s = { .jobs = 1, .pending = pending };
    int64_t now = 1000 * MS;    /* any start */
    int64_t start = now;
    MxSettleVerdict v;

    mx_settle_init(&st);
    for (;;) {
        v = mx_settle_step(&st, &s, now);
        if (v != MX_SETTLE_WAIT) {
            break;
        }
        g_assert_cmpint(s.pending, >, 0);
        now += TICK;
        s.pending = MAX(0, s.pending - rate);
    }
    *at = now - start;
    return v;
}

static void test_no_jobs(void)
{
    MxSettle st;
    MxSettleSample s = { 0 };

    mx_settle_init(&st);
    g_assert_cmpint(mx_settle_step(&st, &s, 0), ==, MX_SETTLE_DONE);
}

static void test_in_sync(void)
{
    int64_t at;

    g_assert_cmpint(run(0, 0, &at), ==, MX_SETTLE_DONE);
    g_assert_cmpint(at, ==, 0);
}

static void test_copies_the_rest(void)
{
    int64_t at;

    /* 4 MiB left at 64 KiB a tick: done once the last byte is copied */
    g_assert_cmpint(run(4 << 20, 64 << 10, &at), ==, MX_SETTLE_DONE);
    g_assert_cmpint(at, ==, 64 * TICK);
}

static void test_never_done_with_data_left(void)
{
    MxSettle st;
    MxSettleSample s = { .jobs = 2, .pending = 1 };
    int64_t now;

    mx_settle_init(&st);
    /* one byte in flight, but moving: wait, never done */
    for (now = 0; now < MX_SETTLE_STALL_NS - TICK; now += TICK) {
        g_assert_cmpint(mx_settle_step(&st, &s, now), ==, MX_SETTLE_WAIT);
    }
}

static void test_not_ready(void)
{
    MxSettle st;
    MxSettleSample s = { .jobs = 2, .not_ready = 1, .pending = 0 };

    mx_settle_init(&st);
    g_assert_cmpint(mx_settle_step(&st, &s, 0), ==, MX_SETTLE_NOT_READY);
}

static void test_paused(void)
{
    MxSettle st;
    MxSettleSample s = { .jobs = 1, .paused_dirty = 1, .pending = 65536 };

    mx_settle_init(&st);
    g_assert_cmpint(mx_settle_step(&st, &s, 0), ==, MX_SETTLE_PAUSED);
}

static void test_stalled(void)
{
    int64_t at;

    /* nothing moves (a dead NBD link): give up after the stall time */
    g_assert_cmpint(run(1 << 20, 0, &at), ==, MX_SETTLE_STALLED);
    g_assert_cmpint(at, ==, MX_SETTLE_STALL_NS);
}

static void test_slow_but_moving(void)
{
    int64_t at;

    /* a byte a tick never stalls, but the guest stays stopped too long */
    g_assert_cmpint(run(1 << 30, 1, &at), ==, MX_SETTLE_TIMEOUT);
    g_assert_cmpint(at, ==, MX_SETTLE_MAX_NS);
}

static void test_growing_then_moving(void)
{
    MxSettle st;
    MxSettleSample s = { .jobs = 1, .pending = 100 };
    int64_t now = 0;

    mx_settle_init(&st);
    g_assert_cmpint(mx_settle_step(&st, &s, now), ==, MX_SETTLE_WAIT);
    /* pending grows for a while (a job picking up in-flight writes) */
    s.pending = 200;
    now += MX_SETTLE_STALL_NS - TICK;
    g_assert_cmpint(mx_settle_step(&st, &s, now), ==, MX_SETTLE_WAIT);
    /* below the best seen: that is progress, the stall clock restarts */
    s.pending = 50;
    now += 2 * TICK;
    g_assert_cmpint(mx_settle_step(&st, &s, now), ==, MX_SETTLE_WAIT);
    now += MX_SETTLE_STALL_NS - TICK;
    g_assert_cmpint(mx_settle_step(&st, &s, now), ==, MX_SETTLE_WAIT);
    now += TICK;
    g_assert_cmpint(mx_settle_step(&st, &s, now), ==, MX_SETTLE_STALLED);
}

static void test_names(void)
{
    g_assert_cmpstr(mx_settle_verdict_str(MX_SETTLE_DONE), ==, "done");
    g_assert_cmpstr(mx_settle_verdict_str(MX_SETTLE_NOT_READY), ==,
                    "not-ready");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/mx-settle/no-jobs", test_no_jobs);
    g_test_add_func("/mx-settle/in-sync", test_in_sync);
    g_test_add_func("/mx-settle/copies-the-rest", test_copies_the_rest);
    g_test_add_func("/mx-settle/never-done-with-data-left",
                    test_never_done_with_data_left);
    g_test_add_func("/mx-settle/not-ready", test_not_ready);
    g_test_add_func("/mx-settle/paused", test_paused);
    g_test_add_func("/mx-settle/stalled", test_stalled);
    g_test_add_func("/mx-settle/slow-but-moving", test_slow_but_moving);
    g_test_add_func("/mx-settle/growing-then-moving",
                    test_growing_then_moving);
    g_test_add_func("/mx-settle/names", test_names);
    return g_test_run();
}
