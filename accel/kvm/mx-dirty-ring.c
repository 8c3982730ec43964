/*
 * qemu-mx: recognise a KVM dirty ring that the host overflowed
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Pure functions (no KVM, no global state): see mx-dirty-ring.h and
 * docs/mx/reliability.md ("KVM dirty ring").
 */

#include "qemu/osdep.h"
#include "mx-dirty-ring.h"

static bool slot_dirty(MxDirtyRingFlagsFn flags_at, void *opaque,
                       uint32_t size, uint32_t index)
{
    return (flags_at(opaque, index % size) & MX_DIRTY_GFN_F_MASK) ==
           MX_DIRTY_GFN_F_DIRTY;
}

uint32_t mx_dirty_ring_gap(uint32_t size, uint32_t fetch,
                           MxDirtyRingFlagsFn flags_at, void *opaque)
{
    uint32_t i;

    if (size < 2 || slot_dirty(flags_at, opaque, size, fetch)) {
        return 0;
    }
    for (i = 1; i < size; i++) {
        if (slot_dirty(flags_at, opaque, size, fetch + i)) {
            /*
             * Pushes are ordered: had the kernel filled slot @fetch after
             * our first look, it did so before the one just seen.
             */
            return slot_dirty(flags_at, opaque, size, fetch) ? 0 : i;
        }
    }
    return 0;
}

bool mx_dirty_ring_lost(uint32_t size, uint32_t reaped, uint32_t gap)
{
    return gap > 0 || (size > 0 && reaped >= size);
}
