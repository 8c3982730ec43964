/*
 * qemu-mx: destination of lz4 compress-thread migration.
 *
 * lz4 pages are decoded by the loading thread itself: lz4 decodes a page in
 * about a microsecond, less than handing it to a decompress thread and
 * waking that thread costs (benchmark 2 measured the hand-off at several
 * CPU-seconds per GiB on each side).  Each page is decoded aside first, so
 * a page that does not decode never reaches guest RAM.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "exec/target_page.h"
#include "migration.h"
#include "qemu-file.h"
#include "trace.h"
#include "mx-decompress.h"
#include "mx-params.h"
#ifdef CONFIG_LZ4
#include "mx-lz4-codec.h"
#endif

static struct {
    uint8_t *in;            /* one compressed page as read */
    uint8_t *page;          /* that page decoded */
} mx_load;

int mx_lz4_load_page(QEMUFile *f, uint8_t *host, int len, int max_len)
{
    size_t page = qemu_target_page_size();

    if (len <= 0 || len > max_len) {
        trace_mx_lz4_page_refused(len, "invalid length");
        error_report("lz4: invalid compressed page length %d", len);
        return -EINVAL;
    }
    if (!mx_load.in) {
        mx_load.in = g_malloc(max_len);
        mx_load.page = g_malloc(page);
    }
    if (qemu_get_buffer(f, mx_load.in, len) != len) {
        return -EIO;    /* the stream's error is reported by the caller */
    }
#ifdef CONFIG_LZ4
    if (mx_lz4_decode_page(mx_load.in, len, mx_load.page, page) == 0) {
        memcpy(host, mx_load.page, page);
        return 0;
    }
#endif
    trace_mx_lz4_page_refused(len, "does not decode to one page");
    error_report("lz4: a compressed page of %d bytes does not decode to "
                 "exactly %zu bytes", len, page);
    return -EINVAL;
}

void mx_lz4_load_cleanup(void)
{
    g_free(mx_load.in);
    g_free(mx_load.page);
    memset(&mx_load, 0, sizeof(mx_load));
}

int mx_compress_invalid_flags(int zlib_flag, int lz4_flag)
{
    if (!migrate_use_compression()) {
        return lz4_flag;    /* the caller already refuses zlib pages */
    }
    return migrate_compress_lz4() ? zlib_flag : lz4_flag;
}

void mx_compress_report_unexpected(bool lz4_page)
{
    trace_mx_compress_page_refused(lz4_page ? "lz4" : "zlib",
                                   migrate_use_compression());
    if (lz4_page && !migrate_use_compression()) {
        error_report("Received an lz4-compressed page, but the 'compress' "
                     "capability is off here: enable it and set "
                     "compress-method=lz4 on both sides");
    } else if (lz4_page) {
        error_report("Received an lz4-compressed page, but compress-method "
                     "is zlib here: set compress-method=lz4 on both sides");
    } else if (migrate_use_compression()) {
        error_report("Received a zlib-compressed page, but compress-method "
                     "is lz4 here: set the same compress-method on both "
                     "sides");
    }
}
