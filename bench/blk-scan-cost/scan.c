/*
 * qemu-mx: CPU cost of one dirty-phase pass of legacy block migration over a
 * large, mostly clean disk, with the real HBitmap (util/hbitmap.c of the build):
 *  - stock 7.2 (mig_save_device_dirty()): for every 1 MiB chunk of the disk,
 *    blk_mig_lock + the in-flight bitmap test + unlock, the dirty bitmap's
 *    lock + bdrv_dirty_bitmap_get_locked() (hbitmap_get) + unlock; a dirty
 *    chunk is reset;
 *  - qemu-mx (mx_blk_next_dirty() + mig_save_device_dirty()): per run, the
 *    bitmap's lock + hbitmap_next_dirty_area() (at most 1 MiB) + unlock,
 *    blk_mig_lock + two in-flight tests + unlock, the run reset; at the
 *    granularity given (1 MiB: the same chunks as stock; 4 KiB: runs).
 * Before each pass, W random 4 KiB writes dirty the bitmap (not timed); each
 * pass is timed with CLOCK_THREAD_CPUTIME_ID.  Reading, sending and the
 * rest of the migration thread's work are left out: this is the scan alone.
 *
 * Usage: scan DISK_GIB WRITES_PER_PASS PASSES     (docs/mx/blk-dirty-runs.md)
 * Build (after make):
 *   B=build; L=$B/qemu/libqemuutil.a.p
 *   cc -O2 -I$B/src/include -I$B/qemu -I$B/src -I$B/qemu/qapi $(pkg-config --cflags glib-2.0) \
 *      -include $B/qemu/config-host.h bench/blk-scan-cost/scan.c -o /tmp/scan \
 *      $L/util_hbitmap.c.o $L/util_bitops.c.o $(pkg-config --libs glib-2.0) -lpthread -lm
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/hbitmap.h"
#include "qemu/bitmap.h"
#include <pthread.h>

/* stand-ins for what hbitmap.c refers to (trace, log, crypto) */
uint16_t _TRACE_HBITMAP_ITER_SKIP_WORDS_DSTATE, _TRACE_HBITMAP_RESET_DSTATE,
         _TRACE_HBITMAP_SET_DSTATE;
bool message_with_timestamp;
int qemu_loglevel;
int trace_events_enabled_count;
int qemu_get_thread_id(void);
int qemu_get_thread_id(void)
{
    return 0;
}
void qemu_log(const char *fmt, ...);
void qemu_log(const char *fmt, ...)
{
}
int qcrypto_hash_digest(int alg, const char *buf, size_t len, char **digest,
                        void *errp);
int qcrypto_hash_digest(int alg, const char *buf, size_t len, char **digest,
                        void *errp)
{
    abort();
}

#define CHUNK (1 << 20)
static pthread_mutex_t mig_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t bm_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long *aio_bitmap;       /* stock's in-flight bitmap, 1 bit/chunk */
static volatile uint64_t sink;

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void dirty(HBitmap *hb, uint64_t disk, int writes, unsigned *seed)
{
    for (int i = 0; i < writes; i++) {
        uint64_t off = ((uint64_t)rand_r(seed) << 31 | rand_r(seed)) % (disk / 4096);

        hbitmap_set(hb, off * 4096, 4096);
    }
}

static uint64_t pass_stock(HBitmap *hb, uint64_t disk)
{
    uint64_t found = 0;

    for (uint64_t c = 0; c < disk / CHUNK; c++) {
        bool d;

        pthread_mutex_lock(&mig_lock);
        sink += test_bit(c, aio_bitmap);
        pthread_mutex_unlock(&mig_lock);
        pthread_mutex_lock(&bm_lock);
        d = hbitmap_get(hb, c * CHUNK);
        pthread_mutex_unlock(&bm_lock);
        if (d) {
            hbitmap_reset(hb, c * CHUNK, CHUNK);
            found++;
        }
    }
    return found;
}

static uint64_t pass_mx(HBitmap *hb, uint64_t disk)
{
    int64_t from = 0, start, count;
    uint64_t found = 0;

    for (;;) {
        bool f;

        pthread_mutex_lock(&bm_lock);
        f = hbitmap_next_dirty_area(hb, from, disk, CHUNK, &start, &count);
        pthread_mutex_unlock(&bm_lock);
        if (!f) {
            break;
        }
        pthread_mutex_lock(&mig_lock);
        sink += test_bit(start / CHUNK, aio_bitmap) +
                test_bit((start + count - 1) / CHUNK, aio_bitmap);
        pthread_mutex_unlock(&mig_lock);
        hbitmap_reset(hb, start, count);
        from = start + count;
        found++;
    }
    return found;
}

static void run(const char *label, int gran_log2, bool stock, uint64_t disk,
                int writes, int passes)
{
    HBitmap *hb = hbitmap_alloc(disk, gran_log2);
    unsigned seed = 1;
    double cpu = 0, t;
    uint64_t recs = 0;

    for (int p = 0; p < passes; p++) {
        dirty(hb, disk, writes, &seed);
        t = now();
        recs += stock ? pass_stock(hb, disk) : pass_mx(hb, disk);
        cpu += now() - t;
    }
    printf("%-8s granularity %7d: %9.1f us CPU per pass, %6.1f records per pass\n",
           label, 1 << gran_log2, cpu / passes * 1e6, (double)recs / passes);
    hbitmap_free(hb);
}

int main(int argc, char **argv)
{
    uint64_t disk = (argc > 1 ? strtoull(argv[1], NULL, 0) : 64) << 30;
    int writes = argc > 2 ? atoi(argv[2]) : 256;
    int passes = argc > 3 ? atoi(argv[3]) : 200;

    aio_bitmap = bitmap_new(disk / CHUNK);
    printf("disk %" PRIu64 " GiB, %d random 4 KiB writes before each pass, %d passes\n",
           disk >> 30, writes, passes);
    for (int r = 0; r < 3; r++) {
        run("stock", 20, true, disk, writes, passes);
        run("mx-1M", 20, false, disk, writes, passes);
        run("mx-4K", 12, false, disk, writes, passes);
    }
    return 0;
}
