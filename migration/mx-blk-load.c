/*
 * qemu-mx: several dirty-run writes in flight on the destination of
 * legacy block migration.
 *
 * Stock block_load() writes each record before it reads the next, and a
 * drive opened with cache=none takes a disk round trip per write.  With
 * 4 KiB dirty tracking the last pass carries thousands of small runs, and
 * while the destination writes them one by one both QEMUs sit idle with
 * the guest stopped: that is most of the downtime
 * (docs/mx/blk-dirty-runs.md).  Here each run is written by a coroutine
 * of its own, up to blk-load-depth at once and MX_BLK_LOAD_MAX_BYTES of
 * data, while the stream goes on being read.  A later run of the same
 * bytes waits for the earlier write (mx-blk-load-rule.c), so the disk ends
 * as the source sent it; block_load() waits for all of them before it
 * returns, so every section's data is on the disk when the next section
 * (RAM, or the end of the migration) is loaded.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/coroutine.h"
#include "migration.h"
#include "mx-blk-load.h"
#include "mx-blk-load-rule.h"
#include "trace.h"

typedef struct MxBlkLoadWrite {
    BlockBackend *blk;
    int64_t offset;
    uint64_t len;
    uint8_t *buf;               /* NULL: zeroes */
} MxBlkLoadWrite;

static struct {
    /* the writes in flight; busy[i] is owner[i]'s range */
    MxBlkLoadRange busy[MX_BLK_LOAD_DEPTH_MAX];
    MxBlkLoadWrite *owner[MX_BLK_LOAD_DEPTH_MAX];
    unsigned n;
    int error;                  /* the first failed write's */
    CoQueue waiters;            /* the loading coroutine, waiting for a slot */
    bool init;
    /* since the last drain, for its trace */
    uint64_t writes, waits[MX_BLK_LOAD_WAIT_BYTES + 1];
    unsigned max_n;
} mx_bl;

unsigned mx_blk_load_depth(void)
{
    return migrate_get_current()->parameters.blk_load_depth;
}

static int mx_blk_load_now(MxBlkLoadWrite *w)
{
    int ret = w->buf ? blk_pwrite(w->blk, w->offset, w->len, w->buf, 0)
                     : blk_pwrite_zeroes(w->blk, w->offset, w->len,
                                         BDRV_REQ_MAY_UNMAP);

    g_free(w->buf);
    g_free(w);
    return ret < 0 ? ret : 0;
}

static void coroutine_fn mx_blk_load_co(void *opaque)
{
    MxBlkLoadWrite *w = opaque;
    unsigned i;
    int ret;

    ret = w->buf ? blk_co_pwrite(w->blk, w->offset, w->len, w->buf, 0)
                 : blk_co_pwrite_zeroes(w->blk, w->offset, w->len,
                                        BDRV_REQ_MAY_UNMAP);
    if (ret < 0 && !mx_bl.error) {
        mx_bl.error = ret;
    }
    for (i = 0; i < mx_bl.n && mx_bl.owner[i] != w; i++) {
        /* find its slot */
    }
    assert(i < mx_bl.n);
    mx_bl.n--;
    mx_bl.busy[i] = mx_bl.busy[mx_bl.n];
    mx_bl.owner[i] = mx_bl.owner[mx_bl.n];
    trace_mx_blk_load_done(w->offset, w->len, ret < 0 ? ret : 0, mx_bl.n);
    g_free(w->buf);
    g_free(w);
    qemu_co_queue_restart_all(&mx_bl.waiters);
}

int mx_blk_load_write(BlockBackend *blk, int64_t offset, uint64_t len,
                      uint8_t *buf)
{
    MxBlkLoadWrite *w = g_new(MxBlkLoadWrite, 1);
    unsigned depth = MIN(mx_blk_load_depth(), MX_BLK_LOAD_DEPTH_MAX);
    MxBlkLoadVerdict v;
    Coroutine *co;

    *w = (MxBlkLoadWrite) { blk, offset, len, buf };
    if (depth <= 1 || !qemu_in_coroutine()) {
        int ret = mx_blk_load_drain();

        return ret < 0 ? ret : mx_blk_load_now(w);
    }
    if (!mx_bl.init) {
        qemu_co_queue_init(&mx_bl.waiters);
        mx_bl.init = true;
    }
    while ((v = mx_blk_load_verdict(mx_bl.busy, mx_bl.n, depth, blk, offset,
                                    len)) != MX_BLK_LOAD_START) {
        mx_bl.waits[v]++;
        trace_mx_blk_load_wait(mx_blk_load_verdict_name(v), mx_bl.n,
                               mx_blk_load_busy_bytes(mx_bl.busy, mx_bl.n),
                               offset, len);
        qemu_co_queue_wait(&mx_bl.waiters, NULL);
    }
    if (mx_bl.error) {
        g_free(w->buf);
        g_free(w);
        return mx_bl.error;
    }
    mx_bl.busy[mx_bl.n] = (MxBlkLoadRange) { blk, offset, len };
    mx_bl.owner[mx_bl.n] = w;
    mx_bl.n++;
    mx_bl.writes++;
    mx_bl.max_n = MAX(mx_bl.max_n, mx_bl.n);
    co = qemu_coroutine_create(mx_blk_load_co, w);
    qemu_coroutine_enter(co);
    return 0;
}

int mx_blk_load_drain(void)
{
    int ret;

    while (mx_bl.n) {
        /* only a coroutine can have started writes */
        qemu_co_queue_wait(&mx_bl.waiters, NULL);
    }
    ret = mx_bl.error;
    if (mx_bl.writes) {
        trace_mx_blk_load_drained(mx_bl.writes,
                                  mx_bl.waits[MX_BLK_LOAD_WAIT_OVERLAP],
                                  mx_bl.waits[MX_BLK_LOAD_WAIT_DEPTH],
                                  mx_bl.waits[MX_BLK_LOAD_WAIT_BYTES],
                                  mx_bl.max_n, ret);
    }
    mx_bl.error = 0;
    mx_bl.writes = 0;
    mx_bl.max_n = 0;
    memset(mx_bl.waits, 0, sizeof(mx_bl.waits));
    return ret;
}

int mx_blk_load_finish(int ret)
{
    int wret = mx_blk_load_drain();

    return ret < 0 ? ret : wret;
}
