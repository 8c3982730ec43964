#!/usr/bin/env python3
"""Benchmark 2 of docs/mx/lz4-compression.md: one table across configurations.

Reads the results.json that `mx-e2e bench --scenarios bench/scenarios/compression.json`
wrote and writes migration.md (and migration.json) beside it.  Per run:

- converged: the migration completed within the scenario's flow_timeout_s;
- time, downtime (completed runs), bytes on the veth link;
- data moved: RAM pages sent as data (normal + compressed pages, not zero
  pages) times 4 KiB, from query-migrate at the end of the migration (the last
  sample of a run that timed out);
- CPU-s of source and destination outside the vCPU threads, from the start of
  the migration to its end (the guest's own CPU is the same everywhere and
  is left out), and CPU-s per GiB of data moved;
- what compression did: ratio, pages sent raw by compress-bypass.

Medians over repeats; ratios against stock zlib compress threads on the same
link, and total time against no compression on the same link.

usage: summarize_migration.py RESULTS_DIR
"""

import json
import os
import statistics
import sys

PAGE = 4096
GiB = 1 << 30
MiB = 1 << 20


def _end_index(tl):
    for i, e in enumerate(tl):
        if e.get("status") in ("completed", "failed", "cancelled"):
            return i
    return len(tl) - 1


def _cpu(tl, side, i0, i1):
    """Non-vCPU CPU-seconds of one side between samples i0 and i1."""
    def at(i):
        c = (tl[i].get("cpu") or {}).get(side)
        return None if c is None else c[0] - c[1]
    a, b = at(i0), at(i1)
    if a is None or b is None:
        return None
    return max(0.0, b - a)


def run_row(run):
    tl = [e for e in run.get("timeline") or [] if e.get("t") is not None and e["t"] >= 0]
    met = run.get("metrics") or {}
    # converged: the migration completed; ok: and the guest's data checked out
    completed = met.get("total_time_s") is not None
    row = {"scenario": (run.get("scenario") or {}).get("name"), "qemu": run.get("qemu"),
           "repeat": run.get("repeat"), "converged": completed, "ok": run.get("result") == "ok",
           "timeout_s": (run.get("scenario") or {}).get("flow_timeout_s"),
           "oracle_differing": ((run.get("verdict") or {}).get("oracle") or {}).get("pages_differing"),
           "error": None if run.get("result") == "ok" else (run.get("error") or "")[:160]}
    if not tl:
        return row
    i1 = _end_index(tl)
    last = tl[i1]
    final = run.get("query_migrate_final") if completed else None
    if final:
        ram = final.get("ram") or {}
        normal = ram.get("normal") or 0
        comp = final.get("compression") or {}
    else:
        normal = last.get("ram_normal") or 0
        comp = last.get("comp") or {}
    pages = normal
    method = comp.get("method") or ""
    if comp and not method.startswith("multifd"):
        pages += comp.get("pages") or 0     # compress threads: counted apart from normal
    row["data_gib"] = pages * PAGE / GiB
    row["time_s"] = met.get("total_time_s") if completed else None
    row["elapsed_s"] = last.get("t")
    row["downtime_ms"] = met.get("downtime_ms") if completed else None
    row["wire_mib"] = (last.get("wire_bytes") or 0) / MiB
    row["cpu_src"] = _cpu(tl, "src", 0, i1)
    row["cpu_dst"] = _cpu(tl, "dst", 0, i1)
    if row["cpu_src"] is not None and row["cpu_dst"] is not None and row["data_gib"]:
        row["cpu_per_gib"] = (row["cpu_src"] + row["cpu_dst"]) / row["data_gib"]
    if comp:
        row["method"] = method
        if comp.get("compressed-size") and comp.get("uncompressed-size"):
            row["ratio"] = comp["compressed-size"] / comp["uncompressed-size"]
        row["cpu_bypassed"] = comp.get("cpu-bypassed")
        row["bypassed"] = comp.get("bypassed")
    row["bypass_active_share"] = _share(tl[:i1 + 1], lambda e: (e.get("comp") or {}).get("bypass-active"))
    return row


def _share(tl, pred):
    seen = [e for e in tl if e.get("comp")]
    if not seen:
        return None
    return sum(1 for e in seen if pred(e)) / len(seen)


def _med(vals):
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


KEYS = ("time_s", "elapsed_s", "downtime_ms", "wire_mib", "data_gib", "cpu_src", "cpu_dst",
        "cpu_per_gib", "ratio", "cpu_bypassed", "bypass_active_share")


def aggregate(rows):
    groups = {}
    for r in rows:
        groups.setdefault((r["scenario"], r["qemu"]), []).append(r)
    out = []
    for (sc, q), rs in groups.items():
        ent = {"scenario": sc, "qemu": q, "runs": len(rs),
               "converged": sum(1 for r in rs if r["converged"]),
               "ok": sum(1 for r in rs if r["ok"]),
               "oracle_bad": sum(1 for r in rs if r.get("oracle_differing")),
               "timeout_s": rs[0].get("timeout_s"),
               "errors": sorted({r["error"] for r in rs if r.get("error")})}
        for k in KEYS:
            ent[k] = _med([r.get(k) for r in rs])
        out.append(ent)
    return out


def _link(sc):
    return sc.rsplit("-", 1)[-1] if sc else "?"


LINKS = {"10g": "10 Gbit/s link, pages compress to ~0.4 (ram_entropy 0.4)",
         "1g": "1 Gbit/s link, pages compress to ~0.4 (ram_entropy 0.4)",
         "10grandom": "10 Gbit/s link, incompressible pages (ram_entropy 1)"}


def _f(v, fmt="%.2f"):
    return "-" if v is None else fmt % v


def markdown(agg, title):
    lines = ["# %s" % title, "",
             "Written by `bench/compression/summarize_migration.py` from `results.json`; medians "
             "over repeats. *CPU-s* = CPU-seconds of each QEMU outside its vCPU thread from the "
             "migrate command to the end; *data* = RAM pages sent as data (normal + compressed, "
             "zero pages left out); *vs zlib* = CPU-s per GiB against stock zlib compress threads "
             "on the same link; *vs none* = total time against the same binary without "
             "compression (plain precopy) on the same link. A run that did not converge within "
             "its timeout shows `>T` and its figures up to the timeout.", ""]
    for link in sorted({_link(a["scenario"]) for a in agg}, key=lambda l: (list(LINKS) + [l]).index(l)):
        rows = [a for a in agg if _link(a["scenario"]) == link]
        base = next((a for a in rows if a["scenario"].startswith("zlib-threads") and a["qemu"] == "stock"), None)
        lines += ["## %s" % LINKS.get(link, link), "",
                  "| scenario | qemu | converged | data ok | time s | downtime ms | wire MiB | data GiB | "
                  "CPU-s src | CPU-s dst | CPU-s/GiB | vs zlib | vs none | ratio of compressed pages | share of samples with bypass active |",
                  "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for a in sorted(rows, key=lambda a: (a["scenario"], a["qemu"] != "stock")):
            none = next((b for b in rows if b["scenario"].startswith("none-") and b["qemu"] == a["qemu"]), None)
            vs_zlib = (a["cpu_per_gib"] / base["cpu_per_gib"]) if base and base.get("cpu_per_gib") and a.get("cpu_per_gib") else None
            vs_none = (a["time_s"] / none["time_s"]) if none and none.get("time_s") and a.get("time_s") else None
            t = _f(a["time_s"], "%.1f") if a["converged"] == a["runs"] else (
                ">%s" % a["timeout_s"] if not a["converged"] else _f(a["time_s"], "%.1f") + "*")
            lines.append("| %s | %s | %d/%d | %d/%d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                a["scenario"], a["qemu"], a["converged"], a["runs"], a["ok"], a["runs"], t, _f(a["downtime_ms"], "%.0f"),
                _f(a["wire_mib"], "%.0f"), _f(a["data_gib"]), _f(a["cpu_src"], "%.1f"),
                _f(a["cpu_dst"], "%.1f"), _f(a["cpu_per_gib"]), _f(vs_zlib), _f(vs_none),
                _f(a["ratio"], "%.3f"), _f(a["bypass_active_share"])))
        lines.append("")
    bad = [a for a in agg if a["oracle_bad"]]
    lines.append("RAM oracle: %s" % ("no page differed in any completed run" if not bad else
                                     "; ".join("%s/%s: %d runs differ" % (a["scenario"], a["qemu"], a["oracle_bad"])
                                               for a in bad)))
    errs = [(a["scenario"], a["qemu"], e) for a in agg for e in a["errors"]]
    if errs:
        lines += ["", "Runs that did not converge, or whose guest data did not check out "
                  "(`*` after a time: median of the runs that converged):", ""]
        lines += ["- %s/%s: %s" % e for e in errs]
    return "\n".join(lines) + "\n"


def main(argv):
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    d = argv[1]
    with open(os.path.join(d, "results.json")) as f:
        res = json.load(f)
    rows = [run_row(r) for r in res.get("runs", [])]
    agg = aggregate(rows)
    with open(os.path.join(d, "migration.json"), "w") as f:
        json.dump({"rows": rows, "summary": agg}, f, indent=1)
    with open(os.path.join(d, "migration.md"), "w") as f:
        f.write(markdown(agg, res.get("title") or "Migration compression benchmark"))
    print(os.path.join(d, "migration.md"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
