/*
 * qemu-mx: QIOChannel for the vmstate area of a block device with
 * cluster-aligned queued writes and sequential read-ahead.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef QIO_CHANNEL_VMSTATE_H
#define QIO_CHANNEL_VMSTATE_H

#include "io/channel.h"
#include "qom/object.h"

#define TYPE_QIO_CHANNEL_VMSTATE "qio-channel-vmstate"
OBJECT_DECLARE_SIMPLE_TYPE(QIOChannelVMState, QIO_CHANNEL_VMSTATE)

/*
 * Chosen from measurements (docs/mx/fast-snapshots.md).  A write chunk is
 * rounded up to a multiple of the image's cluster size.
 */
#define VMSTATE_IO_WRITE_CHUNK_DEFAULT  (1 * MiB)
#define VMSTATE_IO_WRITE_DEPTH_DEFAULT  8
#define VMSTATE_IO_READ_CHUNK_DEFAULT   (8 * MiB)
#define VMSTATE_IO_READ_DEPTH_DEFAULT   2
/*
 * Write alignment when the image reports no cluster size (raw files, most
 * protocol nodes): qcow2's default cluster size, a multiple of every
 * O_DIRECT alignment in practice (the node's own alignment is applied too).
 */
#define VMSTATE_IO_ALIGN_DEFAULT        (64 * KiB)

/**
 * qio_channel_vmstate_new:
 * @bs: the node that holds the vmstate (bdrv_all_find_vmstate_bs())
 * @writable: true for savevm, false for loadvm
 * @size_hint: for reading, the size of the saved state (0 if unknown);
 *             read-ahead never goes past it
 *
 * Writes are collected into cluster-aligned chunks that are written
 * with several requests in flight; the first failed request fails every
 * later write and the close.  Reads are served from a small read-ahead
 * window that is refilled sequentially.  The on-disk layout is exactly
 * the one of a plain sequential stream, so images stay interchangeable
 * with stock QEMU.
 *
 * Must be used from the main loop thread with the AioContext of @bs held,
 * like savevm and loadvm do.
 */
QIOChannelVMState *qio_channel_vmstate_new(BlockDriverState *bs,
                                           bool writable,
                                           uint64_t size_hint);

#endif /* QIO_CHANNEL_VMSTATE_H */
