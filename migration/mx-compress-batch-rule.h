/*
 * qemu-mx: how many pages the migration thread hands to a compress thread
 * per wake-up (docs/mx/lz4-compression.md, "Batched hand-off").  A pure
 * rule: no migration state and no clock of its own; the pool feeds it the
 * compress threads' own CPU time per page and applies its answer, and
 * tests/unit/test-mx-compress-batch.c drives it with made-up costs.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIGRATION_MX_COMPRESS_BATCH_RULE_H
#define MIGRATION_MX_COMPRESS_BATCH_RULE_H

#include <stdbool.h>
#include <stdint.h>

/* Largest batch, and the compress-batch-pages range (0 = auto) */
#define MX_BATCH_MAX            64
/* Batch size before anything was measured (auto) */
#define MX_BATCH_START          16
/*
 * What one hand-off costs the two threads together (mutex, condition
 * variable, a futex wake-up and the woken thread's schedule-in), measured
 * on 7.2's per-page path: about 18 us of CPU per page beyond lz4 and
 * sending (docs/mx/lz4-compression.md).  The rule keeps it at or below
 * 1/MX_BATCH_OVERHEAD_DIV of the batch's compression time.
 */
#define MX_BATCH_HANDOFF_NS     18000
#define MX_BATCH_OVERHEAD_DIV   10
/*
 * A batch should not take a thread longer than this: a flush (end of a
 * round, a new RAM block) waits for every batch in flight, and a flush
 * waits on the migration thread.
 */
#define MX_BATCH_LATENCY_NS     2000000
/* Weight of the newest batch in the running cost per page, in 1/16 */
#define MX_BATCH_EWMA_NEW16     4

typedef struct MxBatchRule {
    unsigned param;         /* compress-batch-pages: 0 auto, 1 stock, n */
    uint64_t page_ns;       /* running CPU ns per page, 0 = not measured */
    unsigned batches;       /* batches observed */
    unsigned size;          /* the rule's current answer */
} MxBatchRule;

/* Start of a migration with compress-batch-pages = @param (0..64). */
void mx_batch_rule_init(MxBatchRule *r, unsigned param);

/*
 * A compress thread finished a batch of @pages pages in @cpu_ns of its
 * own CPU time.  Returns the batch size to use from now on.
 */
unsigned mx_batch_rule_observe(MxBatchRule *r, uint64_t cpu_ns,
                               unsigned pages);

/*
 * The pure answer: pages per hand-off for compress-batch-pages @param when
 * a page costs @page_ns ns of compress-thread CPU (0: not known yet).
 *  - 1: stock per-page hand-off; 2..MX_BATCH_MAX: that many, always.
 *  - 0 (auto): enough pages that one hand-off costs at most
 *    1/MX_BATCH_OVERHEAD_DIV of the batch's compression, no more pages
 *    than MX_BATCH_LATENCY_NS of compression, within 2..MX_BATCH_MAX;
 *    MX_BATCH_START until measured.
 */
unsigned mx_batch_size(unsigned param, uint64_t page_ns);

#endif
