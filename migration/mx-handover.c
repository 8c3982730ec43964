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

int mx_migration_before_inactivate(MigrationState *s)
{
    Error *err = NULL;
    int ret = mx_block_jobs_settle(&err);

    if (ret < 0) {
        error_prepend(&err, "cannot hand the disks over: ");
        trace_mx_migration_handover_refused(error_get_pretty(err));
        migrate_set_error(s, err);
        error_report_err(err);
    }
    return ret;
}
