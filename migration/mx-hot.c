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

MxHotState mx_hot_rule_step(MxHotRule *r, uint64_t cold, uint64_t deferred,
                            uint64_t threshold, uint64_t ram)
{
    if (r->state != MX_HOT_ON) {
        return r->state;
    }
    if (cold + deferred <= ram / MX_HOT_OFF_RAM_DIV) {
        /*
         * The seed's rule.  With a hot set larger than 1/10 of RAM it never
         * fires: the deferred part alone stays above it.  The two below do.
         */
        r->state = MX_HOT_OFF_RAM_SHARE;
    } else if (cold <= threshold) {
        /* what is not deferred could go in the downtime: nothing to gain */
        r->state = MX_HOT_OFF_COLD_FITS;
    } else if (r->have_prev &&
               cold > r->prev_cold - r->prev_cold / MX_HOT_PROGRESS_DIV) {
        /* precopy no longer drains the cold part: stop holding hot back */
        r->state = MX_HOT_OFF_NO_PROGRESS;
    }
    r->have_prev = true;
    r->prev_cold = cold;
    return r->state;
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
    case MX_HOT_OFF_STOPPED:
    default:
        return "migration completing or over";
    }
}
