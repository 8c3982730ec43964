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
#include "monitor/monitor.h"
#include "qapi/qapi-types-migration.h"

/*
 * With the BQL held and the guest stopped, right before the disks are
 * inactivated: 0 when that is safe; else the migration's error is set and
 * a negative errno returned (the caller fails the migration, the disks stay
 * active and the source runs on).
 */
int mx_migration_before_inactivate(MigrationState *s);

/*
 * query-migrate / info migrate: what the mirror jobs still copied at this
 * migration's switchover (present once it had mirror jobs to wait for).
 */
void mx_handover_fill_info(MigrationInfo *info);
void mx_handover_hmp_info_migrate(Monitor *mon, MigrationInfo *info);

#endif
