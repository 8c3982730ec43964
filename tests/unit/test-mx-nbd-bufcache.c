/*
 * qemu-mx: unit test of the NBD server's payload buffer cache rule
 * (nbd/mx-nbd-bufcache-rule.c).
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/units.h"
#include "../../nbd/mx-nbd-bufcache-rule.h"

static void test_classes(void)
{
    g_assert_cmpint(mx_nbd_buf_class(0), ==, -1);
    g_assert_cmpint(mx_nbd_buf_class(1), ==, 0);
    g_assert_cmpint(mx_nbd_buf_class(512), ==, 0);
    g_assert_cmpint(mx_nbd_buf_class(4 * KiB), ==, 0);
    g_assert_cmpint(mx_nbd_buf_class(4 * KiB + 1), ==, 1);
    g_assert_cmpint(mx_nbd_buf_class(64 * KiB), ==, 4);
    /* the mirror's bulk requests */
    g_assert_cmpint(mx_nbd_buf_class(1 * MiB), ==, 8);
    g_assert_cmpuint(mx_nbd_buf_class_size(8), ==, 1 * MiB);
    g_assert_cmpint(mx_nbd_buf_class(1 * MiB - 4 * KiB), ==, 8);
    g_assert_cmpint(mx_nbd_buf_class(1 * MiB + 1), ==, 9);
    /* NBD_MAX_BUFFER_SIZE is the largest class; above: not cached */
    g_assert_cmpint(mx_nbd_buf_class(32 * MiB), ==, MX_NBD_BUF_CLASSES - 1);
    g_assert_cmpint(mx_nbd_buf_class(32 * MiB + 1), ==, -1);
    for (uint64_t len = 1; len <= 32 * MiB; len = len * 3 + 1) {
        int c = mx_nbd_buf_class(len);
        uint64_t sz = mx_nbd_buf_class_size(c);

        /* the class holds the payload, and is at most twice its size */
        g_assert_cmpuint(sz, >=, len);
        g_assert(sz == 4 * KiB || sz < 2 * len);
    }
}

static void test_keep(void)
{
    uint64_t ev = 99;

    /* 16 MiB cache, the mirror's 16 requests of 1 MiB in flight */
    for (int i = 0; i < 16; i++) {
        g_assert_cmpint(mx_nbd_buf_keep(i * MiB, 0, MiB, 16 * MiB, &ev), ==,
                        MX_NBD_BUF_KEEP);
        g_assert_cmpuint(ev, ==, 0);
    }
    /* a 17th: the cache holds only its own class, freed */
    g_assert_cmpint(mx_nbd_buf_keep(16 * MiB, 0, MiB, 16 * MiB, &ev), ==,
                    MX_NBD_BUF_FREE_FULL);
    g_assert_cmpuint(ev, ==, 0);
}

static void test_off_and_big(void)
{
    uint64_t ev = 99;

    /* 0: stock, every buffer freed */
    g_assert_cmpint(mx_nbd_buf_keep(0, 0, 4 * KiB, 0, &ev), ==,
                    MX_NBD_BUF_FREE_OFF);
    g_assert_cmpuint(ev, ==, 0);
    /* larger than the whole cache */
    g_assert_cmpint(mx_nbd_buf_keep(0, 0, 32 * MiB, 16 * MiB, &ev), ==,
                    MX_NBD_BUF_FREE_BIG);
    g_assert_cmpint(mx_nbd_buf_keep(0, 0, 16 * MiB, 16 * MiB, &ev), ==,
                    MX_NBD_BUF_KEEP);
}

static void test_evict_other_sizes(void)
{
    uint64_t ev = 0;

    /*
     * After the bulk copy (16 idle 1 MiB buffers) the guest's random
     * 4 KiB writes come: make room by evicting one 1 MiB buffer.
     */
    g_assert_cmpint(mx_nbd_buf_keep(16 * MiB, 16 * MiB, 4 * KiB, 16 * MiB,
                                    &ev), ==, MX_NBD_BUF_KEEP_EVICT);
    g_assert_cmpuint(ev, ==, 4 * KiB);
    /* 15 MiB + 1020 KiB of 1 MiB, 4 KiB of 4 KiB: a 1 MiB one back */
    g_assert_cmpint(mx_nbd_buf_keep(16 * MiB - 1020 * KiB, 15 * MiB,
                                    MiB, 16 * MiB, &ev), ==,
                    MX_NBD_BUF_KEEP_EVICT);
    g_assert_cmpuint(ev, ==, 4 * KiB);
    /* not enough of other classes to evict */
    g_assert_cmpint(mx_nbd_buf_keep(16 * MiB, 2 * KiB, 4 * KiB, 16 * MiB,
                                    &ev), ==, MX_NBD_BUF_FREE_FULL);
    g_assert_cmpuint(ev, ==, 0);
}

static void test_strings(void)
{
    g_assert_cmpstr(mx_nbd_buf_verdict_str(MX_NBD_BUF_KEEP), ==, "keep");
    g_assert_cmpstr(mx_nbd_buf_verdict_str(MX_NBD_BUF_FREE_OFF), ==,
                    "free-cache-off");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/mx-nbd-bufcache/classes", test_classes);
    g_test_add_func("/mx-nbd-bufcache/keep", test_keep);
    g_test_add_func("/mx-nbd-bufcache/off-and-big", test_off_and_big);
    g_test_add_func("/mx-nbd-bufcache/evict-other-sizes",
                    test_evict_other_sizes);
    g_test_add_func("/mx-nbd-bufcache/strings", test_strings);
    return g_test_run();
}
