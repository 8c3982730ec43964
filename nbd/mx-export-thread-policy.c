/*
 * qemu-mx: when an NBD export gets a dedicated iothread (pure decision).
 *
 * Only a destination that has not run its guest yet qualifies: there the
 * export is the only user of the node (the guest's device is idle until the
 * migration completes), so moving the node into an iothread cannot race
 * with device I/O issued from the main loop.  Anything management chose
 * itself (an export iothread, a dataplane device) is left as it is.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "mx-export-thread-policy.h"

MxExportThreadVerdict mx_export_thread_decide(const MxExportThreadInput *in)
{
    if (!in->enabled) {
        return MX_EXPORT_THREAD_OFF;
    }
    if (!in->is_nbd) {
        return MX_EXPORT_THREAD_NOT_NBD;
    }
    if (in->user_iothread) {
        return MX_EXPORT_THREAD_USER_IOTHREAD;
    }
    if (!in->incoming) {
        return MX_EXPORT_THREAD_GUEST_MAY_RUN;
    }
    if (!in->node_in_main_ctx) {
        return MX_EXPORT_THREAD_NODE_IN_IOTHREAD;
    }
    return MX_EXPORT_THREAD_USE;
}

const char *mx_export_thread_verdict_str(MxExportThreadVerdict v)
{
    switch (v) {
    case MX_EXPORT_THREAD_USE:
        return "dedicated-iothread";
    case MX_EXPORT_THREAD_OFF:
        return "off";
    case MX_EXPORT_THREAD_NOT_NBD:
        return "not-nbd";
    case MX_EXPORT_THREAD_GUEST_MAY_RUN:
        return "not-incoming";
    case MX_EXPORT_THREAD_USER_IOTHREAD:
        return "user-iothread";
    case MX_EXPORT_THREAD_NODE_IN_IOTHREAD:
        return "node-in-iothread";
    }
    return "?";
}
