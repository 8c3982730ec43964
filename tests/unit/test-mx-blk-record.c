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
#include "qemu/hbitmap.h"
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

/*
 * Run merging on the source: one dirty-phase pass as mx_blk_next_dirty()
 * makes it (the HBitmap's next dirty area from the cursor, at most 1 MiB,
 * to the device's end; mx_blk_area_to_run(); the run's bits reset; the
 * cursor after the run).  Writes "sector+nr " per run into @out.
 */
static void pass(HBitmap *hb, int64_t total_sectors, GString *out)
{
    int64_t from = 0, start, count, sector;
    int nr;

    g_string_truncate(out, 0);
    while (hbitmap_next_dirty_area(hb, from * MX_BLK_SECTOR,
                                   total_sectors * MX_BLK_SECTOR,
                                   MX_BLK_CHUNK, &start, &count)) {
        mx_blk_area_to_run(start, count, &sector, &nr);
        g_assert_cmpint(nr, >, 0);
        g_assert_cmpint(nr * MX_BLK_SECTOR, <=, MX_BLK_CHUNK);
        g_assert_cmpint(sector + nr, <=, total_sectors);
        g_assert_null(mx_blk_check_run(sector, (uint64_t)nr * MX_BLK_SECTOR,
                                       total_sectors));
        g_string_append_printf(out, "%" PRId64 "+%d ", sector, nr);
        hbitmap_reset(hb, sector * MX_BLK_SECTOR,
                      MIN((uint64_t)nr * MX_BLK_SECTOR,
                          (uint64_t)(total_sectors - sector) * MX_BLK_SECTOR));
        from = sector + nr;
    }
    g_assert_cmpint(hbitmap_count(hb), ==, 0);
}

static HBitmap *bitmap(int64_t total_sectors, int granularity)
{
    return hbitmap_alloc(total_sectors * MX_BLK_SECTOR, ctz32(granularity));
}

static void test_runs_merge(void)
{
    g_autoptr(GString) out = g_string_new("");
    HBitmap *hb = bitmap(DEV_SECTORS, 4096);

    /* adjacent dirty blocks merge; a clean block between splits */
    hbitmap_set(hb, 4096, 8192);
    hbitmap_set(hb, 16384, 4096);
    pass(hb, DEV_SECTORS, out);
    g_assert_cmpstr(out->str, ==, "8+16 32+8 ");
    /* at most 1 MiB per run: 3 MiB dirty from 512 KiB */
    hbitmap_set(hb, 512 * 1024, 3 * 1024 * 1024);
    pass(hb, DEV_SECTORS, out);
    g_assert_cmpstr(out->str, ==, "1024+2048 3072+2048 5120+2048 ");
    hbitmap_free(hb);
}

static void test_runs_boundary(void)
{
    g_autoptr(GString) out = g_string_new("");
    HBitmap *hb = bitmap(DEV_SECTORS, 4096);

    /* a run across a 1 MiB boundary is one run, not split at the chunk */
    hbitmap_set(hb, 1024 * 1024 - 8192, 16384);
    pass(hb, DEV_SECTORS, out);
    g_assert_cmpstr(out->str, ==, "2032+32 ");
    /* a 1 MiB run that starts mid-chunk spans two chunks */
    hbitmap_set(hb, 1024 * 1024 + 4096, 1024 * 1024);
    pass(hb, DEV_SECTORS, out);
    g_assert_cmpstr(out->str, ==, "2056+2048 ");
    hbitmap_free(hb);
}

static void test_runs_last_partial(void)
{
    g_autoptr(GString) out = g_string_new("");
    HBitmap *hb = bitmap(DEV_SECTORS, 4096);
    HBitmap *hb64 = bitmap(DEV_SECTORS, 65536);

    /* the device is 10 MiB + 3 KiB: its last 4 KiB block is 3 KiB long */
    hbitmap_set(hb, 10 * 1024 * 1024, 512);
    pass(hb, DEV_SECTORS, out);
    g_assert_cmpstr(out->str, ==, "20480+6 ");
    /* the whole device dirty: 1 MiB runs, the last one partial */
    hbitmap_set(hb, 0, DEV_SECTORS * MX_BLK_SECTOR);
    pass(hb, DEV_SECTORS, out);
    g_assert_cmpstr(out->str, ==, "0+2048 2048+2048 4096+2048 6144+2048 "
                    "8192+2048 10240+2048 12288+2048 14336+2048 16384+2048 "
                    "18432+2048 20480+6 ");
    /* 64 KiB blocks: a 4 KiB write dirties its block; the last is 3 KiB */
    hbitmap_set(hb64, 100 * 1024, 4096);
    hbitmap_set(hb64, DEV_SECTORS * MX_BLK_SECTOR - 1024, 512);
    pass(hb64, DEV_SECTORS, out);
    g_assert_cmpstr(out->str, ==, "128+128 20480+6 ");
    hbitmap_free(hb);
    hbitmap_free(hb64);
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
    g_test_add_func("/mx-blk-record/runs/merge", test_runs_merge);
    g_test_add_func("/mx-blk-record/runs/boundary", test_runs_boundary);
    g_test_add_func("/mx-blk-record/runs/last-partial", test_runs_last_partial);
    return g_test_run();
}
