/*
 * qemu-mx: tools (qemu-img, qemu-io, qemu-nbd, qemu-storage-daemon) have no
 * migration object: their NBD client nodes get the automatic count unless
 * mx-connections says otherwise.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "block/mx-nbd-multiconn.h"

unsigned mx_nbd_mc_default_connections(void)
{
    return 0;
}
