/*
 * qemu-mx: IO QoS on legacy block migration (migration/block.c,
 * docs/mx/io-qos.md): the same controller and the same limit/restore code
 * as the mirror path, fed from the dirty phase of each drive.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIGRATION_MX_BLK_IOQOS_H
#define MIGRATION_MX_BLK_IOQOS_H

typedef struct MxBlkIoqos MxBlkIoqos;

/* init_blk_migration(): one per migrated drive (@bs, named @name); BQL */
MxBlkIoqos *mx_blk_ioqos_new(BlockDriverState *bs, const char *name);
/* blk_send(): the dirty phase sent @bytes of this drive; migration thread */
void mx_blk_ioqos_sent(MxBlkIoqos *q, uint64_t bytes);
/*
 * block_save_pending(): the drive has @dirty bytes left in its dirty
 * bitmap; @bulk_done once the bulk phase is over (only the dirty phase is
 * controlled).  BQL held.
 */
void mx_blk_ioqos_tick(MxBlkIoqos *q, uint64_t dirty, bool bulk_done);
/* the drive leaves block migration (complete, fail, cancel): limits back */
void mx_blk_ioqos_finish(MxBlkIoqos *q);

#endif
