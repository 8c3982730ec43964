#!/usr/bin/env python3
"""Benchmark of docs/mx/cpu-throttle.md: one table per workload, one row per
configuration (stock without auto-converge, stock auto-converge, qemu-mx
legacy, qemu-mx staged with cpu-throttle-trigger first-high / remaining).

Reads the results.json that `mx-e2e bench --scenarios bench/scenarios/throttle-*.json`
wrote (scenario names are WORKLOAD--ROW) and writes throttle.md and
throttle.json beside it.  Per run:

- converged: the migration completed within the scenario's flow_timeout_s;
- total time (of a run that did not converge: its timeout, shown as >T),
  bytes on the veth link, rounds (dirty-sync-count), downtime;
- the guest's own RAM write rate, per second, from its agent on the source
  (mxe2e.report.guest_impact): seconds below 50% of its pre-migration rate,
  work lost (the integral of the shortfall, in seconds of full-speed work);
- the highest throttle seen, and for staged the phases it went through.

Medians over the repeats; ratios against stock auto-converge.

usage: summarize.py OUT_DIR RESULTS_DIR [RESULTS_DIR...]
"""

import json
import os
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "tests", "mx-e2e"))
from mxe2e.report import guest_impact  # noqa: E402

MiB = 1 << 20
ROWS = ["stock-noac", "stock-ac", "mx-legacy", "mx-staged", "mx-staged-remaining"]
ROW_LABEL = {"stock-noac": "stock, no auto-converge", "stock-ac": "stock, auto-converge",
             "mx-legacy": "qemu-mx, auto-converge, legacy",
             "mx-staged": "qemu-mx, auto-converge, staged (trigger first-high)",
             "mx-staged-remaining": "qemu-mx, auto-converge, staged (trigger remaining)"}


def _med(vals):
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


def split_impact(run, pre, end):
    """Seconds below half of @pre before the first throttle and from it on (None, None
    without a throttle start or a baseline): the guest's samples before the first
    throttle show what the migration and the shared machine cost it on their own."""
    tl = run.get("timeline") or []
    t0 = next((e.get("t") for e in tl if (e.get("cpu_throttle_pct") or 0) > 0), None)
    if not pre or end is None:
        return None, None
    g = [x for x in run.get("guest") or [] if x.get("side", "src") == "src"
         and 0 < x.get("t", 0) <= end]
    if t0 is None:
        return sum(1 for x in g if (x.get("ram_mibps") or 0) < 0.5 * pre), 0
    before = sum(1 for x in g if x["t"] < t0 and (x.get("ram_mibps") or 0) < 0.5 * pre)
    after = sum(1 for x in g if x["t"] >= t0 and (x.get("ram_mibps") or 0) < 0.5 * pre)
    return before, after


def drain_split(run, pre, end):
    """Where a run's time below half rate and its lost work go: before the first
    throttle (the bulk pass on a shared machine), the drain pass (from the first
    throttle to the next sync, when the pass over what was dirty ends) and the tail
    after it (rounds until the switchover).  Also the residual: the dirty RAM the
    sync after the drain pass found (MiB).  None without a baseline."""
    tl = run.get("timeline") or []
    if not pre or end is None:
        return None
    thr = [e for e in tl if (e.get("cpu_throttle_pct") or 0) > 0]
    t0 = thr[0].get("t") if thr else None
    t1, res = end, None
    if thr:
        s0 = thr[0].get("dirty_sync_count") or 0
        nxt = next((e for e in tl if e.get("t", 0) > t0 and
                    (e.get("dirty_sync_count") or 0) > s0), None)
        if nxt is not None:
            t1, res = nxt.get("t"), (nxt.get("ram_remaining") or 0) / MiB
    seg = {"before": [0, 0.0], "drain": [0, 0.0], "tail": [0, 0.0]}
    for x in run.get("guest") or []:
        t = x.get("t", 0)
        if x.get("side", "src") != "src" or not 0 < t <= end:
            continue
        r = x.get("ram_mibps") or 0.0
        k = "before" if t0 is None or t < t0 else ("drain" if t <= t1 else "tail")
        seg[k][0] += r < 0.5 * pre
        seg[k][1] += max(0.0, 1.0 - r / pre)
    return {"throttle_on_s": t0, "drain_end_s": t1 if t0 is not None else None,
            "tail_s": round(end - t1, 2) if t0 is not None else None,
            "residual_mib": res,
            "below_half": [seg[k][0] for k in ("before", "drain", "tail")],
            "work_lost": [round(seg[k][1], 2) for k in ("before", "drain", "tail")]}


def one(run):
    tl = run.get("timeline") or []
    met = run.get("metrics") or {}
    final = run.get("query_migrate_final") or {}
    done = met.get("total_time_s") is not None and final.get("status") == "completed"
    last = tl[-1] if tl else {}
    gi = guest_impact(run) or {}
    end = met.get("total_time_s") if done else last.get("t")
    bh_before, bh_thr = split_impact(run, gi.get("pre_mibps"), end)
    thr = final.get("cpu-throttle") or {}
    phases = thr.get("phases")
    if phases is None:
        seen = []
        for e in tl:
            p = e.get("throttle_phase")
            if p and p != "off" and p not in seen:
                seen.append(p)
        phases = seen
    return {
        "repeat": run.get("repeat"),
        "converged": done,
        "ok": run.get("result") == "ok",
        "error": run.get("error"),
        "time_s": met.get("total_time_s") if done else last.get("t"),
        "wire_mib": (met.get("wire_bytes") or 0) / MiB,
        # a run cancelled at its cap (migration_cap_s) recorded its rounds at the cap
        "rounds": met.get("iterations") if done or met.get("iterations") is not None
        else last.get("dirty_sync_count"),
        "downtime_ms": met.get("downtime_ms") if done else None,
        "below_half_s": gi.get("below_half_s"),
        "work_lost_s": gi.get("work_lost_s"),
        "split": drain_split(run, (gi or {}).get("pre_mibps"), end),
        "below_half_before_thr_s": bh_before,
        "below_half_thr_s": bh_thr,
        "pre_mibps": gi.get("pre_mibps"),
        "cpu_src_mig": ((met.get("cpu_s") or {}).get("src") or {}).get("threads", {}).get("live_migration"),
        "cpu_src_main": ((met.get("cpu_s") or {}).get("src") or {}).get("threads", {}).get("qemu-system-x86"),
        "cpu_dst": ((met.get("cpu_s") or {}).get("dst") or {}).get("total"),
        "max_throttle": max([e.get("cpu_throttle_pct") or 0 for e in tl] or [0]),
        "phases": [p for p in phases if p != "off"],
        "phase_s": {k: thr.get(k) for k in ("direct-seconds", "staged-seconds", "cap-seconds",
                                             "force-requested-seconds") if k in thr},
        "verifier_bad": sum(((run.get("verdict") or {}).get("verifier") or {}).get(k) or 0
                            for k in ("ram_bad", "mismatch_count")),
        "oracle_differing": ((run.get("verdict") or {}).get("oracle") or {}).get("pages_differing"),
    }


def summarize(results_dirs):
    runs = []
    for d in results_dirs:
        with open(os.path.join(d, "results.json")) as f:
            runs += json.load(f)["runs"]
    table = {}
    for r in runs:
        name = (r.get("scenario") or {}).get("name") or "?"
        wl, _, row = name.partition("--")
        table.setdefault(wl, {}).setdefault(row, []).append(one(r))
    out = {}
    for wl, rows in table.items():
        out[wl] = {}
        for row, rs in rows.items():
            conv = [x for x in rs if x["converged"]]
            out[wl][row] = {
                "runs": len(rs), "converged": len(conv),
                "ok": sum(1 for x in rs if x["ok"]),
                "time_s": _med([x["time_s"] for x in rs]),
                "wire_mib": _med([x["wire_mib"] for x in rs]),
                "rounds": _med([x["rounds"] for x in rs]),
                "downtime_ms": _med([x["downtime_ms"] for x in conv]),
                "below_half_s": _med([x["below_half_s"] for x in rs]),
                "work_lost_s": _med([x["work_lost_s"] for x in rs]),
                "below_half_before_thr_s": _med([x["below_half_before_thr_s"] for x in rs]),
                "below_half_thr_s": _med([x["below_half_thr_s"] for x in rs]),
                "pre_mibps": _med([x["pre_mibps"] for x in rs]),
                "max_throttle": _med([x["max_throttle"] for x in rs]),
                "cpu_src_mig": _med([x["cpu_src_mig"] for x in rs]),
                "cpu_src_main": _med([x["cpu_src_main"] for x in rs]),
                "cpu_dst": _med([x["cpu_dst"] for x in rs]),
                "phases": sorted({" > ".join(x["phases"]) for x in rs if x["phases"]}),
                "verifier_bad": sum(x["verifier_bad"] for x in rs),
                "clean": sum(1 for x in conv if not x["verifier_bad"] and not x["oracle_differing"]
                             and x["oracle_differing"] is not None),
                "oracle_differing": sum(x["oracle_differing"] or 0 for x in rs),
                "per_run": rs,
            }
    return out


def _f(v, nd=1):
    if v is None:
        return "-"
    if isinstance(v, float):
        return ("%%.%df" % nd) % v
    return str(v)


def _ratio(a, b):
    return "-" if a is None or not b else "%.2f" % (a / b)


def markdown(out):
    lines = ["# Staged CPU throttling: stock vs qemu-mx", "",
             "Medians over the repeats. time: to completion, or `>T` when the median run did "
             "not converge within its timeout T (bytes and rounds then count up to T). "
             "Guest: its own RAM write rate on the source, per second, against its rate "
             "before the migration. Ratios: against stock auto-converge. CPU-seconds: whole run "
             "(boot, warm-up and verification included, the same in every row), per thread "
             "from /proc/PID/task/TID/stat.", ""]
    for wl in sorted(out):
        rows = out[wl]
        ref = rows.get("stock-ac") or {}
        refname = "stock auto-converge"
        if not ref and rows.get("mx-legacy"):
            ref, refname = rows["mx-legacy"], "qemu-mx legacy (no stock auto-converge row)"
        lines += ["## %s" % wl, "",
                  "| configuration | converged | time (s) | bytes on link (MiB) | rounds | "
                  "downtime (ms) | guest s below 50% | of which before / from the first throttle | guest work lost (s) | max throttle % | "
                  "time / stock-ac | bytes / stock-ac | work lost / stock-ac | phases | "
                  "RAM oracle + verifier clean | CPU-s src migration thread / src main loop / dst QEMU |",
                  "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for row in ROWS + sorted(set(rows) - set(ROWS)):
            if row not in rows:
                continue
            e = rows[row]
            t = _f(e["time_s"])
            if e["converged"] * 2 <= e["runs"]:
                t = ">" + t
            lines.append("| %s | %d/%d | %s | %s | %s | %s | %s | %s / %s | %s | %s | %s | %s | %s | %s | %d/%d | %s / %s / %s |" % (
                ROW_LABEL.get(row, row), e["converged"], e["runs"], t, _f(e["wire_mib"], 0),
                _f(e["rounds"], 0), _f(e["downtime_ms"], 0), _f(e["below_half_s"], 0),
                _f(e.get("below_half_before_thr_s"), 0), _f(e.get("below_half_thr_s"), 0),
                _f(e["work_lost_s"]), _f(e["max_throttle"], 0),
                _ratio(e["time_s"], ref.get("time_s")), _ratio(e["wire_mib"], ref.get("wire_mib")),
                _ratio(e["work_lost_s"], ref.get("work_lost_s")),
                "; ".join(e["phases"]) or "-", e["clean"], e["converged"],
                _f(e["cpu_src_mig"], 2), _f(e["cpu_src_main"], 2), _f(e["cpu_dst"], 2)))
        pre = [e["pre_mibps"] for e in rows.values() if e["pre_mibps"]]
        lines += ["", "Ratios against %s." % refname,
                  "Guest rate before the migration: %s MiB/s (median)." % _f(_med(pre))]
        lines += ["", "Per run: where the time below half rate and the lost work go (before "
                  "the first throttle / the drain pass, up to the next sync / the tail after "
                  "it); residual: the dirty RAM that sync found.", "",
                  "| run | time (s) | throttle on (s) | drain pass ends (s) | residual (MiB) | "
                  "tail (s) | s below 50% before / drain / tail | work lost (s) before / "
                  "drain / tail | max throttle % |", "|---|---|---|---|---|---|---|---|---|"]
        for row in ROWS + sorted(set(rows) - set(ROWS)):
            for i, x in enumerate((rows.get(row) or {}).get("per_run") or []):
                sp = x.get("split")
                if not sp:
                    continue
                lines.append("| %s r%d | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                    row, i, _f(x["time_s"]), _f(sp["throttle_on_s"]), _f(sp["drain_end_s"]),
                    _f(sp["residual_mib"], 0), _f(sp["tail_s"]),
                    " / ".join(str(v) for v in sp["below_half"]),
                    " / ".join("%.1f" % v for v in sp["work_lost"]), _f(x["max_throttle"], 0)))
        for row in ROWS:
            e = rows.get(row)
            if e and e["clean"] < e["converged"]:
                lines.append("%s: RAM oracle differed in %d of %d converged runs (%d pages in "
                             "all; stock 7.2's TCG dirty-tracking bug, "
                             "docs/mx/tcg-dirty-tracking.md)." % (
                                 ROW_LABEL[row], e["converged"] - e["clean"], e["converged"],
                                 e["oracle_differing"]))
        lines.append("")
    return "\n".join(lines) + "\n"


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    out = summarize(argv[2:])
    dest = argv[1]
    os.makedirs(dest, exist_ok=True)
    with open(os.path.join(dest, "throttle.json"), "w") as f:
        json.dump(out, f, indent=1)
    with open(os.path.join(dest, "throttle.md"), "w") as f:
        f.write(markdown(out))
    print(markdown(out))


if __name__ == "__main__":
    main(sys.argv)
