/*
 * qemu-mx: records of legacy block migration with dirty runs, and their
 * validation (mx-blk-record.c), free of migration state so that the unit
 * test and the fuzzer drive them directly.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIGRATION_MX_BLK_RECORD_H
#define MIGRATION_MX_BLK_RECORD_H

/* The stock chunk: bulk reads, stock records, the longest run. */
#define MX_BLK_CHUNK            (1024 * 1024)
#define MX_BLK_SIZE_MIN         4096
#define MX_BLK_SIZE_DEFAULT     MX_BLK_CHUNK
#define MX_BLK_SECTOR           512

/*
 * Record flag of a dirty run: be64 (sector << 9 | flags), the device name
 * as in stock records, then be32 length in bytes, then the data (none with
 * BLK_MIG_FLAG_ZERO_BLOCK).  It is sent without BLK_MIG_FLAG_DEVICE_BLOCK,
 * so a stock destination refuses it ("Unknown block migration flags")
 * before it writes anything.  Flags live below the 512-byte sector shift.
 */
#define MX_BLK_FLAG_RUN         0x100

/*
 * A dirty run of @len bytes at @sector of a device of @total_sectors
 * sectors: NULL if valid, else why not.
 */
const char *mx_blk_check_run(uint64_t sector, uint64_t len,
                             int64_t total_sectors);
/* A stock record, a chunk at @sector: NULL if valid, else why not. */
const char *mx_blk_check_chunk(uint64_t sector, int64_t total_sectors);

#endif
