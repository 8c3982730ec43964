/*
 * qemu-mx: unit test of the NBD export thread decision.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "../../nbd/mx-export-thread-policy.h"

static MxExportThreadInput libvirt_destination(void)
{
    /* What libvirt 9.0's block-export-add on a -incoming destination gives */
    return (MxExportThreadInput) {
        .enabled = true, .is_nbd = true, .incoming = true,
        .user_iothread = false, .node_in_main_ctx = true,
    };
}

static void test_libvirt_destination(void)
{
    MxExportThreadInput in = libvirt_destination();

    g_assert_cmpint(mx_export_thread_decide(&in), ==, MX_EXPORT_THREAD_USE);
    g_assert_cmpstr(mx_export_thread_verdict_str(MX_EXPORT_THREAD_USE), ==,
                    "dedicated-iothread");
}

static void test_off(void)
{
    MxExportThreadInput in = libvirt_destination();

    in.enabled = false;
    g_assert_cmpint(mx_export_thread_decide(&in), ==, MX_EXPORT_THREAD_OFF);
}

static void test_running_guest(void)
{
    MxExportThreadInput in = libvirt_destination();

    /* a running (or paused after running) guest's device uses the node */
    in.incoming = false;
    g_assert_cmpint(mx_export_thread_decide(&in), ==,
                    MX_EXPORT_THREAD_GUEST_MAY_RUN);
}

static void test_management_choices_win(void)
{
    MxExportThreadInput in = libvirt_destination();

    in.user_iothread = true;
    g_assert_cmpint(mx_export_thread_decide(&in), ==,
                    MX_EXPORT_THREAD_USER_IOTHREAD);
    in = libvirt_destination();
    in.node_in_main_ctx = false;
    g_assert_cmpint(mx_export_thread_decide(&in), ==,
                    MX_EXPORT_THREAD_NODE_IN_IOTHREAD);
    in = libvirt_destination();
    in.is_nbd = false;
    g_assert_cmpint(mx_export_thread_decide(&in), ==, MX_EXPORT_THREAD_NOT_NBD);
}

static void test_every_input(void)
{
    /* Exactly one of the 32 input combinations gets a thread */
    int n = 0;

    for (int bits = 0; bits < 32; bits++) {
        MxExportThreadInput in = {
            .enabled = bits & 1, .is_nbd = bits & 2, .incoming = bits & 4,
            .user_iothread = bits & 8, .node_in_main_ctx = bits & 16,
        };
        MxExportThreadVerdict v = mx_export_thread_decide(&in);

        g_assert_cmpstr(mx_export_thread_verdict_str(v), !=, "?");
        n += v == MX_EXPORT_THREAD_USE;
    }
    g_assert_cmpint(n, ==, 1);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/mx-export-thread/libvirt-destination",
                    test_libvirt_destination);
    g_test_add_func("/mx-export-thread/off", test_off);
    g_test_add_func("/mx-export-thread/running-guest", test_running_guest);
    g_test_add_func("/mx-export-thread/management-choices-win",
                    test_management_choices_win);
    g_test_add_func("/mx-export-thread/every-input", test_every_input);
    return g_test_run();
}
