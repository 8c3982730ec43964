/*
 * qemu-mx: let mirror jobs copy their last dirty data before the disks are
 * inactivated at the end of a migration (block/mx-settle.c).
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef BLOCK_MX_SETTLE_H
#define BLOCK_MX_SETTLE_H

#include "block/blockjob.h"

/*
 * Call with the BQL held and the guest stopped, right before
 * bdrv_inactivate_all().  Returns 0 once no mirror job has anything left to
 * write; else sets @errp (which job, why) and returns -EBUSY: the caller
 * must not inactivate, and fails the migration.
 */
/* What one settle did, for query-migrate */
typedef struct MxSettleResult {
    int jobs;                   /* mirror jobs running at the start */
    int64_t bytes_at_start;     /* what they had left to copy then */
    int64_t bytes_left;         /* what they had left when it ended */
    int64_t waited_ms;
    const char *verdict;        /* mx_settle_verdict_str() */
} MxSettleResult;

int mx_block_jobs_settle(MxSettleResult *res, Error **errp);

/*
 * Implemented in block/mirror.c: false unless @job is a mirror job (whose
 * target is allowed to be inactivated); then *@pending is the number of
 * bytes it has still to copy or has in flight.  The job's AioContext must
 * be held.
 */
bool mirror_job_pending(BlockJob *job, int64_t *pending);

#endif
