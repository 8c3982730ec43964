/*
 * qemu-mx: hot-segment deferral in a running migration.
 *
 * One heat counter and one "deferred" bit per segment, for all migrated
 * RAMBlocks together (each block's segments are a range of the arrays, so
 * the hottest segments are chosen across blocks).  The dirty-bitmap sync
 * adds to the heat (include/migration/mx-hot-block.h); after each sync that
 * starts a round, mx_hot_round() asks mx-hot.c which segments to defer and
 * whether to go on at all.  The page search skips deferred segments; their
 * pages keep their dirty bits and stay counted in the dirty pages, so the
 * switchover decision sees them as pending and completion sends them.
 *
 * All of it runs in the migration thread (or under the BQL at setup and
 * cleanup); statistics are read by the monitor with qatomic.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/bitmap.h"
#include "qemu/bitops.h"
#include "qemu/host-utils.h"
#include "qemu/rcu.h"
#include "qemu/timer.h"
#include "sysemu/cpu-throttle.h"
#include "exec/ramblock.h"
#include "exec/target_page.h"
#include "monitor/monitor.h"
#include "migration/mx-hot-block.h"
#include "migration.h"
#include "ram.h"
#include "trace.h"
#include "mx-hot.h"
#include "mx-hot-params.h"
#include "mx-hot-state.h"

static struct {
    bool active;            /* segments may be deferred now */
    MxHotRule rule;
    uint64_t nseg;
    uint32_t *heat;
    unsigned long *deferred;
    uint32_t max_heat;      /* pages of the largest segment */
    uint64_t seg_size;      /* bytes, as asked */
    bool throttle_sees;     /* auto-converge: count held pages' writes */
    int64_t last_round_ms;  /* when the previous round was chosen */
    /* statistics */
    uint64_t rounds;        /* rounds of the first phase */
    uint64_t final_rounds;  /* rounds of the final phase */
    uint64_t marked;        /* segments deferred this round */
    uint64_t deferred_pages;    /* dirty pages held back this round */
    uint64_t deferred_total;    /* sum over the rounds */
    uint64_t saved_pages;       /* estimate, see mx_hot_saved_estimate() */
    uint64_t hold_rounds;       /* rounds held for the throttle */
    uint64_t hold_ms;           /* time held for the throttle */
    uint64_t throttle_pages;    /* held pages' writes shown to the throttle */
} mx_hot;

static inline uint64_t mx_hot_page_shift(void)
{
    return qemu_target_page_bits();
}

void mx_hot_setup(void)
{
    unsigned percent = migrate_ram_delay_save_percent();
    uint64_t seg = migrate_ram_delay_segment_size();
    uint64_t base = 0;
    RAMBlock *rb;

    memset(&mx_hot, 0, sizeof(mx_hot));
    mx_hot_rule_init(&mx_hot.rule, percent > 0);
    if (!percent) {
        return;
    }
    /* with auto-converge the hot set is held through the throttle's ramp */
    mx_hot.throttle_sees = migrate_auto_converge();
    mx_hot_rule_set_hold(&mx_hot.rule, mx_hot.throttle_sees);
    mx_hot.last_round_ms = qemu_clock_get_ms(QEMU_CLOCK_REALTIME);
    mx_hot.seg_size = seg;
    WITH_RCU_READ_LOCK_GUARD() {
        RAMBLOCK_FOREACH_NOT_IGNORED(rb) {
            uint64_t pages = rb->used_length >> mx_hot_page_shift();
            unsigned shift = ctz64(seg) - mx_hot_page_shift();
            MxHotBlock *h = g_new0(MxHotBlock, 1);

            /* whole bitmap words, whole host pages */
            shift = MAX(shift, ctz64(BITS_PER_LONG));
            shift = MAX(shift, ctz64(rb->page_size) - mx_hot_page_shift());
            h->shift = shift;
            h->base = base;
            base += DIV_ROUND_UP(pages, 1ULL << shift);
            mx_hot.max_heat = MAX(mx_hot.max_heat, 1U << shift);
            rb->mx_hot = h;
        }
        mx_hot.nseg = base;
        mx_hot.heat = g_new0(uint32_t, MAX(base, 1));
        mx_hot.deferred = bitmap_new(MAX(base, 1));
        RAMBLOCK_FOREACH_NOT_IGNORED(rb) {
            rb->mx_hot->heat = mx_hot.heat + rb->mx_hot->base;
        }
    }
    mx_hot.active = true;
    trace_mx_hot_setup(mx_hot.nseg, seg, percent);
}

void mx_hot_cleanup(void)
{
    RAMBlock *rb;

    WITH_RCU_READ_LOCK_GUARD() {
        RAMBLOCK_FOREACH_NOT_IGNORED(rb) {
            g_free(rb->mx_hot);
            rb->mx_hot = NULL;
        }
    }
    g_free(mx_hot.heat);
    mx_hot.heat = NULL;
    g_free(mx_hot.deferred);
    mx_hot.deferred = NULL;
    qatomic_set(&mx_hot.active, false);
    mx_hot_rule_stop(&mx_hot.rule);
}

static inline bool mx_hot_deferring(void)
{
    return mx_hot.active && !migration_in_postcopy();
}

unsigned long mx_hot_next_page(RAMBlock *rb, unsigned long page)
{
    unsigned long size = rb->used_length >> mx_hot_page_shift();
    MxHotBlock *h = rb->mx_hot;

    if (!h || !mx_hot_deferring()) {
        return page;
    }
    while (page < size && test_bit(h->base + (page >> h->shift),
                                   mx_hot.deferred)) {
        unsigned long next_seg = ((page >> h->shift) + 1) << h->shift;

        page = next_seg < size ? find_next_bit(rb->bmap, size, next_seg)
                               : size;
    }
    return page;
}

uint64_t mx_hot_deferred_bytes(void)
{
    if (!mx_hot_deferring()) {
        return 0;
    }
    return mx_hot.deferred_pages << mx_hot_page_shift();
}

/* Dirty pages of @rb in its deferred segments. */
static uint64_t mx_hot_count_deferred(RAMBlock *rb)
{
    unsigned long size = rb->used_length >> mx_hot_page_shift();
    MxHotBlock *h = rb->mx_hot;
    uint64_t nseg = DIV_ROUND_UP(size, 1UL << h->shift);
    uint64_t s, n = 0;

    for (s = find_next_bit(mx_hot.deferred, h->base + nseg, h->base);
         s < h->base + nseg;
         s = find_next_bit(mx_hot.deferred, h->base + nseg, s + 1)) {
        unsigned long start = (s - h->base) << h->shift;
        unsigned long len = MIN(1UL << h->shift, size - start);

        n += bitmap_count_one_with_offset(rb->bmap, start, len);
    }
    return n;
}

/*
 * Pages not sent: each page held back in a round would have been sent in
 * that round, and, being hot, sent again later; deferral sends it once,
 * after.  An estimate: a held-back page that the guest does not write
 * again before the end saves nothing.
 */
static uint64_t mx_hot_saved_estimate(void)
{
    return mx_hot.deferred_total;
}

/* Dirty bytes in the segments now marked */
static uint64_t mx_hot_held_bytes(void)
{
    uint64_t n = 0;
    RAMBlock *rb;

    WITH_RCU_READ_LOCK_GUARD() {
        RAMBLOCK_FOREACH_NOT_IGNORED(rb) {
            if (rb->mx_hot) {
                n += mx_hot_count_deferred(rb);
            }
        }
    }
    return n << mx_hot_page_shift();
}

/* Pages the dirty log reported written in the segments now marked */
static uint64_t mx_hot_heat_held(void)
{
    uint64_t s, n = 0;

    for (s = find_first_bit(mx_hot.deferred, mx_hot.nseg); s < mx_hot.nseg;
         s = find_next_bit(mx_hot.deferred, mx_hot.nseg, s + 1)) {
        n += mx_hot.heat[s];
    }
    return n;
}

uint64_t mx_hot_sync_rewrites(void)
{
    uint64_t written, now, rw;

    if (!mx_hot.throttle_sees || !mx_hot_deferring() || !mx_hot.marked) {
        return 0;
    }
    /*
     * The sync counts newly dirty pages only; a held page the guest writes
     * again was dirty already, so auto-converge would not see the hot set
     * being written at all while it is held.  Count those writes too.
     */
    written = mx_hot_heat_held();
    now = mx_hot_held_bytes() >> mx_hot_page_shift();
    rw = mx_hot_rewrites(written, now, mx_hot.deferred_pages);
    qatomic_set(&mx_hot.throttle_pages, mx_hot.throttle_pages + rw);
    trace_mx_hot_throttle_dirty(written, now, mx_hot.deferred_pages, rw);
    return rw;
}

void mx_hot_pace(void)
{
    uint64_t ms;

    if (!mx_hot_deferring() || mx_hot.rule.state != MX_HOT_ON) {
        return;
    }
    ms = mx_hot_pace_ms(mx_hot.rule.holding,
                        qemu_clock_get_ms(QEMU_CLOCK_REALTIME),
                        mx_hot.last_round_ms);
    if (ms) {
        /* the migration thread, no lock held: only the held pages are left */
        trace_mx_hot_pace(ms);
        g_usleep(ms * 1000);
    }
}

/* @held dirty bytes are held back now; @count: add them to the totals */
static void mx_hot_account(uint64_t held, bool count)
{
    qatomic_set(&mx_hot.deferred_pages, held >> mx_hot_page_shift());
    if (count) {
        qatomic_set(&mx_hot.deferred_total,
                    mx_hot.deferred_total + mx_hot.deferred_pages);
    }
    qatomic_set(&mx_hot.saved_pages, mx_hot_saved_estimate());
}

void mx_hot_round(uint64_t remaining, uint64_t threshold)
{
    int64_t t0 = get_clock();
    int64_t now = qemu_clock_get_ms(QEMU_CLOCK_REALTIME);
    MigrationState *ms = migrate_get_current();
    unsigned percent = migrate_ram_delay_save_percent();
    uint64_t seg_bytes = (uint64_t)mx_hot.max_heat << mx_hot_page_shift();
    uint64_t held, cold, limit;
    bool was_holding = mx_hot.rule.holding;
    MxHotRound in;
    MxHotState st;

    if (!mx_hot_deferring()) {
        return;
    }
    if (!percent) {
        /* switched off while migrating: everything goes now, as stock */
        bitmap_zero(mx_hot.deferred, mx_hot.nseg);
        qatomic_set(&mx_hot.marked, 0);
        qatomic_set(&mx_hot.active, false);
        mx_hot.rule.state = MX_HOT_OFF_DISABLED;
        mx_hot.rule.holding = false;
        trace_mx_hot_off(mx_hot_state_str(MX_HOT_OFF_DISABLED), mx_hot.rounds,
                         mx_hot.saved_pages << mx_hot_page_shift(), 0, 0,
                         threshold);
        return;
    }
    if (mx_hot.rule.state == MX_HOT_ON) {
        /* written in the held segments since the previous round */
        in.hot_written = mx_hot_heat_held() << mx_hot_page_shift();
        /*
         * first phase: hold back the hottest, up to the percentage; while
         * holding for the throttle the set stays (the rounds are short, and
         * a hot segment that happened not to be written in one of them must
         * not be sent)
         */
        if (!was_holding) {
            qatomic_set(&mx_hot.marked,
                        mx_hot_choose(mx_hot.heat, mx_hot.nseg,
                                      mx_hot.max_heat, percent, UINT64_MAX,
                                      mx_hot.deferred));
        }
        held = mx_hot_held_bytes();
        cold = remaining > held ? remaining - held : 0;
        in.cold = cold;
        in.deferred = held;
        in.threshold = threshold;
        in.ram = ram_bytes_total();
        in.elapsed_ms = now > mx_hot.last_round_ms ?
                        now - mx_hot.last_round_ms : 0;
        in.now_ms = now;
        in.downtime_ms = ms->parameters.downtime_limit;
        in.trigger_pct = ms->parameters.throttle_trigger_threshold;
        in.throttle_pct = cpu_throttle_get_percentage();
        st = mx_hot_rule_round(&mx_hot.rule, &in);
        if (st == MX_HOT_ON && !mx_hot.rule.holding) {
            qatomic_set(&mx_hot.rounds, mx_hot.rounds + 1);
            mx_hot_account(held, true);
            trace_mx_hot_round(mx_hot.rounds, mx_hot.marked,
                               mx_hot.deferred_pages, cold, threshold,
                               (get_clock() - t0) / SCALE_US);
            goto out;
        }
        if (st == MX_HOT_ON) {
            if (!was_holding) {
                /* this round started the hold */
                qatomic_set(&mx_hot.rounds, mx_hot.rounds + 1);
                mx_hot_account(held, true);
                trace_mx_hot_hold_start(
                    mx_hot_state_str(mx_hot.rule.hold_why), mx_hot.marked,
                    held, cold, mx_hot.rule.thr_max, in.throttle_pct);
            } else {
                mx_hot_account(held, false);
            }
            qatomic_set(&mx_hot.hold_rounds, mx_hot.hold_rounds + 1);
            qatomic_set(&mx_hot.hold_ms, now - mx_hot.rule.hold_since_ms);
            trace_mx_hot_hold(mx_hot.hold_rounds, held, cold,
                              mx_hot.rule.est_rate, mx_hot.rule.est_send_ms,
                              mx_hot.rule.est_dirtied, mx_hot.rule.thr_max,
                              in.throttle_pct);
            goto out;
        }
        if (was_holding) {
            qatomic_set(&mx_hot.hold_ms, now - mx_hot.rule.hold_since_ms);
        }
        trace_mx_hot_off(mx_hot_state_str(st), mx_hot.rounds,
                         mx_hot.saved_pages << mx_hot_page_shift(),
                         cold, held, threshold);
    }
    /*
     * Final phase: only the hottest segments that fit half the switchover
     * threshold stay held; they go in the downtime, once.
     */
    limit = mx_hot_final_limit(threshold, seg_bytes);
    qatomic_set(&mx_hot.marked,
                mx_hot_choose(mx_hot.heat, mx_hot.nseg, mx_hot.max_heat,
                              percent, limit, mx_hot.deferred));
    held = mx_hot_held_bytes();
    cold = remaining > held ? remaining - held : 0;
    qatomic_set(&mx_hot.final_rounds, mx_hot.final_rounds + 1);
    mx_hot_account(held, true);
    trace_mx_hot_final(mx_hot.final_rounds, mx_hot.marked, limit,
                       mx_hot.deferred_pages, cold, threshold);
out:
    mx_hot.last_round_ms = now;
    memset(mx_hot.heat, 0, mx_hot.nseg * sizeof(*mx_hot.heat));
}

void mx_hot_stop(void)
{
    if (mx_hot.active) {
        qatomic_set(&mx_hot.active, false);
        if (mx_hot.rule.holding) {
            qatomic_set(&mx_hot.hold_ms, qemu_clock_get_ms(QEMU_CLOCK_REALTIME)
                        - mx_hot.rule.hold_since_ms);
        }
        mx_hot.rule.holding = false;
        mx_hot_rule_stop(&mx_hot.rule);
        qatomic_set(&mx_hot.saved_pages, mx_hot_saved_estimate());
        trace_mx_hot_off(mx_hot_state_str(mx_hot.rule.state), mx_hot.rounds,
                         mx_hot.saved_pages << mx_hot_page_shift(), 0, 0, 0);
    }
}

static HotDeferState mx_hot_qapi_state(MxHotState s)
{
    switch (s) {
    case MX_HOT_ON:
        return HOT_DEFER_STATE_ON;
    case MX_HOT_OFF_DISABLED:
        return HOT_DEFER_STATE_DISABLED;
    case MX_HOT_OFF_RAM_SHARE:
        return HOT_DEFER_STATE_RAM_SHARE;
    case MX_HOT_OFF_COLD_FITS:
        return HOT_DEFER_STATE_COLD_FITS;
    case MX_HOT_OFF_NO_PROGRESS:
        return HOT_DEFER_STATE_NO_PROGRESS;
    case MX_HOT_OFF_HOT_FITS:
        return HOT_DEFER_STATE_HOT_FITS;
    case MX_HOT_OFF_HOT_SLOW:
        return HOT_DEFER_STATE_HOT_SLOW;
    case MX_HOT_OFF_NO_THROTTLE:
        return HOT_DEFER_STATE_NO_THROTTLE;
    case MX_HOT_OFF_HOLD_TIMEOUT:
        return HOT_DEFER_STATE_HOLD_TIMEOUT;
    case MX_HOT_OFF_STOPPED:
    default:
        return HOT_DEFER_STATE_STOPPED;
    }
}

void mx_hot_fill_info(MigrationInfo *info)
{
    HotDeferStats *s;

    if (!info->has_ram || mx_hot.rule.state == MX_HOT_OFF_DISABLED) {
        return;
    }
    s = g_new0(HotDeferStats, 1);
    s->state = mx_hot_qapi_state(mx_hot.rule.state);
    s->segments = mx_hot.nseg;
    s->segment_size = mx_hot.seg_size;
    s->rounds = qatomic_read(&mx_hot.rounds);
    s->final_rounds = qatomic_read(&mx_hot.final_rounds);
    s->deferred_segments = qatomic_read(&mx_hot.marked);
    s->deferred_pages = qatomic_read(&mx_hot.active) ?
                        qatomic_read(&mx_hot.deferred_pages) : 0;
    s->deferred_pages_total = qatomic_read(&mx_hot.deferred_total);
    s->saved_bytes = qatomic_read(&mx_hot.saved_pages) << mx_hot_page_shift();
    s->holding = mx_hot.rule.state == MX_HOT_ON && mx_hot.rule.holding;
    s->hold_rounds = qatomic_read(&mx_hot.hold_rounds);
    s->hold_ms = qatomic_read(&mx_hot.hold_ms);
    s->throttle_dirty_pages = qatomic_read(&mx_hot.throttle_pages);
    info->has_hot_defer = true;
    info->hot_defer = s;
}

void mx_hmp_info_hot(Monitor *mon, MigrationInfo *info)
{
    HotDeferStats *s = info->hot_defer;

    if (!info->has_hot_defer) {
        return;
    }
    monitor_printf(mon, "hot-segment deferral: %s\n",
                   HotDeferState_str(s->state));
    monitor_printf(mon, "hot-segment deferral rounds: %" PRIu64 ", final "
                   "phase %" PRIu64 "\n", s->rounds, s->final_rounds);
    monitor_printf(mon, "hot-segment deferred: %" PRIu64 " of %" PRIu64
                   " segments, %" PRIu64 " pages (%" PRIu64 " in all "
                   "rounds)\n", s->deferred_segments, s->segments,
                   s->deferred_pages, s->deferred_pages_total);
    monitor_printf(mon, "hot-segment deferral saved (estimate): %" PRIu64
                   " kbytes\n", s->saved_bytes >> 10);
    if (s->hold_rounds || s->throttle_dirty_pages) {
        monitor_printf(mon, "hot-segment hold for the throttle: %s, %" PRIu64
                       " rounds, %" PRIu64 " ms; held pages' writes shown to "
                       "the throttle: %" PRIu64 " pages\n",
                       s->holding ? "holding" : "over", s->hold_rounds,
                       s->hold_ms, s->throttle_dirty_pages);
    }
}
