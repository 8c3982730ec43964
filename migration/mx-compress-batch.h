/*
 * qemu-mx: batched hand-off between the migration thread and the threads
 * of the 'compress' capability (zlib and lz4 alike), mx-compress-batch.c;
 * docs/mx/lz4-compression.md, "Batched hand-off".
 *
 * 7.2 hands one 4 KiB page to a compress thread per wake-up (a mutex, a
 * condition variable, a futex wake and a schedule-in per page), which
 * costs more CPU than lz4 compressing the page.  Here the migration thread
 * stages several pages of the current RAM block and hands them over in one
 * wake-up; the thread writes their records (the same records stock writes:
 * header with RAM_SAVE_FLAG_CONTINUE, then the page) into a buffer of its
 * own, which the migration thread puts on the stream when it hands that
 * thread its next batch or at a flush.  Only ram.c includes this.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIGRATION_MX_COMPRESS_BATCH_H
#define MIGRATION_MX_COMPRESS_BATCH_H

#include "exec/cpu-common.h"
#include "qapi/qapi-types-migration.h"
#include "mx-compress.h"

/* Compress one page into @f; true when it was a zero page (ram.c). */
typedef bool (*MxCBatchPageFn)(QEMUFile *f, z_stream *stream,
                               RAMBlock *block, ram_addr_t offset,
                               uint8_t *source_buf, MxCompressCtx *mx);
/*
 * Migration thread: one page went to the stream as @bytes bytes (ram.c
 * counts it like 7.2's update_compress_thread_counts()).
 */
typedef void (*MxCBatchAccountFn)(int bytes, bool zero_page,
                                  const MxPageResult *r);

/* compress-batch-pages is not 1: the batched hand-off replaces 7.2's. */
bool mx_cbatch_wanted(void);
/* The batched hand-off runs this migration (set up, not cleaned up). */
bool mx_cbatch_active(void);

/* Start @threads compress threads; 0 on success, -1 on failure. */
int mx_cbatch_save_setup(int threads, int level, MxCBatchPageFn page,
                         MxCBatchAccountFn account);
/* Stop and join the threads (a batch in progress stops at its next page). */
void mx_cbatch_save_cleanup(void);

/*
 * Migration thread: take the page at @offset of @block (the block of the
 * last page sent).  Returns 1 if taken, -1 if every thread is busy and
 * compress-wait-thread is off (send the page yourself).
 */
int mx_cbatch_queue(QEMUFile *f, RAMBlock *block, ram_addr_t offset);
/* Hand the staged pages over now if a thread is idle (end of an iteration) */
void mx_cbatch_kick(QEMUFile *f);
/* Put every page taken so far on @f (7.2's flush_compressed_data()). */
void mx_cbatch_flush(QEMUFile *f);

/* Start of a RAM save (mx_compress_save_setup()): no figures yet. */
void mx_cbatch_stats_reset(void);
/* query-migrate: hand-offs so far and the batch size in use */
void mx_cbatch_fill_stats(CompressionStats *c);

#endif
