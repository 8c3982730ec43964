#!/usr/bin/python3
"""Unit test of mxe2e/report.py on synthetic run records (2 binaries x 3 repeats).

    /usr/bin/python3 tests/mx-e2e/test_report.py
"""
import contextlib
import copy
import io
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mxe2e import report  # noqa: E402

MiB = 1024 * 1024


def make_run(qemu, repeat, total, wire_mib, cpu_src, oracle_diff=0, flow="ram", name="smoke"):
    tl = []
    steps = 10
    for i in range(steps + 1):
        t = total * i / steps
        tl.append({"t": round(t, 3), "status": "completed" if i == steps else ("setup" if i == 0 else "active"),
                   "ram_remaining": int(256 * MiB * (1 - i / steps)), "ram_transferred": 0,
                   "mbps": 900.0, "dirty_pages_rate": 100, "cpu_throttle_pct": 20 if i > 5 else 0,
                   "disk_len": 64 * MiB, "disk_offset": int(64 * MiB * i / steps),
                   "wire_bytes": int(wire_mib * MiB * i / steps)})
    guest = [{"t": t - 2.0, "ram_mibps": 16.0, "disk_mibps": 2.0, "disk_iops": 500.0,
              "side": "src" if t - 2.0 <= total else "dst"} for t in range(0, int(total) + 5)]
    run = {
        "flow": flow, "qemu": qemu, "qemu_binary": "/bin/" + qemu,
        "qemu_version": "QEMU emulator version 7.2.0", "repeat": repeat,
        "scenario": {"name": name, "ram_mb": 64, "link_rate_mbit": 1000, "accel": "tcg"},
        "started": "2026-01-01T00:00:00+00:00", "result": "failed" if oracle_diff else "ok",
        "error": ("oracle: %d of 65536 pages differ" % oracle_diff) if oracle_diff else None,
        "verdict": {"verifier": {"ram_bad": 0, "disk_bad": 0, "ram_ok": 100, "disk_ok": 100,
                                 "mismatches": [], "mismatch_count": 0},
                    "oracle": {"pages_compared": 65536, "pages_differing": oracle_diff,
                               "first_differences": [0x1000 * k for k in range(oracle_diff)][:32]}},
        "metrics": {"total_time_s": total, "downtime_ms": 100, "setup_time_ms": 2, "iterations": 3,
                    "ram_transferred_bytes": 140 * MiB, "disk_transferred_bytes": 64 * MiB,
                    "wire_bytes": wire_mib * MiB, "savevm_s": None, "loadvm_s": None, "state_bytes": None,
                    "cpu_s": {"src": {"total": cpu_src, "threads": {"CPU 0/TCG": cpu_src / 2, "live_migration": 0.5,
                                                                      "multifdsend_0": 0.1, "multifdsend_1": 0.2}},
                              "dst": {"total": 1.0, "threads": {"qemu-system-x86": 1.0}}}},
        "timeline": tl, "guest": guest, "rundir": "/tmp/%s-r%d" % (qemu, repeat)}
    return run


class ReportTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.runs = []
        for r, (ts, tm) in enumerate([(10.0, 5.0), (12.0, 6.0), (11.0, 7.0)]):
            self.runs.append(make_run("stock", r, ts, 400, 8.0 + r, oracle_diff=0))
            self.runs.append(make_run("mx", r, tm, 200, 4.0 + r, oracle_diff=(38, 0, 43)[r]))

    def tearDown(self):
        self.tmp.cleanup()

    def test_summarize_medians_ratios(self):
        ent, = report.summarize(self.runs)
        self.assertEqual((ent["scenario"], ent["flow"], ent["baseline"], ent["compare"]), ("smoke", "ram", "stock", "mx"))
        rows = {m["metric"]: m for m in ent["metrics"]}
        self.assertEqual(rows["total_time_s"]["median"], {"stock": 11.0, "mx": 6.0})
        self.assertAlmostEqual(rows["total_time_s"]["ratio"], 6.0 / 11.0)
        self.assertAlmostEqual(rows["wire_bytes"]["ratio"], 0.5)
        self.assertEqual(rows["cpu_src"]["median"], {"stock": 9.0, "mx": 5.0})
        self.assertAlmostEqual(rows["cpu_src_mig"]["median"]["mx"], 0.8)
        self.assertEqual(rows["total_time_s"]["n"], {"stock": 3, "mx": 3})
        self.assertNotIn("savevm_s", rows)
        self.assertEqual(ent["binaries"]["mx"]["median_repeat"], 1)      # 6.0 s
        probs = " ".join(ent["binaries"]["mx"]["problems"])
        self.assertIn("oracle: 2/3 runs differ (38, 43 pages)", probs)
        self.assertEqual(ent["binaries"]["stock"]["problems"], [])

    def test_bench_files(self):
        out = os.path.join(self.tmp.name, "bench")
        paths = report.write_bench_report(self.runs, out, "unit test")
        for p in paths:
            self.assertTrue(os.path.getsize(p) > 0, p)
        names = sorted(os.listdir(out))
        self.assertIn("results.json", names)
        self.assertIn("summary.md", names)
        self.assertIn("smoke-ram-compare.png", names)
        self.assertIn("smoke-ram-mx-timeline.png", names)
        self.assertIn("smoke-ram-stock-timeline.png", names)
        with open(os.path.join(out, "results.json")) as f:
            data = json.load(f)
        self.assertEqual(len(data["runs"]), 6)
        self.assertEqual(data["summary"][0]["scenario"], "smoke")
        with open(os.path.join(out, "summary.md")) as f:
            md = f.read()
        self.assertIn("| total time (s) | 11 | 6 | 0.545 | 3/3 |", md)
        self.assertIn("oracle: 2/3 runs differ (38, 43 pages)", md)
        self.assertIn("1/3 runs ok", md)
        # re-render from results.json (main entry point)
        out2 = os.path.join(self.tmp.name, "again")
        with contextlib.redirect_stdout(io.StringIO()):
            self.assertEqual(report.main([os.path.join(out, "results.json"), out2]), 0)
        self.assertTrue(os.path.exists(os.path.join(out2, "summary.md")))

    def test_run_summary_and_files(self):
        bad = self.runs[1]
        txt = report.format_summary(bad)
        self.assertIn("[FAIL] RAM oracle: 65536 pages compared, 38 differing", txt)
        self.assertIn("RESULT: FAIL", txt)
        self.assertIn("multifdsend_* (x2) 0.30", txt)
        good = report.format_summary(self.runs[0])
        self.assertIn("RESULT: PASS", good)
        self.assertIn("[PASS] verifier", good)
        paths = report.write_run_report(bad, os.path.join(self.tmp.name, "one"))
        self.assertEqual([os.path.basename(p) for p in paths], ["summary.md", "timeline.png"])
        with open(paths[0]) as f:
            self.assertIn("**FAIL** RAM oracle", f.read())

    def test_sparse_runs(self):
        """A failed run with no timeline/metrics, and a savevm run, must not break anything."""
        empty = {"flow": "ram", "qemu": "mx", "result": "failed", "error": "netem missing",
                 "scenario": {"name": "x"}, "verdict": {"verifier": None, "oracle": None},
                 "metrics": {"total_time_s": None, "cpu_s": {"src": None, "dst": None}},
                 "timeline": [], "guest": []}
        sv = copy.deepcopy(self.runs[0])
        sv.update(flow="savevm", timeline=[{"t": 0.0, "status": None}, {"t": 5.0, "status": None}])
        sv["metrics"].update(savevm_s=0.5, loadvm_s=0.8, downtime_ms=None, iterations=None)
        sv["scenario"]["run_between_s"] = 3.0
        self.assertIn("RESULT: FAIL", report.format_summary(empty))
        report.write_run_report(empty, os.path.join(self.tmp.name, "e"))
        report.write_run_report(sv, os.path.join(self.tmp.name, "s"))
        paths = report.write_bench_report([empty, sv, dict(sv, qemu="mx")], os.path.join(self.tmp.name, "b"), "t")
        self.assertTrue(any(p.endswith("summary.md") for p in paths))


if __name__ == "__main__":
    unittest.main()
