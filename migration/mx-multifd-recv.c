/*
 * qemu-mx: a multifd receive channel that ends must not leave the incoming
 * migration waiting for it.
 *
 * In 7.2 a receive channel thread that fails (a packet it refuses, such as
 * one compressed with another multifd-compression method, or a malformed
 * one) or reaches EOF simply returns.  The main thread, loading the main
 * stream with the BQL held, calls multifd_recv_sync_main() at every
 * RAM_SAVE_FLAG_EOS and waits there for one post on sem_sync per channel;
 * a channel that has returned never posts, so the main thread waits forever
 * and the main loop never runs again: QMP is dead and SIGTERM, which the main
 * loop handles, is never acted upon.
 *
 * Here a channel thread that returns posts sem_sync once and records that
 * (and its first error).  The main thread, woken, sees that a channel has
 * ended, reports it and sets an error on the main stream: ram_load() then
 * fails and the incoming migration ends like any failed one (the process
 * exits with EXIT_FAILURE).  A channel only returns before the last sync of a
 * good migration if the migration is already failing, so this changes
 * nothing for a good one.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/atomic.h"
#include "qemu/error-report.h"
#include "qapi/error.h"
#include "migration.h"
#include "qemu-file.h"
#include "trace.h"
#include "mx-multifd-recv.h"

static struct {
    /* id of the first channel that ended, -1 while none has */
    int ended_id;
    /*
     * The first error a channel ended with, with its channel id: an Error *
     * (void *, as the qatomic macros need a complete type)
     */
    void *err;
    bool reported;
} mx_recv = { .ended_id = -1 };

static void mx_multifd_recv_reset(void)
{
    error_free(qatomic_xchg(&mx_recv.err, NULL));
    qatomic_set(&mx_recv.ended_id, -1);
    mx_recv.reported = false;
}

void mx_multifd_recv_setup(void)
{
    mx_multifd_recv_reset();
}

void mx_multifd_recv_channel_end(int id, Error *err, QemuSemaphore *sem_sync)
{
    trace_mx_multifd_recv_channel_end(id, err ? error_get_pretty(err) : "");
    if (err) {
        Error *copy = error_copy(err);

        error_prepend(&copy, "multifd receive channel %d: ", id);
        if (qatomic_cmpxchg(&mx_recv.err, NULL, copy) != NULL) {
            error_free(copy);
        }
    }
    qatomic_cmpxchg(&mx_recv.ended_id, -1, id);
    /* the post orders the stores above before the waiter's reads */
    qemu_sem_post(sem_sync);
}

/* One line for the whole failure, once: what ended the channel, + @what */
static void mx_multifd_recv_report(const char *what)
{
    Error *err = qatomic_read(&mx_recv.err);

    if (mx_recv.reported) {
        return;
    }
    mx_recv.reported = true;
    if (err) {
        error_report("%s%s", error_get_pretty(err), what);
    } else {
        error_report("multifd receive channel %d closed during the "
                     "migration%s", qatomic_read(&mx_recv.ended_id), what);
    }
}

bool mx_multifd_recv_sync_failed(void)
{
    MigrationIncomingState *mis = migration_incoming_get_current();

    if (qatomic_read(&mx_recv.ended_id) < 0) {
        return false;
    }
    trace_mx_multifd_recv_sync_failed(qatomic_read(&mx_recv.ended_id));
    mx_multifd_recv_report("; failing the incoming migration");
    if (mis->from_src_file) {
        qemu_file_set_error(mis->from_src_file, -EIO);
    }
    return true;
}

void mx_multifd_recv_cleanup(void)
{
    MigrationIncomingState *mis = migration_incoming_get_current();

    if (qatomic_read(&mx_recv.err) &&
        mis->state == MIGRATION_STATUS_FAILED) {
        mx_multifd_recv_report("");
    }
    mx_multifd_recv_reset();
}
