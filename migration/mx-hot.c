/*
 * qemu-mx: hot-segment deferral, the decisions.
 *
 * RAM is split in segments; a segment's heat is the number of its pages
 * the guest wrote in the last round.  Before each round the hottest
 * segments (at most ram-delay-save-percent of them, and only clearly hot
 * ones) are deferred: their dirty pages keep their dirty bits but are not
 * sent that round, since the guest would dirty them again before the
 * switchover anyway.  That first phase ends once it no longer helps (see
 * mx_hot_rule_step()).  Then only the hottest segments that fit half the
 * switchover threshold stay held, and go in the downtime: sent once.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/bitmap.h"
#include "mx-hot.h"

uint64_t mx_hot_final_limit(uint64_t threshold, uint64_t seg_bytes)
{
    return seg_bytes ? threshold / MX_HOT_FINAL_DIV / seg_bytes : 0;
}

uint64_t mx_hot_choose(const uint32_t *heat, uint64_t nseg, uint32_t max_heat,
                       unsigned percent, uint64_t max_marked,
                       unsigned long *deferred)
{
    uint64_t limit, sum = 0, written = 0, taken = 0, at_cut = 0, i;
    uint64_t *count;
    uint32_t h, cut;

    bitmap_zero(deferred, nseg);
    limit = MIN(nseg * MIN(percent, 100) / 100, max_marked);
    if (!nseg || !limit) {
        return 0;
    }
    count = g_new0(uint64_t, (size_t)max_heat + 1);
    for (i = 0; i < nseg; i++) {
        h = MIN(heat[i], max_heat);
        count[h]++;
        sum += h;
        written += h > 0;
    }
    /*
     * Walk down from the hottest level: every level taken whole while it
     * fits the limit, the level that does not fit (the cut) in part.
     * Eligible levels: h > 0 and h * written >= MX_HOT_MIN_FACTOR * sum,
     * twice the mean heat of the segments written at all (RAM the guest
     * does not use must not make its whole working set look hot).
     */
    cut = 0;
    for (h = max_heat; h > 0; h--) {
        if ((uint64_t)h * written < (uint64_t)MX_HOT_MIN_FACTOR * sum) {
            break;
        }
        if (!count[h]) {
            continue;
        }
        if (taken + count[h] > limit) {
            cut = h;
            at_cut = limit - taken;
            break;
        }
        taken += count[h];
        cut = h;
        at_cut = count[h];
    }
    g_free(count);
    if (!cut) {
        return 0;
    }
    taken = 0;
    for (i = 0; i < nseg; i++) {
        h = MIN(heat[i], max_heat);
        if (h > cut || (h == cut && at_cut)) {
            if (h == cut) {
                at_cut--;
            }
            set_bit(i, deferred);
            taken++;
        }
    }
    return taken;
}

void mx_hot_rule_init(MxHotRule *r, bool enabled)
{
    memset(r, 0, sizeof(*r));
    r->state = enabled ? MX_HOT_ON : MX_HOT_OFF_DISABLED;
}

void mx_hot_rule_set_hold(MxHotRule *r, bool hold)
{
    r->hold = hold;
}

/* Holding for the throttle: does it go on?  (see MxHotRule.holding) */
static MxHotState mx_hot_hold_step(MxHotRule *r, const MxHotRound *in)
{
    int64_t held_ms = in->now_ms - r->hold_since_ms;
    uint64_t bw;

    r->acc_written += in->hot_written;
    r->acc_ms += in->elapsed_ms;
    if (!in->deferred) {
        /* nothing left held back: nothing to wait for */
        return MX_HOT_OFF_HOT_FITS;
    }
    if (held_ms >= MX_HOT_HOLD_MAX_MS) {
        return MX_HOT_OFF_HOLD_TIMEOUT;
    }
    if (!in->throttle_pct && held_ms >= MX_HOT_HOLD_START_MS) {
        return MX_HOT_OFF_NO_THROTTLE;
    }
    bw = r->thr_max * 1000 / MAX(in->downtime_ms, 1);
    if (r->acc_ms < MX_HOT_RATE_MS || !bw) {
        return MX_HOT_ON;
    }
    r->est_rate = r->acc_written * 1000 / r->acc_ms;
    r->est_send_ms = (in->cold + in->deferred) * 1000 / bw;
    /* the guest cannot dirty more of the hot set than there is of it */
    r->est_dirtied = MIN(r->acc_written * r->est_send_ms / r->acc_ms,
                         in->deferred);
    r->acc_written = 0;
    r->acc_ms = 0;
    if (r->est_dirtied <= r->thr_max * MX_HOT_FIT_MUL) {
        return MX_HOT_OFF_HOT_FITS;
    }
    if (!in->throttle_pct && r->est_rate * 100 <= bw * in->trigger_pct) {
        if (++r->slow >= MX_HOT_SLOW_COUNT) {
            return MX_HOT_OFF_HOT_SLOW;
        }
    } else {
        r->slow = 0;
    }
    return MX_HOT_ON;
}

MxHotState mx_hot_rule_round(MxHotRule *r, const MxHotRound *in)
{
    MxHotState st = MX_HOT_ON;

    if (r->state != MX_HOT_ON) {
        return r->state;
    }
    r->thr_max = MAX(r->thr_max, in->threshold);
    if (r->holding) {
        /* only the hold's own ends: held back alone may be below 1/10 */
        st = mx_hot_hold_step(r, in);
    } else if (in->cold + in->deferred <= in->ram / MX_HOT_OFF_RAM_DIV) {
        /*
         * The seed's rule.  With a hot set larger than 1/10 of RAM it never
         * fires: the deferred part alone stays above it.  The two below do.
         */
        st = MX_HOT_OFF_RAM_SHARE;
    } else if (in->cold <= in->threshold) {
        /* what is not deferred could go in the downtime: nothing to gain */
        st = MX_HOT_OFF_COLD_FITS;
    } else if (r->have_prev &&
               in->cold > r->prev_cold - r->prev_cold / MX_HOT_PROGRESS_DIV) {
        /* precopy no longer drains the cold part: stop holding hot back */
        st = MX_HOT_OFF_NO_PROGRESS;
    }
    if ((st == MX_HOT_OFF_RAM_SHARE || st == MX_HOT_OFF_COLD_FITS ||
         st == MX_HOT_OFF_NO_PROGRESS) &&
        r->hold && in->deferred > r->thr_max / MX_HOT_FINAL_DIV) {
        /*
         * auto-converge: more is held back than the final phase would
         * keep; hold it while the throttle ramps instead of iterating it
         */
        r->holding = true;
        r->hold_why = st;
        r->hold_since_ms = in->now_ms;
        r->acc_written = 0;
        r->acc_ms = 0;
        r->slow = 0;
        st = MX_HOT_ON;
    }
    if (st != MX_HOT_ON) {
        r->holding = false;
    }
    r->state = st;
    r->have_prev = true;
    r->prev_cold = in->cold;
    return st;
}

MxHotState mx_hot_rule_step(MxHotRule *r, uint64_t cold, uint64_t deferred,
                            uint64_t threshold, uint64_t ram)
{
    MxHotRound in = {
        .cold = cold, .deferred = deferred, .threshold = threshold,
        .ram = ram,
    };

    return mx_hot_rule_round(r, &in);
}

uint64_t mx_hot_rewrites(uint64_t written, uint64_t held_now,
                         uint64_t held_before)
{
    uint64_t fresh = held_now > held_before ? held_now - held_before : 0;

    return written > fresh ? written - fresh : 0;
}

uint64_t mx_hot_pace_ms(bool holding, int64_t now_ms, int64_t last_ms)
{
    if (!holding || now_ms >= last_ms + MX_HOT_HOLD_SYNC_MS) {
        return 0;
    }
    return MIN(last_ms + MX_HOT_HOLD_SYNC_MS - now_ms, MX_HOT_HOLD_SYNC_MS);
}

void mx_hot_rule_stop(MxHotRule *r)
{
    if (r->state == MX_HOT_ON) {
        r->state = MX_HOT_OFF_STOPPED;
    }
}

const char *mx_hot_state_str(MxHotState s)
{
    switch (s) {
    case MX_HOT_ON:
        return "on";
    case MX_HOT_OFF_DISABLED:
        return "disabled";
    case MX_HOT_OFF_RAM_SHARE:
        return "dirty data below 1/10 of RAM";
    case MX_HOT_OFF_COLD_FITS:
        return "cold dirty data fits the switchover threshold";
    case MX_HOT_OFF_NO_PROGRESS:
        return "cold dirty data stopped shrinking";
    case MX_HOT_OFF_HOT_FITS:
        return "the throttled hot set can be sent once";
    case MX_HOT_OFF_HOT_SLOW:
        return "hot set written below the throttle trigger, no throttle";
    case MX_HOT_OFF_NO_THROTTLE:
        return "the throttle did not start";
    case MX_HOT_OFF_HOLD_TIMEOUT:
        return "held for the throttle too long";
    case MX_HOT_OFF_STOPPED:
    default:
        return "migration completing or over";
    }
}
