/*
 * qemu-mx: tools without migration: NBD client connections keep the
 * kernel's TCP behaviour.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "block/mx-nbd-tcp-timeout.h"

void mx_nbd_tcp_timeout_apply(QIOChannelSocket *sioc)
{
}
