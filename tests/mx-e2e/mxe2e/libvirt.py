"""Two libvirt 9.0 "hosts" on one machine, for the `libvirt` flow.

Each host is one `libvirtd --listen` inside the network namespace of one end of
the harness's shaped veth (netns.LinkPair), in its own mount and UTS namespace
(`unshare --mount --uts`), with a private host UUID and hostname.  Inside the
mount namespace only:
  /var and /run are overlays whose upper layer is <root>/var-upper, <root>/run-upper
      (so /var/lib/libvirt, /var/log/libvirt, /var/cache/libvirt, /run/libvirt are
      private and the machine's own directories are never written),
  /etc/libvirt is a bind mount of <root>/etc-libvirt (our libvirtd.conf, qemu.conf),
  /etc/passwd, /etc/group, /etc/hosts are bind mounts of private copies.
The mounts vanish with the namespace when its last process exits; the processes
are libvirtd and the QEMUs it starts, all inside the network namespace, so
LinkPair's teardown (which kills every process in the namespace) is the backstop
for every exit path.  The harness talks to each libvirtd over its unix socket,
which libvirtd.conf puts in the harness's short socket directory (util.sock_dir(),
visible from outside the namespace; a deep checkout's run directory is too long).

What it took to make two libvirtd coexist here is in ENVIRONMENT.md (libvirt
section); every item is handled below.
"""

import os
import re
import shutil
import signal
import subprocess
import time
import uuid

from .util import HarnessError, Timeout, register_cleanup, run_cleanup, run, pid_alive, sock_path, SUN_PATH_MAX

LIBVIRTD = "/usr/sbin/libvirtd"
VIRSH = "/usr/bin/virsh"
LIBVIRT_DEBS = ("libvirt-daemon", "libvirt-daemon-driver-qemu", "libvirt-clients")

# Runs inside `ip netns exec NS unshare --mount --uts --propagation private`.
# $1 = host root dir, $2 = hostname.
HOST_SH = r'''
set -e
R=$1
hostname "$2"
for d in var run; do
    mkdir -p "$R/$d-upper" "$R/$d-work"
    mount -t overlay "mx-lv-$d" -o "lowerdir=/$d,upperdir=$R/$d-upper,workdir=$R/$d-work" "/$d"
done
mkdir -p /var/lib/libvirt /var/log/libvirt /var/cache/libvirt /run/libvirt
mount --bind "$R/etc-libvirt" /etc/libvirt
for f in passwd group hosts; do mount --bind "$R/etc/$f" "/etc/$f"; done
exec "$3" --listen -f /etc/libvirt/libvirtd.conf -p /run/libvirt/mx-libvirtd.pid
'''


def libvirt_missing():
    """Names of missing Debian packages (empty when libvirt is usable)."""
    missing = []
    for p in LIBVIRT_DEBS:
        r = run(["dpkg-query", "-W", "-f=${Status}", p], check=False)
        if "install ok installed" not in r.stdout:
            missing.append(p)
    if not missing and not (os.access(LIBVIRTD, os.X_OK) and os.access(VIRSH, os.X_OK)):
        missing = list(LIBVIRT_DEBS)
    return missing


def ensure_libvirt(log=None):
    """Install Debian's libvirt 9.0 (daemon, qemu driver, virsh) like mx/lib.sh does
    for build dependencies: --no-install-recommends (libvirt-daemon-system pulls a
    systemd upgrade and does not install where PID 1 is not systemd)."""
    missing = libvirt_missing()
    if not missing:
        return
    if os.geteuid() != 0:
        raise HarnessError("libvirt flow needs Debian packages %s (as root: apt-get install "
                           "--no-install-recommends %s)" % (" ".join(missing), " ".join(missing)))
    if log:
        log("installing %s", " ".join(missing))
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    p = subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends"] + missing,
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, env=env, timeout=900)
    if p.returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=900)
        p = subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends"] + missing,
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, env=env, timeout=900)
    if libvirt_missing():
        raise HarnessError("could not install %s:\n%s" % (" ".join(missing), p.stdout[-2000:]))


def _passwd_group():
    with open("/etc/passwd") as f:
        pw = f.read()
    with open("/etc/group") as f:
        gr = f.read()
    # Debian's libvirtd is built with user libvirt-qemu; it parses that user before
    # it reads qemu.conf (which then says root), so the name must resolve.
    if not re.search(r"^libvirt-qemu:", pw, re.M):
        pw += "libvirt-qemu:x:64055:64055:Libvirt Qemu,,,:/var/lib/libvirt:/usr/sbin/nologin\n"
    for g, gid in (("libvirt-qemu", 64055), ("kvm", 64056), ("libvirt", 64057)):
        if not re.search(r"^%s:" % g, gr, re.M):
            gr += "%s:x:%d:\n" % (g, gid)
    return pw, gr


class LibvirtHost:
    """One libvirtd "host".  start() returns once virsh answers; stop() undoes all."""

    def __init__(self, name, root, netns, ip, peers, log=None, cache_dir=None):
        self.name = name                # also the hostname (mxlv-a / mxlv-b)
        self.root = root
        self.netns = netns
        self.ip = ip
        self.peers = peers              # {hostname: ip} for the private /etc/hosts
        self.log = log or (lambda *a: None)
        self.cache_dir = cache_dir      # persistent capability cache (speeds up start)
        self.host_uuid = str(uuid.uuid4())
        self.proc = None
        self._cleanup = None
        # libvirtd's sockets go in the harness's short socket directory: under
        # the run directory of a deep checkout they exceed sun_path (libvirtd
        # then exits with rc 6 before it listens)
        self.sock = os.path.join(sock_path("lv-" + name), "libvirt-sock")
        longest = os.path.join(os.path.dirname(self.sock), "libvirt-admin-sock")
        if len(longest.encode()) > SUN_PATH_MAX:
            raise HarnessError("unix socket path too long (%d > %d bytes): %s" % (
                len(longest.encode()), SUN_PATH_MAX, longest))
        self.uri = "qemu+unix:///system?socket=" + self.sock
        self.tcp_uri = "qemu+tcp://%s/system" % ip

    # -- files -------------------------------------------------------------
    def _write(self, rel, text):
        p = os.path.join(self.root, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(text)
        return p

    def _prepare(self):
        if os.path.exists(self.root):
            shutil.rmtree(self.root)
        os.makedirs(self.root)
        os.makedirs(os.path.dirname(self.sock), exist_ok=True)
        self._write("etc-libvirt/libvirtd.conf", "\n".join([
            'listen_tls = 0',
            'listen_tcp = 1',
            'listen_addr = "%s"' % self.ip,
            'auth_tcp = "none"',            # the address exists only inside the netns pair
            'auth_unix_rw = "none"',
            'auth_unix_ro = "none"',
            'unix_sock_dir = "%s"' % os.path.dirname(self.sock),
            'unix_sock_group = "root"',
            'host_uuid = "%s"' % self.host_uuid,
            'log_outputs = "1:file:/var/log/libvirt/libvirtd.log"',
            # the monitor traffic (QMP sent and received) and the migration steps
            'log_filters = "1:qemu.qemu_monitor 1:qemu.qemu_migration 3:*"',
            'keepalive_interval = 5',
            'max_workers = 8',
            '']))
        self._write("etc-libvirt/qemu.conf", "\n".join([
            'user = "root"',
            'group = "root"',
            'dynamic_ownership = 0',
            'remember_owner = 0',
            'security_driver = "none"',
            'cgroup_controllers = [ ]',
            'namespaces = [ ]',
            'stdio_handler = "file"',
            'migration_address = "%s"' % self.ip,
            'migration_host = "%s"' % self.ip,
            '']))
        self._write("etc-libvirt/libvirt.conf", "")
        pw, gr = _passwd_group()
        self._write("etc/passwd", pw)
        self._write("etc/group", gr)
        hosts = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
        hosts += "".join("%s\t%s\n" % (ip, h) for h, ip in sorted(self.peers.items()))
        self._write("etc/hosts", hosts)
        if self.cache_dir and os.path.isdir(self.cache_dir):
            dst = os.path.join(self.root, "var-upper", "cache", "libvirt", "qemu", "capabilities")
            os.makedirs(dst, exist_ok=True)
            for fn in os.listdir(self.cache_dir):
                shutil.copy2(os.path.join(self.cache_dir, fn), dst)

    # -- paths seen from outside the namespace -----------------------------
    def path(self, inside):
        """Host path of a file libvirtd sees at `inside` (under /var or /run)."""
        for top in ("/var/", "/run/"):
            if inside.startswith(top):
                return os.path.join(self.root, top.strip("/") + "-upper", inside[len(top):])
        raise ValueError(inside)

    def qemu_pid(self, dom):
        try:
            with open(self.path("/run/libvirt/qemu/%s.pid" % dom)) as f:
                pid = int(f.read().strip() or 0)
            return pid if pid and pid_alive(pid) else None
        except (OSError, ValueError):
            return None

    def emulator_caps(self, binary):
        """What libvirt's capability probe recorded for `binary`: version, package."""
        d = self.path("/var/cache/libvirt/qemu/capabilities")
        try:
            names = sorted(os.listdir(d))
        except OSError:
            return None
        for fn in names:
            try:
                with open(os.path.join(d, fn)) as f:
                    x = f.read()
            except OSError:
                continue
            if "<emulator>%s</emulator>" % binary not in x:
                continue
            res = {}
            for tag in ("version", "package"):
                m = re.search(r"<%s>([^<]*)</%s>" % (tag, tag), x)
                res[tag] = m.group(1) if m else None
            return res
        return None

    def domcapabilities(self, binary):
        """`virsh domcapabilities --emulatorbin binary --virttype qemu`: path, machine."""
        p = self.virsh("domcapabilities", "--emulatorbin", binary, "--virttype", "qemu",
                       check=False, timeout=300)
        res = {"rc": p.returncode}
        for tag in ("path", "machine", "domain"):
            m = re.search(r"<%s>([^<]*)</%s>" % (tag, tag), p.stdout)
            res[tag] = m.group(1) if m else None
        if p.returncode:
            res["error"] = p.stderr.strip()
        return res

    def qemu_log(self, dom):
        return self.path("/var/log/libvirt/qemu/%s.log" % dom)

    def libvirtd_log(self):
        return self.path("/var/log/libvirt/libvirtd.log")

    # -- lifecycle ---------------------------------------------------------
    def start(self, timeout=180):
        self._prepare()
        self._cleanup = register_cleanup(self._stop, "libvirtd " + self.name)
        cmd = ["ip", "netns", "exec", self.netns, "unshare", "--mount", "--uts",
               "--propagation", "private", "--", "/bin/sh", "-c", HOST_SH, "mx-lv-host",
               self.root, self.name, LIBVIRTD]
        self.log("%s: starting libvirtd (netns %s, %s, host uuid %s)", self.name, self.netns,
                 self.ip, self.host_uuid)
        errf = open(os.path.join(self.root, "libvirtd.stderr"), "ab")
        try:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=errf, stderr=errf,
                                         start_new_session=True)
        finally:
            errf.close()
        t0 = time.monotonic()
        while True:
            if self.proc.poll() is not None:
                raise HarnessError("%s: libvirtd exited (rc %s):\n%s" % (
                    self.name, self.proc.returncode, self.tail()))
            if os.path.exists(self.sock):
                r = self.virsh("uri", check=False, timeout=60)
                if r.returncode == 0:
                    break
            if time.monotonic() - t0 > timeout:
                raise Timeout("%s: libvirtd did not answer within %ds:\n%s" % (self.name, timeout, self.tail()))
            time.sleep(0.2)
        # the qemu driver probes the emulators it finds at start-up; wait for it
        # to answer a capabilities query so that later commands are not slowed
        self.virsh("capabilities", timeout=300)
        self.start_s = round(time.monotonic() - t0, 2)
        self.log("%s: libvirtd up in %.1fs (pid %d)", self.name, self.start_s, self.proc.pid)
        return self

    def tail(self, n=12):
        out = []
        for p in (os.path.join(self.root, "libvirtd.stderr"), self.libvirtd_log()):
            try:
                with open(p, errors="replace") as f:
                    lines = [l for l in f.read().splitlines() if "error" in l.lower()] or []
                out += ["%s: %s" % (os.path.basename(p), l) for l in lines[-n:]]
            except OSError:
                pass
        return "\n".join(out) or "(no libvirtd output)"

    def save_cache(self):
        """Keep the capability cache for the next run (libvirt re-probes a binary
        whose mtime/ctime changed, so a stale entry costs nothing but a probe)."""
        if not self.cache_dir:
            return
        src = self.path("/var/cache/libvirt/qemu/capabilities")
        if os.path.isdir(src):
            os.makedirs(self.cache_dir, exist_ok=True)
            for fn in os.listdir(src):
                if fn.endswith(".xml"):
                    shutil.copy2(os.path.join(src, fn), self.cache_dir)

    def virsh(self, *args, check=True, timeout=120):
        p = run([VIRSH, "-q", "-c", self.uri] + list(args), check=False, timeout=timeout)
        if check and p.returncode != 0:
            raise HarnessError("%s: virsh %s failed: %s" % (self.name, " ".join(args),
                                                           (p.stderr or p.stdout).strip()))
        return p

    def domains(self):
        """{name: state} of every domain this host knows (running or defined)."""
        p = self.virsh("list", "--all", "--name", check=False)
        res = {}
        for n in p.stdout.split():
            st = self.virsh("domstate", n, check=False).stdout.strip()
            res[n] = st
        return res

    def stop(self):
        if self._cleanup is not None:
            run_cleanup(self._cleanup)
            self._cleanup = None

    def _stop(self):
        # every domain first (libvirt stops its QEMUs), then libvirtd itself
        if self.proc is not None and self.proc.poll() is None and os.path.exists(self.sock):
            try:
                for n in self.virsh("list", "--all", "--name", check=False, timeout=30).stdout.split():
                    self.virsh("destroy", n, check=False, timeout=30)
                    self.virsh("undefine", n, "--snapshots-metadata", check=False, timeout=30)
            except Exception as e:
                self.log("%s: domain cleanup: %s", self.name, e)
            try:
                self.save_cache()
            except OSError:
                pass
        if self.proc is not None:
            if self.proc.poll() is None:
                try:
                    os.killpg(self.proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
                try:
                    self.proc.wait(10)
                except subprocess.TimeoutExpired:
                    try:
                        os.killpg(self.proc.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                    self.proc.wait()
        # QEMUs libvirtd started are in its process group only until they
        # setsid; LinkPair's namespace teardown kills whatever is left.
        self.log("%s: libvirtd stopped", self.name)


# --------------------------------------------------------------------------
# Domain XML

def domain_xml(name, dom_uuid, emulator, mem_mb, kernel, initrd, cmdline, disk, serial_sock,
               disk_format="qcow2", cache="none", smp=1):
    """The harness's verifying guest as a libvirt domain: TCG, direct kernel boot,
    one virtio disk (vda), the serial console on a unix socket the harness listens on."""
    esc = lambda s: (s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                     .replace("'", "&apos;"))
    disk_xml = ""
    if disk:
        disk_xml = (
            "    <disk type='file' device='disk'>\n"
            "      <driver name='qemu' type='%s' cache='%s'/>\n"
            "      <source file='%s'/>\n"
            "      <target dev='vda' bus='virtio'/>\n"
            "    </disk>\n" % (disk_format, cache, esc(disk)))
    return """<domain type='qemu'>
  <name>%(name)s</name>
  <uuid>%(uuid)s</uuid>
  <memory unit='MiB'>%(mem)d</memory>
  <vcpu>%(smp)d</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>%(kernel)s</kernel>
    <initrd>%(initrd)s</initrd>
    <cmdline>%(cmdline)s</cmdline>
  </os>
  <features><acpi/></features>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>%(emulator)s</emulator>
%(disk)s    <controller type='usb' model='none'/>
    <serial type='unix'>
      <source mode='connect' path='%(serial)s'/>
      <target port='0'/>
    </serial>
    <memballoon model='none'/>
  </devices>
</domain>
""" % {"name": name, "uuid": dom_uuid, "mem": mem_mb, "smp": smp, "kernel": esc(kernel),
       "initrd": esc(initrd), "cmdline": esc(cmdline), "emulator": esc(emulator),
       "disk": disk_xml, "serial": esc(serial_sock)}


def parse_jobinfo(text):
    """`virsh domjobinfo` output -> {key: value}; numbers with units normalised to
    bytes / ms where the unit says so."""
    res = {}
    units = {"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40}
    for line in text.splitlines():
        if ":" not in line:
            continue
        k, v = line.split(":", 1)
        k = k.strip().lower().replace(" ", "_")
        v = v.strip()
        m = re.fullmatch(r"(-?[\d.]+)\s*(B|KiB|MiB|GiB|TiB)(/s)?", v)
        if m:
            res[k + ("_bytes_per_s" if m.group(3) else "_bytes")] = int(float(m.group(1)) * units[m.group(2)])
            continue
        m = re.fullmatch(r"(-?\d+)\s*ms", v)
        if m:
            res[k + "_ms"] = int(m.group(1))
            continue
        m = re.fullmatch(r"-?\d+", v)
        res[k] = int(v) if m else v
    return res
