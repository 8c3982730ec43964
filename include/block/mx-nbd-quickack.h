/*
 * qemu-mx: TCP_QUICKACK on the NBD client's socket, re-armed after every
 * reply it reads (block/mx-nbd-quickack.c).
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef BLOCK_MX_NBD_QUICKACK_H
#define BLOCK_MX_NBD_QUICKACK_H

#include "io/channel.h"

#define MX_NBD_QUICKACK_DEFAULT true

/*
 * The client read a reply header from @ioc: unless turned off, ask the
 * kernel to acknowledge what arrives next at once.  Only a plain TCP
 * socket (not TLS, not a Unix socket).
 */
void mx_nbd_client_quickack(QIOChannel *ioc);

/*
 * Whether to: the migration parameter nbd-client-quickack in QEMU
 * (migration/mx-nbd-params.c), the default in the tools
 * (block/mx-nbd-quickack-stub.c).
 */
bool mx_nbd_client_quickack_wanted(void);

#endif
