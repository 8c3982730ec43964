/*
 * Unit test of qemu-mx's overflowed-dirty-ring rule (accel/kvm/mx-dirty-ring.c)
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "../../accel/kvm/mx-dirty-ring.h"

#define D MX_DIRTY_GFN_F_DIRTY
#define R MX_DIRTY_GFN_F_RESET

typedef struct FakeRing {
    uint32_t flags[8];
    /* a vCPU pushing meanwhile: after @reads_left reads, slot @late is set */
    int reads_left;
    uint32_t late;
} FakeRing;

static uint32_t fake_flags(void *opaque, uint32_t slot)
{
    FakeRing *r = opaque;

    g_assert_cmpuint(slot, <, 8);
    if (r->reads_left > 0 && --r->reads_left == 0) {
        r->flags[r->late] = D;
    }
    return r->flags[slot];
}

static uint32_t gap(FakeRing *r, uint32_t fetch)
{
    return mx_dirty_ring_gap(8, fetch, fake_flags, r);
}

/* sane: nothing dirty anywhere */
static void test_empty(void)
{
    FakeRing r = { { 0 } };

    g_assert_cmpuint(gap(&r, 0), ==, 0);
    g_assert_cmpuint(gap(&r, 13), ==, 0);
}

/* sane: the dirty run starts at fetch (the caller collects it) */
static void test_in_step(void)
{
    FakeRing r = { { 0, 0, D, D, D, 0, 0, 0 } };

    g_assert_cmpuint(gap(&r, 2), ==, 0);
    g_assert_cmpuint(gap(&r, 10), ==, 0);      /* indexes wrap: 10 is slot 2 */
}

/* sane: collected-but-not-reset entries (RESET) are not dirty */
static void test_collected_not_dirty(void)
{
    FakeRing r = { { R, R, R, 0, 0, 0, 0, 0 } };

    g_assert_cmpuint(gap(&r, 3), ==, 0);
}

/* overflowed: invalid slots at fetch, the kernel's entries 3 slots later */
static void test_gap(void)
{
    FakeRing r = { { 0, 0, 0, D, D, D, 0, 0 } };

    g_assert_cmpuint(gap(&r, 0), ==, 3);
    g_assert_cmpuint(gap(&r, 8), ==, 3);
    g_assert_cmpuint(gap(&r, 1), ==, 2);
}

/* overflowed, the kernel's run wraps past the end of the ring */
static void test_gap_wraps(void)
{
    FakeRing r = { { D, D, 0, 0, 0, 0, 0, D } };

    g_assert_cmpuint(gap(&r, 4), ==, 3);        /* slots 4, 5, 6; then 7 */
    g_assert_cmpuint(gap(&r, 2), ==, 5);
}

/* a vCPU pushed into slots 0 and 1 while we scanned: in step, no gap */
static void test_concurrent_push(void)
{
    /* read 1 (slot 0) sees it empty; before read 2 (slot 1) slot 0 is set */
    FakeRing r = { { 0, D, 0, 0, 0, 0, 0, 0 }, 2, 0 };

    g_assert_cmpuint(gap(&r, 0), ==, 0);
    g_assert_cmpuint(r.flags[0], ==, D);
}

/* the same pattern without the late push is a gap */
static void test_no_concurrent_push(void)
{
    FakeRing r = { { 0, D, 0, 0, 0, 0, 0, 0 } };

    g_assert_cmpuint(gap(&r, 0), ==, 1);
}

static void test_lost(void)
{
    g_assert_false(mx_dirty_ring_lost(4096, 0, 0));
    g_assert_false(mx_dirty_ring_lost(4096, 4032 + 63, 0));
    g_assert_true(mx_dirty_ring_lost(4096, 4096, 0));   /* a whole ring */
    g_assert_true(mx_dirty_ring_lost(4096, 4097, 0));
    g_assert_true(mx_dirty_ring_lost(4096, 10, 3));     /* a gap */
    g_assert_false(mx_dirty_ring_lost(0, 0, 0));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/mx-dirty-ring/empty", test_empty);
    g_test_add_func("/mx-dirty-ring/in-step", test_in_step);
    g_test_add_func("/mx-dirty-ring/collected-not-dirty", test_collected_not_dirty);
    g_test_add_func("/mx-dirty-ring/gap", test_gap);
    g_test_add_func("/mx-dirty-ring/gap-wraps", test_gap_wraps);
    g_test_add_func("/mx-dirty-ring/concurrent-push", test_concurrent_push);
    g_test_add_func("/mx-dirty-ring/no-concurrent-push", test_no_concurrent_push);
    g_test_add_func("/mx-dirty-ring/lost", test_lost);
    return g_test_run();
}
