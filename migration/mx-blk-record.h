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

/* Stock's record flags (migration/block.c), as they are on the wire. */
#define MX_BLK_FLAG_DEVICE_BLOCK 0x01
#define MX_BLK_FLAG_EOS         0x02
#define MX_BLK_FLAG_PROGRESS    0x04
#define MX_BLK_FLAG_ZERO        0x08

/*
 * A dirty run of @len bytes at @sector of a device of @total_sectors
 * sectors: NULL if valid, else why not.
 */
const char *mx_blk_check_run(uint64_t sector, uint64_t len,
                             int64_t total_sectors);
/* A stock record, a chunk at @sector: NULL if valid, else why not. */
const char *mx_blk_check_chunk(uint64_t sector, int64_t total_sectors);

/*
 * A data record (a dirty run with MX_BLK_FLAG_RUN, else a stock chunk with
 * MX_BLK_FLAG_DEVICE_BLOCK) with record flags @flags, at @sector, of @len
 * bytes (a run's own length; 0 for a stock chunk), for a device of
 * @total_sectors sectors: NULL if the destination may write it, else why
 * not.  Flags other than those of the record's kind (and ZERO) are refused.
 * The one decision block_load() takes before writing; pure, so that the
 * unit test and the fuzzer (tests/fuzz/mx-blk-record-fuzz.c) drive it.
 */
const char *mx_blk_check_record(int flags, uint64_t sector, uint64_t len,
                                int64_t total_sectors);

/*
 * Bytes a valid record (mx_blk_check_record() == NULL) writes at
 * @sector * 512: a run its length, a stock chunk 1 MiB, or what is left of
 * the device after @sector if that is less.
 */
uint64_t mx_blk_record_bytes(int flags, uint64_t sector, uint64_t len,
                             int64_t total_sectors);

/*
 * The dirty run of a dirty area [@start, @start + @count) in bytes (from
 * the HBitmap's next-dirty search, bounded by the device's end and by
 * MX_BLK_CHUNK): its first sector and its length in sectors, the last
 * partial sector included.
 */
void mx_blk_area_to_run(int64_t start, int64_t count, int64_t *sector,
                        int *nr_sectors);

#endif
