/*
 * qemu-mx: receive a MIG_CMD_PACKAGED blob as its bytes arrive.
 *
 * The command gives a 32-bit length, and stock 7.2 allocated all of it
 * (g_malloc0, up to 4 GiB) before reading a byte: 13 bytes of a hostile or
 * corrupt stream made the destination reserve 4 GiB, and abort where that
 * is not possible (an address-space limit; found by the loader fuzz target,
 * tests/qtest/fuzz/mx_migration_fuzz.c, as an out-of-memory).  Here the
 * buffer grows with what was received, so a stream costs the memory it
 * sent.  Growth doubles, so a real package of N bytes is copied O(N) times
 * in all.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/units.h"
#include "mx-packaged.h"

#define MX_PACKAGED_CHUNK   (1 * MiB)

QIOChannelBuffer *mx_packaged_receive(QEMUFile *f, size_t length,
                                      size_t *got)
{
    QIOChannelBuffer *bioc = qio_channel_buffer_new(MIN(length,
                                                        MX_PACKAGED_CHUNK));
    size_t n = 0;

    while (n < length) {
        size_t chunk = MIN(length - n, MX_PACKAGED_CHUNK);
        size_t r;

        if (bioc->capacity < n + chunk) {
            bioc->capacity = MIN(MAX(bioc->capacity * 2, n + chunk), length);
            bioc->data = g_realloc(bioc->data, bioc->capacity);
        }
        r = qemu_get_buffer(f, bioc->data + n, chunk);
        n += r;
        if (r != chunk) {
            break;
        }
    }
    *got = n;
    if (n != length) {
        object_unref(OBJECT(bioc));
        return NULL;
    }
    bioc->usage = length;
    return bioc;
}
