/*
 * qemu-mx: when may the disks be inactivated under running mirror jobs?
 * The pure decision rule; block/mx-settle.c feeds it samples.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef BLOCK_MX_SETTLE_RULE_H
#define BLOCK_MX_SETTLE_RULE_H

/* No byte copied for this long while the guest is stopped: give up. */
#define MX_SETTLE_STALL_NS (10 * 1000000000LL)
/* Whatever the progress, never keep the guest stopped longer than this. */
#define MX_SETTLE_MAX_NS   (30 * 1000000000LL)

/* One look at every mirror job whose target inactivation would cut off. */
typedef struct MxSettleSample {
    int jobs;           /* mirror jobs still running */
    int not_ready;      /* of those, still in their bulk copy */
    int paused_dirty;   /* paused (by the user or on an error), data left */
    int64_t pending;    /* bytes still to copy or in flight, all jobs */
} MxSettleSample;

typedef enum MxSettleVerdict {
    MX_SETTLE_DONE,         /* nothing will write to an inactive node */
    MX_SETTLE_WAIT,         /* the jobs are copying their last dirty data */
    MX_SETTLE_NOT_READY,    /* fail: a job has not finished its bulk copy */
    MX_SETTLE_PAUSED,       /* fail: a paused job holds data not yet copied */
    MX_SETTLE_STALLED,      /* fail: no progress for MX_SETTLE_STALL_NS */
    MX_SETTLE_TIMEOUT,      /* fail: waited MX_SETTLE_MAX_NS in all */
} MxSettleVerdict;

typedef struct MxSettle {
    bool started;
    int64_t start_ns;
    int64_t progress_ns;    /* when pending last went down */
    int64_t best;           /* lowest pending seen */
} MxSettle;

void mx_settle_init(MxSettle *st);
MxSettleVerdict mx_settle_step(MxSettle *st, const MxSettleSample *s,
                               int64_t now_ns);
const char *mx_settle_verdict_str(MxSettleVerdict v);

#endif
