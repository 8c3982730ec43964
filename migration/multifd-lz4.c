/*
 * Multifd lz4 compression (qemu-mx), built like multifd-zstd.c.
 *
 * Each page of a packet is compressed on its own, so the receiver decodes
 * and checks pages one by one (payload format: mx-lz4-codec.h).  With
 * compress-bypass on, pages that do not shrink by 1/8 and all pages sent
 * while the bypass rule has compression off travel raw inside the same
 * framing.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/rcu.h"
#include "exec/ramblock.h"
#include "exec/target_page.h"
#include "qapi/error.h"
#include "migration.h"
#include "trace.h"
#include "multifd.h"
#include "mx-bypass.h"
#include "mx-bypass-state.h"
#include "mx-compress-stats.h"
#include "mx-params.h"
#include "mx-lz4-codec.h"

/* Not a bit of its own: 3 is neither zlib (1) nor zstd (2) to stock 7.2. */
#define MULTIFD_FLAG_LZ4 (3 << 1)

struct lz4_data {
    void *state;            /* send: lz4 scratch state */
    uint8_t *buf;           /* packet payload */
    size_t buf_len;
    uint8_t *bounce;        /* recv: one decoded page */
};

static uint32_t lz4_page_count(void)
{
    return MULTIFD_PACKET_SIZE / qemu_target_page_size();
}

static int lz4_send_setup(MultiFDSendParams *p, Error **errp)
{
    struct lz4_data *z = g_new0(struct lz4_data, 1);

    z->state = g_try_malloc0(mx_lz4_state_size());
    z->buf_len = mx_lz4_packet_bound(lz4_page_count(),
                                     qemu_target_page_size());
    z->buf = g_try_malloc(z->buf_len);
    if (!z->state || !z->buf) {
        g_free(z->state);
        g_free(z->buf);
        g_free(z);
        error_setg(errp, "multifd %u: out of memory for lz4", p->id);
        return -1;
    }
    p->data = z;
    return 0;
}

static void lz4_send_cleanup(MultiFDSendParams *p, Error **errp)
{
    struct lz4_data *z = p->data;

    g_free(z->state);
    g_free(z->buf);
    g_free(z);
    p->data = NULL;
}

static int lz4_send_prepare(MultiFDSendParams *p, Error **errp)
{
    struct lz4_data *z = p->data;
    size_t page = qemu_target_page_size();
    size_t max_out = migrate_compress_bypass() ? MX_BYPASS_MAX_SIZE(page)
                                               : page - 1;
    bool raw = !mx_bypass_compressing();
    int accel = migrate_lz4_acceleration();
    size_t pos = 0;
    uint32_t i;

    if (p->normal_num > lz4_page_count()) {
        error_setg(errp, "multifd %u: %u pages in a packet", p->id,
                   p->normal_num);
        return -1;
    }
    for (i = 0; i < p->normal_num; i++) {
        int compressed;
        size_t n = mx_lz4_packet_put(z->state, z->buf + pos,
                                     p->pages->block->host + p->normal[i],
                                     page, max_out, accel, raw, &compressed);

        mx_stats_page(compressed, page, n - MX_LZ4_PKT_HDR, raw);
        pos += n;
    }
    p->iov[p->iovs_num].iov_base = z->buf;
    p->iov[p->iovs_num].iov_len = pos;
    p->iovs_num++;
    p->next_packet_size = pos;
    p->flags |= MULTIFD_FLAG_LZ4;
    return 0;
}

static int lz4_recv_setup(MultiFDRecvParams *p, Error **errp)
{
    struct lz4_data *z = g_new0(struct lz4_data, 1);

    z->buf_len = mx_lz4_packet_bound(lz4_page_count(),
                                     qemu_target_page_size());
    z->buf = g_try_malloc(z->buf_len);
    z->bounce = g_try_malloc(qemu_target_page_size());
    if (!z->buf || !z->bounce) {
        g_free(z->buf);
        g_free(z->bounce);
        g_free(z);
        error_setg(errp, "multifd %u: out of memory for lz4", p->id);
        return -1;
    }
    p->data = z;
    return 0;
}

static void lz4_recv_cleanup(MultiFDRecvParams *p)
{
    struct lz4_data *z = p->data;

    g_free(z->buf);
    g_free(z->bounce);
    g_free(z);
    p->data = NULL;
}

static void lz4_place_page(void *opaque, uint32_t index, const uint8_t *data)
{
    MultiFDRecvParams *p = opaque;

    memcpy(p->host + p->normal[index], data, qemu_target_page_size());
}

static int lz4_recv_pages(MultiFDRecvParams *p, Error **errp)
{
    struct lz4_data *z = p->data;
    uint32_t flags = p->flags & MULTIFD_FLAG_COMPRESSION_MASK;
    uint32_t in_size = p->next_packet_size;
    const char *why;
    int ret;

    if (flags != MULTIFD_FLAG_LZ4) {
        trace_mx_multifd_lz4_refused(p->id, in_size, "compression flags");
        error_setg(errp, "multifd %u: flags received %x flags expected %x "
                   "(multifd-compression must be lz4 on both sides)",
                   p->id, flags, MULTIFD_FLAG_LZ4);
        return -1;
    }
    if (in_size > z->buf_len) {
        trace_mx_multifd_lz4_refused(p->id, in_size, "oversized");
        error_setg(errp, "multifd %u: lz4 packet of %u bytes, at most %zu",
                   p->id, in_size, z->buf_len);
        return -1;
    }
    ret = qio_channel_read_all(p->c, (void *)z->buf, in_size, errp);
    if (ret != 0) {
        return ret;
    }
    if (mx_lz4_packet_parse(z->buf, in_size, p->normal_num,
                            qemu_target_page_size(), z->bounce,
                            lz4_place_page, p, &why) < 0) {
        trace_mx_multifd_lz4_refused(p->id, in_size, why);
        error_setg(errp, "multifd %u: bad lz4 packet: %s", p->id, why);
        return -1;
    }
    return 0;
}

static MultiFDMethods multifd_lz4_ops = {
    .send_setup = lz4_send_setup,
    .send_cleanup = lz4_send_cleanup,
    .send_prepare = lz4_send_prepare,
    .recv_setup = lz4_recv_setup,
    .recv_cleanup = lz4_recv_cleanup,
    .recv_pages = lz4_recv_pages
};

static void multifd_lz4_register(void)
{
    multifd_register_ops(MULTIFD_COMPRESSION_LZ4, &multifd_lz4_ops);
}

migration_init(multifd_lz4_register);
