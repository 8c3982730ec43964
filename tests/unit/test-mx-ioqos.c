/*
 * qemu-mx: unit test of the IO QoS controller (block/mx-ioqos.c).
 *
 * A fake mirror job on a fake clock: every 100 ms the link copies up to
 * link bytes/s worth of the dirty backlog, and the guest writes at its
 * demand, cut to the controller's write limit; a write lands on an area
 * that is already dirty with the probability backlog/disk, otherwise it
 * adds to the backlog.  The job is READY once the backlog first reaches
 * zero.  The tests check when the limit goes on, how it steps, that it
 * never goes below the floor, that it holds while the backlog shrinks and
 * that it comes off again.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/units.h"
#include "qemu/timer.h"
#include "block/mx-ioqos.h"

#define TICK_NS     (100 * 1000 * 1000LL)

typedef struct Sim {
    MxIoqosState st;
    MxIoqosConfig cfg;
    int64_t now;
    double disk;
    double backlog;
    double copied;
    double written;
    double link;            /* bytes/s the copy drains */
    double demand;          /* bytes/s the guest wants to write */
    bool ready;
    bool migrating;         /* an outgoing migration runs (tail mode) */
    int counts[MX_IOQOS__MAX];
    uint64_t min_limit;     /* lowest limit seen while engaged */
    uint64_t max_backlog_ready;  /* largest backlog seen after READY */
} Sim;

static void sim_init(Sim *s, double disk, double link, double demand)
{
    memset(s, 0, sizeof(*s));
    mx_ioqos_init(&s->st);
    s->cfg.enabled = true;
    s->cfg.floor = MX_IOQOS_FLOOR_DEFAULT;
    s->cfg.step = MX_IOQOS_STEP_DEFAULT;
    s->cfg.tail_ms = MX_IOQOS_TAIL_DEFAULT;
    s->cfg.slowdown = MX_IOQOS_SLOWDOWN_DEFAULT;
    s->now = 5 * NANOSECONDS_PER_SECOND;
    s->disk = disk;
    s->backlog = disk;          /* sync=full: everything dirty */
    s->link = link;
    s->demand = demand;
    s->min_limit = UINT64_MAX;
}

static MxIoqosVerdict sim_feed(Sim *s)
{
    MxIoqosSample smp = {
        .now = s->now, .backlog = (uint64_t)s->backlog,
        .copied = (uint64_t)s->copied, .written = (uint64_t)s->written,
        .ready = s->ready, .migrating = s->migrating,
    };
    MxIoqosVerdict v = mx_ioqos_decide(&s->st, &s->cfg, &smp);

    s->counts[v]++;
    if (v != MX_IOQOS_WAIT && g_test_verbose()) {
        g_test_message("t=%.1f %s backlog=%" PRIu64 " copy=%" PRIu64
                       " write=%" PRIu64 " limit=%" PRIu64 " ready=%d",
                       s->now / 1e9, mx_ioqos_verdict_str(v), smp.backlog,
                       s->st.copy_rate, s->st.write_rate, s->st.limit,
                       s->ready);
    }
    if (s->st.limit) {
        g_assert_cmpuint(s->st.limit, >=, s->cfg.floor);
        s->min_limit = MIN(s->min_limit, s->st.limit);
    }
    return v;
}

static void sim_tick(Sim *s)
{
    double dt = TICK_NS / 1e9;
    double copy = MIN(s->backlog, s->link * dt);
    double rate = s->demand, w;

    if (s->st.limit && s->st.limit < rate) {
        rate = s->st.limit;
    }
    w = rate * dt;
    s->backlog -= copy;
    s->copied += copy;
    if (s->backlog < 1.0) {
        s->backlog = 0;
        s->ready = true;
    }
    s->backlog += w * (1.0 - s->backlog / s->disk);
    s->written += w;
    if (s->ready) {
        s->max_backlog_ready = MAX(s->max_backlog_ready,
                                   (uint64_t)s->backlog);
    }
    s->now += TICK_NS;
    sim_feed(s);
}

static void sim_run(Sim *s, int seconds)
{
    int i;

    for (i = 0; i < seconds * 10; i++) {
        sim_tick(s);
    }
}

/* The link drains far more than the guest writes: no limit, ever */
static void test_link_suffices(void)
{
    Sim s;

    sim_init(&s, 1 * GiB, 40 * MiB, 1 * MiB);
    sim_run(&s, 300);
    g_assert_true(s.ready);
    g_assert_cmpint(s.counts[MX_IOQOS_ENGAGE], ==, 0);
    g_assert_cmpuint(s.st.steps, ==, 0);
    g_assert_cmpint(s.st.throttled_ns, ==, 0);
    g_assert_cmpuint(s.st.limit, ==, 0);
}

/* Guest writes just below the link: slow but steady shrink, still no limit */
static void test_close_but_converging(void)
{
    Sim s;

    sim_init(&s, 512 * MiB, 40 * MiB, 20 * MiB);
    s.cfg.slowdown = 0;     /* the pace rule trades here: test-pace-close */
    sim_run(&s, 300);
    g_assert_true(s.ready);
    g_assert_cmpuint(s.st.steps, ==, 0);
}

/*
 * Heavy writes: 40 MiB/s over a link draining 30: the limit goes on,
 * steps down below the link, the job becomes READY and the backlog stays
 * small after that.
 */
static void test_heavy_engages(void)
{
    Sim s;
    uint64_t first_limit, steps;
    int t;

    sim_init(&s, 1 * GiB, 30 * MiB, 40 * MiB);
    s.cfg.slowdown = 0;     /* the rules without the pace rule */
    for (t = 0; t < 600 && !s.counts[MX_IOQOS_ENGAGE]; t++) {
        sim_tick(&s);
    }
    g_assert_cmpint(s.counts[MX_IOQOS_ENGAGE], ==, 1);
    first_limit = s.st.limit;
    /* starts below what the guest wrote and what the link drained */
    g_assert_cmpuint(first_limit, <, 30 * MiB);
    g_assert_cmpuint(s.st.demand, >=, 39 * MiB);
    sim_run(&s, 300);
    g_assert_true(s.ready);
    g_assert_cmpuint(s.st.limit, >, 0);
    g_assert_cmpuint(s.min_limit, <=, first_limit);
    g_assert_cmpint(s.st.throttled_ns, >, 100 * NANOSECONDS_PER_SECOND);
    /* after READY: at most a few periods of excess stay behind */
    g_assert_cmpuint(s.max_backlog_ready, <, 32 * MiB);
    /* failed raises back off: few changes in the last 200 s */
    steps = s.st.steps;
    sim_run(&s, 200);
    g_assert_cmpuint(s.st.steps - steps, <=, 8);
    g_assert_cmpuint(s.max_backlog_ready, <, 32 * MiB);
    /* Never gives up: the guest is never left unlimited to race the link */
    g_assert_cmpint(s.counts[MX_IOQOS_RELEASE], ==, 0);
}

/* The link nearly stalls: the limit steps down to the floor, no lower */
static void test_floor(void)
{
    Sim s;

    /* a big disk, little of it dirty: every write adds to the backlog */
    sim_init(&s, 64 * GiB, 512 * KiB, 40 * MiB);
    s.backlog = 64 * MiB;
    s.cfg.floor = 4 * MiB;
    s.cfg.slowdown = 0;
    sim_run(&s, 120);
    g_assert_cmpint(s.counts[MX_IOQOS_ENGAGE], ==, 1);
    g_assert_cmpuint(s.st.limit, ==, 4 * MiB);
    g_assert_cmpuint(s.min_limit, ==, 4 * MiB);
    g_assert_cmpint(s.counts[MX_IOQOS_FLOOR], >, 10);
    g_assert_cmpuint(s.st.steps, <, 10);
}

/* Steps: every period without a clear shrink takes step% off */
static void test_steps(void)
{
    MxIoqosState st;
    MxIoqosConfig cfg = { .enabled = true, .floor = 1 * MiB, .step = 20 };
    MxIoqosSample smp = { .now = 0, .backlog = 100 * MiB };
    MxIoqosVerdict v;
    uint64_t lim;
    int i;

    mx_ioqos_init(&st);
    g_assert_cmpint(mx_ioqos_decide(&st, &cfg, &smp), ==, MX_IOQOS_WAIT);
    /* half a period later: no decision */
    smp.now += MX_IOQOS_PERIOD_NS / 2;
    g_assert_cmpint(mx_ioqos_decide(&st, &cfg, &smp), ==, MX_IOQOS_WAIT);
    /* copy 50 MiB/s, guest 100 MiB/s, backlog grows by 10 MiB a period */
    for (i = 1; i <= 2; i++) {
        smp.now = i * MX_IOQOS_PERIOD_NS;
        smp.copied += 50 * MiB;
        smp.written += 100 * MiB;
        smp.backlog += 10 * MiB;
        v = mx_ioqos_decide(&st, &cfg, &smp);
        g_assert_cmpint(v, ==, i < 2 ? MX_IOQOS_WATCH : MX_IOQOS_ENGAGE);
    }
    /* engaged at 80% of min(write, copy) = 40 MiB/s */
    g_assert_cmpuint(st.limit, ==, 40 * MiB);
    lim = st.limit;
    for (i = 3; i < 40; i++) {
        smp.now = i * MX_IOQOS_PERIOD_NS;
        smp.copied += 50 * MiB;
        smp.written += 40 * MiB;
        smp.backlog += 1 * MiB;     /* still not shrinking */
        v = mx_ioqos_decide(&st, &cfg, &smp);
        if (lim > cfg.floor) {
            g_assert_cmpint(v, ==, MX_IOQOS_STEP);
            g_assert_cmpuint(st.limit, <, lim);
            g_assert_cmpuint(st.limit, >=, cfg.floor);
            g_assert_cmpuint(st.limit, >=, (uint64_t)(lim * 0.8) - 1);
        } else {
            g_assert_cmpint(v, ==, MX_IOQOS_FLOOR);
            g_assert_cmpuint(st.limit, ==, cfg.floor);
        }
        lim = st.limit;
    }
    g_assert_cmpuint(st.limit, ==, cfg.floor);
}

/* While the backlog clearly shrinks the limit is held */
static void test_hold(void)
{
    MxIoqosState st;
    MxIoqosConfig cfg = { .enabled = true, .floor = 1 * MiB, .step = 25 };
    MxIoqosSample smp = { .now = 0, .backlog = 500 * MiB };
    uint64_t lim;
    int i;

    mx_ioqos_init(&st);
    mx_ioqos_decide(&st, &cfg, &smp);
    for (i = 1; i <= MX_IOQOS_PATIENCE; i++) {
        smp.now = i * MX_IOQOS_PERIOD_NS;
        smp.copied += 40 * MiB;
        smp.written += 80 * MiB;
        smp.backlog += 5 * MiB;
        mx_ioqos_decide(&st, &cfg, &smp);
    }
    lim = st.limit;
    g_assert_cmpuint(lim, >, 0);
    for (; i < 30; i++) {
        smp.now = i * MX_IOQOS_PERIOD_NS;
        smp.copied += 40 * MiB;
        smp.written += lim;
        smp.backlog -= 10 * MiB;    /* 1/4 of what was copied: clear */
        g_assert_cmpint(mx_ioqos_decide(&st, &cfg, &smp), ==, MX_IOQOS_HOLD);
        g_assert_cmpuint(st.limit, ==, lim);
    }
    /* a shrink of less than 1/8 of the copy is not clear: a step */
    smp.now = i * MX_IOQOS_PERIOD_NS;
    smp.copied += 40 * MiB;
    smp.written += lim;
    smp.backlog -= 4 * MiB;
    g_assert_cmpint(mx_ioqos_decide(&st, &cfg, &smp), ==, MX_IOQOS_STEP);
    g_assert_cmpuint(st.limit, <, lim);
}

/*
 * Release: the guest's demand falls, or the link gets faster: the limit is
 * raised step by step and taken off.
 */
static void test_release(void)
{
    Sim s;

    /* demand falls */
    sim_init(&s, 1 * GiB, 30 * MiB, 40 * MiB);
    s.cfg.slowdown = 0;
    sim_run(&s, 200);
    g_assert_true(s.ready);
    g_assert_cmpuint(s.st.limit, >, 0);
    s.demand = 1 * MiB;
    sim_run(&s, 10);
    g_assert_cmpuint(s.st.limit, ==, 0);
    g_assert_cmpint(s.counts[MX_IOQOS_RELEASE], ==, 1);
    sim_run(&s, 60);
    g_assert_cmpuint(s.st.limit, ==, 0);
    g_assert_cmpint(s.counts[MX_IOQOS_ENGAGE], ==, 1);

    /* the link becomes fast enough: raised, then released */
    sim_init(&s, 1 * GiB, 30 * MiB, 40 * MiB);
    s.cfg.slowdown = 0;
    sim_run(&s, 200);
    g_assert_true(s.ready);
    g_assert_cmpuint(s.st.limit, >, 0);
    s.link = 400 * MiB;
    /* up to 2^MX_IOQOS_BACKOFF_MAX * MX_IOQOS_CALM s per raise after probes */
    sim_run(&s, 200);
    g_assert_cmpint(s.counts[MX_IOQOS_RAISE], >, 0);
    g_assert_cmpuint(s.st.limit, ==, 0);
    g_assert_cmpint(s.counts[MX_IOQOS_RELEASE], ==, 1);
    /* and it stays off: the link drains the full demand */
    sim_run(&s, 60);
    g_assert_cmpuint(s.st.limit, ==, 0);
    g_assert_cmpint(s.counts[MX_IOQOS_ENGAGE], ==, 1);
}

/* block-qos off: never a limit; switched off while engaged: released */
static void test_disabled(void)
{
    Sim s;

    sim_init(&s, 1 * GiB, 30 * MiB, 40 * MiB);
    s.cfg.enabled = false;
    sim_run(&s, 120);
    g_assert_cmpuint(s.st.steps, ==, 0);
    g_assert_false(s.ready);

    sim_init(&s, 1 * GiB, 30 * MiB, 40 * MiB);
    sim_run(&s, 90);
    g_assert_cmpuint(s.st.limit, >, 0);
    s.cfg.enabled = false;
    sim_run(&s, 2);
    g_assert_cmpuint(s.st.limit, ==, 0);
    g_assert_cmpint(s.counts[MX_IOQOS_RELEASE], ==, 1);
}

/* The copy stalls but the guest writes less than the floor: no limit */
static void test_idle_guest_stalled_link(void)
{
    Sim s;

    sim_init(&s, 256 * MiB, 0, 1 * MiB);
    sim_run(&s, 60);
    g_assert_cmpuint(s.st.steps, ==, 0);
    g_assert_cmpint(s.counts[MX_IOQOS_WATCH], >, 50);
}

/*
 * Slow source storage (issue 16 benchmark 2): the source's reads are capped
 * at 8 MiB/s, so the copy drains 8 MiB/s whatever the link, and the guest
 * writes 24 MiB/s to a 128 MiB disk: without QoS the backlog settles at
 * about 2/3 of the disk and the job never becomes READY; with it the job
 * becomes READY within two minutes.
 */
static void test_slow_source(void)
{
    Sim s;
    int t;

    sim_init(&s, 128 * MiB, 8 * MiB, 24 * MiB);
    s.cfg.enabled = false;
    sim_run(&s, 120);
    g_assert_false(s.ready);
    g_assert_cmpuint(s.backlog, >, 64 * MiB);

    sim_init(&s, 128 * MiB, 8 * MiB, 24 * MiB);
    s.cfg.slowdown = 0;     /* the rules without the pace rule */
    for (t = 0; t < 1200 && !s.ready; t++) {
        sim_tick(&s);
    }
    g_assert_true(s.ready);
    g_assert_cmpint(t, <, 1200);
    g_assert_cmpint(s.counts[MX_IOQOS_ENGAGE], ==, 1);
    /* the guest kept writing, below the copy */
    g_assert_cmpuint(s.st.limit, <, 8 * MiB);
    g_assert_cmpuint(s.st.limit, >=, s.cfg.floor);
}

/* Largest backlog over @seconds of migration, after a settling time */
static uint64_t sim_migrate(Sim *s, int settle, int seconds)
{
    uint64_t worst = 0;
    int i;

    s->migrating = true;
    sim_run(s, settle);
    for (i = 0; i < seconds * 10; i++) {
        sim_tick(s);
        worst = MAX(worst, (uint64_t)s->backlog);
    }
    return worst;
}

/*
 * Tail mode: the guest writes 40 MiB/s, the copy drains 30; once READY the
 * RAM migration starts (and takes a share of the link: the copy drains 22).
 * With block-qos-tail the backlog stays within what the copy drains in
 * tail_ms (at least MX_IOQOS_TAIL_MIN), and the limit is never raised
 * meanwhile; with block-qos-tail 0 the backlog may reach the old "small"
 * bound (4 MiB or more) and raises go on.
 */
static void test_tail(void)
{
    Sim s;
    uint64_t worst, raises, tail_steps;

    sim_init(&s, 1 * GiB, 30 * MiB, 40 * MiB);
    sim_run(&s, 300);
    g_assert_true(s.ready);
    g_assert_cmpuint(s.st.limit, >, 0);
    g_assert_cmpuint(s.st.tail_steps, ==, 0);
    s.link = 22 * MiB;
    raises = s.counts[MX_IOQOS_RAISE];
    worst = sim_migrate(&s, 5, 120);
    if (g_test_verbose()) {
        g_test_message("tail %u ms: worst backlog %" PRIu64 ", limit %" PRIu64,
                       s.cfg.tail_ms, worst, s.st.limit);
    }
    /* within what the (RAM-shared) copy drains in tail_ms */
    g_assert_cmpuint(worst, <=, MAX(MX_IOQOS_TAIL_MIN,
                                    22 * MiB / 1000 * s.cfg.tail_ms));
    g_assert_cmpint(s.counts[MX_IOQOS_RAISE], ==, raises);
    g_assert_cmpuint(s.st.tail_steps, >, 0);
    g_assert_cmpuint(s.st.limit, >=, s.cfg.floor);
    /* the guest still writes at more than half of what the link drains */
    g_assert_cmpuint(s.st.limit, >, 22 * MiB / 2);
    tail_steps = s.st.tail_steps;
    /* the migration ends (say, it was cancelled): raises again */
    s.migrating = false;
    s.link = 400 * MiB;
    sim_run(&s, 200);
    g_assert_cmpint(s.counts[MX_IOQOS_RAISE], >, raises);
    g_assert_cmpuint(s.st.tail_steps, ==, tail_steps);

    /* block-qos-tail 0: what a READY mirror holds can be several MiB */
    sim_init(&s, 1 * GiB, 30 * MiB, 40 * MiB);
    s.cfg.tail_ms = 0;
    sim_run(&s, 300);
    s.link = 22 * MiB;
    worst = sim_migrate(&s, 5, 120);
    if (g_test_verbose()) {
        g_test_message("tail 0: worst backlog %" PRIu64 ", limit %" PRIu64,
                       worst, s.st.limit);
    }
    g_assert_cmpuint(worst, >, 2 * (22 * MiB / 1000 * MX_IOQOS_TAIL_DEFAULT));
    g_assert_cmpuint(s.st.tail_steps, ==, 0);
}

/* Tail mode never engages for a guest the copy keeps up with */
static void test_tail_light(void)
{
    Sim s;

    sim_init(&s, 1 * GiB, 30 * MiB, 2 * MiB);
    sim_run(&s, 100);
    g_assert_true(s.ready);
    sim_migrate(&s, 0, 60);
    g_assert_cmpuint(s.st.steps, ==, 0);
    g_assert_cmpuint(s.st.limit, ==, 0);
    /* nor before READY (the bulk copy), nor with block-qos off */
    sim_init(&s, 1 * GiB, 30 * MiB, 40 * MiB);
    s.migrating = true;
    s.cfg.enabled = false;
    sim_run(&s, 60);
    g_assert_cmpuint(s.st.steps, ==, 0);
}

/* Seconds (in ticks of 100 ms) until READY, at most @cap s */
static int sim_until_ready(Sim *s, int cap)
{
    int t;

    for (t = 0; t < cap * 10 && !s->ready; t++) {
        sim_tick(s);
    }
    return t;
}

/*
 * The pace rule (block-qos-slowdown), issue 16 benchmark 1's shape: a
 * 128 MiB disk, a copy of 23 MiB/s (200 Mbit/s), the guest writing 40.
 * Without its writes the copy takes disk / link (active mirror, which
 * holds the guest's writes to the link, about that): the pace rule gets
 * READY within 1.3x that, the guest still writing at or above the floor;
 * without it (block-qos-slowdown 0) READY takes more than twice as long.
 */
static void test_pace(void)
{
    const int ideal = 128 * 10 / 23;        /* ticks: 5.6 s */
    Sim s;
    int t;

    sim_init(&s, 128 * MiB, 23 * MiB, 40 * MiB);
    t = sim_until_ready(&s, 120);
    if (g_test_verbose()) {
        g_test_message("slowdown %u: READY after %.1f s (disk / link %.1f s),"
                       " limit %" PRIu64 ", %" PRIu64 " paced steps",
                       s.cfg.slowdown, t / 10.0, ideal / 10.0, s.st.limit,
                       s.st.pace_steps);
    }
    g_assert_true(s.ready);
    g_assert_cmpint(t, <=, ideal * 13 / 10);
    g_assert_cmpuint(s.st.pace_steps, >, 0);
    g_assert_cmpuint(s.st.pace_steps, ==, s.st.steps);
    g_assert_cmpint(s.counts[MX_IOQOS_PACE], ==, (int)s.st.pace_steps);
    g_assert_cmpuint(s.st.limit, >=, s.cfg.floor);
    /* engaged in the first period (demand: what the guest asked for) */
    g_assert_cmpuint(s.st.demand, >=, 39 * MiB);
    /* READY, the migration runs: tail mode keeps the limit, no pacing */
    s.link = 20 * MiB;
    sim_migrate(&s, 0, 30);
    g_assert_cmpint(s.counts[MX_IOQOS_RAISE], ==, 0);
    g_assert_cmpint(s.counts[MX_IOQOS_PACE], ==, (int)s.st.pace_steps);

    /* the negative control: block-qos-slowdown 0, the rules before */
    sim_init(&s, 128 * MiB, 23 * MiB, 40 * MiB);
    s.cfg.slowdown = 0;
    t = sim_until_ready(&s, 120);
    if (g_test_verbose()) {
        g_test_message("slowdown 0: READY after %.1f s", t / 10.0);
    }
    g_assert_cmpint(t, >, ideal * 2);
    g_assert_cmpuint(s.st.pace_steps, ==, 0);
}

/*
 * A guest writing half the link (20 MiB/s over 40, 512 MiB disk) would
 * make the copy take twice as long: the pace rule limits it (the old
 * rules do not: close-but-converging), and READY comes within 1.3x of
 * disk / link; once READY (no migration) the limit is raised and taken
 * off again.
 */
static void test_pace_close(void)
{
    Sim s;
    int t;

    sim_init(&s, 512 * MiB, 40 * MiB, 20 * MiB);
    t = sim_until_ready(&s, 300);
    g_assert_true(s.ready);
    g_assert_cmpint(t, <=, 512 * 10 / 40 * 13 / 10);
    g_assert_cmpuint(s.st.pace_steps, >, 0);
    sim_run(&s, 120);
    g_assert_cmpint(s.counts[MX_IOQOS_RELEASE], ==, 1);
    g_assert_cmpuint(s.st.limit, ==, 0);
}

/*
 * A guest well below the link is never limited by the pace rule: below
 * 4/3 of the floor (2 MiB/s over 23, the benchmark's light row), nor
 * dirtying less than slowdown / (100 + slowdown) of the copy (3 MiB/s
 * over 40 to a 2 GiB disk; 2.5 over 40 to 128 MiB).
 */
static void test_pace_light(void)
{
    static const struct { double disk, link, demand; } c[] = {
        { 128 * MiB, 23 * MiB, 2 * MiB },
        { 128 * MiB, 23 * MiB, 2.6 * MiB },
        { 2 * GiB, 40 * MiB, 3 * MiB },
        { 128 * MiB, 40 * MiB, 2.5 * MiB },
    };
    Sim s;
    int i;

    for (i = 0; i < ARRAY_SIZE(c); i++) {
        sim_init(&s, c[i].disk, c[i].link, c[i].demand);
        sim_until_ready(&s, 300);
        g_assert_true(s.ready);
        sim_migrate(&s, 0, 20);
        g_assert_cmpuint(s.st.steps, ==, 0);
        g_assert_cmpint(s.st.throttled_ns, ==, 0);
    }
}

/* Slow source storage with the pace rule: READY far sooner than without */
static void test_pace_slow_source(void)
{
    Sim s;
    int t, t0;

    sim_init(&s, 128 * MiB, 8 * MiB, 24 * MiB);
    t = sim_until_ready(&s, 300);
    sim_init(&s, 128 * MiB, 8 * MiB, 24 * MiB);
    s.cfg.slowdown = 0;
    t0 = sim_until_ready(&s, 300);
    if (g_test_verbose()) {
        g_test_message("slow source: READY after %.1f s (slowdown 0: %.1f s)",
                       t / 10.0, t0 / 10.0);
    }
    g_assert_true(s.ready);
    g_assert_cmpint(t, <=, 128 * 10 / 8 * 13 / 10);
    g_assert_cmpint(t0 * 2, >, 3 * t);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/mx-ioqos/link-suffices", test_link_suffices);
    g_test_add_func("/mx-ioqos/close-but-converging",
                    test_close_but_converging);
    g_test_add_func("/mx-ioqos/heavy-engages", test_heavy_engages);
    g_test_add_func("/mx-ioqos/floor", test_floor);
    g_test_add_func("/mx-ioqos/steps", test_steps);
    g_test_add_func("/mx-ioqos/hold", test_hold);
    g_test_add_func("/mx-ioqos/release", test_release);
    g_test_add_func("/mx-ioqos/disabled", test_disabled);
    g_test_add_func("/mx-ioqos/idle-guest-stalled-link",
                    test_idle_guest_stalled_link);
    g_test_add_func("/mx-ioqos/slow-source", test_slow_source);
    g_test_add_func("/mx-ioqos/tail", test_tail);
    g_test_add_func("/mx-ioqos/tail-light", test_tail_light);
    g_test_add_func("/mx-ioqos/pace", test_pace);
    g_test_add_func("/mx-ioqos/pace-close", test_pace_close);
    g_test_add_func("/mx-ioqos/pace-light", test_pace_light);
    g_test_add_func("/mx-ioqos/pace-slow-source", test_pace_slow_source);
    return g_test_run();
}
