/*
 * qemu-mx: stand-in for QEMU's qemu/osdep.h when migration/mx-blk-record.c
 * is built alone (the fuzzer): the pure validator needs only the C library.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MX_FUZZ_OSDEP_SHIM_H
#define MX_FUZZ_OSDEP_SHIM_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#endif
