/*
 * qemu-mx: the dirty bitmap's memory for a 1 TiB disk at each granularity,
 * measured around the real hbitmap_alloc() (util/hbitmap.c of the build) with
 * mallinfo2(), docs/mx/blk-dirty-runs.md.  Build and run (after make):
 *   B=build; L=$B/qemu/libqemuutil.a.p
 *   cc -I$B/src/include -I$B/qemu -I$B/src -I$B/qemu/qapi $(pkg-config --cflags glib-2.0) \
 *      -include $B/qemu/config-host.h bench/blk-bitmap-memory/hbm.c -o /tmp/hbm \
 *      $L/util_hbitmap.c.o $L/util_bitops.c.o $(pkg-config --libs glib-2.0) -lm && /tmp/hbm
 * (the stubs below stand in for the trace and log symbols hbitmap.c refers to)
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/hbitmap.h"
#include <malloc.h>
int qcrypto_hash_digest(int alg, const char *buf, size_t len, char **digest, void *errp);
int qcrypto_hash_digest(int alg, const char *buf, size_t len, char **digest, void *errp) { abort(); }
int main(void)
{
    for (int g = 12; g <= 20; g++) {
        struct mallinfo2 a = mallinfo2(), b;
        HBitmap *hb = hbitmap_alloc(1ULL << 40, g);
        b = mallinfo2();
        printf("granularity %7d: %10zu bytes (%.2f MiB)\n", 1 << g,
               (b.hblkhd + b.uordblks) - (a.hblkhd + a.uordblks),
               ((b.hblkhd + b.uordblks) - (a.hblkhd + a.uordblks)) / 1048576.0);
        hbitmap_free(hb);
    }
    return 0;
}
#include <stdarg.h>
uint16_t _TRACE_HBITMAP_ITER_SKIP_WORDS_DSTATE, _TRACE_HBITMAP_RESET_DSTATE, _TRACE_HBITMAP_SET_DSTATE;
bool message_with_timestamp; int qemu_loglevel; int trace_events_enabled_count;
int qemu_get_thread_id(void) { return 0; }
void qemu_log(const char *fmt, ...) { }
