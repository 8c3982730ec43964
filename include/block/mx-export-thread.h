/*
 * qemu-mx: NBD exports of a -incoming destination on a dedicated iothread.
 * See docs/mx/nbd-threads.md.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef BLOCK_MX_EXPORT_THREAD_H
#define BLOCK_MX_EXPORT_THREAD_H

#include "qapi/qapi-types-block-export.h"

/*
 * Called by blk_exp_add() with @ctx (the node's AioContext) acquired, before
 * the export's BlockBackend is created.  May move @bs into a new iothread;
 * returns the AioContext that is acquired on return (@ctx or the new one).
 */
AioContext *mx_export_thread_attach(BlockExportOptions *export,
                                    BlockDriverState *bs, AioContext *ctx);

/*
 * Called in the main thread, with no AioContext lock held, once the export
 * @export_id is gone (deleted, or its creation failed): the node goes back
 * to the main AioContext and the export's iothread stops.
 */
void mx_export_thread_detach(const char *export_id);

#endif
