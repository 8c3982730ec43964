/*
 * qemu-mx: unit test of the NBD client multi-conn rules
 * (block/mx-nbd-multiconn-policy.c): connection count and request routing,
 * with an injected clock.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "../block/mx-nbd-multiconn-policy.h"

#define SEC (1000 * 1000 * 1000LL)

static void test_count(void)
{
    MxNbdMcCountWhy why;

    /* libvirt passes no count: automatic against a multi-conn server */
    g_assert_cmpuint(mx_nbd_mc_count(0, true, true, &why), ==, MX_NBD_MC_AUTO);
    g_assert_cmpint(why, ==, MX_NBD_MC_COUNT_AUTO);
    /* 1 is stock, whatever the server says */
    g_assert_cmpuint(mx_nbd_mc_count(1, true, true, &why), ==, 1);
    g_assert_cmpint(why, ==, MX_NBD_MC_COUNT_STOCK);
    /* a server without multi-conn (qemu-nbd -e 1, max-connections=1) */
    g_assert_cmpuint(mx_nbd_mc_count(0, false, true, &why), ==, 1);
    g_assert_cmpint(why, ==, MX_NBD_MC_COUNT_NO_MULTI_CONN);
    g_assert_cmpuint(mx_nbd_mc_count(8, false, true, NULL), ==, 1);
    /* an inherited fd cannot be connected to again */
    g_assert_cmpuint(mx_nbd_mc_count(4, true, false, &why), ==, 1);
    g_assert_cmpint(why, ==, MX_NBD_MC_COUNT_NOT_REUSABLE);
    /* explicit counts, capped */
    g_assert_cmpuint(mx_nbd_mc_count(2, true, true, &why), ==, 2);
    g_assert_cmpint(why, ==, MX_NBD_MC_COUNT_USER);
    g_assert_cmpuint(mx_nbd_mc_count(16, true, true, NULL), ==, 16);
    g_assert_cmpuint(mx_nbd_mc_count(99, true, true, NULL), ==, MX_NBD_MC_MAX);
    g_assert_cmpstr(mx_nbd_mc_count_why_str(MX_NBD_MC_COUNT_AUTO), ==, "auto");
}

/* Idle connections, all up: strict round-robin */
static void test_round_robin(void)
{
    MxNbdMcConn c[4] = { { .up = true }, { .up = true }, { .up = true },
                         { .up = true } };
    unsigned cursor = 0, k;
    MxNbdMcPickWhy why;

    for (k = 0; k < 12; k++) {
        g_assert_cmpuint(mx_nbd_mc_pick(c, 4, &cursor, 0, &why), ==, k % 4);
        g_assert_cmpint(why, ==, MX_NBD_MC_PICK_LEAST_LOADED);
    }
}

/* Requests go where the fewest are in flight */
static void test_least_loaded(void)
{
    MxNbdMcConn c[3] = { { .up = true, .in_flight = 5 },
                         { .up = true, .in_flight = 2 },
                         { .up = true, .in_flight = 7 } };
    unsigned cursor = 0, i, k;

    for (k = 0; k < 6; k++) {
        i = mx_nbd_mc_pick(c, 3, &cursor, 0, NULL);
        c[i].in_flight++;
    }
    /* 1 is filled up to 5, then the ties go round-robin: 0, 1, 0 */
    g_assert_cmpuint(c[0].in_flight, ==, 7);
    g_assert_cmpuint(c[1].in_flight, ==, 6);
    g_assert_cmpuint(c[2].in_flight, ==, 7);
    /* simulated completions keep the spread even */
    for (k = 0; k < 1000; k++) {
        i = mx_nbd_mc_pick(c, 3, &cursor, 0, NULL);
        c[i].in_flight++;
        c[(k * 7) % 3].in_flight -= c[(k * 7) % 3].in_flight > 4;
    }
    for (i = 0; i < 3; i++) {
        g_assert_cmpuint(c[i].in_flight, <=, 8);
    }
}

/* A down connection gets nothing until its probe time, then one request */
static void test_down_and_probe(void)
{
    MxNbdMcConn c[3] = { { .up = true }, { .up = false, .retry_at_ns = SEC },
                         { .up = true } };
    unsigned cursor = 0, k, i;
    MxNbdMcPickWhy why;
    int64_t now = 0;

    for (k = 0; k < 10; k++) {
        i = mx_nbd_mc_pick(c, 3, &cursor, now, &why);
        g_assert_cmpuint(i, !=, 1);
        g_assert_cmpint(why, ==, MX_NBD_MC_PICK_LEAST_LOADED);
        now += SEC / 20;
    }
    now = SEC;
    i = mx_nbd_mc_pick(c, 3, &cursor, now, &why);
    g_assert_cmpuint(i, ==, 1);
    g_assert_cmpint(why, ==, MX_NBD_MC_PICK_PROBE);
    /* only one probe per period */
    g_assert_cmpint(c[1].retry_at_ns, ==, now + MX_NBD_MC_PROBE_NS);
    for (k = 0; k < 10; k++) {
        g_assert_cmpuint(mx_nbd_mc_pick(c, 3, &cursor, now + k, NULL), !=, 1);
    }
    /* it came back: it takes its share again */
    c[1].up = true;
    for (k = 0; k < 3; k++) {
        c[mx_nbd_mc_pick(c, 3, &cursor, now, NULL)].in_flight++;
    }
    g_assert_cmpuint(c[1].in_flight, ==, 1);
}

/* The primary down: the others carry everything */
static void test_primary_down(void)
{
    MxNbdMcConn c[2] = { { .up = false, .retry_at_ns = 5 * SEC },
                         { .up = true } };
    unsigned cursor = 0, k;

    for (k = 0; k < 5; k++) {
        g_assert_cmpuint(mx_nbd_mc_pick(c, 2, &cursor, 0, NULL), ==, 1);
    }
    g_assert_cmpuint(mx_nbd_mc_pick_flush(c, 2), ==, 1);
}

/* None up and none due: connection 0 (its own reconnect logic) */
static void test_all_down(void)
{
    MxNbdMcConn c[2] = { { .up = false, .retry_at_ns = SEC },
                         { .up = false, .retry_at_ns = SEC } };
    unsigned cursor = 1;
    MxNbdMcPickWhy why;

    g_assert_cmpuint(mx_nbd_mc_pick(c, 2, &cursor, 0, &why), ==, 0);
    g_assert_cmpint(why, ==, MX_NBD_MC_PICK_ALL_DOWN);
    g_assert_cmpuint(mx_nbd_mc_pick_flush(c, 2), ==, 0);
    /* at the probe time, each one is probed in turn */
    g_assert_cmpuint(mx_nbd_mc_pick(c, 2, &cursor, SEC, &why), ==, 1);
    g_assert_cmpint(why, ==, MX_NBD_MC_PICK_PROBE);
    g_assert_cmpuint(mx_nbd_mc_pick(c, 2, &cursor, SEC, &why), ==, 0);
    g_assert_cmpint(why, ==, MX_NBD_MC_PICK_PROBE);
    g_assert_cmpuint(mx_nbd_mc_pick(c, 2, &cursor, SEC, &why), ==, 0);
    g_assert_cmpint(why, ==, MX_NBD_MC_PICK_ALL_DOWN);
}

/* One connection (stock, or a server without multi-conn): always 0 */
static void test_single(void)
{
    MxNbdMcConn c[1] = { { .up = true, .in_flight = 16 } };
    unsigned cursor = 0;

    g_assert_cmpuint(mx_nbd_mc_pick(c, 1, &cursor, 0, NULL), ==, 0);
    c[0].up = false;
    g_assert_cmpuint(mx_nbd_mc_pick(c, 1, &cursor, 0, NULL), ==, 0);
    g_assert_cmpuint(mx_nbd_mc_pick_flush(c, 1), ==, 0);
}

/* The flush goes to connection 0 when it is up */
static void test_flush(void)
{
    MxNbdMcConn c[3] = { { .up = true, .in_flight = 9 }, { .up = true },
                         { .up = true } };

    g_assert_cmpuint(mx_nbd_mc_pick_flush(c, 3), ==, 0);
    c[0].up = false;
    c[1].up = false;
    g_assert_cmpuint(mx_nbd_mc_pick_flush(c, 3), ==, 2);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/mx-nbd-multiconn/count", test_count);
    g_test_add_func("/mx-nbd-multiconn/round-robin", test_round_robin);
    g_test_add_func("/mx-nbd-multiconn/least-loaded", test_least_loaded);
    g_test_add_func("/mx-nbd-multiconn/down-and-probe", test_down_and_probe);
    g_test_add_func("/mx-nbd-multiconn/primary-down", test_primary_down);
    g_test_add_func("/mx-nbd-multiconn/all-down", test_all_down);
    g_test_add_func("/mx-nbd-multiconn/single", test_single);
    g_test_add_func("/mx-nbd-multiconn/flush", test_flush);
    return g_test_run();
}
