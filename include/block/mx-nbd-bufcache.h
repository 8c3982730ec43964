/*
 * qemu-mx: per-connection cache of the NBD server's payload buffers
 * (nbd/mx-nbd-bufcache.c, rule in nbd/mx-nbd-bufcache-rule.c).
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef BLOCK_MX_NBD_BUFCACHE_H
#define BLOCK_MX_NBD_BUFCACHE_H

#include "qemu/stats64.h"
#include "qapi/qapi-types-block-export.h"
#include "sysemu/block-backend.h"

#define MX_NBD_BUFCACHE_NCLASSES 14     /* 4 KiB .. 32 MiB */

/*
 * One connection's idle buffers, a list per size class linked through
 * the buffers themselves.  Used by the connection's request coroutines
 * only (the export's AioContext), so no lock; the counters are read by
 * query-block-exports from the main loop.
 */
typedef struct MxNbdBufCache {
    void *idle[MX_NBD_BUFCACHE_NCLASSES];
    uint64_t idle_bytes[MX_NBD_BUFCACHE_NCLASSES];
    uint64_t limit;         /* nbd-buffer-cache when the client connected */
    Stat64 reused;          /* payload buffers taken from the cache */
    Stat64 allocated;       /* payload buffers allocated */
} MxNbdBufCache;

/* A new connection; @limit 0 is stock (allocate and free every buffer) */
void mx_nbd_buf_cache_init(MxNbdBufCache *c, uint64_t limit);

/*
 * A buffer for a payload of @len bytes (len > 0), aligned for @blk; NULL
 * if out of memory.  *size is what mx_nbd_buf_put() needs back: the
 * buffer's size, or 0 for a buffer that is not the cache's.
 */
void *mx_nbd_buf_get(MxNbdBufCache *c, BlockBackend *blk, uint64_t len,
                     uint64_t *size);
/* The request is done with @buf (may be NULL) of @size (from get) */
void mx_nbd_buf_put(MxNbdBufCache *c, void *buf, uint64_t size);
/* The connection goes away: free every idle buffer */
void mx_nbd_buf_cache_free(MxNbdBufCache *c);
/* query-block-exports: buffers-reused, buffers-allocated */
void mx_nbd_buf_cache_fill_info(const MxNbdBufCache *c,
                                MxNbdConnectionInfo *info);

/*
 * The limit for new connections: the migration parameter nbd-buffer-cache
 * in QEMU (migration/mx-nbd-params.c), the default in the tools
 * (nbd/mx-nbd-bufcache-stub.c).
 */
uint64_t mx_nbd_buf_cache_limit(void);

#endif
