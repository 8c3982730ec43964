/*
 * qemu-mx: when may the disks be inactivated under running mirror jobs?
 *
 * At the end of a migration the source stops the guest and inactivates
 * every block node, the target node of a mirror job included (its
 * BlockBackend is allowed to be inactivated for non-shared storage
 * migration).  A mirror job that still has dirty data then writes to an
 * inactive node and QEMU aborts; and if it could not write, the
 * destination would miss the guest's last writes.  So before inactivating,
 * with the guest stopped, the source lets every mirror job copy what is
 * left and inactivates only once nothing is left to copy.  This rule says,
 * from one sample of the jobs and the time, whether that point is reached,
 * worth waiting for, or out of reach (then the migration fails and the
 * source runs on with active disks):
 *
 *   no running mirror job, or nothing left to copy      -> DONE
 *   a job still in its bulk copy (not READY)            -> NOT_READY
 *   a paused job with data left (it would not copy it)  -> PAUSED
 *   no byte copied for MX_SETTLE_STALL_NS                -> STALLED
 *   MX_SETTLE_MAX_NS since the first sample              -> TIMEOUT
 *   otherwise                                            -> WAIT
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "mx-settle-rule.h"

void mx_settle_init(MxSettle *st)
{
    memset(st, 0, sizeof(*st));
}

MxSettleVerdict mx_settle_step(MxSettle *st, const MxSettleSample *s,
                               int64_t now_ns)
{
    if (!st->started) {
        st->started = true;
        st->start_ns = now_ns;
        st->progress_ns = now_ns;
        st->best = s->pending;
    }
    if (s->jobs == 0) {
        return MX_SETTLE_DONE;
    }
    if (s->not_ready) {
        return MX_SETTLE_NOT_READY;
    }
    if (s->paused_dirty) {
        return MX_SETTLE_PAUSED;
    }
    if (s->pending <= 0) {
        return MX_SETTLE_DONE;
    }
    if (s->pending < st->best) {
        st->best = s->pending;
        st->progress_ns = now_ns;
    }
    if (now_ns - st->progress_ns >= MX_SETTLE_STALL_NS) {
        return MX_SETTLE_STALLED;
    }
    if (now_ns - st->start_ns >= MX_SETTLE_MAX_NS) {
        return MX_SETTLE_TIMEOUT;
    }
    return MX_SETTLE_WAIT;
}

const char *mx_settle_verdict_str(MxSettleVerdict v)
{
    switch (v) {
    case MX_SETTLE_DONE:
        return "done";
    case MX_SETTLE_WAIT:
        return "wait";
    case MX_SETTLE_NOT_READY:
        return "not-ready";
    case MX_SETTLE_PAUSED:
        return "paused";
    case MX_SETTLE_STALLED:
        return "stalled";
    case MX_SETTLE_TIMEOUT:
        return "timeout";
    }
    return "?";
}
