/*
 * qemu-mx: how many dirty areas a mirror starts per turn of its coroutine.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef BLOCK_MX_MIRROR_BATCH_H
#define BLOCK_MX_MIRROR_BATCH_H

/* One contiguous dirty area per turn: what stock 7.2 does */
#define MX_MIRROR_BATCH_STOCK       1
/*
 * The default is stock's: with the NBD server's replies no longer held
 * back (nbd/mx-nbd-nodelay.c) more areas per turn measured no gain
 * (docs/mx/mirror-batch.md).  16 is the job's in-flight limit.
 */
#define MX_MIRROR_BATCH_DEFAULT     MX_MIRROR_BATCH_STOCK
#define MX_MIRROR_BATCH_MAX         64

typedef struct MxMirrorBatchIn {
    unsigned done;          /* areas started in this turn so far (>= 1) */
    unsigned batch;         /* mirror-batch: at most this many per turn */
    uint64_t delay_ns;      /* the last area's rate-limit delay */
    uint64_t dirty;         /* dirty bytes left in the job's bitmap */
    int in_flight;          /* the job's copy operations in flight */
    int max_in_flight;      /* and their limit */
    int buf_free;           /* free chunks of the job's buffer */
    bool error;             /* an I/O error is pending */
    int64_t since_pause_ns; /* since the job last yielded */
    int64_t slice_ns;       /* longest run between yields */
} MxMirrorBatchIn;

typedef enum MxMirrorBatchWhy {
    MX_MIRROR_BATCH_MORE,       /* start the next dirty area now */
    MX_MIRROR_BATCH_LIMIT,      /* mirror-batch areas started */
    MX_MIRROR_BATCH_CLEAN,      /* nothing dirty is left */
    MX_MIRROR_BATCH_RATE,       /* the speed limit asks for a pause */
    MX_MIRROR_BATCH_IN_FLIGHT,  /* the in-flight limit is reached */
    MX_MIRROR_BATCH_BUFFER,     /* the buffer is used up */
    MX_MIRROR_BATCH_ERROR,      /* an error waits to be handled */
    MX_MIRROR_BATCH_SLICE,      /* the job must yield (drain, pause) */
} MxMirrorBatchWhy;

/* Pure: may the mirror start another dirty area in this turn, and if not why */
MxMirrorBatchWhy mx_mirror_batch_next(const MxMirrorBatchIn *in);

const char *mx_mirror_batch_why_str(MxMirrorBatchWhy why);

/* True when @v is a valid mirror-batch value */
bool mx_mirror_batch_param_valid(uint64_t v);

/*
 * Glue (block/mx-mirror-hook.c): after an area of the turn was started,
 * whether to start the next one (the rule above, with mirror-batch from the
 * getter migration registers, the clock and a trace event when the turn
 * ends).  @bitmap: the job's dirty bitmap, counted only when mirror-batch
 * is above 1.  @last_pause_ns: when the job last yielded, QEMU_CLOCK_REALTIME.
 */
bool mx_mirror_batch_more(unsigned done, uint64_t delay_ns,
                          BdrvDirtyBitmap *bitmap,
                          int in_flight, int max_in_flight, int buf_free,
                          bool error, int64_t last_pause_ns,
                          int64_t slice_ns);
void mx_mirror_set_batch_getter(unsigned (*getter)(void));

#endif
