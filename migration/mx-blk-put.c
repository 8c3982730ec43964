/*
 * qemu-mx: a block migration record's data written without a copy.
 *
 * qemu_put_buffer() copies into the stream's 32 KiB buffer and writes it
 * out each time the buffer fills: a 1 MiB chunk cost a memcpy of 1 MiB and
 * 32 sendmsg calls in the migration thread, most of what a dirty pass over
 * a mostly clean disk cost it.  Here the data is queued where it is
 * (qemu_put_buffer_async()) and the stream is flushed at once, so the
 * record's header and its data leave in one writev, before the caller
 * frees the buffer.  The bytes on the wire are the same.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "mx-blk-put.h"

void mx_blk_put_payload(QEMUFile *f, const uint8_t *buf, size_t len)
{
    /* not may_free: @buf is the caller's, not guest RAM to discard */
    qemu_put_buffer_async(f, buf, len, false);
    /* the iovec points into @buf: write it out before the caller frees it */
    qemu_fflush(f);
}
