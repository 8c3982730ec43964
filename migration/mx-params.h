/*
 * qemu-mx: one table of every qemu-mx feature's migration parameters, and
 * the hooks through which migration.c and hmp-cmds.c reach all of them
 * (mx-params.c).  A feature adds its parameters by adding an MxParamsOps to
 * the table and its -global properties to MX_MIGRATION_PROPERTIES: no
 * further change to an upstream file beyond its QAPI members.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIGRATION_MX_PARAMS_H
#define MIGRATION_MX_PARAMS_H

#include "qapi/qapi-types-migration.h"

typedef struct MxParamsOps {
    /* migration object init: mark the feature's parameters present */
    void (*init)(MigrationParameters *p);
    /* range checks, with a clear error; false refuses the whole set */
    bool (*check)(MigrationParameters *p, Error **errp);
    /* migrate-set-parameters: copy what was given (test-apply and apply) */
    void (*copy)(MigrateSetParameters *params, MigrationParameters *dest);
    /* query-migrate-parameters */
    void (*query)(MigrationParameters *out, const MigrationParameters *cur);
    /* HMP migrate_set_parameter: false if @param is not this feature's */
    bool (*hmp_set)(int param, Visitor *v, const char *name,
                    MigrateSetParameters *p, Error **errp);
    /* HMP info migrate_parameters */
    void (*hmp_info)(Monitor *mon, MigrationParameters *params);
} MxParamsOps;

/* migration.c */
void mx_params_init(MigrationParameters *p);
bool mx_params_check(MigrationParameters *p, Error **errp);
void mx_params_copy(MigrateSetParameters *params, MigrationParameters *dest);
void mx_params_query(MigrationParameters *out, const MigrationParameters *cur);

/* hmp-cmds.c */
bool mx_hmp_set_parameter(int param, Visitor *v, const char *name,
                          MigrateSetParameters *p, Error **errp);
void mx_hmp_info_parameters(Monitor *mon, MigrationParameters *params);

/*
 * -global migration.<name> for every qemu-mx parameter, expanded in
 * migration.c's migration_properties[] (where qdev-properties.h is).
 */
#include "mx-compress-params.h"
#include "mx-hot-params.h"
#include "mx-blk-params.h"
#include "mx-mirror-params.h"
#include "mx-throttle-ctl.h"
#include "mx-ioqos-params.h"
#include "mx-compress-batch-params.h"
#define MX_MIGRATION_PROPERTIES \
    MX_COMPRESS_PROPERTIES, \
    MX_HOT_PROPERTIES, \
    MX_BLK_PROPERTIES, \
    MX_MIRROR_PROPERTIES, \
    MX_THROTTLE_PROPERTIES, \
    MX_IOQOS_PROPERTIES, \
    MX_COMPRESS_BATCH_PROPERTIES

#endif
