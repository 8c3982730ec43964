#!/usr/bin/python3
"""results.json -> summary.md (Markdown table) for bench/results/compression."""
import json
import sys

out = sys.argv[1]
d = json.load(open(out + "/results.json"))
rows = d["results"]
base = {r["corpus"]: r for r in rows if r["method"] == "zlib-1"}
lines = ["# Per-core migration page compression (one run)", "",
         f"Host: {d['cpu']}, {d['date']}. MB/s are per core of thread CPU time, of input;",
         "ratio = bytes on the wire / bytes in (non-zero pages only).",
         "Ir/page = callgrind instructions per page (first 8 MiB), steadier than times.", "",
         "| corpus | method | ratio | compress MB/s | decompress MB/s | compress Ir/page | decompress Ir/page | compress speed-up vs zlib-1 (Ir) |",
         "|---|---|---|---|---|---|---|---|"]
for r in rows:
    b = base[r["corpus"]]
    lines.append("| {corpus} | {method} | {ratio:.3f} | {compress_MBps:.0f} | {decompress_MBps:.0f} | "
                 "{compress_Ir_per_page:.0f} | {decompress_Ir_per_page:.0f} | {x:.1f}x |".format(
                     x=b["compress_Ir_per_page"] / r["compress_Ir_per_page"], **r))
open(out + "/summary.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
