/*
 * qemu-mx: the migration parameter tcp-user-timeout on NBD client
 * connections (the mirror's target in libvirt's storage migration).
 * Defined in migration/mx-tcp-timeout.c; tools get a stub that does
 * nothing (nbd/mx-nbd-tcp-timeout-stub.c).
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef BLOCK_MX_NBD_TCP_TIMEOUT_H
#define BLOCK_MX_NBD_TCP_TIMEOUT_H

#include "io/channel-socket.h"

/*
 * An NBD client connection has connected: give it the tcp-user-timeout
 * in effect, so that requests on a link that went silent fail within that
 * time instead of holding drains (and the BQL) until TCP gives up.
 */
void mx_nbd_tcp_timeout_apply(QIOChannelSocket *sioc);

#endif
