/*
 * qemu-mx: the staged CPU throttle policy (docs/mx/cpu-throttle.md), on its
 * own: no migration state and no clock of its own, so that a unit test can
 * drive it with a fake clock (tests/unit/test-mx-throttle.c).
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIGRATION_MX_THROTTLE_H
#define MIGRATION_MX_THROTTLE_H

#include "qemu/timer.h"

/*
 * Enter throttling once the dirty rate changed (trigger dirty-rate), or the
 * dirty RAM left shrank (trigger remaining), by less than this share ...
 */
#define MX_THR_STABLE           0.05
/* ... or once it stayed too high for this many rounds in a row */
#define MX_THR_HIGH_ROUNDS      4
/* Direct throttling when the remaining RAM takes less than this to send */
#define MX_THR_DIRECT_NS        ((int64_t)5 * NANOSECONDS_PER_SECOND)
/* Direct throttling: this level, then the second, each for MX_THR_STEP_NS */
#define MX_THR_DIRECT_PCT1      90
#define MX_THR_DIRECT_PCT2      99
#define MX_THR_STEP_NS          ((int64_t)3 * NANOSECONDS_PER_SECOND)
/* Staged throttling aims at a dirty rate of this share of the bandwidth */
#define MX_THR_TARGET           0.2
/* Below this run fraction, a measured dirty rate says too little */
#define MX_THR_MIN_RUN          0.01

/* When to start throttling; same order as QAPI's CpuThrottleTrigger */
typedef enum {
    MX_THR_TRIG_RATE,       /* dirty rate within MX_THR_STABLE */
    MX_THR_TRIG_REMAINING,  /* remaining shrank by less than MX_THR_STABLE */
    /* the first round above the share (two if < MX_THR_DIRECT_NS left) */
    MX_THR_TRIG_FIRST_HIGH,
    MX_THR_TRIG__MAX,
} MxThrTrigger;

/* Same order as QAPI's CpuThrottlePhase */
typedef enum {
    MX_THR_OFF,
    MX_THR_DIRECT,
    MX_THR_STAGED,
    MX_THR_CAP,
    MX_THR_FORCE,           /* force-requested */
    MX_THR__MAX,
} MxThrPhase;

/* Why the last step decided what it did (for the trace) */
typedef enum {
    MX_THR_WHY_NONE,        /* nothing to decide */
    MX_THR_WHY_CONVERGING,  /* dirty rate below the trigger share of bw */
    MX_THR_WHY_UNSTABLE,    /* dirty rate still changing by >= 5% */
    MX_THR_WHY_DIRECT,      /* triggered, remaining < 5 s of bandwidth */
    MX_THR_WHY_STAGED,      /* triggered, more left: staged */
    MX_THR_WHY_DIRECT_STEP, /* direct: first level over, second level */
    MX_THR_WHY_DIRECT_DONE, /* direct over without a switchover: staged */
    MX_THR_WHY_STEP,        /* staged: the formula's new level */
    MX_THR_WHY_HOLD,        /* staged: formula not above the current level */
    MX_THR_WHY_CAP,         /* formula at or above the cap: cap */
    MX_THR_WHY_CAP_OVER,    /* cap held long enough: force requested */
    MX_THR_WHY_FORCE_NOW,   /* long enough at the cap: switch over now */
    MX_THR_WHY_SHRINKING,   /* remaining still shrinking by >= 5% */
    MX_THR_WHY_DRAIN,       /* triggered, more left: staged, drain step */
    MX_THR_WHY_CONFIRM,     /* first-high, little left: wait for a second */
    MX_THR_WHY__MAX,
} MxThrWhy;

typedef struct MxThrConfig {
    int max_pct;            /* the cap: max-cpu-throttle, 1..99 */
    int trigger_pct;        /* throttle-trigger-threshold, 1..100 */
    int64_t cap_ns;         /* how long the cap may be held */
    int64_t force_ns;       /* switch over after this long at cap; 0 never */
    MxThrTrigger trigger;
    int64_t downtime_ns;    /* downtime-limit: the switchover's budget */
} MxThrConfig;

/* One sync round's measurements, in raw bytes of RAM */
typedef struct MxThrInput {
    int64_t now;            /* ns, monotonic */
    double dirty_rate;      /* bytes/s dirtied during the round */
    double bandwidth;       /* bytes/s of RAM moved during the round */
    uint64_t remaining;     /* dirty bytes left after the round's sync */
} MxThrInput;

typedef struct MxThrottle {
    MxThrPhase phase;
    int pct;                /* throttle to apply, 0 (none) .. 99 */
    int64_t phase_start;
    int64_t cap_start;      /* when the cap was reached */
    int64_t spent[MX_THR__MAX];
    unsigned seen;          /* bit per phase entered */
    MxThrPhase order[MX_THR__MAX];  /* phases in order of first entry */
    int norder;
    int64_t last;           /* time accounted up to here */
    /* trigger */
    bool have_prev;
    double prev_rate;
    uint64_t prev_remaining;
    int high_rounds;
    /* share of the round the vCPUs ran: integral of (1 - pct/100) dt */
    double run_ns;
    int64_t round_start;
    double full_rate;       /* dirty rate estimated without throttle */
    double bandwidth;       /* the last round's */
    double dirty_rate;      /* the last round's */
    uint64_t remaining;     /* the last round's */
    int below_cap;          /* last level applied below the cap */
    bool force;             /* switch over now */
    MxThrWhy why;
} MxThrottle;

/* Start of a migration at @now: off, nothing measured. */
void mx_thr_init(MxThrottle *t, int64_t now);

/*
 * Once per sync round: feed the round's measurements.  Returns true when
 * the phase or the throttle changed (t->phase, t->pct; t->why says why).
 */
bool mx_thr_round(MxThrottle *t, const MxThrConfig *c, const MxThrInput *in);

/*
 * As often as convenient (each migration iteration): the timed steps of
 * the direct and cap phases.  Returns true when the phase or the throttle
 * changed; t->force becomes true when the switchover must happen now.
 */
bool mx_thr_tick(MxThrottle *t, const MxThrConfig *c, int64_t now);

/* End of the migration: off, and the time accounted. */
void mx_thr_stop(MxThrottle *t, int64_t now);

/* Time spent in @p so far, in seconds (including the current stretch). */
double mx_thr_seconds(const MxThrottle *t, MxThrPhase p, int64_t now);

/*
 * The staged formula: the throttle (0..100, may exceed the cap) that brings
 * a guest dirtying @full_rate when unthrottled down to MX_THR_TARGET of
 * @bandwidth.
 */
int mx_thr_staged_pct(double full_rate, double bandwidth);

/*
 * The first staged step, the drain step: the throttle (0..100, may exceed
 * the cap) at which a guest dirtying @full_rate when unthrottled dirties
 * no more than the switchover's budget (@bandwidth x @downtime_ns) while
 * @remaining bytes drain at @bandwidth.
 */
int mx_thr_drain_pct(double full_rate, double bandwidth, uint64_t remaining,
                     int64_t downtime_ns);

const char *mx_thr_phase_str(MxThrPhase p);
const char *mx_thr_why_str(MxThrWhy w);

#endif
