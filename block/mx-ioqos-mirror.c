/*
 * qemu-mx: IO QoS on a mirror job (docs/mx/io-qos.md).
 *
 * mirror_run() feeds each round of its loop in: the job's dirty backlog,
 * whether it is READY, and (from the job's progress and the guest writes its
 * top filter counted) the bytes copied and written.  The controller
 * (block/mx-ioqos.c) answers once per period with a write limit.  A change
 * of limit is applied from a bottom half in the main loop, the way QMP's
 * block_set_io_throttle applies one, to every BlockBackend whose root is the
 * job's top filter and that belongs to a device (or is a named -drive):
 *  - a BlockBackend without limits joins a private throttle group
 *    "mx-ioqos.<job>.<n>" with only a write bps limit;
 *  - a BlockBackend in a throttle group of the user's (block_set_io_throttle
 *    or -object throttle-group) gets the group's own configuration with its
 *    write bps limit tightened (a total bps limit is split into the same read
 *    limit and a write limit), so reads are never limited by QoS;
 *  - when the limit comes off, a private group is set to no limits and a
 *    user group back to its own configuration.
 * When the job ends (mirror_exit_common(): completed, cancelled, failed, or
 * cancelled because QEMU quits) the private groups are left and the user's
 * configurations restored, exactly as they were.  If the user changed a
 * limit while QoS was on, their new configuration is the one kept.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qapi/qapi-events-block-core.h"
#include "qemu/cutils.h"
#include "qemu/main-loop.h"
#include "qemu/throttle.h"
#include "qemu/timer.h"
#include "qemu/progress_meter.h"
#include "block/block_int.h"
#include "block/blockjob_int.h"
#include "block/throttle-groups.h"
#include "block/mx-ioqos-mirror.h"
#include "sysemu/block-backend.h"
#include "trace.h"

#define MX_IOQOS_KEEP_FINISHED  8

typedef struct MxIoqosDev {
    BlockBackend *blk;
    char *name;             /* for traces */
    bool mine;              /* in a private group of ours */
    char *group;            /* the group it is in (ours or the user's) */
    ThrottleConfig saved;   /* the user's configuration (if !mine) */
    ThrottleConfig applied; /* what we set last */
    bool lost;              /* the user moved it: not ours to restore */
    QLIST_ENTRY(MxIoqosDev) next;
} MxIoqosDev;

struct MxIoqosJob {
    BlockJob *job;
    BlockDriverState *top;
    MxIoqosState st;
    uint64_t written;       /* guest write bytes (job's thread) */
    uint64_t want_limit;    /* atomic: what the bottom half applies */
    bool bh_pending;        /* atomic */
    bool stopped;
    bool finished;          /* main loop only */
    int refcnt;             /* atomic: the job, a pending bottom half */
    int ndev;
    QLIST_HEAD(, MxIoqosDev) devs;  /* main loop only */
    MxIoqosJobStats stats;  /* under mx_ioqos_lock */
    QLIST_ENTRY(MxIoqosJob) next;
};

static MxIoqosConfigFn *config_source;
static QemuMutex mx_ioqos_lock;
static QLIST_HEAD(, MxIoqosJob) running = QLIST_HEAD_INITIALIZER(running);
static MxIoqosJobStats finished[MX_IOQOS_KEEP_FINISHED];
static int nfinished;

static void __attribute__((constructor)) mx_ioqos_mirror_init(void)
{
    qemu_mutex_init(&mx_ioqos_lock);
}

void mx_ioqos_set_config_source(MxIoqosConfigFn *fn)
{
    config_source = fn;
}

static void get_config(MxIoqosConfig *cfg)
{
    cfg->enabled = true;
    cfg->floor = MX_IOQOS_FLOOR_DEFAULT;
    cfg->step = MX_IOQOS_STEP_DEFAULT;
    if (config_source) {
        config_source(cfg);
    }
}

int mx_ioqos_get_stats(MxIoqosJobStats *out, int max)
{
    MxIoqosJob *j;
    int n = 0, i;

    qemu_mutex_lock(&mx_ioqos_lock);
    QLIST_FOREACH(j, &running, next) {
        if (n < max) {
            out[n++] = j->stats;
        }
    }
    for (i = 0; i < nfinished && n < max; i++) {
        out[n++] = finished[i];
    }
    qemu_mutex_unlock(&mx_ioqos_lock);
    return n;
}

static void job_unref(MxIoqosJob *j)
{
    MxIoqosDev *d, *dn;

    if (qatomic_fetch_dec(&j->refcnt) != 1) {
        return;
    }
    QLIST_FOREACH_SAFE(d, &j->devs, next, dn) {
        QLIST_REMOVE(d, next);
        blk_unref(d->blk);
        g_free(d->name);
        g_free(d->group);
        g_free(d);
    }
    g_free(j);
}

static bool cfg_equal(const ThrottleConfig *a, const ThrottleConfig *b)
{
    int i;

    for (i = 0; i < BUCKETS_COUNT; i++) {
        if (a->buckets[i].avg != b->buckets[i].avg ||
            a->buckets[i].max != b->buckets[i].max ||
            a->buckets[i].burst_length != b->buckets[i].burst_length) {
            return false;
        }
    }
    return a->op_size == b->op_size;
}

/* The user's configuration @base with writes limited to @limit bytes/s */
static void cfg_merge(ThrottleConfig *out, const ThrottleConfig *base,
                      uint64_t limit)
{
    LeakyBucket *total, *rd, *wr;

    *out = *base;
    total = &out->buckets[THROTTLE_BPS_TOTAL];
    rd = &out->buckets[THROTTLE_BPS_READ];
    wr = &out->buckets[THROTTLE_BPS_WRITE];
    if (total->avg) {
        /* total and read/write limits cannot be combined: split it */
        *rd = *total;
        *wr = *total;
        memset(total, 0, sizeof(*total));
        total->burst_length = 1;
    }
    if (!wr->avg || limit < wr->avg) {
        wr->avg = limit;
        wr->max = 0;
        wr->burst_length = 1;
    }
}

static MxIoqosDev *dev_find(MxIoqosJob *j, BlockBackend *blk)
{
    MxIoqosDev *d;

    QLIST_FOREACH(d, &j->devs, next) {
        if (d->blk == blk) {
            return d;
        }
    }
    return NULL;
}

static const char *job_id(MxIoqosJob *j)
{
    return j->stats.job_id;
}

/* Is @blk still where we left it?  If not the user took it over */
static bool dev_still_ours(MxIoqosJob *j, MxIoqosDev *d)
{
    ThrottleGroupMember *tgm = &blk_get_public(d->blk)->throttle_group_member;

    if (d->lost) {
        return false;
    }
    if (!tgm->throttle_state ||
        strcmp(throttle_group_get_name(tgm), d->group)) {
        d->lost = true;
        trace_mx_ioqos_skip(job_id(j), d->name, "user changed the group");
        return false;
    }
    return true;
}

static void dev_apply(MxIoqosJob *j, MxIoqosDev *d, uint64_t limit)
{
    ThrottleGroupMember *tgm = &blk_get_public(d->blk)->throttle_group_member;
    ThrottleConfig cur, base, cfg;
    Error *err = NULL;

    /* a BlockBackend of ours not yet in its group has nothing to check */
    if (!(d->mine && !d->group[0]) && !dev_still_ours(j, d)) {
        return;
    }
    if (!d->mine) {
        throttle_group_get_config(tgm, &cur);
        if (!cfg_equal(&cur, &d->applied)) {
            /* the user set new limits meanwhile: those are the base now */
            d->saved = cur;
            trace_mx_ioqos_skip(job_id(j), d->name, "user changed limits");
        }
        base = d->saved;
    } else {
        throttle_config_init(&base);
    }
    if (limit) {
        cfg_merge(&cfg, &base, limit);
    } else {
        cfg = base;
    }
    if (!throttle_is_valid(&cfg, &err)) {
        trace_mx_ioqos_skip(job_id(j), d->name, error_get_pretty(err));
        error_free(err);
        return;
    }
    if (d->mine && !d->group[0]) {
        g_free(d->group);
        d->group = g_strdup_printf("mx-ioqos.%s.%d", job_id(j), j->ndev++);
        blk_io_limits_enable(d->blk, d->group);
    }
    blk_set_io_limits(d->blk, &cfg);
    d->applied = cfg;
    trace_mx_ioqos_apply(job_id(j), d->name, d->group, limit);
}

/* The device BlockBackends on the job's top filter */
static void devs_collect(MxIoqosJob *j)
{
    BlockBackend *blk = NULL;

    while ((blk = blk_all_next(blk)) != NULL) {
        ThrottleGroupMember *tgm;
        MxIoqosDev *d;

        if (blk_bs(blk) != j->top ||
            (!blk_get_attached_dev(blk) && !blk_name(blk)[0]) ||
            dev_find(j, blk)) {
            continue;
        }
        tgm = &blk_get_public(blk)->throttle_group_member;
        d = g_new0(MxIoqosDev, 1);
        d->blk = blk;
        blk_ref(blk);
        d->name = blk_name(blk)[0] ? g_strdup(blk_name(blk))
                                   : blk_get_attached_dev_id(blk);
        if (tgm->throttle_state) {
            d->group = g_strdup(throttle_group_get_name(tgm));
            throttle_group_get_config(tgm, &d->saved);
            d->applied = d->saved;
        } else {
            d->mine = true;
            d->group = g_strdup("");
        }
        QLIST_INSERT_HEAD(&j->devs, d, next);
    }
}

static void apply_bh(void *opaque)
{
    MxIoqosJob *j = opaque;
    MxIoqosDev *d;
    uint64_t limit;

    qatomic_set(&j->bh_pending, false);
    if (!j->finished) {
        limit = qatomic_read(&j->want_limit);
        if (limit) {
            devs_collect(j);
        }
        QLIST_FOREACH(d, &j->devs, next) {
            AioContext *ctx = blk_get_aio_context(d->blk);

            aio_context_acquire(ctx);
            dev_apply(j, d, limit);
            aio_context_release(ctx);
        }
    }
    job_unref(j);
}

static void schedule_apply(MxIoqosJob *j, uint64_t limit)
{
    qatomic_set(&j->want_limit, limit);
    if (!qatomic_xchg(&j->bh_pending, true)) {
        qatomic_inc(&j->refcnt);
        aio_bh_schedule_oneshot(qemu_get_aio_context(), apply_bh, j);
    }
}

MxIoqosJob *mx_ioqos_job_start(BlockJob *job, BlockDriverState *top)
{
    MxIoqosJob *j;
    BlockDriverState *src = top->backing ? top->backing->bs : NULL;

    if (job_type(&job->job) != JOB_TYPE_MIRROR) {
        return NULL;
    }
    j = g_new0(MxIoqosJob, 1);
    j->job = job;
    j->top = top;
    j->refcnt = 1;
    mx_ioqos_init(&j->st);
    QLIST_INIT(&j->devs);
    pstrcpy(j->stats.job_id, sizeof(j->stats.job_id), job->job.id ?: "");
    pstrcpy(j->stats.device, sizeof(j->stats.device),
            src ? bdrv_get_node_name(src) : "");
    j->stats.active = true;
    qemu_mutex_lock(&mx_ioqos_lock);
    QLIST_INSERT_HEAD(&running, j, next);
    qemu_mutex_unlock(&mx_ioqos_lock);
    return j;
}

void mx_ioqos_job_note_write(MxIoqosJob *j, uint64_t bytes)
{
    if (j) {
        qatomic_add(&j->written, bytes);
    }
}

void mx_ioqos_job_tick(MxIoqosJob *j, uint64_t backlog, bool ready)
{
    MxIoqosConfig cfg;
    MxIoqosSample s;
    MxIoqosVerdict v;
    uint64_t total, before;

    if (!j || j->stopped) {
        return;
    }
    get_config(&cfg);
    s.now = qemu_clock_get_ns(QEMU_CLOCK_REALTIME);
    s.backlog = backlog;
    progress_get_snapshot(&j->job->job.progress, &s.copied, &total);
    s.written = qatomic_read(&j->written);
    s.ready = ready;
    before = j->st.limit;
    v = mx_ioqos_decide(&j->st, &cfg, &s);
    if (v == MX_IOQOS_WAIT) {
        return;
    }
    trace_mx_ioqos_decide(job_id(j), mx_ioqos_verdict_str(v), backlog,
                          j->st.copy_rate, j->st.write_rate, j->st.limit,
                          ready);
    qemu_mutex_lock(&mx_ioqos_lock);
    j->stats.limit = j->st.limit;
    j->stats.steps = j->st.steps;
    j->stats.throttled_ns = j->st.throttled_ns;
    j->stats.backlog = backlog;
    qemu_mutex_unlock(&mx_ioqos_lock);
    if (j->st.limit != before) {
        schedule_apply(j, j->st.limit);
        qapi_event_send_block_io_qos(job_id(j), j->stats.device,
                                     j->st.limit, backlog,
                                     mx_ioqos_verdict_str(v));
    }
}

void mx_ioqos_job_stop(MxIoqosJob *j)
{
    if (!j || j->stopped) {
        return;
    }
    j->stopped = true;
    if (j->st.limit) {
        int64_t now = qemu_clock_get_ns(QEMU_CLOCK_REALTIME);

        j->st.throttled_ns += now - j->st.period_start;
        j->st.limit = 0;
        schedule_apply(j, 0);
        qapi_event_send_block_io_qos(job_id(j), j->stats.device, 0, 0,
                                     "job-end");
    }
    trace_mx_ioqos_decide(job_id(j), "job-end", 0, 0, 0, 0, false);
    qemu_mutex_lock(&mx_ioqos_lock);
    j->stats.limit = 0;
    j->stats.throttled_ns = j->st.throttled_ns;
    qemu_mutex_unlock(&mx_ioqos_lock);
}

void mx_ioqos_job_finish(MxIoqosJob *j)
{
    MxIoqosDev *d;

    if (!j) {
        return;
    }
    mx_ioqos_job_stop(j);
    j->finished = true;
    QLIST_FOREACH(d, &j->devs, next) {
        ThrottleGroupMember *tgm =
            &blk_get_public(d->blk)->throttle_group_member;
        AioContext *ctx = blk_get_aio_context(d->blk);
        ThrottleConfig cur;

        if ((d->mine && !d->group[0]) || !dev_still_ours(j, d)) {
            continue;
        }
        aio_context_acquire(ctx);
        if (d->mine) {
            blk_io_limits_disable(d->blk);
            trace_mx_ioqos_restore(job_id(j), d->name, "no limits");
        } else {
            throttle_group_get_config(tgm, &cur);
            if (cfg_equal(&cur, &d->applied)) {
                blk_set_io_limits(d->blk, &d->saved);
                trace_mx_ioqos_restore(job_id(j), d->name, d->group);
            } else {
                trace_mx_ioqos_skip(job_id(j), d->name,
                                    "user changed limits: kept");
            }
        }
        aio_context_release(ctx);
    }
    qemu_mutex_lock(&mx_ioqos_lock);
    QLIST_REMOVE(j, next);
    j->stats.active = false;
    memmove(&finished[1], &finished[0],
            sizeof(finished[0]) * (MX_IOQOS_KEEP_FINISHED - 1));
    finished[0] = j->stats;
    nfinished = MIN(nfinished + 1, MX_IOQOS_KEEP_FINISHED);
    qemu_mutex_unlock(&mx_ioqos_lock);
    job_unref(j);
}
