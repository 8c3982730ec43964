"""Reports for mx-e2e run records and benchmark results (PROTOCOL.md, "Run record").

  format_summary(run) -> str          terminal summary of one run
  plot_run(run, png)                  timeline PNG of one run
  write_run_report(run, outdir)       outdir/summary.md + outdir/timeline.png
  write_bench_report(runs, outdir, title)
                                      results.json, summary.md, per-scenario PNGs
  write_report(results_json, outdir)  re-render a bench results.json (bench.py hook)

  python3 -m mxe2e.report RUN_JSON|RESULTS_JSON OUTDIR      (from tests/mx-e2e)

Only the standard library and (for the PNGs) matplotlib with the Agg backend.
Fields missing from a record are shown as "-" and skipped in plots.
"""

import json
import os
import re
import statistics
import sys

MiB = 1024 * 1024
MIG_THREAD_RE = re.compile(r"live_migration|multifd|mirror|compress|migration|postcopy|return path", re.I)


# --------------------------------------------------------------------------
# small helpers

def _get(d, *keys):
    for k in keys:
        if not isinstance(d, dict):
            return None
        d = d.get(k)
    return d


def fmt_bytes(n):
    if n is None:
        return "-"
    n = float(n)
    for unit, div in (("GiB", 1024 ** 3), ("MiB", MiB), ("KiB", 1024)):
        if abs(n) >= div:
            return "%.2f %s" % (n / div, unit)
    return "%d B" % n


def fmt_num(v, nd=2):
    if v is None:
        return "-"
    if isinstance(v, int) or (isinstance(v, float) and v.is_integer() and abs(v) >= 100):
        return "%d" % v
    return "%.*f" % (nd, v)


def _slug(s):
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", str(s)).strip("_") or "x"


def _oneline(s, n=200):
    s = " ".join(str(s).split())
    return s if len(s) <= n else s[:n - 3] + "..."


def _median(vals):
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


def _end_time(run):
    """End of the operation (s since flow start): first 'completed' sample, else total_time_s."""
    for s in run.get("timeline") or []:
        if s.get("status") == "completed":
            return s.get("t")
    tt = _get(run, "metrics", "total_time_s")
    if tt is not None:
        return tt
    tl = run.get("timeline") or []
    return tl[-1].get("t") if tl else None


def guest_means(run):
    """Mean guest RAM/disk MiB/s before (t<=0), during (0<t<=end) and after the operation."""
    end = _end_time(run)
    out = {}
    for phase in ("before", "during", "after"):
        if phase == "before":
            sel = [g for g in run.get("guest") or [] if g.get("t", 0) <= 0]
        elif end is None:
            sel = []
        elif phase == "during":
            sel = [g for g in run.get("guest") or [] if 0 < g.get("t", 0) <= end]
        else:
            sel = [g for g in run.get("guest") or [] if g.get("t", 0) > end]
        out[phase] = {
            "ram_mibps": statistics.mean([g.get("ram_mibps") or 0.0 for g in sel]) if sel else None,
            "disk_mibps": statistics.mean([g.get("disk_mibps") or 0.0 for g in sel]) if sel else None,
            "n": len(sel)}
    return out


def guest_impact(run):
    """The guest's own loss during a migration, from its per-second RAM write rate on the
    source: pre = mean rate before the flow (t <= 0); over the samples 0 < t <= end (end of
    the migration, or of the run if it never completed), below_half_s = seconds below half
    of pre, work_lost_s = sum of max(0, 1 - rate/pre) per 1-second sample (seconds of
    full-speed work lost).  The switchover itself is in the downtime, not here (the
    destination is paused for the RAM oracle right after it).  None without a baseline."""
    g = [x for x in run.get("guest") or [] if x.get("side", "src") == "src"]
    pre = [x.get("ram_mibps") or 0.0 for x in g if x.get("t", 0) <= 0]
    pre = statistics.mean(pre) if pre else 0.0
    if pre <= 0:
        return None
    end = _end_time(run)
    if end is None:
        tl = run.get("timeline") or []
        end = tl[-1].get("t") if tl else None
    if end is None:
        return None
    during = [x.get("ram_mibps") or 0.0 for x in g if 0 < x.get("t", 0) <= end]
    return {"pre_mibps": round(pre, 2), "samples": len(during),
            "below_half_s": sum(1 for r in during if r < 0.5 * pre),
            "work_lost_s": round(sum(max(0.0, 1.0 - r / pre) for r in during), 2)}


def thread_groups(threads):
    """{'multifdsend_0': 1, 'multifdsend_1': 2, ...} -> [('multifdsend_* (x2)', 3), ...] sorted desc."""
    groups = {}
    for name, v in (threads or {}).items():
        groups.setdefault(re.sub(r"\d+", "*", name), []).append((name, v or 0.0))
    out = []
    for pat, members in groups.items():
        if len(members) == 1:
            out.append(members[0])
        else:
            out.append(("%s (x%d)" % (pat, len(members)), sum(v for _, v in members)))
    return sorted(out, key=lambda x: -x[1])


def mig_thread_cpu(side):
    """CPU-seconds of the migration/mirror/compression threads of one QEMU."""
    threads = (side or {}).get("threads") or {}
    if not threads:
        return None
    return round(sum(v or 0.0 for k, v in threads.items() if MIG_THREAD_RE.search(k)), 3)


# --------------------------------------------------------------------------
# verdicts

def verdict_lines(run):
    """[(ok: bool|None, text)] for verifier, negative control and oracle."""
    v = run.get("verdict") or {}
    out = []
    ver, neg, orc = v.get("verifier"), v.get("negative"), v.get("oracle")
    negative = bool(neg) or bool(_get(run, "scenario", "corrupt"))
    if ver is None:
        out.append((False if run.get("result") == "failed" else None, "verifier: no verdict"))
    elif negative:
        out.append((None, "verifier: ram_bad=%s disk_bad=%s (negative control: corruption expected)"
                    % (ver.get("ram_bad"), ver.get("disk_bad"))))
    else:
        bad = (ver.get("ram_bad") or 0) + (ver.get("disk_bad") or 0) + (ver.get("mismatch_count") or 0)
        txt = "verifier: ram_bad=%s disk_bad=%s ram_ok=%s disk_ok=%s%s" % (
            ver.get("ram_bad"), ver.get("disk_bad"), ver.get("ram_ok"), ver.get("disk_ok"),
            " (verified on %s)" % ver["verified_on"] if ver.get("verified_on") else "")
        out.append((bad == 0, txt))
        for m in (ver.get("mismatches") or [])[:5]:
            out.append((False, "    " + str(m).strip()))
    if negative:
        if neg:
            caught = bool(neg.get("ram_caught")) and bool(neg.get("disk_caught"))
            out.append((caught, "negative control: corrupted RAM page %s %s, disk lba %s %s" % (
                neg.get("ram_page"), "caught" if neg.get("ram_caught") else "NOT caught",
                neg.get("disk_lba"), "caught" if neg.get("disk_caught") else "NOT caught")))
        else:
            out.append((False if run.get("result") == "failed" else None, "negative control: no record"))
    if orc is None:
        out.append((None, "RAM oracle: not run"))
    else:
        diff = orc.get("pages_differing") or 0
        txt = "RAM oracle: %s pages compared, %s differing" % (orc.get("pages_compared"), diff)
        if diff:
            txt += " (first at %s)" % ", ".join(
                "0x%x" % a if isinstance(a, int) else str(a) for a in (orc.get("first_differences") or [])[:6])
        out.append((diff == 0, txt))
    return out


def _mark(ok):
    return {True: "PASS", False: "FAIL", None: "----"}[ok]


# --------------------------------------------------------------------------
# one run: summary

def summary_sections(run):
    """[(title, [(label, value), ...])] shared by the text and Markdown renderings."""
    m = run.get("metrics") or {}
    sc = run.get("scenario") or {}
    keys = ("name", "ram_mb", "ram_rate", "hot_frac", "ram_pattern", "disk_mb", "bs", "disk_rate", "pattern",
            "link_rate_mbit", "link_delay_ms", "accel", "smp", "disk_format", "max_bandwidth",
            "downtime_limit_ms", "corrupt")
    scen = " ".join("%s=%s" % (k, sc[k]) for k in keys if sc.get(k) not in (None, "", False))
    extra = [k for k in ("capabilities", "parameters") if sc.get(k)]
    for k in extra:
        scen += " %s=%s" % (k, ",".join("%s:%s" % kv for kv in sorted(sc[k].items())))
    head = [("flow", run.get("flow")),
            ("binary", "%s  %s" % (run.get("qemu") or "?", run.get("qemu_binary") or "")),
            ("version", run.get("qemu_version")),
            ("scenario", scen or "-"),
            ("repeat", run.get("repeat")),
            ("started", run.get("started")),
            ("result", (run.get("result") or "?").upper() + ("  (%s)" % _oneline(run["error"], 400) if run.get("error") else ""))]
    tt = m.get("total_time_s")
    avg = None
    if tt and m.get("wire_bytes"):
        avg = m["wire_bytes"] * 8 / 1e6 / tt
    met = [("total time", "%s s" % fmt_num(tt, 3) if tt is not None else "-"),
           ("setup", "%s ms" % m["setup_time_ms"] if m.get("setup_time_ms") is not None else "-"),
           ("downtime", "%s ms" % m["downtime_ms"] if m.get("downtime_ms") is not None else "-"),
           ("iterations", fmt_num(m.get("iterations")))]
    for k, label in (("migration_s", "migration phase"), ("mirror_ready_s", "mirror ready after"),
                     ("mirror_cancel_s", "mirror cancel"), ("savevm_s", "savevm"), ("loadvm_s", "loadvm")):
        if m.get(k) is not None:
            met.append((label, "%s s" % fmt_num(m[k], 3)))
    met += [("RAM transferred", fmt_bytes(m.get("ram_transferred_bytes"))),
            ("disk job progress", fmt_bytes(m.get("disk_transferred_bytes"))),
            ("bytes on the wire", fmt_bytes(m.get("wire_bytes"))),
            ("avg wire throughput", "%.1f Mbit/s" % avg if avg is not None else "-")]
    if m.get("state_bytes") is not None:
        met.append(("vmstate size", fmt_bytes(m["state_bytes"])))
    cpu = []
    for side in ("src", "dst"):
        c = _get(m, "cpu_s", side)
        if not c:
            continue
        top = ", ".join("%s %.2f" % (n, v) for n, v in thread_groups(c.get("threads"))[:6] if v >= 0.005)
        mt = mig_thread_cpu(c)
        cpu.append(("%s QEMU" % side, "%s s total%s%s" % (
            fmt_num(c.get("total")), "; migration threads %.2f s" % mt if mt else "",
            "  [%s]" % top if top else "")))
    g = guest_means(run)
    guest = []
    for phase in ("before", "during", "after"):
        p = g[phase]
        if p["n"]:
            guest.append((phase, "RAM %.2f MiB/s, disk %.2f MiB/s (%d samples)" % (
                p["ram_mibps"], p["disk_mibps"], p["n"])))
        else:
            guest.append((phase, "-"))
    sections = [("Run", head), ("Metrics", met)]
    if cpu:
        sections.append(("CPU seconds", cpu))
    sections.append(("Guest throughput (mean)", guest))
    return sections


def format_summary(run):
    """A human-readable multi-line summary of one run record."""
    lines = []
    for title, rows in summary_sections(run):
        lines.append("== %s" % title)
        w = max(len(k) for k, _ in rows)
        for k, v in rows:
            lines.append("  %-*s  %s" % (w, k, v))
    lines.append("== Verdicts")
    for ok, txt in verdict_lines(run):
        lines.append("  [%s] %s" % (_mark(ok), txt))
    lines.append("== %s" % ("RESULT: PASS" if run.get("result") == "ok" else "RESULT: FAIL"))
    return "\n".join(lines) + "\n"


def format_summary_md(run, png=None):
    sc = run.get("scenario") or {}
    lines = ["# %s %s run: %s" % (run.get("qemu") or "?", run.get("flow") or "?",
                                   "PASS" if run.get("result") == "ok" else "FAIL"), ""]
    if sc.get("name"):
        lines[0] += " (scenario %s, repeat %s)" % (sc["name"], run.get("repeat"))
    for title, rows in summary_sections(run):
        lines += ["## %s" % title, "", "| | |", "|---|---|"]
        lines += ["| %s | %s |" % (k, str(v).replace("|", "\\|")) for k, v in rows]
        lines.append("")
    lines += ["## Verdicts", ""]
    lines += ["- **%s** %s" % (_mark(ok), txt.strip().replace("|", "\\|")) for ok, txt in verdict_lines(run)]
    if png:
        lines += ["", "## Timeline", "", "![timeline](%s)" % png]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------
# plots

def _plt():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _series(run):
    """Timeline as plottable columns (NaN where a quantity is not defined)."""
    nan = float("nan")
    t, ram, disk, mbps, wire, thr = [], [], [], [], [], []
    seen_disk = False
    prev = None
    for s in run.get("timeline") or []:
        tt = s.get("t")
        if tt is None:
            continue
        t.append(tt)
        st = s.get("status")
        ram.append((s.get("ram_remaining") or 0) / MiB if st not in (None, "none") else nan)
        dl, do = s.get("disk_len") or 0, s.get("disk_offset") or 0
        seen_disk = seen_disk or bool(dl)
        disk.append(max(dl - do, 0) / MiB if seen_disk else nan)
        # query-migrate keeps reporting the final average after completion: plot it only while running
        mbps.append(s.get("mbps") or 0.0 if st in RUNNING else nan)
        thr.append(s.get("cpu_throttle_pct") or 0)
        w = s.get("wire_bytes")
        if prev is not None and w is not None and prev[1] is not None and tt > prev[0]:
            wire.append(max(w - prev[1], 0) * 8 / 1e6 / (tt - prev[0]))
        else:
            wire.append(nan)
        prev = (tt, w)
    return {"t": t, "ram": ram, "disk": disk, "mbps": mbps, "wire": wire, "throttle": thr}


RUNNING = ("active", "pre-switchover", "device", "postcopy-active", "postcopy-paused", "postcopy-recover",
           "wait-unplug", "cancelling")


def _has(vals):
    return any(v == v and v for v in vals)   # some non-NaN, non-zero value


def _defined(vals):
    return any(v == v for v in vals)


def _guest_xy(points, key, gap=2.5):
    """Guest samples as x/y with NaN breaks where samples are missing (guest stopped / moved)."""
    xs, ys, last = [], [], None
    for p in points:
        if last is not None and p["t"] - last > gap:
            xs.append(float("nan"))
            ys.append(float("nan"))
        xs.append(p["t"])
        ys.append(p.get(key) or 0.0)
        last = p["t"]
    return xs, ys


def _phases(run):
    """[(t, label)]: status changes, mirror job status changes."""
    marks = []
    prev_st, prev_job = None, None
    for s in run.get("timeline") or []:
        st, job = s.get("status"), s.get("job_status")
        if st and st != prev_st and st != "none":
            marks.append((s["t"], st))
        if job and job != prev_job and prev_job is not None:
            marks.append((s["t"], "mirror " + job))
        prev_st = st or prev_st
        prev_job = job if job else prev_job
    return marks


def _spans(run):
    """[(t0, t1, label)] shaded spans for savevm/loadvm (savevm placed from the end of the flow:
    loadvm ends at total_time_s, the guest ran run_between_s after the save)."""
    m = run.get("metrics") or {}
    out = []
    tt, sv, lv = m.get("total_time_s"), m.get("savevm_s"), m.get("loadvm_s")
    between = _get(run, "scenario", "run_between_s")
    if sv:
        t1 = tt - (lv or 0) - between if (tt and between is not None) else sv
        out.append((max(t1 - sv, 0.0), max(t1, sv), "savevm"))
    if lv and tt:
        out.append((tt - lv, tt, "loadvm"))
    return out


def _title(run):
    m = run.get("metrics") or {}
    sc = run.get("scenario") or {}
    tt = m.get("total_time_s")
    return "%s: flow %s, scenario %s, repeat %s: %s%s" % (
        run.get("qemu") or "?", run.get("flow") or "?", sc.get("name") or "?", run.get("repeat"),
        "ok" if run.get("result") == "ok" else "FAILED",
        ", total %.2f s" % tt if tt is not None else "")


def _label_marks(ax, marks, xlo, xhi):
    """Horizontal phase labels at the top of ax, stacked in rows so they do not overlap."""
    rows = []          # right edge (axes fraction) of the last label in each row
    span = (xhi - xlo) or 1.0
    for t, lab in sorted(marks):
        x = (t - xlo) / span
        w = 0.0075 * (len(lab) + 1)
        for i, edge in enumerate(rows):
            if x > edge:
                rows[i] = x + w
                break
        else:
            i = len(rows)
            rows.append(x + w)
        ax.text(x, 0.97 - 0.1 * i, " " + lab, transform=ax.transAxes, va="top", ha="left", fontsize=7,
                color="0.25", bbox=dict(boxstyle="square,pad=0.1", fc="white", ec="none", alpha=0.7))
    return len(rows)


def _panel_remaining(a, s):
    if _defined(s["ram"]):
        a.plot(s["t"], s["ram"], color="tab:blue", lw=1.6, label="RAM remaining")
    if _defined(s["disk"]):
        a.plot(s["t"], s["disk"], color="tab:orange", lw=1.6, label="disk remaining (len - offset)")
    top = max([v for v in s["ram"] + s["disk"] if v == v] + [1.0])
    a.set_ylim(0, top * 1.35)      # headroom for the phase labels
    a.legend(loc="center right", fontsize=8)
    a.set_ylabel("remaining MiB")


def _panel_throughput(a, s, run):
    if _has(s["mbps"]):
        a.plot(s["t"], s["mbps"], color="tab:green", lw=1.4, label="migration (query-migrate mbps)")
    a.step(s["t"], s["wire"], where="pre", color="0.35", lw=0.9, alpha=0.8, label="wire (veth bytes)")
    link = _get(run, "scenario", "link_rate_mbit")
    if link:
        a.axhline(link, color="tab:red", ls=":", lw=1, label="link %s Mbit/s" % link)
    a.set_ylim(0, max([v for v in s["mbps"] + s["wire"] if v == v] + [link or 0, 1]) * 1.2)
    a.legend(loc="lower right", fontsize=8, ncol=3)
    a.set_ylabel("Mbit/s")


def _panel_throttle(a, s):
    a.step(s["t"], s["throttle"], where="post", color="tab:red", lw=1.4)
    a.set_ylabel("CPU throttle %")
    a.set_ylim(0, 100)


def _panel_guest(a, g):
    if not g:
        a.text(0.5, 0.5, "no guest samples", transform=a.transAxes, ha="center", va="center", color="0.5")
        a.set_ylabel("guest MiB/s")
        return
    a2 = a.twinx()
    dense = len(g) > 80
    for side, mk in (("src", "o"), ("dst", "^")):
        pts = [x for x in g if (x.get("side") or "src") == side]
        if not pts:
            continue
        kw = dict(marker=None if dense else mk, ms=4)
        a.plot(*_guest_xy(pts, "ram_mibps"), color="tab:purple", lw=1.2, label="RAM writes (%s)" % side, **kw)
        a2.plot(*_guest_xy(pts, "disk_mibps"), color="tab:brown", lw=1.0, ls="--",
                label="disk writes (%s)" % side, **kw)
    a.set_ylim(0, max([x.get("ram_mibps") or 0 for x in g] + [0.1]) * 1.3)
    a2.set_ylim(0, max([x.get("disk_mibps") or 0 for x in g] + [0.1]) * 1.3)
    a.set_ylabel("guest RAM MiB/s", color="tab:purple")
    a2.set_ylabel("guest disk MiB/s", color="tab:brown")
    h1, l1 = a.get_legend_handles_labels()
    h2, l2 = a2.get_legend_handles_labels()
    a.legend(h1 + h2, l1 + l2, loc="lower left", fontsize=8, ncol=4)


def _mark_timeline(axes, run, s, g):
    """x range, phase spans and marks on every panel, labels on the first."""
    xs = s["t"] + [x.get("t", 0) for x in g] + [0.0]
    xlo, xhi = min(xs) - 0.2, max(xs + [_end_time(run) or 0]) + 0.2
    axes[-1].set_xlim(xlo, xhi)
    marks = _phases(run)
    spans = _spans(run)
    end = _end_time(run)
    if end is not None and not any(lab == "completed" for _, lab in marks):
        marks.append((end, "end"))
    for a in axes:
        for t0, t1, lab in spans:
            a.axvspan(t0, t1, color="tab:cyan", alpha=0.15, lw=0)
        for t, lab in marks:
            a.axvline(t, color="0.4", ls="--", lw=0.7)
        a.axvline(0, color="k", lw=0.8)
        a.grid(True, alpha=0.25)
    for t0, t1, lab in spans:
        axes[0].text((t0 + t1) / 2, 0.5, lab, transform=axes[0].get_xaxis_transform(), rotation=90,
                     va="center", ha="center", fontsize=8, color="teal")
    _label_marks(axes[0], marks, xlo, xhi)


def _run_title(run, missing):
    title = _title(run)
    if missing and run.get("timeline"):
        title += "\n(no %s in this %s flow)" % (" or ".join(missing), run.get("flow"))
    elif not run.get("timeline"):
        title += "\n(no timeline%s)" % (": " + run["error"][:90] if run.get("error") else "")
    return title


def plot_run(run, path_png):
    """Write a stacked timeline PNG of one run; returns path_png."""
    plt = _plt()
    s = _series(run)
    g = run.get("guest") or []
    panels = []
    if _defined(s["ram"]) or _defined(s["disk"]):
        panels.append("remaining")
    if _has(s["mbps"]) or _has(s["wire"]):
        panels.append("throughput")
    if _has(s["throttle"]):
        panels.append("throttle")
    panels.append("guest")
    ratios = {"remaining": 3, "throughput": 2.2, "throttle": 1.2, "guest": 2.2}
    fig, axes = plt.subplots(len(panels), 1, sharex=True, squeeze=False,
                             figsize=(11, 1.6 + 1.7 * sum(ratios[p] for p in panels) / 2.2),
                             gridspec_kw={"height_ratios": [ratios[p] for p in panels]})
    axes = [a[0] for a in axes]
    ax = dict(zip(panels, axes))
    missing = [n for n, p in (("remaining data", "remaining"), ("network traffic", "throughput")) if p not in ax]
    axes[0].set_title(_run_title(run, missing), fontsize=11)
    if "remaining" in ax:
        _panel_remaining(ax["remaining"], s)
    if "throughput" in ax:
        _panel_throughput(ax["throughput"], s, run)
    if "throttle" in ax:
        _panel_throttle(ax["throttle"], s)
    _panel_guest(ax["guest"], g)
    ax["guest"].set_xlabel("seconds since the operation started (t=0)")
    _mark_timeline(axes, run, s, g)
    fig.tight_layout()
    fig.savefig(path_png, dpi=100)
    plt.close(fig)
    return path_png


def write_run_report(run, outdir):
    """outdir/summary.md (+ outdir/timeline.png if matplotlib is there); returns the paths."""
    os.makedirs(outdir, exist_ok=True)
    paths = []
    png = os.path.join(outdir, "timeline.png")
    try:
        plot_run(run, png)
        paths.append(png)
    except ImportError as e:
        sys.stderr.write("report: no PNG (%s)\n" % e)
        png = None
    md = os.path.join(outdir, "summary.md")
    with open(md, "w") as f:
        f.write(format_summary_md(run, os.path.basename(png) if png else None))
    return [md] + paths


# --------------------------------------------------------------------------
# benchmarks

# (key, label, unit, extractor)
METRICS = [
    ("total_time_s", "total time", "s", lambda r: _get(r, "metrics", "total_time_s")),
    ("downtime_ms", "downtime", "ms", lambda r: _get(r, "metrics", "downtime_ms")),
    ("iterations", "iterations", "", lambda r: _get(r, "metrics", "iterations")),
    ("ram_transferred_bytes", "RAM transferred", "MiB", lambda r: _mib(_get(r, "metrics", "ram_transferred_bytes"))),
    ("disk_transferred_bytes", "disk job progress (mirror offset / blk bytes)", "MiB", lambda r: _mib(_get(r, "metrics", "disk_transferred_bytes"))),
    ("wire_bytes", "bytes on the wire", "MiB", lambda r: _mib(_get(r, "metrics", "wire_bytes"))),
    ("cpu_src", "CPU src QEMU", "s", lambda r: _get(r, "metrics", "cpu_s", "src", "total")),
    ("cpu_src_mig", "CPU src migration threads", "s", lambda r: mig_thread_cpu(_get(r, "metrics", "cpu_s", "src"))),
    ("cpu_dst", "CPU dst QEMU", "s", lambda r: _get(r, "metrics", "cpu_s", "dst", "total")),
    ("cpu_dst_mig", "CPU dst migration threads", "s", lambda r: mig_thread_cpu(_get(r, "metrics", "cpu_s", "dst"))),
    ("savevm_s", "savevm", "s", lambda r: _get(r, "metrics", "savevm_s")),
    ("loadvm_s", "loadvm", "s", lambda r: _get(r, "metrics", "loadvm_s")),
    ("guest_ram_mibps_during", "guest RAM writes during op", "MiB/s",
     lambda r: guest_means(r)["during"]["ram_mibps"]),
    ("guest_disk_mibps_during", "guest disk writes during op", "MiB/s",
     lambda r: guest_means(r)["during"]["disk_mibps"]),
    ("guest_below_half_s", "guest below 50% of its pre-migration RAM rate", "s",
     lambda r: (guest_impact(r) or {}).get("below_half_s")),
    ("guest_work_lost_s", "guest work lost (RAM writes, s at full rate)", "s",
     lambda r: (guest_impact(r) or {}).get("work_lost_s")),
]


def _mib(v):
    return None if v is None else v / MiB


def _completed(run):
    """The operation itself finished (its timings are meaningful even if a verdict failed)."""
    return _get(run, "metrics", "total_time_s") is not None


def _labels(runs):
    labels = sorted({r.get("qemu") or "?" for r in runs}, key=lambda x: (x != "stock", x != "mx", x))
    base = "stock" if "stock" in labels else (labels[0] if labels else None)
    cmp_ = "mx" if "mx" in labels and base != "mx" else next((l for l in labels if l != base), None)
    return labels, base, cmp_


def _problems(runs):
    """Human lines about failed runs and verdict failures of one scenario+binary."""
    out = []
    n = len(runs)
    failed = [r for r in runs if r.get("result") != "ok"]
    if failed:
        out.append("%d/%d runs failed: %s" % (len(failed), n, "; ".join(
            "r%s: %s" % (r.get("repeat"), _oneline(r.get("error") or "?", 100)) for r in failed)))
    od = [r for r in runs if (_get(r, "verdict", "oracle", "pages_differing") or 0) > 0]
    if od:
        out.append("oracle: %d/%d runs differ (%s pages)" % (len(od), n, ", ".join(
            str(_get(r, "verdict", "oracle", "pages_differing")) for r in od)))
    vb = []
    for r in runs:
        v = _get(r, "verdict", "verifier")
        if v and not _get(r, "verdict", "negative") and not _get(r, "scenario", "corrupt"):
            if (v.get("ram_bad") or 0) + (v.get("disk_bad") or 0) + (v.get("mismatch_count") or 0):
                vb.append("ram_bad=%s disk_bad=%s" % (v.get("ram_bad"), v.get("disk_bad")))
    if vb:
        out.append("verifier: %d/%d runs found corruption (%s)" % (len(vb), n, "; ".join(vb)))
    neg = [r for r in runs if _get(r, "verdict", "negative")]
    if neg:
        caught = [r for r in neg if r["verdict"]["negative"].get("ram_caught")
                  and r["verdict"]["negative"].get("disk_caught")]
        out.append("negative control: corruption caught in %d/%d runs" % (len(caught), len(neg)))
    return out


def summarize(runs):
    """Group runs by (scenario, flow) and binary; medians and ratios. Returns the summary list."""
    labels, base, cmp_ = _labels(runs)
    groups = {}
    for r in runs:
        key = (_get(r, "scenario", "name") or r.get("flow") or "?", r.get("flow") or "?")
        groups.setdefault(key, []).append(r)
    summary = []
    for (name, flow), grp in groups.items():
        ent = {"scenario": name, "flow": flow, "baseline": base, "compare": cmp_, "binaries": {}, "metrics": []}
        for lab in labels:
            rs = [r for r in grp if (r.get("qemu") or "?") == lab]
            if not rs:
                continue
            done = [r for r in rs if _completed(r)]
            med_run = None
            if done:
                med_run = sorted(done, key=lambda r: r["metrics"]["total_time_s"])[(len(done) - 1) // 2]
            ent["binaries"][lab] = {
                "runs": len(rs), "ok": sum(1 for r in rs if r.get("result") == "ok"), "completed": len(done),
                "problems": _problems(rs),
                "oracle_differing": [_get(r, "verdict", "oracle", "pages_differing") for r in rs],
                "median_run": (med_run or {}).get("rundir"), "median_repeat": (med_run or {}).get("repeat"),
                "versions": sorted({r.get("qemu_version") or "?" for r in rs})}
        for key, label, unit, fn in METRICS:
            row = {"metric": key, "label": label, "unit": unit, "median": {}, "n": {}}
            for lab in ent["binaries"]:
                vals = [fn(r) for r in grp if (r.get("qemu") or "?") == lab and _completed(r)]
                vals = [v for v in vals if v is not None]
                row["median"][lab] = _median(vals)
                row["n"][lab] = len(vals)
            if all(v is None for v in row["median"].values()):
                continue
            b, c = row["median"].get(base), row["median"].get(cmp_)
            row["ratio"] = (c / b) if (b and c is not None) else None
            ent["metrics"].append(row)
        summary.append(ent)
    return summary


def _fmt_med(v):
    if v is None:
        return "-"
    return "%.3g" % v if abs(v) < 1000 else "%.0f" % v


def _short_version(v):
    return re.sub(r"^QEMU emulator version\s*", "", v or "?")


def bench_markdown(summary, title, pngs=None):
    pngs = pngs or {}
    base = summary[0]["baseline"] if summary else "stock"
    cmp_ = summary[0]["compare"] if summary else "mx"
    lines = ["# %s" % title, "",
             "Medians over the repeats whose operation completed (n = runs with a value, %s); "
             "ratio = %s / %s, below 1 means smaller for %s. The binaries run interleaved on a shared "
             "machine: ratios within a few percent of 1 are noise, not a difference."
             % ("/".join(l for l in (base, cmp_) if l), cmp_, base, cmp_), "",
             "## Overview", "", "| scenario | flow | binary | runs ok | problems |", "|---|---|---|---|---|"]
    for ent in summary:
        for lab, b in ent["binaries"].items():
            lines.append("| %s | %s | %s | %d/%d | %s |" % (
                ent["scenario"], ent["flow"], lab, b["ok"], b["runs"],
                "<br>".join("**%s**" % p.replace("|", "\\|") for p in b["problems"]) or "none"))
    lines.append("")
    for ent in summary:
        labs = list(ent["binaries"])
        lines += ["## %s (flow %s)" % (ent["scenario"], ent["flow"]), ""]
        for lab, b in ent["binaries"].items():
            ok = ("all %d runs ok (verdicts passed)" % b["runs"] if b["ok"] == b["runs"]
                  else "**%d/%d runs ok**" % (b["ok"], b["runs"]))
            lines.append("- %s (%s): %s" % (lab, ", ".join(_short_version(v) for v in b["versions"]), ok))
            for p in b["problems"]:
                lines.append("  - **%s**" % p)
        lines.append("")
        both = base in labs and cmp_ in labs
        hdr = ["metric"] + ["%s median" % l for l in labs] + (["ratio %s/%s" % (cmp_, base)] if both else []) + ["n"]
        lines += ["| " + " | ".join(hdr) + " |", "|" + "---|" * len(hdr)]
        for row in ent["metrics"]:
            if not any(row["median"].get(l) for l in labs):
                continue        # zero/absent for every binary (e.g. wire bytes of savevm)
            cells = ["%s%s" % (row["label"], " (%s)" % row["unit"] if row["unit"] else "")]
            cells += [_fmt_med(row["median"].get(l)) for l in labs]
            if both:
                cells.append("%.3f" % row["ratio"] if row.get("ratio") is not None else "-")
            cells.append("/".join(str(row["n"].get(l, 0)) for l in labs))
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
        for p in pngs.get((ent["scenario"], ent["flow"]), []):
            lines.append("![%s](%s)" % (os.path.splitext(p)[0], p))
        lines.append("")
    return "\n".join(lines)


BAR_METRICS = [("total_time_s", "total"), ("mirror_ready_s", "mirror ready"), ("migration_s", "migration"),
               ("downtime_ms", "downtime"), ("savevm_s", "savevm"), ("loadvm_s", "loadvm")]


def plot_compare(runs_by_label, path_png, title):
    """Overlay the remaining RAM/disk and guest RAM writes of each binary (median run bold,
    other repeats thin) plus a bar chart of the timing medians with every repeat as a dot."""
    plt = _plt()
    colors = {"stock": "tab:blue", "mx": "tab:red"}
    palette = iter(["tab:green", "tab:purple", "tab:olive", "tab:cyan"])
    col = {lab: colors.get(lab) or next(palette, "k") for lab in runs_by_label}
    allruns = [r for rs in runs_by_label.values() for r, _ in rs]
    panels = [(k, y) for k, y in (("ram", "RAM remaining (MiB)"), ("disk", "disk remaining (MiB)"))
              if any(_defined(_series(r)[k]) for r in allruns)]
    if any(r.get("guest") for r in allruns):
        panels.append(("guest", "guest RAM writes (MiB/s)"))
    bars = [(k, lab) for k, lab in BAR_METRICS if any(_get(r, "metrics", k) is not None for r in allruns)]
    n = len(panels) + (1 if bars else 0)
    if not n:
        return None
    fig = plt.figure(figsize=(11, 1.2 + 2.5 * n))
    gs = fig.add_gridspec(n, 1)
    axes = []
    for i in range(len(panels)):
        axes.append(fig.add_subplot(gs[i, 0], sharex=axes[0] if axes else None))
    for lab, rs in runs_by_label.items():
        for r, is_med in rs:
            s = _series(r)
            kw = dict(color=col[lab], lw=2.0 if is_med else 0.8, alpha=1.0 if is_med else 0.35)
            tt = _get(r, "metrics", "total_time_s")
            lbl = "%s r%s (median, %.2f s)" % (lab, r.get("repeat"), tt or 0) if is_med else None
            for i, (a, (key, _)) in enumerate(zip(axes, panels)):
                if key == "guest":
                    a.plot(*_guest_xy(r.get("guest") or [], "ram_mibps"), marker="o", ms=3,
                           label=lbl if i == 0 else None, **kw)
                else:
                    a.plot(s["t"], s[key], label=lbl if i == 0 else None, **kw)
            if is_med and tt:
                for a in axes:
                    a.axvline(tt, color=col[lab], ls=":", lw=1)
    for a, (key, ylabel) in zip(axes, panels):
        a.set_ylabel(ylabel, fontsize=9)
        a.grid(True, alpha=0.25)
        a.axvline(0, color="k", lw=0.8)
        a.set_ylim(0, a.get_ylim()[1] * 1.15)
    if axes:
        axes[0].legend(loc="upper right", fontsize=8)
        axes[-1].set_xlabel("seconds since the operation started (bold = median run, thin = other "
                            "repeats, dotted = end of the median run)", fontsize=9)
    if bars:
        a = fig.add_subplot(gs[n - 1, 0])
        labs = list(runs_by_label)
        w = 0.8 / len(labs)
        for j, lab in enumerate(labs):
            for i, (k, _) in enumerate(bars):
                vals = [_get(r, "metrics", k) for r, _ in runs_by_label[lab]]
                vals = [v / 1000.0 if k == "downtime_ms" else v for v in vals if v is not None]
                if not vals:
                    continue
                x = i - 0.4 + w * (j + 0.5)
                med = statistics.median(vals)
                a.bar(x, med, w * 0.9, color=col[lab], alpha=0.6, label=lab if i == 0 else None)
                a.plot([x] * len(vals), vals, "o", color="k", ms=3)
                a.annotate("%.2f" % med, (x, max(vals)), xytext=(0, 4), textcoords="offset points",
                           ha="center", va="bottom", fontsize=8)
        a.set_xticks(range(len(bars)))
        a.set_xticklabels([lab for _, lab in bars])
        a.set_ylabel("seconds (median, dots = repeats)", fontsize=9)
        a.set_ylim(0, a.get_ylim()[1] * 1.12)
        a.grid(True, axis="y", alpha=0.25)
        a.legend(fontsize=8, loc="upper right")
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    fig.savefig(path_png, dpi=100)
    plt.close(fig)
    return path_png


def write_bench_report(runs, outdir, title="mx-e2e benchmark"):
    """results.json + summary.md + PNGs (timeline per scenario+binary, comparison per scenario).
    Returns the list of written paths."""
    os.makedirs(outdir, exist_ok=True)
    summary = summarize(runs)
    paths = []
    pngs = {}
    try:
        _plt()
        have_plt = True
    except ImportError as e:
        sys.stderr.write("report: no PNGs (%s)\n" % e)
        have_plt = False
    if have_plt:
        for ent in summary:
            key = (ent["scenario"], ent["flow"])
            grp = [r for r in runs if (_get(r, "scenario", "name") or r.get("flow") or "?", r.get("flow") or "?") == key]
            by_label = {}
            for lab in ent["binaries"]:
                rs = [r for r in grp if (r.get("qemu") or "?") == lab]
                done = sorted([r for r in rs if _completed(r)], key=lambda r: r["metrics"]["total_time_s"])
                med = done[(len(done) - 1) // 2] if done else None
                if med is None:
                    continue
                png = "%s-%s-%s-timeline.png" % (_slug(ent["scenario"]), _slug(ent["flow"]), _slug(lab))
                plot_run(med, os.path.join(outdir, png))
                pngs.setdefault(key, []).append(png)
                by_label[lab] = [(r, r is med) for r in done]
            if by_label:
                png = "%s-%s-compare.png" % (_slug(ent["scenario"]), _slug(ent["flow"]))
                if plot_compare(by_label, os.path.join(outdir, png),
                                "%s (flow %s): %s" % (ent["scenario"], ent["flow"], " vs ".join(by_label))):
                    pngs[key].insert(0, png)
        paths += [os.path.join(outdir, p) for ps in pngs.values() for p in ps]
    rj = os.path.join(outdir, "results.json")
    tmp = rj + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"title": title, "runs": runs, "summary": summary}, f, indent=1, default=str)
    os.replace(tmp, rj)
    md = os.path.join(outdir, "summary.md")
    with open(md, "w") as f:
        f.write(bench_markdown(summary, title, pngs))
    return [rj, md] + paths


def write_report(results, outdir, title=None):
    """Render a run record or bench results (a dict or a path to its JSON) into outdir."""
    if isinstance(results, str):
        with open(results) as f:
            results = json.load(f)
    if isinstance(results, dict) and "runs" in results:
        title = title or results.get("title") or "mx-e2e benchmark: %s" % os.path.basename(os.path.abspath(outdir))
        return write_bench_report(results["runs"], outdir, title)
    if isinstance(results, list):
        return write_bench_report(results, outdir, title or "mx-e2e benchmark")
    return write_run_report(results, outdir)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2 or argv[0] in ("-h", "--help"):
        sys.stderr.write("usage: python3 -m mxe2e.report RUN_JSON|RESULTS_JSON OUTDIR\n")
        return 2
    with open(argv[0]) as f:
        data = json.load(f)
    if isinstance(data, dict) and "runs" not in data:
        sys.stdout.write(format_summary(data))
    paths = write_report(data, argv[1])
    for p in paths:
        print("wrote", p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
