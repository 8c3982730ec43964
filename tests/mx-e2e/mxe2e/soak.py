"""`mx-e2e soak`: many migrations of one guest, every one checked (issue 11 item 4,
docs/mx/reliability.md "Soak").

One guest boots once and then moves back and forth between the two network
namespaces ("ping-pong"): migration i goes from the VM that currently runs the
guest to a fresh destination QEMU on the other side.  After EVERY migration:

  1. the source is in postmigrate, the destination (started with -S) paused;
  2. RAM oracle: pmemsave of both, compared page by page: 0 pages may differ;
  3. the old source quits, the destination runs the guest, the agent's full
     VERIFY of every RAM page and disk block must be clean, and no MX MISMATCH
     line may have appeared on either console (the agent verifies in the
     background all the time);
  4. the workload resumes and the next migration starts from there.

The savevm flow saves and loads the same VM instead (HMP savevm/loadvm, every
other round the QMP snapshot-save/-load jobs): oracle before save vs after load,
VERIFY after load.

Features (`--features`, comma-separated; `mx` = every one that applies to the
flow, `none` = the harness's defaults only, which a stock QEMU accepts):
  tcp-user-timeout  tcp-user-timeout 20000 on both ends (the source uses it)
  staged            capability auto-converge + cpu-throttle-policy staged
  multifd-lz4       ram: every third migration (i % 3 == 1) multifd, 2 channels, lz4
  lz4-threads       ram: every third migration (i % 3 == 2) compress threads (2 + 2), lz4
  blk-4k            blk: mig-block-size 4096 (dirty runs at 4 KiB), random writes
  ram-slice         blk: ram-time-slice -1 (auto)
  nbd-multiconn     storage: every third mirror (i % 3 == 1) with mx-connections 2
  granularity       storage: every third mirror (i % 3 == 2) with an explicit
                    granularity of 65536 (the others: qemu-mx's default rule, 4 KiB)
  snapshot-jobs     savevm: odd rounds use snapshot-save / snapshot-load jobs
qemu-mx's defaults are on anyway: hot-segment deferral (ram-delay-save-percent
30), block IO QoS, the mirror's 4 KiB default granularity, the switchover settle.

The first failure stops the soak: a `FAIL soak-<flow>` line, the run directory
with every QEMU's log and console kept, results.json/results.md written.  Every
migration has its own timeout (a SIGALRM watchdog on top of every wait's own);
namespaces, QEMUs and /dev/shm files go on every exit path (the harness's
cleanup registry, also on SIGINT/SIGTERM).

Negative control: `--corrupt-at K` writes 0x5a over one working-set RAM page of
the destination (through its memory-backend-file) after migration K completed
and before the oracle: the oracle and the verifier must both report it, and the
soak FAIL at K.  A stock 7.2 source with a hot TCG workload fails the same way
without help (docs/mx/tcg-dirty-tracking.md).
"""

import json
import os
import signal
import statistics
import threading
import time
import traceback

from . import measure
from .flows import (FlowRun, make_scenario, guest_files, resolve_accel, MIG_PORT, NBD_PORT,
                    NBD_EXPORT, NBD_NODE, RAW_NODE, MIRROR_JOB, LIBVIRT_MAX_SPEED,
                    _snapshot_state_bytes, _run_job)
from .netns import LinkPair
from .util import HarnessError, now_iso, install_signal_handlers

SOAK_FLOWS = ("ram", "blk", "storage", "savevm")
FEATURES = {
    "ram": ("tcp-user-timeout", "staged", "multifd-lz4", "lz4-threads"),
    "blk": ("tcp-user-timeout", "staged", "blk-4k", "ram-slice"),
    "storage": ("tcp-user-timeout", "staged", "nbd-multiconn", "granularity"),
    "savevm": ("snapshot-jobs",),
}
ALL_FEATURES = sorted({f for fs in FEATURES.values() for f in fs})

# The soak's guest: small, busy, and every migration unshaped (no bandwidth cap
# beyond the flow's own needs), so that 50 migrations per flow fit in minutes.
BASE = dict(mem_mb=256, ram_mb=64, ram_rate=16, disk_mb=128, bs=4096, disk_rate=2,
            link_rate_mbit=0, max_bandwidth="unlimited", warmup_s=2.0, run_between_s=2.0,
            flow_timeout_s=180, boot_timeout_s=180)
FLOW_BASE = {"ram": {"disk_mb": 32}}


class SoakFail(Exception):
    """A migration of the soak failed its verdict."""


class _Watchdog(BaseException):
    """The per-migration timeout (a BaseException: no harness `except Exception`
    may swallow it)."""
    pass


def _alarm(signum, frame):
    raise _Watchdog()


def resolve_features(flow, spec):
    if spec in (None, "", "mx", "all"):
        return list(FEATURES[flow])
    if spec == "none":
        return []
    out = []
    for f in spec.split(","):
        f = f.strip()
        if f not in ALL_FEATURES:
            raise HarnessError("unknown soak feature %r (one of %s, or mx / none)"
                               % (f, ", ".join(ALL_FEATURES)))
        if f not in FEATURES[flow]:
            raise HarnessError("feature %s does not apply to the %s flow (%s)"
                               % (f, flow, ", ".join(FEATURES[flow])))
        out.append(f)
    return out


def migration_setup(flow, feats, i):
    """What migration i sets: (caps, params for both ends, src-only params,
    mirror options, a label).  Every capability the soak touches is set
    explicitly on both ends every time: a VM that was the destination of the
    last migration keeps its capabilities."""
    caps = {"events": True, "block": flow == "blk", "return-path": flow == "storage",
            "late-block-activate": False, "pause-before-switchover": False,
            "auto-converge": False, "multifd": False, "compress": False}
    params, src_params, mirror = {}, {}, {}
    labels = []
    if "tcp-user-timeout" in feats:
        params["tcp-user-timeout"] = 20000
    if "staged" in feats:
        caps["auto-converge"] = True
        src_params["cpu-throttle-policy"] = "staged"
    if "multifd-lz4" in feats:
        params["multifd-compression"] = "none"
    if "lz4-threads" in feats:
        params["compress-method"] = "zlib"
    if "multifd-lz4" in feats and i % 3 == 1:
        caps["multifd"] = True
        params.update({"multifd-channels": 2, "multifd-compression": "lz4"})
        labels.append("multifd-lz4")
    if "lz4-threads" in feats and i % 3 == 2:
        caps["compress"] = True
        params.update({"compress-threads": 2, "decompress-threads": 2, "compress-method": "lz4"})
        labels.append("lz4-threads")
    if "blk-4k" in feats:
        params["mig-block-size"] = 4096
    if "ram-slice" in feats:
        src_params["ram-time-slice"] = -1
    if "nbd-multiconn" in feats and i % 3 == 1:
        mirror["mx-connections"] = 2
        labels.append("nbd-2conn")
    if "granularity" in feats and i % 3 == 2:
        mirror["granularity"] = 65536
        labels.append("gran-64k")
    return caps, params, src_params, mirror, labels


class _ThrottlePoll:
    """The highest cpu-throttle-percentage of a running migration (query-migrate
    every 0.25 s in a thread; QEMU reports it only while the migration is active)."""

    def __init__(self, vm):
        self.vm, self.max_pct, self._stop = vm, 0, threading.Event()
        self.thread = threading.Thread(target=self._loop, name="soak-throttle", daemon=True)
        self.thread.start()

    def _loop(self):
        while not self._stop.wait(0.25):
            try:
                q = self.vm.qmp.cmd("query-migrate", timeout=10)
            except Exception:
                return
            self.max_pct = max(self.max_pct, q.get("cpu-throttle-percentage") or 0)
            if q.get("status") in ("completed", "failed", "cancelled"):
                return

    def stop(self):
        self._stop.set()
        self.thread.join(5)


class Soak:
    def __init__(self, flow, count, qemu, out, features=None, scenario=None, corrupt_at=0,
                 command=None, verbose=False, echo=print):
        if flow not in SOAK_FLOWS:
            raise HarnessError("soak flow must be one of %s" % ", ".join(SOAK_FLOWS))
        self.flow, self.count, self.qemu, self.out = flow, count, qemu, out
        self.feats = resolve_features(flow, features)
        self.corrupt_at = corrupt_at
        self.echo = echo
        sc = dict(BASE, **FLOW_BASE.get(flow, {}))
        if flow == "blk" and "blk-4k" not in self.feats:
            # stock's 1 MiB dirty chunks never converge with random 4 KiB writes
            sc["pattern"] = "seq"
        sc.update(scenario or {})
        sc["name"] = "soak-" + flow
        self.sc = make_scenario(**sc)
        os.makedirs(out, exist_ok=True)
        self.fr = FlowRun(flow, self.sc, qemu, rundir=os.path.join(out, "run"), verbose=verbose)
        self.fr.record["soak"] = {"count": count, "features": self.feats}
        self.results = {"flow": flow, "count": count, "qemu": qemu,
                        "qemu_version": self.fr.record["qemu_version"], "features": self.feats,
                        "scenario": {k: self.sc[k] for k in ("mem_mb", "ram_mb", "ram_rate", "disk_mb",
                                                             "bs", "disk_rate", "pattern", "hot_frac",
                                                             "link_rate_mbit", "warmup_s")},
                        "command": command, "started": now_iso(), "corrupt_at": corrupt_at or None,
                        "rundir": self.fr.rundir, "migrations": [], "verdict": None}
        self.seq = 0
        self.mig_timeout = float(self.sc["flow_timeout_s"])

    # -- helpers -----------------------------------------------------------
    def log(self, *a):
        self.fr.log(*a)

    def shm_dump(self, what):
        return "/dev/shm/mx-e2e-%d-soak-%s.bin" % (os.getpid(), what)

    def new_vm(self, side, disk, incoming):
        self.seq += 1
        name = "vm%03d%s" % (self.seq, side[0])
        return self.fr.new_vm(name, self.qemu, side, disk, incoming=incoming, paused=incoming,
                              shm=bool(self.corrupt_at))

    def drop_vm(self, vm):
        vm.stop()
        self.fr.vms.pop(vm.name, None)

    def disk_for(self, side):
        if not self.sc["disk_mb"]:
            return None
        self.seq_disk = getattr(self, "seq_disk", 0) + 1
        return self.fr.create_disk("disk%03d-%s" % (self.seq_disk, side))

    def remove_disk(self, path):
        """The old source's image, in the background (unlinking a written image
        takes seconds on this machine's busy disk)."""
        if not path or self.sc["keep_disks"]:
            return

        def rm():
            try:
                os.unlink(path)
            except OSError:
                pass
        threading.Thread(target=rm, name="soak-rm", daemon=True).start()

    def max_bandwidth(self):
        mb, rate = self.sc["max_bandwidth"], self.sc["link_rate_mbit"]
        if mb == "unlimited" or (mb == "link" and not rate):
            return int(1e12)
        if mb == "link":
            return int(rate * 1e6 / 8)
        return int(float(mb) * 1e6)

    def set_caps(self, vm, caps):
        vm.qmp.cmd("migrate-set-capabilities",
                   capabilities=[{"capability": k, "state": bool(v)} for k, v in caps.items()])

    def set_params(self, vm, params):
        if params:
            vm.qmp.cmd("migrate-set-parameters", params)

    def pick_page(self, vm):
        """A working-set page to corrupt (negative control): its guest frame."""
        vm.serial.pfns = []
        line = vm.guest_cmd("PFN 8", ("MX OK PFN", "MX ERR PFN"), timeout=30)
        if line.startswith("MX ERR") or not vm.serial.pfns:
            raise HarnessError("guest PFN command failed: %s" % line)
        idx, pfn = max(vm.serial.pfns)
        return {"ram_page": idx, "ram_pfn": pfn, "ram_gpa": pfn * 4096}

    def corrupt(self, vm, c):
        with open(vm.shm_path, "r+b") as f:
            f.seek(c["ram_gpa"])
            f.write(b"\x5a" * 4096)
        self.log("negative control: corrupted RAM page %s on %s", c, vm.name)

    def oracle(self, a, b, names):
        for vm in (a, b):
            st = vm.status()
            if st == "running":
                raise HarnessError("oracle: %s is running (must be stopped)" % vm.name)
        pa = a.pmemsave(self.shm_dump(names[0]))
        pb = b.pmemsave(self.shm_dump(names[1]))
        try:
            return measure.compare_dumps(pa, pb)
        finally:
            measure.remove_dumps(pa, pb)

    def verify(self, vm, mark=0, since_src=None):
        """Full VERIFY on vm (it runs the guest now); returns the verifier verdict:
        VERIFY-DONE's counts and every MX MISMATCH line vm printed from line `mark`
        on (plus since_src: the old source's lines during the migration)."""
        sc = self.sc
        timeout = 120 + 2 * (sc["disk_mb"] or 0) * (4096.0 / max(sc["bs"], 4096)) + sc["ram_mb"] / 2.0
        t = time.monotonic()
        done = vm.verify(timeout)
        mism = list(vm.serial.mismatches[mark:])
        if since_src is not None:
            mism += since_src
        return {"ram_bad": done.get("ram_bad", 0), "disk_bad": done.get("disk_bad", 0),
                "ram_ok": done.get("ram_ok", 0), "disk_ok": done.get("disk_ok", 0),
                "mismatch_count": len(mism), "mismatches": mism[:20],
                "verify_s": round(time.monotonic() - t, 3)}

    @staticmethod
    def verifier_ok(v):
        return not (v["ram_bad"] or v["disk_bad"] or v["mismatch_count"])

    # -- the run -----------------------------------------------------------
    def run(self):
        install_signal_handlers()
        fr = self.fr
        old = signal.signal(signal.SIGALRM, _alarm)
        rc = 1
        try:
            fr.guest = guest_files(log=fr.log)
            fr.accel = resolve_accel(self.sc["accel"], self.qemu, fr.log)
            if self.flow == "savevm":
                self.run_savevm()
            else:
                self.run_migrations()
            rc = 0
            self.results["verdict"] = "PASS"
        except SoakFail as e:
            self.results["verdict"] = "FAIL"
            self.results["error"] = str(e)
        except _Watchdog:
            self.results["verdict"] = "FAIL"
            self.results["error"] = ("migration %d: per-migration timeout (%ss) in phase %s" % (
                self.cur_i, self.mig_timeout, fr.phase)) if self.cur_i else \
                "boot: timeout (%ss)" % (self.sc["boot_timeout_s"] + 30)
            self.results["error"] = self.fail_record(self.results["error"])
        except (KeyboardInterrupt, SystemExit):
            self.results["verdict"] = "INTERRUPTED"
            self.results["error"] = "interrupted in migration %d" % getattr(self, "cur_i", 0)
            raise
        except Exception as e:
            fr.log("ERROR: %s\n%s", e, traceback.format_exc())
            msg = str(e) if isinstance(e, HarnessError) else "%s: %s" % (type(e).__name__, e)
            for vm in list(fr.vms.values()):
                if vm.proc is not None and not vm.alive():
                    msg += "\n" + vm.log_tail(8)
            self.results["verdict"] = "FAIL"
            self.results["error"] = "migration %d (phase %s): %s" % (getattr(self, "cur_i", 0),
                                                                    fr.phase, msg)
            self.results["error"] = self.fail_record(self.results["error"])
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)
            fr.record["result"] = "ok" if rc == 0 else "failed"
            fr.record["error"] = self.results.get("error")
            try:
                fr.finish()
            finally:
                for what in ("a", "b", "pre", "post"):
                    for fn in (self.shm_dump(what),):
                        if os.path.exists(fn):
                            os.unlink(fn)
                self.write_results()
        s = self.results["summary"]
        if rc == 0:
            self.echo("PASS soak-%s: %d of %d %s, oracle 0 pages differing, verifier clean "
                      "(median %.1fs; %s)" % (self.flow, s["passed"], self.count,
                                              "save + load rounds" if self.flow == "savevm"
                                              else "migrations", s["median_s"] or 0, self.out))
        else:
            self.echo("FAIL soak-%s: %s (%d passed before; logs in %s)" % (
                self.flow, self.results["error"].replace("\n", " | "), s["passed"], fr.rundir))
        return rc

    def fail_record(self, why):
        """A migration that ended in an exception: its record, and the error text
        with the oracle's verdict first when the oracle had already found a
        difference (a guest resumed on stale RAM may hang the verifier next)."""
        m = getattr(self, "cur", None)
        if m is None or m.get("result") is not None:
            return why
        o = m.get("oracle") or {}
        if o.get("pages_differing"):
            why = "migration %d: oracle: %d of %d pages differ (first at %s); then %s" % (
                m["i"], o["pages_differing"], o["pages_compared"],
                ", ".join("0x%x" % a for a in o["first_differences"][:4]), why)
        m["result"] = "FAIL"
        m["error"] = why
        self.results["migrations"].append(m)
        return why

    def arm(self, i):
        """Start migration i's watchdog (i = 0: the guest's boot, with the boot timeout)."""
        self.cur_i = i
        signal.setitimer(signal.ITIMER_REAL, self.mig_timeout if i else
                         float(self.sc["boot_timeout_s"]) + 30.0)

    def done(self, m):
        signal.setitimer(signal.ITIMER_REAL, 0)
        self.results["migrations"].append(m)
        self.write_results()
        ok = m["result"] == "PASS"
        v = m.get("verifier")
        if self.flow == "savevm":
            what = "save %ss + load %ss, state %s" % (m.get("savevm_s"), m.get("loadvm_s"),
                                                     _mib(m.get("state_bytes")))
        else:
            what = "%s in %.1fs, downtime %s ms, RAM %s, disk %s" % (
                m.get("status"), m.get("time_s") or 0, m.get("downtime_ms"),
                _mib(m.get("ram_bytes")), _mib(m.get("disk_bytes")))
        self.echo("%s soak-%s #%d %s: %s, oracle %s differing, verifier %s%s" % (
                      "ok  " if ok else "FAIL", self.flow, m["i"], m.get("route", ""), what,
                      (m.get("oracle") or {}).get("pages_differing"),
                      "clean" if v and self.verifier_ok(v) else v,
                      " [%s]" % ",".join(m["labels"]) if m.get("labels") else ""))
        if not ok:
            raise SoakFail("migration %d: %s" % (m["i"], m["error"]))

    def judge(self, m):
        problems = []
        o = m.get("oracle")
        if o is None:
            problems.append("no oracle verdict")
        elif o["pages_differing"]:
            problems.append("oracle: %d of %d pages differ (first at %s)" % (
                o["pages_differing"], o["pages_compared"],
                ", ".join("0x%x" % a for a in o["first_differences"][:4])))
        v = m.get("verifier")
        if v is None:
            problems.append("no verifier verdict")
        elif not self.verifier_ok(v):
            problems.append("verifier: ram_bad=%d disk_bad=%d, %d MISMATCH lines (%s)" % (
                v["ram_bad"], v["disk_bad"], v["mismatch_count"], "; ".join(v["mismatches"][:3])))
        m["result"] = "FAIL" if problems else "PASS"
        m["error"] = "; ".join(problems) or None

    # -- migration flows (ram, blk, storage) --------------------------------
    def run_migrations(self):
        fr, sc, flow = self.fr, self.sc, self.flow
        fr.link = LinkPair(sc["link_rate_mbit"], sc["link_delay_ms"], log=fr.log)
        fr.link.up()
        fr.start_clock()
        disk = self.disk_for("src")
        self.shared = disk if flow == "ram" else None
        fr.set_phase("boot")
        self.arm(0)
        self.cur = None
        vm = self.new_vm("src", disk, incoming=False)
        vm.disk_path = disk
        line = vm.wait_ready(sc["boot_timeout_s"])
        self.log("guest: %s", line)
        signal.setitimer(signal.ITIMER_REAL, 0)
        time.sleep(sc["warmup_s"])
        for i in range(1, self.count + 1):
            vm = self.migrate_once(i, vm)

    def migrate_once(self, i, src):
        fr, sc, flow = self.fr, self.sc, self.flow
        self.arm(i)
        d_side = "dst" if src.side == "src" else "src"
        host = fr.link.dst_ip if d_side == "dst" else fr.link.src_ip
        caps, params, src_params, mirror, labels = migration_setup(flow, self.feats, i)
        m = self.cur = {"i": i, "route": "%s->%s" % (src.side, d_side), "labels": labels,
                        "started": now_iso(), "result": None}
        extra_caps, extra_params = dict(sc["capabilities"]), dict(sc["parameters"])
        corrupt = None
        if self.corrupt_at == i:
            corrupt = self.pick_page(src)
        fr.set_phase("m%d-destination" % i)
        disk = self.shared if flow == "ram" else self.disk_for(d_side)
        dst = self.new_vm(d_side, disk, incoming=True)
        dst.disk_path = disk
        dcaps = dict(caps, **extra_caps)
        if flow == "storage":
            dcaps["late-block-activate"] = True
        self.set_caps(dst, dcaps)
        self.set_params(dst, dict(params, **extra_params))
        uri = "tcp:%s:%d" % (host, MIG_PORT)
        if flow == "storage":
            dst.qmp.cmd("nbd-server-start", {"addr": {"type": "inet", "data": {
                "host": host, "port": str(NBD_PORT)}}})
            dst.qmp.cmd("block-export-add", {"type": "nbd", "id": "libvirt-nbd-node-drive0",
                                             "node-name": "node-drive0", "name": NBD_EXPORT,
                                             "writable": True})
        dst.qmp.cmd("migrate-incoming", uri=uri)
        scaps = dict(caps, **extra_caps)
        scaps["pause-before-switchover"] = flow == "storage"
        self.set_caps(src, scaps)
        sp = {"max-bandwidth": self.max_bandwidth(), "downtime-limit": int(sc["downtime_limit_ms"])}
        sp.update(params)
        sp.update(src_params)
        sp.update(extra_params)
        self.set_params(src, sp)
        src.qmp.clear_events()
        c0 = fr.link.counters()
        t0 = time.monotonic()
        if flow == "storage":
            fr.set_phase("m%d-mirror" % i)
            src.qmp.cmd("blockdev-add", dict({"driver": "nbd", "node-name": NBD_NODE,
                                              "read-only": False,
                                              "server": {"type": "inet", "host": host,
                                                         "port": str(NBD_PORT)},
                                              "export": NBD_EXPORT},
                                             **({"mx-connections": mirror["mx-connections"]}
                                                if "mx-connections" in mirror else {})))
            src.qmp.cmd("blockdev-add", {"driver": "raw", "node-name": RAW_NODE,
                                         "read-only": False, "file": NBD_NODE})
            src.qmp.cmd("blockdev-mirror", dict({
                "job-id": MIRROR_JOB, "device": "node-drive0", "target": RAW_NODE,
                "speed": LIBVIRT_MAX_SPEED, "sync": "full",
                "auto-finalize": True, "auto-dismiss": False},
                **({"granularity": mirror["granularity"]} if "granularity" in mirror else {})))
            ev = src.qmp.wait_event(("BLOCK_JOB_READY", "BLOCK_JOB_COMPLETED", "BLOCK_JOB_ERROR"),
                                    self.mig_timeout, alive=src.alive,
                                    match=lambda e: e["data"].get("device") == MIRROR_JOB)
            if ev["event"] != "BLOCK_JOB_READY":
                raise HarnessError("mirror did not become ready: %s" % ev)
            m["mirror_ready_s"] = round(time.monotonic() - t0, 3)
        fr.set_phase("m%d-migrate" % i)
        src_mark = len(src.serial.mismatches)
        t_mig = time.monotonic()
        src.qmp.cmd("migrate", uri=uri)
        poll = _ThrottlePoll(src)
        if flow == "storage":
            fr.wait_migration(src, self.mig_timeout, until=("pre-switchover",))
            t_cancel = time.monotonic()
            src.qmp.cmd("block-job-cancel", device=MIRROR_JOB)
            ev = src.qmp.wait_event(("BLOCK_JOB_COMPLETED", "BLOCK_JOB_CANCELLED"), self.mig_timeout,
                                    match=lambda e: e["data"].get("device") == MIRROR_JOB,
                                    alive=src.alive)
            if ev["data"].get("error") or ev["event"] != "BLOCK_JOB_COMPLETED":
                raise HarnessError("mirror ended with %s: %s" % (ev["event"], ev["data"]))
            m["disk_bytes"] = ev["data"].get("offset")
            # the guest is stopped from here to migrate-continue: part of the downtime
            m["mirror_cancel_s"] = round(time.monotonic() - t_cancel, 3)
            src.qmp.cmd("job-dismiss", id=MIRROR_JOB)
            src.qmp.cmd("blockdev-del", {"node-name": RAW_NODE})
            src.qmp.cmd("blockdev-del", {"node-name": NBD_NODE})
            src.qmp.cmd("migrate-continue", state="pre-switchover")
        try:
            q = fr.wait_migration(src, self.mig_timeout)
        finally:
            poll.stop()
        # the final query-migrate has no throttle figure: the highest one seen while active
        m["throttle_max_pct"] = poll.max_pct
        m["status"] = q.get("status")
        m["time_s"] = round(time.monotonic() - t0, 3)
        m["migration_s"] = round(time.monotonic() - t_mig, 3)
        m["qemu_total_time_ms"] = q.get("total-time")
        m["downtime_ms"] = q.get("downtime")
        ram = q.get("ram") or {}
        m["ram_bytes"] = ram.get("transferred")
        m["iterations"] = ram.get("dirty-sync-count")
        if q.get("disk"):
            m["disk_bytes"] = q["disk"].get("transferred")
        elif q.get("block-migration"):     # qemu-mx: blk's bulk + dirty bytes
            b = q["block-migration"]
            m["disk_bytes"] = (b.get("bulk-bytes") or 0) + (b.get("dirty-bytes") or 0)
        for k in ("compression", "hot-defer", "block-migration", "ram-slice", "block-qos",
                  "mirror-settle", "cpu-throttle"):
            if k in q:
                m[k] = q[k]
        st = src.status()
        if st != "postmigrate":
            raise HarnessError("source status after migration is %s, expected postmigrate" % st)
        dq = fr.wait_migration(dst, 120)
        c1 = fr.link.counters()
        m["wire_bytes"] = (c1["src"][1] - c0["src"][1]) + (c1["dst"][1] - c0["dst"][1])
        m["dst_status"] = dq.get("status")
        if flow == "storage":
            dst.qmp.cmd("nbd-server-stop")
        if corrupt:
            self.corrupt(dst, corrupt)
            m["negative_control"] = corrupt
        fr.set_phase("m%d-oracle" % i)
        m["oracle"] = self.oracle(src, dst, ("a", "b"))
        src_mism = src.serial.mismatches[src_mark:]
        # the old source goes; the guest runs on the destination and verifies
        self.drop_vm(src)
        if flow != "ram":
            self.remove_disk(src.disk_path)
        fr.set_phase("m%d-verify" % i)
        dst.send("PAUSE")
        dst.qmp.cmd("cont")
        m["verifier"] = self.verify(dst, since_src=src_mism)
        self.judge(m)
        self.done(m)
        dst.send("RESUME")
        time.sleep(sc["warmup_s"])
        return dst

    # -- savevm --------------------------------------------------------------
    def run_savevm(self):
        fr, sc = self.fr, self.sc
        if not sc["disk_mb"] or sc["disk_format"] != "qcow2":
            raise HarnessError("the savevm soak needs a qcow2 disk")
        fr.start_clock()
        disk = self.disk_for("src")
        fr.set_phase("boot")
        self.arm(0)
        self.cur = None
        vm = self.new_vm("src", disk, incoming=False)
        vm.wait_ready(sc["boot_timeout_s"])
        signal.setitimer(signal.ITIMER_REAL, 0)
        time.sleep(sc["warmup_s"])
        for i in range(1, self.count + 1):
            self.save_load_once(i, vm)

    def save_load_once(self, i, vm):
        fr, sc = self.fr, self.sc
        self.arm(i)
        jobs = "snapshot-jobs" in self.feats and i % 2 == 0
        tag = "soak%d" % i
        m = self.cur = {"i": i, "route": "save+load", "labels": ["snapshot-jobs"] if jobs else [],
                        "started": now_iso(), "result": None}
        corrupt = self.pick_page(vm) if self.corrupt_at == i else None
        mark = len(vm.serial.mismatches)
        T = self.mig_timeout

        def op(name):
            """save / load / delete of this round's snapshot; seconds taken"""
            t = time.monotonic()
            if jobs:
                args = {"tag": tag, "devices": ["node-drive0"]}
                if name != "delete":
                    args["vmstate"] = "node-drive0"
                _run_job(vm, "snapshot-" + name, args, "%s%d" % (name, i), T)
            else:
                out = vm.qmp.hmp("%svm %s" % ("del" if name == "delete" else name, tag),
                                 timeout=T, check=False)
                if out.strip():
                    raise HarnessError("%svm: %s" % (name, out.strip()))
            return round(time.monotonic() - t, 3)

        t0 = time.monotonic()
        fr.set_phase("s%d-save" % i)
        vm.qmp.cmd("stop")
        pre = vm.pmemsave(self.shm_dump("pre"))
        try:
            m["savevm_s"] = op("save")
            m["state_bytes"] = _snapshot_state_bytes(vm, tag)
            if vm.status() == "running":
                raise HarnessError("VM is running after save of a stopped VM")
            vm.qmp.cmd("cont")
            fr.set_phase("s%d-run" % i)
            time.sleep(sc["run_between_s"])
            fr.set_phase("s%d-load" % i)
            vm.qmp.cmd("stop")
            m["loadvm_s"] = op("load")
            m["status"] = "loaded"
            m["time_s"] = round(m["savevm_s"] + m["loadvm_s"], 3)
            if vm.status() == "running":
                raise HarnessError("VM is running after load into a stopped VM")
            if corrupt:
                self.corrupt(vm, corrupt)
                m["negative_control"] = corrupt
            fr.set_phase("s%d-oracle" % i)
            post = vm.pmemsave(self.shm_dump("post"))
            m["oracle"] = measure.compare_dumps(pre, post)
            measure.remove_dumps(post)
        finally:
            measure.remove_dumps(pre)
        m["wall_s"] = round(time.monotonic() - t0, 3)
        fr.set_phase("s%d-verify" % i)
        vm.send("PAUSE")
        vm.qmp.cmd("cont")
        m["verifier"] = self.verify(vm, mark=mark)
        self.judge(m)
        if m["result"] == "PASS":
            # the image keeps one snapshot at most: the delete is part of the round
            m["delete_s"] = op("delete")
            if _snapshot_state_bytes(vm, tag) is not None:
                m["result"], m["error"] = "FAIL", "snapshot %s still listed after its delete" % tag
        self.done(m)
        vm.send("RESUME")
        time.sleep(sc["warmup_s"])

    # -- results ---------------------------------------------------------------
    def write_results(self):
        migs = self.results["migrations"]
        ok = [m for m in migs if m["result"] == "PASS"]
        times = [m["time_s"] for m in ok if m.get("time_s") is not None]
        downs = [m["downtime_ms"] for m in ok if m.get("downtime_ms") is not None]
        self.results["summary"] = {
            "run": len(migs), "passed": len(ok), "failed": len(migs) - len(ok),
            "oracle_pages_differing": sum((m.get("oracle") or {}).get("pages_differing", 0)
                                          for m in migs),
            "verifier_bad": sum((m.get("verifier") or {}).get("ram_bad", 0) +
                                (m.get("verifier") or {}).get("disk_bad", 0) for m in migs),
            "mismatch_lines": sum((m.get("verifier") or {}).get("mismatch_count", 0) for m in migs),
            "median_s": round(statistics.median(times), 3) if times else None,
            "max_s": round(max(times), 3) if times else None,
            "median_downtime_ms": statistics.median(downs) if downs else None,
            "max_downtime_ms": max(downs) if downs else None,
        }
        self.results["finished"] = now_iso()
        path = os.path.join(self.out, "results.json")
        with open(path + ".tmp", "w") as f:
            json.dump(self.results, f, indent=1, default=str)
        os.replace(path + ".tmp", path)
        with open(os.path.join(self.out, "results.md"), "w") as f:
            f.write(format_md(self.results))


def _mib(b):
    return "-" if b is None else "%.1f MiB" % (b / 1048576.0)


def format_md(r):
    s = r.get("summary") or {}
    out = ["# Soak: %s flow, %s\n" % (r["flow"], r.get("verdict") or "running"), "",
           "- command: `%s`" % (r.get("command") or "-"),
           "- QEMU: %s (`%s`)" % (r.get("qemu_version"), r.get("qemu")),
           "- features: %s" % (", ".join(r["features"]) or "none (harness defaults)"),
           "- guest: %s" % ", ".join("%s=%s" % kv for kv in sorted(r["scenario"].items())),
           "- migrations: %s run, %s passed, %s failed; oracle pages differing in total: %s; "
           "verifier bad pages/blocks: %s, MISMATCH lines: %s" % (
               s.get("run"), s.get("passed"), s.get("failed"), s.get("oracle_pages_differing"),
               s.get("verifier_bad"), s.get("mismatch_lines")),
           "- time per migration (passed): median %s s, max %s s; downtime median %s ms, max %s ms"
           % (s.get("median_s"), s.get("max_s"), s.get("median_downtime_ms"), s.get("max_downtime_ms")),
           ]
    if r.get("error"):
        out.append("- **FAIL**: %s" % r["error"].replace("\n", " | "))
    out.append("- logs: `%s`" % r.get("rundir"))
    out += ["", "| # | route | extra | status | time s | downtime ms | RAM MiB | disk MiB | wire MiB "
            "| oracle differing | verifier | result |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for m in r["migrations"]:
        v = m.get("verifier")
        vs = "-" if not v else ("clean (%d+%d ok)" % (v["ram_ok"], v["disk_ok"])
                                if not (v["ram_bad"] or v["disk_bad"] or v["mismatch_count"])
                                else "ram_bad=%d disk_bad=%d lines=%d" % (
                                    v["ram_bad"], v["disk_bad"], v["mismatch_count"]))
        f = lambda b: "-" if b is None else "%.1f" % (b / 1048576.0)   # noqa: E731
        out.append("| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            m["i"], m.get("route"), ",".join(m.get("labels") or []) or "-", m.get("status", "-"),
            m.get("time_s", "-"), m.get("downtime_ms", "-"), f(m.get("ram_bytes")),
            f(m.get("disk_bytes")), f(m.get("wire_bytes")),
            (m.get("oracle") or {}).get("pages_differing", "-"), vs, m.get("result")))
    return "\n".join(out) + "\n"


def summary_table(results):
    """One markdown row per soak (a list of results.json dicts): the table of
    docs/mx/reliability.md "Soak"."""
    out = ["| flow | features | migrations run | passed | failed | oracle pages differing | "
           "verifier bad / MISMATCH lines | median time s (max) | median downtime ms (max) | "
           "wall min | verdict |",
           "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        s = r.get("summary") or {}
        wall = None
        try:
            import datetime
            t0 = datetime.datetime.fromisoformat(r["started"])
            t1 = datetime.datetime.fromisoformat(r["finished"])
            wall = round((t1 - t0).total_seconds() / 60.0, 1)
        except (KeyError, ValueError, TypeError):
            pass
        sc = r.get("scenario") or {}
        flow = r["flow"]
        if sc.get("link_rate_mbit"):
            flow += " (%s Mbit/s link, %s MiB/s dirtied)" % (sc["link_rate_mbit"], sc.get("ram_rate"))
        dt = lambda a, b: "-" if a is None else "%s (%s)" % (a, b)   # noqa: E731
        out.append("| %s | %s | %s | %s | %s | %s | %s / %s | %s | %s | %s | %s |" % (
            flow, ", ".join(r.get("features") or []) or "none", s.get("run"), s.get("passed"),
            s.get("failed"), s.get("oracle_pages_differing"), s.get("verifier_bad"),
            s.get("mismatch_lines"), dt(s.get("median_s"), s.get("max_s")),
            dt(s.get("median_downtime_ms"), s.get("max_downtime_ms")), wall,
            r.get("verdict")))
    return "\n".join(out) + "\n"
