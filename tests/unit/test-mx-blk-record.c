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

static void test_record(void)
{
    const int run = MX_BLK_FLAG_RUN, dev = MX_BLK_FLAG_DEVICE_BLOCK;

    /* a run and a zero run; a stock chunk and a zero chunk */
    g_assert_null(mx_blk_check_record(run, 8, 4096, DEV_SECTORS));
    g_assert_null(mx_blk_check_record(run | MX_BLK_FLAG_ZERO, 8, 4096,
                                      DEV_SECTORS));
    g_assert_null(mx_blk_check_record(dev, 2048, 0, DEV_SECTORS));
    g_assert_null(mx_blk_check_record(dev | MX_BLK_FLAG_ZERO, 0, 0,
                                      DEV_SECTORS));
    /* other flags with either kind */
    g_assert_nonnull(mx_blk_check_record(run | dev, 8, 4096, DEV_SECTORS));
    g_assert_nonnull(mx_blk_check_record(run | MX_BLK_FLAG_PROGRESS, 8, 4096,
                                         DEV_SECTORS));
    g_assert_nonnull(mx_blk_check_record(dev | MX_BLK_FLAG_EOS, 0, 0,
                                         DEV_SECTORS));
    g_assert_nonnull(mx_blk_check_record(dev | 0x40, 0, 0, DEV_SECTORS));
    g_assert_nonnull(mx_blk_check_record(MX_BLK_FLAG_ZERO, 0, 0,
                                         DEV_SECTORS));
    /* the kinds' own checks still apply */
    g_assert_nonnull(mx_blk_check_record(run, DEV_SECTORS - 6, 3584,
                                         DEV_SECTORS));
    g_assert_nonnull(mx_blk_check_record(dev, 8, 0, DEV_SECTORS));
    g_assert_nonnull(mx_blk_check_record(dev, 11 * 2048, 0, DEV_SECTORS));
}

static void test_record_bytes(void)
{
    const int run = MX_BLK_FLAG_RUN, dev = MX_BLK_FLAG_DEVICE_BLOCK;

    g_assert_cmpuint(mx_blk_record_bytes(run, 8, 4096, DEV_SECTORS), ==, 4096);
    g_assert_cmpuint(mx_blk_record_bytes(dev, 0, 0, DEV_SECTORS), ==,
                     1024 * 1024);
    /* the last chunk of a device that is not a multiple of 1 MiB: 3 KiB */
    g_assert_cmpuint(mx_blk_record_bytes(dev, 10 * 2048, 0, DEV_SECTORS), ==,
                     3072);
    g_assert_cmpuint(mx_blk_record_bytes(dev | MX_BLK_FLAG_ZERO, 10 * 2048, 0,
                                         DEV_SECTORS), ==, 3072);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/mx-blk-record/run/valid", test_run_valid);
    g_test_add_func("/mx-blk-record/run/length", test_run_length);
    g_test_add_func("/mx-blk-record/run/range", test_run_range);
    g_test_add_func("/mx-blk-record/chunk", test_chunk);
    g_test_add_func("/mx-blk-record/record", test_record);
    g_test_add_func("/mx-blk-record/record-bytes", test_record_bytes);
    return g_test_run();
}
