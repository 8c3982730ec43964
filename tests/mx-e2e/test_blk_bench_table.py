#!/usr/bin/python3
"""Unit test of tests/mx-e2e/blk-bench-table (issue 9's benchmarks 2 and 3) on
synthetic run records: medians over held/converged runs only, ratios against
stock 1M, disk bytes of a blk run = link bytes less RAM bytes.

    /usr/bin/python3 tests/mx-e2e/test_blk_bench_table.py
"""
import contextlib
import importlib.machinery
import importlib.util
import io
import json
import os
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
_loader = importlib.machinery.SourceFileLoader("blk_bench_table", os.path.join(HERE, "blk-bench-table"))
_spec = importlib.util.spec_from_loader("blk_bench_table", _loader)
bbt = importlib.util.module_from_spec(_spec)
_loader.exec_module(bbt)

MiB = 2 ** 20


def scan_run(qemu, bs, r, cpu_s, passes, held=True, result="ok"):
    return {"flow": "blk", "qemu": qemu, "repeat": r, "result": result, "error": None,
            "scenario": {"name": "scan-4K" if bs == 4096 else "scan-1M",
                         "parameters": {"mig-block-size": bs} if bs else {}},
            "metrics": {}, "dirty_hold": {"held": held, "window_s": 20.0, "passes": passes,
                                          "passes_per_s": passes / 20.0, "mig_thread_cpu_s": cpu_s,
                                          "cpu_per_s": cpu_s / 20.0,
                                          "cpu_per_pass_us": cpu_s / passes * 1e6,
                                          "wire_bytes": 5 * MiB, "ram_bytes": MiB}}


def conv_run(qemu, flow, r, converged, total, wire, ram=None, disk=None, downtime=None):
    return {"flow": flow, "qemu": qemu, "repeat": r, "result": "ok", "error": None,
            "scenario": {"name": "conv-" + flow},
            "metrics": {"converged": converged, "total_time_s": total, "wire_bytes": wire,
                        "ram_transferred_bytes": ram, "disk_transferred_bytes": disk,
                        "downtime_ms": downtime}}


def table(kind, runs):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump({"runs": runs}, f)
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            bbt.main([kind, f.name])
    finally:
        os.unlink(f.name)
    return out.getvalue()


def row(text, first):
    """The row of the medians table (after the line "Medians...") whose first cell is first."""
    for line in text.split("\nMedians", 1)[1].splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if cells and cells[0] == first:
            return cells
    raise AssertionError("no row %r in\n%s" % (first, text))


class ScanTable(unittest.TestCase):
    def test_medians_and_ratios(self):
        runs = []
        for r in range(3):
            runs.append(scan_run("stock", None, r, cpu_s=[0.50, 0.60, 0.55][r], passes=200))
            runs.append(scan_run("mx", None, r, cpu_s=[0.03, 0.02, 0.04][r], passes=200))
            runs.append(scan_run("mx", 4096, r, cpu_s=0.02, passes=200))
        # a run whose phase was not held open must not count
        runs.append(scan_run("mx", None, 3, cpu_s=5.0, passes=200, held=False))
        t = table("scan", runs)
        st = row(t, "stock 1M")
        self.assertEqual(st[2], "2750")           # 0.55 s / 200 passes
        self.assertEqual(st[4], "1.000")
        mx = row(t, "mx 1M")
        self.assertEqual(mx[2], "150")            # median 0.03 s / 200, the unheld run left out
        self.assertEqual(mx[4], "0.055")          # 150 / 2750
        self.assertEqual(mx[6], "4/4")
        self.assertEqual(row(t, "mx 4K")[4], "0.036")
        self.assertIn("| 4.0 |", t)               # disk MiB in the window: link less RAM


class ConvTable(unittest.TestCase):
    def test_converged_counts_and_disk_bytes(self):
        runs = [conv_run("stock", "blk", r, False, 75.0, 9000 * MiB, ram=100 * MiB) for r in range(3)]
        runs += [conv_run("mx", "blk", r, True, [20.0, 30.0, 25.0][r], 200 * MiB, ram=150 * MiB,
                          downtime=[100, 300, 200][r]) for r in range(3)]
        runs += [conv_run("mx", "storage", 0, True, 40.0, 300 * MiB, ram=100 * MiB, disk=900 * MiB,
                          downtime=50)]
        capped = conv_run("stock", "storage", 0, False, 75.0, 2000 * MiB, disk=2500 * MiB)
        capped["mirror_end_event"] = {"event": "BLOCK_JOB_CANCELLED",
                                      "data": {"len": 2800 * MiB, "offset": 2500 * MiB}}
        runs.append(capped)
        t = table("conv", runs)
        # a capped mirror: all link bytes are disk, and its backlog is len - offset
        self.assertIn("| conv-storage | stock | 0 | no | 75.0 | - | - | 2000 | 2500 | 300 | 2000 |", t)
        st = row(t, "conv-blk")
        self.assertEqual(st[1:3], ["stock", "0/3"])
        self.assertEqual(st[3], "75.0 (cap)")
        self.assertEqual(st[4], "8900")           # link less RAM bytes
        lines = [l for l in t.split("\nMedians", 1)[1].splitlines() if l.startswith("| conv-blk | mx |")]
        self.assertEqual(len(lines), 1)
        cells = [c.strip() for c in lines[0].strip("|").split("|")]
        self.assertEqual(cells[3:7], ["25.0", "50", "200", "200"])
        # the mirror job's offset (900: zero areas too) is not what the link carried
        self.assertIn("| conv-storage | mx | 1/1 | 40.0 | 200 |", t)
        self.assertIn("| 200 | 900 | - | 300 |", t)


if __name__ == "__main__":
    unittest.main()
