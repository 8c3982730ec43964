/*
 * qemu-mx: recognise a KVM dirty ring that the host overflowed
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef MX_DIRTY_RING_H
#define MX_DIRTY_RING_H

/* the flag values of struct kvm_dirty_gfn (linux/kvm.h) */
#define MX_DIRTY_GFN_F_DIRTY 1u
#define MX_DIRTY_GFN_F_RESET 2u
#define MX_DIRTY_GFN_F_MASK  3u

/* Reads the flags of ring slot @slot (0 <= slot < ring size), load-acquire. */
typedef uint32_t (*MxDirtyRingFlagsFn)(void *opaque, uint32_t slot);

/*
 * How many slots, from index @fetch on, hold no dirty entry although a
 * dirty entry follows them: 0 for a ring in step with the kernel.
 *
 * A kernel pushes entries strictly in ring order and marks every reset
 * entry invalid, so in a sane ring the dirty entries are exactly the run
 * that starts at @fetch.  A host that pushes into a full ring overwrites
 * its oldest entry and moves its index past ours: its entries then start
 * @gap slots after @fetch and the slots before them never become dirty.
 * The caller treats those slots as collected (the kernel resets them with
 * the others) and collects from @fetch + @gap on.
 *
 * To be called when slot @fetch was seen without a dirty entry.  Slot
 * @fetch is read again after the scan: a vCPU still running may have
 * pushed into it meanwhile, which is the sane case (0).
 */
uint32_t mx_dirty_ring_gap(uint32_t size, uint32_t fetch,
                           MxDirtyRingFlagsFn flags_at, void *opaque);

/*
 * Whether dirty entries may have been lost in one reap of one ring: it
 * collected a whole ring (@reaped >= @size; a kernel in order exits to
 * userspace well before that, so a full ring is where an overflowing host
 * overwrites) or it found a @gap.
 */
bool mx_dirty_ring_lost(uint32_t size, uint32_t reaped, uint32_t gap);

#endif
