/*
 * qemu-mx: unit test of the rule for the destination's dirty-run writes
 * in flight (migration/mx-blk-load-rule.c).
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "../migration/mx-blk-load-rule.h"

static int drive_a, drive_b;

#define A (&drive_a)
#define B (&drive_b)

static MxBlkLoadVerdict verdict(const MxBlkLoadRange *busy, unsigned n,
                                unsigned depth, const void *drive,
                                uint64_t offset, uint64_t len)
{
    return mx_blk_load_verdict(busy, n, depth, drive, offset, len);
}

/* nothing in flight: any write starts, even one above the byte cap */
static void test_idle(void)
{
    g_assert_cmpint(verdict(NULL, 0, 16, A, 0, 4096), ==, MX_BLK_LOAD_START);
    g_assert_cmpint(verdict(NULL, 0, 16, A, 0, 2 * MX_BLK_LOAD_MAX_BYTES),
                    ==, MX_BLK_LOAD_START);
    g_assert_cmpint(verdict(NULL, 0, 1, A, 0, 4096), ==, MX_BLK_LOAD_START);
}

/* disjoint runs start side by side, up to the depth */
static void test_depth(void)
{
    MxBlkLoadRange busy[MX_BLK_LOAD_DEPTH_MAX];
    unsigned i;

    for (i = 0; i < 15; i++) {
        busy[i] = (MxBlkLoadRange) { A, i * 8192, 4096 };
    }
    g_assert_cmpint(verdict(busy, 15, 16, A, 15 * 8192, 4096), ==,
                    MX_BLK_LOAD_START);
    busy[15] = (MxBlkLoadRange) { A, 15 * 8192, 4096 };
    g_assert_cmpint(verdict(busy, 16, 16, A, 16 * 8192, 4096), ==,
                    MX_BLK_LOAD_WAIT_DEPTH);
    /* depth 1: one at a time */
    g_assert_cmpint(verdict(busy, 1, 1, A, 16 * 8192, 4096), ==,
                    MX_BLK_LOAD_WAIT_DEPTH);
    /* depth 0 is taken as 1 */
    g_assert_cmpint(verdict(busy, 1, 0, A, 16 * 8192, 4096), ==,
                    MX_BLK_LOAD_WAIT_DEPTH);
    g_assert_cmpint(verdict(NULL, 0, 0, A, 16 * 8192, 4096), ==,
                    MX_BLK_LOAD_START);
}

/*
 * A later run of the same bytes waits for the earlier write, whatever the
 * depth: the disk must end as the source sent it.  Touching ranges do not
 * overlap; the same offset on another drive does not either.
 */
static void test_overlap(void)
{
    MxBlkLoadRange busy[] = {
        { A, 65536, 8192 },
        { B, 0, 1048576 },
    };

    /* the same bytes, inside, straddling either end */
    g_assert_cmpint(verdict(busy, 2, 64, A, 65536, 8192), ==,
                    MX_BLK_LOAD_WAIT_OVERLAP);
    g_assert_cmpint(verdict(busy, 2, 64, A, 69632, 512), ==,
                    MX_BLK_LOAD_WAIT_OVERLAP);
    g_assert_cmpint(verdict(busy, 2, 64, A, 61440, 4608), ==,
                    MX_BLK_LOAD_WAIT_OVERLAP);
    g_assert_cmpint(verdict(busy, 2, 64, A, 73215, 4096), ==,
                    MX_BLK_LOAD_WAIT_OVERLAP);
    g_assert_cmpint(verdict(busy, 2, 64, A, 0, 1048576), ==,
                    MX_BLK_LOAD_WAIT_OVERLAP);
    /* touching, not overlapping */
    g_assert_cmpint(verdict(busy, 2, 64, A, 61440, 4096), ==,
                    MX_BLK_LOAD_START);
    g_assert_cmpint(verdict(busy, 2, 64, A, 73728, 4096), ==,
                    MX_BLK_LOAD_START);
    /* other drive's bytes */
    g_assert_cmpint(verdict(busy, 1, 64, B, 65536, 8192), ==,
                    MX_BLK_LOAD_START);
    /* overlap is reported before a full depth */
    g_assert_cmpint(verdict(busy, 2, 2, A, 65536, 4096), ==,
                    MX_BLK_LOAD_WAIT_OVERLAP);
}

/* the data in flight is capped; a write that fits still starts */
static void test_bytes(void)
{
    MxBlkLoadRange busy[] = {
        { A, 0, MX_BLK_LOAD_MAX_BYTES - 1048576 },
    };
    uint64_t next = MX_BLK_LOAD_MAX_BYTES;

    g_assert_cmpint(verdict(busy, 1, 16, A, next, 1048576), ==,
                    MX_BLK_LOAD_START);
    g_assert_cmpint(verdict(busy, 1, 16, A, next, 1048576 + 512), ==,
                    MX_BLK_LOAD_WAIT_BYTES);
}

static void test_names(void)
{
    g_assert_cmpstr(mx_blk_load_verdict_name(MX_BLK_LOAD_START), ==, "start");
    g_assert_cmpstr(mx_blk_load_verdict_name(MX_BLK_LOAD_WAIT_OVERLAP), ==,
                    "wait-overlap");
    g_assert_cmpstr(mx_blk_load_verdict_name(MX_BLK_LOAD_WAIT_DEPTH), ==,
                    "wait-depth");
    g_assert_cmpstr(mx_blk_load_verdict_name(MX_BLK_LOAD_WAIT_BYTES), ==,
                    "wait-bytes");
    g_assert_cmpstr(mx_blk_load_verdict_name(99), ==, "?");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/mx-blk-load/idle", test_idle);
    g_test_add_func("/mx-blk-load/depth", test_depth);
    g_test_add_func("/mx-blk-load/overlap", test_overlap);
    g_test_add_func("/mx-blk-load/bytes", test_bytes);
    g_test_add_func("/mx-blk-load/names", test_names);
    return g_test_run();
}
