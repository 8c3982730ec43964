/*
 * qemu-mx: the table of qemu-mx's migration parameters and the hooks that
 * walk it.  Each feature describes its parameters (MxParam: kind, where
 * the fields are, the valid range, the HMP unit); the range check, the
 * migrate-set-parameters copy, the query, init and both HMP commands are
 * done here, once, for all of them.
 *
 * Stock 7.2's migrate_params_test_apply()/migrate_params_apply() copy
 * neither multifd-zlib-level nor multifd-zstd-level (a value set with
 * migrate-set-parameters is range checked, then dropped): the copy here
 * stores them too.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/cutils.h"
#include "qapi/error.h"
#include "qapi/qmp/qerror.h"
#include "qapi/visitor.h"
#include "monitor/monitor.h"
#include "migration.h"
#include "mx-params.h"

QEMU_BUILD_BUG_ON(sizeof(CompressMethod) != sizeof(int));
QEMU_BUILD_BUG_ON(sizeof(CpuThrottlePolicy) != sizeof(int));

static const MxParamsOps *const mx_params_table[] = {
    &mx_compress_params,
    &mx_hot_params,
    &mx_blk_params,
    &mx_mirror_params,
    &mx_throttle_params,
    &mx_ioqos_params,
    &mx_compress_batch_params,
    &mx_ram_slice_params,
    &mx_tcp_timeout_params,
    &mx_nbd_params,
};

#define FOR_EACH_MX_PARAM(prm) \
    for (size_t t_ = 0; t_ < ARRAY_SIZE(mx_params_table); t_++) \
        for (size_t i_ = 0; i_ < mx_params_table[t_]->n_params && \
             ((prm) = &mx_params_table[t_]->params[i_]); i_++)

static bool *mx_param_has(void *s, size_t off)
{
    return (bool *)((char *)s + off);
}

static uint64_t mx_param_get(const MxParam *prm, const void *s, size_t off)
{
    const char *f = (const char *)s + off;

    switch (prm->kind) {
    case MX_PARAM_BOOL:
        return *(const bool *)f;
    case MX_PARAM_UINT8:
        return *(const uint8_t *)f;
    case MX_PARAM_UINT32:
        return *(const uint32_t *)f;
    case MX_PARAM_INT32:
        return (int64_t)*(const int32_t *)f;
    case MX_PARAM_SIZE:
        return *(const uint64_t *)f;
    case MX_PARAM_ENUM:
        return *(const int *)f;
    }
    g_assert_not_reached();
}

static void mx_param_put(const MxParam *prm, void *s, size_t off, uint64_t v)
{
    char *f = (char *)s + off;

    switch (prm->kind) {
    case MX_PARAM_BOOL:
        *(bool *)f = v;
        return;
    case MX_PARAM_UINT8:
        *(uint8_t *)f = v;
        return;
    case MX_PARAM_UINT32:
        *(uint32_t *)f = v;
        return;
    case MX_PARAM_INT32:
        *(int32_t *)f = (int64_t)v;
        return;
    case MX_PARAM_SIZE:
        *(uint64_t *)f = v;
        return;
    case MX_PARAM_ENUM:
        *(int *)f = v;
        return;
    }
    g_assert_not_reached();
}

/* Is @v a valid value of @prm?  Booleans and enums: the visitor checked. */
bool mx_param_valid(const MxParam *prm, uint64_t v)
{
    if (prm->kind == MX_PARAM_BOOL || prm->kind == MX_PARAM_ENUM) {
        return true;
    }
    if (prm->valid) {
        return prm->valid(v);
    }
    if (prm->kind == MX_PARAM_INT32) {
        return (int64_t)v >= prm->imin && (int64_t)v <= prm->imax;
    }
    return v >= prm->min && v <= prm->max && (!prm->pow2 || is_power_of_2(v));
}

void mx_params_init(MigrationParameters *p)
{
    const MxParam *prm;

    FOR_EACH_MX_PARAM(prm) {
        *mx_param_has(p, prm->has_off) = true;
    }
    for (size_t t = 0; t < ARRAY_SIZE(mx_params_table); t++) {
        if (mx_params_table[t]->init) {
            mx_params_table[t]->init();
        }
    }
}

bool mx_params_check(MigrationParameters *p, Error **errp)
{
    const MxParam *prm;

    FOR_EACH_MX_PARAM(prm) {
        if (*mx_param_has(p, prm->has_off) &&
            !mx_param_valid(prm, mx_param_get(prm, p, prm->off))) {
            g_autofree char *name = g_strdup(MigrationParameter_str(prm->id));

            /* the QMP member's name, as stock's range errors give it */
            g_strdelimit(name, "-", '_');
            error_setg(errp, QERR_INVALID_PARAMETER_VALUE, name, prm->expect);
            return false;
        }
    }
    return true;
}

void mx_params_copy(MigrateSetParameters *params, MigrationParameters *dest)
{
    const MxParam *prm;

    if (params->has_multifd_zlib_level) {
        dest->multifd_zlib_level = params->multifd_zlib_level;
    }
    if (params->has_multifd_zstd_level) {
        dest->multifd_zstd_level = params->multifd_zstd_level;
    }
    FOR_EACH_MX_PARAM(prm) {
        if (*mx_param_has(params, prm->set_has_off)) {
            mx_param_put(prm, dest, prm->off,
                         mx_param_get(prm, params, prm->set_off));
        }
    }
}

void mx_params_query(MigrationParameters *out, const MigrationParameters *cur)
{
    const MxParam *prm;

    FOR_EACH_MX_PARAM(prm) {
        *mx_param_has(out, prm->has_off) = true;
        mx_param_put(prm, out, prm->off, mx_param_get(prm, cur, prm->off));
    }
}

bool mx_hmp_set_parameter(int param, Visitor *v, const char *name,
                          MigrateSetParameters *p, Error **errp)
{
    const MxParam *prm;

    FOR_EACH_MX_PARAM(prm) {
        void *f = (char *)p + prm->set_off;

        if (prm->id != param) {
            continue;
        }
        *mx_param_has(p, prm->set_has_off) = true;
        switch (prm->kind) {
        case MX_PARAM_BOOL:
            visit_type_bool(v, name, f, errp);
            break;
        case MX_PARAM_UINT8:
            visit_type_uint8(v, name, f, errp);
            break;
        case MX_PARAM_UINT32:
            visit_type_uint32(v, name, f, errp);
            break;
        case MX_PARAM_INT32:
            visit_type_int32(v, name, f, errp);
            break;
        case MX_PARAM_SIZE:
            visit_type_size(v, name, f, errp);
            break;
        case MX_PARAM_ENUM:
            visit_type_enum(v, name, f, prm->lookup, errp);
            break;
        }
        return true;
    }
    return false;
}

void mx_hmp_info_parameters(Monitor *mon, MigrationParameters *params)
{
    const MxParam *prm;

    FOR_EACH_MX_PARAM(prm) {
        uint64_t v;

        if (!*mx_param_has(params, prm->has_off)) {
            continue;
        }
        v = mx_param_get(prm, params, prm->off);
        monitor_printf(mon, "%s: ", MigrationParameter_str(prm->id));
        switch (prm->kind) {
        case MX_PARAM_BOOL:
            monitor_printf(mon, "%s", v ? "on" : "off");
            break;
        case MX_PARAM_ENUM:
            monitor_printf(mon, "%s", qapi_enum_lookup(prm->lookup, v));
            break;
        case MX_PARAM_INT32:
            monitor_printf(mon, "%" PRId64, (int64_t)v);
            break;
        default:
            monitor_printf(mon, "%" PRIu64, v);
            break;
        }
        if (prm->special_text && (int64_t)v == prm->special) {
            monitor_printf(mon, " (%s)", prm->special_text);
        }
        monitor_printf(mon, "%s\n", prm->unit ? prm->unit : "");
    }
}
