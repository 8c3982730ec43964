/*
 * qemu-mx: the destination of lz4 compress-thread migration: loading lz4
 * pages and refusing pages of the other method (mx-decompress.c).
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIGRATION_MX_DECOMPRESS_H
#define MIGRATION_MX_DECOMPRESS_H

#include "qemu-file.h"

/*
 * Loading thread: read one lz4 page of @len bytes (at most @max_len) from
 * @f and decode it into @host; 0, or -errno (reported).
 */
int mx_lz4_load_page(QEMUFile *f, uint8_t *host, int len, int max_len);
/* End of the incoming migration: free the loading buffers. */
void mx_lz4_load_cleanup(void);
/* Page flags that must not appear here, and the error for one that did. */
int mx_compress_invalid_flags(int zlib_flag, int lz4_flag);
void mx_compress_report_unexpected(bool lz4_page);

#endif
