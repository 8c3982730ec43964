/*
 * qemu-mx: migration parameters block-qos, block-qos-floor,
 * block-qos-step, block-qos-tail and block-qos-slowdown, and the block-qos
 * statistics of query-migrate, for IO QoS on the mirror path
 * (block/mx-ioqos-mirror.c, docs/mx/io-qos.md).
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
#include "qemu/timer.h"
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
    cfg->tail_ms = p->block_qos_tail;
    cfg->slowdown = p->block_qos_slowdown;
}

/* An outgoing migration between its setup and its end (mirror jobs' tail mode) */
static bool mx_ioqos_outgoing(void)
{
    return migration_is_running(qatomic_read(&migrate_get_current()->state));
}

static void __attribute__((constructor)) mx_ioqos_params_register(void)
{
    mx_ioqos_set_config_source(mx_ioqos_config);
    mx_ioqos_set_migrating_source(mx_ioqos_outgoing);
}

static const MxParam mx_ioqos_param_list[] = {
    {
        .id = MIGRATION_PARAMETER_BLOCK_QOS,
        .kind = MX_PARAM_BOOL, MX_PARAM_FIELDS(block_qos),
    }, {
        .id = MIGRATION_PARAMETER_BLOCK_QOS_FLOOR,
        .kind = MX_PARAM_SIZE, MX_PARAM_FIELDS(block_qos_floor),
        .min = MX_IOQOS_FLOOR_MIN, .max = MX_IOQOS_FLOOR_MAX,
        .expect = "a size in bytes/s from 64 KiB (65536) to 1 TiB "
                  "(1099511627776)",
        .unit = " bytes/second",
    }, {
        .id = MIGRATION_PARAMETER_BLOCK_QOS_STEP,
        .kind = MX_PARAM_UINT8, MX_PARAM_FIELDS(block_qos_step),
        .min = MX_IOQOS_STEP_MIN, .max = MX_IOQOS_STEP_MAX,
        .expect = "a percentage in the range of "
                  stringify(MX_IOQOS_STEP_MIN) " to "
                  stringify(MX_IOQOS_STEP_MAX),
        .unit = " %",
    }, {
        .id = MIGRATION_PARAMETER_BLOCK_QOS_TAIL,
        .kind = MX_PARAM_UINT32, MX_PARAM_FIELDS(block_qos_tail),
        .min = 0, .max = MX_IOQOS_TAIL_MAX,
        .expect = "a time in milliseconds from 0 (off) to "
                  stringify(MX_IOQOS_TAIL_MAX),
        .unit = " ms",
    }, {
        .id = MIGRATION_PARAMETER_BLOCK_QOS_SLOWDOWN,
        .kind = MX_PARAM_UINT32, MX_PARAM_FIELDS(block_qos_slowdown),
        .min = 0, .max = MX_IOQOS_SLOWDOWN_MAX,
        .expect = "a percentage from 0 (off) to "
                  stringify(MX_IOQOS_SLOWDOWN_MAX),
        .unit = " %",
    },
};

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
        q->tail_steps = st[i].tail_steps;
        q->pace_steps = st[i].pace_steps;
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
                       " bytes/s, %" PRIu64 " steps (%" PRIu64 " in tail mode,"
                       " %" PRIu64 " paced), throttled %" PRIu64
                       " ms, backlog %" PRIu64 " bytes\n",
                       q->job_id, q->device,
                       q->active ? "running" : "finished", q->limit,
                       q->steps, q->tail_steps, q->pace_steps,
                       q->throttled_ms, q->backlog);
    }
}

const MxParamsOps mx_ioqos_params = {
    .params = mx_ioqos_param_list,
    .n_params = ARRAY_SIZE(mx_ioqos_param_list),
};
