"""Two "hosts" on one machine: network namespaces mxsrc-<id> and mxdst-<id>
joined by a veth pair (10.237.<n>.1 in src, 10.237.<n>.2 in dst), shaped with tc.

Rate shaping uses tbf on the egress of both veth ends (so both directions are
limited).  Delay needs netem; kernels without CONFIG_NET_SCH_NETEM (like the
one on the project machines) cannot add delay: asking for it is an error.

Byte counters come from /proc/<pid>/net/dev of a tiny holder process inside
each namespace (no subprocess per sample).
"""

import os
import re
import signal
import subprocess
import sys
import time

from .util import HarnessError, register_cleanup, run_cleanup, run, pid_alive

PREFIXES = ("mxsrc-", "mxdst-")
SRC_IF = "mxv-src"
DST_IF = "mxv-dst"
_counter = [0]


def netns_list():
    p = run(["ip", "netns", "list"], check=False)
    names = []
    for line in p.stdout.splitlines():
        if line.strip():
            names.append(line.split()[0])
    return names


def _ns_pids(name):
    p = run(["ip", "netns", "pids", name], check=False)
    return [int(x) for x in p.stdout.split() if x.isdigit()]


def _kill_pids(pids, timeout=3.0):
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(pid_alive(p) for p in pids):
        time.sleep(0.05)
    for pid in pids:
        if pid_alive(pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def delete_ns(name):
    """Delete a namespace, first ending the processes still inside it
    (leftovers of this harness: QEMUs, holders)."""
    pids = [p for p in _ns_pids(name) if p != os.getpid()]
    if pids:
        _kill_pids(pids)
    run(["ip", "netns", "del", name], check=False)


def cleanup_stale(log=None):
    """Remove namespaces left behind by an earlier (killed) harness run.

    Names are mxsrc-<pid>x<k>; a namespace whose owner pid is dead is stale."""
    removed = []
    for name in netns_list():
        if not name.startswith(PREFIXES):
            continue
        m = re.match(r"mx(?:src|dst)-(\d+)", name)
        owner = int(m.group(1)) if m else None
        if owner is not None and owner != os.getpid() and pid_alive(owner):
            continue   # another live harness run owns it
        if owner == os.getpid():
            continue
        delete_ns(name)
        removed.append(name)
    # stale shared-memory RAM backends of dead runs
    for fn in os.listdir("/dev/shm"):
        m = re.match(r"mx-e2e-(\d+)-", fn)
        if m and not pid_alive(int(m.group(1))):
            try:
                os.unlink(os.path.join("/dev/shm", fn))
                removed.append("/dev/shm/" + fn)
            except OSError:
                pass
    if removed and log:
        log("removed stale: %s", " ".join(removed))
    return removed


def netem_available():
    """Probe whether the netem qdisc exists (needed for delay)."""
    name = "mxprobe-%d" % os.getpid()
    run(["ip", "netns", "add", name], check=False)
    try:
        run(["ip", "-n", name, "link", "add", "d0", "type", "veth", "peer", "name", "d1"], check=False)
        p = run(["tc", "-n", name, "qdisc", "add", "dev", "d0", "root", "netem", "delay", "1ms"], check=False)
        return p.returncode == 0
    finally:
        run(["ip", "netns", "del", name], check=False)


class LinkPair:
    """Context manager: creates the two namespaces + shaped veth, removes them on exit."""

    def __init__(self, rate_mbit=1000, delay_ms=0, log=None, ident=None):
        _counter[0] += 1
        self.ident = ident or "%dx%d" % (os.getpid(), _counter[0])
        self.src_ns = "mxsrc-" + self.ident
        self.dst_ns = "mxdst-" + self.ident
        self.n = (os.getpid() + _counter[0]) % 254 + 1
        self.src_ip = "10.237.%d.1" % self.n
        self.dst_ip = "10.237.%d.2" % self.n
        self.rate_mbit = rate_mbit
        self.delay_ms = delay_ms
        self.log = log or (lambda *a: None)
        self._holders = {}
        self._cleanup = None
        self._up = False

    # -- lifecycle ---------------------------------------------------------
    def __enter__(self):
        self.up()
        return self

    def __exit__(self, *exc):
        self.down()
        return False

    def up(self):
        cleanup_stale(self.log)
        self._cleanup = register_cleanup(self._down, "netns " + self.ident)
        self._up = True
        for ns in (self.src_ns, self.dst_ns):
            run(["ip", "netns", "add", ns])
        run(["ip", "link", "add", SRC_IF, "netns", self.src_ns, "type", "veth",
             "peer", "name", DST_IF, "netns", self.dst_ns])
        for ns, dev, ip in ((self.src_ns, SRC_IF, self.src_ip), (self.dst_ns, DST_IF, self.dst_ip)):
            run(["ip", "-n", ns, "addr", "add", ip + "/24", "dev", dev])
            run(["ip", "-n", ns, "link", "set", "lo", "up"])
            run(["ip", "-n", ns, "link", "set", dev, "up"])
        self.shape(self.rate_mbit, self.delay_ms)
        for ns in (self.src_ns, self.dst_ns):
            # a sleeping process inside the namespace: /proc/<pid>/net/dev is
            # that namespace's counters, readable without spawning anything.
            p = subprocess.Popen(["ip", "netns", "exec", ns, "sleep", "infinity"],
                                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
            self._holders[ns] = p
        for ns, p in self._holders.items():
            deadline = time.monotonic() + 5
            while not self._has_dev(p.pid, SRC_IF if ns == self.src_ns else DST_IF):
                if time.monotonic() > deadline or p.poll() is not None:
                    raise HarnessError("netns holder for %s did not start" % ns)
                time.sleep(0.02)
        self.log("link %s <-> %s up: %s/%s, rate %s Mbit/s, delay %s ms",
                 self.src_ns, self.dst_ns, self.src_ip, self.dst_ip, self.rate_mbit, self.delay_ms)

    @staticmethod
    def _has_dev(pid, dev):
        try:
            with open("/proc/%d/net/dev" % pid) as f:
                return any(l.strip().startswith(dev + ":") for l in f)
        except OSError:
            return False

    def down(self):
        if self._cleanup is not None:
            run_cleanup(self._cleanup)
            self._cleanup = None

    def _down(self):
        if not self._up:
            return
        self._up = False
        for p in self._holders.values():
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(2)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        self._holders = {}
        for ns in (self.src_ns, self.dst_ns):
            delete_ns(ns)
        self.log("link %s removed", self.ident)

    is_cut = False

    def cut(self):
        """Fault: take the source's end of the veth down (no packet passes)."""
        run(["ip", "-n", self.src_ns, "link", "set", SRC_IF, "down"])
        self.is_cut = True
        self.log("link %s cut", self.ident)

    def restore(self):
        """Undo cut(): the source's end up again (its address and shaping stay)."""
        run(["ip", "-n", self.src_ns, "link", "set", SRC_IF, "up"])
        self.is_cut = False
        self.log("link %s restored", self.ident)

    # -- shaping -----------------------------------------------------------
    def shape(self, rate_mbit, delay_ms=0):
        """(Re)apply rate (Mbit/s; 0 or None = unlimited) and delay (ms) to both directions."""
        self.rate_mbit, self.delay_ms = rate_mbit, delay_ms
        for ns, dev in ((self.src_ns, SRC_IF), (self.dst_ns, DST_IF)):
            run(["tc", "-n", ns, "qdisc", "del", "dev", dev, "root"], check=False)
            parent = ["root"]
            if delay_ms:
                p = run(["tc", "-n", ns, "qdisc", "add", "dev", dev, "root", "handle", "1:",
                         "netem", "delay", "%gms" % delay_ms, "limit", "1000000"], check=False)
                if p.returncode != 0:
                    raise HarnessError(
                        "cannot add %g ms delay: the netem qdisc is not available in this kernel "
                        "(CONFIG_NET_SCH_NETEM); use --delay-ms 0 (%s)" % (delay_ms, p.stderr.strip()))
                parent = ["parent", "1:1"]
            if rate_mbit:
                rate_Bps = rate_mbit * 1e6 / 8
                # burst: 4 ms worth of data (at least 128 KiB so 64 KiB GSO skbs pass);
                # queue: burst + 20 ms worth of data (+ delay worth, so delay does not drop)
                burst = max(int(rate_Bps * 0.004), 128 * 1024)
                limit = burst + int(rate_Bps * (0.020 + (delay_ms or 0) / 1000.0))
                run(["tc", "-n", ns, "qdisc", "add", "dev", dev] + parent +
                    ["handle", "10:", "tbf", "rate", "%dkbit" % int(rate_mbit * 1000),
                     "burst", str(burst), "limit", str(limit)])

    def qdisc_show(self):
        out = []
        for ns, dev in ((self.src_ns, SRC_IF), (self.dst_ns, DST_IF)):
            out.append(run(["tc", "-n", ns, "qdisc", "show", "dev", dev]).stdout.strip())
        return "\n".join(out)

    # -- counters ----------------------------------------------------------
    def counters(self):
        """{"src": (rx_bytes, tx_bytes), "dst": (rx, tx)} of the veth ends."""
        res = {}
        for key, ns, dev in (("src", self.src_ns, SRC_IF), ("dst", self.dst_ns, DST_IF)):
            p = self._holders.get(ns)
            res[key] = (0, 0)
            if p is None:
                continue
            try:
                with open("/proc/%d/net/dev" % p.pid) as f:
                    for line in f:
                        if line.strip().startswith(dev + ":"):
                            fields = line.split(":", 1)[1].split()
                            res[key] = (int(fields[0]), int(fields[8]))
            except OSError:
                pass
        return res

    def wire_bytes(self):
        """Total bytes sent on the link, both directions."""
        c = self.counters()
        return c["src"][1] + c["dst"][1]

    def exec_prefix(self, side):
        return ["ip", "netns", "exec", self.src_ns if side == "src" else self.dst_ns]

    # -- self test ---------------------------------------------------------
    def throughput(self, seconds=2.0, direction="src->dst", port=5201):
        """Measure TCP throughput over the link with a python sender/receiver.
        Returns Mbit/s (goodput)."""
        a, b = ("src", "dst") if direction == "src->dst" else ("dst", "src")
        rx_ip = self.dst_ip if b == "dst" else self.src_ip
        server = (
            "import socket,sys,time\n"
            "s=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n"
            "s.bind((%r,%d));s.listen(1);print('L',flush=True)\n"
            "c,_=s.accept();n=0;t0=None\n"
            "while True:\n"
            "  d=c.recv(1<<20)\n"
            "  if t0 is None: t0=time.monotonic()\n"
            "  if not d: break\n"
            "  n+=len(d)\n"
            "print(n, time.monotonic()-t0, flush=True)\n" % (rx_ip, port))
        client = (
            "import socket,time\n"
            "s=socket.create_connection((%r,%d));b=b'x'*(1<<20)\n"
            "t=time.monotonic()+%f\n"
            "while time.monotonic()<t: s.sendall(b)\n"
            "s.close()\n" % (rx_ip, port, seconds))
        srv = subprocess.Popen(self.exec_prefix(b) + [sys.executable, "-c", server],
                               stdout=subprocess.PIPE, text=True)
        try:
            if srv.stdout.readline().strip() != "L":
                raise HarnessError("throughput test server did not start")
            run(self.exec_prefix(a) + [sys.executable, "-c", client], timeout=seconds + 30)
            out, _ = srv.communicate(timeout=30)
            n, dt = out.split()
            return int(n) * 8 / float(dt) / 1e6
        finally:
            if srv.poll() is None:
                srv.kill()
                srv.wait()
