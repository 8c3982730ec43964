/*
 * qemu-mx: migration qtests for the staged CPU throttle policy
 * (docs/mx/cpu-throttle.md).
 *
 * Included by tests/qtest/migration-test.c after mx-migration-test.c (it
 * reuses that file's helpers and migration-test's guest, the boot-block
 * loop that increments a byte of every page of 100 MiB as fast as its vCPU
 * can: every round dirties all of it, so no throttle stock auto-converge
 * reaches makes it fit into a 1 ms downtime), and registered from its
 * main() with mx_throttle_add_tests().
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qapi/qmp/qstring.h"

/* Rounds (dirty bitmap syncs) the staged policy may take to converge */
#define MX_THROTTLE_MAX_ROUNDS 25

static void test_mx_throttle_parameters(void)
{
    QTestState *from, *to;
    MigrateStart args = { };
    QDict *rsp;

    if (test_migrate_start(&from, &to, "defer", &args)) {
        return;
    }
    /* defaults: the staged policy (stock's steps are one parameter away) */
    migrate_check_parameter_str(from, "cpu-throttle-policy", "staged");
    migrate_check_parameter_int(from, "cpu-throttle-cap-ms", 3000);
    migrate_check_parameter_int(from, "cpu-throttle-force-switchover-ms", 0);
    migrate_check_parameter_str(from, "cpu-throttle-trigger", "first-high");
    {
        g_autofree char *out = qtest_hmp(from, "info migrate_parameters");

        g_assert(strstr(out, "cpu-throttle-policy: staged"));
    }

    migrate_set_parameter_str(from, "cpu-throttle-policy", "legacy");
    migrate_check_parameter_str(from, "cpu-throttle-policy", "legacy");
    migrate_set_parameter_str(from, "cpu-throttle-policy", "staged");
    migrate_set_parameter_str(from, "cpu-throttle-trigger", "remaining");
    migrate_check_parameter_str(from, "cpu-throttle-trigger", "remaining");
    migrate_set_parameter_str(from, "cpu-throttle-trigger", "dirty-rate");
    migrate_check_parameter_str(from, "cpu-throttle-trigger", "dirty-rate");
    migrate_set_parameter_int(from, "cpu-throttle-cap-ms", 100);
    migrate_set_parameter_int(from, "cpu-throttle-force-switchover-ms",
                              3600000);
    migrate_check_parameter_str(from, "cpu-throttle-policy", "staged");
    migrate_check_parameter_int(from, "cpu-throttle-cap-ms", 100);
    migrate_check_parameter_int(from, "cpu-throttle-force-switchover-ms",
                                3600000);

    mx_set_param_out_of_range(from, "cpu-throttle-cap-ms", 99);
    mx_set_param_out_of_range(from, "cpu-throttle-cap-ms", 60001);
    mx_set_param_out_of_range(from, "cpu-throttle-force-switchover-ms",
                              3600001);
    rsp = qtest_qmp(from, "{ 'execute': 'migrate-set-parameters',"
                    "'arguments': { 'cpu-throttle-policy': 'gentle' } }");
    g_assert(qdict_haskey(rsp, "error"));
    qobject_unref(rsp);
    migrate_check_parameter_str(from, "cpu-throttle-policy", "staged");
    rsp = qtest_qmp(from, "{ 'execute': 'migrate-set-parameters',"
                    "'arguments': { 'cpu-throttle-trigger': 'sometimes' } }");
    g_assert(qdict_haskey(rsp, "error"));
    qobject_unref(rsp);
    migrate_check_parameter_str(from, "cpu-throttle-trigger", "dirty-rate");

    /* HMP sets and shows them too */
    g_free(qtest_hmp(from, "migrate_set_parameter cpu-throttle-policy legacy"));
    g_free(qtest_hmp(from, "migrate_set_parameter cpu-throttle-cap-ms 2500"));
    g_free(qtest_hmp(from, "migrate_set_parameter "
                     "cpu-throttle-force-switchover-ms 700"));
    g_free(qtest_hmp(from, "migrate_set_parameter cpu-throttle-trigger "
                     "first-high"));
    migrate_check_parameter_str(from, "cpu-throttle-trigger", "first-high");
    migrate_check_parameter_str(from, "cpu-throttle-policy", "legacy");
    migrate_check_parameter_int(from, "cpu-throttle-cap-ms", 2500);
    migrate_check_parameter_int(from, "cpu-throttle-force-switchover-ms", 700);
    {
        g_autofree char *bad = qtest_hmp(from, "migrate_set_parameter "
                                         "cpu-throttle-cap-ms 50");
        g_autofree char *out = qtest_hmp(from, "info migrate_parameters");

        g_autofree char *badenum = qtest_hmp(from, "migrate_set_parameter "
                                             "cpu-throttle-trigger never");

        g_assert(strstr(bad, "cpu_throttle_cap_ms"));
        g_assert(badenum[0]);
        g_assert(strstr(out, "cpu-throttle-policy: legacy"));
        g_assert(strstr(out, "cpu-throttle-cap-ms: 2500 ms"));
        g_assert(strstr(out, "cpu-throttle-force-switchover-ms: 700 ms"));
        g_assert(strstr(out, "cpu-throttle-trigger: first-high"));
    }
    migrate_check_parameter_int(from, "cpu-throttle-cap-ms", 2500);
    test_migrate_end(from, to, false);
}

/* -global migration.* sets the defaults (legacy: away from the default) */
static void test_mx_throttle_parameters_global(void)
{
    QTestState *from, *to;
    MigrateStart args = {
        .opts_source = "-global migration.cpu-throttle-policy=legacy "
                       "-global migration.cpu-throttle-cap-ms=1500 "
                       "-global migration.cpu-throttle-force-switchover-ms=9 "
                       "-global migration.cpu-throttle-trigger=remaining",
    };

    if (test_migrate_start(&from, &to, "defer", &args)) {
        return;
    }
    migrate_check_parameter_str(from, "cpu-throttle-policy", "legacy");
    migrate_check_parameter_int(from, "cpu-throttle-cap-ms", 1500);
    migrate_check_parameter_int(from, "cpu-throttle-force-switchover-ms", 9);
    migrate_check_parameter_str(from, "cpu-throttle-trigger", "remaining");
    test_migrate_end(from, to, false);
}

/* The source's CpuThrottleStats (NULL before the policy ran); unref it */
static QDict *mx_throttle_stats(QTestState *who)
{
    QDict *rsp = migrate_query(who);
    QDict *c = qdict_get_qdict(rsp, "cpu-throttle");

    if (c) {
        qobject_ref(c);
    }
    qobject_unref(rsp);
    return c;
}

static bool mx_throttle_seen(QDict *c, const char *phase)
{
    QList *l = qdict_get_qlist(c, "phases");
    QListEntry *e;

    QLIST_FOREACH_ENTRY(l, e) {
        if (!strcmp(qstring_get_str(qobject_to(QString, e->value)), phase)) {
            return true;
        }
    }
    return false;
}

/* After the end: policy off, no vCPU throttle left, stock's gauge gone */
static void mx_throttle_check_removed(QTestState *from)
{
    QDict *rsp = migrate_query(from);
    QDict *c = qdict_get_qdict(rsp, "cpu-throttle");

    g_assert(c);
    g_assert_cmpstr(qdict_get_str(c, "phase"), ==, "off");
    g_assert_cmpint(qdict_get_int(c, "percentage"), ==, 0);
    g_assert_false(qdict_haskey(rsp, "cpu-throttle-percentage"));
    qobject_unref(rsp);
}

/* Still migrating: a run that completed unthrottled fails here, not hangs */
static void mx_throttle_check_running(QTestState *from)
{
    QDict *rsp = migrate_query(from);
    const char *st = qdict_get_str(rsp, "status");

    g_assert_true(!strcmp(st, "setup") || !strcmp(st, "active"));
    qobject_unref(rsp);
}

/*
 * policy NULL or empty: leave cpu-throttle-policy at its default (staged),
 * so that the migration tests below also check the default;
 * MX_THROTTLE_POLICY=legacy (the negative control) sets it.
 */
static void mx_throttle_setup(QTestState *from, const char *policy)
{
    migrate_set_capability(from, "auto-converge", true);
    if (policy && *policy) {
        migrate_set_parameter_str(from, "cpu-throttle-policy", policy);
    }
    migrate_set_parameter_int(from, "cpu-throttle-cap-ms", 500);
    migrate_set_parameter_int(from, "cpu-throttle-force-switchover-ms", 500);
    /* 30 MB/s and 1 ms: no throttle below the cap makes this converge */
    migrate_ensure_non_converge(from);
}

/*
 * Staged converges where stock auto-converge does not: within
 * MX_THROTTLE_MAX_ROUNDS rounds, through the direct phase and the cap,
 * then the switchover forced after the cap; the throttle is gone after.
 */
static void test_mx_throttle_staged(void)
{
    g_autofree char *uri = g_strdup_printf("unix:%s/migsocket", tmpfs);
    const char *policy = getenv("MX_THROTTLE_POLICY");
    MigrateStart args = { };
    QTestState *from, *to;
    QDict *c;

    if (test_migrate_start(&from, &to, uri, &args)) {
        return;
    }
    mx_throttle_setup(from, policy);
    wait_for_serial("src_serial");
    migrate_qmp(from, uri, "{}");

    while (!got_stop) {
        uint64_t pass = get_migration_pass(from);

        g_assert_cmpint(pass, <=, MX_THROTTLE_MAX_ROUNDS);
        usleep(100 * 1000);
    }
    qtest_qmp_eventwait(to, "RESUME");
    wait_for_serial("dest_serial");
    wait_for_migration_complete(from);

    c = mx_throttle_stats(from);
    g_assert(c);
    g_assert_true(mx_throttle_seen(c, "direct"));
    g_assert_true(mx_throttle_seen(c, "cap"));
    g_assert_true(qdict_get_bool(c, "forced-switchover"));
    g_assert_cmpfloat(qdict_get_double(c, "direct-seconds"), >, 0);
    g_assert_cmpfloat(qdict_get_double(c, "cap-seconds"), >, 0);
    qobject_unref(c);
    mx_throttle_check_removed(from);
    {
        g_autofree char *out = qtest_hmp(from, "info migrate");

        g_assert(strstr(out, "cpu throttle phase: off"));
        g_assert(strstr(out, "cpu throttle phases: direct"));
        g_assert(strstr(out, "cpu throttle forced switchover: yes"));
    }
    test_migrate_end(from, to, true);
}

/* Cancelled while throttled: the vCPUs run unthrottled again */
static void test_mx_throttle_cancel(void)
{
    g_autofree char *uri = g_strdup_printf("unix:%s/migsocket", tmpfs);
    const char *policy = getenv("MX_THROTTLE_POLICY");
    MigrateStart args = { .hide_stderr = true };
    QTestState *from, *to;
    QDict *c = NULL;

    if (test_migrate_start(&from, &to, uri, &args)) {
        return;
    }
    mx_throttle_setup(from, policy);
    migrate_set_parameter_int(from, "cpu-throttle-force-switchover-ms", 0);
    wait_for_serial("src_serial");
    migrate_qmp(from, uri, "{}");

    /* wait for the throttle */
    for (;;) {
        c = mx_throttle_stats(from);
        if (c && qdict_get_int(c, "percentage") > 0) {
            break;
        }
        qobject_unref(c);
        mx_throttle_check_running(from);
        g_assert_cmpint(get_migration_pass(from), <=, MX_THROTTLE_MAX_ROUNDS);
        usleep(100 * 1000);
    }
    g_assert_cmpstr(qdict_get_str(c, "phase"), !=, "off");
    qobject_unref(c);

    /* the destination sees its incoming stream end and exits with 1 */
    qtest_set_expected_status(to, EXIT_FAILURE);
    migrate_cancel(from);
    wait_for_migration_status(from, "cancelled", NULL);
    mx_throttle_check_removed(from);
    test_migrate_end(from, to, false);
}

static void mx_throttle_add_tests(void)
{
    qtest_add_func("/migration/mx/throttle/parameters",
                   test_mx_throttle_parameters);
    qtest_add_func("/migration/mx/throttle/parameters/global",
                   test_mx_throttle_parameters_global);
    qtest_add_func("/migration/mx/throttle/staged", test_mx_throttle_staged);
    qtest_add_func("/migration/mx/throttle/cancel", test_mx_throttle_cancel);
}
