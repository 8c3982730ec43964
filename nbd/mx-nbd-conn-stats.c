/*
 * qemu-mx: per-connection statistics of the NBD server (requests and bytes
 * per client connection, shown in query-block-exports), so that a user sees
 * how a multi-conn client spreads its work and which connection misbehaves.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/atomic.h"
#include "block/nbd.h"
#include "block/mx-nbd-conn-stats.h"
#include "trace.h"

static uint64_t mx_nbd_conn_next_id;

void mx_nbd_conn_stats_init(MxNbdConnStats *st)
{
    st->id = qatomic_fetch_inc(&mx_nbd_conn_next_id) + 1;
    stat64_init(&st->requests, 0);
    stat64_init(&st->read_bytes, 0);
    stat64_init(&st->write_bytes, 0);
    stat64_init(&st->zero_bytes, 0);
    stat64_init(&st->errors, 0);
    st->tcp_nodelay = -1;
}

void mx_nbd_conn_stats_request(MxNbdConnStats *st, uint16_t type,
                               uint64_t len)
{
    stat64_add(&st->requests, 1);
    switch (type) {
    case NBD_CMD_READ:
        stat64_add(&st->read_bytes, len);
        break;
    case NBD_CMD_WRITE:
        stat64_add(&st->write_bytes, len);
        break;
    case NBD_CMD_WRITE_ZEROES:
    case NBD_CMD_TRIM:
        stat64_add(&st->zero_bytes, len);
        break;
    default:
        break;
    }
}

void mx_nbd_conn_stats_error(MxNbdConnStats *st)
{
    stat64_add(&st->errors, 1);
}

MxNbdConnectionInfo *mx_nbd_conn_stats_info(const MxNbdConnStats *st)
{
    MxNbdConnectionInfo *info = g_new0(MxNbdConnectionInfo, 1);

    info->id = st->id;
    info->requests = stat64_get(&st->requests);
    info->read_bytes = stat64_get(&st->read_bytes);
    info->write_bytes = stat64_get(&st->write_bytes);
    info->zero_bytes = stat64_get(&st->zero_bytes);
    info->errors = stat64_get(&st->errors);
    info->has_tcp_nodelay = st->tcp_nodelay >= 0;
    info->tcp_nodelay = st->tcp_nodelay > 0;
    return info;
}

void mx_nbd_conn_stats_closed(const MxNbdConnStats *st, const char *export)
{
    trace_mx_nbd_conn_closed(st->id, export ?: "",
                             stat64_get(&st->requests),
                             stat64_get(&st->read_bytes),
                             stat64_get(&st->write_bytes),
                             stat64_get(&st->zero_bytes),
                             stat64_get(&st->errors));
}
