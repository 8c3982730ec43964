/*
 * qemu-mx: unit test of the compress-bypass rule (migration/mx-bypass.c).
 *
 * A fake migration thread sends pages on a fake clock: each page costs a
 * fixed time that depends on whether the rule said to compress it or not,
 * so the page rate of each mode is known.  The CPU as the bottleneck is a
 * compressed page costing more time than a raw one; the link as the
 * bottleneck is the other way round (raw pages wait for the link).  The
 * tests check which mode the rule picks, when, and for how long.
 *
 * Copyright (c) 2026 qemu-mx developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/timer.h"
#include "qemu/units.h"
#include "../migration/mx-bypass.h"

#define US          SCALE_US
#define MAX_SPANS   1024
#define SLICE_NS    (100 * SCALE_MS)    /* the limiter's time slice */
#define PAGE        4096

/* A stretch of time spent in one mode */
typedef struct Span {
    bool compress;
    int64_t start;
    int64_t end;
} Span;

typedef struct Sim {
    MxBypass b;
    bool enabled;
    int64_t now;
    int64_t cost[2];        /* ns per page: [0] raw, [1] compressed */
    int64_t pause;          /* pause this long ... */
    int64_t pause_every;    /* ... after this much sending (0: never) */
    int64_t sent_since_pause;
    int64_t limit;          /* bytes per SLICE_NS (0: no limit) ... */
    int64_t bytes[2];       /* ... and a page's bytes in each mode */
    int64_t slice_start;
    int64_t used;
    uint64_t pages[2];
    int64_t time[2];        /* sending time spent in each mode */
    bool incompressible;    /* compressed mode: no page shrinks */
    uint64_t unshrunk;
    int raw_zeros;          /* raw mode: zero pages after each data page */
    int64_t zero_ns;        /* ... each checked inline this fast */
    int zero_phase;
    Span span[MAX_SPANS];
    int nspans;
} Sim;

static void sim_init(Sim *s, int64_t raw_ns, int64_t compressed_ns)
{
    memset(s, 0, sizeof(*s));
    mx_bypass_init(&s->b);
    s->enabled = true;
    s->now = 1 * NANOSECONDS_PER_SECOND;
    s->cost[0] = raw_ns;
    s->cost[1] = compressed_ns;
}

static void sim_reset_counts(Sim *s)
{
    memset(s->pages, 0, sizeof(s->pages));
    memset(s->time, 0, sizeof(s->time));
    s->nspans = 0;
}

/* Send pages until the clock reaches @until */
static void sim_run_until(Sim *s, int64_t until)
{
    while (s->now < until) {
        bool c = mx_bypass_step(&s->b, s->enabled, s->now,
                                s->pages[0] + s->pages[1], s->unshrunk);
        Span *sp = s->nspans ? &s->span[s->nspans - 1] : NULL;

        g_assert(c == mx_bypass_is_compressing(&s->b, s->enabled));
        if (!sp || sp->compress != c) {
            g_assert_cmpint(s->nspans, <, MAX_SPANS);
            sp = &s->span[s->nspans++];
            sp->compress = c;
            sp->start = s->now;
        }
        if (!c && s->zero_phase < s->raw_zeros) {
            /* a zero page: found inline, no data moved, no progress */
            s->zero_phase++;
            s->now += s->zero_ns;
            sp->end = s->now;
            continue;
        }
        s->zero_phase = 0;
        if (c && s->incompressible) {
            s->unshrunk++;      /* tried, did not shrink, sent raw */
        }
        s->pages[c]++;
        s->time[c] += s->cost[c];
        s->now += s->cost[c];
        sp->end = s->now;
        if (s->limit) {
            /* like migration_rate_limit() */
            s->used += s->bytes[c];
            if (s->now - s->slice_start >= SLICE_NS) {
                s->slice_start = s->now;
                s->used = 0;
            } else if (s->used >= s->limit) {
                mx_bypass_limited(&s->b, s->enabled);
                s->now = s->slice_start + SLICE_NS;
                s->slice_start = s->now;
                s->used = 0;
            }
        }
        if (s->pause_every) {
            s->sent_since_pause += s->cost[c];
            if (s->sent_since_pause >= s->pause_every) {
                s->now += s->pause;
                s->sent_since_pause = 0;
            }
        }
    }
}

static void sim_run(Sim *s, int64_t ns)
{
    sim_run_until(s, s->now + ns);
}

static double share_compressed(Sim *s)
{
    return (double)s->time[1] / (s->time[0] + s->time[1]);
}

static double share_pages_compressed(Sim *s)
{
    return (double)s->pages[1] / (s->pages[0] + s->pages[1]);
}

/*
 * After the first span: the spans in mode @probe (the worse one) last one
 * window and come once every MX_STALE_NS; the spans in between are long.
 */
static void check_probes_only(Sim *s, bool probe)
{
    int64_t last_probe = -1;
    int probes = 0;

    for (int i = 1; i < s->nspans; i++) {
        Span *sp = &s->span[i];

        if (sp->compress == probe) {
            g_assert_cmpint(sp->end - sp->start, >=, MX_WIN_NS);
            g_assert_cmpint(sp->end - sp->start, <=,
                            MX_WIN_NS + s->cost[probe]);
            if (last_probe >= 0) {
                g_assert_cmpint(sp->start - last_probe, >=, MX_STALE_NS);
                g_assert_cmpint(sp->start - last_probe, <=,
                                MX_STALE_NS + 3 * MX_WIN_NS);
            }
            last_probe = sp->start;
            probes++;
        } else if (i < s->nspans - 1) {
            g_assert_cmpint(sp->end - sp->start, >=, MX_STALE_NS);
        }
    }
    g_assert_cmpint(probes, >=, 3);
}

/* Rate of a mode measured by the rule, against the one simulated */
static void check_rate(Sim *s, bool compressed)
{
    double rate, want = (double)NANOSECONDS_PER_SECOND / s->cost[compressed];
    int64_t at;

    g_assert_true(mx_bypass_rate(&s->b, compressed, &rate, &at));
    g_assert_cmpfloat(rate, >, want * 0.98);
    g_assert_cmpfloat(rate, <, want * 1.02);
    g_assert_cmpint(at, <=, s->now);
}

/* Time from now until the rule is in mode @want (run at most @limit) */
static int64_t time_to_mode(Sim *s, bool want, int64_t limit)
{
    int64_t start = s->now;

    while (mx_bypass_is_compressing(&s->b, s->enabled) != want &&
           s->now - start < limit) {
        sim_run(s, s->cost[0] > s->cost[1] ? s->cost[0] : s->cost[1]);
    }
    g_assert(mx_bypass_is_compressing(&s->b, s->enabled) == want);
    return s->now - start;
}

/* (a) CPU-bound: compressing moves 10x fewer pages than sending raw */
static void test_cpu_bound(void)
{
    Sim s;

    sim_init(&s, 10 * US, 100 * US);
    /* one window compressed, one raw, then the decision */
    sim_run(&s, 3 * MX_WIN_NS);
    g_assert_false(mx_bypass_is_compressing(&s.b, true));
    g_assert_cmpint(s.span[0].end - s.span[0].start, <=,
                    MX_WIN_NS + s.cost[1]);
    check_rate(&s, true);
    check_rate(&s, false);

    sim_reset_counts(&s);
    sim_run(&s, 10 * MX_STALE_NS);
    /* raw apart from one re-measurement window every MX_STALE_NS */
    check_probes_only(&s, true);
    g_assert_cmpfloat(share_compressed(&s), <,
                      (double)MX_WIN_NS / MX_STALE_NS + 0.001);
    g_assert_cmpint(s.pages[0], >, 20 * s.pages[1]);
}

/*
 * (a2) zero pages: in raw mode the migration thread finds zero pages itself,
 * very fast; windows that cross a region of them must not make raw look
 * faster.  Here raw mode meets 9 zero pages per data page, while the link
 * carries compressed data pages 2x faster than raw ones: the rule compares
 * data pages moved and keeps compressing (counting calls, raw would look 4x
 * faster).
 */
static void test_zero_pages(void)
{
    Sim s;

    sim_init(&s, 10 * US, 5 * US);
    s.raw_zeros = 9;
    s.zero_ns = 100;
    sim_run(&s, 3 * MX_WIN_NS);
    g_assert_true(mx_bypass_is_compressing(&s.b, true));
    check_rate(&s, true);

    sim_reset_counts(&s);
    sim_run(&s, 10 * MX_STALE_NS);
    check_probes_only(&s, false);
    g_assert_cmpfloat(share_pages_compressed(&s), >, 0.9);
}

/*
 * (a3) incompressible pages: the compressors give up quickly, so the
 * compressing page rate is within the margin compression gets (here 95% of
 * raw), but nothing shrinks: compression saves nothing and the margin must
 * not keep it on.  With pages that shrink, the same rates keep compressing.
 */
static void test_incompressible(void)
{
    Sim s;

    sim_init(&s, 100 * US, 105 * US);
    s.incompressible = true;
    sim_run(&s, 3 * MX_WIN_NS);
    g_assert_false(mx_bypass_is_compressing(&s.b, true));
    sim_reset_counts(&s);
    sim_run(&s, 10 * MX_STALE_NS);
    check_probes_only(&s, true);
    g_assert_cmpfloat(share_compressed(&s), <, 0.05);

    sim_init(&s, 100 * US, 105 * US);
    sim_run(&s, 10 * MX_STALE_NS);
    g_assert_true(mx_bypass_is_compressing(&s.b, true));
    g_assert_cmpfloat(share_compressed(&s), >, 0.9);
}

/* (b) link-bound: compressed pages move faster, the rule keeps compressing */
static void test_link_bound(void)
{
    Sim s;

    sim_init(&s, 50 * US, 20 * US);
    sim_run(&s, 3 * MX_WIN_NS);
    g_assert_true(mx_bypass_is_compressing(&s.b, true));
    check_rate(&s, true);
    check_rate(&s, false);

    sim_reset_counts(&s);
    sim_run(&s, 10 * MX_STALE_NS);
    check_probes_only(&s, false);
    g_assert_cmpfloat(share_compressed(&s), >,
                      1 - (double)MX_WIN_NS / MX_STALE_NS - 0.001);
}

/*
 * (b) compressing is slower, but by less than MX_HYST: keep compressing
 * (it saves the link for whatever else uses it); a little more and raw.
 */
static void test_hysteresis(void)
{
    Sim s;
    int64_t raw = 100 * US;
    int64_t within = raw * MX_HYST - 1 * US;
    int64_t beyond = raw * MX_HYST + 2 * US;

    sim_init(&s, raw, within);
    sim_run(&s, 4 * MX_STALE_NS);
    g_assert_true(mx_bypass_is_compressing(&s.b, true));
    g_assert_cmpfloat(share_compressed(&s), >, 0.95);

    sim_init(&s, raw, beyond);
    sim_run(&s, 4 * MX_STALE_NS);
    g_assert_false(mx_bypass_is_compressing(&s.b, true));
    g_assert_cmpfloat(share_compressed(&s), <, 0.05);
}

/* (c) the bottleneck moves: CPU, link, CPU again; the rule follows */
static void test_bottleneck_changes(void)
{
    Sim s;
    int64_t t;

    sim_init(&s, 10 * US, 100 * US);
    sim_run(&s, 2 * MX_STALE_NS);
    g_assert_cmpfloat(share_compressed(&s), <, 0.1);

    /*
     * Link-bound from now on.  The raw figure is renewed at once, the
     * compressed one is old and low: compression comes back when it is
     * measured again, at most MX_STALE_NS later.
     */
    s.cost[0] = 50 * US;
    s.cost[1] = 20 * US;
    t = time_to_mode(&s, true, 2 * MX_STALE_NS);
    g_assert_cmpint(t, <=, MX_STALE_NS + 3 * MX_WIN_NS);
    sim_reset_counts(&s);
    sim_run(&s, 4 * MX_STALE_NS);
    check_probes_only(&s, false);

    /* CPU-bound again: compression goes off again */
    s.cost[0] = 10 * US;
    s.cost[1] = 100 * US;
    t = time_to_mode(&s, false, 2 * MX_STALE_NS);
    g_assert_cmpint(t, <=, MX_STALE_NS + 3 * MX_WIN_NS);
    sim_reset_counts(&s);
    sim_run(&s, 4 * MX_STALE_NS);
    check_probes_only(&s, true);
}

/*
 * (d) pauses longer than MX_GAP_NS (bitmap sync, nothing to send) are not
 * counted: with a long pause after every 120 ms of sending, the measured
 * rates are still those of sending, and the rule still goes raw.
 */
static void test_pauses_ignored(void)
{
    Sim s;

    sim_init(&s, 10 * US, 20 * US);
    s.pause = 500 * SCALE_MS;
    s.pause_every = 120 * SCALE_MS;
    sim_run(&s, 10 * MX_STALE_NS);
    check_rate(&s, false);
    check_rate(&s, true);
    g_assert_cmpfloat(share_compressed(&s), <, 0.25);

    /* the same at the link-bound side: stays compressing */
    sim_init(&s, 20 * US, 10 * US);
    s.pause = 500 * SCALE_MS;
    s.pause_every = 120 * SCALE_MS;
    sim_run(&s, 10 * MX_STALE_NS);
    check_rate(&s, false);
    check_rate(&s, true);
    g_assert_cmpfloat(share_compressed(&s), >, 0.75);
}

/*
 * (d) a pause just over MX_GAP_NS within every window (a guest that dirties
 * little, so that every round finds little to send): no window completes,
 * nothing is measured, and compression stays on.
 */
static void test_short_runs(void)
{
    Sim s;
    double rate;
    int64_t at;

    sim_init(&s, 10 * US, 100 * US);
    s.pause = MX_GAP_NS + 1;
    s.pause_every = MX_WIN_NS - 1 * SCALE_MS;
    sim_run(&s, 5 * MX_STALE_NS);
    g_assert_cmpint(s.nspans, ==, 1);
    g_assert_true(s.span[0].compress);
    g_assert_false(mx_bypass_rate(&s.b, true, &rate, &at));
    g_assert_false(mx_bypass_rate(&s.b, false, &rate, &at));

    /* at most MX_GAP_NS from one page to the next is no gap */
    sim_init(&s, 10 * US, 100 * US);
    s.pause = MX_GAP_NS - s.cost[1];
    s.pause_every = MX_WIN_NS - 1 * SCALE_MS;
    sim_run(&s, 5 * MX_STALE_NS);
    g_assert_true(mx_bypass_rate(&s.b, true, &rate, &at));
    g_assert_true(mx_bypass_rate(&s.b, false, &rate, &at));
}

static void sim_limit(Sim *s, int64_t bytes_per_s, int ratio)
{
    s->limit = bytes_per_s / (NANOSECONDS_PER_SECOND / SLICE_NS);
    s->bytes[0] = PAGE;
    s->bytes[1] = PAGE / ratio;
    s->slice_start = s->now;
}

/*
 * (d) the max-bandwidth limiter's sleeps are no gaps: they are what a mode
 * gets through the limit, and the rule compares modes by that.
 */
static void test_limiter(void)
{
    Sim s;

    /*
     * 32 MiB/s: raw pages run into the limit (8192 pages/s), compressed
     * ones (4:1) do not, the compressor makes 20000 pages/s: compress.
     * (With the limiter's sleeps dropped as gaps, raw was never measured
     * and the rule stayed raw once it went there to measure it.)
     */
    sim_init(&s, 2 * US, 50 * US);
    sim_limit(&s, 32 * MiB, 4);
    sim_run(&s, 10 * MX_STALE_NS);
    g_assert_cmpfloat(share_pages_compressed(&s), >, 0.9);
    check_rate(&s, true);

    /* 100 MB/s, a slow compressor (5000 pages/s): raw */
    sim_init(&s, 2 * US, 200 * US);
    sim_limit(&s, 100 * 1000 * 1000, 4);
    sim_run(&s, 10 * MX_STALE_NS);
    g_assert_cmpfloat(share_pages_compressed(&s), <, 0.1);

    /* both modes run into the limit: compressed pages are smaller */
    sim_init(&s, 2 * US, 4 * US);
    sim_limit(&s, 32 * MiB, 4);
    sim_run(&s, 10 * MX_STALE_NS);
    g_assert_cmpfloat(share_pages_compressed(&s), >, 0.9);
    g_assert_cmpint(s.pages[1], >, 3 * s.pages[0]);
}

/* (e) compress-bypass off: always compress, nothing measured */
static void test_disabled(void)
{
    Sim s;
    double rate;
    int64_t at;
    int n;

    sim_init(&s, 10 * US, 100 * US);
    s.enabled = false;
    sim_run(&s, 5 * MX_STALE_NS);
    g_assert_cmpint(s.nspans, ==, 1);
    g_assert_true(s.span[0].compress);
    g_assert_cmpint(s.pages[0], ==, 0);
    g_assert_false(mx_bypass_rate(&s.b, true, &rate, &at));

    /*
     * Switched off while raw: compressing at once.  On again: raw again
     * from the first page, the figures kept.
     */
    sim_init(&s, 10 * US, 100 * US);
    sim_run(&s, MX_STALE_NS);
    g_assert_false(mx_bypass_is_compressing(&s.b, true));
    s.enabled = false;
    g_assert_true(mx_bypass_is_compressing(&s.b, false));
    sim_run(&s, MX_STALE_NS / 2);
    n = s.nspans;
    g_assert_true(s.span[n - 1].compress);
    g_assert_cmpint(s.span[n - 1].end - s.span[n - 1].start, >=,
                    MX_STALE_NS / 2);
    s.enabled = true;
    sim_run(&s, 3 * MX_WIN_NS);
    g_assert_false(s.span[n].compress);
    g_assert_false(mx_bypass_is_compressing(&s.b, true));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/mx-bypass/cpu-bound", test_cpu_bound);
    g_test_add_func("/mx-bypass/zero-pages", test_zero_pages);
    g_test_add_func("/mx-bypass/incompressible", test_incompressible);
    g_test_add_func("/mx-bypass/link-bound", test_link_bound);
    g_test_add_func("/mx-bypass/hysteresis", test_hysteresis);
    g_test_add_func("/mx-bypass/bottleneck-changes", test_bottleneck_changes);
    g_test_add_func("/mx-bypass/pauses-ignored", test_pauses_ignored);
    g_test_add_func("/mx-bypass/short-runs", test_short_runs);
    g_test_add_func("/mx-bypass/limiter", test_limiter);
    g_test_add_func("/mx-bypass/disabled", test_disabled);
    return g_test_run();
}
