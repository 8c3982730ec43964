/*
 * qemu-mx: per-connection statistics of the NBD server.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef BLOCK_MX_NBD_CONN_STATS_H
#define BLOCK_MX_NBD_CONN_STATS_H

#include "qemu/stats64.h"
#include "qapi/qapi-types-block-export.h"

/*
 * Updated by the connection's request coroutines (the export's AioContext),
 * read by query-block-exports (the main loop): Stat64 for both.
 */
typedef struct MxNbdConnStats {
    uint64_t id;
    Stat64 requests;
    Stat64 read_bytes;
    Stat64 write_bytes;
    Stat64 zero_bytes;
    Stat64 errors;
    int tcp_nodelay;        /* 1/0: TCP_NODELAY as set up; -1: not TCP */
} MxNbdConnStats;

/* A new connection: zero counters, the next id of this process */
void mx_nbd_conn_stats_init(MxNbdConnStats *st);
/* A valid request of @type (NBD_CMD_*) for @len bytes was handled */
void mx_nbd_conn_stats_request(MxNbdConnStats *st, uint16_t type,
                               uint64_t len);
/* A request was answered with an error */
void mx_nbd_conn_stats_error(MxNbdConnStats *st);
/* For query-block-exports */
MxNbdConnectionInfo *mx_nbd_conn_stats_info(const MxNbdConnStats *st);
/* The connection goes away: a trace event with its totals */
void mx_nbd_conn_stats_closed(const MxNbdConnStats *st, const char *export);

/* Provided by nbd/server.c: the connections of an NBD export */
MxNbdConnectionInfoList *nbd_export_mx_connections(BlockExport *exp);

#endif
