/*
 * qemu-mx: the rule of the NBD server's per-connection payload buffer
 * cache (nbd/mx-nbd-bufcache.c): which size a payload buffer gets and
 * whether a buffer a finished request hands back is kept for the next
 * request.  Pure functions, unit test tests/unit/test-mx-nbd-bufcache.c.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef NBD_MX_NBD_BUFCACHE_RULE_H
#define NBD_MX_NBD_BUFCACHE_RULE_H

/* Buffers are powers of two from 4 KiB to 32 MiB (NBD_MAX_BUFFER_SIZE) */
#define MX_NBD_BUF_MIN_SHIFT    12
#define MX_NBD_BUF_MAX_SHIFT    25
#define MX_NBD_BUF_CLASSES      (MX_NBD_BUF_MAX_SHIFT - MX_NBD_BUF_MIN_SHIFT + 1)

/* The parameter nbd-buffer-cache: bytes of idle buffers per connection */
#define MX_NBD_BUF_CACHE_DEFAULT    (16 * 1024 * 1024)
#define MX_NBD_BUF_CACHE_MAX        (1024 * 1024 * 1024)

/*
 * The size class of a payload of @len bytes (1 .. 32 MiB): the index of
 * the smallest power of two >= @len and >= 4 KiB; -1 if @len is 0 or
 * larger than the largest class (such a buffer is not cached).
 */
int mx_nbd_buf_class(uint64_t len);
/* The bytes of class @cls */
uint64_t mx_nbd_buf_class_size(int cls);

typedef enum MxNbdBufVerdict {
    MX_NBD_BUF_KEEP,        /* into the cache */
    MX_NBD_BUF_KEEP_EVICT,  /* into the cache after evicting *evict bytes */
    MX_NBD_BUF_FREE_OFF,    /* cache off (limit 0): freed, as stock */
    MX_NBD_BUF_FREE_BIG,    /* larger than the limit: freed */
    MX_NBD_BUF_FREE_FULL,   /* the cache holds only this class: freed */
} MxNbdBufVerdict;

/*
 * A request is done with a buffer of @size bytes.  The cache holds
 * @cached bytes of idle buffers, @other_cached of them in classes other
 * than this buffer's; it may hold @limit bytes.  Keep the buffer if it
 * fits; if it does not, make room by evicting idle buffers of the other
 * classes (the sizes the connection uses now win over older ones), never
 * of its own class (that would free one buffer to keep another alike).
 * *evict is the number of bytes to evict first (for KEEP_EVICT; else 0).
 */
MxNbdBufVerdict mx_nbd_buf_keep(uint64_t cached, uint64_t other_cached,
                                uint64_t size, uint64_t limit,
                                uint64_t *evict);

/* For trace events */
const char *mx_nbd_buf_verdict_str(MxNbdBufVerdict v);

#endif
