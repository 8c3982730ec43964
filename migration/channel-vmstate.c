/*
 * qemu-mx: QIOChannel for the vmstate area of a block device
 *
 * savevm produces the VM state as a long sequential stream.  Written the
 * way QEMUFile hands it out (one synchronous request per flush, sizes and
 * offsets unrelated to the image's clusters) every request allocates a
 * partial cluster and, with O_DIRECT, needs read-modify-write of its
 * unaligned edges; nothing overlaps.  This channel collects the stream
 * into chunks that are a multiple of the cluster size and start at
 * cluster-aligned stream offsets, and writes them from an aio_task_pool
 * with several requests in flight.  The first failed request fails every
 * later write and the close, so savevm fails as a whole.
 *
 * loadvm reads the same stream in small synchronous pieces.  Here a small
 * window of chunk-sized buffers is read ahead sequentially, with at most
 * as many requests in flight as there are buffers (two by default: one
 * being consumed, one being read), which keeps rotating disks streaming.
 *
 * The bytes land at exactly the vmstate offsets a plain sequential writer
 * would use; only the tail of the last cluster is padded with zeroes (qcow2
 * would zero-fill it on allocation anyway), so images stay interchangeable
 * with stock QEMU both ways.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/units.h"
#include "qemu/module.h"
#include "qemu/memalign.h"
#include "qemu/atomic.h"
#include "qemu/coroutine.h"
#include "qemu/thread.h"
#include "qapi/error.h"
#include "block/block.h"
#include "block/aio-wait.h"
#include "block/aio_task.h"
/* bdrv_co_{read,write}v_vmstate(): the coroutine side of the vmstate I/O */
#include "block/coroutines.h"
#include "migration/channel-vmstate.h"
#include "trace.h"

typedef struct VMStateWriteTask {
    AioTask task;               /* first: the pool g_free()s the task */
    QIOChannelVMState *s;
    int buf;
    int64_t pos;
    size_t len;
} VMStateWriteTask;

enum {
    SLOT_EMPTY,
    SLOT_BUSY,
    SLOT_READY,
};

typedef struct VMStateReadSlot {
    QIOChannelVMState *s;
    uint8_t *data;
    int64_t pos;
    size_t len;
    int ret;
    int state;                  /* SLOT_*, qatomic */
} VMStateReadSlot;

struct QIOChannelVMState {
    QIOChannel parent;

    BlockDriverState *bs;
    bool writable;
    bool closed;
    int64_t offset;             /* stream position of the caller */
    size_t chunk;               /* bytes per request, multiple of align */
    size_t align;               /* cluster size of the image */
    int depth;                  /* requests in flight, at most */

    /* write side */
    QemuMutex lock;             /* free_bufs, nfree */
    uint8_t **bufs;
    int nbufs;
    int *free_bufs;
    int nfree;
    int cur;                    /* buffer being filled, -1 if none */
    size_t fill;                /* bytes in it */
    int64_t cur_pos;            /* stream offset of its first byte */
    Coroutine *co;              /* owns the task pool */
    VMStateWriteTask *pending;  /* handed to co, not yet started */
    bool idle;                  /* co waits for work, qatomic */
    bool closing;
    bool done;                  /* co finished, qatomic */
    int err;                    /* first error, qatomic */

    /* read side */
    VMStateReadSlot *slots;
    uint64_t limit;             /* end of the saved state, 0 if unknown */
};

static void vmstate_set_err(QIOChannelVMState *s, int ret)
{
    if (ret < 0) {
        qatomic_cmpxchg(&s->err, 0, ret);
    }
}

/* ---- write side ---- */

static void vmstate_put_buf(QIOChannelVMState *s, int buf)
{
    qemu_mutex_lock(&s->lock);
    s->free_bufs[s->nfree++] = buf;
    qemu_mutex_unlock(&s->lock);
}

static int vmstate_get_buf(QIOChannelVMState *s)
{
    int buf = -1;

    qemu_mutex_lock(&s->lock);
    if (s->nfree) {
        buf = s->free_bufs[--s->nfree];
    }
    qemu_mutex_unlock(&s->lock);
    return buf;
}

static bool vmstate_no_free_buf(QIOChannelVMState *s)
{
    bool none;

    qemu_mutex_lock(&s->lock);
    none = s->nfree == 0;
    qemu_mutex_unlock(&s->lock);
    return none;
}

static int coroutine_fn vmstate_write_task(AioTask *task)
{
    VMStateWriteTask *t = container_of(task, VMStateWriteTask, task);
    QIOChannelVMState *s = t->s;
    QEMUIOVector qiov;
    int ret = qatomic_read(&s->err);

    if (ret == 0) {
        qemu_iovec_init_buf(&qiov, s->bufs[t->buf], t->len);
        ret = bdrv_co_writev_vmstate(s->bs, &qiov, t->pos);
        vmstate_set_err(s, ret);
    }
    vmstate_put_buf(s, t->buf);
    aio_wait_kick();
    return ret;
}

/*
 * Owner of the task pool: starts the chunks the main loop hands over,
 * waiting for a free slot when @depth requests are in flight, and waits
 * for all of them when the channel is closed.
 */
static void coroutine_fn vmstate_writer_co(void *opaque)
{
    QIOChannelVMState *s = opaque;
    AioTaskPool *pool = aio_task_pool_new(s->depth);

    for (;;) {
        VMStateWriteTask *t = qatomic_read(&s->pending);

        if (t) {
            aio_task_pool_start_task(pool, &t->task);
            qatomic_set(&s->pending, NULL);
            continue;
        }
        if (s->closing) {
            break;
        }
        qatomic_set(&s->idle, true);
        aio_wait_kick();
        qemu_coroutine_yield();
    }

    aio_task_pool_wait_all(pool);
    vmstate_set_err(s, aio_task_pool_status(pool));
    aio_task_pool_free(pool);
    qatomic_set(&s->done, true);
    aio_wait_kick();
}

static void vmstate_wake_writer(QIOChannelVMState *s)
{
    BDRV_POLL_WHILE(s->bs, !qatomic_read(&s->idle));
    qatomic_set(&s->idle, false);
    bdrv_coroutine_enter(s->bs, s->co);
}

/* Queue the buffer being filled; pads it to a whole number of clusters */
static void vmstate_submit(QIOChannelVMState *s)
{
    VMStateWriteTask *t;
    size_t len = ROUND_UP(s->fill, s->align);

    assert(s->cur >= 0 && s->fill > 0 && len <= s->chunk);
    memset(s->bufs[s->cur] + s->fill, 0, len - s->fill);

    t = g_new0(VMStateWriteTask, 1);
    t->task.func = vmstate_write_task;
    t->s = s;
    t->buf = s->cur;
    t->pos = s->cur_pos;
    t->len = len;
    trace_vmstate_io_submit(s, t->pos, t->len);

    s->cur = -1;
    s->cur_pos += s->fill;
    s->fill = 0;

    BDRV_POLL_WHILE(s->bs, !qatomic_read(&s->idle));
    qatomic_set(&s->pending, t);
    vmstate_wake_writer(s);
}

static ssize_t qio_channel_vmstate_writev(QIOChannel *ioc,
                                          const struct iovec *iov,
                                          size_t niov,
                                          int *fds,
                                          size_t nfds,
                                          int flags,
                                          Error **errp)
{
    QIOChannelVMState *s = QIO_CHANNEL_VMSTATE(ioc);
    size_t total = 0;
    size_t i;

    if (!s->writable || s->closed) {
        error_setg(errp, "vmstate channel is not open for writing");
        return -1;
    }

    for (i = 0; i < niov; i++) {
        const uint8_t *p = iov[i].iov_base;
        size_t n = iov[i].iov_len;

        while (n) {
            size_t c;

            if (qatomic_read(&s->err)) {
                break;
            }
            if (s->cur < 0) {
                BDRV_POLL_WHILE(s->bs, vmstate_no_free_buf(s) &&
                                       !qatomic_read(&s->err));
                s->cur = vmstate_get_buf(s);
                if (s->cur < 0) {
                    break;
                }
            }
            c = MIN(n, s->chunk - s->fill);
            memcpy(s->bufs[s->cur] + s->fill, p, c);
            s->fill += c;
            p += c;
            n -= c;
            total += c;
            if (s->fill == s->chunk) {
                vmstate_submit(s);
            }
        }
    }

    if (qatomic_read(&s->err)) {
        error_setg_errno(errp, -qatomic_read(&s->err),
                         "Writing the VM state failed");
        return -1;
    }
    s->offset += total;
    return total;
}

static int vmstate_close_writer(QIOChannelVMState *s)
{
    if (s->cur >= 0) {
        if (s->fill && !qatomic_read(&s->err)) {
            vmstate_submit(s);
        } else {
            vmstate_put_buf(s, s->cur);
            s->cur = -1;
        }
    }
    BDRV_POLL_WHILE(s->bs, !qatomic_read(&s->idle));
    s->closing = true;
    vmstate_wake_writer(s);
    BDRV_POLL_WHILE(s->bs, !qatomic_read(&s->done));
    return qatomic_read(&s->err);
}

/* ---- read side ---- */

static void coroutine_fn vmstate_read_co(void *opaque)
{
    VMStateReadSlot *sl = opaque;
    QEMUIOVector qiov;

    qemu_iovec_init_buf(&qiov, sl->data, sl->len);
    sl->ret = bdrv_co_readv_vmstate(sl->s->bs, &qiov, sl->pos);
    qatomic_store_release(&sl->state, SLOT_READY);
    aio_wait_kick();
}

static void vmstate_slot_wait(QIOChannelVMState *s, VMStateReadSlot *sl)
{
    BDRV_POLL_WHILE(s->bs, qatomic_load_acquire(&sl->state) == SLOT_BUSY);
}

static void vmstate_slot_start(QIOChannelVMState *s, VMStateReadSlot *sl,
                               int64_t pos)
{
    size_t len = s->chunk;

    vmstate_slot_wait(s, sl);
    if (s->limit && pos + len > s->limit) {
        len = ROUND_UP(s->limit - pos, s->align);
    }
    sl->pos = pos;
    sl->len = len;
    sl->ret = 0;
    trace_vmstate_io_readahead(s, pos, len);
    qatomic_set(&sl->state, SLOT_BUSY);
    bdrv_coroutine_enter(s->bs, qemu_coroutine_create(vmstate_read_co, sl));
}

static bool vmstate_in_window(QIOChannelVMState *s, int64_t pos)
{
    return !s->limit || pos < s->limit;
}

/* Make sure the window starting at chunk @base is being read */
static VMStateReadSlot *vmstate_window(QIOChannelVMState *s, int64_t base)
{
    int64_t idx = base / s->chunk;
    VMStateReadSlot *sl = &s->slots[idx % s->depth];
    int k;

    if (qatomic_read(&sl->state) != SLOT_EMPTY && sl->pos == base) {
        return sl;
    }
    /* first read, or the caller seeked: restart the whole window */
    for (k = 0; k < s->depth; k++) {
        int64_t pos = base + k * s->chunk;
        VMStateReadSlot *o = &s->slots[(idx + k) % s->depth];

        if (!vmstate_in_window(s, pos)) {
            break;
        }
        if (qatomic_read(&o->state) == SLOT_EMPTY || o->pos != pos) {
            vmstate_slot_start(s, o, pos);
        }
    }
    return sl;
}

static ssize_t vmstate_read_direct(QIOChannelVMState *s, uint8_t *p,
                                   size_t n, Error **errp)
{
    QEMUIOVector qiov;
    int ret;

    qemu_iovec_init_buf(&qiov, p, n);
    ret = bdrv_readv_vmstate(s->bs, &qiov, s->offset);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "bdrv_readv_vmstate failed");
        return -1;
    }
    return n;
}

static ssize_t qio_channel_vmstate_readv(QIOChannel *ioc,
                                         const struct iovec *iov,
                                         size_t niov,
                                         int **fds,
                                         size_t *nfds,
                                         Error **errp)
{
    QIOChannelVMState *s = QIO_CHANNEL_VMSTATE(ioc);
    size_t total = 0;
    size_t i;

    if (s->writable || s->closed) {
        error_setg(errp, "vmstate channel is not open for reading");
        return -1;
    }

    for (i = 0; i < niov; i++) {
        uint8_t *p = iov[i].iov_base;
        size_t n = iov[i].iov_len;

        while (n) {
            int64_t base = QEMU_ALIGN_DOWN(s->offset, s->chunk);
            VMStateReadSlot *sl;
            size_t off, c;

            if (!vmstate_in_window(s, s->offset)) {
                /* past the saved state: what a plain reader would do */
                if (vmstate_read_direct(s, p, n, errp) < 0) {
                    return -1;
                }
                s->offset += n;
                total += n;
                break;
            }

            sl = vmstate_window(s, base);
            vmstate_slot_wait(s, sl);
            if (sl->ret < 0) {
                error_setg_errno(errp, -sl->ret,
                                 "Reading the VM state failed");
                return -1;
            }
            off = s->offset - base;
            assert(off < sl->len);
            c = MIN(n, sl->len - off);
            memcpy(p, sl->data + off, c);
            p += c;
            n -= c;
            total += c;
            s->offset += c;

            if (off + c == sl->len) {
                int64_t next = base + (int64_t)s->depth * s->chunk;

                if (vmstate_in_window(s, next)) {
                    vmstate_slot_start(s, sl, next);
                } else {
                    qatomic_set(&sl->state, SLOT_EMPTY);
                }
            }
        }
    }
    return total;
}

/* ---- channel ---- */

static int qio_channel_vmstate_set_blocking(QIOChannel *ioc,
                                            bool enabled,
                                            Error **errp)
{
    if (!enabled) {
        error_setg(errp, "Non-blocking mode not supported for block devices");
        return -1;
    }
    return 0;
}

static off_t qio_channel_vmstate_seek(QIOChannel *ioc,
                                      off_t offset,
                                      int whence,
                                      Error **errp)
{
    QIOChannelVMState *s = QIO_CHANNEL_VMSTATE(ioc);
    int64_t to;

    switch (whence) {
    case SEEK_SET:
        to = offset;
        break;
    case SEEK_CUR:
        to = s->offset + offset;
        break;
    default:
        error_setg(errp, "Size of VMstate region is unknown");
        return (off_t)-1;
    }
    if (s->writable && to != s->offset) {
        error_setg(errp, "The VM state is written sequentially");
        return (off_t)-1;
    }
    s->offset = to;
    return s->offset;
}

static int vmstate_quiesce(QIOChannelVMState *s)
{
    int ret = 0;
    int i;

    if (s->closed) {
        return 0;
    }
    s->closed = true;
    if (s->writable) {
        ret = vmstate_close_writer(s);
    } else {
        for (i = 0; i < s->depth; i++) {
            vmstate_slot_wait(s, &s->slots[i]);
        }
    }
    return ret;
}

static int qio_channel_vmstate_close(QIOChannel *ioc, Error **errp)
{
    QIOChannelVMState *s = QIO_CHANNEL_VMSTATE(ioc);
    int ret = vmstate_quiesce(s);

    if (!s->bs) {
        return 0;
    }
    if (ret < 0) {
        error_setg_errno(errp, -ret, "Writing the VM state failed");
        return -1;
    }
    ret = bdrv_flush(s->bs);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "Unable to flush VMState");
        return -1;
    }
    g_clear_pointer(&s->bs, bdrv_unref);
    return 0;
}

static void qio_channel_vmstate_set_aio_fd_handler(QIOChannel *ioc,
                                                   AioContext *ctx,
                                                   IOHandler *io_read,
                                                   IOHandler *io_write,
                                                   void *opaque)
{
    /* like the block channel: always blocking, nothing to watch */
}

static void qio_channel_vmstate_init(Object *obj)
{
    QIOChannelVMState *s = QIO_CHANNEL_VMSTATE(obj);

    qemu_mutex_init(&s->lock);
    s->cur = -1;
}

static void qio_channel_vmstate_finalize(Object *obj)
{
    QIOChannelVMState *s = QIO_CHANNEL_VMSTATE(obj);
    int i;

    if (s->bs) {
        vmstate_quiesce(s);
    }
    for (i = 0; i < s->nbufs; i++) {
        qemu_vfree(s->bufs[i]);
    }
    g_free(s->bufs);
    g_free(s->free_bufs);
    g_free(s->slots);
    g_clear_pointer(&s->bs, bdrv_unref);
    qemu_mutex_destroy(&s->lock);
}

static void qio_channel_vmstate_class_init(ObjectClass *klass, void *data)
{
    QIOChannelClass *ioc_klass = QIO_CHANNEL_CLASS(klass);

    ioc_klass->io_writev = qio_channel_vmstate_writev;
    ioc_klass->io_readv = qio_channel_vmstate_readv;
    ioc_klass->io_set_blocking = qio_channel_vmstate_set_blocking;
    ioc_klass->io_seek = qio_channel_vmstate_seek;
    ioc_klass->io_close = qio_channel_vmstate_close;
    ioc_klass->io_set_aio_fd_handler = qio_channel_vmstate_set_aio_fd_handler;
}

static const TypeInfo qio_channel_vmstate_info = {
    .parent = TYPE_QIO_CHANNEL,
    .name = TYPE_QIO_CHANNEL_VMSTATE,
    .instance_size = sizeof(QIOChannelVMState),
    .instance_init = qio_channel_vmstate_init,
    .instance_finalize = qio_channel_vmstate_finalize,
    .class_init = qio_channel_vmstate_class_init,
};

static void qio_channel_vmstate_register_types(void)
{
    type_register_static(&qio_channel_vmstate_info);
}

type_init(qio_channel_vmstate_register_types);

QIOChannelVMState *qio_channel_vmstate_new(BlockDriverState *bs,
                                           bool writable,
                                           uint64_t size_hint)
{
    QIOChannelVMState *s;
    BlockDriverInfo bdi = {};
    size_t chunk;
    int i;

    s = QIO_CHANNEL_VMSTATE(object_new(TYPE_QIO_CHANNEL_VMSTATE));
    bdrv_ref(bs);
    s->bs = bs;
    s->writable = writable;
    s->limit = writable ? 0 : size_hint;

    if (bdrv_get_info(bs, &bdi) == 0 && bdi.cluster_size > 0) {
        s->align = bdi.cluster_size;
    } else {
        s->align = VMSTATE_IO_ALIGN_DEFAULT;
    }
    s->align = MAX(s->align, bdrv_opt_mem_align(bs));

    if (writable) {
        chunk = VMSTATE_IO_WRITE_CHUNK_DEFAULT;
        s->depth = VMSTATE_IO_WRITE_DEPTH_DEFAULT;
    } else {
        chunk = VMSTATE_IO_READ_CHUNK_DEFAULT;
        s->depth = VMSTATE_IO_READ_DEPTH_DEFAULT;
    }
    s->chunk = ROUND_UP(chunk, s->align);

    if (writable) {
        s->nbufs = s->depth + 1;
        s->bufs = g_new0(uint8_t *, s->nbufs);
        s->free_bufs = g_new0(int, s->nbufs);
        for (i = 0; i < s->nbufs; i++) {
            s->bufs[i] = qemu_blockalign(bs, s->chunk);
            s->free_bufs[s->nfree++] = i;
        }
        s->co = qemu_coroutine_create(vmstate_writer_co, s);
        bdrv_coroutine_enter(bs, s->co);
        BDRV_POLL_WHILE(bs, !qatomic_read(&s->idle));
    } else {
        s->slots = g_new0(VMStateReadSlot, s->depth);
        s->nbufs = s->depth;
        s->bufs = g_new0(uint8_t *, s->nbufs);
        for (i = 0; i < s->depth; i++) {
            s->bufs[i] = qemu_blockalign(bs, s->chunk);
            s->slots[i].s = s;
            s->slots[i].data = s->bufs[i];
            s->slots[i].state = SLOT_EMPTY;
        }
    }
    trace_vmstate_io_open(s, writable, s->chunk, s->depth, s->limit);
    return s;
}
