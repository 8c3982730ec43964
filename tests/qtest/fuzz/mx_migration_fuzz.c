/*
 * qemu-mx: in-process libFuzzer target around the destination's loader.
 *
 * Each input is a whole incoming migration stream for qemu_loadvm_state():
 * the sections (a 'ram' section with its RAM list, pages with every flag
 * combination qemu-mx accepts: zero, page, zlib, qemu-mx's lz4 0x400,
 * xbzrle, continue, EOS; a 'block' section with stock chunks and qemu-mx's
 * dirty runs; or any other section this VM has), footers and EOF.  The
 * harness puts the magic and version in front; the configuration section is
 * switched off (-global migration.send-configuration=off) so that mutations
 * are not spent on the machine name.  Byte 0 of the input picks the
 * destination's set-up, as management would set it before migrate-incoming:
 *
 *   bits 0-1  0: no compression, 1: 'compress' with compress-method zlib,
 *             2 and 3: 'compress' with compress-method lz4
 *   bit 2     the 'xbzrle' capability
 *   bit 3     two decompress threads instead of one
 *
 * The VM: '-machine none -m 16M' (one RAM block, "ram"), no devices, no
 * CPU; two null-co drives for block records: "d0" (2.25 MiB), writable as a
 * guest device's drive is (the harness takes the write permission a device
 * would), and "d1" (1 MiB), which no device uses.
 *
 * Two modes:
 *  - persistent (the default): every input is loaded in the fuzzer's own
 *    process, a few thousand a second.  What a stream can change that
 *    outlives it is reset after each one (capabilities and parameters are
 *    set for every input; the incoming state is destroyed; COLO, which a
 *    stream can switch on, is switched off again); postcopy is kept out
 *    (the postcopy state is END while loading, so ADVISE/LISTEN/RUN are
 *    refused), as its listen thread would outlive the input.  Guest RAM
 *    and the section ids of earlier streams remain: a later stream sees
 *    what a real stream that loaded both would see.
 *  - MX_FUZZ_FRESH=1: every input runs in a forked child (as generic_fuzz
 *    does), so each one sees the VM as it was after start-up, postcopy
 *    commands included; 20-60 inputs a second on this machine.  libFuzzer's
 *    coverage counters are in shared memory (fork_fuzz.ld), so the parent
 *    sees the child's edges.  The child ends with _Exit(0) whether the
 *    stream was loaded or refused; the parent turns anything else into a
 *    crash of its own, so that libFuzzer stops and keeps the input: the
 *    child killed by a signal (SIGALRM after MX_FUZZ_TIMEOUT seconds,
 *    default 10, is a hang), a sanitizer report (libFuzzer's exit code in
 *    the child), or exit() called inside the loader.
 * A finding of the persistent mode counts once it reproduces with
 * MX_FUZZ_FRESH=1 and on a real destination (tests/fuzz/mx-ram-stream-fuzz.py).
 * QEMU's error messages for refused streams: run with -close_fd_mask=2 to
 * drop them (sanitizer and libFuzzer reports still reach stderr).
 *
 * MX_FUZZ_PLANT=1 is the checker's negative control: after a stream that
 * loaded, the target overruns a heap buffer by one byte, which ASan must
 * report; MX_FUZZ_PLANT=ubsan shifts an int by 32, which UBSan must.
 *
 * Build and run: tests/fuzz/mx-loader-fuzz-build.sh, make fuzz-loader,
 * docs/mx/reliability.md section 4.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"

#include <sys/prctl.h>
#include <sys/wait.h>

#include "qemu/coroutine.h"
#include "qemu/main-loop.h"
#include "qemu/yank.h"
#include "exec/memory.h"
#include "qapi/error.h"
#include "qapi/qapi-commands-migration.h"
#include "sysemu/block-backend.h"
#include "io/channel-buffer.h"
#include "migration/migration.h"
#include "migration/savevm.h"
#include "migration/qemu-file.h"
#include "migration/ram.h"
#include "migration/colo.h"
#include "migration/postcopy-ram.h"
#include "fuzz.h"
#include "fork_fuzz.h"

#define MX_FUZZ_MAGIC   0x5145564d      /* QEMU_VM_FILE_MAGIC */
#define MX_FUZZ_VERSION 3               /* QEMU_VM_FILE_VERSION */
#define MX_FUZZ_EXIT_IN_LOADER 3        /* exit() called inside the loader */

typedef struct {
    QEMUFile *f;
    int ret;
    bool done;
} MxFuzzLoad;

static bool mx_fuzz_in_child;

static void mx_fuzz_exit_in_loader(void)
{
    if (mx_fuzz_in_child) {
        /* runs before libFuzzer's own handler, registered earlier */
        _Exit(MX_FUZZ_EXIT_IN_LOADER);
    }
}

static void coroutine_fn mx_fuzz_load_co(void *opaque)
{
    MxFuzzLoad *l = opaque;
    MigrationIncomingState *mis = migration_incoming_get_current();

    mis->from_src_file = l->f;
    mis->migration_incoming_co = qemu_coroutine_self();
    mis->largest_page_size = qemu_ram_pagesize_largest();
    migrate_set_state(&mis->state, MIGRATION_STATUS_NONE,
                      MIGRATION_STATUS_ACTIVE);
    l->ret = qemu_loadvm_state(l->f);
    l->done = true;
}

/* The destination's set-up from byte 0, through the QMP commands' code. */
static bool mx_fuzz_setup(uint8_t mode)
{
    MigrationCapabilityStatusList *caps = NULL;
    MigrateSetParameters params = { 0 };
    MigrationCapabilityStatus *st;
    Error *err = NULL;
    int compress = mode & 3;

    /* both set, on or off: in persistent mode the last input's stay */
    st = g_new0(MigrationCapabilityStatus, 1);
    st->capability = MIGRATION_CAPABILITY_COMPRESS;
    st->state = compress != 0;
    QAPI_LIST_PREPEND(caps, st);
    st = g_new0(MigrationCapabilityStatus, 1);
    st->capability = MIGRATION_CAPABILITY_XBZRLE;
    st->state = mode & 4;
    QAPI_LIST_PREPEND(caps, st);
    qmp_migrate_set_capabilities(caps, &err);
    qapi_free_MigrationCapabilityStatusList(caps);
    if (err) {
        error_report_err(err);
        return false;
    }
    params.has_decompress_threads = true;
    params.decompress_threads = mode & 8 ? 2 : 1;
#ifdef CONFIG_LZ4
    params.has_compress_method = true;
    params.compress_method = compress >= 2 ? COMPRESS_METHOD_LZ4
                                           : COMPRESS_METHOD_ZLIB;
#endif
    qmp_migrate_set_parameters(&params, &err);
    if (err) {
        error_report_err(err);
        return false;
    }
    return true;
}

/* The harness's own messages: the real stderr, also with -close_fd_mask=2 */
static int mx_fuzz_out = STDERR_FILENO;
static bool mx_fuzz_fork;

/* Load one input; returns qemu_loadvm_state()'s result. */
static int mx_fuzz_load(const unsigned char *data, size_t size)
{
    MigrationIncomingState *mis = migration_incoming_get_current();
    QIOChannelBuffer *bioc;
    MxFuzzLoad l = { 0 };
    Coroutine *co;

    if (!mx_fuzz_setup(size ? data[0] : 0)) {
        return -EINVAL;
    }
    if (!mx_fuzz_fork) {
        /*
         * Persistent mode: no postcopy (its listen thread and RAM state
         * would outlive the input): ADVISE, LISTEN and RUN are refused in
         * this state, and ram_load() takes the precopy path.
         */
        postcopy_state_set(POSTCOPY_INCOMING_END);
    }
    /* as qemu_start_incoming_migration() does; the destroy unregisters it */
    yank_register_instance(MIGRATION_YANK_INSTANCE, &error_abort);
    bioc = qio_channel_buffer_new(8 + size);
    stl_be_p(bioc->data, MX_FUZZ_MAGIC);
    stl_be_p(bioc->data + 4, MX_FUZZ_VERSION);
    if (size > 1) {
        memcpy(bioc->data + 8, data + 1, size - 1);
    }
    bioc->usage = 8 + (size > 1 ? size - 1 : 0);
    l.f = qemu_file_new_input(QIO_CHANNEL(bioc));
    object_unref(OBJECT(bioc));

    co = qemu_coroutine_create(mx_fuzz_load_co, &l);
    qemu_coroutine_enter(co);
    while (!l.done) {
        main_loop_wait(false);
    }
    migration_incoming_state_destroy();
    if (!mx_fuzz_fork) {
        /* what a stream can switch on that outlives it */
        if (migration_incoming_colo_enabled()) {
            /* the release stops the dirty log the COLO thread would start */
            memory_global_dirty_log_start(GLOBAL_DIRTY_MIGRATION);
            colo_release_ram_cache();
            migration_incoming_disable_colo();
        }
        mis->state = MIGRATION_STATUS_NONE;
        mis->migration_incoming_co = NULL;
        postcopy_state_set(POSTCOPY_INCOMING_NONE);
    }
    return l.ret;
}

static void mx_fuzz_plant(int ret)
{
    const char *plant = getenv("MX_FUZZ_PLANT");

    if (ret != 0 || !plant) {
        return;
    }
    if (!strcmp(plant, "ubsan")) {
        /*
         * volatile: computed at run time; UBSan must report the shift (not
         * a signed overflow: QEMU builds with -fwrapv, which defines it)
         */
        volatile int shift = 27 + (int)strlen(plant);
        volatile int v = 1 << shift;    /* volatile: kept */

        (void)v;
    } else {
        /* volatile: the compiler must not drop the bad write */
        volatile char *p = g_malloc(16);

        p[16] = 1;      /* the planted bug: ASan must report it */
        g_free((char *)p);
    }
}

static void mx_fuzz_child(const unsigned char *data, size_t size)
{
    const char *t = getenv("MX_FUZZ_TIMEOUT");

    mx_fuzz_in_child = true;
    atexit(mx_fuzz_exit_in_loader);
    signal(SIGALRM, SIG_DFL);
    alarm(t ? atoi(t) : 10);
    mx_fuzz_plant(mx_fuzz_load(data, size));
    _Exit(0);
}

static void mx_migration_fuzz(QTestState *s, const unsigned char *data,
                              size_t size)
{
    int status;
    pid_t pid;

    if (!mx_fuzz_fork) {
        mx_fuzz_plant(mx_fuzz_load(data, size));
        return;
    }
    pid = fork();
    if (pid == 0) {
        mx_fuzz_child(data, size);
    }
    if (pid < 0 || waitpid(pid, &status, 0) != pid) {
        perror("mx-migration-fuzz: fork/waitpid");
        abort();
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        return;
    }
    if (WIFSIGNALED(status)) {
        dprintf(mx_fuzz_out, "mx-migration-fuzz: loader child killed by "
                "signal %d%s\n", WTERMSIG(status),
                WTERMSIG(status) == SIGALRM ? " (hang: timeout)" : "");
    } else if (WEXITSTATUS(status) == MX_FUZZ_EXIT_IN_LOADER) {
        dprintf(mx_fuzz_out, "mx-migration-fuzz: exit() called inside the "
                "loader\n");
    } else {
        dprintf(mx_fuzz_out, "mx-migration-fuzz: loader child exit status "
                "%d (a sanitizer or libFuzzer report above)\n",
                WEXITSTATUS(status));
    }
    abort();
}

static void mx_migration_pre_fuzz(QTestState *s)
{
    /* d0 is writable, as a guest device's drive is; d1 is not */
    blk_set_perm(blk_by_name("d0"), BLK_PERM_CONSISTENT_READ | BLK_PERM_WRITE,
                 BLK_PERM_ALL, &error_abort);
    if (mx_fuzz_fork) {
        counter_shm_init();
    }
}

/*
 * No transparent huge pages: each input's fork copies the page tables, and a
 * child's first write to guest RAM or to ASan's shadow would zero a whole
 * 2 MiB page; most of the time per input went there.
 */
static void mx_migration_pre_vm_init(void)
{
    prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
    mx_fuzz_out = dup(STDERR_FILENO);   /* before libFuzzer's close_fd_mask */
    mx_fuzz_fork = getenv("MX_FUZZ_FRESH") && atoi(getenv("MX_FUZZ_FRESH"));
}

static GString *mx_migration_cmdline(FuzzTarget *t)
{
    GString *cmd = g_string_new(TARGET_NAME);

    g_string_append(cmd, " -machine none,accel=qtest -m 16M -nodefaults"
                    " -display none"
                    " -global migration.send-configuration=off"
                    " -drive if=none,id=d0,driver=null-co,size=2359296"
                    " -drive if=none,id=d1,driver=null-co,size=1048576");
    return cmd;
}

static void mx_migration_register(void)
{
    fuzz_add_target(&(FuzzTarget){
        .name = "mx-migration-load",
        .description = "qemu-mx: a whole incoming migration stream "
                       "(RAM pages, compressed pages, block records) "
                       "through qemu_loadvm_state(), one fork per input",
        .get_init_cmdline = mx_migration_cmdline,
        .pre_vm_init = mx_migration_pre_vm_init,
        .pre_fuzz = mx_migration_pre_fuzz,
        .fuzz = mx_migration_fuzz,
    });
}

fuzz_target_init(mx_migration_register);
