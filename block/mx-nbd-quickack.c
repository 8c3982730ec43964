/*
 * qemu-mx: TCP_QUICKACK on the NBD client's socket after every reply.
 *
 * A stock 7.2 NBD server (a destination QEMU's nbd-server-start,
 * qemu-nbd) keeps Nagle's algorithm on its sockets: it does not send a
 * small reply while an earlier one is unacknowledged.  A mirror keeps 16
 * requests in flight; once all are sent it has nothing more to send, so
 * its kernel acknowledges the server's replies only when the delayed-ACK
 * timer fires (40 ms on Linux), and the next replies wait for that.  The
 * qemu-mx server disables Nagle (nbd/mx-nbd-nodelay.c), but a qemu-mx
 * source migrating to a stock destination cannot change the
 * destination's sockets; it can acknowledge at once.  TCP_QUICKACK is not
 * permanent (the kernel falls back to delayed ACKs on its own), so it is
 * set again after every reply header read: that also sends an ACK that is
 * due right away.  Nothing changes on the wire but the ACKs' timing.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/sockets.h"
#include "io/channel-socket.h"
#include "block/mx-nbd-quickack.h"
#include "trace.h"

void mx_nbd_client_quickack(QIOChannel *ioc)
{
    QIOChannelSocket *sioc;
    int one = 1;
    int ret;

    if (!mx_nbd_client_quickack_wanted()) {
        return;
    }
    sioc = (QIOChannelSocket *)object_dynamic_cast(OBJECT(ioc),
                                                   TYPE_QIO_CHANNEL_SOCKET);
    if (!sioc || (sioc->localAddr.ss_family != AF_INET &&
                  sioc->localAddr.ss_family != AF_INET6)) {
        return;
    }
#ifdef TCP_QUICKACK
    ret = setsockopt(sioc->fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
#else
    ret = -1;
#endif
    trace_mx_nbd_client_quickack(sioc->fd, ret);
}
