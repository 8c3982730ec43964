/*
 * qemu-mx: what the source checks before it hands its disks over.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIGRATION_MX_HANDOVER_H
#define MIGRATION_MX_HANDOVER_H

#include "migration.h"

/*
 * With the BQL held and the guest stopped, right before the disks are
 * inactivated: 0 when that is safe; else the migration's error is set and
 * a negative errno returned (the caller fails the migration, the disks stay
 * active and the source runs on).
 */
int mx_migration_before_inactivate(MigrationState *s);

#endif
