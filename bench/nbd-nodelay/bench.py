#!/usr/bin/env python3
"""NBD server TCP_NODELAY: small pipelined requests to a QEMU NBD export.

The destination of libvirt's storage migration, as libvirt sets it up:
QEMU started with -incoming defer, nbd-server-start (TCP) and a writable block-export-add of a raw
image (on /dev/shm, so that storage is not what is measured).  The client
is the same stock qemu-img for every row (`qemu-img bench` over nbd://),
so only the server differs.  Rows: stock Debian QEMU, qemu-mx, qemu-mx
with -global migration.mx-nbd-server-nodelay=off; interleaved, the order
rotated each repeat.  Per cell: requests a second, and the destination
QEMU's CPU-seconds per thread (main loop, the export's iothread, others).

  bench.py --binary stock=PATH --binary mx=PATH [--repeats 3] [--out DIR]
"""
import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

CELLS = [  # name, request size, in flight, requests
    ("4k-d16", "4k", 16, 4000),
    ("64k-d16", "64k", 16, 2000),
    ("4k-d1", "4k", 1, 4000),
]


TOP = os.path.realpath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(TOP, "tests", "mx-e2e"))
from mxe2e.benchio import cpu_s  # noqa: E402
from mxe2e.qmp import QMP  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def thread_cpu(pid):
    """CPU-seconds of the main thread, the iothreads and the other threads."""
    out = {}
    for name, cpu in cpu_s(pid)[1].items():
        group = ("main" if name.startswith("qemu-system") else
                 "iothread" if name.startswith("IO ") else "other")
        out[group] = out.get(group, 0.0) + cpu
    return out


def run_cell(qemu, extra, img, cell, tmp):
    name, size, depth, count = cell
    port = free_port()
    qsock = os.path.join(tmp, "qmp.sock")
    p = subprocess.Popen([qemu, "-M", "none", "-nodefaults", "-display", "none",
                          "-name", "dst,debug-threads=on", "-incoming", "defer",
                          "-qmp", "unix:%s,server=on,wait=off" % qsock] + extra,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        q = QMP.connect(qsock)
        q.cmd("blockdev-add", {"driver": "raw", "node-name": "d0",
                               "file": {"driver": "file", "filename": img}})
        q.cmd("nbd-server-start", {"addr": {"type": "inet",
                                            "data": {"host": "127.0.0.1", "port": str(port)}}})
        q.cmd("block-export-add", {"type": "nbd", "id": "e0", "node-name": "d0",
                                   "writable": True, "name": "d0"})
        c0 = thread_cpu(p.pid)
        t0 = time.monotonic()
        subprocess.run(["qemu-img", "bench", "-w", "-n", "-c", str(count), "-d", str(depth),
                        "-s", size, "-S", "65536", "-f", "raw", "nbd://127.0.0.1:%d/d0" % port],
                       check=True, stdout=subprocess.DEVNULL)
        dt = time.monotonic() - t0
        c1 = thread_cpu(p.pid)
        q.cmd("quit")
        q.close()
        cpu = {k: c1.get(k, 0) - c0.get(k, 0) for k in set(c0) | set(c1)}
        return {"cell": name, "seconds": dt, "rps": count / dt, "cpu": cpu}
    finally:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", action="append", required=True)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", default="bench/results/nbd-nodelay/micro")
    a = ap.parse_args()
    bins = dict(b.split("=", 1) for b in a.binary)
    rows = [("stock", bins["stock"], []), ("qemu-mx", bins["mx"], []),
            ("qemu-mx nodelay off", bins["mx"], ["-global", "migration.mx-nbd-server-nodelay=off"])]
    os.makedirs(a.out, exist_ok=True)
    res = []
    with tempfile.TemporaryDirectory(dir="/dev/shm") as tmp:
        img = os.path.join(tmp, "d.raw")
        subprocess.run(["qemu-img", "create", "-q", "-f", "raw", img, "512M"], check=True)
        for rep in range(a.repeats):
            order = rows[rep % len(rows):] + rows[:rep % len(rows)]
            for cell in CELLS:
                for label, qemu, extra in order:
                    r = run_cell(qemu, extra, img, cell, tmp)
                    r.update(row=label, repeat=rep)
                    res.append(r)
                    print("%-20s %-8s r%d %8.0f req/s" % (label, cell[0], rep, r["rps"]), file=sys.stderr)
    with open(os.path.join(a.out, "results.json"), "w") as f:
        json.dump(res, f, indent=1)
    lines = ["| cell | row | req/s (median of %d) | vs stock | dst CPU-s per 1000 req: main / iothread / other |" % a.repeats,
             "|---|---|---|---|---|"]
    for cell in CELLS:
        base = statistics.median(r["rps"] for r in res if r["cell"] == cell[0] and r["row"] == "stock")
        for label, _, _ in rows:
            rs = [r for r in res if r["cell"] == cell[0] and r["row"] == label]
            rps = statistics.median(r["rps"] for r in rs)
            n = cell[3] / 1000.0
            cpu = [statistics.median(r["cpu"].get(g, 0) for r in rs) / n for g in ("main", "iothread", "other")]
            lines.append("| %s | %s | %.0f | %.2fx | %.3f / %.3f / %.3f |" % (cell[0], label, rps, rps / base, *cpu))
    md = "\n".join(lines) + "\n"
    with open(os.path.join(a.out, "micro.md"), "w") as f:
        f.write(md)
    print(md)


if __name__ == "__main__":
    main()
