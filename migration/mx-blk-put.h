/*
 * qemu-mx: a block migration record's data written without a copy
 * (mx-blk-put.c; docs/mx/blk-dirty-runs.md).
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIGRATION_MX_BLK_PUT_H
#define MIGRATION_MX_BLK_PUT_H

#include "qemu-file.h"

/*
 * Source: the data of a record, @len bytes at @buf, after its header.  It
 * counts against @f's rate limit like qemu_put_buffer().  From 32 KiB up it
 * is not copied: it is written to the channel, with everything queued
 * before it, before this returns.  Either way the caller may free or reuse
 * @buf at once.
 */
void mx_blk_put_payload(QEMUFile *f, const uint8_t *buf, size_t len);

#endif
