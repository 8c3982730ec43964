/*
 * qemu-mx: migration parameter mirror-default-granularity.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIGRATION_MX_MIRROR_PARAMS_H
#define MIGRATION_MX_MIRROR_PARAMS_H

#include "qapi/qapi-types-migration.h"

void mx_mirror_params_init(MigrationParameters *p);
bool mx_mirror_params_check(MigrationParameters *p, Error **errp);
void mx_mirror_params_copy(MigrateSetParameters *params,
                           MigrationParameters *dest);
void mx_mirror_params_query(MigrationParameters *out,
                            const MigrationParameters *cur);
bool mx_mirror_hmp_set_parameter(int param, Visitor *v, const char *name,
                                 MigrateSetParameters *p, Error **errp);
void mx_mirror_hmp_info_parameters(Monitor *mon, MigrationParameters *params);

#endif
