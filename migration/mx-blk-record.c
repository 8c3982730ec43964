/*
 * qemu-mx: validation of legacy block migration records.  A record that
 * fails is an error of the incoming migration, and nothing of it is
 * written.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "mx-blk-record.h"

const char *mx_blk_check_run(uint64_t sector, uint64_t len,
                             int64_t total_sectors)
{
    if (!len || len % MX_BLK_SECTOR) {
        return "length not a positive multiple of 512";
    }
    if (len > MX_BLK_CHUNK) {
        return "length above 1 MiB";
    }
    if (total_sectors <= 0 || sector >= (uint64_t)total_sectors ||
        len / MX_BLK_SECTOR > (uint64_t)total_sectors - sector) {
        return "range outside the device";
    }
    return NULL;
}

const char *mx_blk_check_chunk(uint64_t sector, int64_t total_sectors)
{
    if (total_sectors <= 0 || sector >= (uint64_t)total_sectors) {
        return "chunk outside the device";
    }
    if (sector % (MX_BLK_CHUNK / MX_BLK_SECTOR)) {
        return "chunk not aligned to 1 MiB";
    }
    return NULL;
}

const char *mx_blk_check_record(int flags, uint64_t sector, uint64_t len,
                                int64_t total_sectors)
{
    if (flags & MX_BLK_FLAG_RUN) {
        if (flags & ~(MX_BLK_FLAG_RUN | MX_BLK_FLAG_ZERO)) {
            return "unknown flags with a dirty run";
        }
        return mx_blk_check_run(sector, len, total_sectors);
    }
    if (!(flags & MX_BLK_FLAG_DEVICE_BLOCK)) {
        return "not a data record";
    }
    if (flags & ~(MX_BLK_FLAG_DEVICE_BLOCK | MX_BLK_FLAG_ZERO)) {
        return "unknown flags with a stock record";
    }
    return mx_blk_check_chunk(sector, total_sectors);
}

uint64_t mx_blk_record_bytes(int flags, uint64_t sector, uint64_t len,
                             int64_t total_sectors)
{
    uint64_t left = ((uint64_t)total_sectors - sector) * MX_BLK_SECTOR;

    if (flags & MX_BLK_FLAG_RUN) {
        return len;
    }
    return left < MX_BLK_CHUNK ? left : MX_BLK_CHUNK;
}

void mx_blk_area_to_run(int64_t start, int64_t count, int64_t *sector,
                        int *nr_sectors)
{
    *sector = start / MX_BLK_SECTOR;
    *nr_sectors = (start + count + MX_BLK_SECTOR - 1) / MX_BLK_SECTOR - *sector;
}
