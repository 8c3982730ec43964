/*
 * qemu-mx: the tools (qemu-img, qemu-nbd -c, qemu-storage-daemon) have no
 * migration parameters: their NBD client takes the default of
 * nbd-client-quickack (block/mx-nbd-quickack.c).
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "block/mx-nbd-quickack.h"

bool mx_nbd_client_quickack_wanted(void)
{
    return MX_NBD_QUICKACK_DEFAULT;
}
