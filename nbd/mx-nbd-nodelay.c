/*
 * qemu-mx: TCP_NODELAY on the NBD server's client connections.
 *
 * 7.2's NBD client disables Nagle's algorithm on its socket
 * (nbd/client-connection.c); the server does not.  A client that pipelines
 * requests (a mirror keeps up to 16 in flight) then waits for replies the
 * server's kernel holds back: a small reply is not sent while an earlier
 * one is unacknowledged, and the client, with nothing to send until its
 * replies come, acknowledges only when its delayed-ACK timer fires (up to
 * 40 ms).  Measured here: qemu-img bench of 4 KiB writes, 16 in flight, to
 * a stock qemu-nbd over loopback TCP: 458 requests a second; one at a time:
 * 10 000 a second.  That bound, not the copy, is what kept a mirror behind
 * 1 000 random 4 KiB guest writes a second (docs/mx/nbd-nodelay.md).
 *
 * Nothing changes on the wire but the timing of the server's segments.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/sockets.h"
#include "block/export.h"
#include "block/mx-nbd-conn-stats.h"
#include "block/mx-nbd-nodelay.h"
#include "trace.h"

void mx_nbd_server_nodelay(QIOChannelSocket *sioc, MxNbdConnStats *st)
{
    bool wanted = mx_nbd_server_nodelay_wanted();
    int v = 0;
    socklen_t len = sizeof(v);

    if (wanted) {
        qio_channel_set_delay(QIO_CHANNEL(sioc), false);
    }
    /* what the kernel reports; a Unix socket has no such option */
    if (getsockopt(sioc->fd, IPPROTO_TCP, TCP_NODELAY, &v, &len) < 0) {
        st->tcp_nodelay = -1;
    } else {
        st->tcp_nodelay = v ? 1 : 0;
    }
    trace_mx_nbd_server_nodelay(sioc->fd, wanted, st->tcp_nodelay);
}
