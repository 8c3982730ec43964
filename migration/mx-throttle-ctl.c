/*
 * qemu-mx: the staged CPU throttle policy in a migration: feed it each sync
 * round's measurements, apply the throttle it decides, send an event at
 * each phase change, force the switchover when it says so, and report it
 * in query-migrate.  The decisions are all in mx-throttle.c.
 *
 * Units: the dirty rate is dirtied pages * page size per second; the
 * bandwidth is the time average over the round of the iteration windows'
 * bandwidth as migration_update_counters() hands it to the switchover
 * decision (raw bytes of RAM, compressed pages counted at their size before
 * compression: mx_converge_bandwidth()); the remaining bytes are
 * ram_counters.remaining after the round's sync.  So the policy's "less
 * than 5 s of bandwidth left" and the switchover's "less than downtime-limit
 * of bandwidth left" measure the same thing.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/thread.h"
#include "qemu/timer.h"
#include "qapi/qapi-events-migration.h"
#include "monitor/monitor.h"
#include "sysemu/cpu-throttle.h"
#include "migration.h"
#include "mx-throttle.h"
#include "mx-throttle-ctl.h"
#include "trace.h"

QEMU_BUILD_BUG_ON((int)MX_THR_FORCE != (int)CPU_THROTTLE_PHASE_FORCE_REQUESTED);
QEMU_BUILD_BUG_ON((int)MX_THR__MAX != (int)CPU_THROTTLE_PHASE__MAX);
QEMU_BUILD_BUG_ON((int)MX_THR_TRIG__MAX != (int)CPU_THROTTLE_TRIGGER__MAX);
QEMU_BUILD_BUG_ON((int)MX_THR_TRIG_FIRST_HIGH !=
                  (int)CPU_THROTTLE_TRIGGER_FIRST_HIGH);

static struct {
    QemuMutex lock;         /* st against query-migrate */
    bool used;              /* this migration ran the staged policy */
    MxThrottle st;
    double bw_bytes;        /* sum of bandwidth * time over the round */
    double bw_ms;
    bool forced;
} mxt;

static void __attribute__((constructor)) mx_throttle_ctl_init(void)
{
    qemu_mutex_init(&mxt.lock);
}

static int64_t mx_now(void)
{
    return qemu_clock_get_ns(QEMU_CLOCK_REALTIME);
}

static bool mx_staged(void)
{
    MigrationState *s = migrate_get_current();

    return migrate_auto_converge() &&
           s->parameters.cpu_throttle_policy == CPU_THROTTLE_POLICY_STAGED;
}

static void mx_config(MxThrConfig *c)
{
    MigrationState *s = migrate_get_current();

    c->max_pct = s->parameters.max_cpu_throttle;
    c->trigger_pct = s->parameters.throttle_trigger_threshold;
    c->cap_ns = (int64_t)s->parameters.cpu_throttle_cap_ms * SCALE_MS;
    c->force_ns = (int64_t)s->parameters.cpu_throttle_force_switchover_ms *
                  SCALE_MS;
    c->trigger = (MxThrTrigger)s->parameters.cpu_throttle_trigger;
    c->downtime_ns = (int64_t)s->parameters.downtime_limit * SCALE_MS;
}

/* Apply what changed (outside the lock): the throttle, then the event */
static void mx_apply(const MxThrottle *now, MxThrPhase old_phase,
                     int old_pct)
{
    if (now->pct != old_pct) {
        if (now->pct > 0) {
            cpu_throttle_set(now->pct);
        } else {
            cpu_throttle_stop();
        }
    }
    if (now->phase != old_phase) {
        uint64_t bw = now->bandwidth > 0 ? now->bandwidth : 0;

        qapi_event_send_migration_cpu_throttle(
            (CpuThrottlePhase)now->phase, now->pct, now->remaining, bw,
            now->dirty_rate > 0 ? now->dirty_rate : 0,
            bw ? now->remaining * 1000 / bw : 0);
    }
}

void mx_throttle_start(void)
{
    qemu_mutex_lock(&mxt.lock);
    mxt.used = false;
    mxt.forced = false;
    mxt.bw_bytes = 0;
    mxt.bw_ms = 0;
    mx_thr_init(&mxt.st, mx_now());
    qemu_mutex_unlock(&mxt.lock);
}

void mx_throttle_note_bandwidth(double bandwidth, uint64_t time_ms)
{
    qemu_mutex_lock(&mxt.lock);
    mxt.bw_bytes += bandwidth * time_ms;
    mxt.bw_ms += time_ms;
    qemu_mutex_unlock(&mxt.lock);
}

bool mx_throttle_round(uint64_t bytes_dirty, uint64_t bytes_xfer,
                       int64_t period_ms, uint64_t remaining)
{
    MxThrConfig c;
    MxThrInput in;
    MxThrottle snap;
    MxThrPhase old_phase;
    int old_pct;
    bool changed;

    if (!mx_staged() || period_ms <= 0) {
        return false;
    }
    mx_config(&c);
    in.now = mx_now();
    in.dirty_rate = bytes_dirty * 1000.0 / period_ms;
    in.remaining = remaining;

    qemu_mutex_lock(&mxt.lock);
    if (!mxt.used) {
        /* the first round: the policy's clock starts with the migration's */
        mxt.used = true;
    }
    in.bandwidth = mxt.bw_ms > 0 ? mxt.bw_bytes / mxt.bw_ms * 1000.0
                                 : bytes_xfer * 1000.0 / period_ms;
    mxt.bw_bytes = 0;
    mxt.bw_ms = 0;
    old_phase = mxt.st.phase;
    old_pct = mxt.st.pct;
    changed = mx_thr_round(&mxt.st, &c, &in);
    snap = mxt.st;
    qemu_mutex_unlock(&mxt.lock);

    trace_mx_throttle_round((uint64_t)in.dirty_rate, (uint64_t)in.bandwidth,
                            remaining,
                            mx_thr_phase_str(snap.phase), snap.pct,
                            mx_thr_why_str(snap.why));
    if (changed) {
        mx_apply(&snap, old_phase, old_pct);
    }
    return true;
}

bool mx_throttle_iteration(bool in_postcopy)
{
    MxThrConfig c;
    MxThrottle snap;
    MxThrPhase old_phase;
    int old_pct;
    bool changed, force = false;

    if (!qatomic_read(&mxt.used) || in_postcopy || !mx_staged()) {
        return false;
    }
    mx_config(&c);
    qemu_mutex_lock(&mxt.lock);
    old_phase = mxt.st.phase;
    old_pct = mxt.st.pct;
    changed = mx_thr_tick(&mxt.st, &c, mx_now());
    if (mxt.st.force && !mxt.forced) {
        mxt.forced = force = true;
    }
    snap = mxt.st;
    qemu_mutex_unlock(&mxt.lock);

    if (changed) {
        trace_mx_throttle_tick(mx_thr_phase_str(snap.phase), snap.pct,
                               mx_thr_why_str(snap.why));
        mx_apply(&snap, old_phase, old_pct);
    }
    if (force) {
        trace_mx_throttle_force_switchover(snap.remaining);
    }
    return force;
}

void mx_throttle_finish(void)
{
    MxThrottle snap;
    MxThrPhase old_phase;
    int old_pct;

    qemu_mutex_lock(&mxt.lock);
    if (!mxt.used) {
        qemu_mutex_unlock(&mxt.lock);
        return;
    }
    old_phase = mxt.st.phase;
    old_pct = mxt.st.pct;
    mx_thr_stop(&mxt.st, mx_now());
    snap = mxt.st;
    qemu_mutex_unlock(&mxt.lock);

    trace_mx_throttle_finish(mx_thr_phase_str(old_phase), old_pct);
    /* the caller has stopped the throttle already: only the event */
    if (old_phase != snap.phase) {
        mx_apply(&snap, old_phase, snap.pct);
    }
}

void mx_throttle_fill_stats(MigrationInfo *info)
{
    CpuThrottleStats *c;
    CpuThrottlePhaseList **tail;
    int64_t now = mx_now();
    int i;

    qemu_mutex_lock(&mxt.lock);
    if (!mxt.used) {
        qemu_mutex_unlock(&mxt.lock);
        return;
    }
    c = g_new0(CpuThrottleStats, 1);
    c->phase = (CpuThrottlePhase)mxt.st.phase;
    /* the vCPU throttle in force, whoever set it */
    c->percentage = cpu_throttle_active() ? cpu_throttle_get_percentage() : 0;
    tail = &c->phases;
    for (i = 0; i < mxt.st.norder; i++) {
        QAPI_LIST_APPEND(tail, (CpuThrottlePhase)mxt.st.order[i]);
    }
    c->direct_seconds = mx_thr_seconds(&mxt.st, MX_THR_DIRECT, now);
    c->staged_seconds = mx_thr_seconds(&mxt.st, MX_THR_STAGED, now);
    c->cap_seconds = mx_thr_seconds(&mxt.st, MX_THR_CAP, now);
    c->force_requested_seconds = mx_thr_seconds(&mxt.st, MX_THR_FORCE, now);
    c->forced_switchover = mxt.forced;
    qemu_mutex_unlock(&mxt.lock);

    info->has_cpu_throttle = true;
    info->cpu_throttle = c;
}

void mx_hmp_info_throttle(Monitor *mon, MigrationInfo *info)
{
    CpuThrottleStats *c = info->cpu_throttle;
    CpuThrottlePhaseList *l;

    if (!info->has_cpu_throttle) {
        return;
    }
    monitor_printf(mon, "cpu throttle phase: %s\n",
                   CpuThrottlePhase_str(c->phase));
    monitor_printf(mon, "cpu throttle percentage now: %" PRId64 "\n",
                   c->percentage);
    monitor_printf(mon, "cpu throttle phases:");
    for (l = c->phases; l; l = l->next) {
        monitor_printf(mon, " %s", CpuThrottlePhase_str(l->value));
    }
    monitor_printf(mon, "\n");
    monitor_printf(mon, "cpu throttle seconds: direct %.1f staged %.1f "
                   "cap %.1f force-requested %.1f\n", c->direct_seconds,
                   c->staged_seconds, c->cap_seconds,
                   c->force_requested_seconds);
    monitor_printf(mon, "cpu throttle forced switchover: %s\n",
                   c->forced_switchover ? "yes" : "no");
}
