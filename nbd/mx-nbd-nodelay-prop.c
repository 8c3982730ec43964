/*
 * qemu-mx: the migration property mx-nbd-server-nodelay (default on):
 * -global migration.mx-nbd-server-nodelay=off gives the NBD server's
 * connections stock's Nagle behaviour back.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "migration/migration.h"
#include "block/mx-nbd-nodelay.h"

bool mx_nbd_server_nodelay_wanted(void)
{
    return migrate_get_current()->mx_nbd_server_nodelay;
}
