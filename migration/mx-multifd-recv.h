/*
 * qemu-mx: end of a multifd receive channel during an incoming migration.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MX_MULTIFD_RECV_H
#define MX_MULTIFD_RECV_H

#include "qemu/thread.h"

/* multifd_load_setup(): no channel has ended yet */
void mx_multifd_recv_setup(void);

/*
 * A receive channel thread returns (@err: why, or NULL on EOF or quit).
 * Wakes a main thread waiting in multifd_recv_sync_main() on @sem_sync.
 */
void mx_multifd_recv_channel_end(int id, Error *err, QemuSemaphore *sem_sync);

/*
 * multifd_recv_sync_main(), after each wait on sem_sync: true if a channel
 * has ended, so that the sync can never complete.  Reports why and fails the
 * main stream, so that loading fails instead of waiting forever.
 */
bool mx_multifd_recv_sync_failed(void);

/*
 * multifd_load_cleanup(), threads joined: report a channel's error if the
 * incoming migration failed and it was not reported yet; reset.
 */
void mx_multifd_recv_cleanup(void);

#endif
