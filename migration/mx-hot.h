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
    /* the ends of the hold for the throttle (auto-converge), see below */
    MX_HOT_OFF_HOT_FITS,    /* the throttled hot set can be sent once */
    MX_HOT_OFF_HOT_SLOW,    /* no throttle, hot set written slowly: iterate */
    MX_HOT_OFF_NO_THROTTLE, /* the throttle did not start */
    MX_HOT_OFF_HOLD_TIMEOUT,    /* held for MX_HOT_HOLD_MAX_MS */
} MxHotState;

/*
 * The hold for the throttle (auto-converge on).  Without a throttle a hot
 * set larger than the switchover threshold must be iterated down, so the
 * first phase ends once the cold part is drained (cold-fits, no-progress).
 * With auto-converge, the throttle can bring the hot set's write rate
 * down instead; it sees the writes to the held segments (mx-hot-state.c),
 * so it ramps while they are held.  So at the sync where the first phase
 * would end (1/10 of RAM, cold-fits, no-progress), with more held back
 * than the final phase keeps, deferral holds on (MxHotRule.holding) and
 * ends only when one of these holds (a hot set below 1/10 of RAM but
 * several times the threshold, re-dirtied fast, must not be released by
 * the seed's rule either):
 * - hot-fits: at the hot set's write rate, measured over at least
 *   MX_HOT_RATE_MS, sending all that is dirty once (held and cold, at the
 *   link's bandwidth) lets the guest dirty no more than MX_HOT_FIT_MUL
 *   times the switchover threshold: the hot set is sent once, what it
 *   leaves goes in one short round (at that rate it dirties less than the
 *   threshold while that round is sent) and the downtime;
 * - hot-slow: no throttle yet and the hot set written at most at
 *   throttle-trigger-threshold % of the bandwidth, in MX_HOT_SLOW_COUNT
 *   measurements in a row (one could be a guest starved by a busy host):
 *   auto-converge would not act on it (stock's trigger), so precopy
 *   iterates it, as without auto-converge;
 * - no-throttle: the throttle has not started after MX_HOT_HOLD_START_MS;
 * - hold-timeout: held for MX_HOT_HOLD_MAX_MS.
 * The link's bandwidth and the threshold are the highest seen during the
 * migration (while only the cold part is sent the link idles, and the
 * measured bandwidth, and the threshold with it, fall).
 */
#define MX_HOT_RATE_MS          250
#define MX_HOT_FIT_MUL          2
#define MX_HOT_SLOW_COUNT       4
#define MX_HOT_HOLD_START_MS    5000
#define MX_HOT_HOLD_MAX_MS      30000
/* while holding, a sync at most every this many ms (nothing else to send) */
#define MX_HOT_HOLD_SYNC_MS     100

typedef struct MxHotRule {
    MxHotState state;
    bool have_prev;
    uint64_t prev_cold;     /* cold bytes at the previous sync */
    /* the hold for the throttle */
    bool hold;              /* auto-converge: hold through the throttle */
    bool holding;           /* holding now */
    MxHotState hold_why;    /* the end of the first phase it replaced */
    int64_t hold_since_ms;
    uint64_t thr_max;       /* highest switchover threshold seen */
    uint64_t acc_written;   /* bytes written in held segments, accumulating */
    uint64_t acc_ms;        /* over this many ms */
    unsigned slow;          /* hot-slow measurements in a row */
    /* last estimate, for the trace */
    uint64_t est_rate;      /* hot write rate, bytes/s */
    uint64_t est_send_ms;   /* time to send all dirty data once */
    uint64_t est_dirtied;   /* bytes the guest dirties meanwhile */
} MxHotRule;

/* One round's inputs for mx_hot_rule_round() */
typedef struct MxHotRound {
    uint64_t cold;          /* dirty bytes outside the held segments */
    uint64_t deferred;      /* dirty bytes in them */
    uint64_t threshold;     /* switchover threshold now (bytes) */
    uint64_t ram;           /* RAM size */
    uint64_t hot_written;   /* bytes written in held segments since last */
    uint64_t elapsed_ms;    /* time since the previous round */
    int64_t now_ms;
    uint64_t downtime_ms;   /* downtime-limit */
    unsigned trigger_pct;   /* throttle-trigger-threshold */
    unsigned throttle_pct;  /* CPU throttle in force */
} MxHotRound;

/* Start of a migration; @enabled: ram-delay-save-percent > 0. */
void mx_hot_rule_init(MxHotRule *r, bool enabled);

/* @hold: auto-converge is on, hold the hot set through the throttle */
void mx_hot_rule_set_hold(MxHotRule *r, bool hold);

/*
 * After a sync, the round's inputs: returns the new state (see
 * mx_hot_rule_step() and the hold above).
 */
MxHotState mx_hot_rule_round(MxHotRule *r, const MxHotRound *in);

/*
 * Writes to held segments the throttle does not see: the dirty log
 * reported @written pages in them; @held_now of their pages are dirty
 * now, @held_before were at the previous sync (the newly dirty ones,
 * @held_now - @held_before, the sync already counts).
 */
uint64_t mx_hot_rewrites(uint64_t written, uint64_t held_now,
                         uint64_t held_before);

/*
 * While holding: how long to wait before the next sync, the previous one
 * at @last_ms (nothing but held pages is left to send).
 */
uint64_t mx_hot_pace_ms(bool holding, int64_t now_ms, int64_t last_ms);

/*
 * After a sync, once the segments for the next round are chosen: @cold are
 * the dirty bytes outside them, @deferred the dirty bytes inside them,
 * @threshold the switchover threshold (bandwidth x downtime-limit, bytes of
 * RAM), @ram the RAM size.  Returns the new state; once the first phase has
 * ended it does not come back (the final phase, see MX_HOT_FINAL_DIV,
 * follows until the migration ends).  mx_hot_rule_round() with only these
 * inputs (no time, no rates: a hold never ends but by the 1/10 of RAM).
 */
MxHotState mx_hot_rule_step(MxHotRule *r, uint64_t cold, uint64_t deferred,
                            uint64_t threshold, uint64_t ram);

/* Deferral is over for good (completion, postcopy, cancel). */
void mx_hot_rule_stop(MxHotRule *r);

const char *mx_hot_state_str(MxHotState s);

#endif
