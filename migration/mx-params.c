/*
 * qemu-mx: migration parameters compress-method, lz4-acceleration and
 * compress-bypass; and the multifd-zlib-level / multifd-zstd-level values
 * that stock 7.2 accepts over QMP but never stores.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qapi/qmp/qerror.h"
#include "qapi/visitor.h"
#include "qapi/qapi-visit-migration.h"
#include "hw/qdev-properties.h"
#include "hw/core/qdev-prop-internal.h"
#include "monitor/monitor.h"
#include "migration.h"
#include "mx-compress.h"
#include "mx-lz4-codec.h"
#include "mx-mirror-params.h"

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

void mx_params_init(MigrationParameters *p)
{
    p->has_compress_method = true;
    p->has_lz4_acceleration = true;
    p->has_compress_bypass = true;
    mx_mirror_params_init(p);
}

bool mx_params_check(MigrationParameters *p, Error **errp)
{
    if (p->has_lz4_acceleration &&
        (p->lz4_acceleration < MX_LZ4_ACCEL_MIN ||
         p->lz4_acceleration > MX_LZ4_ACCEL_MAX)) {
        error_setg(errp, QERR_INVALID_PARAMETER_VALUE, "lz4_acceleration",
                   "an integer in the range of "
                   stringify(MX_LZ4_ACCEL_MIN) " to "
                   stringify(MX_LZ4_ACCEL_MAX));
        return false;
    }
    return mx_mirror_params_check(p, errp);
}

/*
 * Stock 7.2's migrate_params_test_apply()/migrate_params_apply() copy
 * neither multifd-zlib-level nor multifd-zstd-level: a value set with
 * migrate-set-parameters is range checked, then dropped.  Both places call
 * this, so it copies them along with qemu-mx's own parameters.
 */
static void mx_params_copy(MigrateSetParameters *params,
                           MigrationParameters *dest)
{
    if (params->has_multifd_zlib_level) {
        dest->multifd_zlib_level = params->multifd_zlib_level;
    }
    if (params->has_multifd_zstd_level) {
        dest->multifd_zstd_level = params->multifd_zstd_level;
    }
    if (params->has_compress_method) {
        dest->compress_method = params->compress_method;
    }
    if (params->has_lz4_acceleration) {
        dest->lz4_acceleration = params->lz4_acceleration;
    }
    if (params->has_compress_bypass) {
        dest->compress_bypass = params->compress_bypass;
    }
    mx_mirror_params_copy(params, dest);
}

void mx_params_test_apply(MigrateSetParameters *params,
                          MigrationParameters *dest)
{
    mx_params_copy(params, dest);
}

void mx_params_apply(MigrateSetParameters *params, MigrationParameters *dest)
{
    mx_params_copy(params, dest);
}

void mx_params_query(MigrationParameters *out, const MigrationParameters *cur)
{
    out->has_compress_method = true;
    out->compress_method = cur->compress_method;
    out->has_lz4_acceleration = true;
    out->lz4_acceleration = cur->lz4_acceleration;
    out->has_compress_bypass = true;
    out->compress_bypass = cur->compress_bypass;
    mx_mirror_params_query(out, cur);
}

bool mx_hmp_set_parameter(int param, Visitor *v, const char *name,
                          MigrateSetParameters *p, Error **errp)
{
    switch (param) {
    case MIGRATION_PARAMETER_COMPRESS_METHOD:
        p->has_compress_method = true;
        visit_type_CompressMethod(v, name, &p->compress_method, errp);
        return true;
    case MIGRATION_PARAMETER_LZ4_ACCELERATION:
        p->has_lz4_acceleration = true;
        visit_type_uint32(v, name, &p->lz4_acceleration, errp);
        return true;
    case MIGRATION_PARAMETER_COMPRESS_BYPASS:
        p->has_compress_bypass = true;
        visit_type_bool(v, name, &p->compress_bypass, errp);
        return true;
    default:
        return mx_mirror_hmp_set_parameter(param, v, name, p, errp);
    }
}

void mx_hmp_info_parameters(Monitor *mon, MigrationParameters *params)
{
    if (params->has_compress_method) {
        monitor_printf(mon, "%s: %s\n",
            MigrationParameter_str(MIGRATION_PARAMETER_COMPRESS_METHOD),
            CompressMethod_str(params->compress_method));
    }
    if (params->has_lz4_acceleration) {
        monitor_printf(mon, "%s: %u\n",
            MigrationParameter_str(MIGRATION_PARAMETER_LZ4_ACCELERATION),
            params->lz4_acceleration);
    }
    if (params->has_compress_bypass) {
        monitor_printf(mon, "%s: %s\n",
            MigrationParameter_str(MIGRATION_PARAMETER_COMPRESS_BYPASS),
            params->compress_bypass ? "on" : "off");
    }
    mx_mirror_hmp_info_parameters(mon, params);
}

void mx_hmp_info_compression(Monitor *mon, MigrationInfo *info)
{
    CompressionStats *c = info->compression;

    if (!info->has_compression || !c->has_method) {
        return;
    }
    monitor_printf(mon, "compression method: %s\n", c->method);
    monitor_printf(mon, "compression uncompressed size: %" PRIu64 " kbytes\n",
                   c->uncompressed_size >> 10);
    monitor_printf(mon, "compression bypassed (incompressible): %" PRIu64
                   " pages\n", c->bypassed);
    monitor_printf(mon, "compression bypassed (cpu-bound): %" PRIu64
                   " pages\n", c->cpu_bypassed);
    monitor_printf(mon, "compression bypass active: %s\n",
                   c->bypass_active ? "on" : "off");
}
