"""Measurement: 100 ms sampler of query-migrate / query-block-jobs / veth
counters / per-thread CPU, and the RAM oracle (page-by-page dump compare)."""

import os
import threading
import time

PAGE = 4096


class Sampler:
    """Background sampler; build the timeline per PROTOCOL.md."""

    def __init__(self, clock, src=None, dst=None, link=None, interval=0.1, on_sample=None, log=None):
        self.clock = clock
        self.src = src
        self.dst = dst
        self.link = link
        self.interval = interval
        self.on_sample = on_sample
        self.log = log or (lambda *a: None)
        self.timeline = []
        self.last_migrate = None
        self.last_jobs = []
        self.last_disk = None
        self.query_migrate = True
        self.query_jobs = True
        self.wire0 = link.wire_bytes() if link else 0
        self._stop = threading.Event()
        self._thread = None
        self.errors = 0
        self.final_wire = None

    def start(self):
        self._thread = threading.Thread(target=self._loop, name="sampler", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        """Stop sampling (idempotent): one final sample, and freeze wire bytes."""
        if self._stop.is_set():
            return
        self._stop.set()
        if self._thread:
            self._thread.join(10)
        self.sample_once()   # one final sample
        self.final_wire = self.wire_bytes()

    def wire_bytes(self):
        return (self.link.wire_bytes() - self.wire0) if self.link else 0

    def sample_once(self):
        t = round(self.clock(), 3)
        ent = {"t": t, "status": None, "ram_remaining": 0, "ram_transferred": 0, "mbps": 0.0,
               "dirty_pages_rate": 0, "cpu_throttle_pct": 0, "disk_len": 0, "disk_offset": 0,
               "wire_bytes": self.wire_bytes()}
        src = self.src
        if src is not None and src.alive() and src.qmp and not src.qmp.closed:
            try:
                if self.query_migrate:
                    m = src.qmp.cmd("query-migrate", timeout=5)
                    self.last_migrate = m
                    ent["status"] = m.get("status")
                    ram = m.get("ram") or {}
                    ent["ram_remaining"] = ram.get("remaining", 0)
                    ent["ram_transferred"] = ram.get("transferred", 0)
                    ent["mbps"] = ram.get("mbps", 0.0)
                    ent["dirty_pages_rate"] = ram.get("dirty-pages-rate", 0)
                    ent["cpu_throttle_pct"] = m.get("cpu-throttle-percentage", 0)
                    ent["dirty_sync_count"] = ram.get("dirty-sync-count", 0)
                    thr = m.get("cpu-throttle")
                    if thr:
                        ent["throttle_phase"] = thr.get("phase")
                    ent["ram_normal"] = ram.get("normal", 0)
                    comp = m.get("compression")
                    if comp:
                        ent["comp"] = {k: comp.get(k) for k in (
                            "method", "pages", "compressed-size", "uncompressed-size",
                            "bypassed", "cpu-bypassed", "bypass-active")}
                    qos = m.get("block-qos")
                    if qos:
                        # qemu-mx IO QoS: write limit of the running mirror jobs
                        ent["qos_limit"] = sum(q.get("limit", 0) for q in qos if q.get("active"))
                    disk = m.get("disk")
                    if disk:
                        self.last_disk = disk
                        ent["disk_len"] = disk.get("total", 0)
                        ent["disk_offset"] = disk.get("transferred", 0)
                if self.query_jobs:
                    jobs = src.qmp.cmd("query-block-jobs", timeout=5)
                    self.last_jobs = jobs
                    if jobs:
                        ent["disk_len"] = sum(j.get("len", 0) for j in jobs)
                        ent["disk_offset"] = sum(j.get("offset", 0) for j in jobs)
                        ent["job_status"] = jobs[0].get("status")
                        ent["job_ready"] = jobs[0].get("ready")
            except Exception as e:
                self.errors += 1
                if self.errors < 5:
                    self.log("sampler: %s", e)
        for side, vm in (("src", self.src), ("dst", self.dst)):
            if vm is not None:
                vm.sample_cpu()
                ent.setdefault("cpu", {})[side] = vm.cpu_now()
                ent.setdefault("cpu_groups", {})[side] = vm.cpu_groups()
        self.timeline.append(ent)
        if self.on_sample:
            try:
                self.on_sample(ent)
            except Exception:
                pass
        return ent

    def _loop(self):
        nxt = time.monotonic()
        while not self._stop.is_set():
            self.sample_once()
            nxt += self.interval
            d = nxt - time.monotonic()
            if d < 0:
                nxt = time.monotonic()
                d = 0
            self._stop.wait(d)


def compare_dumps(parts_a, parts_b, max_list=32):
    """Compare two RAM dumps (lists of (gpa, len, path) from VM.pmemsave),
    page by page.  Returns the oracle verdict dict."""
    compared = 0
    differing = 0
    first = []
    chunk = 1 << 20
    for (gpa, ln, pa), (gpb, lnb, pb) in zip(parts_a, parts_b):
        assert gpa == gpb and ln == lnb
        with open(pa, "rb") as fa, open(pb, "rb") as fb:
            off = 0
            while off < ln:
                a = fa.read(chunk)
                b = fb.read(chunk)
                if len(a) != len(b):
                    raise RuntimeError("RAM dumps of different sizes (%s, %s)" % (pa, pb))
                if not a:
                    break
                n = len(a) // PAGE
                compared += n
                if a != b:
                    for i in range(n):
                        s = i * PAGE
                        if a[s:s + PAGE] != b[s:s + PAGE]:
                            differing += 1
                            if len(first) < max_list:
                                first.append(gpa + off + s)
                off += len(a)
    return {"pages_compared": compared, "pages_differing": differing,
            "first_differences": first}


def remove_dumps(*parts_lists):
    for parts in parts_lists:
        for _, _, p in parts or []:
            try:
                os.unlink(p)
            except OSError:
                pass
