/*
 * qemu-mx: libFuzzer harness for legacy block migration's incoming records
 * (migration/mx-blk-record.c, the checks block_load() makes before it
 * writes anything of a record).
 *
 * Input byte 0 picks the mode:
 *  - even: a block-migration stream.  Bytes 1..4 give the sizes of two
 *    devices, "d0" and "disk1" (0..4607 sectors, or 0 / negative for "no
 *    size"), the rest is walked as block_load() walks its stream: be64
 *    (sector << 9 | flags); with DEVICE_BLOCK or RUN a name (length byte +
 *    bytes); a run's be32 length; data.  Each data record goes through
 *    mx_blk_check_record() and, if accepted, is "written" into a heap buffer
 *    of exactly the device's size (mx_blk_record_bytes() bytes at sector *
 *    512), so that ASan reports any write the checks let past the device's
 *    end.  A refused record ends the stream, as it ends the migration.
 *  - odd: the checks on raw 64-bit values (sector, length, device size from
 *    bytes 1..24): whatever is accepted must lie inside the device, computed
 *    here in 128-bit arithmetic, independently of the code under test.
 *
 * Build and run: tests/fuzz/mx-blk-record-fuzz-build.sh, and
 * docs/mx/blk-dirty-runs.md ("Hostile streams"); tests/mx/cases/
 * 46-blk-record-fuzz runs it for 20 s in make check.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mx-blk-record.h"

#define MAX_SECTORS 4608     /* 2.25 MiB: three chunks, the last partial */

typedef struct {
    const uint8_t *p;
    size_t left;
} Stream;

static int get(Stream *s, void *out, size_t n)
{
    if (s->left < n) {
        return -1;
    }
    memcpy(out, s->p, n);
    s->p += n;
    s->left -= n;
    return 0;
}

static int get_be(Stream *s, size_t n, uint64_t *v)
{
    uint8_t b[8];
    size_t i;

    if (get(s, b, n)) {
        return -1;
    }
    *v = 0;
    for (i = 0; i < n; i++) {
        *v = *v << 8 | b[i];
    }
    return 0;
}

static void fail(const char *what, uint64_t sector, uint64_t len,
                 int64_t total)
{
    fprintf(stderr, "mx-blk-record-fuzz: %s: sector %llu len %llu total %lld\n",
            what, (unsigned long long)sector, (unsigned long long)len,
            (long long)total);
    abort();
}

/* a device size from 2 input bytes: 0..8191 sectors, or 0 / negative */
static int64_t dev_size(const uint8_t *b)
{
    unsigned v = b[0] << 8 | b[1];

    if (v & 0x8000) {
        return -(int64_t)(v & 0x7fff);
    }
    return v % MAX_SECTORS;
}

/* the independent oracle: is [sector, sector + len/512) inside the device? */
static int inside(uint64_t sector, uint64_t len, int64_t total)
{
    unsigned __int128 end = (unsigned __int128)sector + len / 512;

    return total > 0 && len > 0 && len % 512 == 0 &&
           sector < (uint64_t)total && end <= (uint64_t)total;
}

static void raw_checks(const uint8_t *data, size_t size)
{
    uint8_t b[24] = { 0 };
    uint64_t sector, len;
    int64_t total;
    int flags;

    memcpy(b, data, size < sizeof(b) ? size : sizeof(b));
    memcpy(&sector, b, 8);
    memcpy(&len, b + 8, 8);
    memcpy(&total, b + 16, 8);
    /* small values are where the edges are: fold some inputs down */
    if (b[0] & 1) {
        sector &= 0xffffff;
        len &= 0x3fffff;
        total &= 0xffffff;
    }
    /* or put the record at the device's end: k sectors before it, m sectors long */
    if (b[0] & 2) {
        sector = (uint64_t)total - b[8] % 16;
        len = (uint64_t)(b[9] % 16) * 512 + (b[10] & 1 ? b[11] : 0);
    }
    if (!mx_blk_check_run(sector, len, total)) {
        if (!inside(sector, len, total) || len > MX_BLK_CHUNK) {
            fail("run accepted outside the device", sector, len, total);
        }
    }
    if (!mx_blk_check_chunk(sector, total)) {
        if (total <= 0 || sector >= (uint64_t)total ||
            sector % (MX_BLK_CHUNK / 512)) {
            fail("chunk accepted outside the device", sector, 0, total);
        }
    }
    flags = b[1] | (b[2] & 1) << 8;
    if (!mx_blk_check_record(flags, sector, len, total)) {
        uint64_t n = mx_blk_record_bytes(flags, sector, len, total);

        if (!inside(sector, n, total) || n > MX_BLK_CHUNK) {
            fail("record accepted outside the device", sector, n, total);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t chunk[MX_BLK_CHUNK];
    static const char *names[2] = { "d0", "disk1" };
    static uint8_t *dev[2];
    static size_t dev_bytes[2];
    int64_t total[2];
    Stream s;
    int i;

    if (size < 1) {
        return 0;
    }
    if (data[0] & 1) {
        raw_checks(data + 1, size - 1);
        return 0;
    }
    if (size < 5) {
        return 0;
    }
    total[0] = dev_size(data + 1);
    total[1] = dev_size(data + 3);
    for (i = 0; i < 2; i++) {
        /* exactly the device's bytes (a 1-byte block when it has none);
         * kept while the size does not change, for speed */
        size_t want = total[i] > 0 ? (size_t)total[i] * 512 : 1;

        if (!dev[i] || dev_bytes[i] != want) {
            free(dev[i]);
            dev[i] = malloc(want);
            dev_bytes[i] = want;
        }
    }
    s.p = data + 5;
    s.left = size - 5;

    for (;;) {
        uint64_t addr, sector, len = 0, n;
        char name[256];
        uint8_t nlen;
        int flags, d = -1;
        const char *why;

        if (get_be(&s, 8, &addr)) {
            break;
        }
        flags = addr & 511;
        sector = addr >> 9;
        if (!(flags & (MX_BLK_FLAG_DEVICE_BLOCK | MX_BLK_FLAG_RUN))) {
            if (flags & MX_BLK_FLAG_PROGRESS) {
                continue;
            }
            break;          /* EOS, or unknown flags: the end either way */
        }
        if (get(&s, &nlen, 1) || get(&s, name, nlen)) {
            break;
        }
        name[nlen] = '\0';
        for (i = 0; i < 2; i++) {
            if (!strcmp(name, names[i])) {
                d = i;
            }
        }
        if (d < 0) {
            break;          /* unknown device */
        }
        if ((flags & MX_BLK_FLAG_RUN) && get_be(&s, 4, &len)) {
            break;
        }
        why = mx_blk_check_record(flags, sector, len, total[d]);
        if (why) {
            break;          /* refused: nothing of it is written */
        }
        n = mx_blk_record_bytes(flags, sector, len, total[d]);
        if (n == 0 || n > MX_BLK_CHUNK) {
            fail("accepted record of a bad size", sector, n, total[d]);
        }
        if (flags & MX_BLK_FLAG_ZERO) {
            memset(dev[d] + sector * 512, 0, n);
            continue;
        }
        if (flags & MX_BLK_FLAG_RUN) {
            /* a run's data is read before it is written */
            if (get(&s, chunk, n)) {
                break;
            }
        } else {
            /* stock: a whole 1 MiB is read, its first n bytes written */
            size_t m = s.left < MX_BLK_CHUNK ? s.left : MX_BLK_CHUNK;

            get(&s, chunk, m);
        }
        memcpy(dev[d] + sector * 512, chunk, n);
    }
    return 0;
}
