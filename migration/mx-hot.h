/*
 * qemu-mx: hot-segment deferral, the decisions (docs/mx/hot-defer.md).
 * Pure functions of their inputs, no migration state and no clock, so that
 * tests/unit/test-mx-hot.c drives them directly.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIGRATION_MX_HOT_H
#define MIGRATION_MX_HOT_H

/*
 * A segment may be deferred only if it is at least this many times as hot
 * as the mean of the segments written in the round: with uniform writes
 * over the working set nothing is deferred, and the migration is stock's.
 */
#define MX_HOT_MIN_FACTOR       2

/*
 * The seed's switch-off: deferral ends once everything still dirty is below
 * this share of RAM (1/10).
 */
#define MX_HOT_OFF_RAM_DIV      10

/*
 * Deferral also ends once the dirty data outside the deferred segments no
 * longer shrinks by at least 1/MX_HOT_PROGRESS_DIV from one round to the
 * next: precopy has drained the cold part as far as it can.
 */
#define MX_HOT_PROGRESS_DIV     10

/*
 * Mark in @deferred (a bitmap of @nseg bits, cleared first) the segments to
 * defer for the next round.  @heat[i] is the number of pages of segment i
 * written since the last sync, at most @max_heat (the pages of a segment).
 * The hottest segments are taken, at most @percent % of @nseg and at most
 * @max_marked, and only
 * those with a heat of at least MX_HOT_MIN_FACTOR times the mean heat of
 * the segments with any heat; among equally hot segments the lower index
 * goes first.  Returns the number marked.
 */
uint64_t mx_hot_choose(const uint32_t *heat, uint64_t nseg, uint32_t max_heat,
                       unsigned percent, uint64_t max_marked,
                       unsigned long *deferred);

/*
 * Once the first phase has ended, the hottest segments stay held back for
 * the switchover within this share of the switchover threshold (1/2): they
 * are sent once, in the downtime, and the rest of RAM iterates without the
 * pages that are re-dirtied fastest.
 */
#define MX_HOT_FINAL_DIV        2

/* Segments of @seg_bytes each that the final phase may hold for @threshold */
uint64_t mx_hot_final_limit(uint64_t threshold, uint64_t seg_bytes);

typedef enum {
    MX_HOT_ON,              /* deferral stays on */
    MX_HOT_OFF_DISABLED,    /* ram-delay-save-percent is 0 */
    MX_HOT_OFF_RAM_SHARE,   /* all dirty data below 1/10 of RAM */
    MX_HOT_OFF_COLD_FITS,   /* the cold part fits the switchover threshold */
    MX_HOT_OFF_NO_PROGRESS, /* the cold part stopped shrinking */
    MX_HOT_OFF_STOPPED,     /* completion, postcopy, cancel */
} MxHotState;

typedef struct MxHotRule {
    MxHotState state;
    bool have_prev;
    uint64_t prev_cold;     /* cold bytes at the previous sync */
} MxHotRule;

/* Start of a migration; @enabled: ram-delay-save-percent > 0. */
void mx_hot_rule_init(MxHotRule *r, bool enabled);

/*
 * After a sync, once the segments for the next round are chosen: @cold are
 * the dirty bytes outside them, @deferred the dirty bytes inside them,
 * @threshold the switchover threshold (bandwidth x downtime-limit, bytes of
 * RAM), @ram the RAM size.  Returns the new state; once the first phase has
 * ended it does not come back (the final phase, see MX_HOT_FINAL_DIV,
 * follows until the migration ends).
 */
MxHotState mx_hot_rule_step(MxHotRule *r, uint64_t cold, uint64_t deferred,
                            uint64_t threshold, uint64_t ram);

/* Deferral is over for good (completion, postcopy, cancel). */
void mx_hot_rule_stop(MxHotRule *r);

const char *mx_hot_state_str(MxHotState s);

#endif
