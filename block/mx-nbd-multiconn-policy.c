/*
 * qemu-mx: NBD client multi-conn decisions (pure functions).
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "mx-nbd-multiconn-policy.h"

unsigned mx_nbd_mc_count(unsigned param, bool server_multi_conn,
                         bool addr_reusable, MxNbdMcCountWhy *why)
{
    MxNbdMcCountWhy w;
    unsigned n;

    if (param == 1) {
        w = MX_NBD_MC_COUNT_STOCK;
        n = 1;
    } else if (!server_multi_conn) {
        w = MX_NBD_MC_COUNT_NO_MULTI_CONN;
        n = 1;
    } else if (!addr_reusable) {
        w = MX_NBD_MC_COUNT_NOT_REUSABLE;
        n = 1;
    } else if (param == 0) {
        w = MX_NBD_MC_COUNT_AUTO;
        n = MX_NBD_MC_AUTO;
    } else {
        w = MX_NBD_MC_COUNT_USER;
        n = MIN(param, MX_NBD_MC_MAX);
    }
    if (why) {
        *why = w;
    }
    return n;
}

const char *mx_nbd_mc_count_why_str(MxNbdMcCountWhy why)
{
    switch (why) {
    case MX_NBD_MC_COUNT_STOCK:
        return "stock";
    case MX_NBD_MC_COUNT_NO_MULTI_CONN:
        return "server-no-multi-conn";
    case MX_NBD_MC_COUNT_NOT_REUSABLE:
        return "address-not-reusable";
    case MX_NBD_MC_COUNT_AUTO:
        return "auto";
    case MX_NBD_MC_COUNT_USER:
        return "user";
    }
    return "?";
}

unsigned mx_nbd_mc_pick(MxNbdMcConn *c, unsigned n, unsigned *cursor,
                        int64_t now_ns, MxNbdMcPickWhy *why)
{
    unsigned start = n ? *cursor % n : 0;
    unsigned best = n;
    unsigned k;

    for (k = 0; k < n; k++) {
        unsigned i = (start + k) % n;

        if (!c[i].up && c[i].retry_at_ns <= now_ns) {
            c[i].retry_at_ns = now_ns + MX_NBD_MC_PROBE_NS;
            *cursor = (i + 1) % n;
            if (why) {
                *why = MX_NBD_MC_PICK_PROBE;
            }
            return i;
        }
    }
    for (k = 0; k < n; k++) {
        unsigned i = (start + k) % n;

        if (c[i].up && (best == n || c[i].in_flight < c[best].in_flight)) {
            best = i;
        }
    }
    if (best == n) {
        if (why) {
            *why = MX_NBD_MC_PICK_ALL_DOWN;
        }
        return 0;
    }
    *cursor = (best + 1) % n;
    if (why) {
        *why = MX_NBD_MC_PICK_LEAST_LOADED;
    }
    return best;
}

const char *mx_nbd_mc_pick_why_str(MxNbdMcPickWhy why)
{
    switch (why) {
    case MX_NBD_MC_PICK_LEAST_LOADED:
        return "least-loaded";
    case MX_NBD_MC_PICK_PROBE:
        return "probe";
    case MX_NBD_MC_PICK_ALL_DOWN:
        return "all-down";
    }
    return "?";
}

unsigned mx_nbd_mc_pick_flush(const MxNbdMcConn *c, unsigned n)
{
    unsigned i;

    for (i = 0; i < n; i++) {
        if (c[i].up) {
            return i;
        }
    }
    return 0;
}
