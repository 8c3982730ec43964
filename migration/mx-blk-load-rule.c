/*
 * qemu-mx: the destination of legacy block migration keeps several
 * dirty-run writes in flight; this is the rule for when the next one may
 * start.  A pure function: the unit test (tests/unit/test-mx-blk-load.c)
 * drives it without a block layer.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "mx-blk-load-rule.h"

static bool mx_blk_load_overlaps(const MxBlkLoadRange *r, const void *drive,
                                 uint64_t offset, uint64_t len)
{
    return r->drive == drive && offset < r->offset + r->len &&
           r->offset < offset + len;
}

uint64_t mx_blk_load_busy_bytes(const MxBlkLoadRange *busy, unsigned n)
{
    uint64_t bytes = 0;
    unsigned i;

    for (i = 0; i < n; i++) {
        bytes += busy[i].len;
    }
    return bytes;
}

MxBlkLoadVerdict mx_blk_load_verdict(const MxBlkLoadRange *busy, unsigned n,
                                     unsigned depth,
                                     const void *drive, uint64_t offset,
                                     uint64_t len)
{
    unsigned i;

    for (i = 0; i < n; i++) {
        if (mx_blk_load_overlaps(&busy[i], drive, offset, len)) {
            return MX_BLK_LOAD_WAIT_OVERLAP;
        }
    }
    if (n >= MAX(depth, 1)) {
        return MX_BLK_LOAD_WAIT_DEPTH;
    }
    if (n > 0 &&
        mx_blk_load_busy_bytes(busy, n) + len > MX_BLK_LOAD_MAX_BYTES) {
        return MX_BLK_LOAD_WAIT_BYTES;
    }
    return MX_BLK_LOAD_START;
}

const char *mx_blk_load_verdict_name(MxBlkLoadVerdict v)
{
    static const char *const names[] = {
        [MX_BLK_LOAD_START] = "start",
        [MX_BLK_LOAD_WAIT_OVERLAP] = "wait-overlap",
        [MX_BLK_LOAD_WAIT_DEPTH] = "wait-depth",
        [MX_BLK_LOAD_WAIT_BYTES] = "wait-bytes",
    };

    return v < ARRAY_SIZE(names) ? names[v] : "?";
}
