#!/usr/bin/env bash
# Test the qemu-mx .deb without ever leaving it installed on this machine.
#
# Everything happens in a private mount namespace (unshare --mount) whose /usr, /etc
# and /var are overlays with throwaway upper layers: dpkg installs the package there
# (diversions included), libvirt's capability probe and a started domain (the harness's
# libvirt flow, one migration) must report qemu-mx, then `apt-get remove` must bring
# Debian's binaries back byte for byte.  When the namespace ends its mounts are gone,
# so nothing of the install survives any exit path; outside, the script checks that
# /usr/bin/qemu-* are unchanged and dpkg knows no qemu-mx.
#
#   mx/deb-test.sh [DEB]      (default build/deb/qemu-mx_*.deb)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bins="qemu-system-x86_64 qemu-img qemu-nbd qemu-io"

if [ "${MX_DEB_TEST_INNER:-}" != 1 ]; then
    deb=${1:-$(ls "$top"/build/deb/qemu-mx_*.deb 2>/dev/null | tail -1)}
    [ -f "$deb" ] || { echo "FAIL deb-test: no package (run make deb)"; exit 1; }
    [ "$(id -u)" = 0 ] || { echo "FAIL deb-test: needs root (mount namespace, dpkg)"; exit 1; }
    mkdir -p "$top/build"; tmp=$(mktemp -d "$top/build/mx-deb-test.XXXXXX")   # not under /usr, /etc, /var
    trap 'rm -rf "$tmp"' EXIT
    before=$(cd /usr/bin && sha256sum $bins)
    rc=0
    MX_DEB_TEST_INNER=1 MX_DEB_TEST_TMP=$tmp unshare --mount --propagation private -- \
        "$0" "$(realpath "$deb")" || rc=$?
    after=$(cd /usr/bin && sha256sum $bins)
    if [ "$before" != "$after" ]; then
        echo "FAIL deb-outside-untouched: /usr/bin/qemu-* changed outside the namespace"; rc=1
    elif dpkg-query -W qemu-mx >/dev/null 2>&1 || dpkg-divert --list | grep -q qemu-mx; then
        echo "FAIL deb-outside-untouched: dpkg outside knows qemu-mx"; rc=1
    else
        echo "PASS deb-outside-untouched (stock /usr/bin/qemu-* unchanged, no qemu-mx in dpkg)"
    fi
    exit $rc
fi

# ---- inside the private mount namespace ------------------------------------------
deb=$1
tmp=$MX_DEB_TEST_TMP
fail=0
for d in usr etc var; do
    mkdir -p "$tmp/$d-up" "$tmp/$d-wk"
    mount -t overlay "mx-deb-$d" -o "lowerdir=/$d,upperdir=$tmp/$d-up,workdir=$tmp/$d-wk" "/$d"
done
stock_sums=$(cd /usr/bin && sha256sum $bins)
stock_ver=$(/usr/bin/qemu-system-x86_64 --version | head -1)

if ! DEBIAN_FRONTEND=noninteractive dpkg -i "$deb" >"$tmp/dpkg-i.log" 2>&1; then
    echo "FAIL deb-install: $(tail -3 "$tmp/dpkg-i.log" | tr '\n' ' ')"
    exit 1
fi
v=$(/usr/bin/qemu-system-x86_64 --version | head -1)
nd=$(dpkg-divert --list | grep -c 'by qemu-mx' || true)
if [[ "$v" == *qemu-mx* ]] && [ "$nd" = 4 ] && [ -x /usr/bin/qemu-system-x86_64.distrib ] &&
   /usr/bin/qemu-img --version | grep -q qemu-mx; then
    echo "PASS deb-install ($v; $nd diversions; Debian's at *.distrib)"
else
    echo "FAIL deb-install: version '$v', $nd diversions"; fail=1
fi

# libvirt: capability probe and a started (and migrated) domain on the installed binary
rj=$tmp/run.json
if MX_E2E_LIBVIRT_CACHE=$tmp/lv-cache timeout 600 "$top/tests/mx-e2e/mx-e2e" run libvirt \
        --qemu /usr/bin/qemu-system-x86_64 --lv-ops migrate --warmup 1 --timeout 240 \
        --name deb-libvirt -q --json "$rj" >"$tmp/e2e.log" 2>&1; then
    :
fi
if [ -s "$rj" ]; then
    /usr/bin/python3 - "$rj" <<'PY' || fail=1
import json, sys
r = json.load(open(sys.argv[1]))
lv = r.get("libvirt") or {}
dc = lv.get("domcapabilities_a") or {}
em = lv.get("emulator_a") or {}
va = (lv.get("qemu_version_a") or {}).get("package", "")
vb = (lv.get("qemu_version_b") or {}).get("package", "")
ok = True
if dc.get("rc") == 0 and dc.get("path") == "/usr/bin/qemu-system-x86_64" and "mx" in (em.get("package") or ""):
    print("PASS deb-libvirt-domcapabilities (path %s, machine %s; libvirt's probe: version %s, package '%s')"
          % (dc["path"], dc.get("machine"), em.get("version"), em.get("package")))
else:
    print("FAIL deb-libvirt-domcapabilities: %s %s" % (dc, em)); ok = False
if "qemu-mx" in va and "qemu-mx" in vb and r.get("result") == "ok":
    print("PASS deb-libvirt-domain (started domain: '%s'; migrated with virsh migrate "
          "--copy-storage-all, verifier ok on B: '%s')" % (va.strip(), vb.strip()))
else:
    print("FAIL deb-libvirt-domain: result %s, A '%s', B '%s': %s" % (
        r.get("result"), va, vb, (r.get("error") or "")[:300])); ok = False
sys.exit(0 if ok else 1)
PY
else
    echo "FAIL deb-libvirt: no run.json: $(tail -3 "$tmp/e2e.log" | tr '\n' ' ')"; fail=1
fi

if ! DEBIAN_FRONTEND=noninteractive apt-get remove -y -q qemu-mx >"$tmp/remove.log" 2>&1; then
    echo "FAIL deb-remove: $(tail -3 "$tmp/remove.log" | tr '\n' ' ')"
    exit 1
fi
v2=$(/usr/bin/qemu-system-x86_64 --version | head -1)
sums2=$(cd /usr/bin && sha256sum $bins)
if [ "$sums2" = "$stock_sums" ] && [ "$v2" = "$stock_ver" ] && ! dpkg-divert --list | grep -q qemu-mx &&
   [ ! -e /usr/bin/qemu-system-x86_64.distrib ]; then
    echo "PASS deb-remove (stock back: $v2; binaries identical to Debian's, no diversion left)"
else
    echo "FAIL deb-remove: version '$v2', binaries identical: $([ "$sums2" = "$stock_sums" ] && echo yes || echo no)"
    fail=1
fi
exit $fail
