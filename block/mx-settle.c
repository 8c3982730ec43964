/*
 * qemu-mx: let mirror jobs copy their last dirty data before the disks are
 * inactivated at the end of a migration.
 *
 * A READY mirror job keeps copying what the guest dirties.  When a
 * migration completes with the job still running (management cancels it
 * after completion, as iotest 194 and the older documented order do, or
 * never), the guest is stopped and drained, and then every node is
 * inactivated, the mirror's target too.  The drain only paused the job: the
 * guest's last writes are still in its dirty bitmap, and once the job runs
 * again it writes them to the inactive target and QEMU aborts in
 * bdrv_co_write_req_prepare().  Here, with the guest stopped and before
 * anything is inactivated, the jobs get to run (this thread holds the BQL,
 * so it polls the main AioContext itself, as a drain does) until none has
 * anything left; block/mx-settle-rule.c decides when that is reached or out
 * of reach.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/job.h"
#include "qemu/main-loop.h"
#include "qemu/timer.h"
#include "block/aio.h"
#include "block/blockjob.h"
#include "block/mx-settle.h"
#include "mx-settle-rule.h"
#include "trace.h"

/* how often the jobs are looked at while they copy */
#define MX_SETTLE_TICK_MS 10

/*
 * One sample of every running mirror job; *@culprit names the first job a
 * failure would be about (caller frees).
 */
static void mx_settle_sample(MxSettleSample *s, char **culprit)
{
    GSList *jobs = NULL, *l;
    BlockJob *job;

    memset(s, 0, sizeof(*s));
    WITH_JOB_LOCK_GUARD() {
        for (job = block_job_next_locked(NULL); job;
             job = block_job_next_locked(job)) {
            if (job->job.deferred_to_main_loop ||
                job_is_completed_locked(&job->job)) {
                continue;       /* its coroutine has ended: no more writes */
            }
            job_ref_locked(&job->job);
            jobs = g_slist_prepend(jobs, job);
        }
    }

    for (l = jobs; l; l = l->next) {
        AioContext *ctx;
        int64_t pending;
        bool is_mirror, ready, paused, cancelled;

        job = l->data;
        ctx = job->job.aio_context;
        aio_context_acquire(ctx);
        is_mirror = mirror_job_pending(job, &pending);
        aio_context_release(ctx);
        if (!is_mirror) {
            continue;
        }
        WITH_JOB_LOCK_GUARD() {
            ready = job_is_ready_locked(&job->job);
            paused = job_user_paused_locked(&job->job);
            cancelled = job_is_cancelled_locked(&job->job);
        }
        s->jobs++;
        if (cancelled) {
            /* force-cancelled: copies nothing more, only ends its I/O */
            s->pending += 1;
            continue;
        }
        if (!ready) {
            s->not_ready++;
            if (!*culprit) {
                *culprit = g_strdup(job->job.id);
            }
        } else if (paused && pending > 0) {
            s->paused_dirty++;
            if (!*culprit) {
                *culprit = g_strdup(job->job.id);
            }
        }
        s->pending += pending;
    }

    WITH_JOB_LOCK_GUARD() {
        for (l = jobs; l; l = l->next) {
            job_unref_locked(&((BlockJob *)l->data)->job);
        }
    }
    g_slist_free(jobs);
}

static void mx_settle_tick(void *opaque)
{
    /* only here to make aio_poll() return */
}

int mx_block_jobs_settle(MxSettleResult *res, Error **errp)
{
    AioContext *main_ctx = qemu_get_aio_context();
    MxSettleVerdict v;
    MxSettle st;
    QEMUTimer *tick = NULL;
    g_autofree char *culprit = NULL;
    MxSettleSample s;
    int64_t first_pending = -1, t0;

    GLOBAL_STATE_CODE();
    mx_settle_init(&st);
    t0 = qemu_clock_get_ns(QEMU_CLOCK_REALTIME);
    for (;;) {
        g_free(culprit);
        culprit = NULL;
        mx_settle_sample(&s, &culprit);
        v = mx_settle_step(&st, &s, qemu_clock_get_ns(QEMU_CLOCK_REALTIME));
        if (first_pending < 0) {
            first_pending = s.pending;
            trace_mx_settle_start(s.jobs, s.not_ready, s.paused_dirty,
                                  s.pending, mx_settle_verdict_str(v));
        }
        if (v != MX_SETTLE_WAIT) {
            break;
        }
        if (!tick) {
            tick = aio_timer_new(main_ctx, QEMU_CLOCK_REALTIME, SCALE_MS,
                                 mx_settle_tick, NULL);
        }
        timer_mod(tick, qemu_clock_get_ms(QEMU_CLOCK_REALTIME) +
                  MX_SETTLE_TICK_MS);
        aio_poll(main_ctx, true);
    }
    if (tick) {
        timer_free(tick);
    }
    res->jobs = s.jobs;
    res->bytes_at_start = first_pending;
    res->bytes_left = s.pending;
    res->waited_ms = (qemu_clock_get_ns(QEMU_CLOCK_REALTIME) - t0) / SCALE_MS;
    res->verdict = mx_settle_verdict_str(v);
    trace_mx_settle_end(res->verdict, s.jobs, first_pending, s.pending,
                        res->waited_ms);

    switch (v) {
    case MX_SETTLE_DONE:
        return 0;
    case MX_SETTLE_NOT_READY:
        error_setg(errp, "block job '%s' has not finished its bulk copy "
                   "(not ready): the destination would lack data; wait for "
                   "BLOCK_JOB_READY or cancel the job before the migration "
                   "completes", culprit ? culprit : "?");
        break;
    case MX_SETTLE_PAUSED:
        error_setg(errp, "block job '%s' is paused with data not yet copied: "
                   "the destination would lack data; resume or cancel it",
                   culprit ? culprit : "?");
        break;
    case MX_SETTLE_STALLED:
    case MX_SETTLE_TIMEOUT:
    default:
        error_setg(errp, "mirror jobs could not copy their last %" PRId64
                   " bytes before the disks are handed over (%s): cancel "
                   "them at pre-switchover (capability "
                   "pause-before-switchover) or retry",
                   s.pending, mx_settle_verdict_str(v));
        break;
    }
    return -EBUSY;
}
