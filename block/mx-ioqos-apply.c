/*
 * qemu-mx: IO QoS, applying the controller's write limit (docs/mx/io-qos.md).
 *
 * Shared by the mirror path (block/mx-ioqos-mirror.c) and legacy block
 * migration (migration/mx-blk-ioqos.c).  A change of limit is applied from
 * a bottom half in the main loop, the way QMP's block_set_io_throttle
 * applies one (so it works for copies fed from iothreads or the migration
 * thread too), to every BlockBackend whose root is the copy's top node and
 * that belongs to a device (or is a named -drive):
 *  - a BlockBackend without limits joins a private throttle group
 *    "mx-ioqos.<id>.<n>" with only a write bps limit;
 *  - a BlockBackend in a throttle group of the user's (block_set_io_throttle
 *    or -object throttle-group) gets the group's own configuration with its
 *    write bps limit tightened (a total bps limit is split into the same read
 *    limit and a write limit), so reads are never limited by QoS;
 *  - when the limit comes off, a private group is set to no limits and a
 *    user group back to its own configuration.
 * When the copy ends the private groups are left and the user's
 * configurations restored, exactly as they were.  If the user changed a
 * limit while QoS was on, their new configuration is the one kept; if they
 * moved the device to another group, QoS leaves it alone.
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
#include "block/block_int.h"
#include "block/throttle-groups.h"
#include "block/mx-ioqos-apply.h"
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

struct MxIoqosTarget {
    BlockDriverState *top;
    uint64_t want_limit;    /* atomic: what the bottom half applies */
    bool bh_pending;        /* atomic */
    bool stopped;
    bool finished;          /* main loop only */
    int refcnt;             /* atomic: the copy, a pending bottom half */
    QLIST_HEAD(, MxIoqosDev) devs;  /* main loop only */
    MxIoqosJobStats stats;  /* under mx_ioqos_lock */
    QLIST_ENTRY(MxIoqosTarget) next;
};

static MxIoqosConfigFn *config_source;
static MxIoqosMigratingFn *migrating_source;
static QemuMutex mx_ioqos_lock;
static QLIST_HEAD(, MxIoqosTarget) running = QLIST_HEAD_INITIALIZER(running);
static MxIoqosJobStats finished[MX_IOQOS_KEEP_FINISHED];
static int nfinished;
static unsigned group_seq;  /* main loop only: private group names */

static void __attribute__((constructor)) mx_ioqos_apply_init(void)
{
    qemu_mutex_init(&mx_ioqos_lock);
}

void mx_ioqos_set_config_source(MxIoqosConfigFn *fn)
{
    config_source = fn;
}

void mx_ioqos_get_config(MxIoqosConfig *cfg)
{
    cfg->enabled = true;
    cfg->floor = MX_IOQOS_FLOOR_DEFAULT;
    cfg->step = MX_IOQOS_STEP_DEFAULT;
    cfg->tail_ms = MX_IOQOS_TAIL_DEFAULT;
    if (config_source) {
        config_source(cfg);
    }
}

void mx_ioqos_set_migrating_source(MxIoqosMigratingFn *fn)
{
    migrating_source = fn;
}

bool mx_ioqos_migrating(void)
{
    return migrating_source ? migrating_source() : false;
}

int mx_ioqos_get_stats(MxIoqosJobStats *out, int max)
{
    MxIoqosTarget *t;
    int n = 0, i;

    qemu_mutex_lock(&mx_ioqos_lock);
    QLIST_FOREACH(t, &running, next) {
        if (n < max) {
            out[n++] = t->stats;
        }
    }
    for (i = 0; i < nfinished && n < max; i++) {
        out[n++] = finished[i];
    }
    qemu_mutex_unlock(&mx_ioqos_lock);
    return n;
}

static void target_unref(MxIoqosTarget *t)
{
    MxIoqosDev *d, *dn;

    if (qatomic_fetch_dec(&t->refcnt) != 1) {
        return;
    }
    QLIST_FOREACH_SAFE(d, &t->devs, next, dn) {
        QLIST_REMOVE(d, next);
        blk_unref(d->blk);
        g_free(d->name);
        g_free(d->group);
        g_free(d);
    }
    g_free(t);
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

static MxIoqosDev *dev_find(MxIoqosTarget *t, BlockBackend *blk)
{
    MxIoqosDev *d;

    QLIST_FOREACH(d, &t->devs, next) {
        if (d->blk == blk) {
            return d;
        }
    }
    return NULL;
}

static const char *tgt_id(MxIoqosTarget *t)
{
    return t->stats.job_id;
}

/* Is @blk still where we left it?  If not the user took it over */
static bool dev_still_ours(MxIoqosTarget *t, MxIoqosDev *d)
{
    ThrottleGroupMember *tgm = &blk_get_public(d->blk)->throttle_group_member;

    if (d->lost) {
        return false;
    }
    if (!tgm->throttle_state ||
        strcmp(throttle_group_get_name(tgm), d->group)) {
        d->lost = true;
        trace_mx_ioqos_skip(tgt_id(t), d->name, "user changed the group");
        return false;
    }
    return true;
}

static void dev_apply(MxIoqosTarget *t, MxIoqosDev *d, uint64_t limit)
{
    ThrottleGroupMember *tgm = &blk_get_public(d->blk)->throttle_group_member;
    ThrottleConfig cur, base, cfg;
    Error *err = NULL;

    /* a BlockBackend of ours not yet in its group has nothing to check */
    if (!(d->mine && !d->group[0]) && !dev_still_ours(t, d)) {
        return;
    }
    if (!d->mine) {
        throttle_group_get_config(tgm, &cur);
        if (!cfg_equal(&cur, &d->applied)) {
            /* the user set new limits meanwhile: those are the base now */
            d->saved = cur;
            trace_mx_ioqos_skip(tgt_id(t), d->name, "user changed limits");
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
        trace_mx_ioqos_skip(tgt_id(t), d->name, error_get_pretty(err));
        error_free(err);
        return;
    }
    if (d->mine && !d->group[0]) {
        g_free(d->group);
        d->group = g_strdup_printf("mx-ioqos.%s.%u", tgt_id(t), group_seq++);
        blk_io_limits_enable(d->blk, d->group);
    }
    blk_set_io_limits(d->blk, &cfg);
    d->applied = cfg;
    trace_mx_ioqos_apply(tgt_id(t), d->name, d->group, limit);
}

/* The device BlockBackends on the copy's top node */
static void devs_collect(MxIoqosTarget *t)
{
    BlockBackend *blk = NULL;

    while ((blk = blk_all_next(blk)) != NULL) {
        ThrottleGroupMember *tgm;
        MxIoqosDev *d;

        if (blk_bs(blk) != t->top ||
            (!blk_get_attached_dev(blk) && !blk_name(blk)[0]) ||
            dev_find(t, blk)) {
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
        QLIST_INSERT_HEAD(&t->devs, d, next);
    }
}

static void apply_bh(void *opaque)
{
    MxIoqosTarget *t = opaque;
    MxIoqosDev *d;
    uint64_t limit;

    qatomic_set(&t->bh_pending, false);
    if (!t->finished) {
        limit = qatomic_read(&t->want_limit);
        if (limit) {
            devs_collect(t);
        }
        QLIST_FOREACH(d, &t->devs, next) {
            AioContext *ctx = blk_get_aio_context(d->blk);

            aio_context_acquire(ctx);
            dev_apply(t, d, limit);
            aio_context_release(ctx);
        }
    }
    target_unref(t);
}

static void schedule_apply(MxIoqosTarget *t, uint64_t limit)
{
    qatomic_set(&t->want_limit, limit);
    if (!qatomic_xchg(&t->bh_pending, true)) {
        qatomic_inc(&t->refcnt);
        aio_bh_schedule_oneshot(qemu_get_aio_context(), apply_bh, t);
    }
}

MxIoqosTarget *mx_ioqos_target_new(const char *id, const char *device,
                                   BlockDriverState *top)
{
    MxIoqosTarget *t = g_new0(MxIoqosTarget, 1);

    t->top = top;
    t->refcnt = 1;
    QLIST_INIT(&t->devs);
    pstrcpy(t->stats.job_id, sizeof(t->stats.job_id), id ?: "");
    pstrcpy(t->stats.device, sizeof(t->stats.device), device ?: "");
    t->stats.active = true;
    qemu_mutex_lock(&mx_ioqos_lock);
    QLIST_INSERT_HEAD(&running, t, next);
    qemu_mutex_unlock(&mx_ioqos_lock);
    return t;
}

static void mx_ioqos_target_decided(MxIoqosTarget *t, MxIoqosState *st,
                                    MxIoqosVerdict v, uint64_t before,
                                    uint64_t backlog, bool ready)
{
    if (t->stopped) {
        return;
    }
    trace_mx_ioqos_decide(tgt_id(t), mx_ioqos_verdict_str(v), backlog,
                          st->copy_rate, st->write_rate, st->limit, ready);
    if (st->tail) {
        trace_mx_ioqos_tail(tgt_id(t), mx_ioqos_verdict_str(v), backlog,
                            st->small, st->copy_rate, st->limit);
    }
    qemu_mutex_lock(&mx_ioqos_lock);
    t->stats.limit = st->limit;
    t->stats.steps = st->steps;
    t->stats.tail_steps = st->tail_steps;
    t->stats.pace_steps = st->pace_steps;
    t->stats.throttled_ns = st->throttled_ns;
    t->stats.backlog = backlog;
    qemu_mutex_unlock(&mx_ioqos_lock);
    if (st->limit != before) {
        schedule_apply(t, st->limit);
        qapi_event_send_block_io_qos(tgt_id(t), t->stats.device, st->limit,
                                     backlog, mx_ioqos_verdict_str(v));
    }
}

void mx_ioqos_target_step(MxIoqosTarget *t, MxIoqosState *st, MxIoqosSample *s)
{
    MxIoqosConfig cfg;
    MxIoqosVerdict v;
    uint64_t before = st->limit;

    mx_ioqos_get_config(&cfg);
    s->now = qemu_clock_get_ns(QEMU_CLOCK_REALTIME);
    v = mx_ioqos_decide(st, &cfg, s);
    if (v != MX_IOQOS_WAIT) {
        mx_ioqos_target_decided(t, st, v, before, s->backlog, s->ready);
    }
}

void mx_ioqos_target_stop(MxIoqosTarget *t, MxIoqosState *st)
{
    if (t->stopped) {
        return;
    }
    t->stopped = true;
    if (st->limit) {
        int64_t now = qemu_clock_get_ns(QEMU_CLOCK_REALTIME);

        st->throttled_ns += now - st->period_start;
        st->limit = 0;
        schedule_apply(t, 0);
        qapi_event_send_block_io_qos(tgt_id(t), t->stats.device, 0, 0,
                                     "job-end");
    }
    trace_mx_ioqos_decide(tgt_id(t), "job-end", 0, 0, 0, 0, false);
    qemu_mutex_lock(&mx_ioqos_lock);
    t->stats.limit = 0;
    t->stats.steps = st->steps;
    t->stats.tail_steps = st->tail_steps;
    t->stats.pace_steps = st->pace_steps;
    t->stats.throttled_ns = st->throttled_ns;
    qemu_mutex_unlock(&mx_ioqos_lock);
}

void mx_ioqos_target_finish(MxIoqosTarget *t, MxIoqosState *st)
{
    MxIoqosDev *d;

    mx_ioqos_target_stop(t, st);
    t->finished = true;
    QLIST_FOREACH(d, &t->devs, next) {
        ThrottleGroupMember *tgm =
            &blk_get_public(d->blk)->throttle_group_member;
        AioContext *ctx = blk_get_aio_context(d->blk);
        ThrottleConfig cur;

        if ((d->mine && !d->group[0]) || !dev_still_ours(t, d)) {
            continue;
        }
        aio_context_acquire(ctx);
        if (d->mine) {
            blk_io_limits_disable(d->blk);
            trace_mx_ioqos_restore(tgt_id(t), d->name, "no limits");
        } else {
            throttle_group_get_config(tgm, &cur);
            if (cfg_equal(&cur, &d->applied)) {
                blk_set_io_limits(d->blk, &d->saved);
                trace_mx_ioqos_restore(tgt_id(t), d->name, d->group);
            } else {
                trace_mx_ioqos_skip(tgt_id(t), d->name,
                                    "user changed limits: kept");
            }
        }
        aio_context_release(ctx);
    }
    qemu_mutex_lock(&mx_ioqos_lock);
    QLIST_REMOVE(t, next);
    t->stats.active = false;
    memmove(&finished[1], &finished[0],
            sizeof(finished[0]) * (MX_IOQOS_KEEP_FINISHED - 1));
    finished[0] = t->stats;
    nfinished = MIN(nfinished + 1, MX_IOQOS_KEEP_FINISHED);
    qemu_mutex_unlock(&mx_ioqos_lock);
    target_unref(t);
}
