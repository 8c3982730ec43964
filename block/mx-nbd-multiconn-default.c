/*
 * qemu-mx: the NBD client's connection count when blockdev-add passes
 * none (libvirt 9.0 never does): the migration-object property
 * mx-nbd-connections, -global migration.mx-nbd-connections=N.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "block/mx-nbd-multiconn.h"
#include "migration/migration.h"

unsigned mx_nbd_mc_default_connections(void)
{
    /*
     * -blockdev on the command line is opened before the migration object
     * exists: those nodes get the automatic count.
     */
    if (!migration_mx_object_ready()) {
        return 0;
    }
    return migrate_get_current()->mx_nbd_connections;
}
