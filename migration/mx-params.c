/*
 * qemu-mx: the table of qemu-mx's migration parameters and the hooks that
 * walk it.  Stock 7.2's migrate_params_test_apply()/migrate_params_apply()
 * copy neither multifd-zlib-level nor multifd-zstd-level (a value set with
 * migrate-set-parameters is range checked, then dropped): the copy here
 * stores them too.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "migration.h"
#include "mx-params.h"

static const MxParamsOps *const mx_params_table[] = {
    &mx_compress_params,
    &mx_hot_params,
    &mx_blk_params,
    &mx_mirror_params,
    &mx_throttle_params,
    &mx_ioqos_params,
    &mx_compress_batch_params,
};

#define FOR_EACH_MX_PARAMS(ops) \
    for (size_t i_ = 0; i_ < ARRAY_SIZE(mx_params_table) && \
         ((ops) = mx_params_table[i_]); i_++)

void mx_params_init(MigrationParameters *p)
{
    const MxParamsOps *ops;

    FOR_EACH_MX_PARAMS(ops) {
        ops->init(p);
    }
}

bool mx_params_check(MigrationParameters *p, Error **errp)
{
    const MxParamsOps *ops;

    FOR_EACH_MX_PARAMS(ops) {
        if (!ops->check(p, errp)) {
            return false;
        }
    }
    return true;
}

void mx_params_copy(MigrateSetParameters *params, MigrationParameters *dest)
{
    const MxParamsOps *ops;

    if (params->has_multifd_zlib_level) {
        dest->multifd_zlib_level = params->multifd_zlib_level;
    }
    if (params->has_multifd_zstd_level) {
        dest->multifd_zstd_level = params->multifd_zstd_level;
    }
    FOR_EACH_MX_PARAMS(ops) {
        ops->copy(params, dest);
    }
}

void mx_params_query(MigrationParameters *out, const MigrationParameters *cur)
{
    const MxParamsOps *ops;

    FOR_EACH_MX_PARAMS(ops) {
        ops->query(out, cur);
    }
}

bool mx_hmp_set_parameter(int param, Visitor *v, const char *name,
                          MigrateSetParameters *p, Error **errp)
{
    const MxParamsOps *ops;

    FOR_EACH_MX_PARAMS(ops) {
        if (ops->hmp_set(param, v, name, p, errp)) {
            return true;
        }
    }
    return false;
}

void mx_hmp_info_parameters(Monitor *mon, MigrationParameters *params)
{
    const MxParamsOps *ops;

    FOR_EACH_MX_PARAMS(ops) {
        ops->hmp_info(mon, params);
    }
}
