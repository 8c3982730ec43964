/*
 * qemu-mx: a block migration record's data written without a copy.
 *
 * qemu_put_buffer() copies into the stream's 32 KiB buffer and writes it
 * out each time the buffer fills: a 1 MiB chunk cost a memcpy of 1 MiB and
 * 32 sendmsg calls in the migration thread, most of what a dirty pass over
 * a mostly clean disk cost it.  Here data of 32 KiB or more is queued
 * where it is (qemu_put_buffer_async()) and the stream is flushed at once,
 * so the record's header and its data leave in one writev, before the
 * caller frees the buffer; smaller runs are still copied, as a writev each
 * would cost more than the copy.  The bytes on the wire are the same.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "mx-blk-put.h"

/*
 * Below this, copying is cheaper than a writev of its own: small dirty runs
 * (4 KiB records at mig-block-size 4096) keep sharing the stream's buffer.
 */
#define MX_BLK_PUT_COPY_MAX (32 * 1024)

void mx_blk_put_payload(QEMUFile *f, const uint8_t *buf, size_t len)
{
    if (len < MX_BLK_PUT_COPY_MAX) {
        qemu_put_buffer(f, buf, len);
        return;
    }
    /* not may_free: @buf is the caller's, not guest RAM to discard */
    qemu_put_buffer_async(f, buf, len, false);
    /* the iovec points into @buf: write it out before the caller frees it */
    qemu_fflush(f);
}
