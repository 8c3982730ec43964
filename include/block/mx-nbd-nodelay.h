/*
 * qemu-mx: TCP_NODELAY on the NBD server's client connections.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef BLOCK_MX_NBD_NODELAY_H
#define BLOCK_MX_NBD_NODELAY_H

#include "io/channel-socket.h"

struct MxNbdConnStats;

/*
 * A client connection was accepted: unless turned off, disable Nagle's
 * algorithm on it, and record in @st what the kernel then reports
 * (st->tcp_nodelay: 1 on, 0 off, -1 not a TCP socket).
 */
void mx_nbd_server_nodelay(QIOChannelSocket *sioc, struct MxNbdConnStats *st);

/*
 * Whether to: the migration property mx-nbd-server-nodelay in QEMU
 * (nbd/mx-nbd-nodelay-prop.c), always in the tools (qemu-nbd,
 * qemu-storage-daemon; nbd/mx-nbd-nodelay-stub.c).
 */
bool mx_nbd_server_nodelay_wanted(void);

#endif
