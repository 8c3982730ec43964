/*
 * qemu-mx: the compress-bypass rule (docs/mx/lz4-compression.md), on its
 * own: no migration state and no clock of its own, so that a unit test can
 * drive it with a fake clock (tests/unit/test-mx-bypass.c).
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIGRATION_MX_BYPASS_H
#define MIGRATION_MX_BYPASS_H

#include "qemu/timer.h"

/* Length of a measuring window */
#define MX_WIN_NS   ((int64_t)50 * SCALE_MS)
/* A pause longer than this between two pages drops the current window */
#define MX_GAP_NS   ((int64_t)20 * SCALE_MS)
/* The mode not in use is measured again once its figure is this old */
#define MX_STALE_NS ((int64_t)2000 * SCALE_MS)
/*
 * Compress while compressed rate * MX_HYST >= raw rate, as long as compression
 * saves bytes; once most pages it tries do not shrink, compress only while
 * compressed rate >= raw rate * MX_HYST.
 */
#define MX_HYST     1.10
/*
 * Compression "pays" (saves bytes) while fewer than this share of the pages
 * it tried in a window did not shrink.
 */
#define MX_PAYS_MAX_UNSHRUNK 0.5

/*
 * A page that compresses to more than this share of its size is not worth
 * the decoder's time: with compress-bypass on it is sent raw.
 */
#define MX_BYPASS_MAX_SIZE(page) ((page) - (page) / 8)

typedef struct MxBypass {
    bool compressing;       /* current mode; read by other threads */
    bool started;           /* a page was seen */
    int64_t win_start;
    int64_t last;           /* time of the previous page */
    uint64_t win_done;      /* progress at the start of the window */
    uint64_t win_unshrunk;  /* pages that did not shrink, at window start */
    bool pays;              /* the last compressed window saved bytes */
    double rate[2];         /* pages/s: [0] raw, [1] compressed */
    int64_t rate_at[2];     /* when rate[] was measured */
    bool measured[2];       /* rate[] holds a figure */
    bool limited;           /* the next pause is the bandwidth limiter's */
} MxBypass;

/* Start of a migration: compressing, nothing measured. */
void mx_bypass_init(MxBypass *b);

/*
 * Once per page, from one thread, @now in ns of a monotonic clock: returns
 * true to compress the page, false to send it raw.  @done is the caller's
 * running count of data pages sent so far (zero pages left out): a window's
 * rate is its growth per second, so both modes are judged by the RAM data
 * they move, whatever share of zero pages the window happened to cross.
 * @unshrunk is the running count of pages the compressors tried and sent raw
 * because they did not shrink: when most pages of a compressed window did
 * not, compression saves nothing and loses its margin (MX_HYST).
 * With @enabled false (compress-bypass off) it always compresses and leaves
 * the state alone.
 */
bool mx_bypass_step(MxBypass *b, bool enabled, int64_t now, uint64_t done,
                    uint64_t unshrunk);

/*
 * The max-bandwidth limiter is about to sleep (same thread as the steps):
 * the pause before the next page is part of the current mode's throughput,
 * not a gap.
 */
void mx_bypass_limited(MxBypass *b, bool enabled);

/* The mode the last step chose (true with @enabled false); any thread. */
bool mx_bypass_is_compressing(MxBypass *b, bool enabled);

/*
 * Last measured rate of a mode in pages/s, and when it was measured;
 * false if that mode was never measured.
 */
bool mx_bypass_rate(const MxBypass *b, bool compressed, double *rate,
                    int64_t *at);

#endif
