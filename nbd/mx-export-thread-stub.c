/*
 * qemu-mx: tools (qemu-nbd, qemu-storage-daemon) have no guest to migrate
 * into: their exports stay where management puts them.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "block/mx-export-thread.h"

AioContext *mx_export_thread_attach(BlockExportOptions *export,
                                    BlockDriverState *bs, AioContext *ctx)
{
    return ctx;
}

void mx_export_thread_detach(const char *export_id)
{
}
