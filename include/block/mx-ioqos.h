/*
 * qemu-mx: IO QoS for storage migration (docs/mx/io-qos.md).
 *
 * The controller on its own: no block layer state and no clock of its own,
 * so that a unit test drives it with a fake clock (tests/unit/test-mx-ioqos.c)
 * and any copy engine can feed it.  block/mx-ioqos-mirror.c feeds it from a
 * mirror job (drive-mirror / blockdev-mirror, the path of libvirt's
 * --copy-storage-all); the legacy block migration path can feed the same
 * function from its dirty passes later.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef BLOCK_MX_IOQOS_H
#define BLOCK_MX_IOQOS_H

/* One decision per period of this length */
#define MX_IOQOS_PERIOD_NS      1000000000LL
/* Periods in a row without a clear shrink before a limit is put on */
#define MX_IOQOS_PATIENCE       2
/* Calm periods (backlog small) before the limit is raised one step */
#define MX_IOQOS_CALM           3
/* At most 2^this times MX_IOQOS_CALM periods between two raises */
#define MX_IOQOS_BACKOFF_MAX    4
/* "Small" backlog: what the copy drains in 1/MX_IOQOS_SMALL_DIV s ... */
#define MX_IOQOS_SMALL_DIV      4
/* ... but at least this much */
#define MX_IOQOS_SMALL_MIN      (4ULL << 20)
/* "Clearly shrunk": by at least 1/MX_IOQOS_CLEAR_DIV of the bytes copied */
#define MX_IOQOS_CLEAR_DIV      8
/*
 * Tail mode (block-qos-tail): while an outgoing migration runs, a READY
 * copy's backlog is kept within what the copy drains in tail_ms at its
 * capacity (the copy rate of the last period it was busy: backlog above
 * 1/MX_IOQOS_SMALL_DIV s of copy), but at least this much (what is left
 * when the guest stops is downtime)
 */
#define MX_IOQOS_TAIL_MIN       (1ULL << 20)

/* Parameter ranges and defaults (migration parameters block-qos-*) */
#define MX_IOQOS_FLOOR_MIN      (64ULL << 10)
#define MX_IOQOS_FLOOR_MAX      (1ULL << 40)
#define MX_IOQOS_FLOOR_DEFAULT  (2ULL << 20)
#define MX_IOQOS_STEP_MIN       1
#define MX_IOQOS_STEP_MAX       90
#define MX_IOQOS_STEP_DEFAULT   25
#define MX_IOQOS_TAIL_MAX       1000
#define MX_IOQOS_TAIL_DEFAULT   100
#define MX_IOQOS_SLOWDOWN_MAX   1000
#define MX_IOQOS_SLOWDOWN_DEFAULT 10

typedef struct MxIoqosConfig {
    bool enabled;
    uint64_t floor;         /* bytes/s, the lowest write limit */
    unsigned step;          /* percent the limit drops per step */
    unsigned tail_ms;       /* tail mode bound, ms of copy; 0: off */
    unsigned slowdown;      /* pace rule: before READY the guest's writes
                             * may make the copy this many percent longer
                             * than without them; 0: off */
} MxIoqosConfig;

/* One measurement; the byte counts run on from the start of the job */
typedef struct MxIoqosSample {
    int64_t now;            /* ns, any monotonic clock */
    uint64_t backlog;       /* bytes dirty in the job's bitmap + in flight */
    uint64_t copied;        /* bytes the job copied so far */
    uint64_t written;       /* bytes the guest wrote so far */
    bool ready;             /* the job reached READY */
    bool migrating;         /* an outgoing migration runs (RAM is being
                             * copied, the switchover comes next) */
} MxIoqosSample;

typedef enum MxIoqosVerdict {
    MX_IOQOS_WAIT,          /* no period ended: nothing decided */
    MX_IOQOS_QUIET,         /* no limit, none needed */
    MX_IOQOS_WATCH,         /* no limit; the backlog did not clearly shrink */
    MX_IOQOS_ENGAGE,        /* a limit is put on */
    MX_IOQOS_STEP,          /* the limit goes down one step */
    MX_IOQOS_FLOOR,         /* would step, but the limit is at the floor */
    MX_IOQOS_HOLD,          /* the backlog shrinks: limit kept */
    MX_IOQOS_RAISE,         /* calm for a while: the limit goes up one step */
    MX_IOQOS_RELEASE,       /* the limit is taken off */
    MX_IOQOS_PACE,          /* pace rule (before READY): a limit goes on or
                             * down, so that the copy takes at most
                             * slowdown% longer than without the guest */
    MX_IOQOS__MAX,
} MxIoqosVerdict;

typedef struct MxIoqosState {
    bool started;
    int64_t period_start;
    uint64_t period_backlog;
    uint64_t period_copied;
    uint64_t period_written;
    uint64_t limit;         /* write bytes/s; 0: no limit */
    uint64_t demand;        /* guest write rate when the limit went on */
    unsigned strikes;       /* periods in a row without a clear shrink */
    unsigned calm;          /* periods in a row with a small backlog */
    unsigned backoff;       /* raises that failed since the limit went on */
    bool raised;            /* the last change was a raise */
    /* statistics */
    uint64_t steps;         /* limit changes (engage, step, raise, release) */
    int64_t throttled_ns;   /* time with a limit on */
    uint64_t tail_steps;    /* of the steps, those taken in tail mode */
    uint64_t pace_steps;    /* of the steps, those of the pace rule */
    uint64_t capacity;      /* bytes/s the copy drained when last busy */
    bool tail;              /* the last decision was in tail mode */
    /* figures of the last period, for traces and stats */
    uint64_t copy_rate;     /* bytes/s */
    uint64_t write_rate;    /* bytes/s */
    int64_t shrink;         /* bytes the backlog fell (negative: grew) */
    uint64_t small;         /* the "small backlog" bound used (in tail
                             * mode: the tail bound) */
    uint64_t pace_bound;    /* bytes the guest may dirty afresh in the
                             * period (pace rule; 0: not applied) */
} MxIoqosState;

void mx_ioqos_init(MxIoqosState *st);

/*
 * Feed one sample; returns the verdict, st->limit is the write limit to
 * apply from now on (0: none).  Call it as often as convenient: it decides
 * once per MX_IOQOS_PERIOD_NS and returns MX_IOQOS_WAIT in between.
 */
MxIoqosVerdict mx_ioqos_decide(MxIoqosState *st, const MxIoqosConfig *cfg,
                               const MxIoqosSample *s);

const char *mx_ioqos_verdict_str(MxIoqosVerdict v);

#endif
