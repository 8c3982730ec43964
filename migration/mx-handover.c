/*
 * qemu-mx: what the source checks before it hands its disks over.
 *
 * Inactivating the disks is the point of no return for a mirror job that
 * still has data to copy: block/mx-settle.c lets such jobs finish copying
 * (the guest is stopped already) and refuses when they cannot.  A refusal
 * fails this migration before the destination has received the end of the
 * stream, so the destination never runs, and the source, whose disks were
 * never inactivated, resumes the guest as after any failed migration.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/error-report.h"
#include "block/mx-settle.h"
#include "mx-handover.h"
#include "trace.h"

/* The last settle, and the migration it belongs to (by its start time) */
static struct {
    bool valid;
    int64_t start_time;
    MxSettleResult r;
} last;

int mx_migration_before_inactivate(MigrationState *s)
{
    Error *err = NULL;
    int ret = mx_block_jobs_settle(&last.r, &err);

    last.valid = true;
    last.start_time = s->start_time;

    if (ret < 0) {
        error_prepend(&err, "cannot hand the disks over: ");
        trace_mx_migration_handover_refused(error_get_pretty(err));
        migrate_set_error(s, err);
        error_report_err(err);
    }
    return ret;
}

void mx_handover_fill_info(MigrationInfo *info)
{
    MigrationState *s = migrate_get_current();
    MirrorSettleInfo *m;

    if (!last.valid || last.start_time != s->start_time || !last.r.jobs) {
        return;
    }
    m = g_new0(MirrorSettleInfo, 1);
    m->jobs = last.r.jobs;
    m->bytes_at_start = MAX(last.r.bytes_at_start, 0);
    m->bytes_left = MAX(last.r.bytes_left, 0);
    m->waited_ms = MAX(last.r.waited_ms, 0);
    m->verdict = g_strdup(last.r.verdict);
    info->has_mirror_settle = true;
    info->mirror_settle = m;
}

void mx_handover_hmp_info_migrate(Monitor *mon, MigrationInfo *info)
{
    MirrorSettleInfo *m = info->mirror_settle;

    if (!info->has_mirror_settle) {
        return;
    }
    monitor_printf(mon, "mirror settle: %" PRId64 " jobs, %" PRIu64
                   " bytes left at switchover, %" PRIu64 " after %" PRIu64
                   " ms: %s\n", m->jobs, m->bytes_at_start, m->bytes_left,
                   m->waited_ms, m->verdict);
}
