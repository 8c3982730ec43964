/*
 * qemu-mx: IO QoS on a mirror job (docs/mx/io-qos.md): feeds the
 * controller of block/mx-ioqos.c from block/mirror.c; block/mx-ioqos-apply.c
 * applies its write limit to the BlockBackends of the mirrored device with
 * the block layer's throttling and restores the user's own limits when the
 * job ends.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef BLOCK_MX_IOQOS_MIRROR_H
#define BLOCK_MX_IOQOS_MIRROR_H

#include "block/mx-ioqos-apply.h"

typedef struct BlockJob BlockJob;
typedef struct MxIoqosJob MxIoqosJob;

/* mirror_run(), before its loop: NULL when the job is not a mirror */
MxIoqosJob *mx_ioqos_job_start(BlockJob *job, BlockDriverState *top);
/* the mirror's top filter: a guest write of @bytes */
void mx_ioqos_job_note_write(MxIoqosJob *j, uint64_t bytes);
/* each round of mirror_run()'s loop */
void mx_ioqos_job_tick(MxIoqosJob *j, uint64_t backlog, bool ready);
/* mirror_run() returns: the limit comes off */
void mx_ioqos_job_stop(MxIoqosJob *j);
/* mirror_exit_common(): the user's own limits back, exactly; frees @j */
void mx_ioqos_job_finish(MxIoqosJob *j);

#endif
