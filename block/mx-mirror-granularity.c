/*
 * qemu-mx: the dirty-bitmap granularity of a mirror started without one.
 *
 * Stock 7.2 takes the target's cluster size clamped to [4 KiB, 64 KiB], and
 * 64 KiB when the target reports none.  An NBD target (what libvirt's
 * --copy-storage-all mirrors to) and a raw file report none, so every 4 KiB
 * guest write made after the bulk copy is sent as 64 KiB: 16 times the data.
 *
 * The qemu-mx rule, for a target without a cluster size:
 *   g = max(4 KiB, the source's request alignment);
 *   while the bitmap's last level (one bit per chunk) would exceed
 *   MX_MIRROR_BITMAP_CAP bytes and g < 64 KiB: g *= 2.
 * With a 16 MiB cap that is 4 KiB up to 512 GiB, 8 KiB for 1 TiB, ...,
 * 64 KiB (stock's value) from 4 TiB on; never coarser than stock.
 * A target with a cluster size keeps stock's choice: writing less than a
 * cluster costs the target a read-modify-write (or a COW from its backing
 * file), which is what stock's rule avoids.
 * A non-zero mirror-default-granularity replaces the rule for targets
 * without a cluster size; 65536 gives stock's behaviour back.
 *
 * Pure: no block layer, no globals, so the unit test drives it directly.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/host-utils.h"
#include "block/mx-mirror-granularity.h"

/* Number of chunks of @gran bytes covering @disk_bytes */
static uint64_t chunks(uint64_t disk_bytes, uint32_t gran)
{
    return disk_bytes / gran + (disk_bytes % gran != 0);
}

uint32_t mx_mirror_granularity(const MxMirrorGranIn *in, MxMirrorGranWhy *why)
{
    MxMirrorGranWhy w;
    uint32_t g;

    if (in->target_cluster > 0) {
        g = MAX(4096, in->target_cluster);
        g = MIN(MX_MIRROR_GRAN_STOCK, g);
        w = MX_MIRROR_GRAN_WHY_CLUSTER;
    } else if (in->param != 0) {
        g = in->param;
        w = MX_MIRROR_GRAN_WHY_PARAM;
    } else {
        uint32_t align = in->src_align ? in->src_align : MX_MIRROR_GRAN_MIN;

        if (!is_power_of_2(align)) {
            align = pow2ceil(align);
        }
        g = MAX(MX_MIRROR_GRAN_FINE, align);
        g = MIN(MX_MIRROR_GRAN_MAX, g);
        w = MX_MIRROR_GRAN_WHY_FINE;
        while (g < MX_MIRROR_GRAN_STOCK &&
               chunks(in->disk_bytes, g) > (uint64_t)MX_MIRROR_BITMAP_CAP * 8) {
            g *= 2;
            w = MX_MIRROR_GRAN_WHY_CAPPED;
        }
    }
    if (why) {
        *why = w;
    }
    return g;
}

const char *mx_mirror_gran_why_str(MxMirrorGranWhy why)
{
    switch (why) {
    case MX_MIRROR_GRAN_WHY_CLUSTER:
        return "target-cluster";
    case MX_MIRROR_GRAN_WHY_PARAM:
        return "parameter";
    case MX_MIRROR_GRAN_WHY_FINE:
        return "fine";
    case MX_MIRROR_GRAN_WHY_CAPPED:
        return "bitmap-cap";
    }
    return "?";
}

uint64_t mx_mirror_bitmap_bytes(uint64_t disk_bytes, uint32_t gran)
{
    /*
     * as hbitmap_alloc(): 64-bit words per level, 64 bits of one level
     * summed up in one bit of the level above, up to a single word
     */
    uint64_t words = (chunks(disk_bytes, gran) + 63) / 64;
    uint64_t total = 0;

    for (;;) {
        words = MAX(words, 1);
        total += words;
        if (words == 1) {
            break;
        }
        words = (words + 63) / 64;
    }
    return total * 8;
}

bool mx_mirror_gran_param_valid(uint64_t v)
{
    return v == 0 || (v >= MX_MIRROR_GRAN_MIN && v <= MX_MIRROR_GRAN_MAX &&
                      is_power_of_2(v));
}
