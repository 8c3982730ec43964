/*
 * qemu-mx: the destination of legacy block migration writes several
 * dirty runs at once (mx-blk-load.c; docs/mx/blk-dirty-runs.md).
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIGRATION_MX_BLK_LOAD_H
#define MIGRATION_MX_BLK_LOAD_H

#include "sysemu/block-backend.h"

/*
 * Write @len bytes of @buf (NULL: zeroes) at @offset of @blk.  With
 * blk-load-depth above 1 and in coroutine context the write is started
 * beside the ones in flight (after any earlier write to the same bytes)
 * and @buf is freed when it is done; otherwise it is written at once, as
 * stock does, and freed.  Returns 0 or the first error of any write.
 */
int mx_blk_load_write(BlockBackend *blk, int64_t offset, uint64_t len,
                      uint8_t *buf);

/* Wait until every write is done; returns and clears the first error. */
int mx_blk_load_drain(void);

/* block_load()'s end: drain, and return @ret or the first write error */
int mx_blk_load_finish(int ret);

/* the parameter blk-load-depth */
unsigned mx_blk_load_depth(void);

#endif
