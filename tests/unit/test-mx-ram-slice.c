/*
 * qemu-mx: unit test of RAM time-slicing (migration/mx-ram-slice.c), with a
 * fake clock and a fake link shared by RAM and disk.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "../migration/mx-ram-slice.h"

#define MS 1000000LL

static void test_auto_phases(void)
{
    MxRamSliceState st;
    unsigned s, prev;
    uint64_t b;

    mx_ram_slice_init(&st);
    /* bulk phase: no RAM, whatever the backlog */
    g_assert_cmpuint(mx_ram_slice_auto(&st, false, 0, 1 << 20), ==, 0);
    g_assert_cmpuint(mx_ram_slice_auto(&st, false, 1ULL << 30, 1 << 20), ==, 0);
    /* dirty phase: starts at 1, grows as the backlog falls */
    g_assert_cmpuint(mx_ram_slice_auto(&st, true, 100 << 20, 1 << 20), ==, 1);
    prev = 1;
    for (b = 90; b >= 10; b -= 10) {
        s = mx_ram_slice_auto(&st, true, b << 20, 1 << 20);
        g_assert_cmpuint(s, >, prev);
        g_assert_cmpuint(s, <, MX_RAM_SLICE_MAX);
        prev = s;
    }
    /* the backlog grows again: the slice shrinks (peak kept) */
    g_assert_cmpuint(mx_ram_slice_auto(&st, true, 80 << 20, 1 << 20), <, prev);
    /* the disk can finish: everything to RAM */
    g_assert_cmpuint(mx_ram_slice_auto(&st, true, 1 << 20, 1 << 20), ==,
                     MX_RAM_SLICE_MAX);
    g_assert_cmpuint(mx_ram_slice_auto(&st, true, 0, 1 << 20), ==,
                     MX_RAM_SLICE_MAX);
}

/* Boundaries of the automatic slice */
static void test_auto_boundaries(void)
{
    MxRamSliceState st;

    mx_ram_slice_init(&st);
    /* backlog exactly at the convergence size: converged */
    g_assert_cmpuint(mx_ram_slice_auto(&st, true, 1 << 20, 1 << 20), ==,
                     MX_RAM_SLICE_MAX);
    /* one byte above: the smallest slice (it is the peak) */
    g_assert_cmpuint(mx_ram_slice_auto(&st, true, (1 << 20) + 1, 1 << 20), ==,
                     1);
    g_assert_true(mx_ram_slice_disk_converged(true, 1 << 20, 1 << 20));
    g_assert_false(mx_ram_slice_disk_converged(true, (1 << 20) + 1, 1 << 20));
    /* the bulk phase is never converged, even with nothing dirty */
    g_assert_false(mx_ram_slice_disk_converged(false, 0, 1 << 20));
    /* a convergence size of 0 (not measured yet): only an empty backlog */
    mx_ram_slice_init(&st);
    g_assert_cmpuint(mx_ram_slice_auto(&st, true, 1, 0), ==, 1);
    g_assert_cmpuint(mx_ram_slice_auto(&st, true, 0, 0), ==, MX_RAM_SLICE_MAX);
    /* never above MAX-1 before convergence, even with a huge peak */
    mx_ram_slice_init(&st);
    g_assert_cmpuint(mx_ram_slice_auto(&st, true, UINT64_MAX / 2, 0), ==, 1);
    g_assert_cmpuint(mx_ram_slice_auto(&st, true, 1, 0), ==,
                     MX_RAM_SLICE_MAX - 1);
    /* a new migration (init) forgets the old peak */
    mx_ram_slice_init(&st);
    g_assert_cmpuint(mx_ram_slice_auto(&st, true, 10 << 20, 1 << 20), ==, 1);
}

/*
 * Growth with the square of the way down from the peak: half-way down a
 * quarter of the slice, three quarters down 9/16
 */
static void test_auto_growth_curve(void)
{
    MxRamSliceState st;
    unsigned s;

    mx_ram_slice_init(&st);
    g_assert_cmpuint(mx_ram_slice_auto(&st, true, 200 << 20, 0), ==, 1);
    s = mx_ram_slice_auto(&st, true, 100 << 20, 0);
    g_assert_cmpuint(s, >=, MX_RAM_SLICE_MAX / 4 - 1);
    g_assert_cmpuint(s, <=, MX_RAM_SLICE_MAX / 4 + 1);
    s = mx_ram_slice_auto(&st, true, 50 << 20, 0);
    g_assert_cmpuint(s, >=, MX_RAM_SLICE_MAX * 9 / 16 - 1);
    g_assert_cmpuint(s, <=, MX_RAM_SLICE_MAX * 9 / 16 + 1);
}

/* The parameter: auto, pinned values, and convergence overriding them */
static void test_decide_pinned(void)
{
    MxRamSliceState st;
    int pins[] = { 0, 1, 100, 512, 1023, MX_RAM_SLICE_MAX };
    int i;

    for (i = 0; i < ARRAY_SIZE(pins); i++) {
        mx_ram_slice_init(&st);
        /* a pinned value holds in the bulk and the dirty phase... */
        g_assert_cmpuint(mx_ram_slice_decide(&st, pins[i], false, 0, 1 << 20),
                         ==, pins[i]);
        g_assert_cmpuint(mx_ram_slice_decide(&st, pins[i], true, 100 << 20,
                                             1 << 20), ==, pins[i]);
        g_assert_cmpuint(mx_ram_slice_decide(&st, pins[i], true, 10 << 20,
                                             1 << 20), ==, pins[i]);
        /* ...until the disk has converged: then RAM is never held */
        g_assert_cmpuint(mx_ram_slice_decide(&st, pins[i], true, 1 << 20,
                                             1 << 20), ==, MX_RAM_SLICE_MAX);
    }
    /* above the range (refused by the parameter check): clamped */
    mx_ram_slice_init(&st);
    g_assert_cmpuint(mx_ram_slice_decide(&st, 5000, true, 100 << 20, 1 << 20),
                     ==, MX_RAM_SLICE_MAX);
    /* auto: the same answers as mx_ram_slice_auto() */
    mx_ram_slice_init(&st);
    g_assert_cmpuint(mx_ram_slice_decide(&st, MX_RAM_SLICE_AUTO, false,
                                         100 << 20, 1 << 20), ==, 0);
    g_assert_cmpuint(mx_ram_slice_decide(&st, MX_RAM_SLICE_AUTO, true,
                                         100 << 20, 1 << 20), ==, 1);
    g_assert_cmpuint(mx_ram_slice_decide(&st, MX_RAM_SLICE_AUTO, true,
                                         50 << 20, 1 << 20), >, 1);
    g_assert_cmpuint(mx_ram_slice_decide(&st, MX_RAM_SLICE_AUTO, true,
                                         0, 1 << 20), ==, MX_RAM_SLICE_MAX);
}

/*
 * A link of 1 MiB per 10 ms tick shared by RAM and disk, both with more
 * to send than the link carries: RAM's share of the bytes must follow the
 * slice.
 */
static double ram_share(unsigned slice)
{
    MxRamSliceState st;
    uint64_t ram = 0, disk = 0;
    int64_t now = 0;
    int i;

    mx_ram_slice_init(&st);
    for (i = 0; i < 1000; i++, now += 10 * MS) {
        if (mx_ram_slice_may_send(&st, slice, now, ram, disk)) {
            ram += 64 << 10;
        } else {
            disk += 64 << 10;
        }
    }
    return (double)ram / (double)(ram + disk);
}

static void test_share_follows_slice(void)
{
    unsigned slices[] = { 1, 16, 128, 256, 512, 768, 1000 };
    int i;

    g_assert_cmpfloat(ram_share(0), ==, 0.0);
    g_assert_cmpfloat(ram_share(MX_RAM_SLICE_MAX), ==, 1.0);
    for (i = 0; i < ARRAY_SIZE(slices); i++) {
        double want = (double)slices[i] / MX_RAM_SLICE_MAX;
        double got = ram_share(slices[i]);

        /* within one 64 KiB send per 1 s window of 100 sends */
        g_assert_cmpfloat(got, <=, want + 0.011);
        g_assert_cmpfloat(got, >=, want - 0.011);
    }
}

static void test_window_resets(void)
{
    MxRamSliceState st;

    mx_ram_slice_init(&st);
    /* a window where only disk went: RAM may send */
    g_assert_true(mx_ram_slice_may_send(&st, 256, 0, 0, 0));
    g_assert_true(mx_ram_slice_may_send(&st, 256, 1 * MS, 0, 10 << 20));
    /* RAM took 1/2 of the window: over a 1/4 slice, refused */
    g_assert_false(mx_ram_slice_may_send(&st, 256, 2 * MS, 10 << 20, 10 << 20));
    /* a new window: the debt is forgiven, RAM may start it */
    g_assert_true(mx_ram_slice_may_send(&st, 256, 2 * MS + MX_RAM_SLICE_WINDOW_NS,
                                        10 << 20, 10 << 20));
    /* counters that go back (a new migration): a new window */
    g_assert_true(mx_ram_slice_may_send(&st, 256, 3 * MS + MX_RAM_SLICE_WINDOW_NS,
                                        0, 0));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/mx-ram-slice/auto-phases", test_auto_phases);
    g_test_add_func("/mx-ram-slice/auto-boundaries", test_auto_boundaries);
    g_test_add_func("/mx-ram-slice/auto-growth-curve",
                    test_auto_growth_curve);
    g_test_add_func("/mx-ram-slice/decide-pinned", test_decide_pinned);
    g_test_add_func("/mx-ram-slice/share-follows-slice", test_share_follows_slice);
    g_test_add_func("/mx-ram-slice/window-resets", test_window_resets);
    return g_test_run();
}
