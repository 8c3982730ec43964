/*
 * qemu-mx: unit test of the default mirror granularity rule
 * (block/mx-mirror-granularity.c).
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/units.h"
#include "qemu/host-utils.h"
#include "block/mx-mirror-granularity.h"

static uint32_t gran(uint64_t disk, uint32_t align, uint32_t cluster,
                     uint32_t param, MxMirrorGranWhy *why)
{
    MxMirrorGranIn in = {
        .disk_bytes = disk, .src_align = align,
        .target_cluster = cluster, .param = param,
    };
    return mx_mirror_granularity(&in, why);
}

/* An NBD target (no cluster size), libvirt's case: 4 KiB */
static void test_nbd_target(void)
{
    MxMirrorGranWhy why;

    g_assert_cmpuint(gran(2 * GiB, 512, 0, 0, &why), ==, 4096);
    g_assert_cmpint(why, ==, MX_MIRROR_GRAN_WHY_FINE);
    g_assert_cmpuint(gran(1 * GiB, 4096, 0, 0, &why), ==, 4096);
    g_assert_cmpuint(gran(0, 512, 0, 0, &why), ==, 4096);
    g_assert_cmpint(why, ==, MX_MIRROR_GRAN_WHY_FINE);
    g_assert_cmpuint(gran(64 * MiB + 512, 0, 0, 0, NULL), ==, 4096);
    g_assert_cmpstr(mx_mirror_gran_why_str(MX_MIRROR_GRAN_WHY_FINE), ==,
                    "fine");
}

/* A source that cannot do requests smaller than its alignment */
static void test_source_alignment(void)
{
    MxMirrorGranWhy why;

    g_assert_cmpuint(gran(2 * GiB, 8192, 0, 0, &why), ==, 8192);
    g_assert_cmpint(why, ==, MX_MIRROR_GRAN_WHY_FINE);
    g_assert_cmpuint(gran(2 * GiB, 1 * MiB, 0, 0, NULL), ==, 1 * MiB);
    /* not a power of two (no driver does that): rounded up */
    g_assert_cmpuint(gran(2 * GiB, 6144, 0, 0, NULL), ==, 8192);
}

/* A target with clusters keeps stock's clamp to [4 KiB, 64 KiB] */
static void test_target_cluster(void)
{
    MxMirrorGranWhy why;

    g_assert_cmpuint(gran(2 * GiB, 512, 65536, 0, &why), ==, 65536);
    g_assert_cmpint(why, ==, MX_MIRROR_GRAN_WHY_CLUSTER);
    g_assert_cmpuint(gran(2 * GiB, 512, 2 * MiB, 0, NULL), ==, 65536);
    g_assert_cmpuint(gran(2 * GiB, 512, 512, 0, NULL), ==, 4096);
    g_assert_cmpuint(gran(2 * GiB, 512, 16384, 0, NULL), ==, 16384);
    /* the parameter does not override a cluster size (stock ignores it) */
    g_assert_cmpuint(gran(2 * GiB, 512, 16384, 65536, &why), ==, 16384);
    g_assert_cmpint(why, ==, MX_MIRROR_GRAN_WHY_CLUSTER);
}

/* mirror-default-granularity replaces the rule; 65536 is stock */
static void test_parameter(void)
{
    MxMirrorGranWhy why;

    g_assert_cmpuint(gran(2 * GiB, 512, 0, 65536, &why), ==, 65536);
    g_assert_cmpint(why, ==, MX_MIRROR_GRAN_WHY_PARAM);
    g_assert_cmpuint(gran(2 * GiB, 512, 0, 512, NULL), ==, 512);
    /* taken as it is, even where the cap would grow the rule's value */
    g_assert_cmpuint(gran(16 * TiB, 512, 0, 4096, NULL), ==, 4096);
    g_assert_cmpuint(gran(2 * GiB, 512, 0, 64 * MiB, NULL), ==, 64 * MiB);
}

/* The bitmap cap: 16 MiB of last level = 128 Mi chunks */
static void test_cap_steps(void)
{
    MxMirrorGranWhy why;

    g_assert_cmpuint(gran(512 * GiB, 512, 0, 0, &why), ==, 4096);
    g_assert_cmpint(why, ==, MX_MIRROR_GRAN_WHY_FINE);
    g_assert_cmpuint(gran(512 * GiB + 512, 512, 0, 0, &why), ==, 8192);
    g_assert_cmpint(why, ==, MX_MIRROR_GRAN_WHY_CAPPED);
    g_assert_cmpuint(gran(1 * TiB, 512, 0, 0, NULL), ==, 8192);
    g_assert_cmpuint(gran(2 * TiB, 512, 0, 0, NULL), ==, 16384);
    g_assert_cmpuint(gran(4 * TiB, 512, 0, 0, NULL), ==, 32768);
    g_assert_cmpuint(gran(8 * TiB, 512, 0, 0, NULL), ==, 65536);
    /* never coarser than stock, even if the bitmap outgrows the cap */
    g_assert_cmpuint(gran(64 * TiB, 512, 0, 0, &why), ==, 65536);
    g_assert_cmpint(why, ==, MX_MIRROR_GRAN_WHY_CAPPED);
    /* an alignment above the cap's choice wins */
    g_assert_cmpuint(gran(1 * TiB, 32768, 0, 0, NULL), ==, 32768);
}

/*
 * For any size: a power of two in [4 KiB, 64 KiB], the bitmap's last level
 * under the cap unless at 64 KiB, and the finest such value.
 */
static void test_cap_property(void)
{
    uint64_t disk;

    for (disk = 1; disk <= 128 * TiB; disk = disk * 3 / 2 + 511) {
        uint32_t g = gran(disk, 512, 0, 0, NULL);
        uint64_t last = DIV_ROUND_UP(DIV_ROUND_UP(disk, g), 8);

        g_assert_true(is_power_of_2(g));
        g_assert_cmpuint(g, >=, 4096);
        g_assert_cmpuint(g, <=, 65536);
        if (g < 65536) {
            g_assert_cmpuint(last, <=, MX_MIRROR_BITMAP_CAP);
        }
        if (g > 4096) {
            uint64_t finer = DIV_ROUND_UP(DIV_ROUND_UP(disk, g / 2), 8);
            g_assert_cmpuint(finer, >, MX_MIRROR_BITMAP_CAP);
        }
    }
}

/* Memory of the bitmap (all HBitmap levels), the docs' table */
static void test_bitmap_bytes(void)
{
    /* 1 TiB at 4 KiB: 2^28 bits = 32 MiB + upper levels (1/63 more) */
    uint64_t b = mx_mirror_bitmap_bytes(1 * TiB, 4096);

    g_assert_cmpuint(b, >=, 32 * MiB);
    g_assert_cmpuint(b, <, 32 * MiB + 32 * MiB / 60);
    g_assert_cmpuint(mx_mirror_bitmap_bytes(1 * TiB, 65536), >=, 2 * MiB);
    g_assert_cmpuint(mx_mirror_bitmap_bytes(1 * TiB, 65536), <,
                     2 * MiB + 2 * MiB / 60);
    /* one chunk: one word per level */
    g_assert_cmpuint(mx_mirror_bitmap_bytes(4096, 4096), ==, 8);
    g_assert_cmpuint(mx_mirror_bitmap_bytes(64 * 4096, 4096), ==, 8);
    g_assert_cmpuint(mx_mirror_bitmap_bytes(65 * 4096, 4096), ==, 3 * 8);
    /* what the rule picks for 1 TiB stays under the cap (+ upper levels) */
    g_assert_cmpuint(mx_mirror_bitmap_bytes(1 * TiB,
                     gran(1 * TiB, 512, 0, 0, NULL)), <=,
                     MX_MIRROR_BITMAP_CAP + MX_MIRROR_BITMAP_CAP / 60);
}

static void test_param_valid(void)
{
    g_assert_true(mx_mirror_gran_param_valid(0));
    g_assert_true(mx_mirror_gran_param_valid(512));
    g_assert_true(mx_mirror_gran_param_valid(4096));
    g_assert_true(mx_mirror_gran_param_valid(65536));
    g_assert_true(mx_mirror_gran_param_valid(64 * MiB));
    g_assert_false(mx_mirror_gran_param_valid(256));
    g_assert_false(mx_mirror_gran_param_valid(511));
    g_assert_false(mx_mirror_gran_param_valid(3000));
    g_assert_false(mx_mirror_gran_param_valid(65537));
    g_assert_false(mx_mirror_gran_param_valid(128 * MiB));
    g_assert_false(mx_mirror_gran_param_valid(UINT64_MAX));
    g_assert_false(mx_mirror_gran_param_valid(1ULL << 32));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/mx-mirror-granularity/nbd-target", test_nbd_target);
    g_test_add_func("/mx-mirror-granularity/source-alignment",
                    test_source_alignment);
    g_test_add_func("/mx-mirror-granularity/target-cluster",
                    test_target_cluster);
    g_test_add_func("/mx-mirror-granularity/parameter", test_parameter);
    g_test_add_func("/mx-mirror-granularity/cap-steps", test_cap_steps);
    g_test_add_func("/mx-mirror-granularity/cap-property", test_cap_property);
    g_test_add_func("/mx-mirror-granularity/bitmap-bytes", test_bitmap_bytes);
    g_test_add_func("/mx-mirror-granularity/param-valid", test_param_valid);
    return g_test_run();
}
