/*
 * qemu-mx: unit test of legacy block migration's record validation
 * (migration/mx-blk-record.c): the destination writes nothing of a record
 * that fails these checks.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "../migration/mx-blk-record.h"

/* a 10 MiB + 3 KiB device: not a multiple of the block size */
#define DEV_SECTORS (10 * 2048 + 6)

static void test_run_valid(void)
{
    g_assert_null(mx_blk_check_run(0, 4096, DEV_SECTORS));
    g_assert_null(mx_blk_check_run(8, 1024 * 1024, DEV_SECTORS));
    /* a run across a 1 MiB boundary */
    g_assert_null(mx_blk_check_run(2040, 8192, DEV_SECTORS));
    /* the last partial block, to the very end of the device */
    g_assert_null(mx_blk_check_run(DEV_SECTORS - 6, 3072, DEV_SECTORS));
    g_assert_null(mx_blk_check_run(DEV_SECTORS - 1, 512, DEV_SECTORS));
}

static void test_run_length(void)
{
    g_assert_nonnull(mx_blk_check_run(0, 0, DEV_SECTORS));
    g_assert_nonnull(mx_blk_check_run(0, 511, DEV_SECTORS));
    g_assert_nonnull(mx_blk_check_run(0, 4097, DEV_SECTORS));
    g_assert_nonnull(mx_blk_check_run(0, 1024 * 1024 + 512, DEV_SECTORS));
    g_assert_nonnull(mx_blk_check_run(0, 0xffffffffULL, DEV_SECTORS));
}

static void test_run_range(void)
{
    /* one sector past the end */
    g_assert_nonnull(mx_blk_check_run(DEV_SECTORS - 6, 3584, DEV_SECTORS));
    g_assert_nonnull(mx_blk_check_run(DEV_SECTORS, 512, DEV_SECTORS));
    /* sector numbers that would wrap the arithmetic */
    g_assert_nonnull(mx_blk_check_run(UINT64_MAX >> 9, 512, DEV_SECTORS));
    g_assert_nonnull(mx_blk_check_run(UINT64_MAX, 512, DEV_SECTORS));
    /* no device size */
    g_assert_nonnull(mx_blk_check_run(0, 512, 0));
    g_assert_nonnull(mx_blk_check_run(0, 512, -1));
}

static void test_chunk(void)
{
    g_assert_null(mx_blk_check_chunk(0, DEV_SECTORS));
    g_assert_null(mx_blk_check_chunk(10 * 2048, DEV_SECTORS));   /* last */
    g_assert_nonnull(mx_blk_check_chunk(11 * 2048, DEV_SECTORS));
    g_assert_nonnull(mx_blk_check_chunk(8, DEV_SECTORS));        /* unaligned */
    g_assert_nonnull(mx_blk_check_chunk(UINT64_MAX >> 9, DEV_SECTORS));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/mx-blk-record/run/valid", test_run_valid);
    g_test_add_func("/mx-blk-record/run/length", test_run_length);
    g_test_add_func("/mx-blk-record/run/range", test_run_range);
    g_test_add_func("/mx-blk-record/chunk", test_chunk);
    return g_test_run();
}
