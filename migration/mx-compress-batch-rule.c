/*
 * qemu-mx: the batch-size rule of the batched compress hand-off.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "mx-compress-batch-rule.h"

unsigned mx_batch_size(unsigned param, uint64_t page_ns)
{
    uint64_t want, most;

    if (param >= 1) {
        return MIN(param, MX_BATCH_MAX);
    }
    if (!page_ns) {
        return MX_BATCH_START;
    }
    /* hand-off <= batch cost / DIV  <=>  n >= DIV * handoff / page_ns */
    want = DIV_ROUND_UP((uint64_t)MX_BATCH_OVERHEAD_DIV * MX_BATCH_HANDOFF_NS,
                        page_ns);
    most = MX_BATCH_LATENCY_NS / page_ns;
    want = MIN(want, most);
    return MAX(2, MIN(want, MX_BATCH_MAX));
}

void mx_batch_rule_init(MxBatchRule *r, unsigned param)
{
    r->param = param;
    r->page_ns = 0;
    r->batches = 0;
    r->size = mx_batch_size(param, 0);
}

unsigned mx_batch_rule_observe(MxBatchRule *r, uint64_t cpu_ns,
                               unsigned pages)
{
    uint64_t ns;

    if (!pages) {
        return r->size;
    }
    ns = MAX(cpu_ns / pages, 1);
    if (!r->page_ns) {
        r->page_ns = ns;
    } else {
        r->page_ns = (r->page_ns * (16 - MX_BATCH_EWMA_NEW16) +
                      ns * MX_BATCH_EWMA_NEW16) / 16;
        r->page_ns = MAX(r->page_ns, 1);
    }
    r->batches++;
    r->size = mx_batch_size(r->param, r->page_ns);
    return r->size;
}
