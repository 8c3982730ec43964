/*
 * qemu-mx: IO QoS, the part shared by every copy engine (docs/mx/io-qos.md):
 * a "target" is the set of device BlockBackends on one node that a copy
 * (a mirror job, or legacy block migration of one drive) is racing.  It
 * takes the controller's verdicts (block/mx-ioqos.c), applies the write
 * limit with the block layer's throttle groups, restores the user's own
 * limits exactly when the copy ends, and keeps the statistics of
 * query-migrate's block-qos list.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef BLOCK_MX_IOQOS_APPLY_H
#define BLOCK_MX_IOQOS_APPLY_H

#include "block/mx-ioqos.h"

typedef struct MxIoqosTarget MxIoqosTarget;

/* Where the parameters come from (the migration parameters block-qos-*) */
typedef void MxIoqosConfigFn(MxIoqosConfig *cfg);
void mx_ioqos_set_config_source(MxIoqosConfigFn *fn);
void mx_ioqos_get_config(MxIoqosConfig *cfg);

/*
 * Whether an outgoing migration runs (its RAM is being copied, the
 * switchover comes next): the mirror path's tail mode (block-qos-tail).
 * False where no source is set (the tools).  Any thread.
 */
typedef bool MxIoqosMigratingFn(void);
void mx_ioqos_set_migrating_source(MxIoqosMigratingFn *fn);
bool mx_ioqos_migrating(void);

/* Statistics of one copy, running or finished */
typedef struct MxIoqosJobStats {
    char job_id[64];
    char device[64];
    bool active;            /* the copy still runs */
    uint64_t limit;         /* write bytes/s now; 0: none */
    uint64_t steps;
    uint64_t tail_steps;    /* of the steps, those of tail mode */
    uint64_t pace_steps;    /* of the steps, those of the pace rule */
    int64_t throttled_ns;
    uint64_t backlog;       /* at the last decision */
} MxIoqosJobStats;

/*
 * Copy out the statistics of the copies the controller ran for (at most
 * @max, the running ones and the last finished ones); returns how many.
 */
int mx_ioqos_get_stats(MxIoqosJobStats *out, int max);

/*
 * A copy starts: @id names it (a job id, "block-migration"), @device the
 * node it copies (for statistics and events); the limit goes to the device
 * BlockBackends whose root is @top.  Any thread.
 */
MxIoqosTarget *mx_ioqos_target_new(const char *id, const char *device,
                                   BlockDriverState *top);

/*
 * One tick of the controller for @t: @s carries backlog, copied, written
 * and ready (its time is set here).  When the controller decides (not
 * MX_IOQOS_WAIT): trace it, update the statistics, and when the limit
 * changed, apply it (from a bottom half in the main loop) and send the
 * BLOCK_IO_QOS event.  Any thread.
 */
void mx_ioqos_target_step(MxIoqosTarget *t, MxIoqosState *st, MxIoqosSample *s);

/*
 * The copy stops deciding: the limit comes off (st->limit set to 0, its
 * time counted, a "job-end" event if it was on).  Any thread; idempotent.
 */
void mx_ioqos_target_stop(MxIoqosTarget *t, MxIoqosState *st);

/*
 * The copy ended (completed, cancelled, failed, QEMU quits): the user's
 * own limits back, exactly; the statistics move to the finished list;
 * frees @t.  Main loop (BQL held).
 */
void mx_ioqos_target_finish(MxIoqosTarget *t, MxIoqosState *st);

#endif
