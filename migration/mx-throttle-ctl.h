/*
 * qemu-mx: the staged CPU throttle policy in a migration: its parameters
 * (mx-throttle-params.c) and the glue that feeds it measurements, applies
 * its throttle and reports it (mx-throttle-ctl.c).  The policy itself is
 * mx-throttle.c.  See docs/mx/cpu-throttle.md.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIGRATION_MX_THROTTLE_CTL_H
#define MIGRATION_MX_THROTTLE_CTL_H

#include "qapi/qapi-types-migration.h"
#include "hw/qdev-properties.h"
#include "mx-params.h"

#define MX_THROTTLE_POLICY_DEFAULT      CPU_THROTTLE_POLICY_LEGACY
#define MX_THROTTLE_CAP_MS_DEFAULT      3000
#define MX_THROTTLE_CAP_MS_MIN          100
#define MX_THROTTLE_CAP_MS_MAX          60000
#define MX_THROTTLE_FORCE_MS_MAX        3600000

/* --- parameters (mx-throttle-params.c) --- */
extern const PropertyInfo mx_prop_cpu_throttle_policy;
#define DEFINE_PROP_MX_CPU_THROTTLE_POLICY(_n, _s, _f, _d) \
    DEFINE_PROP_SIGNED(_n, _s, _f, _d, mx_prop_cpu_throttle_policy, \
                       CpuThrottlePolicy)
#define DEFINE_MX_THROTTLE_PROPERTIES(_s, _p) \
    DEFINE_PROP_MX_CPU_THROTTLE_POLICY("cpu-throttle-policy", _s, \
                      _p.cpu_throttle_policy, MX_THROTTLE_POLICY_DEFAULT), \
    DEFINE_PROP_UINT32("cpu-throttle-cap-ms", _s, _p.cpu_throttle_cap_ms, \
                      MX_THROTTLE_CAP_MS_DEFAULT), \
    DEFINE_PROP_UINT32("cpu-throttle-force-switchover-ms", _s, \
                      _p.cpu_throttle_force_switchover_ms, 0)

/* the parameters' entry in mx-params.c's table */
extern const MxParamsOps mx_throttle_params;
#define MX_THROTTLE_PROPERTIES DEFINE_MX_THROTTLE_PROPERTIES(MigrationState, \
                                                             parameters)

void mx_throttle_params_init(MigrationParameters *p);
bool mx_throttle_params_check(MigrationParameters *p, Error **errp);
void mx_throttle_params_apply(MigrateSetParameters *params,
                              MigrationParameters *dest);
void mx_throttle_params_query(MigrationParameters *out,
                              const MigrationParameters *cur);
bool mx_throttle_hmp_set_parameter(int param, Visitor *v, const char *name,
                                   MigrateSetParameters *p, Error **errp);
void mx_throttle_hmp_info_parameters(Monitor *mon,
                                     MigrationParameters *params);

/* --- run time (mx-throttle-ctl.c), all but the stats: migration thread */
/* Start of a migration: forget the last one's policy state. */
void mx_throttle_start(void);
/*
 * A sync round of at least a second ended (ram.c, where stock decides on
 * auto-converge): @bytes_dirty dirtied and @bytes_xfer sent during
 * @period_ms, @remaining dirty bytes left.  Returns false when the staged
 * policy is not in use, and the stock logic must decide.
 */
bool mx_throttle_round(uint64_t bytes_dirty, uint64_t bytes_xfer,
                       int64_t period_ms, uint64_t remaining);
/*
 * The bandwidth of an iteration window, in raw bytes of RAM per ms (as
 * the switchover decision counts it), and the window's length.
 */
void mx_throttle_note_bandwidth(double bandwidth, uint64_t time_ms);
/*
 * Each migration iteration: the policy's timed steps.  Returns true when
 * the switchover must happen now (cpu-throttle-force-switchover-ms).
 */
bool mx_throttle_iteration(bool in_postcopy);
/* The migration ended (complete, failed, cancelled): after cpu_throttle_stop */
void mx_throttle_finish(void);

void mx_throttle_fill_stats(MigrationInfo *info);
void mx_hmp_info_throttle(Monitor *mon, MigrationInfo *info);

#endif
