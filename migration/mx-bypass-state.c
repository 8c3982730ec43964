/*
 * qemu-mx: the compress-bypass rule of the running migration.  The rule
 * (mx-bypass.c) is a pure function; this file owns its state, gives it the
 * clock and its inputs, counts the pages it sends raw and traces every
 * switch of mode.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/timer.h"
#include "migration.h"
#include "ram.h"
#include "trace.h"
#include "mx-bypass.h"
#include "mx-bypass-state.h"
#include "mx-compress-stats.h"
#include "mx-params.h"

static MxBypass mx_bypass;

void mx_bypass_reset(void)
{
    mx_bypass_init(&mx_bypass);
}

bool mx_bypass_compressing(void)
{
    return mx_bypass_is_compressing(&mx_bypass, migrate_compress_bypass());
}

void mx_bypass_record_page(void)
{
    bool enabled = migrate_compress_bypass();
    bool was, now;
    /* data pages so far: raw ones and those the compressors accounted */
    uint64_t done = ram_counters.normal + compression_counters.pages;

    if (!enabled) {
        return;
    }
    was = mx_bypass_is_compressing(&mx_bypass, true);
    now = mx_bypass_step(&mx_bypass, true, get_clock(), done,
                         mx_stats_unshrunk());
    if (now != was) {
        double raw = 0, compressed = 0;
        int64_t at;

        mx_bypass_rate(&mx_bypass, false, &raw, &at);
        mx_bypass_rate(&mx_bypass, true, &compressed, &at);
        trace_mx_bypass_switch(now ? "compress" : "raw", (uint64_t)raw,
                               (uint64_t)compressed, mx_bypass.pays);
    }
}

void mx_bypass_rate_limited(void)
{
    mx_bypass_limited(&mx_bypass, migrate_compress_bypass());
}
