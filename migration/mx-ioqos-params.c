/*
 * qemu-mx: migration parameters block-qos, block-qos-floor and
 * block-qos-step, and the block-qos statistics of query-migrate, for IO QoS
 * on the mirror path (block/mx-ioqos-mirror.c, docs/mx/io-qos.md).
 *
 * They are migration parameters although the mirror jobs are block jobs:
 * libvirt runs its --copy-storage-all mirrors as part of a migration, and a
 * libvirt user reaches migration parameters with -global migration.<name>
 * (qemu:commandline) without any new monitor command.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qapi/qmp/qerror.h"
#include "qapi/visitor.h"
#include "qemu/timer.h"
#include "qapi/qapi-visit-migration.h"
#include "monitor/monitor.h"
#include "block/mx-ioqos-mirror.h"
#include "migration.h"
#include "mx-ioqos-params.h"

#define MX_IOQOS_STATS_MAX 16

static void mx_ioqos_config(MxIoqosConfig *cfg)
{
    MigrationParameters *p = &migrate_get_current()->parameters;

    cfg->enabled = p->block_qos;
    cfg->floor = p->block_qos_floor;
    cfg->step = p->block_qos_step;
}

static void __attribute__((constructor)) mx_ioqos_params_register(void)
{
    mx_ioqos_set_config_source(mx_ioqos_config);
}

void mx_ioqos_params_init(MigrationParameters *p)
{
    p->has_block_qos = true;
    p->has_block_qos_floor = true;
    p->has_block_qos_step = true;
}

bool mx_ioqos_params_check(MigrationParameters *p, Error **errp)
{
    if (p->has_block_qos_floor &&
        (p->block_qos_floor < MX_IOQOS_FLOOR_MIN ||
         p->block_qos_floor > MX_IOQOS_FLOOR_MAX)) {
        error_setg(errp, QERR_INVALID_PARAMETER_VALUE, "block_qos_floor",
                   "a size in bytes/s from 64 KiB (65536) to 1 TiB "
                   "(1099511627776)");
        return false;
    }
    if (p->has_block_qos_step &&
        (p->block_qos_step < MX_IOQOS_STEP_MIN ||
         p->block_qos_step > MX_IOQOS_STEP_MAX)) {
        error_setg(errp, QERR_INVALID_PARAMETER_VALUE, "block_qos_step",
                   "a percentage in the range of "
                   stringify(MX_IOQOS_STEP_MIN) " to "
                   stringify(MX_IOQOS_STEP_MAX));
        return false;
    }
    return true;
}

static void mx_ioqos_params_copy(MigrateSetParameters *params,
                                 MigrationParameters *dest)
{
    if (params->has_block_qos) {
        dest->block_qos = params->block_qos;
    }
    if (params->has_block_qos_floor) {
        dest->block_qos_floor = params->block_qos_floor;
    }
    if (params->has_block_qos_step) {
        dest->block_qos_step = params->block_qos_step;
    }
}

void mx_ioqos_params_query(MigrationParameters *out,
                           const MigrationParameters *cur)
{
    out->has_block_qos = true;
    out->block_qos = cur->block_qos;
    out->has_block_qos_floor = true;
    out->block_qos_floor = cur->block_qos_floor;
    out->has_block_qos_step = true;
    out->block_qos_step = cur->block_qos_step;
}

bool mx_ioqos_hmp_set_parameter(int param, Visitor *v, const char *name,
                                MigrateSetParameters *p, Error **errp)
{
    switch (param) {
    case MIGRATION_PARAMETER_BLOCK_QOS:
        p->has_block_qos = true;
        visit_type_bool(v, name, &p->block_qos, errp);
        return true;
    case MIGRATION_PARAMETER_BLOCK_QOS_FLOOR:
        p->has_block_qos_floor = true;
        visit_type_size(v, name, &p->block_qos_floor, errp);
        return true;
    case MIGRATION_PARAMETER_BLOCK_QOS_STEP:
        p->has_block_qos_step = true;
        visit_type_uint8(v, name, &p->block_qos_step, errp);
        return true;
    default:
        return false;
    }
}

void mx_ioqos_hmp_info_parameters(Monitor *mon, MigrationParameters *params)
{
    if (params->has_block_qos) {
        monitor_printf(mon, "%s: %s\n",
            MigrationParameter_str(MIGRATION_PARAMETER_BLOCK_QOS),
            params->block_qos ? "on" : "off");
    }
    if (params->has_block_qos_floor) {
        monitor_printf(mon, "%s: %" PRIu64 " bytes/second\n",
            MigrationParameter_str(MIGRATION_PARAMETER_BLOCK_QOS_FLOOR),
            params->block_qos_floor);
    }
    if (params->has_block_qos_step) {
        monitor_printf(mon, "%s: %u %%\n",
            MigrationParameter_str(MIGRATION_PARAMETER_BLOCK_QOS_STEP),
            params->block_qos_step);
    }
}

void mx_ioqos_fill_info(MigrationInfo *info)
{
    MxIoqosJobStats st[MX_IOQOS_STATS_MAX];
    BlockQosInfoList **tail = &info->block_qos;
    int n = mx_ioqos_get_stats(st, MX_IOQOS_STATS_MAX), i;

    if (!n) {
        return;
    }
    info->has_block_qos = true;
    for (i = 0; i < n; i++) {
        BlockQosInfo *q = g_new0(BlockQosInfo, 1);

        q->job_id = g_strdup(st[i].job_id);
        q->device = g_strdup(st[i].device);
        q->active = st[i].active;
        q->limit = st[i].limit;
        q->steps = st[i].steps;
        q->throttled_ms = st[i].throttled_ns / SCALE_MS;
        q->backlog = st[i].backlog;
        QAPI_LIST_APPEND(tail, q);
    }
}

void mx_ioqos_hmp_info_migrate(Monitor *mon, MigrationInfo *info)
{
    BlockQosInfoList *l;

    if (!info->has_block_qos) {
        return;
    }
    for (l = info->block_qos; l; l = l->next) {
        BlockQosInfo *q = l->value;

        monitor_printf(mon, "block-qos %s (%s, %s): write limit %" PRIu64
                       " bytes/s, %" PRIu64 " steps, throttled %" PRIu64
                       " ms, backlog %" PRIu64 " bytes\n",
                       q->job_id, q->device,
                       q->active ? "running" : "finished", q->limit,
                       q->steps, q->throttled_ms, q->backlog);
    }
}

const MxParamsOps mx_ioqos_params = {
    .init = mx_ioqos_params_init,
    .check = mx_ioqos_params_check,
    .copy = mx_ioqos_params_copy,
    .query = mx_ioqos_params_query,
    .hmp_set = mx_ioqos_hmp_set_parameter,
    .hmp_info = mx_ioqos_hmp_info_parameters,
};
