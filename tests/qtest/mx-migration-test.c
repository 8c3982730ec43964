/*
 * qemu-mx: migration qtests for lz4 compression, compress-bypass and the
 * parameters of qemu-mx's other features.
 *
 * Included by tests/qtest/migration-test.c (it reuses that file's guest,
 * the boot-block loop that increments every page, whose check at the end
 * of each test proves that every page reached the destination, and that
 * decompression finished before the destination ran), and registered from
 * its main() with mx_migration_add_tests().
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

/* set @param, expect an error, and check the old value is still there */
static void mx_set_param_out_of_range(QTestState *who, const char *param,
                                      long long bad)
{
    long long before = migrate_get_parameter_int(who, param);
    QDict *rsp = qtest_qmp(who, "{ 'execute': 'migrate-set-parameters',"
                           "'arguments': { %s: %lld } }", param, bad);

    g_assert(qdict_haskey(rsp, "error"));
    qobject_unref(rsp);
    migrate_check_parameter_int(who, param, before);
}

static void mx_set_parameter_bool(QTestState *who, const char *param,
                                       bool value)
{
    qobject_unref(wait_command(who, "{ 'execute': 'migrate-set-parameters',"
                               "'arguments': { %s: %i } }", param, value));
}

static bool mx_get_parameter_bool(QTestState *who, const char *param)
{
    QDict *rsp = wait_command(who, "{ 'execute': 'query-migrate-parameters' }");
    bool v = qdict_get_bool(rsp, param);

    qobject_unref(rsp);
    return v;
}

static void test_mx_parameters(void)
{
    QTestState *from, *to;
    MigrateStart args = { };
    QDict *rsp;

    if (test_migrate_start(&from, &to, "defer", &args)) {
        return;
    }
    /* defaults: the stock method and wire format */
    migrate_check_parameter_str(from, "compress-method", "zlib");
    migrate_check_parameter_int(from, "lz4-acceleration", 1);
    g_assert_false(mx_get_parameter_bool(from, "compress-bypass"));

    migrate_set_parameter_str(from, "compress-method", "lz4");
    migrate_set_parameter_int(from, "lz4-acceleration", 8);
    mx_set_parameter_bool(from, "compress-bypass", true);
    migrate_check_parameter_str(from, "compress-method", "lz4");
    migrate_check_parameter_int(from, "lz4-acceleration", 8);
    g_assert_true(mx_get_parameter_bool(from, "compress-bypass"));

    mx_set_param_out_of_range(from, "lz4-acceleration", 0);
    mx_set_param_out_of_range(from, "lz4-acceleration", 65538);
    rsp = qtest_qmp(from, "{ 'execute': 'migrate-set-parameters',"
                    "'arguments': { 'compress-method': 'lzma' } }");
    g_assert(qdict_haskey(rsp, "error"));
    qobject_unref(rsp);
    migrate_check_parameter_str(from, "compress-method", "lz4");

    /* stock 7.2 drops these two when set over QMP */
    migrate_set_parameter_int(from, "multifd-zlib-level", 7);
    migrate_check_parameter_int(from, "multifd-zlib-level", 7);
    migrate_set_parameter_int(from, "multifd-zstd-level", 5);
    migrate_check_parameter_int(from, "multifd-zstd-level", 5);
    mx_set_param_out_of_range(from, "multifd-zlib-level", 10);
    mx_set_param_out_of_range(from, "multifd-zstd-level", 21);

    /* HMP sets and shows them too */
    g_free(qtest_hmp(from, "migrate_set_parameter lz4-acceleration 3"));
    migrate_check_parameter_int(from, "lz4-acceleration", 3);
    {
        g_autofree char *out = qtest_hmp(from, "info migrate_parameters");
        g_assert(strstr(out, "compress-method: lz4"));
        g_assert(strstr(out, "lz4-acceleration: 3"));
        g_assert(strstr(out, "compress-bypass: on"));
    }
    test_migrate_end(from, to, false);
}

/* -global migration.* sets the defaults */
static void test_mx_parameters_global(void)
{
    QTestState *from, *to;
    MigrateStart args = {
        .opts_source = "-global migration.compress-method=lz4 "
                       "-global migration.lz4-acceleration=4 "
                       "-global migration.compress-bypass=on",
    };

    if (test_migrate_start(&from, &to, "defer", &args)) {
        return;
    }
    migrate_check_parameter_str(from, "compress-method", "lz4");
    migrate_check_parameter_int(from, "lz4-acceleration", 4);
    g_assert_true(mx_get_parameter_bool(from, "compress-bypass"));
    test_migrate_end(from, to, false);
}

static void mx_compress_setup(QTestState *who, const char *method,
                              bool bypass)
{
    migrate_set_capability(who, "compress", true);
    migrate_set_parameter_int(who, "compress-threads", 2);
    migrate_set_parameter_int(who, "decompress-threads", 2);
    migrate_set_parameter_str(who, "compress-method", method);
    mx_set_parameter_bool(who, "compress-bypass", bypass);
}

#ifdef CONFIG_LZ4
static void *mx_start_lz4(QTestState *from, QTestState *to)
{
    mx_compress_setup(from, "lz4", false);
    mx_compress_setup(to, "lz4", false);
    return NULL;
}

static void *mx_start_lz4_bypass(QTestState *from, QTestState *to)
{
    mx_compress_setup(from, "lz4", true);
    mx_compress_setup(to, "lz4", true);
    return NULL;
}

#endif

static void *mx_start_zlib_bypass(QTestState *from, QTestState *to)
{
    mx_compress_setup(from, "zlib", true);
    mx_compress_setup(to, "zlib", true);
    return NULL;
}

#if defined(CONFIG_LZ4) || defined(CONFIG_ZSTD)
/* statistics: lz4 pages were compressed and counted */
static void mx_finish_check_stats(QTestState *from, QTestState *to,
                                  void *opaque)
{
    QDict *rsp = wait_command(from, "{ 'execute': 'query-migrate' }");
    QDict *c = qdict_get_qdict(rsp, "compression");
    const char *method = opaque;

    g_assert(c);
    g_assert_cmpstr(qdict_get_str(c, "method"), ==, method);
    g_assert_cmpint(qdict_get_int(c, "pages"), >, 0);
    g_assert_cmpint(qdict_get_int(c, "compressed-size"), <,
                    qdict_get_int(c, "uncompressed-size"));
    g_assert(qdict_haskey(c, "bypassed"));
    g_assert(qdict_haskey(c, "cpu-bypassed"));
    qobject_unref(rsp);
    {
        g_autofree char *out = qtest_hmp(from, "info migrate");
        g_assert(strstr(out, "compression method:"));
    }
}

#endif

#ifdef CONFIG_LZ4
/*
 * lz4 without bypass.  The guest of migration-test rewrites all of its memory
 * continuously and its pages compress to a few bytes.  Stock 7.2 measured the
 * bandwidth in compressed bytes but the remaining work in raw bytes, so this
 * migration often never saw itself converge (2 of 3 runs hit the test's
 * timeout); with the estimate in raw bytes (mx_converge_bandwidth) it must
 * complete on its own once the downtime limit allows it, the guest running.
 */
static void *mx_start_lz4_stats(QTestState *from, QTestState *to)
{
    mx_start_lz4(from, to);
    return (void *)"lz4";
}

static void test_mx_compress_lz4(void)
{
    MigrateCommon args = {
        .listen_uri = "tcp:127.0.0.1:0",
        .start_hook = mx_start_lz4_stats,
        .finish_hook = mx_finish_check_stats,
        .iterations = 2,
    };
    test_precopy_common(&args);
}

#endif

/*
 * query-migrate's compression statistics of @who: compressed pages and
 * pages the bypass rule sent raw; the method must be @method unless NULL.
 */
static void mx_get_bypass_counts(QTestState *who, const char *method,
                                 int64_t *pages, int64_t *cpu_bypassed)
{
    QDict *rsp = wait_command(who, "{ 'execute': 'query-migrate' }");
    QDict *c = qdict_get_qdict(rsp, "compression");

    g_assert(c);
    if (method) {
        g_assert_cmpstr(qdict_get_str(c, "method"), ==, method);
    }
    g_assert(qdict_haskey(c, "bypass-active"));
    *pages = qdict_get_int(c, "pages");
    *cpu_bypassed = qdict_get_int(c, "cpu-bypassed");
    g_test_message("compressed pages %" PRId64 ", cpu-bypassed %" PRId64,
                   *pages, *cpu_bypassed);
    qobject_unref(rsp);
}

/*
 * compress-bypass measured both modes: the rule starts compressing and, after
 * its first window, must send a window raw to measure that mode too
 * (mx-bypass.c), so some pages went out compressed and some raw as
 * cpu-bypassed.  With bypass doing nothing, cpu-bypassed stays 0.
 */
static void mx_finish_check_bypass_measured(QTestState *from, QTestState *to,
                                            void *opaque)
{
    int64_t pages, cpu_bypassed;

    mx_get_bypass_counts(from, NULL, &pages, &cpu_bypassed);
    g_assert_cmpint(pages, >, 0);
    g_assert_cmpint(cpu_bypassed, >, 0);
}

/*
 * Two passes over TCP with the compress threads set up by @hook, RAM
 * checked, and the bypass rule seen at work.
 */
static void mx_compress_two_passes(TestMigrateStartHook hook)
{
    MigrateCommon args = {
        .listen_uri = "tcp:127.0.0.1:0",
        .start_hook = hook,
        .finish_hook = mx_finish_check_bypass_measured,
        .iterations = 2,
    };
    test_precopy_common(&args);
}

#ifdef CONFIG_LZ4
static void test_mx_compress_lz4_bypass(void)
{
    mx_compress_two_passes(mx_start_lz4_bypass);
}

#endif

static void test_mx_compress_zlib_bypass(void)
{
    mx_compress_two_passes(mx_start_zlib_bypass);
}

/*
 * compress-bypass with the CPU as the bottleneck: one zlib thread at level
 * 9 against an unlimited local socket.  Compressing moves far fewer pages
 * per second than sending them raw, so the bypass rule must switch
 * compression off: most pages go raw as cpu-bypassed, only the measuring
 * windows compress.
 */
static void *mx_start_zlib_cpu_bound(QTestState *from, QTestState *to)
{
    mx_compress_setup(from, "zlib", true);
    mx_compress_setup(to, "zlib", true);
    migrate_set_parameter_int(from, "compress-threads", 1);
    migrate_set_parameter_int(from, "compress-level", 9);
    migrate_set_parameter_int(from, "max-bandwidth", 0);    /* no limit */
    return NULL;
}

static void mx_finish_check_cpu_bypassed(QTestState *from, QTestState *to,
                                         void *opaque)
{
    int64_t cpu_bypassed, pages;

    mx_get_bypass_counts(from, "zlib", &pages, &cpu_bypassed);
    g_assert_cmpint(cpu_bypassed, >, 0);
    /* the rule decided for raw, not only measured it for a window */
    g_assert_cmpint(cpu_bypassed, >, pages);
}

static void test_mx_compress_zlib_cpu_bound(void)
{
    MigrateCommon args = {
        .listen_uri = "tcp:127.0.0.1:0",
        .start_hook = mx_start_zlib_cpu_bound,
        .finish_hook = mx_finish_check_cpu_bypassed,
        .iterations = 2,
    };
    test_precopy_common(&args);
}

#ifdef CONFIG_LZ4
/* lz4 source into a zlib destination: refused, destination quits */
static void *mx_start_lz4_into_zlib(QTestState *from, QTestState *to)
{
    mx_compress_setup(from, "lz4", false);
    mx_compress_setup(to, "zlib", false);
    return NULL;
}

static void *mx_start_lz4_into_plain(QTestState *from, QTestState *to)
{
    mx_compress_setup(from, "lz4", false);
    return NULL;
}

static void *mx_start_zlib_into_lz4(QTestState *from, QTestState *to)
{
    mx_compress_setup(from, "zlib", false);
    mx_compress_setup(to, "lz4", false);
    return NULL;
}

/*
 * The source fails while active (the destination refuses the first page of
 * the wrong kind), and the destination quits with an error.
 */
static void mx_mismatch(const char *listen_uri, TestMigrateStartHook hook)
{
    QTestState *from, *to;
    MigrateStart args = { };
    g_autofree char *uri = NULL;

    if (test_migrate_start(&from, &to, listen_uri, &args)) {
        return;
    }
    migrate_ensure_non_converge(from);
    hook(from, to);
    uri = migrate_get_socket_address(to, "socket-address");
    migrate_qmp(from, uri, "{}");
    wait_for_migration_fail(from, true);
    qtest_set_expected_status(to, EXIT_FAILURE);
    test_migrate_end(from, to, false);
}

static void test_mx_mismatch_lz4_into_zlib(void)
{
    mx_mismatch("tcp:127.0.0.1:0", mx_start_lz4_into_zlib);
}

static void test_mx_mismatch_lz4_into_plain(void)
{
    mx_mismatch("tcp:127.0.0.1:0", mx_start_lz4_into_plain);
}

static void test_mx_mismatch_zlib_into_lz4(void)
{
    mx_mismatch("tcp:127.0.0.1:0", mx_start_zlib_into_lz4);
}

#endif

#ifdef CONFIG_LZ4
static void *mx_start_multifd_lz4(QTestState *from, QTestState *to)
{
    return test_migrate_precopy_tcp_multifd_start_common(from, to, "lz4");
}

static void *mx_start_multifd_lz4_bypass(QTestState *from, QTestState *to)
{
    mx_set_parameter_bool(from, "compress-bypass", true);
    migrate_set_parameter_int(from, "lz4-acceleration", 8);
    return test_migrate_precopy_tcp_multifd_start_common(from, to, "lz4");
}

static void *mx_start_multifd_lz4_stats(QTestState *from, QTestState *to)
{
    mx_start_multifd_lz4(from, to);
    return (void *)"multifd-lz4";
}

static void test_mx_multifd_lz4(void)
{
    MigrateCommon args = {
        .listen_uri = "defer",
        .start_hook = mx_start_multifd_lz4_stats,
        .finish_hook = mx_finish_check_stats,
        .iterations = 2,
    };
    test_precopy_common(&args);
}

#endif

#ifdef CONFIG_ZSTD
/* stock multifd zstd gains statistics (and the convergence estimate) */
static void *mx_start_multifd_zstd_stats(QTestState *from, QTestState *to)
{
    test_migrate_precopy_tcp_multifd_start_common(from, to, "zstd");
    return (void *)"multifd-zstd";
}

static void test_mx_multifd_zstd_stats(void)
{
    MigrateCommon args = {
        .listen_uri = "defer",
        .start_hook = mx_start_multifd_zstd_stats,
        .finish_hook = mx_finish_check_stats,
        .iterations = 2,
    };
    test_precopy_common(&args);
}
#endif

#ifdef CONFIG_LZ4
static void test_mx_multifd_lz4_bypass(void)
{
    MigrateCommon args = {
        .listen_uri = "defer",
        .start_hook = mx_start_multifd_lz4_bypass,
        .finish_hook = mx_finish_check_bypass_measured,
        .iterations = 2,
    };
    test_precopy_common(&args);
}

#endif

/*
 * multifd with a different method on each side.  The destination's receive
 * channels refuse the first packet with pages (its flags name the other
 * method); the source fails and keeps running, and the destination must quit
 * on its own with an error.  7.2 could instead leave the destination's main
 * thread waiting forever for a sync from the dead channels (and then SIGTERM
 * does not end it either): see docs/mx/lz4-compression.md.
 */
#define MX_DEST_EXIT_TIMEOUT 120

static void mx_start_multifd_mismatch(QTestState *from, QTestState *to,
                                      const char *from_method,
                                      const char *to_method)
{
    migrate_set_parameter_int(from, "multifd-channels", 4);
    migrate_set_parameter_int(to, "multifd-channels", 4);
    migrate_set_parameter_str(from, "multifd-compression", from_method);
    migrate_set_parameter_str(to, "multifd-compression", to_method);
    migrate_set_capability(from, "multifd", true);
    migrate_set_capability(to, "multifd", true);
    qobject_unref(wait_command(to, "{ 'execute': 'migrate-incoming',"
                               "  'arguments': { 'uri': 'tcp:127.0.0.1:0' }}"));
}

/*
 * Wait for @to to exit by itself.  If it does not, SIGKILL it (through its
 * pidfile) before failing: the abort path of libqtest sends SIGTERM and
 * waits, which a hung destination ignores.
 */
static void mx_wait_for_exit(QTestState *to, const char *pidfile)
{
    g_test_timer_start();
    while (qtest_probe_child(to)) {
        if (g_test_timer_elapsed() > MX_DEST_EXIT_TIMEOUT) {
            g_autofree char *pid = NULL;

            if (g_file_get_contents(pidfile, &pid, NULL, NULL)) {
                kill(atoi(pid), SIGKILL);
            }
            g_error("the destination did not exit after the failed "
                    "migration");
        }
        g_usleep(20 * 1000);
    }
}

static void mx_multifd_mismatch(const char *from_method, const char *to_method)
{
    QTestState *from, *to;
    g_autofree char *pidfile = g_strdup_printf("%s/dest.pid", tmpfs);
    g_autofree char *opts = g_strdup_printf("-pidfile %s", pidfile);
    MigrateStart args = { .opts_target = opts };
    g_autofree char *uri = NULL;

    if (test_migrate_start(&from, &to, "defer", &args)) {
        return;
    }
    migrate_ensure_non_converge(from);
    mx_start_multifd_mismatch(from, to, from_method, to_method);
    wait_for_serial("src_serial");
    uri = migrate_get_socket_address(to, "socket-address");
    migrate_qmp(from, uri, "{}");
    wait_for_migration_fail(from, true);
    qtest_set_expected_status(to, EXIT_FAILURE);
    mx_wait_for_exit(to, pidfile);
    test_migrate_end(from, to, false);
    unlink(pidfile);
}

#ifdef CONFIG_LZ4
static void test_mx_multifd_mismatch_lz4_into_zlib(void)
{
    mx_multifd_mismatch("lz4", "zlib");
}

#endif

static void test_mx_multifd_mismatch_zlib_into_none(void)
{
    mx_multifd_mismatch("zlib", "none");
}

#ifdef CONFIG_ZSTD
static void test_mx_multifd_mismatch_zstd_into_zlib(void)
{
    mx_multifd_mismatch("zstd", "zlib");
}
#endif

/* hot-segment deferral parameters: defaults, read-back, range, HMP, -global */
/*
 * The parameters of qemu-mx's features, one table entry each, checked the
 * same way (migration/mx-params.c handles them all the same way too):
 * the default on the source, a -global value read back on the target,
 * values set over QMP and read back, out-of-range values refused with the
 * old value kept, an HMP set read back over QMP and in info
 * migrate_parameters, and an HMP value refused with an error naming the
 * parameter.
 */
#define MX_PARAM_END LLONG_MIN

typedef struct MxParamCase {
    const char *name;           /* QMP/HMP name */
    long long dflt;             /* default on the source */
    const char *global;         /* -global migration.<name>= on the target */
    long long global_value;     /* what the target then reads back */
    long long good[4];          /* set and read back, MX_PARAM_END ends */
    long long bad[4];           /* refused, MX_PARAM_END ends */
    const char *hmp;            /* HMP migrate_set_parameter value */
    long long hmp_value;        /* its value over QMP */
    const char *hmp_info;       /* a line of info migrate_parameters */
    const char *hmp_bad;        /* refused by HMP */
} MxParamCase;

typedef struct MxParamGroup {
    const char *path;           /* /migration/mx/parameters/<path> */
    MxParamCase cases[3];       /* a NULL name ends */
} MxParamGroup;

static const MxParamGroup mx_param_groups[] = {
    { "hot-defer", {
        { "ram-delay-save-percent", 30, "10", 10,
          { 0, 100, 30, MX_PARAM_END }, { 101, MX_PARAM_END },
          "20", 20, "ram-delay-save-percent: 20\r", "200" },
        { "ram-delay-segment-size", 2 * 1024 * 1024, "4194304",
          4 * 1024 * 1024,
          { 262144, 1024 * 1024 * 1024, MX_PARAM_END },
          { 131072, 3 * 262144, 2LL * 1024 * 1024 * 1024, MX_PARAM_END },
          "1M", 1024 * 1024, "ram-delay-segment-size: 1048576 bytes", "3M" },
    } },
    { "mig-block-size", {
        { "mig-block-size", 1024 * 1024, "65536", 65536,
          { 4096, 1024 * 1024, MX_PARAM_END },
          { 2048, 2 * 1024 * 1024, 12288, MX_PARAM_END },
          "64K", 65536, "mig-block-size: 65536 bytes", "3K" },
        /* 1 is stock: the destination writes one record at a time */
        { "blk-load-depth", 16, "1", 1,
          { 1, 64, 16, MX_PARAM_END }, { 0, 65, MX_PARAM_END },
          "4", 4, "blk-load-depth: 4\r", "99" },
    } },
    { "ram-time-slice", {
        /* 1024 is stock, -1 auto */
        { "ram-time-slice", 1024, "-1", -1,
          { 0, 1024, -1, MX_PARAM_END }, { -2, 1025, MX_PARAM_END },
          "256", 256, "ram-time-slice: 256\r", "2000" },
        { "ram-time-slice", 1024, NULL, 0,
          { MX_PARAM_END }, { MX_PARAM_END },
          "-1", -1, "ram-time-slice: -1 (auto)", "-3" },
    } },
    { "tcp-user-timeout", {
        /* 0 is the kernel's default */
        { "tcp-user-timeout", 0, "7000", 7000,
          { 3600000, 0, MX_PARAM_END }, { 3600001, MX_PARAM_END },
          "1500", 1500, "tcp-user-timeout: 1500 ms", "4000000" },
    } },
    { "mirror", {
        /* 1 (the default) is stock's one dirty area per turn */
        { "mirror-batch", 1, "16", 16,
          { 1, 64, 16, MX_PARAM_END }, { 0, 65, MX_PARAM_END },
          "8", 8, "mirror-batch: 8\r", "99" },
        /* 0 is qemu-mx's rule, 65536 stock's granularity */
        { "mirror-default-granularity", 0, "65536", 65536,
          { 512, 64 * 1024 * 1024, 0, MX_PARAM_END },
          { 256, 3000, 128 * 1024 * 1024, MX_PARAM_END },
          "64K", 65536, "mirror-default-granularity: 65536", "1000" },
    } },
    { "block-qos", {
        /* 0 is the IO QoS controller without its pace rule */
        { "block-qos-slowdown", 10, "0", 0,
          { 0, 1000, 25, MX_PARAM_END }, { 1001, 100000, MX_PARAM_END },
          "5", 5, "block-qos-slowdown: 5 %", "1001" },
    } },
    { "nbd", {
        /* 0 is stock: the NBD server keeps no payload buffer */
        { "nbd-buffer-cache", 16 * 1024 * 1024, "0", 0,
          { 0, 1024 * 1024 * 1024, 4096, MX_PARAM_END },
          { 1024 * 1024 * 1024 + 1LL, 4LL * 1024 * 1024 * 1024, MX_PARAM_END },
          "2M", 2 * 1024 * 1024, "nbd-buffer-cache: 2097152 bytes", "2G" },
    } },
};

static void test_mx_param_group(const void *opaque)
{
    const MxParamGroup *g = opaque;
    g_autoptr(GString) globals = g_string_new("");
    const MxParamCase *c;
    QTestState *from, *to;
    MigrateStart args = { };
    int i;

    for (c = g->cases; c < g->cases + ARRAY_SIZE(g->cases) && c->name; c++) {
        if (c->global) {
            g_string_append_printf(globals, " -global migration.%s=%s",
                                   c->name, c->global);
        }
    }
    args.opts_target = globals->str;
    if (test_migrate_start(&from, &to, "defer", &args)) {
        return;
    }
    for (c = g->cases; c < g->cases + ARRAY_SIZE(g->cases) && c->name; c++) {
        migrate_check_parameter_int(from, c->name, c->dflt);
        if (c->global) {
            migrate_check_parameter_int(to, c->name, c->global_value);
        }
    }
    for (c = g->cases; c < g->cases + ARRAY_SIZE(g->cases) && c->name; c++) {
        g_autofree char *set = g_strdup_printf("migrate_set_parameter %s %s",
                                               c->name, c->hmp);
        g_autofree char *set_bad = g_strdup_printf(
            "migrate_set_parameter %s %s", c->name, c->hmp_bad);
        g_autofree char *err_name = g_strdelimit(g_strdup(c->name), "-", '_');
        g_autofree char *out = NULL, *bad = NULL;

        for (i = 0; c->good[i] != MX_PARAM_END; i++) {
            migrate_set_parameter_int(from, c->name, c->good[i]);
            migrate_check_parameter_int(from, c->name, c->good[i]);
        }
        for (i = 0; c->bad[i] != MX_PARAM_END; i++) {
            mx_set_param_out_of_range(from, c->name, c->bad[i]);
        }
        g_free(qtest_hmp(from, "%s", set));
        migrate_check_parameter_int(from, c->name, c->hmp_value);
        out = qtest_hmp(from, "info migrate_parameters");
        g_assert(strstr(out, c->hmp_info));
        bad = qtest_hmp(from, "%s", set_bad);
        g_assert(strstr(bad, err_name));
        migrate_check_parameter_int(from, c->name, c->hmp_value);
    }
    test_migrate_end(from, to, false);
}

static void *mx_tcp_timeout_start(QTestState *from, QTestState *to)
{
    migrate_set_parameter_int(from, "tcp-user-timeout", 20000);
    return NULL;
}

/* a TCP migration (main channel) with TCP_USER_TIMEOUT set completes */
static void test_mx_tcp_user_timeout_precopy(void)
{
    MigrateCommon args = {
        .listen_uri = "tcp:127.0.0.1:0",
        .start_hook = mx_tcp_timeout_start,
    };

    test_precopy_common(&args);
}

static void mx_migration_add_tests(void)
{
    size_t i;

    qtest_add_func("/migration/mx/parameters", test_mx_parameters);
    qtest_add_func("/migration/mx/parameters/global",
                   test_mx_parameters_global);
    for (i = 0; i < ARRAY_SIZE(mx_param_groups); i++) {
        g_autofree char *path = g_strdup_printf("/migration/mx/parameters/%s",
                                                mx_param_groups[i].path);

        qtest_add_data_func(path, &mx_param_groups[i], test_mx_param_group);
    }
    qtest_add_func("/migration/mx/tcp-user-timeout/precopy",
                   test_mx_tcp_user_timeout_precopy);
    qtest_add_func("/migration/mx/compress/zlib-bypass",
                   test_mx_compress_zlib_bypass);
    qtest_add_func("/migration/mx/compress/zlib-cpu-bound",
                   test_mx_compress_zlib_cpu_bound);
    qtest_add_func("/migration/mx/multifd/mismatch/zlib-into-none",
                   test_mx_multifd_mismatch_zlib_into_none);
#ifdef CONFIG_ZSTD
    qtest_add_func("/migration/mx/multifd/zstd-stats",
                   test_mx_multifd_zstd_stats);
    qtest_add_func("/migration/mx/multifd/mismatch/zstd-into-zlib",
                   test_mx_multifd_mismatch_zstd_into_zlib);
#endif
#ifdef CONFIG_LZ4
    qtest_add_func("/migration/mx/compress/lz4", test_mx_compress_lz4);
    qtest_add_func("/migration/mx/compress/lz4-bypass",
                   test_mx_compress_lz4_bypass);
    qtest_add_func("/migration/mx/compress/mismatch/lz4-into-zlib",
                   test_mx_mismatch_lz4_into_zlib);
    qtest_add_func("/migration/mx/compress/mismatch/lz4-into-plain",
                   test_mx_mismatch_lz4_into_plain);
    qtest_add_func("/migration/mx/compress/mismatch/zlib-into-lz4",
                   test_mx_mismatch_zlib_into_lz4);
    qtest_add_func("/migration/mx/multifd/lz4", test_mx_multifd_lz4);
    qtest_add_func("/migration/mx/multifd/lz4-bypass",
                   test_mx_multifd_lz4_bypass);
    qtest_add_func("/migration/mx/multifd/mismatch/lz4-into-zlib",
                   test_mx_multifd_mismatch_lz4_into_zlib);
#endif
}
