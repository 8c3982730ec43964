/*
 * qemu-mx: migration qtests of the batched hand-off to the compress threads
 * (migration/mx-compress-batch.c, docs/mx/lz4-compression.md).
 *
 * Included by tests/qtest/migration-test.c after mx-migration-test.c (it
 * uses that file's helpers and migration-test's guest, which increments
 * every page continuously and whose check proves that every page reached
 * the destination), registered with mx_compress_batch_add_tests().
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

/* compress-batch-pages: default, read-back, range, HMP and -global */
static void test_mx_compress_batch_parameters(void)
{
    QTestState *from, *to;
    MigrateStart args = {
        .opts_target = "-global migration.compress-batch-pages=5",
    };

    if (test_migrate_start(&from, &to, "defer", &args)) {
        return;
    }
    migrate_check_parameter_int(from, "compress-batch-pages", 0);
    migrate_check_parameter_int(to, "compress-batch-pages", 5);

    migrate_set_parameter_int(from, "compress-batch-pages", 64);
    migrate_check_parameter_int(from, "compress-batch-pages", 64);
    migrate_set_parameter_int(from, "compress-batch-pages", 1);
    migrate_check_parameter_int(from, "compress-batch-pages", 1);
    mx_set_param_out_of_range(from, "compress-batch-pages", 65);
    mx_set_param_out_of_range(from, "compress-batch-pages", 255);
    mx_set_param_out_of_range(from, "compress-batch-pages", -1);

    g_free(qtest_hmp(from, "migrate_set_parameter compress-batch-pages 12"));
    migrate_check_parameter_int(from, "compress-batch-pages", 12);
    {
        g_autofree char *bad = qtest_hmp(from, "migrate_set_parameter "
                                         "compress-batch-pages 100");
        g_autofree char *out = qtest_hmp(from, "info migrate_parameters");

        g_assert(strstr(bad, "compress_batch_pages"));
        g_assert(strstr(out, "compress-batch-pages: 12"));
    }
    migrate_check_parameter_int(from, "compress-batch-pages", 12);
    test_migrate_end(from, to, false);
}

typedef struct MxBatchCase {
    const char *method;
    int threads;
    int batch;          /* compress-batch-pages */
} MxBatchCase;

static void mx_batch_setup(QTestState *who, const MxBatchCase *c)
{
    migrate_set_capability(who, "compress", true);
    migrate_set_parameter_int(who, "compress-threads", c->threads);
    migrate_set_parameter_int(who, "decompress-threads", 2);
    migrate_set_parameter_str(who, "compress-method", c->method);
    migrate_set_parameter_int(who, "compress-batch-pages", c->batch);
}

/* the case test_mx_compress_batch_ram() runs */
static const MxBatchCase *mx_batch_current;

static void *mx_start_batch(QTestState *from, QTestState *to)
{
    const MxBatchCase *c = mx_batch_current;

    mx_batch_setup(from, c);
    mx_batch_setup(to, c);
    return (void *)c;
}

/*
 * After the guest check of test_precopy_common(): pages went through the
 * compress threads, batched (fewer hand-offs than pages) unless
 * compress-batch-pages is 1, where 7.2's path runs and reports none.
 */
static void mx_finish_batch(QTestState *from, QTestState *to, void *opaque)
{
    const MxBatchCase *c = opaque;
    QDict *rsp = wait_command(from, "{ 'execute': 'query-migrate' }");
    QDict *s = qdict_get_qdict(rsp, "compression");
    int64_t pages;

    g_assert(s);
    g_assert_cmpstr(qdict_get_str(s, "method"), ==, c->method);
    pages = qdict_get_int(s, "pages");
    g_assert_cmpint(pages, >, 0);
    if (c->batch == 1) {
        g_assert_false(qdict_haskey(s, "handoffs"));
    } else {
        int64_t handoffs = qdict_get_int(s, "handoffs");

        g_test_message("%s, %d threads: %" PRId64 " pages, %" PRId64
                       " hand-offs, batch size %" PRId64, c->method,
                       c->threads, pages, handoffs,
                       qdict_get_int(s, "batch-size"));
        g_assert_cmpint(handoffs, >, 0);
        g_assert_cmpint(handoffs * 2, <=, pages);
        g_assert_cmpint(qdict_get_int(s, "batch-size"), >=, 2);
    }
    qobject_unref(rsp);
    {
        g_autofree char *out = qtest_hmp(from, "info migrate");

        g_assert(c->batch == 1 || strstr(out, "compression hand-offs:"));
    }
}

/* Two passes with the guest rewriting its pages, every page checked */
static void test_mx_compress_batch_ram(const void *data)
{
    MigrateCommon args = {
        .listen_uri = "tcp:127.0.0.1:0",
        .start_hook = mx_start_batch,
        .finish_hook = mx_finish_batch,
        .iterations = 2,
    };

    mx_batch_current = data;
    test_precopy_common(&args);
}

/* Threads of @pidfile's process named @name */
static int mx_count_threads(const char *pidfile, const char *name)
{
    g_autofree char *pid = NULL;
    g_autofree char *dir = NULL;
    GDir *d;
    const char *tid;
    int n = 0;

    g_assert(g_file_get_contents(pidfile, &pid, NULL, NULL));
    dir = g_strdup_printf("/proc/%d/task", atoi(pid));
    d = g_dir_open(dir, 0, NULL);
    g_assert(d);
    while ((tid = g_dir_read_name(d))) {
        g_autofree char *path = g_strdup_printf("%s/%s/comm", dir, tid);
        g_autofree char *comm = NULL;

        if (g_file_get_contents(path, &comm, NULL, NULL)) {
            g_strchomp(comm);
            n += !strcmp(comm, name);
        }
    }
    g_dir_close(d);
    return n;
}

/*
 * Wait for the source to reach @goal within MX_DEST_EXIT_TIMEOUT: a cleanup
 * stuck joining a compress thread keeps it in "cancelling" for ever, which
 * must fail the test rather than hang it.
 */
static void mx_wait_status(QTestState *who, const char *goal)
{
    g_test_timer_start();
    for (;;) {
        QDict *rsp = migrate_query(who);
        bool done = !strcmp(qdict_get_str(rsp, "status"), goal);

        qobject_unref(rsp);
        if (done) {
            return;
        }
        g_assert_cmpfloat(g_test_timer_elapsed(), <, MX_DEST_EXIT_TIMEOUT);
        g_usleep(20 * 1000);
    }
}

/*
 * A migration with busy compress threads (zlib level 9, 8 threads on 2
 * cores, 64 pages a batch) ends while batches are in flight: cancelled
 * (@fail false) or by its channel failing (@fail true: QMP yank shuts the
 * source's migration channel down, as a dead link or peer would).  The source
 * must reach "cancelled" / "failed" (its cleanup joined every compress
 * thread: none is left), and migrate again to a new destination, batched,
 * every page checked there.
 */
static void mx_compress_batch_abort(bool fail)
{
    static const MxBatchCase c = { "zlib", 8, 64 };
    g_autofree char *pidfile = g_strdup_printf("%s/src.pid", tmpfs);
    g_autofree char *opts = g_strdup_printf("-pidfile %s", pidfile);
    MigrateStart args = { .hide_stderr = true, .opts_source = opts };
    QTestState *from, *to, *to2;
    g_autofree char *uri = NULL;

    if (test_migrate_start(&from, &to, "defer", &args)) {
        return;
    }
    migrate_ensure_non_converge(from);
    mx_batch_setup(from, &c);
    migrate_set_parameter_int(from, "compress-level", 9);
    mx_batch_setup(to, &c);
    qobject_unref(wait_command(to, "{ 'execute': 'migrate-incoming',"
                               "  'arguments': { 'uri': 'tcp:127.0.0.1:0' }}"));
    wait_for_serial("src_serial");
    uri = migrate_get_socket_address(to, "socket-address");
    migrate_qmp(from, uri, "{}");
    wait_for_migration_pass(from);
    g_assert_cmpint(mx_count_threads(pidfile, "compress"), ==, c.threads);

    if (fail) {
        qobject_unref(wait_command(from, "{ 'execute': 'yank', 'arguments': "
                                   "{ 'instances': [ { 'type': 'migration' } ]"
                                   " } }"));
        wait_for_migration_fail(from, true);
    } else {
        migrate_cancel(from);
        mx_wait_status(from, "cancelled");
    }
    qtest_set_expected_status(to, EXIT_FAILURE);
    qtest_wait_qemu(to);
    /* "failed" shows before the cleanup bottom half joined the threads */
    g_test_timer_start();
    while (mx_count_threads(pidfile, "compress")) {
        g_assert_cmpfloat(g_test_timer_elapsed(), <, MX_DEST_EXIT_TIMEOUT);
        g_usleep(20 * 1000);
    }

    args = (MigrateStart){ .only_target = true };
    if (test_migrate_start(&from, &to2, "defer", &args)) {
        return;
    }
    mx_batch_setup(to2, &c);
    qobject_unref(wait_command(to2, "{ 'execute': 'migrate-incoming',"
                               "  'arguments': { 'uri': 'tcp:127.0.0.1:0' }}"));
    g_free(uri);
    uri = migrate_get_socket_address(to2, "socket-address");
    migrate_set_parameter_int(from, "compress-level", 1);
    migrate_qmp(from, uri, "{}");
    wait_for_migration_pass(from);
    migrate_ensure_converge(from);
    wait_for_migration_complete(from);
    if (!got_stop) {
        qtest_qmp_eventwait(from, "STOP");
    }
    qtest_qmp_eventwait(to2, "RESUME");
    wait_for_serial("dest_serial");
    mx_finish_batch(from, to2, (void *)&c);
    test_migrate_end(from, to2, true);
    unlink(pidfile);
}

static void test_mx_compress_batch_cancel(void)
{
    mx_compress_batch_abort(false);
}

static void test_mx_compress_batch_fail(void)
{
    mx_compress_batch_abort(true);
}

static const MxBatchCase mx_batch_cases[] = {
    { "zlib", 1, 0 }, { "zlib", 2, 0 }, { "zlib", 4, 0 }, { "zlib", 8, 0 },
#ifdef CONFIG_LZ4
    { "lz4", 1, 0 }, { "lz4", 2, 0 }, { "lz4", 4, 0 }, { "lz4", 8, 0 },
#endif
    { "zlib", 2, 1 },   /* stock per-page hand-off */
};

static void mx_compress_batch_add_tests(void)
{
    qtest_add_func("/migration/mx/compress-batch/parameters",
                   test_mx_compress_batch_parameters);
    for (size_t i = 0; i < G_N_ELEMENTS(mx_batch_cases); i++) {
        const MxBatchCase *c = &mx_batch_cases[i];
        g_autofree char *path = g_strdup_printf(
            "/migration/mx/compress-batch/%s/threads-%d%s", c->method,
            c->threads, c->batch == 1 ? "-stock" : "");

        qtest_add_data_func(path, c, test_mx_compress_batch_ram);
    }
    qtest_add_func("/migration/mx/compress-batch/cancel",
                   test_mx_compress_batch_cancel);
    qtest_add_func("/migration/mx/compress-batch/fail",
                   test_mx_compress_batch_fail);
}
