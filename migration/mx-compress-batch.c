/*
 * qemu-mx: batched hand-off between the migration thread and the compress
 * threads (see mx-compress-batch.h).
 *
 * Order on the stream: every page a batch holds belongs to the RAM block
 * of the last page the migration thread sent (ram.c flushes before a page
 * of another block, as 7.2 does), so each record carries
 * RAM_SAVE_FLAG_CONTINUE and its own offset, exactly as 7.2's records do.
 * Within a round the records of different pages may come in any order (as
 * with 7.2's threads); a page is sent again only in a later round, and
 * every flush point of 7.2 (end of a round, a new block, the end of the
 * save) puts every batch on the stream before anything else.  So a stock
 * destination loads the stream as it loads 7.2's.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/thread.h"
#include "qemu/atomic.h"
#include "io/channel-buffer.h"
#include "exec/target_page.h"
#include "migration.h"
#include "qemu-file.h"
#include "mx-compress-batch.h"
#include "mx-compress-batch-rule.h"
#include "mx-compress-batch-params.h"
#include "trace.h"

typedef struct MxCBPage {
    RAMBlock *block;
    ram_addr_t offset;
} MxCBPage;

typedef struct MxCBRes {
    int bytes;
    bool zero;
    MxPageResult mx;
} MxCBRes;

typedef struct MxCBWorker {
    QemuThread thread;
    QemuMutex mutex;        /* todo, quit */
    QemuCond cond;
    bool started;
    bool quit;
    bool todo;              /* a batch was handed over, not started */
    bool done;              /* idle (pool.done_lock) */
    bool output;            /* holds records not yet on the stream */
    unsigned n;             /* pages of the batch */
    unsigned n_done;        /* pages compressed */
    uint64_t cpu_ns;        /* thread CPU the batch took */
    MxCBPage pages[MX_BATCH_MAX];
    MxCBRes res[MX_BATCH_MAX];
    z_stream stream;
    bool stream_ok;
    uint8_t *buf;
    MxCompressCtx *mx;
    QIOChannelBuffer *bioc; /* owned by file */
    QEMUFile *file;
} MxCBWorker;

static struct {
    bool active;
    bool used;              /* this or the last migration batched */
    int n;
    int next;               /* where the search for an idle thread starts */
    MxCBWorker *w;
    QemuMutex done_lock;
    QemuCond done_cond;
    MxCBatchPageFn page;
    MxCBatchAccountFn account;
    MxCBPage stage[MX_BATCH_MAX];
    unsigned staged;
    MxBatchRule rule;
    uint64_t handoffs;
    unsigned size;          /* rule.size, readable by any thread */
} pool;

bool mx_cbatch_wanted(void)
{
    return migrate_compress_batch_pages() != 1;
}

bool mx_cbatch_active(void)
{
    return pool.active;
}

static uint64_t mx_thread_cpu_ns(void)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)) {
        return 0;
    }
    return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/*
 * 7.2's qemu_put_compression_data() fails when the file's buffer (32 KiB)
 * has no room for a whole deflate bound; a batch's records do not fit in
 * it.  So once this much is buffered the thread moves it to its channel
 * buffer (one page record is at most ~4.4 KiB).
 */
#define MX_CB_SPILL_AT (16 * 1024)

static void mx_cbatch_run(MxCBWorker *w)
{
    uint64_t t0 = mx_thread_cpu_ns();
    /* the file's buffer is empty: collected before this batch came */
    int64_t mark = qemu_file_total_transferred_fast(w->file);
    unsigned i;

    for (i = 0; i < w->n; i++) {
        int64_t before;

        if (qatomic_read(&w->quit)) {
            break;          /* cleanup: the migration is over */
        }
        before = qemu_file_total_transferred_fast(w->file);
        if (before - mark > MX_CB_SPILL_AT) {
            qemu_fflush(w->file);
            mark = before = qemu_file_total_transferred_fast(w->file);
        }
        w->res[i].zero = pool.page(w->file, &w->stream, w->pages[i].block,
                                   w->pages[i].offset, w->buf, w->mx);
        w->res[i].bytes = qemu_file_total_transferred_fast(w->file) - before;
        mx_compress_take(w->mx, &w->res[i].mx);
    }
    w->n_done = i;
    w->cpu_ns = mx_thread_cpu_ns() - t0;
}

static void *mx_cbatch_worker(void *opaque)
{
    MxCBWorker *w = opaque;

    qemu_mutex_lock(&w->mutex);
    while (!w->quit) {
        if (!w->todo) {
            qemu_cond_wait(&w->cond, &w->mutex);
            continue;
        }
        w->todo = false;
        qemu_mutex_unlock(&w->mutex);

        mx_cbatch_run(w);

        qemu_mutex_lock(&pool.done_lock);
        w->done = true;
        qemu_cond_broadcast(&pool.done_cond);
        qemu_mutex_unlock(&pool.done_lock);

        qemu_mutex_lock(&w->mutex);
    }
    qemu_mutex_unlock(&w->mutex);
    return NULL;
}

/* Migration thread, @w idle: put its records on @f and count them. */
static void mx_cbatch_collect(QEMUFile *f, MxCBWorker *w)
{
    unsigned i, old;
    int err;

    if (!w->output) {
        return;
    }
    w->output = false;
    err = qemu_file_get_error(w->file);
    if (err) {
        qemu_file_set_error(f, err);
    } else if (!w->bioc->usage) {
        qemu_put_qemu_file(f, w->file);     /* all of it in the file buffer */
    } else {
        qemu_fflush(w->file);               /* spilled into the channel */
        qemu_put_buffer(f, w->bioc->data, w->bioc->usage);
    }
    w->bioc->usage = 0;
    w->bioc->offset = 0;
    for (i = 0; i < w->n_done; i++) {
        pool.account(w->res[i].bytes, w->res[i].zero, &w->res[i].mx);
    }
    old = pool.rule.size;
    mx_batch_rule_observe(&pool.rule, w->cpu_ns, w->n_done);
    if (pool.rule.size != old) {
        trace_mx_compress_batch_size(old, pool.rule.size, pool.rule.page_ns);
        qatomic_set(&pool.size, pool.rule.size);
    }
}

/* Migration thread: hand the staged pages to an idle thread. */
static bool mx_cbatch_dispatch(QEMUFile *f, bool wait)
{
    MxCBWorker *w = NULL;
    int i;

    qemu_mutex_lock(&pool.done_lock);
    for (;;) {
        for (i = 0; i < pool.n; i++) {
            int k = (pool.next + i) % pool.n;

            if (pool.w[k].done) {
                w = &pool.w[k];
                pool.next = (k + 1) % pool.n;
                break;
            }
        }
        if (w || !wait) {
            break;
        }
        qemu_cond_wait(&pool.done_cond, &pool.done_lock);
    }
    if (w) {
        w->done = false;
    }
    qemu_mutex_unlock(&pool.done_lock);
    if (!w) {
        return false;
    }

    mx_cbatch_collect(f, w);
    memcpy(w->pages, pool.stage, pool.staged * sizeof(pool.stage[0]));
    w->n = pool.staged;
    w->n_done = 0;
    w->output = true;
    pool.staged = 0;
    qatomic_inc(&pool.handoffs);

    qemu_mutex_lock(&w->mutex);
    w->todo = true;
    qemu_cond_signal(&w->cond);
    qemu_mutex_unlock(&w->mutex);
    return true;
}

int mx_cbatch_queue(QEMUFile *f, RAMBlock *block, ram_addr_t offset)
{
    if (pool.staged >= pool.rule.size &&
        !mx_cbatch_dispatch(f, migrate_compress_wait_thread())) {
        return -1;
    }
    pool.stage[pool.staged].block = block;
    pool.stage[pool.staged].offset = offset;
    pool.staged++;
    if (pool.staged >= pool.rule.size) {
        mx_cbatch_dispatch(f, false);   /* or at the next page */
    }
    return 1;
}

void mx_cbatch_kick(QEMUFile *f)
{
    if (pool.active && pool.staged) {
        mx_cbatch_dispatch(f, false);
    }
}

void mx_cbatch_flush(QEMUFile *f)
{
    int i;

    if (pool.staged) {
        mx_cbatch_dispatch(f, true);
    }
    qemu_mutex_lock(&pool.done_lock);
    for (i = 0; i < pool.n; i++) {
        while (!pool.w[i].done) {
            qemu_cond_wait(&pool.done_cond, &pool.done_lock);
        }
    }
    qemu_mutex_unlock(&pool.done_lock);
    for (i = 0; i < pool.n; i++) {
        mx_cbatch_collect(f, &pool.w[i]);
    }
}

int mx_cbatch_save_setup(int threads, int level, MxCBatchPageFn page,
                         MxCBatchAccountFn account)
{
    int i;

    pool.n = threads;
    pool.next = 0;
    pool.staged = 0;
    pool.page = page;
    pool.account = account;
    pool.handoffs = 0;
    mx_batch_rule_init(&pool.rule, migrate_compress_batch_pages());
    pool.size = pool.rule.size;
    pool.used = true;
    qemu_mutex_init(&pool.done_lock);
    qemu_cond_init(&pool.done_cond);
    pool.w = g_new0(MxCBWorker, threads);
    pool.active = true;
    trace_mx_compress_batch_setup(threads, pool.rule.param, pool.rule.size);

    for (i = 0; i < threads; i++) {
        MxCBWorker *w = &pool.w[i];

        w->buf = g_try_malloc(qemu_target_page_size());
        if (!w->buf || deflateInit(&w->stream, level) != Z_OK) {
            goto fail;
        }
        w->stream_ok = true;
        w->mx = mx_compress_ctx_new();
        w->bioc = qio_channel_buffer_new(0);
        w->file = qemu_file_new_output(QIO_CHANNEL(w->bioc));
        object_unref(OBJECT(w->bioc));      /* the file holds it */
        w->done = true;
        qemu_mutex_init(&w->mutex);
        qemu_cond_init(&w->cond);
        w->started = true;
        qemu_thread_create(&w->thread, "compress", mx_cbatch_worker, w,
                           QEMU_THREAD_JOINABLE);
    }
    return 0;

fail:
    mx_cbatch_save_cleanup();
    return -1;
}

void mx_cbatch_save_cleanup(void)
{
    int i;

    if (!pool.active) {
        return;
    }
    for (i = 0; i < pool.n; i++) {
        MxCBWorker *w = &pool.w[i];

        if (w->started) {
            qemu_mutex_lock(&w->mutex);
            qatomic_set(&w->quit, true);
            qemu_cond_signal(&w->cond);
            qemu_mutex_unlock(&w->mutex);
            qemu_thread_join(&w->thread);
            qemu_mutex_destroy(&w->mutex);
            qemu_cond_destroy(&w->cond);
            qemu_fclose(w->file);
            mx_compress_ctx_free(w->mx);
        }
        if (w->stream_ok) {
            deflateEnd(&w->stream);
        }
        g_free(w->buf);
    }
    trace_mx_compress_batch_cleanup(pool.handoffs, pool.staged);
    qemu_mutex_destroy(&pool.done_lock);
    qemu_cond_destroy(&pool.done_cond);
    g_free(pool.w);
    pool.w = NULL;
    pool.n = 0;
    pool.staged = 0;
    pool.active = false;
}

void mx_cbatch_stats_reset(void)
{
    pool.used = false;
    pool.handoffs = 0;
}

void mx_cbatch_fill_stats(CompressionStats *c)
{
    if (!pool.used) {
        return;
    }
    c->has_handoffs = true;
    c->handoffs = qatomic_read(&pool.handoffs);
    c->has_batch_size = true;
    c->batch_size = qatomic_read(&pool.size);
}
