"""The fault matrix of `mx-e2e faults` (issue 11, docs/mx/reliability.md).

A fault cell is a normal migration flow (ram, storage, blk) with one fault injected
at one phase, or a savevm onto a full disk.  After the fault the cell demands, in
this order:

  1. the migration failed (or, where the fault came after the source had sent its
     last byte, completed on the source only: management then resumes it with
     `cont`, as libvirt does when the destination did not start), the source runs
     the guest and the destination never ran it;
  2. the guest's full VERIFY on the source is clean;
  3. the audit: QMP answers; no vCPU throttle in force; the block throttle of the
     guest's disk exactly the user's (set before the migration); no dirty bitmap,
     no block job, no NBD client node left on the source; no migration, compress,
     decompress, multifd or return-path thread left in the source process
     (/proc/PID/task, by name, against the count before the migration); on the
     destination side, after management's clean-up (nbd-server-stop, quit), no
     export, and nobody listening on the NBD or the migration port;
  4. a second migration of the same guest to a fresh destination succeeds with
     no fault: RAM oracle identical, verifier clean on that destination, and no
     vCPU throttle in force at any moment of it (a throttle leaked by the failed
     migration would show there: the second migration runs without auto-converge).

A fault is {"what": ..., "at": ...}:
  what: kill-dst (SIGKILL of the destination QEMU), cancel (migrate_cancel),
        link-cut (the source's veth end down; after 2 s management gives up and
        cancels), job-cancel (storage: block-job-cancel force=true of the mirror,
        then management aborts the migration), dst-eio / dst-enospc (the
        destination's image fails every write with EIO / ENOSPC after its first data
        write, blkdebug: storage fails the mirror, blk fails the load), full-disk
        (savevm flow: the image's filesystem is full; see savevm_full_disk)
  at:   mirror (before the mirror is READY: dst-eio/-enospc), bulk (the first pass
        of RAM or of the disk, blk), iteration (the third sync round or later, the
        migration set not to converge: downtime-limit 1 ms, auto-converge on, and
        the vCPU throttle engaged when the fault lands where it could), pre-switchover
        (pause-before-switchover), device (right after migrate-continue: the source
        sends the device state; a storage flow has cancelled its mirror before, as
        libvirt does).
"""

import collections
import os
import re
import time

from .util import HarnessError, Timeout, run, register_cleanup, run_cleanup

WHATS = ("kill-dst", "cancel", "link-cut", "job-cancel", "dst-eio", "dst-enospc", "src-eio",
         "full-disk")
MIRROR_FAULTS = ("dst-eio", "dst-enospc", "src-eio")   # the mirror must fail before READY
SRC_EIO_TAIL = 1 << 20      # src-eio: bytes past the guest's region, read only by the mirror
PHASES = ("mirror", "bulk", "iteration", "pre-switchover", "device", "save")

# threads a migration creates in the source process (debug-threads=on names,
# truncated by the kernel to 15 characters)
MIG_THREAD_RE = re.compile(r"^(live_migration|return path|compress|decompress|multifdsend_\d+|"
                           r"multifdrecv_\d+|multifd-tls-ha|mig/.*|bg_snapshot|nbd-connect|"
                           r"get_dirtyrate|mx[-_].*)$")
THROTTLE_KEYS = ("bps", "bps_rd", "bps_wr", "iops", "iops_rd", "iops_wr", "bps_max", "bps_rd_max",
                 "bps_wr_max", "iops_max", "iops_rd_max", "iops_wr_max", "iops_size", "group")
# the user's limits on the guest disk, set before every fault cell (harmless at the
# workload's rates): the audit demands exactly these afterwards
USER_THROTTLE = {"bps": 0, "bps_rd": 0, "bps_wr": 256 << 20, "iops": 0, "iops_rd": 0,
                 "iops_wr": 100000}


def check_fault(flow, fault):
    what, at = fault.get("what"), fault.get("at")
    if what not in WHATS or at not in PHASES:
        raise HarnessError("fault must be {what: %s, at: %s}, got %s" % (
            "|".join(WHATS), "|".join(PHASES), fault))
    if what == "job-cancel" and flow != "storage":
        raise HarnessError("fault job-cancel needs the storage flow")
    if what == "src-eio" and (flow != "storage" or at != "mirror"):
        raise HarnessError("fault src-eio is the storage flow's, at mirror")
    if what in ("dst-eio", "dst-enospc") and flow not in ("storage", "blk"):
        raise HarnessError("fault %s needs a flow that writes the destination's disk" % what)
    if (what == "full-disk") != (flow in ("savevm", "snapshot")):
        raise HarnessError("fault full-disk is the savevm and snapshot flows' (and their only one)")


# --------------------------------------------------------------------------
# Scenario adjustments

def scenario_for(flow, fault, base):
    """The cell's scenario overrides that make its phase reachable."""
    over = {}
    if fault["at"] == "iteration":
        # never converge: the guest dirties 48 MiB/s, the migration may send 16 MB/s
        # (so the bulk pass takes a few seconds); the fault always finds it
        # iterating, and auto-converge has had its rounds to throttle the vCPU
        over["downtime_limit_ms"] = 1
        over["max_bandwidth"] = 16
        over["ram_rate"] = 48
        over["capabilities"] = dict(base.get("capabilities") or {}, **{"auto-converge": True})
    params = dict(base.get("parameters") or {})
    if flow == "storage" and os.environ.get("MX_FAULTS_BLOCK_QOS", "on") != "off":
        # MX_FAULTS_BLOCK_QOS=off: without it (and so against stock QEMU)
        params["block-qos"] = True
    tcp_timeout = int(os.environ.get("MX_FAULTS_TCP_TIMEOUT", "20000"))
    if tcp_timeout:
        # a dead link must fail a migration that is completing (the migration
        # thread writes to the socket holding the BQL) within 20 s, not after
        # TCP's retransmissions: without it migrate_cancel after a link cut at
        # pre-switchover gets no answer (the negative control:
        # MX_FAULTS_TCP_TIMEOUT=0, also what stock QEMU needs)
        params["tcp-user-timeout"] = tcp_timeout
    if params:
        over["parameters"] = params
    return over


def dst_disk_for(fr, fault, path):
    """blkdebug on the destination's image for dst-eio / dst-enospc."""
    errno = {"dst-eio": 5, "dst-enospc": 28}.get(fault["what"])
    if errno is None or not path:
        return dst_size_for(fr, path)
    conf = os.path.join(fr.rundir, "blkdebug-dst.conf")
    with open(conf, "w") as f:
        # after the image's first data write every further write fails
        f.write('[inject-error]\nevent = "write_aio"\niotype = "write"\nerrno = "%d"\n' % errno)
    return "blkdebug:%s:%s" % (conf, path)


def src_disk_for(fr, fault, path):
    """src-eio: the source's raw image gets SRC_EIO_TAIL bytes past the region the
    guest uses, written (so the mirror reads them, it skips holes), and blkdebug
    fails the first read there with EIO: only the mirror meets it, the guest's data
    and its verifier are untouched."""
    if fault["what"] != "src-eio" or not path:
        return path
    if fr.sc["disk_format"] != "raw":
        raise HarnessError("fault src-eio needs disk_format raw (guest offsets = image offsets)")
    size = (fr.sc["disk_mb"] << 20) + SRC_EIO_TAIL
    run(["qemu-img", "resize", "-q", "-f", "raw", path, str(size)])
    run(["qemu-io", "-f", "raw", "-c", "write -P 0x77 %d %d" % (size - SRC_EIO_TAIL, SRC_EIO_TAIL),
         path])
    conf = os.path.join(fr.rundir, "blkdebug-src.conf")
    with open(conf, "w") as f:
        f.write('[inject-error]\nevent = "read_aio"\niotype = "read"\nerrno = "5"\n'
                'once = "on"\nsector = "%d"\n' % ((size - SRC_EIO_TAIL) // 512 + 8))
    return "blkdebug:%s:%s" % (conf, path)


def dst_size_for(fr, path):
    """The destination's image as big as a src-eio source's."""
    if (fr.sc["fault"] or {}).get("what") == "src-eio" and path:
        run(["qemu-img", "resize", "-q", "-f", fr.sc["disk_format"], path,
             str((fr.sc["disk_mb"] << 20) + SRC_EIO_TAIL)])
    return path


# --------------------------------------------------------------------------
# Baseline and audit

def mig_threads(vm):
    names = collections.Counter()
    try:
        for tid in os.listdir("/proc/%d/task" % vm.pid):
            try:
                with open("/proc/%d/task/%s/comm" % (vm.pid, tid)) as f:
                    n = f.read().strip()
            except OSError:
                continue
            if MIG_THREAD_RE.match(n):
                names[n] += 1
    except OSError:
        pass
    return names


def disk_state(vm):
    """(throttle settings, dirty bitmaps) of drive0 from query-block."""
    for b in vm.qmp.cmd("query-block"):
        if b.get("device") == "drive0":
            ins = b.get("inserted") or {}
            return ({k: ins.get(k) for k in THROTTLE_KEYS if k in ins},
                    [d.get("name") or "(anonymous)" for d in ins.get("dirty-bitmaps") or []])
    return None, []


def set_user_throttle(fr, src):
    if not fr.sc["disk_mb"]:
        return
    src.qmp.cmd("block_set_io_throttle", dict(USER_THROTTLE, device="drive0"))


def baseline(fr, src):
    thr, bitmaps = disk_state(src)
    b = {"threads": dict(mig_threads(src)), "throttle": thr, "bitmaps": bitmaps,
         "nodes": sorted(n.get("node-name") for n in src.qmp.cmd("query-named-block-nodes"))}
    fr.record.setdefault("fault_audit", {})["baseline"] = b
    fr.log("fault baseline: %s", b)
    return b


def _listening(fr, port):
    """Is anybody listening on port in the destination's namespace?"""
    p = run(fr.link.exec_prefix("dst") + ["ss", "-Hltn", "sport = :%d" % port], check=False)
    return bool(p.stdout.strip())


def dst_cleanup(fr, dst, problems):
    """What management does with a destination whose migration failed, and what
    must hold afterwards."""
    out = {}
    if dst.alive() and dst.qmp and not dst.qmp.closed:
        try:
            out["exports_before_cleanup"] = [e.get("id") for e in dst.qmp.cmd("query-block-exports")]
            if out["exports_before_cleanup"]:
                dst.qmp.cmd("nbd-server-stop")
                left = dst.qmp.cmd("query-block-exports")
                if left:
                    problems.append("destination: exports left after nbd-server-stop: %s" % left)
            out["status"] = dst.status()
            if out["status"] == "running":
                problems.append("destination runs the guest")
        except Exception as e:          # its monitor went away: it is exiting
            out["qmp"] = str(e)
    dst.stop()
    out["exit"] = dst.proc.returncode if dst.proc else None
    from .flows import MIG_PORT, NBD_PORT
    deadline = time.monotonic() + 10
    while True:
        busy = [p for p in (NBD_PORT, MIG_PORT) if _listening(fr, p)]
        if not busy or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    if busy:
        problems.append("destination namespace: ports %s still listening" % busy)
    out["ports_listening"] = busy
    return out


def audit(fr, src, base, problems):
    """The source after a failed migration (and management's clean-up)."""
    res = {}
    try:
        res["status"] = src.status()
    except Exception as e:
        problems.append("source QMP does not answer: %s" % e)
        return res
    m = src.qmp.cmd("query-migrate")
    pct = m.get("cpu-throttle-percentage") or (m.get("cpu-throttle") or {}).get("percentage") or 0
    res["cpu_throttle_pct"] = pct
    if pct:
        problems.append("vCPU throttle still at %s%%" % pct)
    thr, bitmaps = disk_state(src)
    res["throttle"], res["bitmaps"] = thr, bitmaps
    if thr != base["throttle"]:
        problems.append("block throttle of drive0 is %s, the user's was %s" % (thr, base["throttle"]))
    if bitmaps != base["bitmaps"]:
        problems.append("dirty bitmaps left on drive0: %s" % bitmaps)
    jobs = src.qmp.cmd("query-block-jobs") + src.qmp.cmd("query-jobs")
    if jobs:
        problems.append("jobs left: %s" % jobs)
    nodes = src.qmp.cmd("query-named-block-nodes")
    nbd = [n.get("node-name") for n in nodes if n.get("drv") == "nbd"]
    res["nodes"] = sorted(n.get("node-name") for n in nodes)
    if nbd or res["nodes"] != base["nodes"]:
        problems.append("block nodes %s, before the migration %s" % (res["nodes"], base["nodes"]))
    # threads end asynchronously after the migration's state changed
    deadline = time.monotonic() + 15
    while True:
        now = mig_threads(src)
        extra = {k: v - base["threads"].get(k, 0) for k, v in now.items()
                 if v > base["threads"].get(k, 0)}
        if not extra or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    res["threads"] = dict(now)
    if extra:
        problems.append("migration threads left in the source: %s" % extra)
    return res


def negative_leaks(fr, src):
    """Negative control of the audit (scenario fault.leak): leave behind what the
    audit must find, as a buggy migration would."""
    src.qmp.cmd("block-dirty-bitmap-add", {"node": "node-drive0", "name": "leak"})
    src.qmp.cmd("block_set_io_throttle", dict(USER_THROTTLE, device="drive0", bps_wr=1 << 20))
    src.qmp.cmd("calc-dirty-rate", {"calc-time": 30})   # thread get_dirtyrate for 30 s


# --------------------------------------------------------------------------
# Injection

def _wait_status(fr, src, pred, timeout, what):
    deadline = time.monotonic() + timeout
    while True:
        m = src.qmp.cmd("query-migrate")
        if m.get("status") in ("completed", "failed", "cancelled") or pred(m):
            return m
        if time.monotonic() > deadline:
            raise Timeout("fault: the migration never reached %s (status %s)" % (what, m.get("status")))
        time.sleep(0.02)


def inject(c):
    """Wait for the fault's phase, inject it, and do what management does next."""
    from .flows import _mig_cancel_mirror
    fr, src, dst, fault, T = c.fr, c.src, c.dst, c.fault, c.T
    at, what = fault["at"], fault["what"]
    if at == "bulk":
        _wait_status(fr, src, lambda m: m.get("status") == "active" and (
            (m.get("ram") or {}).get("transferred", 0) >= (4 << 20) or
            (m.get("disk") or {}).get("transferred", 0) >= (4 << 20)), T, "its bulk phase")
    elif at == "iteration":
        m = _wait_status(fr, src, lambda m: (m.get("ram") or {}).get("dirty-sync-count", 0) >= 3,
                         T, "its third sync round")
        # auto-converge throttles after a few rounds: let it, so the fault finds it on
        t_end = time.monotonic() + 30
        while m.get("status") == "active" and not m.get("cpu-throttle-percentage") and \
                time.monotonic() < t_end:
            time.sleep(0.1)
            m = src.qmp.cmd("query-migrate")
        fr.record["fault_throttle_pct"] = m.get("cpu-throttle-percentage") or 0
    elif at in ("pre-switchover", "device"):
        fr.wait_migration(src, T, until=("pre-switchover",))
        if at == "device":
            if c.job:
                _mig_cancel_mirror(c)       # libvirt's order: the mirror goes first
            src.qmp.cmd("migrate-continue", state="pre-switchover")
            _wait_status(fr, src, lambda m: m.get("status") != "pre-switchover", T, "device")
    fr.set_phase("fault-%s-%s" % (what, at))
    # what the audit must see gone afterwards: the migration's threads now
    fr.record["fault_threads"] = dict(mig_threads(src))
    st = src.qmp.cmd("query-migrate").get("status")
    fr.record["fault"] = dict(fault, t=round(fr.clock(), 3), status=st)
    fr.log("fault %s at %s (source status %s)", what, at, st)
    if what == "kill-dst":
        dst.proc.kill()
        dst.proc.wait(10)
    elif what == "cancel":
        src.qmp.cmd("migrate_cancel")
        return
    elif what == "link-cut":
        fr.link.cut()
        if at == "pre-switchover":
            src.qmp.cmd("migrate-continue", state="pre-switchover")
        # TCP would retry for many minutes: management gives up and cancels
        time.sleep(2)
        src.qmp.cmd("migrate_cancel")
        return
    elif what == "job-cancel":
        src.qmp.cmd("block-job-cancel", device=c.job, force=True)
        src.qmp.wait_event(("BLOCK_JOB_COMPLETED", "BLOCK_JOB_CANCELLED"), 60,
                           match=lambda e: e["data"].get("device") == c.job, alive=src.alive)
        # libvirt aborts the migration when a disk's mirror goes away
        src.qmp.cmd("migrate_cancel")
        return
    if at == "pre-switchover":
        src.qmp.cmd("migrate-continue", state="pre-switchover")


# --------------------------------------------------------------------------
# The cell

def mirror_must_fail(c):
    """dst-eio / dst-enospc on a storage flow: the mirror to the failing export
    must end with an error before it is READY."""
    from .flows import start_mirror, MIRROR_JOB
    fr, src = c.fr, c.src
    fr.set_phase("mirror")
    c.job = MIRROR_JOB
    start_mirror(fr, src, c.job, c.pre_switchover)
    ev = src.qmp.wait_event(("BLOCK_JOB_READY", "BLOCK_JOB_COMPLETED", "BLOCK_JOB_CANCELLED"), c.T,
                            match=lambda e: e["data"].get("device") == c.job, alive=src.alive)
    fr.record["mirror_end_event"] = {"event": ev["event"], "data": ev["data"]}
    if ev["event"] != "BLOCK_JOB_COMPLETED" or not ev["data"].get("error"):
        raise HarnessError("mirror to a destination failing every write: %s" % ev)
    fr.log("mirror failed as it must: %s", ev["data"].get("error"))


def _cleanup_mirror(c):
    from .flows import _mirror_cleanup
    fr, src, job = c.fr, c.src, c.job
    if not job:
        return
    if any(j.get("device") == job and j.get("status") not in ("concluded", "null")
           for j in src.qmp.cmd("query-block-jobs")):
        src.qmp.cmd("block-job-cancel", device=job, force=True)
        try:
            src.qmp.wait_event(("BLOCK_JOB_COMPLETED", "BLOCK_JOB_CANCELLED"),
                               30 if fr.link.is_cut else 60,
                               match=lambda e: e["data"].get("device") == job, alive=src.alive)
        except Timeout:
            if not fr.link.is_cut:
                raise
            # its NBD requests are stuck on the cut link until TCP gives up
            # (minutes): the job can only end when the network is back
            fr.log("mirror still cancelling with the link cut: link restored")
            fr.record["fault"]["mirror_ended_after_link_back"] = True
            fr.link.restore()
            src.qmp.wait_event(("BLOCK_JOB_COMPLETED", "BLOCK_JOB_CANCELLED"), 60,
                               match=lambda e: e["data"].get("device") == job, alive=src.alive)
    try:
        _mirror_cleanup(fr, src, job, c.pre_switchover)
    except Exception as e:      # the nodes may be gone already
        fr.log("mirror clean-up: %s", e)


def run_cell(c, base):
    """After the fault's setup: inject, judge, audit, second migration."""
    fr, src, dst = c.fr, c.src, c.dst
    fault = c.fault
    problems = []
    if fault["what"] in MIRROR_FAULTS:
        if c.storage:
            # the mirror meets the error before READY: libvirt never migrates
            ev = fr.record.get("mirror_end_event") or {}
            m = {"status": "not started",
                 "error-desc": "mirror: %s" % (ev.get("data") or {}).get("error")}
            fr.record["fault"] = dict(fault, t=round(fr.clock(), 3), status="mirror")
        else:
            m = fr.wait_migration(src, c.T, failed_ok=True)
    else:
        inject(c)
        m = fr.wait_migration(src, c.T, failed_ok=True, until=("pre-switchover",))
        if m.get("status") == "pre-switchover":
            # the source had not noticed yet and reached pre-switchover: management
            # goes on as always (libvirt: its mirrors first, then migrate-continue)
            fr.log("pre-switchover after the fault: migrate-continue")
            fr.record["fault"]["continued_at_pre_switchover"] = True
            if c.job:
                _cleanup_mirror(c)
            src.qmp.cmd("migrate-continue", state="pre-switchover")
            m = fr.wait_migration(src, c.T, failed_ok=True)
    resumed_by_cont = False
    if m.get("status") == "completed":
        # the source had sent everything before the fault: the destination is dead
        # or cut off and never started, so management resumes the source
        if fault["at"] != "device":
            raise HarnessError("migration completed despite the fault %s" % fault)
        dst_state = "exited"
        if dst.alive():
            try:
                dst_state = "%s, incoming %s" % (dst.status(),
                                                 dst.qmp.cmd("query-migrate").get("status"))
            except Exception as e:
                dst_state = "monitor gone: %s" % e
            if dst_state.startswith("running"):
                raise HarnessError("destination runs the guest")
        fr.record["fault"]["destination_at_completion"] = dst_state
        # management abandons the destination (libvirt kills that domain) before
        # it resumes the source: while a destination that loaded everything holds
        # the shared image, the image lock refuses the source's cont, as it must
        fr.log("completed on the source before the fault (destination %s): "
               "destination stopped, source cont (management)", dst_state)
        dst.stop()
        src.qmp.cmd("cont")
        resumed_by_cont = True
        m = {"status": "completed-on-source", "error-desc": "resumed with cont"}
    fr.failed_cleanly(src, dst, m)
    fr.record["migration_failure"]["resumed_by_cont"] = resumed_by_cont
    _cleanup_mirror(c)
    if fault.get("leak"):
        negative_leaks(fr, src)
    fr.set_phase("audit")
    res = audit(fr, src, base, problems)
    res["destination"] = dst_cleanup(fr, dst, problems)
    fr.record["fault_audit"]["after"] = res
    fr.log("fault audit: %s; problems: %s", res, problems)
    if problems:
        raise HarnessError("audit: " + "; ".join(problems))
    second_migration(c)


def second_migration(c):
    """The same guest to a fresh destination, no fault: must complete clean."""
    from .flows import _Mig, _mig_mirror, _mig_cancel_mirror, _mig_finish, start_nbd_export
    fr, src = c.fr, c.src
    fr.set_phase("second-migration")
    src.qmp.clear_events()      # the first attempt's job and migration events
    if fr.link.is_cut:
        fr.link.restore()
    kind = c.kind
    disk = fr.vms["src"].disk if kind == "ram" else dst_size_for(fr, fr.create_disk("dst2"))
    c2 = _Mig(fr, kind)
    c2.src, c2.storage, c2.fault = src, c.storage, None
    c2.pre_switchover = c.storage
    c2.uri = c.uri
    dst = c2.dst = fr.new_vm("dst2", fr.dst_qemu, "dst", disk, incoming=True, paused=True)
    dst_caps = {"block": True} if kind == "blk" else {}
    src_caps = {"auto-converge": False, "pause-before-switchover": c2.pre_switchover,
                "block": kind == "blk"}
    if c.storage:
        dst_caps.update({"late-block-activate": True, "return-path": True})
    fr.migration_caps(dst, dst_caps)
    fr.migration_params(dst, source=False)
    if c.storage:
        start_nbd_export(fr, dst)
    dst.qmp.cmd("migrate-incoming", uri=c2.uri)
    fr.migration_caps(src, src_caps)
    fr.migration_params(src, source=True)
    rate = fr.sc["link_rate_mbit"]
    src.qmp.cmd("migrate-set-parameters", {"downtime-limit": 300, "max-bandwidth":
                                           int(rate * 1e6 / 8) if rate else int(1e12)})
    src.send("RESUME")                 # the verify paused the workload
    fr.start_sampler(src, dst)
    if c2.storage and not _mig_mirror(c2):
        raise HarnessError("second migration: the mirror did not become ready")
    c2.t_mig = time.monotonic()
    src.qmp.cmd("migrate", uri=c2.uri)
    if c2.pre_switchover:
        fr.wait_migration(src, c2.T, until=("pre-switchover",))
        _mig_cancel_mirror(c2)
        src.qmp.cmd("migrate-continue", state="pre-switchover")
    m = fr.wait_migration(src, c2.T)
    leaked = [e for e in fr.sampler.timeline if e.get("cpu_throttle_pct")]
    if leaked:
        raise HarnessError("second migration (auto-converge off) ran with a vCPU throttle: %s%%"
                           % leaked[0]["cpu_throttle_pct"])
    fr.record["second_migration"] = {"status": m.get("status"), "downtime_ms": m.get("downtime")}
    _mig_finish(c2, m)


# --------------------------------------------------------------------------
# savevm onto a full disk

def savevm_full_disk(fr, use_qmp_jobs=False):
    """savevm to a qcow2 image whose filesystem (a tmpfs: image + guest RAM + 64 MiB) has
    8 MiB left: the save must fail with a clear error and leave no snapshot; the
    guest runs on (or, if its own writes met the full disk and stopped it, runs
    again with `cont` once space is freed, as management does); its data is
    intact; after freeing space a second savevm and a loadvm succeed with the RAM
    oracle identical and the verifier clean."""
    from . import measure
    from .flows import _snapshot_state_bytes, _run_job

    def snap(op, check=True):
        """savevm/loadvm mx1 (HMP) or snapshot-save/-load (QMP job); the error text"""
        try:
            if use_qmp_jobs:
                _run_job(vm, "snapshot-" + op, {"tag": "mx1", "vmstate": "node-drive0",
                                                "devices": ["node-drive0"]},
                         op + str(time.monotonic_ns()), sc["flow_timeout_s"])
                return None
            out = vm.qmp.hmp("%svm mx1" % op, timeout=sc["flow_timeout_s"], check=False)
            if out.strip():
                raise HarnessError(out.strip())
            return None
        except HarnessError as e:
            if check:
                raise
            return str(e)
    sc = fr.sc
    mnt = os.path.join(fr.rundir, "full")
    os.makedirs(mnt, exist_ok=True)
    # room for the image and a whole second vmstate (up to the guest RAM) once freed
    run(["mount", "-t", "tmpfs", "-o", "size=%dm" % (sc["disk_mb"] * 2 + sc["mem_mb"] + 64), "mx-full", mnt])
    h = register_cleanup(lambda: run(["umount", "-l", mnt], check=False), "tmpfs " + mnt)
    try:
        disk = os.path.join(mnt, "disk.qcow2")
        run(["qemu-img", "create", "-q", "-f", "qcow2", "-o", "cluster_size=65536", disk,
             "%dM" % sc["disk_mb"]])
        vm = fr.boot_source(disk, link=False)
        fr.start_clock()
        base = {"threads": dict(mig_threads(vm))}
        thr, bm = disk_state(vm)
        base.update(throttle=thr, bitmaps=bm,
                    nodes=sorted(n.get("node-name") for n in vm.qmp.cmd("query-named-block-nodes")))
        # fill the filesystem to 8 MiB from full
        st = os.statvfs(mnt)
        free = st.f_bavail * st.f_frsize
        filler = os.path.join(mnt, "filler")
        with open(filler, "wb") as f:
            left = free - (8 << 20)
            try:
                while left > 0:
                    n = min(left, 4 << 20)
                    f.write(b"\xff" * n)
                    left -= n
            except OSError:             # the guest's own writes took the rest
                pass
        fr.set_phase("save")
        t = time.monotonic()
        err = snap("save", check=False)
        fr.record["fault"] = {"what": "full-disk", "at": "save", "error": err,
                              "t": round(time.monotonic() - t, 3)}
        if not err:
            raise HarnessError("a save onto a full disk reported no error")
        fr.log("savevm on the full disk: %s", err)
        if _snapshot_state_bytes(vm, "mx1") is not None:
            raise HarnessError("a snapshot mx1 exists after the failed savevm")
        st0 = vm.qmp.cmd("query-status")
        fr.record["fault"]["status_after"] = st0
        if st0["status"] not in ("running", "io-error"):
            raise HarnessError("guest is '%s' after the failed savevm" % st0["status"])
        os.unlink(filler)
        # the guest's own writes may meet the full disk too (werror=enospc stops
        # it, now or a moment later): management frees space and continues it
        resumed = False
        for _ in range(10):
            if vm.status() == "io-error":
                vm.qmp.cmd("cont")
                resumed = True
            time.sleep(0.2)
        if vm.status() != "running":
            raise HarnessError("guest is '%s' after the failed savevm and cont" % vm.status())
        fr.record["migration_failure"] = {"status": "save failed", "error": err,
                                          "destination": "-", "resumed_by_cont": resumed}
        fr.verify(vm)
        problems = []
        res = audit(fr, vm, base, problems)
        fr.record["fault_audit"] = {"baseline": base, "after": res}
        if problems:
            raise HarnessError("audit: " + "; ".join(problems))
        # the second attempt, with space
        fr.set_phase("second-savevm")
        vm.send("RESUME")
        time.sleep(1)
        vm.qmp.cmd("stop")
        st = os.statvfs(mnt)
        fr.record["fault"]["free_before_second_save"] = st.f_bavail * st.f_frsize
        fr.log("second savevm: %d bytes free on the image's filesystem", st.f_bavail * st.f_frsize)
        pre = vm.pmemsave(os.path.join(fr.rundir, "ram-before-save.bin"))
        snap("save")
        vm.qmp.cmd("cont")
        time.sleep(1)
        vm.qmp.cmd("stop")
        snap("load")
        post = vm.pmemsave(os.path.join(fr.rundir, "ram-after-load.bin"))
        r = measure.compare_dumps(pre, post)
        measure.remove_dumps(pre, post)
        fr.record["verdict"]["oracle"] = r
        fr.record["second_migration"] = {"status": "savevm + loadvm ok"}
        vm.send("PAUSE")
        vm.qmp.cmd("cont")
        fr.verify(vm)
        vm.stop()
        # the image may leak clusters of the failed save, never be corrupt
        p = run(["qemu-img", "check", "-q", disk], check=False)
        fr.record["fault"]["qemu_img_check_rc"] = p.returncode
        if p.returncode not in (0, 3):
            raise HarnessError("qemu-img check after the failed savevm: rc %d %s" % (
                p.returncode, p.stdout + p.stderr))
    finally:
        for v in list(fr.vms.values()):
            v.stop()
        run_cleanup(h)
