/*
 * qemu-mx: the tools (qemu-nbd, qemu-storage-daemon) have no migration
 * parameters: their NBD server's connections keep the default amount of
 * idle payload buffers (nbd/mx-nbd-bufcache.c).
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "block/mx-nbd-bufcache.h"
#include "mx-nbd-bufcache-rule.h"

uint64_t mx_nbd_buf_cache_limit(void)
{
    return MX_NBD_BUF_CACHE_DEFAULT;
}
