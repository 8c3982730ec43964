/*
 * qemu-mx: the tools (qemu-nbd, qemu-storage-daemon) have no migration
 * properties: their NBD server always disables Nagle's algorithm.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "block/mx-nbd-nodelay.h"

bool mx_nbd_server_nodelay_wanted(void)
{
    return true;
}
