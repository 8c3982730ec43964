/*
 * qemu-mx: migration parameters of the NBD copy (docs/mx/nbd-copy2x.md).
 * nbd-buffer-cache: how many bytes of idle payload buffers each
 * connection of this QEMU's NBD server keeps for its next requests
 * (nbd/mx-nbd-bufcache.c).  0 is stock 7.2 (a buffer allocated and freed
 * per request).  Read when a client connects, so set it on the
 * destination before the source's NBD client connects
 * (migrate-set-parameters, or -global migration.nbd-buffer-cache=N in the
 * domain's qemu:commandline for libvirt).
 * nbd-client-quickack: the NBD client acknowledges the server's replies
 * at once (block/mx-nbd-quickack.c); off is stock.  Read at every reply.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "block/mx-nbd-bufcache.h"
#include "block/mx-nbd-quickack.h"
#include "../nbd/mx-nbd-bufcache-rule.h"
#include "migration.h"
#include "mx-nbd-params.h"

QEMU_BUILD_BUG_ON(MX_NBD_PARAM_BUF_CACHE_DEFAULT != MX_NBD_BUF_CACHE_DEFAULT);
QEMU_BUILD_BUG_ON(MX_NBD_PARAM_BUF_CACHE_MAX != MX_NBD_BUF_CACHE_MAX);

uint64_t mx_nbd_buf_cache_limit(void)
{
    if (!migration_mx_object_ready()) {
        return MX_NBD_BUF_CACHE_DEFAULT;
    }
    return migrate_get_current()->parameters.nbd_buffer_cache;
}

bool mx_nbd_client_quickack_wanted(void)
{
    if (!migration_mx_object_ready()) {
        return MX_NBD_QUICKACK_DEFAULT;
    }
    return migrate_get_current()->parameters.nbd_client_quickack;
}

static const MxParam mx_nbd_param_list[] = {
    {
        .id = MIGRATION_PARAMETER_NBD_BUFFER_CACHE,
        .kind = MX_PARAM_SIZE, MX_PARAM_FIELDS(nbd_buffer_cache),
        .min = 0, .max = MX_NBD_PARAM_BUF_CACHE_MAX,
        .expect = "bytes from 0 (stock: no cache) to 1 GiB (1073741824)",
        .unit = " bytes",
    }, {
        .id = MIGRATION_PARAMETER_NBD_CLIENT_QUICKACK,
        .kind = MX_PARAM_BOOL, MX_PARAM_FIELDS(nbd_client_quickack),
    },
};

const MxParamsOps mx_nbd_params = {
    .params = mx_nbd_param_list,
    .n_params = ARRAY_SIZE(mx_nbd_param_list),
};
