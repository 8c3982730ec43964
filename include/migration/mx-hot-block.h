/*
 * qemu-mx: per-RAMBlock heat counters of hot-segment deferral
 * (docs/mx/hot-defer.md), fed by the dirty-bitmap sync in exec/ram_addr.h.
 *
 * A RAMBlock's pages are grouped in segments of 2^shift pages.  Every page
 * the dirty log reports written since the last sync adds one to its
 * segment's heat, whether or not the page was already dirty in the
 * migration bitmap: a deferred segment keeps its dirty bits, and its heat
 * must still show whether the guest still writes it.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIGRATION_MX_HOT_BLOCK_H
#define MIGRATION_MX_HOT_BLOCK_H

#include "qemu/bitops.h"
#include "qemu/host-utils.h"

typedef struct MxHotBlock {
    uint32_t *heat;         /* this block's segments in the global array */
    uint64_t base;          /* index of its first segment there */
    unsigned shift;         /* log2(pages per segment), >= log2(64) */
} MxHotBlock;

/* @word of the block's bitmap had @bits newly reported written */
static inline void mx_hot_note_word(MxHotBlock *h, unsigned long word,
                                    unsigned long bits)
{
    /* a segment holds whole bitmap words (shift >= log2(BITS_PER_LONG)) */
    h->heat[(word * BITS_PER_LONG) >> h->shift] += ctpopl(bits);
}

/* @page of the block was reported written */
static inline void mx_hot_note_page(MxHotBlock *h, unsigned long page)
{
    h->heat[page >> h->shift]++;
}

#endif
