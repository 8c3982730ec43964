/*
 * qemu-mx: unit test of mx_blk_put_payload() (migration/mx-blk-put.c):
 * a block migration record's data of 32 KiB or more leaves without a copy,
 * and must be on the channel, in order, when the call returns, since the
 * caller frees the buffer right after; a smaller one is copied into the
 * stream's buffer; either counts against the stream's rate limit.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "qemu/module.h"
#include "io/channel-buffer.h"
#include "migration/qemu-file-types.h"
#include "../migration/qemu-file.h"
#include "../migration/mx-blk-put.h"

#define CHUNK (1024 * 1024)

static void fill(uint8_t *buf, size_t len, uint8_t seed)
{
    size_t i;

    for (i = 0; i < len; i++) {
        buf[i] = (uint8_t)(seed + i * 7 + (i >> 12));
    }
}

/* An output stream into a memory channel, as the migration stream is */
typedef struct {
    QIOChannelBuffer *bioc;
    QEMUFile *f;
} Out;

static Out out_open(void)
{
    Out o = { .bioc = qio_channel_buffer_new(0) };

    o.f = qemu_file_new_output(QIO_CHANNEL(o.bioc));
    return o;
}

static void out_close(Out *o)
{
    qemu_fclose(o->f);
    object_unref(OBJECT(o->bioc));
}

/*
 * Header, data, trailer, as blk_send() writes a record: after the call the
 * data buffer is overwritten (as a freed and reused buffer would be); the
 * channel must hold the original data, between header and trailer.
 */
static void test_payload_written_on_return(void)
{
    Out o = out_open();
    QIOChannelBuffer *bioc = o.bioc;
    QEMUFile *f = o.f;
    g_autofree uint8_t *data = g_malloc(CHUNK);
    g_autofree uint8_t *want = g_malloc(CHUNK);
    const uint8_t *out;

    fill(data, CHUNK, 0x5a);
    memcpy(want, data, CHUNK);

    qemu_put_be64(f, 0x0123456789abcdefULL);
    qemu_put_byte(f, 3);
    qemu_put_buffer(f, (const uint8_t *)"vda", 3);
    mx_blk_put_payload(f, data, CHUNK);
    /* on the channel already, the header first */
    g_assert_cmpuint(bioc->usage, ==, 8 + 1 + 3 + CHUNK);

    memset(data, 0xee, CHUNK);
    qemu_put_be32(f, 0xfeedf00d);
    qemu_fflush(f);
    g_assert_cmpint(qemu_file_get_error(f), ==, 0);

    g_assert_cmpuint(bioc->usage, ==, 8 + 1 + 3 + CHUNK + 4);
    out = bioc->data;
    g_assert_cmpuint(ldq_be_p(out), ==, 0x0123456789abcdefULL);
    g_assert_cmpuint(out[8], ==, 3);
    g_assert(memcmp(out + 9, "vda", 3) == 0);
    g_assert(memcmp(out + 12, want, CHUNK) == 0);
    g_assert_cmphex((uint32_t)ldl_be_p(out + 12 + CHUNK), ==, 0xfeedf00d);

    out_close(&o);
}

/* Several records in a row, each buffer reused for the next one */
static void test_payload_records_in_order(void)
{
    Out o = out_open();
    QIOChannelBuffer *bioc = o.bioc;
    QEMUFile *f = o.f;
    g_autofree uint8_t *data = g_malloc(CHUNK);
    g_autofree uint8_t *want = g_malloc(CHUNK);
    /* copied (below 32 KiB) and not, mixed */
    const size_t lens[] = { 512, 4096, 65536, CHUNK, 4096 * 3, 32768, 32767 };
    size_t off = 0;
    int i;

    for (i = 0; i < ARRAY_SIZE(lens); i++) {
        fill(data, lens[i], i);
        qemu_put_be32(f, lens[i]);
        mx_blk_put_payload(f, data, lens[i]);
        memset(data, 0xee, CHUNK);
    }
    qemu_fflush(f);
    g_assert_cmpint(qemu_file_get_error(f), ==, 0);

    for (i = 0; i < ARRAY_SIZE(lens); i++) {
        g_assert_cmpuint((uint32_t)ldl_be_p(bioc->data + off), ==, lens[i]);
        fill(want, lens[i], i);
        g_assert(memcmp(bioc->data + off + 4, want, lens[i]) == 0);
        off += 4 + lens[i];
    }
    g_assert_cmpuint(bioc->usage, ==, off);

    out_close(&o);
}

/*
 * A small run (a 4 KiB record at mig-block-size 4096) is copied and shares
 * the stream's buffer with the records around it: no writev of its own.
 */
static void test_payload_small_is_buffered(void)
{
    Out o = out_open();
    QIOChannelBuffer *bioc = o.bioc;
    QEMUFile *f = o.f;
    g_autofree uint8_t *data = g_malloc(4096);
    g_autofree uint8_t *want = g_malloc(4096);

    fill(data, 4096, 9);
    memcpy(want, data, 4096);
    qemu_put_be32(f, 4096);
    mx_blk_put_payload(f, data, 4096);
    memset(data, 0xee, 4096);
    g_assert_cmpuint(bioc->usage, ==, 0);
    qemu_fflush(f);
    g_assert_cmpuint(bioc->usage, ==, 4 + 4096);
    g_assert(memcmp(bioc->data + 4, want, 4096) == 0);

    out_close(&o);
}

/* The data counts against the rate limit, as a copied buffer does */
static void test_payload_rate_limit(void)
{
    Out o = out_open();
    QIOChannelBuffer *bioc = o.bioc;
    QEMUFile *f = o.f;
    g_autofree uint8_t *data = g_malloc0(CHUNK);

    qemu_file_set_rate_limit(f, CHUNK + 16);
    qemu_put_be64(f, 1);
    mx_blk_put_payload(f, data, CHUNK);
    g_assert_cmpint(qemu_file_rate_limit(f), ==, 0);
    qemu_put_be64(f, 2);
    qemu_put_be64(f, 3);
    g_assert_cmpint(qemu_file_rate_limit(f), ==, 1);

    out_close(&o);
}

int main(int argc, char **argv)
{
    module_call_init(MODULE_INIT_QOM);
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/mx-blk-put/written-on-return",
                    test_payload_written_on_return);
    g_test_add_func("/mx-blk-put/records-in-order",
                    test_payload_records_in_order);
    g_test_add_func("/mx-blk-put/small-is-buffered",
                    test_payload_small_is_buffered);
    g_test_add_func("/mx-blk-put/rate-limit", test_payload_rate_limit);
    return g_test_run();
}
