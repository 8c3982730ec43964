/*
 * qemu-mx: IO QoS on a mirror job (docs/mx/io-qos.md).
 *
 * mirror_run() feeds each round of its loop in: the job's dirty backlog,
 * whether it is READY, and (from the job's progress and the guest writes its
 * top filter counted) the bytes copied and written.  The controller
 * (block/mx-ioqos.c) answers once per period with a write limit, which
 * block/mx-ioqos-apply.c puts on the BlockBackends of the mirrored device.
 * When the job ends (mirror_exit_common(): completed, cancelled, failed, or
 * cancelled because QEMU quits) the user's configurations come back,
 * exactly as they were.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/timer.h"
#include "qemu/progress_meter.h"
#include "block/block_int.h"
#include "block/blockjob_int.h"
#include "block/mx-ioqos-mirror.h"

struct MxIoqosJob {
    BlockJob *job;
    MxIoqosTarget *target;
    MxIoqosState st;
    uint64_t written;       /* guest write bytes (job's thread) */
    bool stopped;
};

MxIoqosJob *mx_ioqos_job_start(BlockJob *job, BlockDriverState *top)
{
    MxIoqosJob *j;
    BlockDriverState *src = top->backing ? top->backing->bs : NULL;

    if (job_type(&job->job) != JOB_TYPE_MIRROR) {
        return NULL;
    }
    j = g_new0(MxIoqosJob, 1);
    j->job = job;
    mx_ioqos_init(&j->st);
    j->target = mx_ioqos_target_new(job->job.id,
                                    src ? bdrv_get_node_name(src) : "", top);
    return j;
}

void mx_ioqos_job_note_write(MxIoqosJob *j, uint64_t bytes)
{
    if (j) {
        qatomic_add(&j->written, bytes);
    }
}

void mx_ioqos_job_tick(MxIoqosJob *j, uint64_t backlog, bool ready)
{
    MxIoqosSample s;
    uint64_t total;

    if (!j || j->stopped) {
        return;
    }
    s.backlog = backlog;
    progress_get_snapshot(&j->job->job.progress, &s.copied, &total);
    s.written = qatomic_read(&j->written);
    s.ready = ready;
    /* libvirt migrates RAM once every mirror is READY: the switchover is near */
    s.migrating = mx_ioqos_migrating();
    mx_ioqos_target_step(j->target, &j->st, &s);
}

void mx_ioqos_job_stop(MxIoqosJob *j)
{
    if (!j || j->stopped) {
        return;
    }
    j->stopped = true;
    mx_ioqos_target_stop(j->target, &j->st);
}

void mx_ioqos_job_finish(MxIoqosJob *j)
{
    if (!j) {
        return;
    }
    j->stopped = true;
    mx_ioqos_target_finish(j->target, &j->st);
    g_free(j);
}
