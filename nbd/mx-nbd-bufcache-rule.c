/*
 * qemu-mx: the rule of the NBD server's payload buffer cache.
 *
 * Stock 7.2 allocates every request's payload buffer (a write's data, a
 * read's reply) and frees it when the request is done.  A 1 MiB buffer
 * is above glibc's mmap threshold, so every request maps fresh memory,
 * the socket read into it takes a page fault and a cleared page per 4 KiB,
 * and the free unmaps it again.  Measured on a migration destination's
 * export thread (perf, 1 GiB mirrored in 1 MiB writes): 1 100 mmap and
 * 1 029 munmap calls per GiB, 40% of the thread's time in the page
 * faults and the unmapping (docs/mx/nbd-copy2x.md).  Keeping the buffers
 * of a connection for its next requests removes that.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/host-utils.h"
#include "mx-nbd-bufcache-rule.h"

int mx_nbd_buf_class(uint64_t len)
{
    int shift;

    if (len == 0 || len > (1ULL << MX_NBD_BUF_MAX_SHIFT)) {
        return -1;
    }
    shift = 64 - clz64(len - 1);    /* ceil(log2(len)); 0 for len 1 */
    if (shift < MX_NBD_BUF_MIN_SHIFT) {
        shift = MX_NBD_BUF_MIN_SHIFT;
    }
    return shift - MX_NBD_BUF_MIN_SHIFT;
}

uint64_t mx_nbd_buf_class_size(int cls)
{
    assert(cls >= 0 && cls < MX_NBD_BUF_CLASSES);
    return 1ULL << (cls + MX_NBD_BUF_MIN_SHIFT);
}

MxNbdBufVerdict mx_nbd_buf_keep(uint64_t cached, uint64_t other_cached,
                                uint64_t size, uint64_t limit,
                                uint64_t *evict)
{
    uint64_t need;

    *evict = 0;
    if (limit == 0) {
        return MX_NBD_BUF_FREE_OFF;
    }
    if (size > limit) {
        return MX_NBD_BUF_FREE_BIG;
    }
    if (cached + size <= limit) {
        return MX_NBD_BUF_KEEP;
    }
    need = cached + size - limit;
    if (need > other_cached) {
        return MX_NBD_BUF_FREE_FULL;
    }
    *evict = need;
    return MX_NBD_BUF_KEEP_EVICT;
}

const char *mx_nbd_buf_verdict_str(MxNbdBufVerdict v)
{
    switch (v) {
    case MX_NBD_BUF_KEEP:
        return "keep";
    case MX_NBD_BUF_KEEP_EVICT:
        return "keep-evict";
    case MX_NBD_BUF_FREE_OFF:
        return "free-cache-off";
    case MX_NBD_BUF_FREE_BIG:
        return "free-larger-than-cache";
    case MX_NBD_BUF_FREE_FULL:
        return "free-cache-full";
    }
    return "?";
}
