/*
 * qemu-mx: NBD client multi-conn (several connections to one export).
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef BLOCK_MX_NBD_MULTICONN_H
#define BLOCK_MX_NBD_MULTICONN_H

#include "block/block_int.h"

typedef struct MxNbdMc MxNbdMc;

/* The node's own connection: block/nbd.c's request functions */
typedef struct MxNbdMcOwnOps {
    int coroutine_fn (*preadv)(BlockDriverState *bs, int64_t offset,
                               int64_t bytes, QEMUIOVector *qiov,
                               BdrvRequestFlags flags);
    int coroutine_fn (*pwritev)(BlockDriverState *bs, int64_t offset,
                                int64_t bytes, QEMUIOVector *qiov,
                                BdrvRequestFlags flags);
    int coroutine_fn (*pwrite_zeroes)(BlockDriverState *bs, int64_t offset,
                                      int64_t bytes, BdrvRequestFlags flags);
    int coroutine_fn (*pdiscard)(BlockDriverState *bs, int64_t offset,
                                 int64_t bytes);
    int coroutine_fn (*flush)(BlockDriverState *bs);
} MxNbdMcOwnOps;

/*
 * mx-connections when the node's options have none: the migration property
 * mx-nbd-connections in the system emulator, 0 (automatic) in the tools
 */
unsigned mx_nbd_mc_default_connections(void);

/* Provided by block/nbd.c */
MxNbdMc **nbd_mx_mc_slot(BlockDriverState *bs);
bool nbd_mx_is_connected(BlockDriverState *bs);

/*
 * nbd_open(), before the options are parsed: takes mx-connections out of
 * @options (range-checked) and keeps a copy of the rest for the extra
 * connections.
 */
bool mx_nbd_mc_init(BlockDriverState *bs, const MxNbdMcOwnOps *own,
                    QDict *options, Error **errp);
/*
 * nbd_open(), once the node's own connection is up: opens the extra
 * connections the server allows (never fails: fewer connections at worst).
 */
void mx_nbd_mc_connect(BlockDriverState *bs, int flags, uint16_t server_flags,
                       bool addr_reusable);
/* nbd_close() and nbd_open()'s failure path */
void mx_nbd_mc_close(BlockDriverState *bs);
/* nbd_cancel_in_flight(): the extra connections too */
void mx_nbd_mc_cancel_in_flight(BlockDriverState *bs);

/*
 * .bdrv_gather_child_options: the further connections are internal, not
 * options of the node (its json: filename must open the same node again)
 */
void mx_nbd_mc_gather_child_options(BlockDriverState *bs, QDict *target,
                                    bool backing_overridden);

/* The driver's request callbacks: spread over the connections */
int coroutine_fn mx_nbd_mc_co_preadv(BlockDriverState *bs, int64_t offset,
                                     int64_t bytes, QEMUIOVector *qiov,
                                     BdrvRequestFlags flags);
int coroutine_fn mx_nbd_mc_co_pwritev(BlockDriverState *bs, int64_t offset,
                                      int64_t bytes, QEMUIOVector *qiov,
                                      BdrvRequestFlags flags);
int coroutine_fn mx_nbd_mc_co_pwrite_zeroes(BlockDriverState *bs,
                                            int64_t offset, int64_t bytes,
                                            BdrvRequestFlags flags);
int coroutine_fn mx_nbd_mc_co_pdiscard(BlockDriverState *bs, int64_t offset,
                                       int64_t bytes);
int coroutine_fn mx_nbd_mc_co_flush(BlockDriverState *bs);

#endif
