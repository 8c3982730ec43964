#!/usr/bin/env python3
"""Issue 17's goals per workload, from the throttle.json that summarize.py
wrote: qemu-mx staged against stock auto-converge (medians).

When stock auto-converge's median run did not converge within its cap, its
time, bytes and work lost are those up to the cap: a ratio against it is an
upper bound (staged's true ratio is lower, stock would have gone on), shown
as "<= x".  "cpu-bound" workloads (name starts with "cpubound") take the
1/4 work-lost goal, the others "at most 3 s more than stock".

usage: goals.py THROTTLE_JSON [OUT_MD]
"""

import json
import sys


def fmt(v, nd=1):
    return "-" if v is None else ("%%.%df" % nd) % v


def ratio(a, b, bound):
    if a is None or not b:
        return "-"
    return ("<= %.2f" if bound else "%.2f") % (a / b)


def table(wl, rows):
    st, ac = rows.get("mx-staged"), rows.get("stock-ac")
    if not st or not ac:
        return []
    capped = ac["converged"] * 2 <= ac["runs"]
    cpu = wl.startswith("cpubound")
    out = ["### %s: goals (qemu-mx staged against stock auto-converge%s)" % (
        wl, ", which did not converge within its cap: ratios are upper bounds" if capped else ""),
        "", "| goal | stock auto-converge | qemu-mx staged | ratio / difference | met |",
        "|---|---|---|---|---|"]

    def row(goal, a, b, r, ok, bounded=False):
        # against a capped stock run, a miss is not shown: stock would have gone on
        verdict = "yes" if ok else ("open (stock capped: the bound is not enough)"
                                    if bounded else "**no**")
        out.append("| %s | %s | %s | %s | %s |" % (goal, a, b, r, verdict))

    row("staged converges in every run", "%d/%d" % (ac["converged"], ac["runs"]),
        "%d/%d" % (st["converged"], st["runs"]), "-", st["converged"] == st["runs"])
    for key, name in (("time_s", "total time"), ("wire_mib", "bytes on the link")):
        a, b = ac[key], st[key]
        row("%s <= 1/3 of stock AC's" % name, ("> " if capped else "") + fmt(a, 1 if key == "time_s" else 0),
            fmt(b, 1 if key == "time_s" else 0), ratio(b, a, capped),
            a and b is not None and b <= a / 3, capped)
    a, b = ac["work_lost_s"], st["work_lost_s"]
    if cpu:
        row("work lost <= 1/4 of stock AC's (CPU-bound)", ("> " if capped else "") + fmt(a),
            fmt(b), ratio(b, a, capped), a and b is not None and b <= a / 4, capped)
    else:
        row("work lost <= stock AC's + 3 s", ("> " if capped else "") + fmt(a), fmt(b),
            "%+.1f s" % (b - a) if a is not None and b is not None else "-",
            a is not None and b is not None and b <= a + 3, capped)
    row("<= 6 s below 50% of the guest's rate", fmt(ac["below_half_s"], 0),
        fmt(st["below_half_s"], 0), "-", st["below_half_s"] is not None and st["below_half_s"] <= 6)
    row("downtime <= 300 ms", fmt(ac["downtime_ms"], 0), fmt(st["downtime_ms"], 0), "-",
        st["downtime_ms"] is not None and st["downtime_ms"] <= 300)
    out.append("")
    return out


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    with open(argv[1]) as f:
        data = json.load(f)
    lines = []
    for wl in sorted(data):
        lines += table(wl, data[wl])
    text = "\n".join(lines) + "\n"
    if len(argv) > 2:
        with open(argv[2], "w") as f:
            f.write(text)
    print(text)


if __name__ == "__main__":
    main(sys.argv)
