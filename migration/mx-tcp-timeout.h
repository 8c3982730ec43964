/*
 * qemu-mx: TCP_USER_TIMEOUT (parameter tcp-user-timeout) on the source's
 * outgoing migration connections (mx-tcp-timeout.c;
 * docs/mx/reliability.md, "A dead link during the completion").
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIGRATION_MX_TCP_TIMEOUT_H
#define MIGRATION_MX_TCP_TIMEOUT_H

#include "io/channel.h"

/*
 * An outgoing migration channel (main or multifd) has connected: give it
 * the tcp-user-timeout in effect, if it is a TCP socket and the value is
 * not 0 (kernel default).  Errors are traced, never fatal.
 */
void mx_tcp_timeout_apply(QIOChannel *ioc, const char *what);

#endif
