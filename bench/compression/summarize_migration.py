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
- what compression did: ratio, pages sent raw by compress-bypass;
- per thread (runs whose timeline has `cpu_groups`, from /proc/PID/task/TID/stat
  by thread name): CPU-s of the source's migration thread and compress
  threads, of the destination's main thread (which loads the stream) and
  decompress threads, per GiB of data, vCPU threads left out, beside each
  whole process (with and without its vCPU threads); compared with stock zlib
  and, for the compress threads, with raw liblz4 on the same pages when
  raw-lz4.json (written by bench-all.sh's batch part) is in RESULTS_DIR.

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
    row["handoffs"] = comp.get("handoffs") if comp else None
    row["batch_size"] = comp.get("batch-size") if comp else None
    _thread_rows(row, tl, i1)
    return row


def _groups(tl, side, i0, i1):
    """CPU-s per thread group of one side between samples i0 and i1 (None: not sampled)."""
    a = (tl[i0].get("cpu_groups") or {}).get(side)
    b = (tl[i1].get("cpu_groups") or {}).get(side)
    if a is None or b is None:
        return None
    return {g: max(0.0, b.get(g, 0.0) - a.get(g, 0.0)) for g in set(a) | set(b)}


def _thread_rows(row, tl, i1):
    gib = row.get("data_gib")
    src, dst = _groups(tl, "src", 0, i1), _groups(tl, "dst", 0, i1)
    if not gib or src is None or dst is None:
        return
    per = lambda v: v / gib
    row["src_mig"] = src.get("migration", 0.0)
    row["src_comp"] = src.get("compress", 0.0)
    row["src_mc_gib"] = per(row["src_mig"] + row["src_comp"])
    row["src_comp_gib"] = per(row["src_comp"])
    row["dst_main"] = dst.get("main", 0.0)
    row["dst_decomp"] = dst.get("decompress", 0.0)
    row["dst_md_gib"] = per(row["dst_main"] + row["dst_decomp"])
    row["src_proc_gib"] = per(sum(src.values()) - src.get("vcpu", 0.0))
    row["dst_proc_gib"] = per(sum(dst.values()) - dst.get("vcpu", 0.0))
    row["src_all_gib"] = per(sum(src.values()))
    row["dst_all_gib"] = per(sum(dst.values()))


def _share(tl, pred):
    seen = [e for e in tl if e.get("comp")]
    if not seen:
        return None
    return sum(1 for e in seen if pred(e)) / len(seen)


def _med(vals):
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


KEYS = ("time_s", "elapsed_s", "downtime_ms", "wire_mib", "data_gib", "cpu_src", "cpu_dst",
        "cpu_per_gib", "ratio", "cpu_bypassed", "bypass_active_share", "handoffs", "batch_size",
        "src_mig", "src_comp", "src_mc_gib", "src_comp_gib", "dst_main", "dst_decomp",
        "dst_md_gib", "src_proc_gib", "dst_proc_gib", "src_all_gib", "dst_all_gib")


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


def thread_table(agg, raw):
    """Per-thread CPU per GiB, one table over all links (rows with cpu_groups only)."""
    rows = [a for a in agg if a.get("src_mc_gib") is not None]
    if not rows:
        return []
    lines = ["## CPU-seconds per GiB of data, per thread (vCPU threads excluded)", "",
             "*mig+comp*: the source's migration thread (`live_migration`) and compress "
             "threads (`compress`); *load+decomp*: the destination's main thread, which loads "
             "the stream (and decodes lz4 pages), and its `decompress` threads; *process*: all "
             "threads of that QEMU but its vCPUs; *process+vCPU*: the whole process. "
             "*vs zlib*: mig+comp against stock zlib threads on the same link; *vs raw lz4*: "
             "the compress threads against liblz4 alone on the same guest's pages "
             "(`bench/compression/mx-compress-bench`, %s)." % (
                 ", ".join("%s %.2f CPU-s/GiB" % kv for kv in sorted(raw.items())) if raw else
                 "not measured in this run"), "",
             "| scenario | qemu | data GiB | hand-offs | pages per hand-off | src migration CPU-s | "
             "src compress CPU-s | src mig+comp /GiB | src compress /GiB | vs zlib | vs raw lz4 | "
             "src process /GiB | src process+vCPU /GiB | dst load CPU-s | dst decompress CPU-s | "
             "dst load+decomp /GiB | dst process /GiB | dst process+vCPU /GiB |",
             "|" + "---|" * 18]
    for a in sorted(rows, key=lambda a: (a["scenario"], a["qemu"] != "stock")):
        base = next((b for b in rows if b["scenario"].startswith("zlib-threads") and b["qemu"] == "stock"
                     and _link(b["scenario"]) == _link(a["scenario"])), None)
        vs = a["src_mc_gib"] / base["src_mc_gib"] if base and base.get("src_mc_gib") else None
        key = None
        if "lz4" in a["scenario"]:
            key = "lz4-8" if "accel8" in a["scenario"] else "lz4-1"
        vraw = a["src_comp_gib"] / raw[key] if key and raw.get(key) else None
        per_ho = None
        if a.get("handoffs") and a.get("data_gib"):
            per_ho = a["data_gib"] * GiB / PAGE / a["handoffs"]
        lines.append("| %s |" % " | ".join([
            a["scenario"], a["qemu"], _f(a["data_gib"]), _f(a.get("handoffs"), "%.0f"), _f(per_ho, "%.1f"),
            _f(a["src_mig"], "%.1f"), _f(a["src_comp"], "%.1f"), _f(a["src_mc_gib"]),
            _f(a["src_comp_gib"]), _f(vs), _f(vraw), _f(a["src_proc_gib"]), _f(a["src_all_gib"]),
            _f(a["dst_main"], "%.1f"), _f(a["dst_decomp"], "%.1f"), _f(a["dst_md_gib"]),
            _f(a["dst_proc_gib"]), _f(a["dst_all_gib"])]))
    lines += ["", "*pages per hand-off* counts data pages only (zero pages, which the compress "
              "threads also take, make the real batches larger).", ""]
    return lines


def markdown(agg, title, raw=None):
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
    lines += thread_table(agg, raw or {})
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
    raw = {}
    if os.path.exists(os.path.join(d, "raw-lz4.json")):
        with open(os.path.join(d, "raw-lz4.json")) as f:
            raw = json.load(f).get("cpu_s_per_gib") or {}
    with open(os.path.join(d, "migration.md"), "w") as f:
        f.write(markdown(agg, res.get("title") or "Migration compression benchmark", raw))
    print(os.path.join(d, "migration.md"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
