/*
 * qemu-mx: migration parameters nbd-buffer-cache (the NBD server's
 * per-connection payload buffer cache, nbd/mx-nbd-bufcache.c) and
 * nbd-client-quickack (block/mx-nbd-quickack.c): their entries in
 * mx-params.c's table and their -global properties.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIGRATION_MX_NBD_PARAMS_H
#define MIGRATION_MX_NBD_PARAMS_H

#include "block/mx-nbd-quickack.h"
#include "mx-params.h"

/* the same numbers as nbd/mx-nbd-bufcache-rule.h */
#define MX_NBD_PARAM_BUF_CACHE_DEFAULT  (16 * 1024 * 1024)
#define MX_NBD_PARAM_BUF_CACHE_MAX      (1024 * 1024 * 1024)

extern const MxParamsOps mx_nbd_params;
#define MX_NBD_PROPERTIES \
    DEFINE_PROP_SIZE("nbd-buffer-cache", MigrationState, \
                     parameters.nbd_buffer_cache, \
                     MX_NBD_PARAM_BUF_CACHE_DEFAULT), \
    DEFINE_PROP_BOOL("nbd-client-quickack", MigrationState, \
                     parameters.nbd_client_quickack, MX_NBD_QUICKACK_DEFAULT)

#endif
