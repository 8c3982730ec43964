/*
 * qemu-mx: migration parameters compress-method, lz4-acceleration and
 * compress-bypass (docs/mx/lz4-compression.md).
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qapi/qapi-visit-migration.h"
#include "hw/qdev-properties.h"
#include "hw/core/qdev-prop-internal.h"
#include "migration.h"
#include "mx-compress-params.h"

const PropertyInfo mx_prop_compress_method = {
    .name = "CompressMethod",
    .description = "compress_method values, zlib/lz4",
    .enum_table = &CompressMethod_lookup,
    .get = qdev_propinfo_get_enum,
    .set = qdev_propinfo_set_enum,
    .set_default_value = qdev_propinfo_set_default_value_enum,
};

CompressMethod migrate_compress_method(void)
{
    return migrate_get_current()->parameters.compress_method;
}

bool migrate_compress_lz4(void)
{
#ifdef CONFIG_LZ4
    return migrate_compress_method() == COMPRESS_METHOD_LZ4;
#else
    return false;
#endif
}

int migrate_lz4_acceleration(void)
{
    return migrate_get_current()->parameters.lz4_acceleration;
}

bool migrate_compress_bypass(void)
{
    return migrate_get_current()->parameters.compress_bypass;
}

static const MxParam mx_compress_param_list[] = {
    {
        .id = MIGRATION_PARAMETER_COMPRESS_METHOD,
        .kind = MX_PARAM_ENUM, MX_PARAM_FIELDS(compress_method),
        .lookup = &CompressMethod_lookup,
    }, {
        .id = MIGRATION_PARAMETER_LZ4_ACCELERATION,
        .kind = MX_PARAM_UINT32, MX_PARAM_FIELDS(lz4_acceleration),
        .min = MX_LZ4_ACCEL_MIN, .max = MX_LZ4_ACCEL_MAX,
        .expect = "an integer in the range of " stringify(MX_LZ4_ACCEL_MIN)
                  " to " stringify(MX_LZ4_ACCEL_MAX),
    }, {
        .id = MIGRATION_PARAMETER_COMPRESS_BYPASS,
        .kind = MX_PARAM_BOOL, MX_PARAM_FIELDS(compress_bypass),
    },
};

const MxParamsOps mx_compress_params = {
    .params = mx_compress_param_list,
    .n_params = ARRAY_SIZE(mx_compress_param_list),
};
