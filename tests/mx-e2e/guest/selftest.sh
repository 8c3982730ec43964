#!/bin/bash
# Self-test of the e2e guest (kernel + initramfs + mxagent) on one QEMU.
#
# Usage: selftest.sh [QEMU_BINARY]      (default /usr/bin/qemu-system-x86_64)
# Env:   MX_GUEST_DIR  where build-guest.sh writes the guest
#                      (default <repo>/build/e2e/guest)
#        MX_SELFTEST_KEEP=1  keep the run directory (serial.log, qemu.log)
#
# Boots the guest under TCG with a fresh qcow2 disk and a shared-file memory
# backend, then checks: READY and STAT at about the requested rates; a clean
# VERIFY; clean VERIFY after HMP stop/cont and after savevm/loadvm; and that
# both negative controls are detected: one written disk block overwritten
# with HMP qemu-io, one working-set page overwritten through the memory
# backend file at pfn * 4096.  Exit 0 if all pass, 1 otherwise.
set -euo pipefail

qemu=${1:-/usr/bin/qemu-system-x86_64}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
guest=${MX_GUEST_DIR:-$top/build/e2e/guest}

[ -x "$qemu" ] || { echo "selftest: no QEMU binary at $qemu" >&2; exit 1; }
"$here/build-guest.sh" "$guest"

tmp=$(mktemp -d /tmp/mx-selftest.XXXXXX)
shm=/dev/shm/mx-selftest.$$
cleanup() {
    local pid
    pid=$(cat "$tmp/qemu.pid" 2>/dev/null || true)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null || true
        sleep 0.5
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$shm"
    if [ "${MX_SELFTEST_KEEP:-0}" = 1 ]; then
        rm -f "$tmp/disk.qcow2"
        echo "selftest: kept $tmp"
    else
        rm -rf "$tmp"
    fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

/usr/bin/python3 - "$qemu" "$guest" "$tmp" "$shm" <<'PYEOF'
import os, pty, queue, re, socket, subprocess, sys, threading, time

qemu, guest, tmp, shm = sys.argv[1:5]
RAM_MB, RAM_RATE, DISK_RATE, BS = 128, 50, 2, 4096
DISK_MB, MEM_MB = 256, 512
# generous: a TCG guest on a loaded 2-core host (helpers, benchmarks) runs several
# times slower; the checks are on behaviour, the deadline only stops a hang
deadline = time.monotonic() + 300
t0 = time.monotonic()
failures = []


def log(msg):
    print("selftest: [%5.1fs] %s" % (time.monotonic() - t0, msg), flush=True)


def check(cond, what):
    log(("ok:   " if cond else "FAIL: ") + what)
    if not cond:
        failures.append(what)
    return cond


class Serial:
    """Line reader for the guest console; keeps every line in a log."""

    def __init__(self, path):
        self.sock = connect(path)
        self.lines = queue.Queue()
        self.log = open(os.path.join(tmp, "serial.log"), "w")
        threading.Thread(target=self._reader, daemon=True).start()

    def _reader(self):
        buf = b""
        while True:
            try:
                data = self.sock.recv(65536)
            except OSError:
                return
            if not data:
                return
            buf += data
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                text = line.decode("utf-8", "replace").strip("\r\x00")
                self.log.write("%7.2f %s\n" % (time.monotonic() - t0, text))
                self.log.flush()
                self.lines.put(text)

    def send(self, cmd):
        self.sock.sendall(cmd.encode() + b"\n")

    def wait(self, pattern, timeout=30):
        """Return the match of the first line matching pattern (regex)."""
        end = min(time.monotonic() + timeout, deadline)
        while True:
            left = end - time.monotonic()
            if left <= 0:
                raise TimeoutError("no line matching %r" % pattern)
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            m = re.search(pattern, line)
            if m:
                return m

    def drain(self):
        while not self.lines.empty():
            self.lines.get_nowait()


class Monitor:
    """Minimal HMP client on a unix socket."""

    def __init__(self, path):
        self.sock = connect(path)
        self._until_prompt()

    def _until_prompt(self):
        buf = b""
        self.sock.settimeout(max(1, deadline - time.monotonic()))
        while not buf.endswith(b"(qemu) "):
            data = self.sock.recv(1 << 20)
            if not data:
                raise EOFError("monitor closed")
            buf += data
        return buf.decode("utf-8", "replace")

    def cmd(self, line):
        self.sock.sendall(line.encode() + b"\n")
        out = self._until_prompt()
        out = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", out).replace("\r", "")
        # drop the echoed command line and the trailing prompt
        lines = out.split("\n")[1:-1]
        return "\n".join(lines)


class QemuOut:
    """QEMU's stdout/stderr on a pty: HMP qemu-io prints there, and a pty
    makes stdio line-buffered so the text shows up at once."""

    def __init__(self):
        self.master, self.slave = pty.openpty()
        self.text = ""
        self.cv = threading.Condition()
        self.log = open(os.path.join(tmp, "qemu.log"), "w")
        threading.Thread(target=self._reader, daemon=True).start()

    def _reader(self):
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return
            if not data:
                return
            text = data.decode("utf-8", "replace").replace("\r", "")
            self.log.write(text)
            self.log.flush()
            with self.cv:
                self.text += text
                self.cv.notify_all()

    def mark(self):
        with self.cv:
            return len(self.text)

    def wait(self, mark, pattern, timeout=20):
        """Text printed since mark, once it contains pattern (regex)."""
        end = min(time.monotonic() + timeout, deadline)
        with self.cv:
            while not re.search(pattern, self.text[mark:]):
                left = end - time.monotonic()
                if left <= 0:
                    raise TimeoutError("no QEMU output matching %r" % pattern)
                self.cv.wait(left)
            return self.text[mark:]


def qemu_io(cmd, done):
    """Run HMP qemu-io on the guest disk; return its output."""
    mark = qout.mark()
    mon.cmd('qemu-io virtio0 "%s"' % cmd)
    return qout.wait(mark, done)


def connect(path):
    for _ in range(300):
        if proc.poll() is not None:
            time.sleep(0.2)     # let the reader collect QEMU's last words
            raise RuntimeError("QEMU exited with %d: %s" %
                               (proc.returncode, qout.text.strip()[-300:]))
        if os.path.exists(path):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(path)
                return s
            except OSError:
                s.close()
        time.sleep(0.05)
    raise TimeoutError("cannot connect to " + path)


def verify(ser, tag, ram_bad=0, disk_bad=0):
    ser.drain()
    ser.send("VERIFY")
    m = ser.wait(r"^MX VERIFY-DONE ram_ok=(\d+) ram_bad=(\d+) "
                 r"disk_ok=(\d+) disk_bad=(\d+)", timeout=150)
    ok_r, bad_r, ok_d, bad_d = map(int, m.groups())
    check(bad_r == ram_bad and bad_d == disk_bad and
          ok_r + bad_r == RAM_MB * 256 and
          ok_d + bad_d == DISK_MB * 1024 * 1024 // BS,
          "%s: %s (want ram_bad=%d disk_bad=%d)" %
          (tag, m.group(0), ram_bad, disk_bad))


def stat_rates(ser, n=3):
    ser.wait(r"^MX STAT ")       # first interval may be partial
    ram, disk = [], []
    for _ in range(n):
        m = ser.wait(r"^MX STAT .*ram_mibps=([\d.]+) .*disk_mibps=([\d.]+)")
        ram.append(float(m.group(1)))
        disk.append(float(m.group(2)))
    return sum(ram) / n, sum(disk) / n


disk = os.path.join(tmp, "disk.qcow2")
subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", disk,
                "%dM" % DISK_MB], check=True)
args = [
    qemu, "-accel", "tcg", "-m", str(MEM_MB), "-nographic", "-nodefaults",
    "-no-reboot", "-pidfile", os.path.join(tmp, "qemu.pid"),
]
# A binary run from a build tree does not find Debian's firmware by itself.
for d in ("/usr/share/seabios", "/usr/lib/ipxe/qemu", "/usr/share/qemu"):
    if os.path.isdir(d):
        args += ["-L", d]
args += [
    "-object", "memory-backend-file,id=mem,size=%dM,mem-path=%s,share=on"
    % (MEM_MB, shm),
    "-machine", "memory-backend=mem",
    "-kernel", os.path.join(guest, "vmlinuz"),
    "-initrd", os.path.join(guest, "initramfs.cpio.gz"),
    "-append", "console=ttyS0 quiet no_timer_check mx.ram_mb=%d mx.ram_rate=%d "
    "mx.disk_rate=%d mx.bs=%d" % (RAM_MB, RAM_RATE, DISK_RATE, BS),
    "-drive", "file=%s,if=none,id=virtio0,format=qcow2,cache=none" % disk,
    "-device", "virtio-blk-pci,drive=virtio0",
    "-chardev", "socket,id=ser,path=%s/serial.sock,server=on,wait=on" % tmp,
    "-serial", "chardev:ser",
    "-monitor", "unix:%s/mon.sock,server=on,wait=off" % tmp,
]
qout = QemuOut()
proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=qout.slave,
                        stderr=qout.slave)
os.close(qout.slave)
ser = None
try:
    ser = Serial(os.path.join(tmp, "serial.sock"))
    mon = Monitor(os.path.join(tmp, "mon.sock"))

    m = ser.wait(r"MX READY .*", timeout=60)
    log("boot to READY %.1fs: %s" % (time.monotonic() - t0, m.group(0)))
    ram, dsk = stat_rates(ser)
    log("rates: ram %.2f MiB/s (target %d), disk %.2f MiB/s (target %d)"
        % (ram, RAM_RATE, dsk, DISK_RATE))
    check(ram > 0 and dsk > 0, "workload running")
    if abs(ram - RAM_RATE) > 0.2 * RAM_RATE or abs(dsk - DISK_RATE) > 0.2 * DISK_RATE:
        log("warning: rates off target by more than 20% (busy host?)")

    verify(ser, "clean VERIFY")

    mon.cmd("stop")
    time.sleep(2)
    mon.cmd("cont")
    stat_rates(ser, 1)
    verify(ser, "VERIFY after stop/cont")

    out = mon.cmd("savevm mxst")
    check("Error" not in out, "savevm: %s" % (out.strip() or "ok"))
    stat_rates(ser, 2)
    out = mon.cmd("loadvm mxst")
    check("Error" not in out, "loadvm: %s" % (out.strip() or "ok"))
    stat_rates(ser, 1)
    verify(ser, "VERIFY after savevm/loadvm")

    # Negative controls: freeze the workload so nothing heals the damage.
    ser.drain()
    ser.send("PAUSE")
    ser.wait(r"^MX PAUSED")

    # (b) RAM: overwrite one working-set page through the backing file.
    ser.send("PFN 4")
    pfns = []
    while True:
        m = ser.wait(r"^MX (PFN idx=(\d+) pfn=0x([0-9a-f]+)|OK PFN|ERR.*)")
        if not m.group(2):
            break
        pfns.append((int(m.group(2)), int(m.group(3), 16)))
    log("PFNs: %s" % ", ".join("%d->0x%x" % p for p in pfns))
    check(len(pfns) == 4 and all(0 < p * 4096 < MEM_MB << 20 for _, p in pfns),
          "PFN returned 4 frames inside guest RAM")
    idx, pfn = pfns[1]
    with open(shm, "r+b") as f:
        f.seek(pfn * 4096)
        f.write(b"\x5a" * 4096)

    # (a) disk: find a block the agent wrote (sector 0 stamped "MXBK")
    # and overwrite it with qemu-io through the monitor.
    lba = None
    for chunk in range(64):
        base = chunk * 65536
        out = qemu_io("read -v %d 65536" % base, r"read 65536/65536 bytes")
        for line in out.split("\n"):
            hm = re.match(r"([0-9a-f]{8}):\s+4d 58 42 4b ", line)
            if hm and int(hm.group(1), 16) % BS == 0:
                lba = int(hm.group(1), 16) // BS
                break
        if lba is not None:
            break
    check(lba is not None, "found a written disk block (lba %s)" % lba)
    if lba is not None:
        out = qemu_io("write -P 0x5a %d %d" % (lba * BS, BS),
                      r"wrote %d/%d bytes.*" % (BS, BS))
        check(True, "qemu-io: %s" % re.search(r"wrote.*", out).group(0))

    ser.drain()
    ser.send("VERIFY")
    seen_ram = seen_disk = False
    while True:
        m = ser.wait(r"^MX (MISMATCH (ram|disk) \S+=(\d+).*|VERIFY-DONE.*)",
                     timeout=60)
        if m.group(1).startswith("VERIFY-DONE"):
            done = m.group(1)
            break
        log(m.group(0))
        if m.group(2) == "ram" and int(m.group(3)) == idx:
            seen_ram = True
        if m.group(2) == "disk" and int(m.group(3)) == lba:
            seen_disk = True
    check(seen_ram, "RAM corruption of page %d reported" % idx)
    check(seen_disk, "disk corruption of lba %s reported" % lba)
    check(" ram_bad=1 " in done and done.endswith(" disk_bad=1"),
          "negative VERIFY counts: %s" % done)

    ser.send("RESUME")
    ser.wait(r"^MX RESUMED")
    mon.sock.sendall(b"quit\n")
    proc.wait(timeout=10)
except Exception as e:
    failures.append("%s: %s" % (type(e).__name__, e))
    log("FAIL: %s: %s" % (type(e).__name__, e))
finally:
    if proc.poll() is None:
        proc.kill()
        proc.wait()

if failures:
    log("%d failure(s); serial log tail:" % len(failures))
    try:
        with open(os.path.join(tmp, "serial.log")) as f:
            for line in f.readlines()[-20:]:
                print("    " + line.rstrip())
        with open(os.path.join(tmp, "qemu.log")) as f:
            for line in f.readlines()[-10:]:
                print("    qemu: " + line.rstrip())
    except OSError:
        pass
    sys.exit(1)
log("PASS in %.1fs" % (time.monotonic() - t0))
PYEOF
