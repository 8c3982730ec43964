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

/*
 * One parameter, described rather than coded: mx-params.c does the range
 * check, migrate-set-parameters copy, query, init and both HMP commands for
 * every entry the same way.
 */
typedef enum MxParamKind {
    MX_PARAM_BOOL,
    MX_PARAM_UINT8,
    MX_PARAM_UINT32,
    MX_PARAM_INT32,     /* range in imin..imax */
    MX_PARAM_SIZE,      /* uint64_t; HMP takes suffixes (1M) */
    MX_PARAM_ENUM,      /* a QAPI enum, stored as int */
} MxParamKind;

typedef struct MxParam {
    MigrationParameter id;      /* its HMP and info name */
    MxParamKind kind;
    /* where has_<name> and <name> are in the two QAPI structs */
    size_t has_off, off;        /* MigrationParameters */
    size_t set_has_off, set_off; /* MigrateSetParameters */
    /* numbers: valid if min <= v <= max (and a power of two if pow2) */
    uint64_t min, max;
    bool pow2;
    int64_t imin, imax;         /* MX_PARAM_INT32 */
    bool (*valid)(uint64_t v);  /* replaces min/max/pow2 when set */
    const char *expect;         /* the error's "expects ..." text */
    const char *unit;           /* info migrate_parameters suffix */
    /* info migrate_parameters: " (special_text)" after the value special */
    int64_t special;
    const char *special_text;
    const QEnumLookup *lookup;  /* MX_PARAM_ENUM */
} MxParam;

#define MX_PARAM_FIELDS(name) \
    .has_off = offsetof(MigrationParameters, has_##name), \
    .off = offsetof(MigrationParameters, name), \
    .set_has_off = offsetof(MigrateSetParameters, has_##name), \
    .set_off = offsetof(MigrateSetParameters, name)

/* A feature's parameters: its entry in mx-params.c's table. */
typedef struct MxParamsOps {
    const MxParam *params;
    size_t n_params;
    /* optional, at migration object init */
    void (*init)(void);
} MxParamsOps;

/* Is @v a valid value of @prm (its range; booleans and enums always)? */
bool mx_param_valid(const MxParam *prm, uint64_t v);

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
#include "mx-throttle-params.h"
/* migration.c and hmp-cmds.c call the throttle glue through this header */
#include "mx-throttle-ctl.h"
#include "mx-ioqos-params.h"
#include "mx-compress-batch-params.h"
#include "mx-ram-slice-params.h"
#include "mx-tcp-timeout-params.h"
#include "mx-nbd-params.h"
#define MX_MIGRATION_PROPERTIES \
    MX_COMPRESS_PROPERTIES, \
    MX_HOT_PROPERTIES, \
    MX_BLK_PROPERTIES, \
    MX_MIRROR_PROPERTIES, \
    MX_THROTTLE_PROPERTIES, \
    MX_IOQOS_PROPERTIES, \
    MX_COMPRESS_BATCH_PROPERTIES, \
    MX_RAM_SLICE_PROPERTIES, \
    MX_TCP_TIMEOUT_PROPERTIES, \
    MX_NBD_PROPERTIES

#endif
