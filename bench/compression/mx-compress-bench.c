/*
 * qemu-mx: per-core compression benchmark of the migration page paths.
 *
 *   mx-compress-bench CORPUS [METHOD [MAX_MIB]]
 *
 * Splits CORPUS into 4 KiB pages, drops all-zero pages (migration sends
 * those as zero pages, never through a compressor), and runs each method
 * the way migration does:
 *   zlib-N       compress threads, stock: per page deflateReset() +
 *                deflate(Z_FINISH) at level N (qemu_compress_data), decode
 *                with inflateReset() + inflate() (qemu_uncompress_data)
 *   lz4-A        compress threads, qemu-mx: mx_lz4_encode_page() with
 *                acceleration A, incompressible pages sent raw; decode with
 *                mx_lz4_decode_page() into a bounce page + copy
 *   mlz4-A       multifd lz4: mx_lz4_packet_put() over 128-page packets,
 *                mx_lz4_packet_parse()
 *   zstd-N       multifd zstd: one stream, ZSTD_compressStream2() per page,
 *                flush per 128-page packet (multifd-zstd.c)
 * and prints one JSON object per method: MB/s of input per core for
 * compression and decompression (thread CPU time), and the ratio
 * compressed/original.  Under callgrind, run_compress and run_decompress
 * are the functions to collect.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>
#include <zstd.h>
#include "mx-lz4-codec.h"

#define PAGE 4096
#define PKT 128

static uint8_t *pages;          /* non-zero pages */
static size_t npages;
static uint8_t *out;            /* encoded stream */
static size_t *olen;            /* per page (or per packet) encoded size */
static size_t out_total;
static uint8_t *dec;            /* decoded pages */

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int kind;    /* 0 zlib, 1 lz4, 2 multifd lz4, 3 zstd */
static int level;
static z_stream zs, zi;
static void *lz4st;
static ZSTD_CStream *zcs;
static ZSTD_DStream *zds;

static void place(void *opaque, uint32_t i, const uint8_t *d)
{
    memcpy((uint8_t *)opaque + (size_t)i * PAGE, d, PAGE);
}

void run_compress(void);
void run_compress(void)
{
    size_t i, pos = 0, cap = npages * (PAGE + 64);

    out_total = 0;
    if (kind == 0) {
        for (i = 0; i < npages; i++) {
            deflateReset(&zs);
            zs.next_in = pages + i * PAGE;
            zs.avail_in = PAGE;
            zs.next_out = out + pos;
            zs.avail_out = PAGE + 64;
            if (deflate(&zs, Z_FINISH) != Z_STREAM_END) {
                abort();
            }
            olen[i] = PAGE + 64 - zs.avail_out;
            pos += olen[i];
            out_total += olen[i] + 4;           /* + be32 length */
        }
    } else if (kind == 1) {
        for (i = 0; i < npages; i++) {
            size_t n = mx_lz4_encode_page(lz4st, pages + i * PAGE, PAGE,
                                          out + pos, PAGE - 1, level);
            if (!n) {                           /* sent raw */
                memcpy(out + pos, pages + i * PAGE, PAGE);
                n = PAGE;
            }
            olen[i] = n;
            pos += n;
            out_total += n + (n < PAGE ? 4 : 0);
        }
    } else if (kind == 2) {
        for (i = 0; i < npages; i += PKT) {
            size_t j, start = pos;
            int c;
            for (j = i; j < npages && j < i + PKT; j++) {
                pos += mx_lz4_packet_put(lz4st, out + pos, pages + j * PAGE,
                                         PAGE, PAGE - 1, level, 0, &c);
            }
            olen[i / PKT] = pos - start;
        }
        out_total = pos;
    } else {
        for (i = 0; i < npages; i += PKT) {
            ZSTD_outBuffer o = { out + pos, cap - pos, 0 };
            size_t j;
            for (j = i; j < npages && j < i + PKT; j++) {
                ZSTD_inBuffer in = { pages + j * PAGE, PAGE, 0 };
                ZSTD_EndDirective fl = (j + 1 == npages || j + 1 == i + PKT)
                                       ? ZSTD_e_flush : ZSTD_e_continue;
                size_t r;
                do {
                    r = ZSTD_compressStream2(zcs, &o, &in, fl);
                } while (r > 0 && in.pos < in.size);
                if (ZSTD_isError(r)) {
                    abort();
                }
            }
            olen[i / PKT] = o.pos;
            pos += o.pos;
        }
        out_total = pos;
    }
}

void run_decompress(void);
void run_decompress(void)
{
    size_t i, pos = 0;
    uint8_t bounce[PAGE];
    const char *why;

    if (kind == 0) {
        for (i = 0; i < npages; i++) {
            inflateReset(&zi);
            zi.next_in = out + pos;
            zi.avail_in = olen[i];
            zi.next_out = dec + i * PAGE;
            zi.avail_out = PAGE;
            if (inflate(&zi, Z_NO_FLUSH) != Z_STREAM_END) {
                abort();
            }
            pos += olen[i];
        }
    } else if (kind == 1) {
        for (i = 0; i < npages; i++) {
            if (olen[i] == PAGE) {
                memcpy(dec + i * PAGE, out + pos, PAGE);
            } else {
                if (mx_lz4_decode_page(out + pos, olen[i], bounce, PAGE)) {
                    abort();
                }
                memcpy(dec + i * PAGE, bounce, PAGE);
            }
            pos += olen[i];
        }
    } else if (kind == 2) {
        for (i = 0; i < npages; i += PKT) {
            uint32_t n = npages - i < PKT ? npages - i : PKT;
            if (mx_lz4_packet_parse(out + pos, olen[i / PKT], n, PAGE, bounce,
                                    place, dec + i * PAGE, &why)) {
                abort();
            }
            pos += olen[i / PKT];
        }
    } else {
        for (i = 0; i < npages; i += PKT) {
            ZSTD_inBuffer in = { out + pos, olen[i / PKT], 0 };
            size_t j;
            for (j = i; j < npages && j < i + PKT; j++) {
                ZSTD_outBuffer o = { dec + j * PAGE, PAGE, 0 };
                size_t r;
                do {
                    r = ZSTD_decompressStream(zds, &o, &in);
                } while (r > 0 && in.pos < in.size && o.pos < PAGE);
                if (ZSTD_isError(r) || o.pos != PAGE) {
                    abort();
                }
            }
            pos += olen[i / PKT];
        }
    }
}

static void bench(const char *name)
{
    double t0, tc, td;
    int reps = 0;

    if (!strncmp(name, "zlib-", 5)) {
        kind = 0; level = atoi(name + 5);
        deflateInit(&zs, level);
        inflateInit(&zi);
    } else if (!strncmp(name, "lz4-", 4)) {
        kind = 1; level = atoi(name + 4);
    } else if (!strncmp(name, "mlz4-", 5)) {
        kind = 2; level = atoi(name + 5);
    } else if (!strncmp(name, "zstd-", 5)) {
        kind = 3; level = atoi(name + 5);
        zcs = ZSTD_createCStream();
        ZSTD_initCStream(zcs, level);
        zds = ZSTD_createDStream();
        ZSTD_initDStream(zds);
    } else {
        fprintf(stderr, "unknown method %s\n", name);
        exit(2);
    }
    lz4st = malloc(mx_lz4_state_size());
    /* at least 0.3 s of CPU per measurement for steadier numbers */
    t0 = cpu_now();
    do {
        if (kind == 3) {
            ZSTD_initCStream(zcs, level);
        }
        run_compress();
        reps++;
    } while (getenv("MX_BENCH_ONCE") == NULL && cpu_now() - t0 < 0.3);
    tc = (cpu_now() - t0) / reps;
    reps = 0;
    t0 = cpu_now();
    do {
        if (kind == 3) {
            ZSTD_initDStream(zds);
        }
        run_decompress();
        reps++;
    } while (getenv("MX_BENCH_ONCE") == NULL && cpu_now() - t0 < 0.3);
    td = (cpu_now() - t0) / reps;
    if (memcmp(dec, pages, npages * PAGE)) {
        fprintf(stderr, "%s: round trip mismatch\n", name);
        exit(1);
    }
    printf("{\"method\": \"%s\", \"pages\": %zu, \"bytes_in\": %zu, "
           "\"bytes_out\": %zu, \"ratio\": %.4f, \"compress_MBps\": %.1f, "
           "\"decompress_MBps\": %.1f}\n", name, npages, npages * PAGE,
           out_total, (double)out_total / (npages * PAGE),
           npages * PAGE / tc / 1e6, npages * PAGE / td / 1e6);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    FILE *f;
    size_t max, total = 0, zero = 0;
    uint8_t buf[PAGE];
    static const uint8_t zpage[PAGE];
    const char *all[] = { "zlib-1", "lz4-1", "lz4-4", "mlz4-1", "zstd-1" };

    if (argc < 2) {
        fprintf(stderr, "usage: %s CORPUS [METHOD [MAX_MIB]]\n", argv[0]);
        return 2;
    }
    max = (argc > 3 ? strtoull(argv[3], NULL, 0) : 1024) << 20;
    f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    pages = malloc(max);
    while (npages * PAGE < max && fread(buf, 1, PAGE, f) == PAGE) {
        total++;
        if (!memcmp(buf, zpage, PAGE)) {
            zero++;
            continue;
        }
        memcpy(pages + npages++ * PAGE, buf, PAGE);
    }
    fclose(f);
    fprintf(stderr, "%s: %zu pages, %zu zero, %zu compressible candidates\n",
            argv[1], total, zero, npages);
    out = malloc(npages * (PAGE + 64) + 1024);
    olen = malloc((npages + 1) * sizeof(*olen));
    dec = malloc(npages * PAGE + PAGE);
    if (argc > 2 && strcmp(argv[2], "all")) {
        bench(argv[2]);
    } else {
        for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
            bench(all[i]);
        }
    }
    return 0;
}
