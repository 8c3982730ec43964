#!/usr/bin/env bash
# shellcheck disable=SC2016,SC2012  # apt and dpkg format strings; one package file
# make deb-test-fresh: the qemu-mx .deb on a fresh Debian 12, not on this machine.
#
# `make deb-test` installs the package over this machine's own packages (in a throwaway
# overlay); this test starts from nothing: a minimal Debian 12 (debootstrap --variant=
# minbase bookworm, from the mirror apt on this machine is configured with), where apt
# has to resolve every dependency of the package itself (Debian's qemu-system-x86,
# qemu-utils, firmware, data, libraries).  In that fresh system:
#   1. apt-get install ./qemu-mx_*.deb libvirt-daemon libvirt-daemon-driver-qemu
#      libvirt-clients --no-install-recommends;
#   2. a libvirtd started there (its own network and UTS namespace): `virsh
#      domcapabilities` of /usr/bin/qemu-system-x86_64, libvirt's probe of it, and a
#      started domain's query-version report qemu-mx;
#   3. apt-get remove qemu-mx: Debian's binary is back, and libvirt's next domain on
#      the same path reports Debian's QEMU.
# Everything runs in a private mount + PID namespace around a chroot under build/; when
# the script ends, so does every process it started, and the chroot is deleted.  The
# minimal system is kept as a tarball (build/deb-fresh/base-bookworm.tar) for the next
# run; debootstrap itself is unpacked there too (nothing is installed on this machine).
#
#   mx/deb-test-fresh.sh [DEB]      (default build/deb/qemu-mx_*.deb)
# Needs root and the Debian mirror apt uses; about 3-6 minutes here (first run more:
# debootstrap), most of it apt.  docs/mx/libvirt.md.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

if [ "${MX_FRESH_INNER:-}" != 1 ]; then
    deb=$(realpath "${1:-$(ls "$top"/build/deb/qemu-mx_*.deb 2>/dev/null | tail -1)}")
    [ -f "$deb" ] || { echo "FAIL deb-fresh: no package (run make deb)"; exit 1; }
    [ "$(id -u)" = 0 ] || { echo "FAIL deb-fresh: needs root (namespaces, chroot)"; exit 1; }
    work=$top/build/deb-fresh
    mkdir -p "$work"
    tmp=$(mktemp -d "$work/run.XXXXXX")
    trap 'rm -rf "$tmp"' EXIT
    # the mirror: the URI of this machine's apt entry for bookworm (never written here)
    mirror=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 'Created-By: Packages' 2>/dev/null |
             awk '$2 == "bookworm" {print $1; exit}')
    [ -n "$mirror" ] || { echo "FAIL deb-fresh: apt has no bookworm entry to take a mirror from"; exit 1; }
    # debootstrap, unpacked (not installed) unless the machine has it
    if command -v debootstrap >/dev/null; then
        ds=(debootstrap)
    else
        if [ ! -x "$work/debootstrap/usr/sbin/debootstrap" ]; then
            (cd "$work" && rm -f debootstrap_*.deb && apt-get download -q debootstrap >/dev/null &&
             dpkg-deb -x debootstrap_*.deb debootstrap) ||
                { echo "FAIL deb-fresh: cannot fetch debootstrap"; exit 1; }
        fi
        ds=(env DEBOOTSTRAP_DIR="$work/debootstrap/usr/share/debootstrap" "$work/debootstrap/usr/sbin/debootstrap")
    fi
    base=$work/base-bookworm.tar
    if [ ! -s "$base" ]; then
        t=$(date +%s)
        if ! unshare --mount --propagation private -- "${ds[@]}" --variant=minbase bookworm \
                "$tmp/base" "$mirror" >"$tmp/debootstrap.log" 2>&1; then
            echo "FAIL deb-fresh-debootstrap: $(tail -3 "$tmp/debootstrap.log" | tr '\n' ' ')"; exit 1
        fi
        tar -C "$tmp/base" -cf "$base.tmp" . && mv "$base.tmp" "$base"
        rm -rf "$tmp/base"
        echo "# debootstrap --variant=minbase bookworm: $(( $(date +%s) - t )) s (kept in $base)"
    fi
    # apt settings of this machine that a fresh system needs to read this mirror
    apt-config dump | grep -E '^Acquire::(Check-Valid-Until|Check-Date) ' | sed 's/$/;/' >"$tmp/apt.conf" || true
    rc=0
    MX_FRESH_INNER=1 MX_FRESH_TMP=$tmp MX_FRESH_BASE=$base \
        unshare --mount --pid --fork --propagation private -- "$0" "$deb" || rc=$?
    exit $rc
fi

# ---- inside the private mount + PID namespace --------------------------------------
deb=$1
tmp=$MX_FRESH_TMP
R=$tmp/root
mkdir -p "$R"
tar -C "$R" -xf "$MX_FRESH_BASE"
mount -t proc proc "$R/proc"
mount -t sysfs sys "$R/sys"
mount --rbind /dev "$R/dev"
mount -t tmpfs tmpfs "$R/run"
cp /etc/resolv.conf "$R/etc/resolv.conf"
cp "$tmp/apt.conf" "$R/etc/apt/apt.conf.d/99mx-fresh"
# the machine's binary package entries (no deb-src), as a fresh install would have them
rm -f "$R/etc/apt/sources.list"
for f in /etc/apt/sources.list.d/*.sources; do
    awk -v RS= -v ORS='\n\n' '/(^|\n)Types:[^\n]*deb( |\n|$)/' "$f"
done >"$R/etc/apt/sources.list.d/debian.sources"
cp "$deb" "$R/tmp/"
inroot() { chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"; }
fail=0

[ ! -e "$R/usr/bin/qemu-system-x86_64" ] || { echo "FAIL deb-fresh: the base system already has QEMU"; exit 1; }
t=$(date +%s)
if ! inroot apt-get update -q >"$tmp/update.log" 2>&1 ||
   ! inroot apt-get install -y -q --no-install-recommends "/tmp/$(basename "$deb")" \
        libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients >"$tmp/install.log" 2>&1; then
    echo "FAIL deb-fresh-install: $(tail -4 "$tmp/update.log" "$tmp/install.log" | tr '\n' ' ')"
    exit 1
fi
ti=$(( $(date +%s) - t ))
v=$(inroot /usr/bin/qemu-system-x86_64 --version | head -1)
deps=$(inroot dpkg-query -W -f='${Package} ${Version}\n' qemu-system-x86 qemu-utils qemu-system-data seabios ipxe-qemu |
       tr '\n' ',' | sed 's/,$//')
npk=$(inroot dpkg-query -W -f='${Status}\n' | grep -c "install ok installed")
div=$(inroot dpkg-divert --list)      # (captured: grep -q in a pipe + pipefail is racy)
if [[ "$v" == *qemu-mx* ]] && [[ "$div" == *qemu-system-x86_64.distrib* ]]; then
    echo "PASS deb-fresh-install ($v; apt pulled in $deps; $npk packages, ${ti} s)"
else
    echo "FAIL deb-fresh-install: version '$v'"; exit 1
fi

# libvirt in the fresh system: what ENVIRONMENT.md says libvirtd 9.0 needs without
# libvirt-daemon-system (its user and group, root QEMUs, no cgroups, no virtlogd)
grep -q '^libvirt-qemu:' "$R/etc/group" || echo 'libvirt-qemu:x:64055:' >>"$R/etc/group"
grep -q '^kvm:' "$R/etc/group" || echo 'kvm:x:64056:' >>"$R/etc/group"
grep -q '^libvirt-qemu:' "$R/etc/passwd" ||
    echo 'libvirt-qemu:x:64055:64055:Libvirt Qemu:/var/lib/libvirt:/usr/sbin/nologin' >>"$R/etc/passwd"
mkdir -p "$R/etc/libvirt"
printf '%s\n' 'auth_unix_rw = "none"' 'auth_unix_ro = "none"' 'unix_sock_group = "root"' \
    'log_outputs = "3:file:/var/log/libvirt/libvirtd.log"' >"$R/etc/libvirt/libvirtd.conf"
printf '%s\n' 'user = "root"' 'group = "root"' 'dynamic_ownership = 0' 'remember_owner = 0' \
    'security_driver = "none"' 'cgroup_controllers = [ ]' 'namespaces = [ ]' \
    'stdio_handler = "file"' >"$R/etc/libvirt/qemu.conf"
mkdir -p "$R/var/log/libvirt"
cat >"$R/tmp/dom.xml" <<'XML'
<domain type='qemu'>
  <name>fresh</name>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64'>hvm</type></os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <memballoon model='none'/>
  </devices>
</domain>
XML

# one libvirtd in its own network and UTS namespace (nothing of it reaches the machine's
# network); `probe LABEL` checks domcapabilities, the probe cache and a started domain
cat >"$R/tmp/probe.sh" <<'SH'
set -u
want=$1
virsh() { /usr/bin/virsh -q -c qemu:///system "$@"; }
hostname mx-fresh
/usr/sbin/libvirtd >/var/log/libvirt/libvirtd.stdout 2>&1 &
lv=$!
for _ in $(seq 600); do [ -S /run/libvirt/libvirt-sock ] && virsh version >/dev/null 2>&1 && break; sleep 0.2; done
dc=$(virsh domcapabilities --virttype qemu --emulatorbin /usr/bin/qemu-system-x86_64 2>&1)
path=$(echo "$dc" | sed -n 's:.*<path>\(.*\)</path>.*:\1:p' | head -1)
pkg=$(sed -n 's:.*<package>\(.*\)</package>.*:\1:p' /var/cache/libvirt/qemu/capabilities/*.xml 2>/dev/null | head -1)
virsh define /tmp/dom.xml >/dev/null && virsh start fresh >/dev/null
qv=$(virsh qemu-monitor-command fresh '{"execute":"query-version"}' 2>&1)
virsh destroy fresh >/dev/null 2>&1; virsh undefine fresh >/dev/null 2>&1
kill "$lv"; wait "$lv" 2>/dev/null
echo "path=$path"
echo "probe=$pkg"
echo "domain=$(echo "$qv" | sed -n 's/.*"package": *"\([^"]*\)".*/\1/p')"
SH

check() {   # check NAME WANT(mx|debian)
    local name=$1 want=$2 out path probe dom
    out=$(chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
          unshare --net --uts -- /bin/sh /tmp/probe.sh "$want" 2>&1) || true
    path=$(echo "$out" | sed -n 's/^path=//p'); probe=$(echo "$out" | sed -n 's/^probe=//p')
    dom=$(echo "$out" | sed -n 's/^domain=//p')
    if [ "$want" = mx ]; then
        if [ "$path" = /usr/bin/qemu-system-x86_64 ] && [[ "$probe" == *qemu-mx* ]] && [[ "$dom" == *qemu-mx* ]]; then
            echo "PASS $name (virsh domcapabilities path $path; libvirt's probe: '$probe'; started domain: '$dom')"
            return 0
        fi
    elif [ "$path" = /usr/bin/qemu-system-x86_64 ] && [ -n "$dom" ] && [[ "$probe$dom" != *qemu-mx* ]]; then
        echo "PASS $name (after apt-get remove: libvirt's probe '$probe'; started domain: '$dom')"
        return 0
    fi
    echo "FAIL $name: path '$path', probe '$probe', domain '$dom': $(echo "$out" | tail -3 | tr '\n' ' ')"
    tail -5 "$R/var/log/libvirt/libvirtd.log" 2>/dev/null | sed 's/^/# /'
    return 1
}
check deb-fresh-libvirt mx || fail=1

if ! inroot apt-get remove -y -q qemu-mx >"$tmp/remove.log" 2>&1; then
    echo "FAIL deb-fresh-remove: $(tail -3 "$tmp/remove.log" | tr '\n' ' ')"; exit 1
fi
v2=$(inroot /usr/bin/qemu-system-x86_64 --version | head -1)
div=$(inroot dpkg-divert --list)
if [[ "$v2" != *qemu-mx* ]] && [[ "$div" != *qemu-mx* ]] &&
   [ ! -e "$R/usr/bin/qemu-system-x86_64.distrib" ]; then
    echo "PASS deb-fresh-remove ($v2; no diversion left)"
else
    echo "FAIL deb-fresh-remove: version '$v2'"; fail=1
fi
check deb-fresh-libvirt-stock debian || fail=1
exit $fail
