/*
 * qemu-mx: the compress-bypass rule of the running migration: its state,
 * its clock and its inputs (mx-bypass-state.c).  The rule itself is the
 * pure function in mx-bypass.c.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIGRATION_MX_BYPASS_STATE_H
#define MIGRATION_MX_BYPASS_STATE_H

/* Start of a RAM save: compressing, nothing measured. */
void mx_bypass_reset(void);
/*
 * Migration thread, once per data page about to be sent by a compressing
 * path: the rule counts it into its window and may switch mode.
 */
void mx_bypass_record_page(void);
/* Whether pages are to be compressed now (true with compress-bypass off). */
bool mx_bypass_compressing(void);
/* Migration thread: the max-bandwidth limiter is about to sleep. */
void mx_bypass_rate_limited(void);

#endif
