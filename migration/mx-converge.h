/*
 * qemu-mx: the convergence estimate in raw bytes when compressing
 * (mx-converge.c).
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIGRATION_MX_CONVERGE_H
#define MIGRATION_MX_CONVERGE_H

/* Start of a RAM save. */
void mx_converge_reset(void);
/* Start of an iteration window (where migration.c resets its counters). */
void mx_converge_window_start(void);
/*
 * End of the window: @bandwidth (wire bytes per ms over the window, which
 * moved @transferred bytes) converted to raw bytes of RAM per ms, each
 * compressed page counted at its size before compression.
 */
double mx_converge_bandwidth(double bandwidth, uint64_t transferred);

#endif
