/*
 * qemu-mx: the dirty-bitmap granularity of a mirror started without one.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef BLOCK_MX_MIRROR_GRANULARITY_H
#define BLOCK_MX_MIRROR_GRANULARITY_H

/* The finest default: one guest page / one 4Kn sector */
#define MX_MIRROR_GRAN_FINE         4096u
/* Never coarser than what stock 7.2 picks for a target without clusters */
#define MX_MIRROR_GRAN_STOCK        65536u
/* Valid granularities, as blockdev-mirror checks them */
#define MX_MIRROR_GRAN_MIN          512u
#define MX_MIRROR_GRAN_MAX          (64u * 1024 * 1024)
/*
 * The qemu-mx rule grows the granularity (up to MX_MIRROR_GRAN_STOCK) until
 * the dirty bitmap's last level, one bit per chunk, fits in this many bytes.
 * The mirror's in-flight bitmap has as many bits again.
 */
#define MX_MIRROR_BITMAP_CAP        (16u * 1024 * 1024)

typedef struct MxMirrorGranIn {
    uint64_t disk_bytes;        /* length of the mirror's source */
    uint32_t src_align;         /* the source's request alignment (0: 512) */
    uint32_t target_cluster;    /* the target's cluster size, 0: none */
    uint32_t param;             /* mirror-default-granularity, 0: the rule */
} MxMirrorGranIn;

typedef enum MxMirrorGranWhy {
    MX_MIRROR_GRAN_WHY_CLUSTER, /* target has clusters: stock's clamp */
    MX_MIRROR_GRAN_WHY_PARAM,   /* mirror-default-granularity set */
    MX_MIRROR_GRAN_WHY_FINE,    /* qemu-mx rule, bitmap under the cap */
    MX_MIRROR_GRAN_WHY_CAPPED,  /* qemu-mx rule, grown for the cap */
} MxMirrorGranWhy;

/* Pure: the granularity for @in; *@why (may be NULL) says which case. */
uint32_t mx_mirror_granularity(const MxMirrorGranIn *in, MxMirrorGranWhy *why);

const char *mx_mirror_gran_why_str(MxMirrorGranWhy why);

/* Bytes of the dirty bitmap (HBitmap, all levels) for a disk at @gran. */
uint64_t mx_mirror_bitmap_bytes(uint64_t disk_bytes, uint32_t gran);

/* True when @v is a valid mirror-default-granularity (0 or a granularity) */
bool mx_mirror_gran_param_valid(uint64_t v);

/*
 * Glue (block/mx-mirror-hook.c): the default for a mirror from @bs to
 * @target, from the rule above, with a trace event.  The value of
 * mirror-default-granularity comes from the getter migration registers
 * (none in the tools: the qemu-mx rule).
 */
uint32_t mx_mirror_default_granularity(BlockDriverState *bs,
                                       BlockDriverState *target);
void mx_mirror_set_param_getter(uint32_t (*getter)(void));

#endif
