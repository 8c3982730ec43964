/*
 * qemu-mx: migration parameter tcp-user-timeout.
 *
 * migration_completion() holds the global lock while it writes the last
 * RAM pages and the device state into the migration socket.  If the link
 * dies then, the write blocks until the kernel's retransmissions give up
 * (tcp_retries2: many minutes), and every QMP command that needs the lock,
 * migrate_cancel included, waits as long.  TCP_USER_TIMEOUT bounds the time
 * sent data may stay unacknowledged: the write fails, the migration fails,
 * the source runs on.  0 keeps the kernel's default (stock).
 *
 * NBD client connections get the same bound (mx_nbd_tcp_timeout_apply()):
 * when the guest restarts after a failed storage migration, vm_start()
 * drains the disk with the BQL held, and the drain waits for the mirror's
 * requests to the destination's NBD export.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "io/channel-socket.h"
#include "block/mx-nbd-tcp-timeout.h"
#include "migration.h"
#include "trace.h"
#include "mx-tcp-timeout.h"
#include "mx-tcp-timeout-params.h"

#ifdef __linux__
#include <netinet/tcp.h>
#endif

void mx_tcp_timeout_apply(QIOChannel *ioc, const char *what)
{
    unsigned ms = migrate_get_current()->parameters.tcp_user_timeout;
    QIOChannelSocket *sioc;
    int family;

    if (!ms || !object_dynamic_cast(OBJECT(ioc), TYPE_QIO_CHANNEL_SOCKET)) {
        return;
    }
    sioc = QIO_CHANNEL_SOCKET(ioc);
    family = sioc->remoteAddr.ss_family;
    if (family != AF_INET && family != AF_INET6) {
        trace_mx_tcp_timeout_skip(what, family);
        return;
    }
#ifdef TCP_USER_TIMEOUT
    if (setsockopt(sioc->fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &ms,
                   sizeof(ms)) < 0) {
        trace_mx_tcp_timeout_error(what, ms, errno);
        return;
    }
    trace_mx_tcp_timeout_set(what, ms);
#else
    trace_mx_tcp_timeout_error(what, ms, ENOTSUP);
#endif
}

void mx_nbd_tcp_timeout_apply(QIOChannelSocket *sioc)
{
    /* -blockdev on the command line connects before migration exists */
    if (migration_mx_object_ready()) {
        mx_tcp_timeout_apply(QIO_CHANNEL(sioc), "nbd");
    }
}

static const MxParam mx_tcp_timeout_param_list[] = {
    {
        .id = MIGRATION_PARAMETER_TCP_USER_TIMEOUT,
        .kind = MX_PARAM_UINT32, MX_PARAM_FIELDS(tcp_user_timeout),
        .min = 0, .max = MX_TCP_TIMEOUT_MAX,
        .expect = "milliseconds from 0 (kernel default) to "
                  stringify(MX_TCP_TIMEOUT_MAX),
        .unit = " ms",
    },
};

const MxParamsOps mx_tcp_timeout_params = {
    .params = mx_tcp_timeout_param_list,
    .n_params = ARRAY_SIZE(mx_tcp_timeout_param_list),
};
