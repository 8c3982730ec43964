#!/usr/bin/python3
"""Table of the hot-segment deferral benchmark (docs/mx/hot-defer.md).

    bench/hot-defer/summarize.py bench/results/hot-defer [MORE_DIRS...]

Reads every run.json under DIR/runs (made by `make bench-hot-defer`), groups them by
scenario, and writes DIR/hot-defer.md: medians over the repeats of total time, RAM bytes
sent, bytes re-sent (RAM bytes sent minus one copy of the guest's RAM), rounds (bitmap
syncs), downtime, and what deferral did; ratios against stock and against qemu-mx with
deferral off (percent 0).
"""
import glob
import json
import os
import statistics
import sys


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def describe(sc):
    """The load a scenario runs, in words (the same for every row of one load)."""
    if sc.get("ram_pattern") == "seq":
        what = "sequential sweep"
    elif sc.get("hot_frac"):
        what = "%g%% of pages take %g%% of writes" % (100 * sc["hot_frac"],
                                                      100 * sc.get("hot_share", 0))
    else:
        what = "uniform random"
    caps = sc.get("capabilities") or {}
    policy = (sc.get("parameters") or {}).get("cpu-throttle-policy")
    ac = ""
    if caps.get("auto-converge"):
        ac = ", auto-converge" + (" (cpu-throttle-policy %s)" % policy if policy else "")
    return "%s MiB/s, %s%s" % (sc.get("ram_rate"), what, ac)


def load(dirs):
    runs = {}
    paths = [p for d in dirs for p in glob.glob(os.path.join(d, "runs", "*", "run.json"))]
    for p in sorted(paths):
        with open(p) as f:
            r = json.load(f)
        sc = r.get("scenario") or {}
        q = r.get("query_migrate_final") or {}
        ram = q.get("ram") or {}
        mem = (sc.get("mem_mb") or 0) << 20
        h = q.get("hot-defer") or {}
        runs.setdefault(sc.get("name"), []).append({
            "load": describe(sc),
            "completed": q.get("status") == "completed",
            "ok": r.get("result") == "ok",
            "time_s": (q.get("total-time") or 0) / 1000.0 if q.get("status") == "completed" else None,
            # bytes only for migrations that completed: a run cut at its timeout
            # has sent whatever fitted in it
            "sent_mb": ram.get("transferred", 0) / 1e6 if q.get("status") == "completed" else None,
            "resent_mb": (ram.get("transferred", 0) - mem) / 1e6 if q.get("status") == "completed" else None,
            "rounds": ram.get("dirty-sync-count") if q.get("status") == "completed" else None,
            "downtime_ms": q.get("downtime"),
            "hot_rounds": h.get("rounds"),
            "hot_state": h.get("state"),
            "hot_pages": h.get("deferred-pages-total"),
            # the hold for the throttle (auto-converge; part 3)
            "hold_s": (h.get("hold-ms") or 0) / 1000.0 if h else None,
        })
    return runs


# a load without a stock row (stock 7.2 has no cpu-throttle-policy staged): its
# ratios against stock use the stock row of this load (legacy auto-converge, part 3)
STOCK_OF = {"hot20acs": "hot20ac"}


def fmt(v, f="%.1f"):
    return "-" if v is None else f % v


def main():
    # DIR [MORE_DIRS...]: runs of one benchmark split over several invocations (each one
    # interleaved on its own); the table goes into the first
    dirs = sys.argv[1:] or ["bench/results/hot-defer"]
    d = dirs[0]
    runs = load(dirs)
    loads = sorted({n.rsplit("-", 1)[0] for n in runs if n})
    out = ["# Hot-segment deferral: stock vs qemu-mx (medians)", "",
           "1 GiB guest dirtying a 768 MiB working set, 1 Gbit/s link, "
           "downtime limit 300 ms. *re-sent* = RAM bytes sent minus one copy of the "
           "guest's 1 GiB; medians over the completed runs (a run that did not complete within its "
           "wait counts in *runs* only). Ratios: against stock, and against qemu-mx "
           "percent 0. *data ok*: guest verifier and RAM oracle clean.", "",
           "Loads:"]
    for ld in sorted({n.rsplit("-", 1)[0] for n in runs if n}):
        descs = sorted({r["load"] for n, rs in runs.items() if n and n.rsplit("-", 1)[0] == ld
                        for r in rs})
        out.append("- `%s`: %s" % (ld, "; ".join(descs)))
    out += ["",
           "| load | row | runs | completed | data ok | time s | time vs stock | sent MB | "
           "re-sent MB | re-sent vs stock | re-sent vs mx 0 | rounds | downtime ms | deferral |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for ld in loads:
        med = {}
        for row in ("stock", "mx0", "mx30"):
            rs = runs.get("%s-%s" % (ld, row)) or []
            if row == "stock" and not rs and ld in STOCK_OF:
                rs = runs.get("%s-stock" % STOCK_OF[ld]) or []
            med[row] = {k: median([r[k] for r in rs]) for k in
                        ("time_s", "sent_mb", "resent_mb", "rounds", "downtime_ms",
                         "hot_rounds", "hot_pages", "hold_s")}
            med[row]["n"] = len(rs)
            med[row]["completed"] = sum(r["completed"] for r in rs)
            med[row]["ok"] = sum(r["ok"] for r in rs)
            states = sorted({r["hot_state"] for r in rs if r["hot_state"]})
            med[row]["states"] = ", ".join(states)
        for row in ("stock", "mx0", "mx30"):
            m = med[row]
            if not m["n"] or (row == "stock" and ld in STOCK_OF):
                continue

            def ratio(base, key="resent_mb"):
                b = med[base][key]
                return "-" if not b or m[key] is None else "%.2f" % (m[key] / b)
            defer = "-"
            if row == "mx30":
                defer = "%s rounds, %s pages held (%s)" % (fmt(m["hot_rounds"], "%.0f"),
                                                           fmt(m["hot_pages"], "%.0f"),
                                                           m["states"] or "-")
                if m["hold_s"]:
                    defer += ", held %s s for the throttle" % fmt(m["hold_s"])
            out.append("| %s | %s | %d | %d | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                ld, {"stock": "stock 7.2", "mx0": "qemu-mx, percent 0",
                     "mx30": "qemu-mx, percent 30"}[row], m["n"], m["completed"], m["ok"],
                fmt(m["time_s"]), ratio("stock", "time_s"), fmt(m["sent_mb"], "%.0f"),
                fmt(m["resent_mb"], "%.0f"),
                ratio("stock"), ratio("mx0"), fmt(m["rounds"], "%.0f"),
                fmt(m["downtime_ms"], "%.0f"), defer))
    out.append("")
    with open(os.path.join(d, "hot-defer.md"), "w") as f:
        f.write("\n".join(out))
    print("\n".join(out))


if __name__ == "__main__":
    main()
