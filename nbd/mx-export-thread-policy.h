/*
 * qemu-mx: when an NBD export gets a dedicated iothread (pure decision).
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MX_EXPORT_THREAD_POLICY_H
#define MX_EXPORT_THREAD_POLICY_H

/* What block-export-add knows when it decides */
typedef struct MxExportThreadInput {
    bool enabled;          /* migration property mx-nbd-incoming-iothread */
    bool is_nbd;           /* export type nbd */
    bool incoming;         /* runstate inmigrate: the guest has not run yet */
    bool user_iothread;    /* management passed "iothread" itself */
    bool node_in_main_ctx; /* the node is in the main AioContext */
} MxExportThreadInput;

typedef enum MxExportThreadVerdict {
    MX_EXPORT_THREAD_USE,              /* serve it on its own iothread */
    MX_EXPORT_THREAD_OFF,              /* disabled by the property */
    MX_EXPORT_THREAD_NOT_NBD,          /* fuse, vhost-user-blk, ... */
    MX_EXPORT_THREAD_GUEST_MAY_RUN,    /* not a -incoming destination */
    MX_EXPORT_THREAD_USER_IOTHREAD,    /* management chose the thread */
    MX_EXPORT_THREAD_NODE_IN_IOTHREAD, /* e.g. a virtio-blk dataplane device */
} MxExportThreadVerdict;

MxExportThreadVerdict mx_export_thread_decide(const MxExportThreadInput *in);
const char *mx_export_thread_verdict_str(MxExportThreadVerdict v);

#endif
