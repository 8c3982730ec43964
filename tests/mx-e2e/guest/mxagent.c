/*
 * mxagent: guest agent of the qemu-mx end-to-end harness.
 *
 * Runs as PID 1 (/init) of a small initramfs.  It loads the virtio modules,
 * stamps a RAM working set and a disk region with self-describing stamps,
 * keeps dirtying them at a controlled rate, verifies them continuously and
 * reports over the serial console.  The wire protocol (kernel command line,
 * "MX ..." output lines, console commands) is specified in
 * tests/mx-e2e/PROTOCOL.md.
 *
 * Threads:
 *   main  - reads commands from ttyS0, prints MX STAT once a second
 *   ram   - writes and verifies RAM pages
 *   disk  - writes and verifies disk blocks
 * Each data set is written and verified by one thread only, so the verifier
 * can never observe a page or block half-way through a rewrite, and the
 * journal of expected generations needs no locking.
 *
 * Details PROTOCOL.md leaves open, as implemented here:
 *  - found=<what> is "gen:<n>" (a valid stamp of another generation),
 *    "zeros", "garbage" (bad magic/crc/index) or, for disk, "torn".
 *  - VERIFY is answered "MX OK VERIFY" at once, then "MX VERIFY-DONE";
 *    a VERIFY while one runs gets "MX ERR". PFN ends with "MX OK PFN".
 *  - Mismatch lines beyond the per-kind budget are counted in
 *    "MX MISMATCH-SUMMARY kind=<ram|disk> source=<background|verify> ...".
 *  - The hot set is the first hot_frac of the working set's pages; each
 *    write picks a uniformly random page in the hot set with probability
 *    hot_share, else one in the cold rest. With ram_pattern=seq the writes
 *    sweep the working set in address order instead (hot_* ignored).
 *  - The writer checks a RAM page's header before overwriting it, so a
 *    stale page is reported even if the workload rewrites it first.
 *  - Background disk verification reads, round robin, blocks written at
 *    least once, at verify_rate / 4 pages' worth of bytes per second.
 *  - STAT t= is guest CLOCK_MONOTONIC since the agent started (it goes
 *    back after loadvm); commands sent before MX READY may be lost.
 *
 * Copyright (c) qemu-mx contributors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define MX_PAGE_SIZE        4096
#define MX_SECTOR_SIZE      512
#define MX_MIB              (1024.0 * 1024.0)
#define MX_MISMATCH_LINES   20      /* printed lines per kind, see mx_mismatch */
#define MX_RAM_CHUNK        256     /* pages per VERIFY step */
#define MX_DISK_CHUNK       (1024 * 1024)  /* bytes per VERIFY read */
#define MX_BATCH            256     /* max writes per loop iteration */
#define MX_BURST_S          0.2     /* token bucket depth, seconds of rate */
#define MX_MAX_SLEEP_S      0.01

#ifndef MODULE_INIT_COMPRESSED_FILE
#define MODULE_INIT_COMPRESSED_FILE 4
#endif

static const char mx_page_magic[4] = { 'M', 'X', 'P', 'G' };
static const char mx_block_magic[4] = { 'M', 'X', 'B', 'K' };

/*
 * Stamp at the start of each RAM page.  crc covers the whole page except
 * the crc and pad fields: bytes [0, 16) and [24, 4096).
 */
typedef struct MxPageHdr {
    char magic[4];
    uint32_t index;
    uint64_t gen;
    uint32_t crc;
    uint32_t pad;
} MxPageHdr;

/*
 * Stamp at the start of each 512-byte sector of a disk block.  crc covers
 * bytes [0, 20) and [24, 512) of the sector.
 */
typedef struct MxSectorHdr {
    char magic[4];
    uint32_t sector;
    uint64_t lba;
    uint32_t gen;
    uint32_t crc;
} MxSectorHdr;

_Static_assert(sizeof(MxPageHdr) == 24, "page header layout");
_Static_assert(sizeof(MxSectorHdr) == 24, "sector header layout");

/* Run-time tunables; SET may change them while the workers run. */
typedef struct MxConfig {
    _Atomic double ram_rate;        /* MiB/s */
    _Atomic double disk_rate;       /* MiB/s */
    _Atomic double hot_frac;
    _Atomic double hot_share;
    _Atomic double verify_rate;     /* RAM pages/s */
    _Atomic double ram_entropy;     /* random share of a page body, 0..1 */
} MxConfig;

static MxConfig cfg;

/* Fixed at boot. */
static uint64_t ram_mb = 64;
static char disk_path[128] = "";    /* "" = default, "none" = no disk */
static uint64_t disk_mb;
static uint32_t block_size = 4096;
static bool pattern_seq;
static bool ram_pattern_seq;
static uint64_t seed = 1;

static int tty_fd = 2;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static struct timespec start_ts;

/* Workload pause handshake: see mx_pause(). */
static atomic_bool paused;
static atomic_uint pause_epoch;

/* Per-worker state shared with the main thread. */
typedef struct MxWorker {
    const char *kind;               /* "ram" or "disk" */
    bool present;
    atomic_uint pause_ack;          /* last pause_epoch seen while paused */
    atomic_bool verify_req;         /* full pass requested */
    atomic_uint_fast64_t written;   /* pages or blocks written */
    atomic_uint_fast64_t verified;  /* pages or blocks verified */
    atomic_uint_fast64_t bad_total; /* mismatches found, any source */
    atomic_uint_fast64_t lines;     /* MISMATCH lines printed outside VERIFY */
    atomic_uint_fast64_t suppressed;/* ... and not printed */
} MxWorker;

static MxWorker ram_w = { .kind = "ram" };
static MxWorker disk_w = { .kind = "disk" };

/* Aggregation of a VERIFY request over both workers. */
static struct {
    pthread_mutex_t lock;
    int pending;
    uint64_t ram_ok, ram_bad, disk_ok, disk_bad;
} vstate = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* ------------------------------------------------------------------ */
/* Output */

static double mx_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (ts.tv_sec - start_ts.tv_sec) + (ts.tv_nsec - start_ts.tv_nsec) * 1e-9;
}

static void mx_write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) {
                continue;
            }
            return;
        }
        buf += n;
        len -= n;
    }
}

/* Print one "MX ..." line atomically with respect to the other threads. */
static void __attribute__((format(printf, 1, 2))) mx_printf(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    int n;

    memcpy(buf, "MX ", 3);
    va_start(ap, fmt);
    n = vsnprintf(buf + 3, sizeof(buf) - 4, fmt, ap);
    va_end(ap);
    if (n < 0) {
        return;
    }
    n += 3;
    if (n > (int)sizeof(buf) - 2) {
        n = sizeof(buf) - 2;
    }
    buf[n++] = '\n';
    pthread_mutex_lock(&out_lock);
    mx_write_all(tty_fd, buf, n);
    pthread_mutex_unlock(&out_lock);
}

/* PID 1 must not exit: report and park forever. */
static void __attribute__((noreturn, format(printf, 1, 2))) mx_fatal(const char *fmt, ...)
{
    char buf[400];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    mx_printf("ERR %s", buf);
    for (;;) {
        pause();
    }
}

/* ------------------------------------------------------------------ */
/* CRC-32 (IEEE 802.3, reflected), slicing-by-8 */

static uint32_t crc_tab[8][256];

static void crc32_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) {
            c = (c >> 1) ^ (0xedb88320u & -(c & 1));
        }
        crc_tab[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++) {
        for (int t = 1; t < 8; t++) {
            crc_tab[t][i] = (crc_tab[t - 1][i] >> 8) ^
                            crc_tab[0][crc_tab[t - 1][i] & 0xff];
        }
    }
}

/* Fold one little-endian 64-bit word into a (pre-inverted) crc. */
static inline uint32_t crc32_word(uint32_t c, uint64_t w)
{
    uint32_t lo = (uint32_t)w ^ c;
    uint32_t hi = (uint32_t)(w >> 32);

    return crc_tab[7][lo & 0xff] ^ crc_tab[6][(lo >> 8) & 0xff] ^
           crc_tab[5][(lo >> 16) & 0xff] ^ crc_tab[4][lo >> 24] ^
           crc_tab[3][hi & 0xff] ^ crc_tab[2][(hi >> 8) & 0xff] ^
           crc_tab[1][(hi >> 16) & 0xff] ^ crc_tab[0][hi >> 24];
}

/* crc over len bytes (multiple of 8, 8-byte aligned), pre-inverted state. */
static uint32_t crc32_words(uint32_t c, const void *buf, size_t len)
{
    const uint64_t *p = buf;

    for (size_t i = 0; i < len / 8; i++) {
        c = crc32_word(c, p[i]);
    }
    return c;
}

static uint32_t crc32_bytes(uint32_t c, const void *buf, size_t len)
{
    const uint8_t *p = buf;

    while (len--) {
        c = crc_tab[0][(c ^ *p++) & 0xff] ^ (c >> 8);
    }
    return c;
}

/* ------------------------------------------------------------------ */
/* Pseudo-random numbers */

static inline uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return x;
}

static inline uint64_t rng_next(uint64_t *s)
{
    /* xorshift64* */
    uint64_t x = *s;

    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545f4914f6cdd1dull;
}

static inline uint64_t rng_below(uint64_t *s, uint64_t n)
{
    return n ? (rng_next(s) >> 11) % n : 0;
}

static inline double rng_unit(uint64_t *s)
{
    return (rng_next(s) >> 11) * (1.0 / 9007199254740992.0);
}

/*
 * Body filler: a 64-bit LCG seeded from the owner's identity.  One multiply
 * per word keeps stamping cheap under TCG; any change of content is caught
 * by the crc anyway.
 */
#define LCG_MUL 6364136223846793005ull
#define LCG_ADD 1442695040888963407ull

/* Fill len bytes (multiple of 8) and return the updated crc state. */
static inline uint32_t fill_body(uint64_t *dst, size_t len, uint64_t s,
                                 uint32_t c)
{
    for (size_t i = 0; i < len / 8; i++) {
        s = s * LCG_MUL + LCG_ADD;
        dst[i] = s;
        c = crc32_word(c, s);
    }
    return c;
}

/*
 * Low-entropy filler for the rest of a page body when ram_entropy < 1: one
 * 64-byte line repeated, so that compressors see pages of a chosen ratio.
 */
static const char mx_filler[64] __attribute__((aligned(8))) =
    "qemu-mx agent: low-entropy part of a page, repeated line by line";

static inline uint32_t fill_filler(uint64_t *dst, size_t len, uint32_t c)
{
    const uint64_t *line = (const uint64_t *)mx_filler;

    for (size_t i = 0; i < len / 8; i++) {
        dst[i] = line[i % 8];
        c = crc32_word(c, dst[i]);
    }
    return c;
}

/* ------------------------------------------------------------------ */
/* Token bucket */

typedef struct MxBucket {
    double tokens;
    double last;
} MxBucket;

/* Add rate*elapsed tokens, capped at MX_BURST_S worth (at least one unit). */
static void bucket_refill(MxBucket *b, double now, double rate, double unit)
{
    double cap = rate * MX_BURST_S;

    if (cap < unit) {
        cap = unit;
    }
    if (rate > 0 && now > b->last) {
        b->tokens += (now - b->last) * rate;
    }
    if (b->tokens > cap) {
        b->tokens = cap;
    }
    b->last = now;
}

/* Seconds until the bucket holds one unit, or MX_MAX_SLEEP_S if idle. */
static double bucket_wait(const MxBucket *b, double rate, double unit)
{
    if (rate <= 0) {
        return MX_MAX_SLEEP_S;
    }
    if (b->tokens >= unit) {
        return 0;
    }
    return (unit - b->tokens) / rate;
}

static void mx_sleep(double s)
{
    struct timespec ts;

    if (s > MX_MAX_SLEEP_S) {
        s = MX_MAX_SLEEP_S;
    }
    if (s < 0.0005) {
        s = 0.0005;
    }
    ts.tv_sec = 0;
    ts.tv_nsec = (long)(s * 1e9);
    nanosleep(&ts, NULL);
}

/* ------------------------------------------------------------------ */
/* Mismatch reporting */

/*
 * Background mismatches print at most MX_MISMATCH_LINES lines per kind over
 * the agent's lifetime, the rest is counted and summarised with the next STAT.
 * A VERIFY pass has its own budget of MX_MISMATCH_LINES lines per kind and
 * exact counts in VERIFY-DONE.
 */
static void mx_mismatch(MxWorker *w, unsigned *verify_lines, const char *what,
                        uint64_t idx, uint32_t expected, const char *found)
{
    atomic_fetch_add(&w->bad_total, 1);
    if (verify_lines) {
        if (*verify_lines >= MX_MISMATCH_LINES) {
            return;
        }
        (*verify_lines)++;
    } else if (atomic_fetch_add(&w->lines, 1) >= MX_MISMATCH_LINES) {
        atomic_fetch_add(&w->suppressed, 1);
        return;
    }
    mx_printf("MISMATCH %s %s=%" PRIu64 " expected=%" PRIu32 " found=%s",
              w->kind, what, idx, expected, found);
}

static void verify_part_done(MxWorker *w, uint64_t ok, uint64_t bad,
                             unsigned lines)
{
    pthread_mutex_lock(&vstate.lock);
    if (w == &ram_w) {
        vstate.ram_ok = ok;
        vstate.ram_bad = bad;
    } else {
        vstate.disk_ok = ok;
        vstate.disk_bad = bad;
    }
    if (bad > lines) {
        mx_printf("MISMATCH-SUMMARY kind=%s source=verify total=%" PRIu64
                  " suppressed=%" PRIu64, w->kind, bad, bad - lines);
    }
    if (--vstate.pending == 0) {
        mx_printf("VERIFY-DONE ram_ok=%" PRIu64 " ram_bad=%" PRIu64
                  " disk_ok=%" PRIu64 " disk_bad=%" PRIu64,
                  vstate.ram_ok, vstate.ram_bad,
                  vstate.disk_ok, vstate.disk_bad);
    }
    pthread_mutex_unlock(&vstate.lock);
}

/* Record that this worker is quiescent for the current PAUSE request. */
static bool worker_paused(MxWorker *w)
{
    if (!atomic_load(&paused)) {
        return false;
    }
    atomic_store(&w->pause_ack, atomic_load(&pause_epoch));
    return true;
}

/* ------------------------------------------------------------------ */
/* RAM working set */

static uint8_t *ram_base;
static uint32_t ram_pages;
static uint32_t *ram_gen;           /* journal: expected generation */
static uint8_t *ram_reported;       /* 1 = background already reported */

static inline uint8_t *page_ptr(uint32_t idx)
{
    return ram_base + (size_t)idx * MX_PAGE_SIZE;
}

static void page_stamp(uint32_t idx, uint32_t gen)
{
    MxPageHdr *h = (MxPageHdr *)page_ptr(idx);
    uint32_t c = ~0u;

    memcpy(h->magic, mx_page_magic, 4);
    h->index = idx;
    h->gen = gen;
    h->pad = 0;
    c = crc32_words(c, h, 16);
    size_t words = (MX_PAGE_SIZE - sizeof(*h)) / 8;
    size_t rnd = (size_t)(atomic_load(&cfg.ram_entropy) * words + 0.5);

    if (rnd > words) {
        rnd = words;
    }
    c = fill_body((uint64_t *)(h + 1), rnd * 8,
                  mix64(((uint64_t)idx << 32) ^ gen ^ (seed << 20)), c);
    c = fill_filler((uint64_t *)(h + 1) + rnd, (words - rnd) * 8, c);
    h->crc = ~c;
}

/* Classify a page; returns true when it holds generation 'want'. */
static bool page_check(uint32_t idx, uint32_t want, char *found, size_t flen)
{
    const MxPageHdr *h = (const MxPageHdr *)page_ptr(idx);
    const uint64_t *w = (const uint64_t *)h;
    uint32_t c;

    if (memcmp(h->magic, mx_page_magic, 4) != 0 || h->index != idx) {
        bool zero = true;
        for (size_t i = 0; i < MX_PAGE_SIZE / 8; i++) {
            if (w[i]) {
                zero = false;
                break;
            }
        }
        snprintf(found, flen, zero ? "zeros" : "garbage");
        return false;
    }
    c = crc32_words(~0u, h, 16);
    c = crc32_words(c, h + 1, MX_PAGE_SIZE - sizeof(*h));
    if (~c != h->crc) {
        snprintf(found, flen, "garbage");
        return false;
    }
    if (h->gen != want) {
        snprintf(found, flen, "gen:%" PRIu64, h->gen);
        return false;
    }
    return true;
}

static void ram_write_one(uint64_t *rng, uint32_t *seq_next)
{
    uint32_t nhot = (uint32_t)(atomic_load(&cfg.hot_frac) * ram_pages);
    uint32_t idx;
    const MxPageHdr *h;

    if (nhot > ram_pages) {
        nhot = ram_pages;
    }
    /* The hot set is the first nhot pages of the working set. */
    if (ram_pattern_seq) {
        /* A sweep: every page once per pass, in address order. */
        idx = (*seq_next)++ % ram_pages;
    } else if (nhot > 0 && (nhot == ram_pages ||
                            rng_unit(rng) < atomic_load(&cfg.hot_share))) {
        idx = rng_below(rng, nhot);
    } else {
        idx = nhot + rng_below(rng, ram_pages - nhot);
    }

    /*
     * Cheap check-before-write of the header: catches a stale page (e.g. a
     * dirty page migration failed to resend) that is about to be overwritten.
     */
    h = (const MxPageHdr *)page_ptr(idx);
    if (memcmp(h->magic, mx_page_magic, 4) != 0 || h->index != idx ||
        h->gen != ram_gen[idx]) {
        char found[32];
        page_check(idx, ram_gen[idx], found, sizeof(found));
        mx_mismatch(&ram_w, NULL, "page", idx, ram_gen[idx], found);
    }
    /* Journal and data are only touched by this thread. */
    ram_gen[idx]++;
    page_stamp(idx, ram_gen[idx]);
    ram_reported[idx] = 0;
    atomic_fetch_add(&ram_w.written, 1);
}

static void *ram_thread(void *opaque)
{
    uint64_t rng = mix64(seed ^ 0x52414d);
    MxBucket wb = { 0 }, vb = { 0 };
    uint32_t bg_next = 0;           /* background verification cursor */
    uint32_t ram_seq_next = 0;      /* ram_pattern=seq write cursor */
    uint32_t full_next = 0;         /* VERIFY cursor */
    bool full = false;
    uint64_t full_ok = 0, full_bad = 0;
    unsigned full_lines = 0;
    char found[32];

    (void)opaque;
    /*
     * A RAM rate beyond what the vCPU can do makes this thread spin; run it
     * at lower priority so the rate-limited disk writer and the console
     * (STAT, commands) keep their pace.
     */
    setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 5);
    wb.last = vb.last = mx_now();
    for (;;) {
        double now = mx_now();
        double rate = atomic_load(&cfg.ram_rate) * MX_MIB;
        double vrate = atomic_load(&cfg.verify_rate);
        bool busy = false;

        if (!worker_paused(&ram_w)) {
            bucket_refill(&wb, now, rate, MX_PAGE_SIZE);
            for (int i = 0; i < MX_BATCH && wb.tokens >= MX_PAGE_SIZE; i++) {
                ram_write_one(&rng, &ram_seq_next);
                wb.tokens -= MX_PAGE_SIZE;
            }
            busy = wb.tokens >= MX_PAGE_SIZE;
        } else {
            wb.tokens = 0;
            wb.last = now;
        }

        if (!full && atomic_exchange(&ram_w.verify_req, false)) {
            full = true;
            full_next = 0;
            full_ok = full_bad = 0;
            full_lines = 0;
        }
        if (full) {
            for (int i = 0; i < MX_RAM_CHUNK && full_next < ram_pages; i++) {
                uint32_t idx = full_next++;
                if (page_check(idx, ram_gen[idx], found, sizeof(found))) {
                    full_ok++;
                } else {
                    full_bad++;
                    mx_mismatch(&ram_w, &full_lines, "page", idx,
                                ram_gen[idx], found);
                }
                atomic_fetch_add(&ram_w.verified, 1);
            }
            if (full_next >= ram_pages) {
                full = false;
                verify_part_done(&ram_w, full_ok, full_bad, full_lines);
            }
            busy = true;
        }

        /* Continuous background verification, round robin. */
        bucket_refill(&vb, now, vrate, 1);
        for (int i = 0; i < MX_BATCH && vb.tokens >= 1; i++) {
            uint32_t idx = bg_next;
            bg_next = (bg_next + 1) % ram_pages;
            vb.tokens -= 1;
            if (!page_check(idx, ram_gen[idx], found, sizeof(found)) &&
                !ram_reported[idx]) {
                ram_reported[idx] = 1;
                mx_mismatch(&ram_w, NULL, "page", idx, ram_gen[idx], found);
            }
            atomic_fetch_add(&ram_w.verified, 1);
        }

        if (!busy) {
            double w1 = atomic_load(&paused) ? MX_MAX_SLEEP_S :
                        bucket_wait(&wb, rate, MX_PAGE_SIZE);
            double w2 = bucket_wait(&vb, vrate, 1);
            mx_sleep(w1 < w2 ? w1 : w2);
        }
    }
    return NULL;
}

/* MemAvailable from /proc/meminfo, in MiB (0 if unknown). */
static uint64_t mem_available_mb(void)
{
    char line[128];
    unsigned long long kb = 0;
    FILE *f = fopen("/proc/meminfo", "r");

    while (f && fgets(line, sizeof(line), f)) {
        if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1) {
            break;
        }
    }
    if (f) {
        fclose(f);
    }
    return kb / 1024;
}

static void ram_setup(void)
{
    size_t len = ram_mb * 1024 * 1024;
    uint64_t avail = mem_available_mb();

    ram_pages = len / MX_PAGE_SIZE;
    if (ram_pages == 0) {
        return;
    }
    /*
     * Locking more than the guest has would get PID 1 OOM-killed (a panic):
     * keep a margin for the journals and the kernel.
     */
    if (avail && ram_mb + 16 + ram_mb / 128 > avail) {
        mx_fatal("mx.ram_mb=%" PRIu64 " does not fit: %" PRIu64
                 " MiB available", ram_mb, avail);
    }
    ram_base = mmap(NULL, len, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (ram_base == MAP_FAILED) {
        mx_fatal("mmap %" PRIu64 " MiB: %s", ram_mb, strerror(errno));
    }
    /* 4 KiB pages that stay put, so a PFN stays valid for the host. */
    if (madvise(ram_base, len, MADV_NOHUGEPAGE) < 0) {
        mx_printf("ERR madvise(MADV_NOHUGEPAGE): %s", strerror(errno));
    }
    if (mlock(ram_base, len) < 0) {
        mx_fatal("mlock %" PRIu64 " MiB: %s", ram_mb, strerror(errno));
    }
    ram_gen = calloc(ram_pages, sizeof(*ram_gen));
    ram_reported = calloc(ram_pages, 1);
    if (!ram_gen || !ram_reported) {
        mx_fatal("out of memory for the RAM journal");
    }
    for (uint32_t i = 0; i < ram_pages; i++) {
        ram_gen[i] = 1;
        page_stamp(i, 1);
    }
    ram_w.present = true;
}

/* Print guest-physical frame numbers of n pages spread over the set. */
static void ram_pfn(unsigned n)
{
    int fd;

    if (!ram_w.present) {
        mx_printf("ERR PFN: no RAM working set");
        return;
    }
    fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        mx_printf("ERR PFN: open pagemap: %s", strerror(errno));
        return;
    }
    if (n > ram_pages) {
        n = ram_pages;
    }
    for (unsigned i = 0; i < n; i++) {
        uint32_t idx = (uint32_t)((uint64_t)i * ram_pages / n);
        uint64_t vpn = (uintptr_t)page_ptr(idx) / MX_PAGE_SIZE;
        uint64_t ent;

        if (pread(fd, &ent, 8, vpn * 8) != 8) {
            mx_printf("ERR PFN: read pagemap: %s", strerror(errno));
            break;
        }
        /* bit 63: present, bits 0-54: PFN (zero without CAP_SYS_ADMIN) */
        if (!(ent >> 63) || !(ent & ((UINT64_C(1) << 55) - 1))) {
            mx_printf("ERR PFN: page %" PRIu32 " has no frame", idx);
            continue;
        }
        mx_printf("PFN idx=%" PRIu32 " pfn=0x%" PRIx64, idx,
                  ent & ((UINT64_C(1) << 55) - 1));
    }
    close(fd);
    mx_printf("OK PFN");
}

/* ------------------------------------------------------------------ */
/* Disk */

static int disk_fd = -1;
static uint64_t disk_blocks;
static uint32_t *disk_gen;          /* journal: expected generation, 0 = zeros */
static uint8_t *disk_reported;
static uint32_t *disk_written;      /* lbas written at least once ... */
static uint64_t disk_nwritten;      /* ... and how many */
static uint8_t *disk_wbuf, *disk_rbuf;

static uint64_t sector_seed(uint64_t lba, uint32_t gen, uint32_t sector)
{
    return mix64(lba * 0x9e3779b97f4a7c15ull ^ ((uint64_t)gen << 32) ^
                 sector ^ (seed << 48));
}

static void block_stamp(uint8_t *buf, uint64_t lba, uint32_t gen)
{
    for (uint32_t s = 0; s < block_size / MX_SECTOR_SIZE; s++) {
        MxSectorHdr *h = (MxSectorHdr *)(buf + s * MX_SECTOR_SIZE);
        uint32_t c;

        memcpy(h->magic, mx_block_magic, 4);
        h->sector = s;
        h->lba = lba;
        h->gen = gen;
        c = crc32_bytes(~0u, h, 20);
        c = fill_body((uint64_t *)(h + 1), MX_SECTOR_SIZE - sizeof(*h),
                      sector_seed(lba, gen, s), c);
        h->crc = ~c;
    }
}

enum { SEC_ZERO, SEC_VALID, SEC_BAD };

static int sector_state(const uint8_t *p, uint64_t lba, uint32_t s,
                        uint32_t *gen)
{
    const MxSectorHdr *h = (const MxSectorHdr *)p;
    const uint64_t *w = (const uint64_t *)p;
    uint32_t c;

    if (memcmp(h->magic, mx_block_magic, 4) != 0) {
        for (size_t i = 0; i < MX_SECTOR_SIZE / 8; i++) {
            if (w[i]) {
                return SEC_BAD;
            }
        }
        return SEC_ZERO;
    }
    c = crc32_bytes(~0u, h, 20);
    c = crc32_words(c, h + 1, MX_SECTOR_SIZE - sizeof(*h));
    if (~c != h->crc || h->lba != lba || h->sector != s) {
        return SEC_BAD;
    }
    *gen = h->gen;
    return SEC_VALID;
}

/*
 * Classify a block read into buf.  Every sector must be either all zeros or
 * carry a valid stamp for this lba; a mix of generations or of stamped and
 * zero sectors is a torn block.
 */
static bool block_check(const uint8_t *buf, uint64_t lba, uint32_t want,
                        char *found, size_t flen)
{
    uint32_t nsec = block_size / MX_SECTOR_SIZE;
    uint32_t nzero = 0, nvalid = 0, first_gen = 0;
    bool mixed = false;

    for (uint32_t s = 0; s < nsec; s++) {
        uint32_t g = 0;
        switch (sector_state(buf + s * MX_SECTOR_SIZE, lba, s, &g)) {
        case SEC_BAD:
            snprintf(found, flen, "garbage");
            return false;
        case SEC_ZERO:
            nzero++;
            break;
        default:
            if (nvalid++ == 0) {
                first_gen = g;
            } else if (g != first_gen) {
                mixed = true;
            }
        }
    }
    if (nzero == nsec) {
        snprintf(found, flen, "zeros");
        return want == 0;
    }
    if (nzero > 0 || mixed) {
        snprintf(found, flen, "torn");
        return false;
    }
    snprintf(found, flen, "gen:%" PRIu32, first_gen);
    return first_gen == want;
}

/*
 * Disk write latency: a log-linear histogram in microseconds (exact below
 * 16 us, then 8 buckets per power of two, so within 12.5%), filled by the
 * disk thread and read and cleared once a second by the STAT line.
 */
#define MX_LAT_LIN      16
#define MX_LAT_SUB      8
#define MX_LAT_BUCKETS  (MX_LAT_LIN + 32 * MX_LAT_SUB)
typedef struct MxLat {
    _Atomic uint32_t hist[MX_LAT_BUCKETS];
    _Atomic uint64_t sum_us, max_us;
} MxLat;
/* this second's writes (STAT), and the writes since the last LAT command */
static MxLat lat_sec, lat_win;

static unsigned lat_bucket(uint64_t us)
{
    unsigned e, idx;

    if (us < MX_LAT_LIN) {
        return us;
    }
    e = 63 - __builtin_clzll(us);                /* 2^e <= us, e >= 4 */
    idx = MX_LAT_LIN + (e - 4) * MX_LAT_SUB + ((us >> (e - 3)) & 7);
    return idx < MX_LAT_BUCKETS ? idx : MX_LAT_BUCKETS - 1;
}

/* upper bound of a bucket, in us */
static double lat_bucket_top(unsigned idx)
{
    unsigned e, sub;

    if (idx < MX_LAT_LIN) {
        return idx + 1;
    }
    e = (idx - MX_LAT_LIN) / MX_LAT_SUB + 4;
    sub = (idx - MX_LAT_LIN) % MX_LAT_SUB;
    return (double)((8 + sub + 1) * (1ULL << (e - 3)));
}

static void lat_add(MxLat *l, uint64_t us)
{
    uint64_t m = atomic_load(&l->max_us);

    atomic_fetch_add(&l->hist[lat_bucket(us)], 1);
    atomic_fetch_add(&l->sum_us, us);
    while (us > m && !atomic_compare_exchange_weak(&l->max_us, &m, us)) {
    }
}

static void lat_note(double seconds)
{
    uint64_t us = seconds > 0 ? (uint64_t)(seconds * 1e6) : 0;

    lat_add(&lat_sec, us);
    lat_add(&lat_win, us);
}

/* write latency since the last take: mean, p50, p99, max in us; n writes */
static void lat_take(MxLat *l, double *mean, double *p50, double *p99,
                     double *max, uint64_t *n)
{
    uint32_t h[MX_LAT_BUCKETS];
    uint64_t total = 0, acc = 0;
    unsigned i;

    for (i = 0; i < MX_LAT_BUCKETS; i++) {
        h[i] = atomic_exchange(&l->hist[i], 0);
        total += h[i];
    }
    *n = total;
    *mean = (double)atomic_exchange(&l->sum_us, 0) / (total ? total : 1);
    *max = (double)atomic_exchange(&l->max_us, 0);
    *p50 = *p99 = 0;
    for (i = 0; i < MX_LAT_BUCKETS && total; i++) {
        acc += h[i];
        if (!*p50 && acc * 2 >= total) {
            *p50 = lat_bucket_top(i);
        }
        if (acc * 100 >= total * 99) {
            *p99 = lat_bucket_top(i);
            break;
        }
    }
    if (*p99 > *max && *max > 0) {
        *p99 = *max;
    }
    if (*p50 > *max && *max > 0) {
        *p50 = *max;
    }
}

static bool disk_io(bool wr, uint8_t *buf, size_t len, uint64_t off)
{
    static unsigned errors;
    size_t done = 0;

    while (done < len) {
        ssize_t n = wr ? pwrite(disk_fd, buf + done, len - done, off + done)
                       : pread(disk_fd, buf + done, len - done, off + done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            if (errors++ < MX_MISMATCH_LINES) {
                mx_printf("ERR disk %s at %" PRIu64 ": %s",
                          wr ? "write" : "read", off + done,
                          n < 0 ? strerror(errno) : "short");
            }
            return false;
        }
        done += n;
    }
    return true;
}

static void disk_write_one(uint64_t *rng, uint64_t *seq_next)
{
    uint64_t lba;

    if (pattern_seq) {
        lba = (*seq_next)++ % disk_blocks;
    } else {
        lba = rng_below(rng, disk_blocks);
    }
    bool ok;
    double t0;

    block_stamp(disk_wbuf, lba, disk_gen[lba] + 1);
    /*
     * Bump the journal only once the write completed: if it fails the block
     * content is undefined and we report the error instead.
     */
    t0 = mx_now();
    ok = disk_io(true, disk_wbuf, block_size, lba * block_size);
    lat_note(mx_now() - t0);
    if (ok) {
        if (disk_gen[lba] == 0) {
            disk_written[disk_nwritten++] = lba;
        }
        disk_gen[lba]++;
        disk_reported[lba] = 0;
        atomic_fetch_add(&disk_w.written, 1);
    }
}

static void *disk_thread(void *opaque)
{
    uint64_t rng = mix64(seed ^ 0x4449534b), seq_next = 0;
    uint32_t per_chunk = MX_DISK_CHUNK / block_size;
    MxBucket wb = { 0 }, vb = { 0 };
    uint64_t bg_next = 0, full_next = 0, full_ok = 0, full_bad = 0;
    bool full = false;
    unsigned full_lines = 0;
    char found[32];

    (void)opaque;
    wb.last = vb.last = mx_now();
    for (;;) {
        double now = mx_now();
        double rate = atomic_load(&cfg.disk_rate) * MX_MIB;
        /* Background disk checks read 1/4 of the RAM verification bytes. */
        double vrate = atomic_load(&cfg.verify_rate) * MX_PAGE_SIZE / 4 /
                       block_size;
        bool busy = false;

        if (!worker_paused(&disk_w)) {
            bucket_refill(&wb, now, rate, block_size);
            for (int i = 0; i < MX_BATCH && wb.tokens >= block_size; i++) {
                disk_write_one(&rng, &seq_next);
                wb.tokens -= block_size;
            }
            busy = wb.tokens >= block_size;
        } else {
            wb.tokens = 0;
            wb.last = now;
        }

        if (!full && atomic_exchange(&disk_w.verify_req, false)) {
            full = true;
            full_next = full_ok = full_bad = 0;
            full_lines = 0;
        }
        if (full) {
            uint64_t n = disk_blocks - full_next;
            if (n > per_chunk) {
                n = per_chunk;
            }
            if (!disk_io(false, disk_rbuf, n * block_size,
                         full_next * block_size)) {
                /* An unreadable range counts as bad. */
                full_bad += n;
            } else {
                for (uint64_t i = 0; i < n; i++) {
                    uint64_t lba = full_next + i;
                    if (block_check(disk_rbuf + i * block_size, lba,
                                    disk_gen[lba], found, sizeof(found))) {
                        full_ok++;
                    } else {
                        full_bad++;
                        mx_mismatch(&disk_w, &full_lines, "lba", lba,
                                    disk_gen[lba], found);
                    }
                }
            }
            atomic_fetch_add(&disk_w.verified, n);
            full_next += n;
            if (full_next >= disk_blocks) {
                full = false;
                verify_part_done(&disk_w, full_ok, full_bad, full_lines);
            }
            busy = true;
        }

        /*
         * Background: round robin over the blocks written at least once,
         * in order of first write (never-written ones are left to VERIFY).
         */
        bucket_refill(&vb, now, vrate, 1);
        for (int i = 0; i < MX_BATCH && vb.tokens >= 1 && disk_nwritten; i++) {
            uint64_t lba;

            bg_next %= disk_nwritten;
            lba = disk_written[bg_next++];
            vb.tokens -= 1;
            if (!disk_io(false, disk_rbuf, block_size, lba * block_size)) {
                break;
            }
            if (!block_check(disk_rbuf, lba, disk_gen[lba], found,
                             sizeof(found)) && !disk_reported[lba]) {
                disk_reported[lba] = 1;
                mx_mismatch(&disk_w, NULL, "lba", lba, disk_gen[lba], found);
            }
            atomic_fetch_add(&disk_w.verified, 1);
        }

        if (!busy) {
            double w1 = atomic_load(&paused) ? MX_MAX_SLEEP_S :
                        bucket_wait(&wb, rate, block_size);
            double w2 = bucket_wait(&vb, vrate, 1);
            mx_sleep(w1 < w2 ? w1 : w2);
        }
    }
    return NULL;
}

/* Is there a virtio block device (legacy 0x1001 or modern 0x1042) on PCI? */
static bool have_virtio_blk_pci(void)
{
    DIR *d = opendir("/sys/bus/pci/devices");
    struct dirent *de;
    bool found = false;

    if (!d) {
        return false;
    }
    while (!found && (de = readdir(d)) != NULL) {
        char path[300];
        unsigned vendor = 0, device = 0;
        FILE *f;

        if (de->d_name[0] == '.') {
            continue;
        }
        snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vendor",
                 de->d_name);
        f = fopen(path, "r");
        if (f) {
            if (fscanf(f, "%x", &vendor) != 1) {
                vendor = 0;
            }
            fclose(f);
        }
        snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/device",
                 de->d_name);
        f = fopen(path, "r");
        if (f) {
            if (fscanf(f, "%x", &device) != 1) {
                device = 0;
            }
            fclose(f);
        }
        found = vendor == 0x1af4 && (device == 0x1001 || device == 0x1042);
    }
    closedir(d);
    return found;
}

static void disk_setup(void)
{
    const char *path = disk_path;
    uint64_t size = 0;

    if (strcmp(disk_path, "none") == 0) {
        return;
    }
    if (!disk_path[0]) {
        path = "/dev/vda";
    }
    /*
     * PCI is enumerated before /init runs, but the device node appears
     * asynchronously once virtio_blk has probed: wait for it a little.
     */
    if (!disk_path[0] && !have_virtio_blk_pci()) {
        return;     /* default disk and no such device: run without */
    }
    for (int i = 0; i < 100 && access(path, F_OK) != 0; i++) {
        usleep(50000);
    }
    disk_fd = open(path, O_RDWR | O_DIRECT | O_CLOEXEC);
    if (disk_fd < 0) {
        if (!disk_path[0]) {
            return;
        }
        mx_fatal("open %s: %s", path, strerror(errno));
    }
    snprintf(disk_path, sizeof(disk_path), "%s", path);
    if (ioctl(disk_fd, BLKGETSIZE64, &size) < 0) {
        mx_fatal("BLKGETSIZE64 %s: %s", path, strerror(errno));
    }
    if (disk_mb) {
        if (disk_mb * 1024 * 1024 > size) {
            mx_fatal("mx.disk_mb=%" PRIu64 " exceeds %s (%" PRIu64 " bytes)",
                     disk_mb, path, size);
        }
        size = disk_mb * 1024 * 1024;
    }
    disk_blocks = size / block_size;
    if (disk_blocks == 0 || disk_blocks > UINT32_MAX) {
        mx_fatal("%s: %" PRIu64 " blocks is out of range", path, disk_blocks);
    }
    disk_gen = calloc(disk_blocks, sizeof(*disk_gen));
    disk_reported = calloc(disk_blocks, 1);
    disk_written = calloc(disk_blocks, sizeof(*disk_written));
    if (!disk_gen || !disk_reported || !disk_written ||
        posix_memalign((void **)&disk_wbuf, MX_PAGE_SIZE, block_size) ||
        posix_memalign((void **)&disk_rbuf, MX_PAGE_SIZE,
                       block_size > MX_DISK_CHUNK ? block_size
                                                  : MX_DISK_CHUNK)) {
        mx_fatal("out of memory for the disk journal");
    }
    disk_w.present = true;
}

/* ------------------------------------------------------------------ */
/* Boot: filesystems, modules, console */

static void write_file(const char *path, const char *val)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);

    if (fd < 0 || write(fd, val, strlen(val)) < 0) {
        mx_printf("ERR write %s: %s", path, strerror(errno));
    }
    if (fd >= 0) {
        close(fd);
    }
}

static void mount_fs(const char *src, const char *dir, const char *type)
{
    mkdir(dir, 0755);
    if (mount(src, dir, type, 0, NULL) < 0 && errno != EBUSY) {
        mx_printf("ERR mount %s on %s: %s", type, dir, strerror(errno));
    }
}

/*
 * Modules in dependency order (6.1: virtio_pci needs virtio, virtio_ring,
 * virtio_pci_modern_dev and virtio_pci_legacy_dev).  build-guest.sh packs
 * them flat into /lib/modules.  A missing file means the kernel has the
 * driver built in (or does not need it) and is skipped.
 */
static const char *const mx_modules[] = {
    "virtio", "virtio_ring", "virtio_pci_modern_dev",
    "virtio_pci_legacy_dev", "virtio_pci", "virtio_blk",
};

static void load_modules(void)
{
    static const char *const ext[] = { ".ko", ".ko.xz", ".ko.zst", ".ko.gz" };

    for (size_t m = 0; m < sizeof(mx_modules) / sizeof(mx_modules[0]); m++) {
        for (size_t e = 0; e < sizeof(ext) / sizeof(ext[0]); e++) {
            char path[128];
            int fd, flags = e ? MODULE_INIT_COMPRESSED_FILE : 0;

            snprintf(path, sizeof(path), "/lib/modules/%s%s", mx_modules[m],
                     ext[e]);
            fd = open(path, O_RDONLY | O_CLOEXEC);
            if (fd < 0) {
                continue;
            }
            if (syscall(SYS_finit_module, fd, "", flags) < 0 &&
                errno != EEXIST) {
                mx_printf("ERR finit_module %s: %s", path, strerror(errno));
            }
            close(fd);
            break;
        }
    }
}

/* ttyS0: no echo, canonical input (one command per line), CR -> NL. */
static void open_console(void)
{
    struct termios t;
    int fd = open("/dev/ttyS0", O_RDWR | O_NOCTTY | O_CLOEXEC);

    if (fd < 0) {
        return;     /* keep writing to the kernel console on fd 2 */
    }
    if (tcgetattr(fd, &t) == 0) {
        t.c_iflag &= ~(IGNBRK | BRKINT | INLCR | IGNCR | ISTRIP | IXON | IXOFF);
        t.c_iflag |= ICRNL;
        t.c_oflag |= OPOST | ONLCR;
        t.c_lflag &= ~(ECHO | ECHOE | ECHOK | ECHONL | ISIG | IEXTEN);
        t.c_lflag |= ICANON;
        t.c_cflag |= CS8 | CREAD | CLOCAL;
        tcsetattr(fd, TCSANOW, &t);
    }
    tty_fd = fd;
    /* Firmware output may have left the cursor mid-line. */
    mx_write_all(fd, "\n", 1);
}

/* ------------------------------------------------------------------ */
/* Parameters */

static bool parse_double(const char *s, double lo, double hi, double *out)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= lo && v <= hi)) {
        return false;
    }
    *out = v;
    return true;
}

static bool parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
    char *end;
    unsigned long long v;

    if (!isdigit((unsigned char)*s)) {
        return false;
    }
    errno = 0;
    v = strtoull(s, &end, 0);
    if (errno || *end || v < lo || v > hi) {
        return false;
    }
    *out = v;
    return true;
}

/*
 * Keys that SET may change at run time; shared with the command line.
 * Returns 0 on success, -ENOENT for an unknown key, -EINVAL for a bad value.
 */
static int set_runtime(const char *key, const char *val)
{
    _Atomic double *dst;
    double v, hi = 1e6;

    if (!strcmp(key, "ram_rate")) {
        dst = &cfg.ram_rate;
    } else if (!strcmp(key, "disk_rate")) {
        dst = &cfg.disk_rate;
    } else if (!strcmp(key, "verify_rate")) {
        dst = &cfg.verify_rate;
        hi = 1e8;
    } else if (!strcmp(key, "hot_frac")) {
        dst = &cfg.hot_frac;
        hi = 1;
    } else if (!strcmp(key, "hot_share")) {
        dst = &cfg.hot_share;
        hi = 1;
    } else if (!strcmp(key, "ram_entropy")) {
        dst = &cfg.ram_entropy;
        hi = 1;
    } else {
        return -ENOENT;
    }
    if (!parse_double(val, 0, hi, &v)) {
        return -EINVAL;
    }
    atomic_store(dst, v);
    return 0;
}

static void parse_param(const char *key, const char *val)
{
    uint64_t u;
    bool ok = true;
    int ret = set_runtime(key, val);

    if (ret != -ENOENT) {
        ok = ret == 0;
    } else if (!strcmp(key, "ram_mb")) {
        ok = parse_u64(val, 0, 1 << 20, &ram_mb);
    } else if (!strcmp(key, "disk")) {
        ok = strlen(val) < sizeof(disk_path);
        if (ok) {
            snprintf(disk_path, sizeof(disk_path), "%s", val);
        }
    } else if (!strcmp(key, "disk_mb")) {
        ok = parse_u64(val, 0, UINT64_MAX >> 21, &disk_mb);
    } else if (!strcmp(key, "bs")) {
        ok = parse_u64(val, 4096, 1048576, &u) && !(u & (u - 1));
        if (ok) {
            block_size = u;
        }
    } else if (!strcmp(key, "pattern")) {
        ok = !strcmp(val, "seq") || !strcmp(val, "random");
        pattern_seq = !strcmp(val, "seq");
    } else if (!strcmp(key, "ram_pattern")) {
        ok = !strcmp(val, "seq") || !strcmp(val, "random");
        ram_pattern_seq = !strcmp(val, "seq");
    } else if (!strcmp(key, "seed")) {
        ok = parse_u64(val, 0, UINT64_MAX, &seed);
    } else {
        mx_printf("ERR unknown parameter mx.%s", key);
        return;
    }
    if (!ok) {
        mx_fatal("bad value for mx.%s: '%s'", key, val);
    }
}

static void parse_cmdline(void)
{
    char buf[4096], *save = NULL, *tok;
    int fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

    if (fd >= 0) {
        close(fd);
    }
    if (n < 0) {
        mx_fatal("read /proc/cmdline: %s", strerror(errno));
    }
    buf[n] = 0;
    for (tok = strtok_r(buf, " \t\n", &save); tok;
         tok = strtok_r(NULL, " \t\n", &save)) {
        char *eq = strchr(tok, '=');

        if (strncmp(tok, "mx.", 3) != 0 || !eq) {
            continue;
        }
        *eq = 0;
        parse_param(tok + 3, eq + 1);
    }
}

/* ------------------------------------------------------------------ */
/* Commands */

/*
 * Stop the writers and wait until each has acknowledged this very request,
 * so that no page or block changes once "MX PAUSED" is out.
 */
static void cmd_pause(void)
{
    unsigned epoch = atomic_fetch_add(&pause_epoch, 1) + 1;

    atomic_store(&paused, true);
    for (int i = 0; i < 10000; i++) {
        if ((!ram_w.present || atomic_load(&ram_w.pause_ack) == epoch) &&
            (!disk_w.present || atomic_load(&disk_w.pause_ack) == epoch)) {
            mx_printf("PAUSED");
            return;
        }
        usleep(1000);
    }
    mx_printf("ERR PAUSE: workers did not stop");
}

static void cmd_verify(void)
{
    pthread_mutex_lock(&vstate.lock);
    if (vstate.pending) {
        pthread_mutex_unlock(&vstate.lock);
        mx_printf("ERR VERIFY already running");
        return;
    }
    vstate.ram_ok = vstate.ram_bad = vstate.disk_ok = vstate.disk_bad = 0;
    vstate.pending = ram_w.present + disk_w.present;
    /* OK goes out before any worker can print VERIFY-DONE (needs the lock) */
    mx_printf("OK VERIFY");
    if (!vstate.pending) {
        mx_printf("VERIFY-DONE ram_ok=0 ram_bad=0 disk_ok=0 disk_bad=0");
    }
    atomic_store(&ram_w.verify_req, ram_w.present);
    atomic_store(&disk_w.verify_req, disk_w.present);
    pthread_mutex_unlock(&vstate.lock);
}

static void handle_command(char *line)
{
    char *cmd, *arg, *save = NULL;

    cmd = strtok_r(line, " \t", &save);
    if (!cmd) {
        return;
    }
    arg = strtok_r(NULL, " \t", &save);
    for (char *p = cmd; *p; p++) {
        *p = toupper((unsigned char)*p);
    }

    if (!strcmp(cmd, "PAUSE")) {
        cmd_pause();
    } else if (!strcmp(cmd, "RESUME")) {
        atomic_store(&paused, false);
        mx_printf("RESUMED");
    } else if (!strcmp(cmd, "VERIFY")) {
        cmd_verify();
    } else if (!strcmp(cmd, "LAT")) {
        double lmean, lp50, lp99, lmax;
        uint64_t ln;

        lat_take(&lat_win, &lmean, &lp50, &lp99, &lmax, &ln);
        mx_printf("LAT n=%" PRIu64 " mean_us=%.0f p50_us=%.0f p99_us=%.0f"
                  " max_us=%.0f", ln, lmean, lp50, lp99, lmax);
    } else if (!strcmp(cmd, "PFN")) {
        uint64_t n = 1;
        if (arg && !parse_u64(arg, 1, 1 << 20, &n)) {
            mx_printf("ERR PFN: bad count '%s'", arg);
            return;
        }
        ram_pfn(n);
    } else if (!strcmp(cmd, "SET")) {
        char *eq = arg ? strchr(arg, '=') : NULL;
        if (!eq) {
            mx_printf("ERR SET: expected key=value");
            return;
        }
        *eq = 0;
        switch (set_runtime(arg, eq + 1)) {
        case -ENOENT:
            mx_printf("ERR SET: unknown key '%s'", arg);
            return;
        case -EINVAL:
            mx_printf("ERR SET: bad value '%s' for %s", eq + 1, arg);
            return;
        }
        mx_printf("OK SET %s=%s", arg, eq + 1);
    } else {
        mx_printf("ERR unknown command '%s'", cmd);
    }
}

/* ------------------------------------------------------------------ */
/* Main */

static void print_stat(double now, double *last_t, uint64_t *last_ram,
                       uint64_t *last_disk)
{
    static uint64_t ram_supp_seen, disk_supp_seen;
    uint64_t r = atomic_load(&ram_w.written);
    uint64_t d = atomic_load(&disk_w.written);
    double dt = now - *last_t;
    MxWorker *ws[2] = { &ram_w, &disk_w };
    uint64_t *seen[2] = { &ram_supp_seen, &disk_supp_seen };

    double lmean, lp50, lp99, lmax;
    uint64_t ln;

    if (dt <= 0) {
        dt = 1;
    }
    lat_take(&lat_sec, &lmean, &lp50, &lp99, &lmax, &ln);
    mx_printf("STAT t=%.1f ram_mibps=%.2f ram_pages=%" PRIu64
              " disk_mibps=%.2f disk_iops=%.1f vpages=%" PRIu64
              " vblocks=%" PRIu64 " wlat_n=%" PRIu64 " wlat_mean_us=%.0f"
              " wlat_p50_us=%.0f wlat_p99_us=%.0f wlat_max_us=%.0f",
              now, (r - *last_ram) * (double)MX_PAGE_SIZE / MX_MIB / dt,
              r - *last_ram, (d - *last_disk) * (double)block_size / MX_MIB / dt,
              (d - *last_disk) / dt, (uint64_t)atomic_load(&ram_w.verified),
              (uint64_t)atomic_load(&disk_w.verified), ln, lmean, lp50, lp99,
              lmax);
    for (int i = 0; i < 2; i++) {
        uint64_t s = atomic_load(&ws[i]->suppressed);
        if (s != *seen[i]) {
            *seen[i] = s;
            mx_printf("MISMATCH-SUMMARY kind=%s source=background total=%"
                      PRIu64 " suppressed=%" PRIu64, ws[i]->kind,
                      (uint64_t)atomic_load(&ws[i]->bad_total), s);
        }
    }
    *last_t = now;
    *last_ram = r;
    *last_disk = d;
}

int main(void)
{
    pthread_t tid;
    char line[512];
    size_t llen = 0;
    double next_stat, last_t;
    uint64_t last_ram = 0, last_disk = 0;

    clock_gettime(CLOCK_MONOTONIC, &start_ts);
    crc32_init();
    atomic_store(&cfg.ram_rate, 0);
    atomic_store(&cfg.disk_rate, 0);
    atomic_store(&cfg.hot_frac, 0.1);
    atomic_store(&cfg.hot_share, 0.9);
    atomic_store(&cfg.ram_entropy, 1.0);
    atomic_store(&cfg.verify_rate, 2000);

    mount_fs("proc", "/proc", "proc");
    mount_fs("sysfs", "/sys", "sysfs");
    mount_fs("devtmpfs", "/dev", "devtmpfs");
    open_console();
    /* Keep mlock'ed pages where they are, so PFNs stay valid. */
    write_file("/proc/sys/vm/compact_unevictable_allowed", "0");
    parse_cmdline();
    load_modules();

    ram_setup();
    disk_setup();
    mx_printf("READY ram_mb=%" PRIu64 " disk=%s disk_mb=%" PRIu64
              " bs=%" PRIu32 " blocks=%" PRIu64, ram_w.present ? ram_mb : 0,
              disk_w.present ? disk_path : "none",
              disk_blocks * block_size / (1024 * 1024), block_size,
              disk_blocks);

    if (ram_w.present && pthread_create(&tid, NULL, ram_thread, NULL)) {
        mx_fatal("cannot start the RAM thread");
    }
    if (disk_w.present && pthread_create(&tid, NULL, disk_thread, NULL)) {
        mx_fatal("cannot start the disk thread");
    }

    last_t = mx_now();
    next_stat = last_t + 1;
    for (;;) {
        struct pollfd pfd = { .fd = tty_fd, .events = POLLIN };
        double now = mx_now();
        int ms = next_stat > now ? (int)((next_stat - now) * 1000) + 1 : 0;

        if (poll(&pfd, 1, ms) > 0 && (pfd.revents & POLLIN)) {
            ssize_t n = read(tty_fd, line + llen, sizeof(line) - 1 - llen);
            if (n > 0) {
                char *nl;
                llen += n;
                line[llen] = 0;
                while ((nl = memchr(line, '\n', llen)) != NULL) {
                    size_t used = nl - line + 1;
                    *nl = 0;
                    if (nl > line && nl[-1] == '\r') {
                        nl[-1] = 0;
                    }
                    handle_command(line);
                    memmove(line, line + used, llen - used);
                    llen -= used;
                }
                if (llen == sizeof(line) - 1) {
                    llen = 0;   /* overlong garbage: drop it */
                }
            } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
                /* hangup or error: avoid spinning, keep reporting STAT */
                usleep(100000);
            }
        }
        now = mx_now();
        if (now >= next_stat) {
            print_stat(now, &last_t, &last_ram, &last_disk);
            next_stat += 1;
            if (next_stat < now) {
                next_stat = now + 1;
            }
        }
    }
}
