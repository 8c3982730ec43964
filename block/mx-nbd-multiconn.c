/*
 * qemu-mx: NBD client multi-conn.
 *
 * When the server advertises NBD_FLAG_CAN_MULTI_CONN, an nbd node opens
 * further connections to the same export, each one an internal nbd node
 * (mx-connections=1) attached as a child "mx-connN", and spreads its data
 * requests over its own connection and those, as the pure rule in
 * mx-nbd-multiconn-policy.c picks.  The children live in the node's
 * AioContext, follow it when it moves, are drained with it and closed with
 * it; each keeps 7.2's own reconnect logic.
 *
 * Flush: with multi-conn the server promises that a flush on any one
 * connection covers every write completed (replied to) on any connection
 * before the flush was sent.  The block layer asks a flush to cover the
 * writes completed before it was issued, so one NBD_CMD_FLUSH on one
 * connected connection after those replies is exactly what is needed; the
 * generic per-child flush recursion is skipped (the driver's flush is
 * .bdrv_co_flush), which would also skip children that had no writes.
 *
 * A request that fails because its connection went down (the connection
 * is no longer connected afterwards) is sent again on another connection:
 * a read or a write of the same data at the same place is idempotent, as
 * 7.2's own reconnect resends requests.  A server error on a live
 * connection is returned as is.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qapi/qmp/qdict.h"
#include "qapi/qmp/qnum.h"
#include "qapi/qmp/qstring.h"
#include "qemu/cutils.h"
#include "qemu/thread.h"
#include "qemu/timer.h"
#include "block/block_int.h"
#include "block/nbd.h"
#include "block/mx-nbd-multiconn.h"
#include "mx-nbd-multiconn-policy.h"
#include "trace.h"

/* an extra connection that cannot negotiate within this is given up */
#define MX_NBD_MC_OPEN_TIMEOUT_S 2

typedef struct MxNbdMcStats {
    uint64_t requests;
    uint64_t bytes;
    uint64_t failed;        /* failed because the connection went down */
} MxNbdMcStats;

struct MxNbdMc {
    const MxNbdMcOwnOps *own;
    QDict *opts;                    /* for the extra connections */
    unsigned param;                 /* mx-connections */
    unsigned n;                     /* connections: 0 own, 1.. children */
    BdrvChild *child[MX_NBD_MC_MAX];
    QemuMutex lock;                 /* protects conn[], cursor, stats[] */
    MxNbdMcConn conn[MX_NBD_MC_MAX];
    MxNbdMcStats stats[MX_NBD_MC_MAX];
    unsigned cursor;
};

typedef enum MxNbdMcOp {
    MX_NBD_MC_READ,
    MX_NBD_MC_WRITE,
    MX_NBD_MC_ZERO,
    MX_NBD_MC_DISCARD,
} MxNbdMcOp;

static const char *const mx_nbd_mc_op_str[] = {
    "read", "write", "write-zeroes", "discard",
};

static MxNbdMc *mc_of(BlockDriverState *bs)
{
    return *nbd_mx_mc_slot(bs);
}

static BlockDriverState *mc_conn_bs(BlockDriverState *bs, MxNbdMc *mc,
                                    unsigned i)
{
    return i ? mc->child[i]->bs : bs;
}

static bool mc_parse_param(QDict *options, unsigned *param, Error **errp)
{
    QObject *v = qdict_get(options, "mx-connections");
    uint64_t val = 0;

    if (!v) {
        *param = mx_nbd_mc_default_connections();
        if (*param > MX_NBD_MC_MAX) {
            error_setg(errp, "migration property mx-nbd-connections (-global "
                       "migration.mx-nbd-connections) must be between 0 "
                       "(automatic) and %u", MX_NBD_MC_MAX);
            return false;
        }
        return true;
    }
    if (qobject_type(v) == QTYPE_QNUM) {
        if (!qnum_get_try_uint(qobject_to(QNum, v), &val)) {
            val = UINT64_MAX;
        }
    } else if (qobject_type(v) == QTYPE_QSTRING) {
        if (qemu_strtou64(qstring_get_str(qobject_to(QString, v)), NULL, 0,
                          &val) < 0) {
            val = UINT64_MAX;
        }
    } else {
        val = UINT64_MAX;
    }
    if (val > MX_NBD_MC_MAX) {
        error_setg(errp, "mx-connections must be between 0 (automatic) and "
                   "%u (1: one connection, as stock QEMU)", MX_NBD_MC_MAX);
        return false;
    }
    *param = val;
    qdict_del(options, "mx-connections");
    return true;
}

bool mx_nbd_mc_init(BlockDriverState *bs, const MxNbdMcOwnOps *own,
                    QDict *options, Error **errp)
{
    MxNbdMc *mc;
    unsigned param;

    if (!mc_parse_param(options, &param, errp)) {
        return false;
    }
    mc = g_new0(MxNbdMc, 1);
    mc->own = own;
    mc->param = param;
    mc->n = 1;
    mc->conn[0].up = true;
    mc->opts = qdict_clone_shallow(options);
    qemu_mutex_init(&mc->lock);
    *nbd_mx_mc_slot(bs) = mc;
    return true;
}

static BdrvChild *mc_open_one(BlockDriverState *bs, MxNbdMc *mc, unsigned i,
                              int flags, Error **errp)
{
    QDict *o = qdict_clone_shallow(mc->opts);
    BlockDriverState *cbs;
    g_autofree char *name = g_strdup_printf("mx-conn%u", i);

    qdict_put_str(o, "driver", "nbd");
    qdict_put_int(o, "mx-connections", 1);
    qdict_put_int(o, "open-timeout", MX_NBD_MC_OPEN_TIMEOUT_S);
    qdict_put_bool(o, "read-only", !(flags & BDRV_O_RDWR));
    qdict_put_str(o, "discard", (flags & BDRV_O_UNMAP) ? "unmap" : "ignore");

    cbs = bdrv_open(NULL, NULL, o, flags & BDRV_O_RDWR, errp);
    if (!cbs) {
        return NULL;
    }
    return bdrv_attach_child(bs, cbs, name, &child_of_bds, BDRV_CHILD_DATA,
                             errp);
}

void mx_nbd_mc_connect(BlockDriverState *bs, int flags, uint16_t server_flags,
                       bool addr_reusable)
{
    MxNbdMc *mc = mc_of(bs);
    MxNbdMcCountWhy why;
    unsigned want, i;

    want = mx_nbd_mc_count(mc->param,
                           server_flags & NBD_FLAG_CAN_MULTI_CONN,
                           addr_reusable, &why);
    trace_mx_nbd_mc_count(bs->node_name, mc->param,
                          !!(server_flags & NBD_FLAG_CAN_MULTI_CONN), want,
                          mx_nbd_mc_count_why_str(why));
    for (i = 1; i < want; i++) {
        Error *err = NULL;
        BdrvChild *c = mc_open_one(bs, mc, i, flags, &err);

        if (!c) {
            /* the server may cap its connections: keep what we have */
            trace_mx_nbd_mc_conn_failed(bs->node_name, i,
                                        error_get_pretty(err));
            error_free(err);
            break;
        }
        mc->child[i] = c;
        mc->conn[i].up = true;
        mc->n = i + 1;
        trace_mx_nbd_mc_conn_open(bs->node_name, i, c->bs->node_name);
    }
    qobject_unref(mc->opts);
    mc->opts = NULL;
}

void mx_nbd_mc_close(BlockDriverState *bs)
{
    MxNbdMc *mc = mc_of(bs);
    unsigned i;

    if (!mc) {
        return;
    }
    for (i = 0; i < mc->n; i++) {
        trace_mx_nbd_mc_stats(bs->node_name, i, mc->stats[i].requests,
                              mc->stats[i].bytes, mc->stats[i].failed);
    }
    for (i = 1; i < mc->n; i++) {
        bdrv_unref_child(bs, mc->child[i]);
        mc->child[i] = NULL;
    }
    qobject_unref(mc->opts);
    qemu_mutex_destroy(&mc->lock);
    g_free(mc);
    *nbd_mx_mc_slot(bs) = NULL;
}

void mx_nbd_mc_cancel_in_flight(BlockDriverState *bs)
{
    MxNbdMc *mc = mc_of(bs);
    unsigned i;

    for (i = 1; mc && i < mc->n; i++) {
        bdrv_cancel_in_flight(mc->child[i]->bs);
    }
}

void mx_nbd_mc_gather_child_options(BlockDriverState *bs, QDict *target,
                                    bool backing_overridden)
{
    /* nothing: mx-connN children are opened by the node itself */
}

static int coroutine_fn mc_do(BlockDriverState *bs, MxNbdMc *mc, unsigned i,
                              MxNbdMcOp op, int64_t offset, int64_t bytes,
                              QEMUIOVector *qiov, BdrvRequestFlags flags)
{
    if (i == 0) {
        switch (op) {
        case MX_NBD_MC_READ:
            return mc->own->preadv(bs, offset, bytes, qiov, flags);
        case MX_NBD_MC_WRITE:
            return mc->own->pwritev(bs, offset, bytes, qiov, flags);
        case MX_NBD_MC_ZERO:
            return mc->own->pwrite_zeroes(bs, offset, bytes, flags);
        case MX_NBD_MC_DISCARD:
            return mc->own->pdiscard(bs, offset, bytes);
        }
    } else {
        BdrvChild *c = mc->child[i];

        switch (op) {
        case MX_NBD_MC_READ:
            return bdrv_co_preadv(c, offset, bytes, qiov, flags);
        case MX_NBD_MC_WRITE:
            return bdrv_co_pwritev(c, offset, bytes, qiov, flags);
        case MX_NBD_MC_ZERO:
            return bdrv_co_pwrite_zeroes(c, offset, bytes, flags);
        case MX_NBD_MC_DISCARD:
            return bdrv_co_pdiscard(c, offset, bytes);
        }
    }
    g_assert_not_reached();
}

static void mc_refresh_up(BlockDriverState *bs, MxNbdMc *mc)
{
    unsigned i;

    for (i = 0; i < mc->n; i++) {
        mc->conn[i].up = nbd_mx_is_connected(mc_conn_bs(bs, mc, i));
    }
}

static int coroutine_fn mc_route(BlockDriverState *bs, MxNbdMcOp op,
                                 int64_t offset, int64_t bytes,
                                 QEMUIOVector *qiov, BdrvRequestFlags flags)
{
    MxNbdMc *mc = mc_of(bs);
    unsigned attempt;
    int ret;

    if (mc->n == 1) {
        return mc_do(bs, mc, 0, op, offset, bytes, qiov, flags);
    }
    for (attempt = 0; ; attempt++) {
        int64_t now = qemu_clock_get_ns(QEMU_CLOCK_REALTIME);
        MxNbdMcPickWhy why;
        unsigned i;
        bool down, retry;

        qemu_mutex_lock(&mc->lock);
        mc_refresh_up(bs, mc);
        i = mx_nbd_mc_pick(mc->conn, mc->n, &mc->cursor, now, &why);
        mc->conn[i].in_flight++;
        qemu_mutex_unlock(&mc->lock);
        trace_mx_nbd_mc_pick(bs->node_name, mx_nbd_mc_op_str[op], offset,
                             bytes, i, mx_nbd_mc_pick_why_str(why));

        ret = mc_do(bs, mc, i, op, offset, bytes, qiov, flags);

        down = ret < 0 && !nbd_mx_is_connected(mc_conn_bs(bs, mc, i));
        retry = down && attempt + 1 < mc->n;
        qemu_mutex_lock(&mc->lock);
        mc->conn[i].in_flight--;
        if (down) {
            mc->conn[i].up = false;
            mc->conn[i].retry_at_ns = now + MX_NBD_MC_PROBE_NS;
            mc->stats[i].failed++;
        } else {
            mc->stats[i].requests++;
            mc->stats[i].bytes += bytes;
        }
        qemu_mutex_unlock(&mc->lock);
        if (!retry) {
            return ret;
        }
        trace_mx_nbd_mc_retry(bs->node_name, mx_nbd_mc_op_str[op], offset,
                              bytes, i, ret);
    }
}

int coroutine_fn mx_nbd_mc_co_preadv(BlockDriverState *bs, int64_t offset,
                                     int64_t bytes, QEMUIOVector *qiov,
                                     BdrvRequestFlags flags)
{
    return mc_route(bs, MX_NBD_MC_READ, offset, bytes, qiov, flags);
}

int coroutine_fn mx_nbd_mc_co_pwritev(BlockDriverState *bs, int64_t offset,
                                      int64_t bytes, QEMUIOVector *qiov,
                                      BdrvRequestFlags flags)
{
    return mc_route(bs, MX_NBD_MC_WRITE, offset, bytes, qiov, flags);
}

int coroutine_fn mx_nbd_mc_co_pwrite_zeroes(BlockDriverState *bs,
                                            int64_t offset, int64_t bytes,
                                            BdrvRequestFlags flags)
{
    return mc_route(bs, MX_NBD_MC_ZERO, offset, bytes, NULL, flags);
}

int coroutine_fn mx_nbd_mc_co_pdiscard(BlockDriverState *bs, int64_t offset,
                                       int64_t bytes)
{
    return mc_route(bs, MX_NBD_MC_DISCARD, offset, bytes, NULL, 0);
}

int coroutine_fn mx_nbd_mc_co_flush(BlockDriverState *bs)
{
    MxNbdMc *mc = mc_of(bs);
    BlockDriverState *cbs;
    unsigned i;
    int ret;

    if (mc->n == 1) {
        return mc->own->flush(bs);
    }
    qemu_mutex_lock(&mc->lock);
    mc_refresh_up(bs, mc);
    i = mx_nbd_mc_pick_flush(mc->conn, mc->n);
    qemu_mutex_unlock(&mc->lock);
    trace_mx_nbd_mc_flush(bs->node_name, i);
    if (i == 0) {
        return mc->own->flush(bs);
    }
    /*
     * Straight to the child's driver: the generic flush would skip a
     * connection that carried no writes itself, but this one flush must
     * cover the writes completed on all of them.
     */
    cbs = mc->child[i]->bs;
    bdrv_inc_in_flight(cbs);
    ret = cbs->drv->bdrv_co_flush(cbs);
    bdrv_dec_in_flight(cbs);
    return ret;
}
