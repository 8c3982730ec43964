/*
 * qemu-mx: migration parameters and statistics of IO QoS on the mirror
 * path (docs/mx/io-qos.md).
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIGRATION_MX_IOQOS_PARAMS_H
#define MIGRATION_MX_IOQOS_PARAMS_H

#include "qapi/qapi-types-migration.h"
#include "block/mx-ioqos.h"

typedef struct Visitor Visitor;

void mx_ioqos_params_init(MigrationParameters *p);
bool mx_ioqos_params_check(MigrationParameters *p, Error **errp);
void mx_ioqos_params_test_apply(MigrateSetParameters *params,
                                MigrationParameters *dest);
void mx_ioqos_params_apply(MigrateSetParameters *params,
                           MigrationParameters *dest);
void mx_ioqos_params_query(MigrationParameters *out,
                           const MigrationParameters *cur);
bool mx_ioqos_hmp_set_parameter(int param, Visitor *v, const char *name,
                                MigrateSetParameters *p, Error **errp);
void mx_ioqos_hmp_info_parameters(Monitor *mon, MigrationParameters *params);
/* query-migrate: the block-qos list */
void mx_ioqos_fill_info(MigrationInfo *info);
void mx_ioqos_hmp_info_migrate(Monitor *mon, MigrationInfo *info);

#endif
