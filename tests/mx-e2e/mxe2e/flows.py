"""The end-to-end flows: ram, storage, blk, savevm, snapshot (+ negative control).

Every flow:
  boots the guest agent, lets it work, runs the operation while sampling,
  checks the RAM oracle (dumps of the two memories, page by page) where it
  applies, resumes the guest where it will run on, asks the agent for a full
  VERIFY, and writes <rundir>/run.json per PROTOCOL.md.
"""

import json
import os
import shutil
import time
import traceback

from . import faults, measure
from .netns import LinkPair
from .util import (HarnessError, Timeout, Log, GUEST_DIR, E2E_DIR, RUNS_DIR, now_iso,
                   timestamp, run, install_signal_handlers)
from .vm import VM, READ_CAP_GROUP, qemu_version, qemu_kind, parse_kv

MIG_PORT = 4444
NBD_PORT = 10809
# storage flow: libvirt 9.0's names and values for the first disk (vda)
NBD_EXPORT = "drive-virtio-disk0"
NBD_NODE = "migration-vda-storage"
RAW_NODE = "migration-vda-format"
MIRROR_JOB = "drive-virtio-disk0"
LIBVIRT_MAX_SPEED = (((1 << 63) - 1) >> 20) << 20   # QEMU_DOMAIN_MIG_BANDWIDTH_MAX MiB/s in bytes
FLOW_NAMES = ("ram", "storage", "blk", "savevm", "snapshot", "libvirt")

DEFAULTS = {
    "name": None,
    "mem_mb": None,          # guest RAM; default max(256, ram_mb + 192)
    "ram_mb": 64,            # agent working set
    "ram_rate": 16,
    "hot_frac": 0.1,
    "hot_share": 0.9,
    "ram_entropy": 1.0,      # random share of each page the agent writes (rest: a repeated line)
    "disk_mb": 64,           # disk image size = region the agent uses; 0 = no disk
    "bs": 4096,
    "disk_rate": 2,
    "pattern": "random",      # disk writes: random | seq
    "ram_pattern": "random",  # RAM writes: random (hot/cold) | seq (a sweep)
    "verify_rate": 2000,
    "seed": 1,
    "link_rate_mbit": 1000,  # 0 = unshaped
    "link_delay_ms": 0,
    "accel": "tcg",
    "smp": 1,
    "disk_format": "qcow2",
    "cache": "none",
    "max_bandwidth": "link",  # "link" | "unlimited" | MB/s (number)
    "downtime_limit_ms": 300,
    "capabilities": {},       # extra migration capabilities {name: bool}
    "parameters": {},         # extra migrate-set-parameters {name: value}
    "qemu_args": [],          # extra QEMU command-line arguments, both sides (e.g. -trace)
    "src_parameters": {},     # ... on the source only (a feature the other end lacks)
    "dst_parameters": {},     # ... on the destination only
    "expect": "ok",           # migration flows: "ok", "fail" (must fail cleanly: source
                              # running again, destination never ran, verifier clean on
                              # the source) or "any" (either of the two)
    "warmup_s": 3.0,          # guest works this long after READY before the flow starts
    "run_between_s": 3.0,     # savevm/snapshot: guest runs between save and load
    "mirror_cancel": "pre-switchover",  # storage: when to block-job-cancel: "pre-switchover"
                              # (libvirt: pause-before-switchover, cancel, migrate-continue) or
                              # "after-completion" (cancel once the source is in postmigrate)
    "mirror_api": "blockdev-mirror",  # storage: libvirt 9.0's blockdev-add nbd + raw
                              # nodes, blockdev-mirror, job-dismiss, blockdev-del; or
                              # "drive-mirror" (target nbd: URI)
    "granularity": None,      # storage: explicit mirror granularity (None: QEMU's default)
    "ready_hold_s": 0.0,      # storage: keep the READY mirror running this long before
                              # migrate; NBD bytes vs guest bytes in that window give
                              # metrics.amplification
    "fault": None,            # {"what": ..., "at": ...} (mxe2e/faults.py): the migration
                              # must then fail cleanly (FlowRun.failed_cleanly), the audit
                              # find nothing left behind, and a second migration succeed
    "mirror_copy_mode": "background",  # storage: or "write-blocking" (active mirror, libvirt
                              # --copy-storage-synchronous-writes)
    "src_io_throttle": {},    # storage: block_set_io_throttle arguments for the source's
                              # drive0 before the mirror starts (a user's own limits; the
                              # query-block limits before and after the job are recorded)
    "src_read_cap_mibs": 0,   # slow source storage (issue 16 benchmark 2): the source
                              # image's reads capped at this many MiB/s by a throttle filter
                              # node under the format node (-object throttle-group x-bps-read),
                              # so the mirror's reads and the guest's share it; writes are not
                              # capped, the device has no limit of its own; lifted before a
                              # verification pass on the source
    "mirror_ready_cap_s": 0,  # storage: give up waiting for READY after this long (0: the
                              # flow timeout); the run then ends with converged=false, the
                              # mirror cancelled, the source guest verified
    "migration_cap_s": 0,     # ram/blk/storage: give up waiting for the migration to complete
                              # after this long (0: the flow timeout): migrate_cancel, the run
                              # ends with converged=false (query-migrate at the cap recorded),
                              # the source guest verified (a convergence benchmark, not a failure)
    "disk_image_mb": 0,       # disk image size, MiB, if larger than the agent's region
                              # disk_mb (0: disk_mb); e.g. a 64 GiB sparse qcow2 of which the
                              # guest uses the first 256 MiB
    "dirty_hold_s": 0.0,      # blk: once the bulk phase is over, keep the dirty phase open this
                              # long (max-bandwidth hold_max_bandwidth until then, which the
                              # guest's RAM dirtying outruns), then raise max-bandwidth so the
                              # migration completes; run.json "dirty_hold" has the migration
                              # thread's CPU and the dirty passes in the window
    "dirty_hold_settle_s": 3.0,  # blk: from the end of the bulk phase to the window's start
    "hold_max_bandwidth": 0,  # blk: max-bandwidth (MB/s) until the hold ends (0: the link's)
    "corrupt": False,         # negative control
    "oracle": True,
    "boot_timeout_s": 240,
    "flow_timeout_s": 900,    # migration / mirror / savevm each
    "keep_dumps": False,
    "keep_disks": False,      # disk images are removed after a passing run unless set
    "lv_ops": "migrate",      # libvirt flow: comma-separated snapshot | migrate | migrate-fail
                              # | migrate-shared
    "lv_mode": "p2p",         # libvirt flow: virsh migrate --p2p, or "client" (virsh drives
                              # both libvirtds itself, the default of plain virsh migrate)
}


def make_scenario(**kw):
    sc = dict(DEFAULTS)
    for k, v in kw.items():
        if k not in DEFAULTS:
            raise HarnessError("unknown scenario parameter %r" % k)
        if v is not None:
            sc[k] = v
    if not sc["mem_mb"]:
        sc["mem_mb"] = max(256, int(sc["ram_mb"]) + 192)
    sc["capabilities"] = dict(sc["capabilities"] or {})
    sc["parameters"] = dict(sc["parameters"] or {})
    sc["src_parameters"] = dict(sc["src_parameters"] or {})
    sc["dst_parameters"] = dict(sc["dst_parameters"] or {})
    sc["src_io_throttle"] = dict(sc["src_io_throttle"] or {})
    if sc["expect"] not in ("ok", "fail", "any"):
        raise HarnessError("expect must be ok, fail or any")
    return sc


def guest_files(build=True, log=None):
    k = os.path.join(GUEST_DIR, "vmlinuz")
    i = os.path.join(GUEST_DIR, "initramfs.cpio.gz")
    script = os.path.join(E2E_DIR, "guest", "build-guest.sh")
    # build-guest.sh is a no-op (0.2 s) when its inputs did not change, and
    # rebuilds the agent when its source did: never boot a stale agent
    if os.path.exists(k) and os.path.exists(i) and not (build and os.path.exists(script)):
        return k, i
    if not build or not os.path.exists(script):
        raise HarnessError("guest not built: %s and %s missing (run %s %s)" % (k, i, script, GUEST_DIR))
    if log:
        log("building guest: %s %s", script, GUEST_DIR)
    p = run(["bash", script, GUEST_DIR], check=False, timeout=1800)
    if p.returncode != 0 or not (os.path.exists(k) and os.path.exists(i)):
        raise HarnessError("build-guest.sh failed (rc=%d):\n%s" % (p.returncode, (p.stderr or p.stdout)[-3000:]))
    return k, i


_kvm_probe = {}


def probe_kvm(qemu, log=None):
    """True when a KVM guest boots the agent to READY here (cached per binary)."""
    if qemu in _kvm_probe:
        return _kvm_probe[qemu]
    ok = False
    if os.path.exists("/dev/kvm"):
        import tempfile
        d = tempfile.mkdtemp(prefix="mx-kvm-probe-")
        try:
            k, i = guest_files()
            vm = VM("probe", qemu, d, accel="kvm", kernel=k, initrd=i, mem_mb=256,
                    append_params={"ram_mb": 8, "disk": "none"}, log=log)
            try:
                vm.start()
                vm.wait_ready(timeout=40)
                ok = True
            except HarnessError:
                ok = False
            finally:
                vm.stop()
        finally:
            shutil.rmtree(d, ignore_errors=True)
    _kvm_probe[qemu] = ok
    return ok


def resolve_accel(accel, qemu, log=None):
    if accel == "tcg":
        return "tcg"
    ok = probe_kvm(qemu, log)
    if accel == "kvm":
        if not ok:
            raise HarnessError("--accel kvm: the KVM probe failed (KVM here cannot boot the guest); use tcg")
        return "kvm"
    return "kvm" if ok else "tcg"


# --------------------------------------------------------------------------

class FlowRun:
    """State of one flow run: rundir, log, clock, record, VMs, link, sampler."""

    def __init__(self, flow, scenario, qemu, dst_qemu=None, rundir=None, repeat=0,
                 progress=None, verbose=False, qemu_label=None):
        self.flow = flow
        self.sc = scenario
        self.qemu = qemu
        self.dst_qemu = dst_qemu or qemu
        if rundir is None:
            base = "%s-%s" % (timestamp(), flow)
            rundir = os.path.join(RUNS_DIR, base)
            k = 1
            while os.path.exists(rundir):
                k += 1
                rundir = os.path.join(RUNS_DIR, "%s-%d" % (base, k))
        os.makedirs(rundir, exist_ok=True)
        self.rundir = rundir
        self.log = Log(os.path.join(rundir, "harness.log"), verbose=verbose)
        self.progress_cb = progress
        self.phase = "init"
        self.t0 = time.monotonic()
        self.flow_started = False
        self.vms = {}
        self.link = None
        self.sampler = None
        self.guest_mibps = (0.0, 0.0)
        self.record = {
            "flow": flow,
            "qemu": qemu_label or qemu_kind(qemu),
            "qemu_binary": qemu,
            "qemu_version": qemu_version(qemu),
            "scenario": dict(scenario),
            "repeat": repeat,
            "started": now_iso(),
            "result": "failed",
            "error": None,
            "verdict": {"verifier": None, "oracle": None},
            "metrics": {
                "total_time_s": None, "downtime_ms": None, "setup_time_ms": None, "iterations": None,
                "ram_transferred_bytes": None, "disk_transferred_bytes": None, "wire_bytes": 0,
                "savevm_s": None, "loadvm_s": None, "state_bytes": None,
                "cpu_s": {"src": None, "dst": None},
            },
            "timeline": [],
            "guest": [],
            "rundir": rundir,
        }
        if self.dst_qemu != qemu:
            self.record["dst_qemu"] = qemu_kind(self.dst_qemu)
            self.record["dst_qemu_binary"] = self.dst_qemu
            self.record["dst_qemu_version"] = qemu_version(self.dst_qemu)
        self.record["scenario"].setdefault("name", None)
        if not self.record["scenario"]["name"]:
            self.record["scenario"]["name"] = flow

    # -- clock / progress -------------------------------------------------
    def clock(self):
        return time.monotonic() - self.t0

    def start_clock(self):
        """t = 0: the flow's first migrate / mirror / savevm command."""
        self.t0 = time.monotonic()
        self.flow_started = True

    def set_phase(self, phase):
        self.phase = phase
        self.log("phase: %s", phase)
        self._progress({})

    def _on_sample(self, ent):
        self._progress(ent)

    def _progress(self, ent):
        if not self.progress_cb:
            return
        st = None
        for vm in self.vms.values():
            if vm.serial and vm.serial.stats:
                s = vm.serial.stats[-1]
                if st is None or s["_mono"] > st["_mono"]:
                    st = s
        info = {"flow": self.flow, "phase": self.phase, "t": self.clock() if self.flow_started else None,
                "status": ent.get("status"), "ram_remaining": ent.get("ram_remaining"),
                "disk_remaining": (ent.get("disk_len", 0) - ent.get("disk_offset", 0)) if ent.get("disk_len") else None,
                "mbps": ent.get("mbps"), "wire_bytes": ent.get("wire_bytes"),
                "guest_ram_mibps": st.get("ram_mibps") if st else None,
                "guest_disk_mibps": st.get("disk_mibps") if st else None}
        try:
            self.progress_cb(info)
        except Exception:
            pass

    # -- building blocks ---------------------------------------------------
    def guest_params(self):
        sc = self.sc
        p = {"ram_mb": sc["ram_mb"], "ram_rate": sc["ram_rate"], "hot_frac": sc["hot_frac"],
             "hot_share": sc["hot_share"], "ram_entropy": sc["ram_entropy"],
             "bs": sc["bs"], "pattern": sc["pattern"], "ram_pattern": sc["ram_pattern"],
             "verify_rate": sc["verify_rate"], "seed": sc["seed"]}
        if sc["disk_mb"]:
            p.update({"disk": "/dev/vda", "disk_mb": sc["disk_mb"], "disk_rate": sc["disk_rate"]})
        else:
            p.update({"disk": "none", "disk_rate": 0})
        return p

    def create_disk(self, name):
        if not self.sc["disk_mb"]:
            return None
        path = os.path.join(self.rundir, "%s.%s" % (name, self.sc["disk_format"]))
        args = ["qemu-img", "create", "-q", "-f", self.sc["disk_format"]]
        if self.sc["disk_format"] == "qcow2":
            args += ["-o", "cluster_size=65536"]
        run(args + [path, "%dM" % max(self.sc["disk_mb"], self.sc["disk_image_mb"] or 0)])
        return path

    def new_vm(self, name, qemu, side, disk, incoming=False, paused=False, shm=False, link=True):
        k, i = self.guest
        vm = VM(name, qemu, self.rundir, link=self.link if link else None, side=side,
                mem_mb=self.sc["mem_mb"], accel=self.accel, smp=self.sc["smp"], kernel=k, initrd=i,
                append_params=self.guest_params(), disk=disk, disk_format=self.sc["disk_format"],
                cache=self.sc["cache"], incoming=incoming, paused=paused, shm_backend=shm,
                clock=self.clock, log=self.log, extra_args=list(self.sc["qemu_args"] or []),
                read_cap_bps=(float(self.sc["src_read_cap_mibs"] or 0) * 1048576
                              if side == "src" else 0))
        self.vms[name] = vm
        vm.start()
        return vm

    def boot_source(self, disk, link=True):
        self.set_phase("boot")
        src = self.new_vm("src", self.qemu, "src", disk, link=link)
        line = src.wait_ready(self.sc["boot_timeout_s"])
        self.log("src: %s", line)
        self.record["guest_ready"] = src.serial.ready
        if self.sc["warmup_s"]:
            self.set_phase("warmup")
            time.sleep(self.sc["warmup_s"])
        return src

    def start_sampler(self, src, dst=None, migrate=True, jobs=True):
        self.sampler = measure.Sampler(self.clock, src, dst, self.link, on_sample=self._on_sample, log=self.log)
        self.sampler.query_migrate = migrate
        self.sampler.query_jobs = jobs
        self.sampler.start()

    def migration_caps(self, vm, extra=None):
        caps = {"events": True}
        caps.update(self.sc["capabilities"])
        caps.update(extra or {})
        vm.qmp.cmd("migrate-set-capabilities",
                   capabilities=[{"capability": k, "state": bool(v)} for k, v in caps.items()])

    def migration_params(self, vm, source=True):
        p = {}
        if source:
            mb = self.sc["max_bandwidth"]
            if mb == "link":
                rate = self.sc["link_rate_mbit"]
                p["max-bandwidth"] = int(rate * 1e6 / 8) if rate else int(1e12)
            elif mb == "unlimited":
                p["max-bandwidth"] = int(1e12)
            else:
                p["max-bandwidth"] = int(float(mb) * 1e6)
            if self.sc["dirty_hold_s"] and self.sc["hold_max_bandwidth"]:
                p["max-bandwidth"] = int(float(self.sc["hold_max_bandwidth"]) * 1e6)
            p["downtime-limit"] = int(self.sc["downtime_limit_ms"])
        p.update(self.sc["parameters"])
        p.update(self.sc["src_parameters" if source else "dst_parameters"])
        if p:
            vm.qmp.cmd("migrate-set-parameters", p)

    def wait_migration(self, vm, timeout, until=(), failed_ok=False):
        """Wait until vm's migration reaches completed/failed/cancelled (or a
        status in `until`); return query-migrate.  A failed or cancelled
        migration raises, unless failed_ok."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Timeout("%s: migration did not finish within %ds (status %s)" % (
                    vm.name, timeout, vm.qmp.cmd("query-migrate").get("status")))
            try:
                vm.qmp.wait_event("MIGRATION", min(left, 1.0), alive=vm.alive,
                                  match=lambda e: e["data"]["status"] in ("completed", "failed", "cancelled") + tuple(until))
            except Timeout:
                pass
            m = vm.qmp.cmd("query-migrate", timeout=10)
            st = m.get("status")
            if st in until:
                return m
            if st in ("completed", "failed", "cancelled"):
                if st != "completed" and failed_ok:
                    return m
                if st != "completed":
                    raise HarnessError("%s: migration %s: %s" % (vm.name, st, m.get("error-desc", "")))
                # QEMU 7.2 sets "completed" before it computes total-time and
                # downtime (migration_calculate_complete runs a bit later in the
                # migration thread): re-read until they are filled in.
                if "total-time" in m:
                    t_end = time.monotonic() + 3
                    while not m.get("total-time") and time.monotonic() < t_end:
                        time.sleep(0.02)
                        m = vm.qmp.cmd("query-migrate", timeout=10)
                return m
            if not vm.alive():
                raise HarnessError("%s: QEMU exited during migration\n%s" % (vm.name, vm.log_tail()))

    def migration_metrics(self, m):
        met = self.record["metrics"]
        ram = m.get("ram") or {}
        met["downtime_ms"] = m.get("downtime")
        met["setup_time_ms"] = m.get("setup-time")
        met["iterations"] = ram.get("dirty-sync-count")
        met["ram_transferred_bytes"] = ram.get("transferred")
        met["qemu_total_time_ms"] = m.get("total-time")
        if m.get("disk"):
            met["disk_transferred_bytes"] = m["disk"].get("transferred")
        self.record["query_migrate_final"] = m

    def oracle(self, a, b, what=("src", "dst")):
        """Dump the RAM of VMs a and b (both must be stopped) and compare."""
        if not self.sc["oracle"]:
            return None
        self.set_phase("oracle")
        for vm in (a, b):
            st = vm.status()
            if st == "running":
                raise HarnessError("oracle: %s is running (must be stopped)" % vm.name)
        pa = a.pmemsave(os.path.join(self.rundir, "ram-%s.bin" % what[0]))
        pb = b.pmemsave(os.path.join(self.rundir, "ram-%s.bin" % what[1]))
        res = measure.compare_dumps(pa, pb)
        if not self.sc["keep_dumps"]:
            measure.remove_dumps(pa, pb)
        self.record["verdict"]["oracle"] = res
        self.log("oracle: %s", res)
        return res

    def failed_cleanly(self, src, dst, m):
        """A migration that was allowed to fail did: the source must run
        the guest again by itself, the destination must never have run it,
        and the guest's data on the source must be intact (verify)."""
        self.set_phase("failed")
        fail = {"status": m.get("status"), "error": m.get("error-desc")}
        self.record["migration_failure"] = fail
        self.record["metrics"]["total_time_s"] = round(self.clock(), 3)
        self.log("migration %s as allowed: %s", fail["status"], fail["error"])
        if self.sampler:
            self.sampler.stop()
        deadline = time.monotonic() + 30
        while True:
            st = src.status()
            if st == "running":
                break
            if time.monotonic() > deadline:
                raise HarnessError("source is '%s' after the failed migration, not running" % st)
            time.sleep(0.1)
        # a destination that refused the stream exits; one that did not stays paused
        deadline = time.monotonic() + 10
        dst_st = None
        while dst.alive() and time.monotonic() < deadline:
            try:
                dst_st = dst.status()
            except Exception:           # its monitor closed: it is exiting
                try:
                    dst.proc.wait(5)
                except Exception:
                    pass
                break
            if dst_st == "running":
                raise HarnessError("destination runs the guest although the migration failed")
            time.sleep(0.2)
        if dst.alive():
            fail["destination"] = dst_st or "unknown"
        else:
            fail["destination"] = "exited rc=%s" % dst.proc.returncode
        self.log("after the failure: source running, destination %s", fail["destination"])
        self.verify(src)

    def verify(self, vm):
        self.set_phase("verify")
        vm.lift_read_cap()
        sc = self.sc
        timeout = 120 + 2 * (sc["disk_mb"] or 0) * (4096.0 / max(sc["bs"], 4096)) + sc["ram_mb"] / 2.0
        done = vm.verify(timeout)
        mism = []
        for v in self.vms.values():
            if v.serial:
                mism += v.serial.mismatches
        self.record["verdict"]["verifier"] = {
            "ram_bad": done.get("ram_bad", 0), "disk_bad": done.get("disk_bad", 0),
            "ram_ok": done.get("ram_ok", 0), "disk_ok": done.get("disk_ok", 0),
            "mismatches": mism[:200], "mismatch_count": len(mism), "verified_on": vm.name}
        self.log("verifier: %s", self.record["verdict"]["verifier"])
        return done

    # -- negative control --------------------------------------------------
    def pick_corruption(self, src):
        """Before migration: ask the guest for PFNs of working-set pages."""
        n = 8
        src.serial.pfns = []
        line = src.guest_cmd("PFN %d" % n, ("MX OK PFN", "MX ERR PFN"), timeout=30)
        if line.startswith("MX ERR") or not src.serial.pfns:
            raise HarnessError("guest PFN command failed: %s" % line)
        idx, pfn = max(src.serial.pfns)       # far end of the working set (cold part)
        bs = self.sc["bs"]
        blocks = (self.sc["disk_mb"] << 20) // bs
        lba = (blocks * 3) // 4 + 1 if blocks else None
        self.corruption = {"ram_page": idx, "ram_pfn": pfn, "ram_gpa": pfn * 4096,
                           "disk_lba": lba, "disk_offset": lba * bs if lba is not None else None}
        self.log("negative control: will corrupt %s", self.corruption)

    def corrupt_destination(self, dst):
        c = self.corruption
        if c["disk_lba"] is not None:
            dst.qmp.hmp('qemu-io drive0 "write -P 0x5a %d %d"' % (c["disk_offset"], self.sc["bs"]))
        if dst.shm_path is None:
            raise HarnessError("negative control needs the destination's memory-backend-file")
        with open(dst.shm_path, "r+b") as f:
            f.seek(c["ram_gpa"])
            f.write(b"\x5a" * 4096)
            f.flush()
        self.log("corrupted destination: %s", c)

    def judge_corruption(self):
        c = self.corruption
        mism = self.record["verdict"]["verifier"]["mismatches"] if self.record["verdict"]["verifier"] else []
        ram_caught = c["ram_page"] is None or any(
            l.startswith("MX MISMATCH ram page=%d " % c["ram_page"]) or
            l == "MX MISMATCH ram page=%d" % c["ram_page"] for l in mism)
        disk_caught = c["disk_lba"] is None or any(
            l.startswith("MX MISMATCH disk lba=%d " % c["disk_lba"]) for l in mism)
        others = [l for l in mism if not ((c["ram_page"] is not None and
                                           l.startswith("MX MISMATCH ram page=%d " % c["ram_page"])) or
                                          (c["disk_lba"] is not None and
                                           l.startswith("MX MISMATCH disk lba=%d " % c["disk_lba"])))]
        self.record["verdict"]["negative"] = dict(c, ram_caught=ram_caught, disk_caught=disk_caught,
                                                  other_mismatches=others[:50])
        return ram_caught, disk_caught

    # -- finish ------------------------------------------------------------
    def finish(self):
        if self.sampler:
            try:
                self.sampler.stop()
            except Exception as e:
                self.log("sampler stop: %s", e)
            self.record["timeline"] = self.sampler.timeline
            self.record["metrics"]["wire_bytes"] = self.sampler.final_wire
        for vm in list(self.vms.values()):
            try:
                vm.stop()
            except Exception as e:
                self.log("stop %s: %s", vm.name, e)
        for name, vm in self.vms.items():
            key = "dst" if name.startswith("dst") else "src"
            self.record["metrics"]["cpu_s"][key] = vm.cpu_summary()
        g = []
        for vm in self.vms.values():
            if vm.serial:
                for s in vm.serial.stats:
                    e = {"t": round(s["_mono"] - self.t0, 3), "ram_mibps": s.get("ram_mibps", 0.0),
                         "disk_mibps": s.get("disk_mibps", 0.0), "disk_iops": s.get("disk_iops", 0.0),
                         "side": s["_side"], "guest_t": s.get("t")}
                    for k in ("wlat_n", "wlat_mean_us", "wlat_p50_us", "wlat_p99_us", "wlat_max_us"):
                        if k in s:
                            e[k] = s[k]
                    g.append(e)
        g.sort(key=lambda x: x["t"])
        self.record["guest"] = g
        for h in getattr(self, "lv_hosts", []):
            self._stop_libvirt_host(h)
        if self.link:
            self.link.down()
        if self.record["result"] == "ok" and not self.sc["keep_disks"]:
            for fn in os.listdir(self.rundir):
                if fn.endswith((".qcow2", ".raw")):
                    try:
                        os.unlink(os.path.join(self.rundir, fn))
                    except OSError:
                        pass
        self.record["finished"] = now_iso()
        path = os.path.join(self.rundir, "run.json")
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.record, f, indent=1, default=str)
        os.replace(tmp, path)
        self.log("wrote %s: result=%s error=%s", path, self.record["result"], self.record["error"])
        self.log.close()

    def _stop_libvirt_host(self, h):
        """Stop one libvirt host, keep its logs in the rundir, remove its directories."""
        try:
            h.stop()
        except Exception as e:
            self.log("stop %s: %s", h.name, e)
        logs = os.path.join(self.rundir, "logs-" + h.name)
        for inside in ("/var/log/libvirt/libvirtd.log", "/var/log/libvirt/qemu"):
            src = h.path(inside)
            try:
                if os.path.isdir(src):
                    shutil.copytree(src, os.path.join(logs, "qemu"), dirs_exist_ok=True)
                elif os.path.exists(src):
                    os.makedirs(logs, exist_ok=True)
                    shutil.copy2(src, logs)
            except OSError as e:
                self.log("logs of %s: %s", h.name, e)
        # the overlay work dirs are only removable once the mount namespace is gone,
        # which is when its last process (libvirtd, QEMUs) has exited
        for _ in range(50):
            shutil.rmtree(h.root, ignore_errors=True)
            if not os.path.exists(h.root):
                break
            time.sleep(0.1)
        if os.path.exists(h.root):
            self.log("could not remove %s", h.root)

    def judge(self):
        """Set result/error from the verdicts."""
        v = self.record["verdict"]
        problems = []
        if self.sc["corrupt"]:
            ram_caught, disk_caught = self.judge_corruption()
            if not ram_caught:
                problems.append("negative control: corrupted RAM page %s NOT reported by the verifier"
                                % self.corruption["ram_page"])
            if not disk_caught:
                problems.append("negative control: corrupted disk block lba=%s NOT reported by the verifier"
                                % self.corruption["disk_lba"])
            o = v.get("oracle")
            if o is not None and o["pages_differing"]:
                # the oracle ran before the corruption: a difference there is a real bug
                problems.append("oracle: %d of %d pages differ" % (o["pages_differing"], o["pages_compared"]))
        else:
            ver = v.get("verifier")
            if ver is None:
                problems.append("no verifier verdict")
            elif ver["ram_bad"] or ver["disk_bad"] or ver["mismatch_count"]:
                problems.append("verifier: ram_bad=%d disk_bad=%d (%d MISMATCH lines)" % (
                    ver["ram_bad"], ver["disk_bad"], ver["mismatch_count"]))
            o = v.get("oracle")
            if o is not None and o["pages_differing"]:
                problems.append("oracle: %d of %d pages differ (first at %s)" % (
                    o["pages_differing"], o["pages_compared"],
                    ", ".join("0x%x" % a for a in o["first_differences"][:4])))
        if problems:
            self.record["result"] = "failed"
            self.record["error"] = "; ".join(problems)
        else:
            self.record["result"] = "ok"


# --------------------------------------------------------------------------
# Migration flows

class _Mig:
    """What the steps of one migration flow share."""

    def __init__(self, fr, kind):
        self.fr, self.kind, self.sc = fr, kind, fr.sc
        self.src = self.dst = self.job = None
        self.storage = self.pre_switchover = False
        self.fault = fr.sc["fault"]
        self.uri = None
        self.T = fr.sc["flow_timeout_s"]
        self.t_mig = None


def _mig_prepare(fr, kind):
    """Both QEMUs up, capabilities and parameters set, the destination listening
    (and exporting its disk for a storage flow), as libvirt 9.0 does."""
    c = _Mig(fr, kind)
    sc = fr.sc
    fr.link = LinkPair(sc["link_rate_mbit"], sc["link_delay_ms"], log=fr.log)
    fr.link.up()
    if kind == "ram":
        src_disk = fr.create_disk("disk")      # shared storage: both open the same image
        dst_disk = src_disk
    else:
        src_disk = fr.create_disk("src")
        dst_disk = fr.create_disk("dst")       # pre-created, same size, empty
        if sc["fault"]:
            dst_disk = faults.dst_disk_for(fr, sc["fault"], dst_disk)
            src_disk = faults.src_disk_for(fr, sc["fault"], src_disk)
    c.src = src = fr.boot_source(src_disk)
    c.dst = dst = fr.new_vm("dst", fr.dst_qemu, "dst", dst_disk, incoming=True, paused=True,
                            shm=sc["corrupt"])
    if sc["corrupt"]:
        fr.pick_corruption(src)
    c.uri = "tcp:%s:%d" % (fr.link.dst_ip, MIG_PORT)
    extra_caps = {"block": True} if kind == "blk" else {}
    c.storage = bool(kind == "storage" and src_disk)
    fault = c.fault
    if fault:
        faults.check_fault(kind, fault)
    if sc["mirror_cancel"] not in ("pre-switchover", "after-completion"):
        raise HarnessError("mirror_cancel must be pre-switchover or after-completion")
    c.pre_switchover = c.storage and sc["mirror_cancel"] == "pre-switchover"
    # libvirt 9.0's --copy-storage-all (ENVIRONMENT.md): return-path on both ends,
    # late-block-activate on the destination, pause-before-switchover on the source
    dst_caps = dict(extra_caps)
    src_caps = dict(extra_caps)
    if c.storage:
        dst_caps.update({"late-block-activate": True, "return-path": True})
        src_caps["return-path"] = True
    if c.pre_switchover or (fault and fault["at"] in ("pre-switchover", "device")):
        src_caps["pause-before-switchover"] = True
    fr.migration_caps(dst, dst_caps)
    fr.migration_params(dst, source=False)
    if c.storage:
        start_nbd_export(fr, dst)
    dst.qmp.cmd("migrate-incoming", uri=c.uri)
    fr.migration_caps(src, src_caps)
    fr.migration_params(src, source=True)
    if fault:
        faults.set_user_throttle(fr, src)
    return c


def start_nbd_export(fr, dst):
    """The destination's side of a storage migration, before migrate-incoming as libvirt
    does: NBD server on its veth address, one writable export per disk named after the
    disk alias."""
    dst.qmp.cmd("nbd-server-start", {"addr": {"type": "inet", "data": {
        "host": fr.link.dst_ip, "port": str(NBD_PORT)}}})
    dst.qmp.cmd("block-export-add", {"type": "nbd", "id": "libvirt-nbd-node-drive0",
                                     "node-name": "node-drive0", "name": NBD_EXPORT,
                                     "writable": True})


def _mig_mirror(c):
    """Storage flow: the mirror to the destination's export, up to READY.  False
    when it did not become READY within mirror_ready_cap_s (the run is then over)."""
    fr, sc, src = c.fr, c.sc, c.src
    fr.set_phase("mirror")
    c.job = job = MIRROR_JOB
    if sc["src_io_throttle"]:
        t = {k: 0 for k in ("bps", "bps_rd", "bps_wr", "iops", "iops_rd", "iops_wr")}
        t.update(sc["src_io_throttle"])
        src.qmp.cmd("block_set_io_throttle", dict(t, device="drive0"))
    fr.record["block_limits_before"] = drive_limits(src)
    if src.read_cap_bps:
        # the slow storage under the source image: the throttle filter's group
        fr.record["src_read_cap_bps"] = src.qmp.cmd(
            "qom-get", path=READ_CAP_GROUP, property="limits").get("bps-read")
    _guest_latency(fr, src, None)      # the agent's latency window starts now
    start_mirror(fr, src, job, c.pre_switchover)
    try:
        ev = src.qmp.wait_event(("BLOCK_JOB_READY", "BLOCK_JOB_COMPLETED", "BLOCK_JOB_ERROR"),
                                sc["mirror_ready_cap_s"] or c.T,
                                match=lambda e: e["data"].get("device") == job, alive=src.alive)
    except Timeout:
        if not sc["mirror_ready_cap_s"]:
            raise
        _mirror_not_converged(fr, src, job, c.pre_switchover)
        return False
    if ev["event"] != "BLOCK_JOB_READY":
        raise HarnessError("%s did not become ready: %s" % (mirror_api(fr, c.pre_switchover), ev))
    fr.record["metrics"]["converged"] = True
    fr.record["metrics"]["mirror_ready_s"] = round(fr.clock(), 3)
    fr.log("mirror ready at %.3fs", fr.clock())
    fr.record["mirror_bitmaps"] = mirror_bitmaps(src)
    if sc["ready_hold_s"]:
        hold_ready(fr, src, job)
    return True


def _mig_cancel_mirror(c):
    """block-job-cancel of the READY mirror (it completes: every dirty block
    reaches the destination), then libvirt's clean-up."""
    fr, src, job = c.fr, c.src, c.job
    fr.set_phase("mirror-cancel")
    if c.pre_switchover:
        # what the mirror still had to copy with the guest stopped (one query,
        # about a millisecond of the pause; libvirt asks query-block-jobs too)
        for j in src.qmp.cmd("query-block-jobs"):
            if j.get("device") == job:
                fr.record["metrics"]["mirror_backlog_at_pause"] = j.get("len", 0) - j.get("offset", 0)
    t = time.monotonic()
    src.qmp.cmd("block-job-cancel", device=job)
    ev = src.qmp.wait_event(("BLOCK_JOB_COMPLETED", "BLOCK_JOB_CANCELLED"), 300,
                            match=lambda e: e["data"].get("device") == job, alive=src.alive)
    fr.record["mirror_end_event"] = {"event": ev["event"], "data": ev["data"]}
    fr.record["metrics"]["mirror_cancel_s"] = round(time.monotonic() - t, 3)
    if ev["data"].get("error"):
        raise HarnessError("mirror job ended with error: %s" % ev["data"]["error"])
    fr.record["metrics"]["disk_transferred_bytes"] = ev["data"].get("offset")
    _mirror_cleanup(fr, src, job, c.pre_switchover)


def _ev_time(vm, event, status=None):
    """QEMU's wall-clock timestamp (s) of vm's last event `event` (with
    data.status == status), or None."""
    t = None
    for ev in list(vm.qmp.events):
        if ev.get("event") != event:
            continue
        if status is not None and (ev.get("data") or {}).get("status") != status:
            continue
        ts = ev.get("timestamp") or {}
        t = ts.get("seconds", 0) + ts.get("microseconds", 0) / 1e6
    return t


def switchover_times(src, dst):
    """Where a switchover's time went, from both QEMUs' event timestamps (one
    host, one clock).  query-migrate's downtime is the source's view: with
    return-path on (libvirt's storage migration) it ends when the destination
    has loaded everything, without it (a plain RAM migration) when the source
    has sent everything, so the two flows' figures are not comparable.
    guest_downtime_ms is the same for every flow: the source's STOP to the
    destination's MIGRATION completed (the guest could run there)."""
    t_stop = _ev_time(src, "STOP")
    t_pre = _ev_time(src, "MIGRATION", "pre-switchover")
    t_dev = _ev_time(src, "MIGRATION", "device")
    t_src = _ev_time(src, "MIGRATION", "completed")
    t_dst = _ev_time(dst, "MIGRATION", "completed")

    def ms(a, b):
        return round((b - a) * 1000.0, 1) if a is not None and b is not None else None
    return {"guest_downtime_ms": ms(t_stop, t_dst),
            "stop_to_pause_ms": ms(t_stop, t_pre),       # vm_stop: drain + flush
            "pause_ms": ms(t_pre, t_dev),                # pre-switchover: mirror cancel etc.
            "final_ms": ms(t_dev if t_dev is not None else t_stop, t_src),  # RAM + devices
            "dst_after_src_ms": ms(t_src, t_dst)}        # destination still loading


def _mig_finish(c, m):
    """A completed migration: metrics, the destination in, the RAM oracle, the
    negative control if asked, then the guest runs there and verifies."""
    fr, sc, src, dst, job = c.fr, c.sc, c.src, c.dst, c.job
    if sc["expect"] == "fail":
        raise HarnessError("migration completed although it must fail")
    fr.migration_metrics(m)
    fr.record["metrics"].setdefault("converged", True)
    fr.record["metrics"]["migration_s"] = round(time.monotonic() - c.t_mig, 3)
    st = src.status()
    if st != "postmigrate":
        raise HarnessError("source status after migration is %s, expected postmigrate" % st)
    if job and not c.pre_switchover:
        _mig_cancel_mirror(c)
    if job:
        dst.qmp.cmd("nbd-server-stop")
    if c.kind == "blk" and fr.sampler.last_disk:
        fr.record["metrics"]["disk_transferred_bytes"] = fr.sampler.last_disk.get("transferred")

    # the destination must be fully in (paused, because of -S)
    dm = fr.wait_migration(dst, 120)
    fr.record["query_migrate_dst_final"] = dm
    sw = switchover_times(src, dst)
    fr.record["metrics"]["guest_downtime_ms"] = sw.pop("guest_downtime_ms")
    fr.record["switchover"] = sw
    fr.record["metrics"]["total_time_s"] = round(fr.clock(), 3)
    fr.sampler.stop()
    fr.set_phase("done")

    fr.oracle(src, dst)
    if sc["corrupt"]:
        fr.corrupt_destination(dst)
    # pause the workload as soon as the guest runs on the destination: queue
    # the command before cont (the serial port takes it at once)
    dst.send("PAUSE")
    dst.qmp.cmd("cont")
    fr.verify(dst)


def _migration_flow(fr, kind):
    c = _mig_prepare(fr, kind)
    fr.start_clock()
    fr.start_sampler(c.src, c.dst)
    base = faults.baseline(fr, c.src) if c.fault else None
    if c.storage and c.fault and c.fault["what"] in faults.MIRROR_FAULTS:
        faults.mirror_must_fail(c)
        faults.run_cell(c, base)
        return
    if c.storage:
        if not _mig_mirror(c):
            return
        # the guest's write latency while the mirror copied alone (mirror start
        # to READY + warm-up); asked now because at pre-switchover the guest is
        # stopped and cannot answer
        _guest_latency(fr, c.src, "copy")
    c.t_mig = time.monotonic()
    fr.set_phase("migrate")
    if c.kind == "blk" and c.sc["dirty_hold_s"]:
        # count the block migration's passes: one iterate call = one pass over the
        # disk (its dirty cursor restarts at 0), in stock 7.2 as in qemu-mx
        c.src.qmp.cmd("trace-event-set-state", {"name": "migration_block_save", "enable": True})
    c.src.qmp.cmd("migrate", uri=c.uri)
    if c.kind == "blk" and c.sc["dirty_hold_s"]:
        _blk_dirty_hold(c)
    if c.fault:
        faults.run_cell(c, base)
        return
    cap = c.sc["migration_cap_s"]
    if c.pre_switchover:
        # libvirt's order: the source pauses before switchover, the mirror is
        # cancelled, then the migration continues to completion.
        try:
            fr.wait_migration(c.src, cap or c.T, until=("pre-switchover",))
        except Timeout:
            if not cap:
                raise
            _migration_not_converged(c)
            return
        _mig_cancel_mirror(c)
        c.src.qmp.cmd("migrate-continue", state="pre-switchover")
    try:
        m = fr.wait_migration(c.src, cap or c.T, failed_ok=c.sc["expect"] != "ok")
    except Timeout:
        if not cap:
            raise
        _migration_not_converged(c)
        return
    if m.get("status") != "completed":
        fr.failed_cleanly(c.src, c.dst, m)
        return
    _mig_finish(c, m)


def _thread_cpu(vm, comm):
    """(CPU ns from schedstat, CPU s from stat) of the thread of vm named comm, or None."""
    base = "/proc/%d/task" % vm.proc.pid
    for tid in os.listdir(base):
        try:
            with open("%s/%s/comm" % (base, tid)) as f:
                if f.read().strip() != comm:
                    continue
            with open("%s/%s/schedstat" % (base, tid)) as f:
                ns = int(f.read().split()[0])
            with open("%s/%s/stat" % (base, tid)) as f:
                st = f.read()
            fs = st[st.rfind(")") + 2:].split()
            return ns, (int(fs[11]) + int(fs[12])) / float(os.sysconf("SC_CLK_TCK"))
        except (OSError, ValueError, IndexError):
            continue
    return None


def _blk_passes(vm):
    """Dirty/bulk passes so far: migration_block_save "iterate" lines in the QEMU log."""
    with open(vm.qemu_log, "rb") as f:
        return f.read().count(b"save live iterate")


def _blk_snapshot(fr, src):
    cpu = _thread_cpu(src, "live_migration")
    m = src.qmp.cmd("query-migrate", timeout=10)
    return {"t": round(fr.clock(), 3), "mono": time.monotonic(),
            "cpu_ns": cpu[0] if cpu else None, "cpu_stat_s": cpu[1] if cpu else None,
            "passes": _blk_passes(src), "wire": fr.link.wire_bytes() if fr.link else None,
            "status": m.get("status"), "ram_transferred": (m.get("ram") or {}).get("transferred"),
            "disk": m.get("disk"), "block_migration": m.get("block-migration")}


def _blk_dirty_hold(c):
    """blk with dirty_hold_s: wait for the end of the bulk phase (query-migrate disk
    remaining 0), settle, then measure the migration thread over a window of
    dirty_hold_s while max-bandwidth (hold_max_bandwidth) keeps RAM, and so the
    migration, from converging; then raise max-bandwidth to the link's."""
    fr, sc, src = c.fr, c.sc, c.src
    fr.set_phase("bulk")
    deadline = time.monotonic() + c.T
    while True:
        m = src.qmp.cmd("query-migrate", timeout=10)
        d = m.get("disk") or {}
        if m.get("status") not in ("setup", "active"):
            raise HarnessError("blk dirty hold: migration %s before the bulk phase ended: %s"
                               % (m.get("status"), m.get("error-desc", "")))
        if d.get("total") and d.get("remaining") == 0:
            break
        if time.monotonic() > deadline:
            raise Timeout("blk dirty hold: bulk phase not over after %ss" % c.T)
        time.sleep(0.1)
    bulk_end = fr.clock()
    fr.set_phase("dirty-hold")
    time.sleep(sc["dirty_hold_settle_s"])
    a = _blk_snapshot(fr, src)
    time.sleep(sc["dirty_hold_s"])
    b = _blk_snapshot(fr, src)
    rate = sc["link_rate_mbit"]
    src.qmp.cmd("migrate-set-parameters", {"max-bandwidth": int(rate * 1e6 / 8) if rate else int(1e12)})
    src.qmp.cmd("trace-event-set-state", {"name": "migration_block_save", "enable": False})
    fr.set_phase("migrate")
    w = b["mono"] - a["mono"]
    h = {"bulk_end_s": round(bulk_end, 3), "start": a, "end": b, "window_s": round(w, 3),
         "held": a["status"] == "active" and b["status"] == "active"}
    if a["cpu_ns"] is not None and b["cpu_ns"] is not None:
        cpu = (b["cpu_ns"] - a["cpu_ns"]) / 1e9
        passes = b["passes"] - a["passes"]
        h.update({"mig_thread_cpu_s": round(cpu, 6),
                  "mig_thread_cpu_stat_s": round(b["cpu_stat_s"] - a["cpu_stat_s"], 3),
                  "passes": passes, "passes_per_s": round(passes / w, 2) if w else None,
                  "cpu_per_s": round(cpu / w, 6) if w else None,
                  "cpu_per_pass_us": round(cpu / passes * 1e6, 2) if passes else None})
    if a["wire"] is not None and b["wire"] is not None:
        h["wire_bytes"] = b["wire"] - a["wire"]
    if a["ram_transferred"] is not None and b["ram_transferred"] is not None:
        h["ram_bytes"] = b["ram_transferred"] - a["ram_transferred"]
    bm0, bm1 = a.get("block_migration") or {}, b.get("block_migration") or {}
    if bm0 and bm1:
        h["mx_dirty_bytes"] = (bm1.get("dirty-bytes") or 0) - (bm0.get("dirty-bytes") or 0)
        h["mx_dirty_records"] = (bm1.get("dirty-records") or 0) - (bm0.get("dirty-records") or 0)
    for k in ("start", "end"):
        h[k].pop("mono", None)
    fr.record["dirty_hold"] = h
    fr.log("dirty hold: %s", {k: v for k, v in h.items() if k not in ("start", "end")})


def _migration_not_converged(c):
    """The migration did not complete within migration_cap_s: record where it stood
    (query-migrate, the disk still to send), migrate_cancel, and judge the failure as
    a clean one (source runs on, destination never ran, verifier clean on the source)."""
    fr, src = c.fr, c.src
    fr.log("migration not complete after %ss: not converged", c.sc["migration_cap_s"])
    met = fr.record["metrics"]
    met["converged"] = False
    met["migration_s"] = round(time.monotonic() - c.t_mig, 3)
    m = src.qmp.cmd("query-migrate", timeout=10)
    fr.record["query_migrate_at_cap"] = m
    ram = m.get("ram") or {}
    met["iterations"] = ram.get("dirty-sync-count")
    met["ram_transferred_bytes"] = ram.get("transferred")
    if m.get("disk"):
        met["disk_transferred_bytes"] = m["disk"].get("transferred")
        met["disk_remaining_at_cap_bytes"] = m["disk"].get("remaining")
    src.qmp.cmd("migrate_cancel")
    m = fr.wait_migration(src, 120, failed_ok=True)
    if c.job:       # the storage flow's mirror still runs: cancel it as libvirt does on abort
        src.qmp.cmd("block-job-cancel", device=c.job, force=True)
        ev = src.qmp.wait_event(("BLOCK_JOB_COMPLETED", "BLOCK_JOB_CANCELLED"), 300,
                                match=lambda e: e["data"].get("device") == c.job, alive=src.alive)
        fr.record["mirror_end_event"] = {"event": ev["event"], "data": ev["data"]}
        met["disk_transferred_bytes"] = ev["data"].get("offset")
        _mirror_cleanup(fr, src, c.job, c.pre_switchover)
    fr.failed_cleanly(src, c.dst, m)


def mirror_api(fr, pre_switchover):
    """The storage flow's mirror command: "blockdev-mirror" (libvirt 9.0, default) or
    "drive-mirror".  Cancelling after completion needs drive-mirror: a monitor-owned
    blockdev-add target would be inactivated with every other node when the source
    completes, while the mirror still writes to it (the abort of
    bdrv_co_write_req_prepare, docs/mx/reliability.md); that is why libvirt pauses
    before switchover."""
    api = fr.sc["mirror_api"]
    if api == "blockdev":
        api = "blockdev-mirror"
    if api not in ("blockdev-mirror", "drive-mirror"):
        raise HarnessError("mirror_api must be blockdev-mirror or drive-mirror")
    return api if pre_switchover else "drive-mirror"


def start_mirror(fr, src, job, pre_switchover):
    """Start the storage flow's mirror to the destination's NBD export."""
    sc = fr.sc
    extra = {}
    if sc["granularity"]:
        extra["granularity"] = int(sc["granularity"])
    if (sc["mirror_copy_mode"] or "background") != "background":
        extra["copy-mode"] = sc["mirror_copy_mode"]   # write-blocking: active mirror
    if mirror_api(fr, pre_switchover) == "drive-mirror":
        src.qmp.cmd("drive-mirror", dict({
            "job-id": job, "device": "drive0",
            "target": "nbd:%s:%d:exportname=%s" % (fr.link.dst_ip, NBD_PORT, NBD_EXPORT),
            "format": "raw", "sync": "full", "mode": "existing"}, **extra))
        return
    # libvirt 9.0 (ENVIRONMENT.md): an NBD client node plus a raw node on it, then
    # blockdev-mirror with its arguments (speed = its "unlimited", no granularity or
    # buf-size unless the scenario asks)
    src.qmp.cmd("blockdev-add", {"driver": "nbd", "node-name": NBD_NODE, "read-only": False,
                                 "server": {"type": "inet", "host": fr.link.dst_ip,
                                            "port": str(NBD_PORT)},
                                 "export": NBD_EXPORT})
    src.qmp.cmd("blockdev-add", {"driver": "raw", "node-name": RAW_NODE, "read-only": False,
                                 "file": NBD_NODE})
    src.qmp.cmd("blockdev-mirror", dict({
        "job-id": job, "device": "node-drive0", "target": RAW_NODE,
        "speed": LIBVIRT_MAX_SPEED, "sync": "full",
        "auto-finalize": True, "auto-dismiss": False}, **extra))


IO_LIMIT_KEYS = ("bps", "bps_rd", "bps_wr", "iops", "iops_rd", "iops_wr", "bps_max",
                 "bps_rd_max", "bps_wr_max", "iops_max", "iops_rd_max", "iops_wr_max",
                 "bps_max_length", "bps_rd_max_length", "bps_wr_max_length",
                 "iops_max_length", "iops_rd_max_length", "iops_wr_max_length",
                 "iops_size", "group")


def drive_limits(src):
    """The I/O limits query-block shows for the source's drive0 (what IO QoS
    must leave as it found them)."""
    for b in src.qmp.cmd("query-block"):
        if b.get("device") == "drive0":
            ins = b.get("inserted", {})
            return {k: ins.get(k) for k in IO_LIMIT_KEYS}
    return {}


def mirror_bitmaps(src):
    """The dirty bitmaps query-block shows on drive0 (the mirror's is anonymous)."""
    for b in src.qmp.cmd("query-block"):
        if b.get("device") == "drive0":
            return [{k: d.get(k) for k in ("name", "granularity", "count", "recording")}
                    for d in (b.get("inserted", {}).get("dirty-bitmaps") or [])]
    return []


def _guest_disk_iops(vm, t0, t1):
    """The guest's write rates (MX STAT disk_iops, per second) reported in (t0, t1]."""
    return [float(s.get("disk_iops", 0.0)) for s in list(vm.serial.stats) if t0 < s["_mono"] <= t1]


def hold_ready(fr, src, job):
    """Keep the READY mirror running for ready_hold_s before migrating; measure
    what it sent (veth bytes src->dst, the job's offset) for what the guest
    wrote in that window (its own MX STAT write rates).  The window is framed
    by pausing the guest's workload and draining the mirror at both ends (a
    loaded machine lets the mirror lag behind the guest), so the bytes counted
    are exactly those that the window's writes caused."""
    sc = fr.sc
    fr.set_phase("ready-hold")

    def job_state():
        for j in src.qmp.cmd("query-block-jobs"):
            if j.get("device") == job:
                return j.get("offset", 0), j.get("len", 0) - j.get("offset", 0)
        return 0, 0

    def pause_and_drain():
        src.guest_cmd("PAUSE", "MX PAUSED")
        t = time.monotonic()
        deadline = t + 60
        while True:
            off, backlog = job_state()
            if backlog == 0 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        time.sleep(0.3)                  # the last replies / ACKs
        return t, time.monotonic() - t, backlog

    pause_and_drain()
    c0 = fr.link.counters()
    o0, _ = job_state()
    src.guest_cmd("RESUME", "MX RESUMED")
    m0 = time.monotonic()
    time.sleep(sc["ready_hold_s"])
    m1, drain_s, backlog = pause_and_drain()
    c1 = fr.link.counters()
    o1, _ = job_state()
    src.guest_cmd("RESUME", "MX RESUMED")
    # STAT lines carry per-second rates: their mean over the window (the
    # first and the last line may cover a paused part: left out) times its
    # length is the number of writes in it
    rates = _guest_disk_iops(fr.vms["src"], m0 + 1.0, m1)
    guest = (sum(rates) / len(rates)) * (m1 - m0) * sc["bs"] if rates else 0.0
    tx = c1["src"][1] - c0["src"][1]
    res = {"window_s": round(m1 - m0, 3), "drain_s": round(drain_s, 3),
           "backlog_end": backlog, "guest_bytes": int(guest), "src_tx_bytes": tx,
           "wire_bytes": tx + (c1["dst"][1] - c0["dst"][1]), "job_bytes": o1 - o0,
           "guest_iops": [round(r, 1) for r in rates]}
    if guest > 0:
        res["amplification"] = round(tx / guest, 3)
        res["job_amplification"] = round((o1 - o0) / guest, 3)
    fr.record["ready_hold"] = res
    fr.record["metrics"]["amplification"] = res.get("amplification")
    fr.record["metrics"]["job_amplification"] = res.get("job_amplification")
    fr.log("ready hold: %s", res)


def _guest_latency(fr, src, key):
    """Ask the agent for the latency of its disk writes since the last ask;
    with a key, record it (and the write throughput of that window) as
    metrics[key + "_wlat"] / [key + "_write_mibps"], "copy" = while the mirror copied."""
    try:
        line = src.guest_cmd("LAT", "MX LAT", timeout=10)
    except HarnessError as e:
        fr.log("guest LAT: %s", e)
        return
    if not key:
        fr._lat_t = fr.clock()
        return
    d = parse_kv(line.split(None, 2)[2] if len(line.split(None, 2)) > 2 else "")
    window = fr.clock() - getattr(fr, "_lat_t", 0.0)
    met = fr.record["metrics"]
    met[key + "_end_s"] = round(fr.clock(), 3)
    met[key + "_wlat"] = d
    if window > 0 and "n" in d:
        met[key + "_write_mibps"] = round(float(d["n"]) * fr.sc["bs"] / 1048576.0 / window, 3)


def _mirror_cleanup(fr, src, job, pre_switchover):
    """After the job ended: what libvirt does for blockdev-mirror (auto-dismiss
    off, so job-dismiss of the concluded job, then blockdev-del of both NBD
    nodes, as libvirt does before migrate-continue); and qemu-mx's IO QoS
    figures, if any."""
    if mirror_api(fr, pre_switchover) == "blockdev-mirror":
        if any(j.get("id") == job for j in src.qmp.cmd("query-jobs")):
            src.qmp.cmd("job-dismiss", id=job)
        src.qmp.cmd("blockdev-del", {"node-name": RAW_NODE})
        src.qmp.cmd("blockdev-del", {"node-name": NBD_NODE})
    fr.record["block_limits_after"] = drive_limits(src)
    m = src.qmp.cmd("query-migrate", timeout=10)
    if "block-qos" in m:
        fr.record["block_qos"] = m["block-qos"]


def _mirror_not_converged(fr, src, job, pre_switchover):
    """The mirror did not become READY within mirror_ready_cap_s: cancel it,
    no migration; the source guest is verified so the run still checks data."""
    fr.log("mirror not ready after %ss: not converged", fr.sc["mirror_ready_cap_s"])
    fr.record["metrics"]["converged"] = False
    _guest_latency(fr, src, "copy")
    fr.set_phase("mirror-cancel")
    src.qmp.cmd("block-job-cancel", device=job, force=True)
    ev = src.qmp.wait_event(("BLOCK_JOB_COMPLETED", "BLOCK_JOB_CANCELLED"), 300,
                            match=lambda e: e["data"].get("device") == job, alive=src.alive)
    fr.record["mirror_end_event"] = {"event": ev["event"], "data": ev["data"]}
    fr.record["metrics"]["disk_transferred_bytes"] = ev["data"].get("offset")
    _mirror_cleanup(fr, src, job, pre_switchover)
    fr.record["metrics"]["total_time_s"] = round(fr.clock(), 3)
    fr.sampler.stop()
    fr.set_phase("done")
    src.send("PAUSE")
    fr.verify(src)


def flow_ram(fr):
    _migration_flow(fr, "ram")


def flow_storage(fr):
    _migration_flow(fr, "storage")


def flow_blk(fr):
    _migration_flow(fr, "blk")


# --------------------------------------------------------------------------
# Snapshot flows

def _snapshot_state_bytes(vm, tag):
    for b in vm.qmp.cmd("query-block"):
        if b.get("device") == "drive0":
            for s in (b.get("inserted", {}).get("image", {}).get("snapshots") or []):
                if s.get("name") == tag:
                    return s.get("vm-state-size")
    return None


def _run_job(vm, cmd, args, job_id, timeout):
    vm.qmp.cmd(cmd, dict(args, **{"job-id": job_id}))
    vm.qmp.wait_event("JOB_STATUS_CHANGE", timeout, alive=vm.alive,
                      match=lambda e: e["data"].get("id") == job_id and e["data"].get("status") == "concluded")
    err = None
    for j in vm.qmp.cmd("query-jobs"):
        if j.get("id") == job_id:
            err = j.get("error")
    vm.qmp.cmd("job-dismiss", id=job_id)
    if err:
        raise HarnessError("%s job %s failed: %s" % (cmd, job_id, err))


def _snapshot_flow(fr, use_qmp_jobs):
    sc = fr.sc
    if not sc["disk_mb"] or sc["disk_format"] != "qcow2":
        raise HarnessError("savevm/snapshot flows need a qcow2 disk (--disk-mb > 0, qcow2)")
    disk = fr.create_disk("disk")
    vm = fr.boot_source(disk, link=False)
    tag = "mx1"
    T = sc["flow_timeout_s"]
    fr.start_clock()
    fr.start_sampler(vm, None, migrate=False, jobs=False)

    def snapshot_op(op):
        """savevm/loadvm (HMP) or snapshot-save/-load (QMP job) of `tag`; seconds taken."""
        t = time.monotonic()
        if use_qmp_jobs:
            _run_job(vm, "snapshot-" + op,
                     {"tag": tag, "vmstate": "node-drive0", "devices": ["node-drive0"]},
                     op + "0", T)
        else:
            vm.qmp.hmp("%svm %s" % (op, tag), timeout=T)
        return round(time.monotonic() - t, 3)

    fr.set_phase("save")
    vm.qmp.cmd("stop")
    pre = None
    if sc["oracle"]:
        pre = vm.pmemsave(os.path.join(fr.rundir, "ram-before-save.bin"))
    fr.record["metrics"]["savevm_s"] = snapshot_op("save")
    fr.record["metrics"]["state_bytes"] = _snapshot_state_bytes(vm, tag)
    if vm.status() == "running":
        raise HarnessError("VM is running after save of a stopped VM")
    vm.qmp.cmd("cont")

    fr.set_phase("run")
    time.sleep(sc["run_between_s"])

    fr.set_phase("load")
    vm.qmp.cmd("stop")
    if fr.dst_qemu != fr.qemu:
        # the image is loaded by another binary (--dst-qemu): quit this one
        # and load the snapshot in a fresh, paused QEMU on the same disk
        fr.sampler.stop()
        vm.stop()
        vm = fr.new_vm("dst", fr.dst_qemu, "dst", disk, paused=True, link=False)
        fr.record["loaded_by"] = fr.dst_qemu
    fr.record["metrics"]["loadvm_s"] = snapshot_op("load")
    fr.record["metrics"]["total_time_s"] = round(fr.clock(), 3)
    if vm.status() == "running":
        raise HarnessError("VM is running after load into a stopped VM")
    if pre is not None:
        fr.set_phase("oracle")
        post = vm.pmemsave(os.path.join(fr.rundir, "ram-after-load.bin"))
        res = measure.compare_dumps(pre, post)
        if not sc["keep_dumps"]:
            measure.remove_dumps(pre, post)
        fr.record["verdict"]["oracle"] = res
        fr.log("oracle: %s", res)
    fr.sampler.stop()
    vm.send("PAUSE")
    vm.qmp.cmd("cont")
    fr.verify(vm)


def flow_savevm(fr):
    if fr.sc["fault"]:
        faults.check_fault("savevm", fr.sc["fault"])
        faults.savevm_full_disk(fr)
        return
    _snapshot_flow(fr, use_qmp_jobs=False)


def flow_snapshot(fr):
    if fr.sc["fault"]:
        faults.check_fault("snapshot", fr.sc["fault"])
        faults.savevm_full_disk(fr, use_qmp_jobs=True)
        return
    _snapshot_flow(fr, use_qmp_jobs=True)


def flow_libvirt(fr):
    from .lvflow import flow_libvirt as f
    f(fr)


FLOWS = {"ram": flow_ram, "storage": flow_storage, "blk": flow_blk,
         "savevm": flow_savevm, "snapshot": flow_snapshot, "libvirt": flow_libvirt}


def run_flow(flow, scenario, qemu, dst_qemu=None, rundir=None, repeat=0, progress=None,
             verbose=False, qemu_label=None):
    """Run one flow; always returns the run record (and writes run.json)."""
    if flow not in FLOWS:
        raise HarnessError("unknown flow %r (one of %s)" % (flow, ", ".join(FLOWS)))
    if scenario.get("corrupt") and flow in ("savevm", "snapshot"):
        raise HarnessError("--corrupt applies to migration flows (ram, storage, blk)")
    install_signal_handlers()
    for b in (qemu, dst_qemu or qemu):
        if not (os.path.isfile(b) and os.access(b, os.X_OK)):
            raise HarnessError("QEMU binary not found or not executable: %s" % b)
    fr = FlowRun(flow, scenario, qemu, dst_qemu, rundir, repeat, progress, verbose, qemu_label)
    try:
        fr.guest = guest_files(log=fr.log)
        fr.accel = resolve_accel(scenario["accel"], qemu, fr.log)
        fr.record["scenario"]["accel"] = fr.accel
        FLOWS[flow](fr)
        fr.judge()
    except KeyboardInterrupt:
        fr.record["error"] = "interrupted"
        fr.record["result"] = "failed"
        fr.finish()
        raise
    except Exception as e:
        fr.log("ERROR: %s\n%s", e, traceback.format_exc())
        msg = str(e) if isinstance(e, HarnessError) else "%s: %s" % (type(e).__name__, e)
        fr.record["error"] = "%s (phase %s)" % (msg, fr.phase)
        fr.record["result"] = "failed"
        for vm in fr.vms.values():
            if vm.proc is not None and vm.qmp is not None and vm.qmp.closed:
                try:
                    vm.proc.wait(3)      # QMP gone: QEMU is exiting, let it finish its log
                except Exception:
                    pass
            panic = vm.guest_panic()
            if panic:
                fr.record["error"] += "; guest kernel panic on %s: %s (see %s)" % (vm.name, panic, vm.serial_log)
            if not vm.alive() and vm.proc is not None:
                fr.record["error"] += "\n" + vm.log_tail(8)
    except BaseException:
        fr.record["error"] = "terminated"
        fr.finish()
        raise
    fr.finish()
    return fr.record
