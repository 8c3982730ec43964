/*
 * qemu-mx: migration parameter tcp-user-timeout (mx-tcp-timeout.c): its
 * entry in mx-params.c's table and its -global property.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIGRATION_MX_TCP_TIMEOUT_PARAMS_H
#define MIGRATION_MX_TCP_TIMEOUT_PARAMS_H

#include "mx-params.h"

#define MX_TCP_TIMEOUT_DEFAULT  0
#define MX_TCP_TIMEOUT_MAX      3600000

extern const MxParamsOps mx_tcp_timeout_params;
#define MX_TCP_TIMEOUT_PROPERTIES \
    DEFINE_PROP_UINT32("tcp-user-timeout", MigrationState, \
                       parameters.tcp_user_timeout, MX_TCP_TIMEOUT_DEFAULT)

#endif
