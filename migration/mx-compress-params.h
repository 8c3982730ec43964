/*
 * qemu-mx: the migration parameters of qemu-mx's compression features
 * (compress-method, lz4-acceleration, compress-bypass): their accessors and
 * their entry in the parameter table of mx-params.c (mx-compress-params.c).
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIGRATION_MX_COMPRESS_PARAMS_H
#define MIGRATION_MX_COMPRESS_PARAMS_H

#include "qapi/qapi-types-migration.h"
#include "mx-params.h"

/* lz4-acceleration: accepted range and default (docs/mx/lz4-compression.md) */
#define MX_LZ4_ACCEL_MIN     1
#define MX_LZ4_ACCEL_MAX     65537
#define MX_LZ4_ACCEL_DEFAULT 1

/* -global migration.<name>; expanded in migration.c's property list */
extern const PropertyInfo mx_prop_compress_method;
#define MX_COMPRESS_PROPERTIES \
    DEFINE_PROP_SIGNED("compress-method", MigrationState, \
                       parameters.compress_method, COMPRESS_METHOD_ZLIB, \
                       mx_prop_compress_method, CompressMethod), \
    DEFINE_PROP_UINT32("lz4-acceleration", MigrationState, \
                       parameters.lz4_acceleration, MX_LZ4_ACCEL_DEFAULT), \
    DEFINE_PROP_BOOL("compress-bypass", MigrationState, \
                     parameters.compress_bypass, false)

CompressMethod migrate_compress_method(void);
bool migrate_compress_lz4(void);
int migrate_lz4_acceleration(void);
bool migrate_compress_bypass(void);

extern const MxParamsOps mx_compress_params;

#endif
