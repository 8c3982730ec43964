/*
 * qemu-mx: the migration parameters of qemu-mx's compression features
 * (compress-method, lz4-acceleration, compress-bypass), their accessors and
 * the hooks that QMP, HMP and -global use (mx-params.c).
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIGRATION_MX_PARAMS_H
#define MIGRATION_MX_PARAMS_H

#include "qapi/qapi-types-migration.h"

/* lz4-acceleration: accepted range and default (docs/mx/lz4-compression.md) */
#define MX_LZ4_ACCEL_MIN     1
#define MX_LZ4_ACCEL_MAX     65537
#define MX_LZ4_ACCEL_DEFAULT 1

/* -global migration.compress-method; expanded where qdev-properties.h is */
extern const PropertyInfo mx_prop_compress_method;
#define DEFINE_PROP_MX_COMPRESS_METHOD(_n, _s, _f, _d) \
    DEFINE_PROP_SIGNED(_n, _s, _f, _d, mx_prop_compress_method, \
                       CompressMethod)

CompressMethod migrate_compress_method(void);
bool migrate_compress_lz4(void);
int migrate_lz4_acceleration(void);
bool migrate_compress_bypass(void);

/* migration.c: defaults, range checks, copy on set (test and apply), query */
void mx_params_init(MigrationParameters *p);
bool mx_params_check(MigrationParameters *p, Error **errp);
void mx_params_copy(MigrateSetParameters *params, MigrationParameters *dest);
void mx_params_query(MigrationParameters *out, const MigrationParameters *cur);

/* hmp-cmds.c: migrate_set_parameter and info migrate_parameters */
bool mx_hmp_set_parameter(int param, Visitor *v, const char *name,
                          MigrateSetParameters *p, Error **errp);
void mx_hmp_info_parameters(Monitor *mon, MigrationParameters *params);

#endif
