/*
 * qemu-mx: convergence estimate in raw bytes when compressing.
 *
 * 7.2 decides to stop the guest when the remaining dirty RAM fits into
 * bandwidth * downtime-limit.  The remaining RAM is counted in raw bytes,
 * but the bandwidth is measured in bytes on the wire, and with compression
 * a page costs fewer of those: with well-compressing pages the threshold
 * comes out several times too small and a migration that could stop within
 * the limit may never do so.  Measure the bandwidth in the unit of the
 * remaining RAM instead: over the same iteration window, count each
 * compressed page at its raw size rather than its compressed size.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "exec/target_page.h"
#include "migration.h"
#include "ram.h"
#include "trace.h"
#include "mx-converge.h"
#include "mx-compress-stats.h"

static struct {
    uint64_t in;            /* raw bytes of compressed pages at window start */
    uint64_t out;           /* their bytes on the wire */
} mx_converge;

static void mx_compressed_totals(uint64_t *in, uint64_t *out)
{
    if (migrate_use_compression()) {
        /* compress threads: both the stock and the qemu-mx path count here */
        *in = compression_counters.pages * qemu_target_page_size();
        *out = compression_counters.compressed_size;
    } else if (migrate_use_multifd()) {
        mx_stats_multifd_totals(in, out);
    } else {
        *in = *out = 0;
    }
}

void mx_converge_reset(void)
{
    memset(&mx_converge, 0, sizeof(mx_converge));
}

void mx_converge_window_start(void)
{
    mx_compressed_totals(&mx_converge.in, &mx_converge.out);
}

double mx_converge_bandwidth(double bandwidth, uint64_t transferred)
{
    uint64_t in, out, raw;
    double raw_bandwidth;

    mx_compressed_totals(&in, &out);
    in -= mx_converge.in;
    out -= mx_converge.out;
    /* nothing compressed, or counters from another window: keep stock's */
    if (!transferred || !out || in <= out || out > transferred) {
        return bandwidth;
    }
    raw = transferred - out + in;
    raw_bandwidth = bandwidth * ((double)raw / transferred);
    trace_mx_converge_bandwidth((uint64_t)bandwidth, (uint64_t)raw_bandwidth,
                                transferred, raw);
    return raw_bandwidth;
}
