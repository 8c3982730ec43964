/*
 * qemu-mx: receive a MIG_CMD_PACKAGED blob as its bytes arrive.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MX_PACKAGED_H
#define MX_PACKAGED_H

#include "io/channel-buffer.h"
#include "qemu-file.h"

/*
 * Read the @length bytes of a packaged stream from @f into a new buffer
 * channel (its usage @length).  Returns NULL if @f ends or fails first;
 * *@got is the number of bytes received either way.
 */
QIOChannelBuffer *mx_packaged_receive(QEMUFile *f, size_t length,
                                      size_t *got);

#endif
