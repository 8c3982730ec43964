#!/usr/bin/python3
"""Table of the IO QoS benchmark (docs/mx/io-qos.md) from one or more
`mx-e2e bench` results.json files: medians per scenario and binary over the
repeats.  Usage: summarize.py OUT.md results.json [results.json ...]"""

import json
import statistics
import sys


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt(x, nd=1):
    if x is None:
        return "-"
    if isinstance(x, float):
        return ("%%.%df" % nd) % x
    return str(x)


def row(runs):
    m = [r.get("metrics", {}) for r in runs]
    # a RAM-only run has no mirror: it converged when it completed
    conv = [bool(x.get("converged", r.get("flow") != "storage" and r.get("result") == "ok"))
            for r, x in zip(runs, m)]
    ok = [r.get("result") == "ok" for r in runs]
    qos = [r.get("block_qos") or [] for r in runs]

    def qsum(key):
        return [sum(q.get(key, 0) for q in qq) if qq else None for qq in qos]

    def lat(key):
        return [(x.get("copy_wlat") or {}).get(key) for x in m]

    def mib(key):
        return [x.get(key) / 1048576.0 if x.get(key) is not None else None for x in m]
    conv_t = [x.get("total_time_s") for x, c in zip(m, conv) if c]
    return {
        "converged": "%d/%d" % (sum(conv), len(runs)),
        "data ok": "%d/%d" % (sum(ok), len(runs)),
        "READY s": fmt(med([x.get("mirror_ready_s") for x in m])),
        "total s": fmt(med(conv_t)) if conv_t else "- (cap %s)" % fmt(med([x.get("total_time_s") for x in m])),
        "downtime ms": fmt(med([x.get("downtime_ms") for x in m]), 0),
        # the same clock for every flow: source STOP to destination completed
        "guest downtime ms": fmt(med([x.get("guest_downtime_ms") for x in m]), 0),
        "pause ms": fmt(med([(r.get("switchover") or {}).get("pause_ms") for r in runs]), 0),
        "backlog at pause KiB": fmt(med([x.get("mirror_backlog_at_pause") / 1024.0
                                         if x.get("mirror_backlog_at_pause") is not None else None
                                         for x in m]), 0),
        "disk MiB (job)": fmt(med(mib("disk_transferred_bytes")), 0),
        "wire MiB": fmt(med(mib("wire_bytes")), 0),
        "guest write MiB/s (copy)": fmt(med([x.get("copy_write_mibps") for x in m])),
        "lat mean ms": fmt(med([v / 1000.0 if v is not None else None for v in lat("mean_us")]), 2),
        "lat p50 ms": fmt(med([v / 1000.0 if v is not None else None for v in lat("p50_us")]), 2),
        "lat p99 ms": fmt(med([v / 1000.0 if v is not None else None for v in lat("p99_us")]), 2),
        "QoS steps": fmt(med(qsum("steps")), 0),
        "QoS throttled s": fmt(med([v / 1000.0 if v is not None else None for v in qsum("throttled-ms")])),
    }


def main():
    out, files = sys.argv[1], sys.argv[2:]
    runs = []
    for f in files:
        with open(f) as fh:
            runs += json.load(fh)["runs"]
    groups = {}
    for r in runs:
        key = (r.get("scenario", {}).get("name"), r.get("qemu"))
        groups.setdefault(key, []).append(r)
    cols = None
    lines = []
    for (name, qemu), rs in sorted(groups.items()):
        d = row(rs)
        if cols is None:
            cols = list(d)
            lines.append("| scenario | qemu | " + " | ".join(cols) + " |")
            lines.append("|---" * (len(cols) + 2) + "|")
        lines.append("| %s | %s | " % (name, qemu) + " | ".join(d[c] for c in cols) + " |")
    text = "\n".join(lines) + "\n"
    with open(out, "w") as fh:
        fh.write(text)
    print(text)


if __name__ == "__main__":
    main()
