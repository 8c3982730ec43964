/*
 * qemu-mx: the compress-bypass rule: compress or not, decided by
 * measurement.
 *
 * The migration thread counts the pages it moves on in windows of
 * MX_WIN_NS, separately for the two modes.  With the link as the
 * bottleneck compression moves more pages per second (the link carries
 * compressed pages); with the CPU as the bottleneck it moves fewer than the
 * link would carry raw.  So: compress while the compressed page rate is at
 * least 1/MX_HYST of the raw page rate, else send raw.  The mode not in use
 * is measured again for one window once its figure is MX_STALE_NS old.  A
 * window with a pause of more than MX_GAP_NS (bitmap sync, nothing left to
 * send) says nothing about either bottleneck and is dropped.
 *
 * Except a pause of the max-bandwidth limiter: that one is what the mode
 * achieves under the limit, so it stays in the window.  Dropping it too
 * left a mode that always runs into the limit without a figure: once the
 * rule switched to raw to measure it, it stayed raw for good, even where
 * compressing moved several times more pages through the same limit.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/atomic.h"
#include "qemu/timer.h"
#include "mx-bypass.h"

void mx_bypass_init(MxBypass *b)
{
    memset(b, 0, sizeof(*b));
    b->pays = true;
    qatomic_set(&b->compressing, true);
}

bool mx_bypass_is_compressing(MxBypass *b, bool enabled)
{
    return !enabled || qatomic_read(&b->compressing);
}

bool mx_bypass_rate(const MxBypass *b, bool compressed, double *rate,
                    int64_t *at)
{
    *rate = b->rate[compressed];
    *at = b->rate_at[compressed];
    return b->measured[compressed];
}

void mx_bypass_limited(MxBypass *b, bool enabled)
{
    if (enabled) {
        b->limited = true;
    }
}

bool mx_bypass_step(MxBypass *b, bool enabled, int64_t now, uint64_t done,
                    uint64_t unshrunk)
{
    int m;

    if (!enabled) {
        return true;
    }
    if (!b->started || (now - b->last > MX_GAP_NS && !b->limited)) {
        b->win_start = now;
        b->win_done = done;
        b->win_unshrunk = unshrunk;
    }
    b->started = true;
    b->limited = false;
    b->last = now;
    m = b->compressing;
    if (now - b->win_start >= MX_WIN_NS) {
        b->rate[m] = (done - b->win_done) * (double)NANOSECONDS_PER_SECOND
                     / (now - b->win_start);
        b->rate_at[m] = now;
        b->measured[m] = true;
        if (m && done > b->win_done) {
            /* did compression save bytes: most pages it tried shrank? */
            b->pays = unshrunk - b->win_unshrunk <
                      MX_PAYS_MAX_UNSHRUNK * (done - b->win_done);
        }
        if (!b->measured[!m] || now - b->rate_at[!m] > MX_STALE_NS) {
            m = !m;     /* measure the other mode again */
        } else if (b->pays) {
            m = b->rate[1] * MX_HYST >= b->rate[0];
        } else {
            m = b->rate[1] >= b->rate[0] * MX_HYST;
        }
        qatomic_set(&b->compressing, m);
        b->win_start = now;
        b->win_done = done;
        b->win_unshrunk = unshrunk;
    }
    return m;
}
