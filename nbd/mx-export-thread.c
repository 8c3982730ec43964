/*
 * qemu-mx: NBD exports of a -incoming destination on a dedicated iothread.
 *
 * libvirt's storage migration exports each destination disk with
 * block-export-add and no "iothread": all NBD requests are then received and
 * written by the main loop, which caps the copy at one core.  On a
 * destination that has not run its guest yet, this file moves the exported
 * node (and with it the idle guest device's BlockBackend, the export's
 * BlockBackend and every client socket) into an iothread of its own, and
 * moves it back to the main AioContext, stopping the thread, when the export
 * goes away or the guest starts, whichever comes first.
 * docs/mx/nbd-threads.md has the hand-off and locking design.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/error-report.h"
#include "qemu/main-loop.h"
#include "qemu/queue.h"
#include "block/block.h"
#include "block/mx-export-thread.h"
#include "sysemu/block-backend.h"
#include "sysemu/iothread.h"
#include "sysemu/runstate.h"
#include "migration/migration.h"
#include "mx-export-thread-policy.h"
#include "trace.h"

typedef struct MxExportThread {
    char *export_id;
    IOThread *iothread;
    BlockDriverState *bs;      /* referenced while the thread lives */
    GSList *dev_blks;          /* guest devices' BlockBackends, referenced */
    VMChangeStateEntry *vmse;
    QLIST_ENTRY(MxExportThread) next;
} MxExportThread;

static QLIST_HEAD(, MxExportThread) mx_export_threads =
    QLIST_HEAD_INITIALIZER(mx_export_threads);
static unsigned mx_export_thread_serial;

/* Migration property mx-nbd-incoming-iothread (-global migration.<name>) */
static bool migrate_mx_nbd_incoming_iothread(void)
{
    return migrate_get_current()->mx_nbd_incoming_iothread;
}

static void mx_export_thread_allow_devices(MxExportThread *t, bool allow)
{
    GSList *l;

    for (l = t->dev_blks; l; l = l->next) {
        blk_set_allow_aio_context_change(l->data, allow);
    }
}

static void mx_export_thread_free(MxExportThread *t)
{
    GSList *l;

    mx_export_thread_allow_devices(t, false);
    for (l = t->dev_blks; l; l = l->next) {
        blk_unref(l->data);
    }
    g_slist_free(t->dev_blks);
    if (t->bs) {
        bdrv_unref(t->bs);
    }
    iothread_destroy(t->iothread);
    g_free(t->export_id);
    g_free(t);
}

/* Main thread, BQL held, no AioContext lock held */
static void mx_export_thread_release(MxExportThread *t, const char *why)
{
    AioContext *main_ctx = qemu_get_aio_context();
    AioContext *ctx = bdrv_get_aio_context(t->bs);
    Error *local_err = NULL;

    if (ctx != main_ctx) {
        int ret;

        aio_context_acquire(ctx);
        ret = bdrv_try_change_aio_context(t->bs, main_ctx, NULL, &local_err);
        aio_context_release(ctx);
        if (ret < 0) {
            /*
             * Something else pins the node to the iothread now: keep the
             * thread (stopping it would strand the node).
             */
            trace_mx_export_thread_release_failed(t->export_id,
                                                  error_get_pretty(local_err));
            warn_reportf_err(local_err, "NBD export '%s' stays on its "
                             "iothread: ", t->export_id);
            return;
        }
    }
    QLIST_REMOVE(t, next);
    qemu_del_vm_change_state_handler(t->vmse);
    trace_mx_export_thread_release(t->export_id, why);
    mx_export_thread_free(t);
}

static void mx_export_thread_vm_state(void *opaque, bool running,
                                      RunState state)
{
    /*
     * Registered with the lowest priority, so this runs before any device's
     * own handler (virtio-blk restarts queued requests in its node's
     * context): the device finds its node back in the main loop.
     */
    if (running) {
        mx_export_thread_release(opaque, "guest-start");
    }
}

AioContext *mx_export_thread_attach(BlockExportOptions *export,
                                    BlockDriverState *bs, AioContext *ctx)
{
    MxExportThreadInput in = {
        .enabled = migrate_mx_nbd_incoming_iothread(),
        .is_nbd = export->type == BLOCK_EXPORT_TYPE_NBD,
        .incoming = runstate_check(RUN_STATE_INMIGRATE),
        .user_iothread = export->has_iothread,
        .node_in_main_ctx = ctx == qemu_get_aio_context(),
    };
    MxExportThreadVerdict v = mx_export_thread_decide(&in);
    MxExportThread *t;
    AioContext *new_ctx;
    BlockBackend *blk;
    Error *local_err = NULL;
    g_autofree char *name = NULL;

    trace_mx_export_thread_decide(export->id, mx_export_thread_verdict_str(v));
    if (v != MX_EXPORT_THREAD_USE) {
        return ctx;
    }

    name = g_strdup_printf("mx-nbd-%u", mx_export_thread_serial++);
    t = g_new0(MxExportThread, 1);
    t->export_id = g_strdup(export->id);
    t->iothread = iothread_create(name, &local_err);
    if (!t->iothread) {
        goto fail;
    }

    /*
     * The guest's device (idle until the migration completes) has to follow
     * the node.  Devices never allow that themselves in 7.2; we allow it
     * until the node is back in the main loop.
     */
    for (blk = blk_all_next(NULL); blk; blk = blk_all_next(blk)) {
        if (blk_bs(blk) == bs && blk_get_attached_dev(blk)) {
            blk_ref(blk);
            t->dev_blks = g_slist_prepend(t->dev_blks, blk);
        }
    }
    mx_export_thread_allow_devices(t, true);

    new_ctx = iothread_get_aio_context(t->iothread);
    if (bdrv_try_change_aio_context(bs, new_ctx, NULL, &local_err) < 0) {
        goto fail;
    }
    aio_context_release(ctx);
    aio_context_acquire(new_ctx);

    bdrv_ref(bs);
    t->bs = bs;
    t->vmse = qemu_add_vm_change_state_handler_prio(mx_export_thread_vm_state,
                                                    t, INT_MIN);
    QLIST_INSERT_HEAD(&mx_export_threads, t, next);
    trace_mx_export_thread_attach(export->id, name, bdrv_get_node_name(bs));
    return new_ctx;

fail:
    /* Stock behaviour: the export is served by the main loop */
    trace_mx_export_thread_attach_failed(export->id,
                                         error_get_pretty(local_err));
    error_free(local_err);
    if (t->iothread) {
        mx_export_thread_free(t);
    } else {
        g_free(t->export_id);
        g_free(t);
    }
    return ctx;
}

void mx_export_thread_detach(const char *export_id)
{
    MxExportThread *t;

    QLIST_FOREACH(t, &mx_export_threads, next) {
        if (!strcmp(t->export_id, export_id)) {
            mx_export_thread_release(t, "export-gone");
            return;
        }
    }
}
