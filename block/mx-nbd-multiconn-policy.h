/*
 * qemu-mx: NBD client multi-conn: how many connections, and which one a
 * request takes (pure decisions, no QEMU state).
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef BLOCK_MX_NBD_MULTICONN_POLICY_H
#define BLOCK_MX_NBD_MULTICONN_POLICY_H

/* blockdev option mx-connections: 0 = automatic, 1 = stock, at most this */
#define MX_NBD_MC_MAX           16u
/*
 * what "automatic" opens against a server that advertises multi-conn:
 * one, as stock, because the benchmark (docs/mx/nbd-multiconn.md) showed
 * no throughput gain from 2 or 4 on the project's 2-core machine and 7-13%
 * more source CPU per GiB; raise it once a benchmark shows a gain
 */
#define MX_NBD_MC_AUTO          1u
/* a connection that failed is tried again (one request) after this long */
#define MX_NBD_MC_PROBE_NS      (1000 * 1000 * 1000LL)

typedef enum MxNbdMcCountWhy {
    MX_NBD_MC_COUNT_STOCK,          /* mx-connections=1 */
    MX_NBD_MC_COUNT_NO_MULTI_CONN,  /* server did not advertise it */
    MX_NBD_MC_COUNT_NOT_REUSABLE,   /* address is an fd: cannot connect again */
    MX_NBD_MC_COUNT_AUTO,           /* mx-connections=0 (default) */
    MX_NBD_MC_COUNT_USER,           /* mx-connections=N */
} MxNbdMcCountWhy;

/*
 * How many connections to hold to one export: @param is mx-connections
 * (0..MX_NBD_MC_MAX), @server_multi_conn whether the server advertised
 * NBD_FLAG_CAN_MULTI_CONN, @addr_reusable whether the address can be
 * connected to again (not an inherited fd).  *@why (may be NULL) says
 * which rule gave the answer.
 */
unsigned mx_nbd_mc_count(unsigned param, bool server_multi_conn,
                         bool addr_reusable, MxNbdMcCountWhy *why);
const char *mx_nbd_mc_count_why_str(MxNbdMcCountWhy why);

/* What the router knows about one connection when it picks */
typedef struct MxNbdMcConn {
    bool up;                /* connected now */
    unsigned in_flight;     /* requests routed to it, not yet completed */
    int64_t retry_at_ns;    /* down: earliest time a request may probe it */
} MxNbdMcConn;

typedef enum MxNbdMcPickWhy {
    MX_NBD_MC_PICK_LEAST_LOADED,    /* fewest in flight among the up ones */
    MX_NBD_MC_PICK_PROBE,           /* a down connection whose time came */
    MX_NBD_MC_PICK_ALL_DOWN,        /* none up, none due: the first one */
} MxNbdMcPickWhy;

/*
 * Which of the @n connections @c (n >= 1) the next data request takes, at
 * @now_ns.  A down connection due for a probe gets it (and its retry_at_ns
 * moves MX_NBD_MC_PROBE_NS on, so only one request probes at a time);
 * otherwise the up connection with the fewest requests in flight, ties
 * broken round-robin from *@cursor (updated); with none up, connection 0,
 * whose own reconnect logic then applies as in stock QEMU.
 */
unsigned mx_nbd_mc_pick(MxNbdMcConn *c, unsigned n, unsigned *cursor,
                        int64_t now_ns, MxNbdMcPickWhy *why);
const char *mx_nbd_mc_pick_why_str(MxNbdMcPickWhy why);

/* Which connection a flush goes to: connection 0 if up, else the first up. */
unsigned mx_nbd_mc_pick_flush(const MxNbdMcConn *c, unsigned n);

#endif
