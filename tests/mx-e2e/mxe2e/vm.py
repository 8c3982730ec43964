"""Launch one QEMU inside a network namespace, with QMP and a serial console
over unix sockets that the harness owns, and parse the guest agent's `MX `
lines (see PROTOCOL.md)."""

import os
import re
import signal
import socket
import subprocess
import threading
import time

from .qmp import QMP, Listener
from .util import HarnessError, Timeout, register_cleanup, run_cleanup, run, sock_path

CLK_TCK = os.sysconf("SC_CLK_TCK")
_version_cache = {}


# throttle-group object of a source with a read cap (scenario src_read_cap_mibs)
READ_CAP_GROUP = "mx-src-read-cap"


def qemu_version(binary):
    if binary not in _version_cache:
        p = run([binary, "--version"], timeout=30)
        _version_cache[binary] = p.stdout.splitlines()[0].strip()
    return _version_cache[binary]


def qemu_kind(binary):
    """"mx" for a qemu-mx build, "stock" otherwise (decided by the version string)."""
    v = qemu_version(binary)
    return "mx" if re.search(r"mx\d*\b|qemu-mx", v) else "stock"


def ram_ranges(mem_bytes):
    """Guest-physical RAM ranges of an x86 'pc' machine: (gpa, length)."""
    lowmem = 0xc0000000 if mem_bytes >= 0xe0000000 else 0xe0000000
    below = min(mem_bytes, lowmem)
    ranges = [(0, below)]
    if mem_bytes > below:
        ranges.append((1 << 32, mem_bytes - below))
    return ranges


def parse_kv(text):
    d = {}
    for tok in text.split():
        if "=" in tok:
            k, v = tok.split("=", 1)
            try:
                if v.startswith("0x"):
                    d[k] = int(v, 16)
                elif re.fullmatch(r"-?\d+", v):
                    d[k] = int(v)
                else:
                    d[k] = float(v)
            except ValueError:
                d[k] = v
    return d


class Serial:
    """Reads the guest's serial console line by line, keeps MX records."""

    def __init__(self, conn, logpath, name, clock):
        self.conn = conn
        self.name = name
        self.clock = clock          # callable -> seconds since flow start
        self.logf = open(logpath, "ab", buffering=0)
        self.cv = threading.Condition()
        self.lines = []             # (t, line) of MX lines
        self.stats = []             # dicts from MX STAT, plus "_t" (flow time)
        self.mismatches = []        # raw MX MISMATCH lines
        self.verify_done = []       # dicts
        self.ready = None           # dict from MX READY
        self.pfns = []              # (idx, pfn)
        self.closed = False
        self.last_rx = time.monotonic()
        self.thread = threading.Thread(target=self._loop, name="serial-" + name, daemon=True)
        self.thread.start()

    def _loop(self):
        buf = b""
        try:
            while True:
                data = self.conn.recv(65536)
                if not data:
                    break
                self.logf.write(data)
                buf += data
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    self._line(line.decode("utf-8", "replace").strip("\r\n\x00 "))
        except OSError:
            pass
        finally:
            with self.cv:
                self.closed = True
                self.cv.notify_all()

    def _line(self, line):
        i = line.find("MX ")
        if i < 0:
            return
        line = line[i:]
        t = self.clock()
        parts = line.split(None, 2)
        kind = parts[1] if len(parts) > 1 else ""
        rest = parts[2] if len(parts) > 2 else ""
        with self.cv:
            self.lines.append((t, line))
            self.last_rx = time.monotonic()
            if kind == "STAT":
                d = parse_kv(rest)
                d["_t"] = t
                d["_mono"] = time.monotonic()
                d["_side"] = self.name
                self.stats.append(d)
            elif kind == "MISMATCH":
                self.mismatches.append(line)
            elif kind == "VERIFY-DONE":
                self.verify_done.append(parse_kv(rest))
            elif kind == "READY":
                self.ready = parse_kv(rest)
            elif kind == "PFN":
                d = parse_kv(rest)
                if "idx" in d and "pfn" in d:
                    self.pfns.append((d["idx"], d["pfn"]))
            self.cv.notify_all()

    def send(self, cmd):
        try:
            self.conn.sendall((cmd + "\n").encode())
        except OSError as e:
            raise HarnessError("%s: cannot write to serial: %s" % (self.name, e))

    def mark(self):
        with self.cv:
            return len(self.lines)

    # The agent prints MX STAT every second; this long without any MX line means the
    # guest is dead (e.g. it resumed on stale RAM), so waiting longer is pointless.
    SILENCE_S = 90

    def wait_line(self, prefix, timeout, since=0, alive=None, silence=None):
        """Wait for an MX line starting with prefix (e.g. "MX READY") at index >= since.
        With silence=N, give up when the guest has printed no MX line for N seconds."""
        deadline = time.monotonic() + timeout
        with self.cv:
            while True:
                for t, line in self.lines[since:]:
                    if line.startswith(prefix):  # prefix: str or tuple
                        return line
                left = deadline - time.monotonic()
                if left <= 0:
                    raise Timeout("%s: timed out after %.0fs waiting for guest line '%s'" % (
                        self.name, timeout, prefix))
                if self.closed:
                    raise HarnessError("%s: serial closed while waiting for '%s'" % (self.name, prefix))
                if silence and time.monotonic() - max(self.last_rx, deadline - timeout) > silence:
                    raise HarnessError("%s: guest silent for %ds while waiting for '%s' "
                                       "(hung or crashed)" % (self.name, silence, prefix))
                self.cv.wait(min(left, 0.5))
                if alive is not None and not alive():
                    raise HarnessError("%s: QEMU exited while waiting for guest line '%s'" % (self.name, prefix))

    def close(self):
        try:
            self.conn.close()
        except OSError:
            pass
        self.logf.close()


class VM:
    """One QEMU process.  Use as a context manager or call stop()."""

    def __init__(self, name, qemu, rundir, link=None, side="src", mem_mb=256, accel="tcg",
                 smp=1, kernel=None, initrd=None, append_params=None, disk=None,
                 disk_format="qcow2", cache="none", incoming=False, paused=False,
                 shm_backend=False, clock=None, log=None, extra_args=None, read_cap_bps=0):
        self.name = name
        self.qemu = qemu
        self.rundir = rundir
        self.link = link
        self.side = side
        self.mem_mb = mem_mb
        self.accel = accel
        self.smp = smp
        self.kernel = kernel
        self.initrd = initrd
        self.append_params = append_params or {}
        self.disk = disk
        self.disk_format = disk_format
        self.cache = cache
        self.incoming = incoming
        self.paused = paused
        self.shm_path = None
        if shm_backend:
            self.shm_path = "/dev/shm/mx-e2e-%d-%s-%s" % (os.getpid(), os.path.basename(rundir), name)
        self.clock = clock or (lambda: 0.0)
        self.log = log or (lambda *a: None)
        self.extra_args = extra_args or []
        # slow storage: the image's reads capped by a throttle filter node between
        # the format node and the file (not a device limit: query-block shows none)
        self.read_cap_bps = int(read_cap_bps or 0)
        self.proc = None
        self.qmp = None
        self.serial = None
        self._thread_cpu = {}
        self._cleanup = None
        # Sockets go to a short directory of their own (util.sock_path), the
        # logs stay in the run directory.
        self.qmp_path = sock_path("%s.qmp" % name)
        self.serial_path = sock_path("%s.serial" % name)
        self.qemu_log = os.path.join(rundir, "qemu-%s.log" % name)
        self.serial_log = os.path.join(rundir, "serial-%s.log" % name)

    @property
    def mem_bytes(self):
        return self.mem_mb << 20

    # -- launch ------------------------------------------------------------
    def args(self):
        a = [self.qemu, "-name", "mx-%s,debug-threads=on" % self.name, "-nodefaults", "-no-user-config",
             "-display", "none", "-vga", "none", "-no-reboot",
             "-machine", "pc", "-accel", self.accel, "-smp", str(self.smp),
             "-m", "%dM" % self.mem_mb,
             "-chardev", "socket,id=qmp0,path=%s" % self.qmp_path,
             "-mon", "chardev=qmp0,mode=control",
             "-chardev", "socket,id=ser0,path=%s" % self.serial_path,
             "-serial", "chardev:ser0"]
        if self.shm_path:
            # id pc.ram keeps the RAMBlock name of a plain -m guest, so a source
            # without a file backend migrates into it.
            a += ["-object", "memory-backend-file,id=pc.ram,size=%dM,mem-path=%s,share=on" % (
                self.mem_mb, self.shm_path),
                  "-machine", "memory-backend=pc.ram"]
        if self.kernel:
            a += ["-kernel", self.kernel]
            if self.initrd:
                a += ["-initrd", self.initrd]
            append = ["console=ttyS0", "quiet", "panic=-1", "no_timer_check"]
            append += ["mx.%s=%s" % (k, v) for k, v in self.append_params.items() if v is not None]
            a += ["-append", " ".join(append)]
        if self.disk and self.read_cap_bps:
            a += ["-object", "throttle-group,id=%s,x-bps-read=%d" % (READ_CAP_GROUP, self.read_cap_bps),
                  "-drive", "driver=%s,file.driver=throttle,file.throttle-group=%s,"
                  "file.file.driver=file,file.file.filename=%s,if=none,id=drive0,"
                  "node-name=node-drive0,cache=%s" % (self.disk_format, READ_CAP_GROUP,
                                                      self.disk, self.cache),
                  "-device", "virtio-blk-pci,drive=drive0,id=vblk0"]
        elif self.disk:
            a += ["-drive", "file=%s,format=%s,if=none,id=drive0,node-name=node-drive0,cache=%s" % (
                self.disk, self.disk_format, self.cache),
                  "-device", "virtio-blk-pci,drive=drive0,id=vblk0"]
        if self.paused:
            a += ["-S"]
        if self.incoming:
            a += ["-incoming", "defer"]
        return a + list(self.extra_args)

    def lift_read_cap(self):
        """Take the slow-storage read cap off (before a full verification pass)."""
        if self.read_cap_bps and self.qmp:
            self.qmp.cmd("qom-set", path=READ_CAP_GROUP, property="limits",
                         value={"bps-read": 0})
            self.read_cap_bps = 0

    def start(self, timeout=30):
        qmp_l = Listener(self.qmp_path)
        ser_l = Listener(self.serial_path)
        self._cleanup = register_cleanup(self._kill, "qemu " + self.name)
        cmd = self.args()
        if self.link is not None:
            cmd = self.link.exec_prefix(self.side) + cmd
        self.log("%s: %s", self.name, " ".join(cmd))
        logf = open(self.qemu_log, "ab")
        try:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=logf, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        finally:
            logf.close()
        try:
            qconn = qmp_l.accept(timeout, alive=self.alive, what="QMP monitor")
            sconn = ser_l.accept(timeout, alive=self.alive, what="serial console")
        except HarnessError as e:
            raise HarnessError("%s: %s\n%s" % (self.name, e, self.log_tail()))
        finally:
            qmp_l.close()
            ser_l.close()
        self.serial = Serial(sconn, self.serial_log, self.name, self.clock)
        self.qmp = QMP(qconn, log=self.log, name=self.name)
        self.qmp.negotiate()
        return self

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def guest_panic(self):
        """The kernel panic line from the serial log, if the guest panicked."""
        try:
            with open(self.serial_log, errors="replace") as f:
                for line in f:
                    if "Kernel panic" in line:
                        return line.strip()
        except OSError:
            pass
        return None

    def log_tail(self, n=15):
        try:
            with open(self.qemu_log, errors="replace") as f:
                lines = f.read().splitlines()[-n:]
            return "qemu-%s.log:\n  " % self.name + "\n  ".join(lines) if lines else "(qemu log empty)"
        except OSError:
            return ""

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    # -- guest helpers -----------------------------------------------------
    def wait_ready(self, timeout=180):
        try:
            line = self.serial.wait_line("MX READY", timeout, alive=self.alive)
        except Timeout:
            raise Timeout("%s: guest agent did not report READY within %ds (see %s)\n%s" % (
                self.name, timeout, self.serial_log, self.log_tail(5)))
        return line

    def send(self, cmd):
        self.serial.send(cmd)

    def guest_cmd(self, cmd, reply_prefix, timeout=30):
        m = self.serial.mark()
        self.send(cmd)
        return self.serial.wait_line(reply_prefix, timeout, since=m, alive=self.alive)

    def verify(self, timeout):
        """PAUSE the workload, run a full VERIFY, return the VERIFY-DONE dict."""
        m = self.serial.mark()
        self.send("PAUSE")
        self.send("VERIFY")
        self.serial.wait_line("MX VERIFY-DONE", timeout, since=m, alive=self.alive,
                              silence=Serial.SILENCE_S)
        return self.serial.verify_done[-1]

    # -- monitor helpers ---------------------------------------------------
    def status(self):
        return self.qmp.cmd("query-status")["status"]

    def pmemsave(self, path, timeout=300):
        """Dump all guest RAM (every RAM range, concatenated) to path."""
        parts = []
        for i, (gpa, ln) in enumerate(ram_ranges(self.mem_bytes)):
            p = path if i == 0 else "%s.%d" % (path, i)
            self.qmp.cmd("pmemsave", {"val": gpa, "size": ln, "filename": p}, timeout=timeout)
            parts.append((gpa, ln, p))
        return parts

    # -- CPU accounting ----------------------------------------------------
    def sample_cpu(self):
        """Record per-thread CPU seconds (threads that exit keep their last value)."""
        if not self.proc:
            return
        base = "/proc/%d/task" % self.proc.pid
        try:
            tids = os.listdir(base)
        except OSError:
            return
        for tid in tids:
            try:
                with open("%s/%s/stat" % (base, tid)) as f:
                    s = f.read()
            except OSError:
                continue
            l, r = s.find("("), s.rfind(")")
            comm = s[l + 1:r]
            f = s[r + 2:].split()
            secs = (int(f[11]) + int(f[12])) / CLK_TCK
            self._thread_cpu[tid] = (comm, secs)
        try:
            with open("/proc/%d/stat" % self.proc.pid) as f:
                s = f.read()
            f = s[s.rfind(")") + 2:].split()
            self._proc_cpu = (int(f[11]) + int(f[12])) / CLK_TCK
        except OSError:
            pass

    def cpu_now(self):
        """[process CPU-s, vCPU threads' CPU-s] as of the last sample_cpu()."""
        vcpu = sum(secs for comm, secs in self._thread_cpu.values() if "/TCG" in comm or "/KVM" in comm)
        total = getattr(self, "_proc_cpu", None)
        if total is None:
            total = sum(secs for _, secs in self._thread_cpu.values())
        return [round(total, 3), round(vcpu, 3)]

    # thread groups of cpu_groups(): first match of the thread name wins
    CPU_GROUPS = (("vcpu", ("/TCG", "/KVM")), ("migration", ("live_migration",)),
                  ("decompress", ("decompress",)), ("compress", ("compress",)),
                  ("multifd", ("multifd",)))

    def cpu_groups(self):
        """CPU-s per thread group as of the last sample_cpu(): vcpu, migration (the
        migration thread), compress, decompress, multifd, main (the main thread, which
        loads the stream on a destination) and other; threads that exited keep their
        last value."""
        out = {}
        main_tid = str(self.proc.pid) if self.proc else None
        for tid, (comm, secs) in self._thread_cpu.items():
            g = "main" if tid == main_tid else next(
                (name for name, pats in self.CPU_GROUPS if any(p in comm for p in pats)), "other")
            out[g] = round(out.get(g, 0.0) + secs, 3)
        return out

    def cpu_summary(self):
        threads = {}
        for comm, secs in self._thread_cpu.values():
            threads[comm] = round(threads.get(comm, 0.0) + secs, 3)
        total = getattr(self, "_proc_cpu", None)
        if total is None:
            total = sum(threads.values())
        return {"total": round(total, 3), "threads": threads}

    # -- teardown ----------------------------------------------------------
    def stop(self, timeout=10):
        if self._cleanup is not None:
            run_cleanup(self._cleanup)
            self._cleanup = None

    def _kill(self):
        if self.proc and self.proc.poll() is None:
            self.sample_cpu()
            try:
                if self.qmp and not self.qmp.closed:
                    self.qmp.cmd("quit", timeout=5)
            except Exception:
                pass
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.terminate()
                try:
                    self.proc.wait(5)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
        if self.qmp:
            self.qmp.close()
        if self.serial:
            self.serial.close()
        for p in (self.qmp_path, self.serial_path):
            try:
                os.unlink(p)
            except OSError:
                pass
        if self.shm_path:
            try:
                os.unlink(self.shm_path)
            except OSError:
                pass
