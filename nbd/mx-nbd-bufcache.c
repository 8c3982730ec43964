/*
 * qemu-mx: per-connection cache of the NBD server's payload buffers.
 *
 * Stock 7.2 allocates a payload buffer for every read and write request
 * and frees it when the request is done; a mirror's 1 MiB writes then map
 * and unmap fresh memory for every request, and the socket read into it
 * faults in and clears every page (see nbd/mx-nbd-bufcache-rule.c for the
 * numbers).  A connection instead keeps the buffers its requests hand
 * back, up to nbd-buffer-cache bytes, sized in powers of two so that the
 * next request of a similar size finds one.  At most MAX_NBD_REQUESTS (16)
 * buffers are in use at a time per connection, as in stock; the idle ones
 * are freed with the connection.  Nothing changes on the wire.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/memalign.h"
#include "block/mx-nbd-bufcache.h"
#include "mx-nbd-bufcache-rule.h"
#include "trace.h"

QEMU_BUILD_BUG_ON(MX_NBD_BUFCACHE_NCLASSES != MX_NBD_BUF_CLASSES);

void mx_nbd_buf_cache_init(MxNbdBufCache *c, uint64_t limit)
{
    memset(c->idle, 0, sizeof(c->idle));
    memset(c->idle_bytes, 0, sizeof(c->idle_bytes));
    c->limit = limit;
    stat64_init(&c->reused, 0);
    stat64_init(&c->allocated, 0);
}

/* idle bytes, all classes */
static uint64_t mx_nbd_buf_idle(const MxNbdBufCache *c)
{
    uint64_t bytes = 0;

    for (int cls = 0; cls < MX_NBD_BUF_CLASSES; cls++) {
        bytes += c->idle_bytes[cls];
    }
    return bytes;
}

static void *mx_nbd_buf_pop(MxNbdBufCache *c, int cls)
{
    void *buf = c->idle[cls];

    if (buf) {
        c->idle[cls] = *(void **)buf;
        c->idle_bytes[cls] -= mx_nbd_buf_class_size(cls);
    }
    return buf;
}

void *mx_nbd_buf_get(MxNbdBufCache *c, BlockBackend *blk, uint64_t len,
                     uint64_t *size)
{
    int cls = c->limit ? mx_nbd_buf_class(len) : -1;
    void *buf;

    if (cls < 0) {
        /* stock: this request's own buffer, freed when it is done */
        *size = 0;
        stat64_add(&c->allocated, 1);
        trace_mx_nbd_buf_get(c, len, 0, false);
        return blk_try_blockalign(blk, len);
    }
    *size = mx_nbd_buf_class_size(cls);
    buf = mx_nbd_buf_pop(c, cls);
    trace_mx_nbd_buf_get(c, len, *size, buf != NULL);
    if (buf) {
        stat64_add(&c->reused, 1);
        return buf;
    }
    stat64_add(&c->allocated, 1);
    return blk_try_blockalign(blk, *size);
}

/* Free idle buffers of classes other than @keep, largest first */
static uint64_t mx_nbd_buf_evict(MxNbdBufCache *c, int keep, uint64_t need)
{
    uint64_t freed = 0;

    for (int cls = MX_NBD_BUF_CLASSES - 1; cls >= 0 && freed < need; cls--) {
        void *buf;

        if (cls == keep) {
            continue;
        }
        while (freed < need && (buf = mx_nbd_buf_pop(c, cls))) {
            qemu_vfree(buf);
            freed += mx_nbd_buf_class_size(cls);
        }
    }
    return freed;
}

void mx_nbd_buf_put(MxNbdBufCache *c, void *buf, uint64_t size)
{
    MxNbdBufVerdict v;
    uint64_t evict = 0, idle;
    int cls;

    if (!buf) {
        return;
    }
    if (!size) {
        qemu_vfree(buf);    /* not the cache's */
        return;
    }
    cls = mx_nbd_buf_class(size);
    assert(cls >= 0 && mx_nbd_buf_class_size(cls) == size);
    idle = mx_nbd_buf_idle(c);
    v = mx_nbd_buf_keep(idle, idle - c->idle_bytes[cls], size, c->limit,
                        &evict);
    if (v == MX_NBD_BUF_KEEP_EVICT) {
        evict = mx_nbd_buf_evict(c, cls, evict);
    }
    trace_mx_nbd_buf_put(c, size, mx_nbd_buf_verdict_str(v), evict,
                         idle - evict);
    if (v != MX_NBD_BUF_KEEP && v != MX_NBD_BUF_KEEP_EVICT) {
        qemu_vfree(buf);
        return;
    }
    *(void **)buf = c->idle[cls];
    c->idle[cls] = buf;
    c->idle_bytes[cls] += size;
}

void mx_nbd_buf_cache_free(MxNbdBufCache *c)
{
    uint64_t bytes = mx_nbd_buf_idle(c);

    for (int cls = 0; cls < MX_NBD_BUF_CLASSES; cls++) {
        void *buf;

        while ((buf = mx_nbd_buf_pop(c, cls))) {
            qemu_vfree(buf);
        }
    }
    trace_mx_nbd_buf_cache_free(c, bytes, stat64_get(&c->reused),
                                stat64_get(&c->allocated));
}

void mx_nbd_buf_cache_fill_info(const MxNbdBufCache *c,
                                MxNbdConnectionInfo *info)
{
    info->has_buffers_reused = true;
    info->buffers_reused = stat64_get(&c->reused);
    info->has_buffers_allocated = true;
    info->buffers_allocated = stat64_get(&c->allocated);
}
