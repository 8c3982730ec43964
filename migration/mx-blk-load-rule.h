/*
 * qemu-mx: when the destination of legacy block migration may start
 * writing the next dirty run while earlier ones are still being written
 * (mx-blk-load-rule.c; docs/mx/blk-dirty-runs.md).
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIGRATION_MX_BLK_LOAD_RULE_H
#define MIGRATION_MX_BLK_LOAD_RULE_H

/* the parameter blk-load-depth: 1 is stock (one write at a time) */
#define MX_BLK_LOAD_DEPTH_DEFAULT   16
#define MX_BLK_LOAD_DEPTH_MAX       64
/* bytes of record data held in writes at once (one larger run may start alone) */
#define MX_BLK_LOAD_MAX_BYTES       (16 * 1024 * 1024)

/* one write in flight: which drive, which bytes */
typedef struct MxBlkLoadRange {
    const void *drive;
    uint64_t offset;
    uint64_t len;
} MxBlkLoadRange;

typedef enum MxBlkLoadVerdict {
    MX_BLK_LOAD_START,          /* write it now, beside the others */
    MX_BLK_LOAD_WAIT_OVERLAP,   /* an earlier write to these bytes is not done */
    MX_BLK_LOAD_WAIT_DEPTH,     /* blk-load-depth writes are in flight */
    MX_BLK_LOAD_WAIT_BYTES,     /* MX_BLK_LOAD_MAX_BYTES of data in flight */
} MxBlkLoadVerdict;

/*
 * May a write of @len bytes at @offset of @drive start while the @n
 * writes in @busy are in flight, with at most @depth at once?  Overlap
 * is checked first: a later record of the same bytes must land after the
 * earlier one, whatever the depth.
 */
MxBlkLoadVerdict mx_blk_load_verdict(const MxBlkLoadRange *busy, unsigned n,
                                     unsigned depth,
                                     const void *drive, uint64_t offset,
                                     uint64_t len);

/* the bytes of the @n writes in @busy */
uint64_t mx_blk_load_busy_bytes(const MxBlkLoadRange *busy, unsigned n);

const char *mx_blk_load_verdict_name(MxBlkLoadVerdict v);

#endif
