"""Benchmark matrix: run scenarios x binaries x repeats, interleaving the
binaries within each repeat (rotating the order every repeat), and collect run
records.  Markdown/PNG reporting lives in report.py (not this module)."""

import json
import os

from .flows import run_flow, make_scenario, DEFAULTS
from .util import HarnessError, now_iso


def _binaries_list(binaries):
    if isinstance(binaries, dict):
        return list(binaries.items())
    return [tuple(b) for b in binaries]


def run_matrix(scenarios, binaries, repeats, outdir, progress=None, verbose=False, on_run=None):
    """Run every scenario with every binary, `repeats` times.

    scenarios: list of dicts, each {"name": str, "flow": "ram|storage|blk|savevm|snapshot",
               <scenario parameters of flows.DEFAULTS>, optional "binaries": [labels]
               to run it only with those binaries (e.g. a parameter stock lacks)}
    binaries:  {"mx": path, "stock": path} (or a list of (label, path)); the label
               becomes run["qemu"].  Source and destination use the same binary.
    repeats:   int >= 1.  Order: for r in repeats: for scenario: for binary (the
               binary order rotates by one each repeat, so no binary always goes first).
    outdir:    run dirs go to outdir/runs/<scenario>-<label>-r<r>/; outdir/results.json
               is rewritten after every run as {"runs": [...], "summary": []}.
    on_run:    optional callback(run_dict) after each run.
    Returns the list of run dicts (each also written as run.json in its run dir).
    """
    bins = _binaries_list(binaries)
    if not bins:
        raise HarnessError("run_matrix: no binaries")
    for label, path in bins:
        if not os.access(path, os.X_OK):
            raise HarnessError("run_matrix: binary %s=%s is not executable" % (label, path))
    os.makedirs(os.path.join(outdir, "runs"), exist_ok=True)
    runs = []
    started = now_iso()
    for r in range(repeats):
        for sc in scenarios:
            sc = dict(sc)
            flow = sc.pop("flow", None)
            if not flow:
                raise HarnessError("scenario %r has no flow" % sc.get("name"))
            name = sc.get("name") or flow
            sc["name"] = name
            params = {k: v for k, v in sc.items() if k in DEFAULTS}
            only = sc.pop("binaries", None)   # restrict a scenario to some labels
            k = r % len(bins)
            for label, path in bins[k:] + bins[:k]:
                if only and label not in only:
                    continue
                rundir = os.path.join(outdir, "runs", "%s-%s-r%d" % (name, label, r))
                if os.path.exists(os.path.join(rundir, "run.json")):
                    os.rename(rundir, rundir + ".old-%d" % os.getpid())
                rec = run_flow(flow, make_scenario(**params), path, rundir=rundir, repeat=r,
                               progress=progress, verbose=verbose, qemu_label=label)
                runs.append(rec)
                if on_run:
                    on_run(rec)
                tmp = os.path.join(outdir, "results.json.tmp")
                with open(tmp, "w") as f:
                    json.dump({"started": started, "runs": runs, "summary": []}, f, indent=1, default=str)
                os.replace(tmp, os.path.join(outdir, "results.json"))
    return runs


def load_scenarios(path):
    """A scenario file: JSON list of scenario dicts (or {"title", "scenarios": [...]}).
    Returns (title, scenarios)."""
    with open(path) as f:
        data = json.load(f)
    if isinstance(data, dict):
        return data.get("title"), data.get("scenarios", [])
    return None, data


def bench(args):
    """`mx-e2e bench`: run a scenario file through run_matrix, then hand the
    results to report.py if it is there."""
    title, scenarios = load_scenarios(args.scenarios)
    bins = {}
    for spec in args.binary:
        if "=" not in spec:
            raise HarnessError("--binary wants LABEL=PATH, got %r" % spec)
        label, path = spec.split("=", 1)
        bins[label] = path
    runs = run_matrix(scenarios, bins, args.repeats, args.out, progress=args.progress, verbose=args.verbose)
    try:
        from . import report  # written by another helper
    except ImportError:
        report = None
    if report is not None and hasattr(report, "write_report"):
        if title:
            _set_title(os.path.join(args.out, "results.json"), title)
        report.write_report(os.path.join(args.out, "results.json"), args.out)
    return runs


def _set_title(results_path, title):
    with open(results_path) as f:
        data = json.load(f)
    data["title"] = title
    with open(results_path, "w") as f:
        json.dump(data, f, indent=1, default=str)


# The demo: what a user of `virsh migrate --live --copy-storage-all` does, with a guest
# that keeps writing RAM and disk and checks every page and block it wrote.
# Sized so that stock drive-mirror converges on a loaded 2-core machine: each random 4 KiB
# write dirties a whole 64 KiB mirror chunk (qcow2's cluster), 16x amplification.
DEMO_SCENARIO = dict(name="demo-storage-migration", mem_mb=512, ram_mb=256, ram_rate=32,
                     hot_frac=0.1, hot_share=0.9, disk_mb=512, bs=4096, disk_rate=1,
                     pattern="random", link_rate_mbit=1000, warmup_s=5.0)


def demo(args):
    """`mx-e2e demo`: live storage migration of a busy guest with qemu-mx between two
    network namespaces; live progress, summary, plots; exit 0 only if the guest verifier
    and the RAM oracle found nothing."""
    from . import report
    from .flows import guest_files
    from .util import DEFAULT_QEMU

    if not os.access(DEFAULT_QEMU, os.X_OK):
        raise HarnessError("qemu-mx is not built (%s): run `make`" % DEFAULT_QEMU)
    print("mx-e2e demo: guest kernel + verifying agent ...", flush=True)
    guest_files()
    sc = make_scenario(**DEMO_SCENARIO)
    print("mx-e2e demo: %d MiB guest dirtying %d MiB/s of RAM (10%% of it hot) and writing "
          "%d MiB/s of 4 KiB random blocks to a %d MiB qcow2 disk;\n"
          "             live migration with storage (NBD + blockdev-mirror, as libvirt "
          "--copy-storage-all)\n             over a %d Mbit/s veth link between two network "
          "namespaces, with %s" % (sc["mem_mb"], sc["ram_rate"], sc["disk_rate"],
                                   sc["disk_mb"], sc["link_rate_mbit"], DEFAULT_QEMU),
          flush=True)
    rec = run_flow("storage", sc, DEFAULT_QEMU, progress=args.progress, qemu_label="mx")
    if args.progress is not None:
        args.progress.end()
    print(report.format_summary(rec))
    paths = report.write_run_report(rec, rec["rundir"])
    print("mx-e2e demo: report %s" % " ".join(str(p) for p in paths))
    return 0 if rec["result"] == "ok" else 1
