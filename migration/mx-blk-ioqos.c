/*
 * qemu-mx: IO QoS on legacy block migration (docs/mx/io-qos.md).
 *
 * Once the bulk phase is over, block migration's dirty passes copy what the
 * guest dirtied since.  When the guest dirties a drive faster than the
 * migration drains it, its dirty backlog does not shrink and the migration
 * never converges.  Each time the migration asks how much is pending, this
 * feeds the drive's backlog (its dirty bitmap), the bytes the dirty phase
 * sent for it, and the bytes the guest dirtied (backlog growth + bytes
 * sent, in chunks of the migration's block size) to the controller of
 * block/mx-ioqos.c, which decides once a second; block/mx-ioqos-apply.c
 * puts its write limit on the drive's device BlockBackends and restores the
 * user's own limits, exactly, when the drive leaves block migration
 * (completed, failed, cancelled).
 *
 * The copy counts as "ready" (the controller may raise and take the limit
 * off once the backlog stays small) from the end of the bulk phase.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/timer.h"
#include "block/block.h"
#include "block/mx-ioqos-apply.h"
#include "mx-blk-ioqos.h"

#define MX_BLK_IOQOS_ID "block-migration"

struct MxBlkIoqos {
    MxIoqosTarget *target;
    MxIoqosState st;
    uint64_t sent;          /* atomic: dirty-phase bytes sent */
    bool started;           /* the dirty phase began */
    uint64_t base;          /* backlog when it began */
    uint64_t written;       /* dirtied so far (never goes back) */
};

MxBlkIoqos *mx_blk_ioqos_new(BlockDriverState *bs, const char *name)
{
    MxBlkIoqos *q = g_new0(MxBlkIoqos, 1);

    mx_ioqos_init(&q->st);
    q->target = mx_ioqos_target_new(MX_BLK_IOQOS_ID, name, bs);
    return q;
}

void mx_blk_ioqos_sent(MxBlkIoqos *q, uint64_t bytes)
{
    if (q) {
        qatomic_add(&q->sent, bytes);
    }
}

void mx_blk_ioqos_tick(MxBlkIoqos *q, uint64_t dirty, bool bulk_done)
{
    MxIoqosSample s;

    if (!q || !bulk_done) {
        return;
    }
    if (!q->started) {
        q->started = true;
        q->base = dirty;
        qatomic_set(&q->sent, 0);
    }
    s.backlog = dirty;
    s.copied = qatomic_read(&q->sent);
    /*
     * what the guest dirtied: what is left + what went out - the start
     * (blocks being read count in neither for a moment: never go back)
     */
    if (dirty + s.copied > q->base + q->written) {
        q->written = dirty + s.copied - q->base;
    }
    s.written = q->written;
    s.ready = true;
    /*
     * Not the mirror's tail mode: here the copy is the migration itself,
     * whose own convergence check decides the switchover.
     */
    s.migrating = false;
    mx_ioqos_target_step(q->target, &q->st, &s);
}

void mx_blk_ioqos_finish(MxBlkIoqos *q)
{
    if (!q) {
        return;
    }
    mx_ioqos_target_finish(q->target, &q->st);
    g_free(q);
}
