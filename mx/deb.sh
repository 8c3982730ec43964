#!/usr/bin/env bash
# make deb: a Debian 12 binary package "qemu-mx" of the already-built fork.
#
# It ships the fork's qemu-system-x86_64, qemu-img, qemu-nbd and qemu-io at Debian's
# paths and moves Debian's aside with dpkg-divert (preinst), so libvirt, scripts and
# users pick up the fork with no configuration change; removing the package removes
# the diversions (postrm) and puts Debian's binaries back.  Firmware, keymaps and the
# other data come from Debian's own packages (Depends).  docs/mx/libvirt.md says why
# this and not a rebuild of Debian's source package.
#
#   mx/deb.sh [BUILD_DIR [OUT_DIR]]     (defaults build/qemu, build/deb)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=lib.sh
. "$top/mx/lib.sh"

bld=$(realpath -m "${1:-$top/build/qemu}")
out=$(realpath -m "${2:-$top/build/deb}")
MX_DEB_TOOLS="lintian fakeroot binutils dpkg-dev"
MX_DEB_BINS="qemu-system-x86_64 qemu-img qemu-nbd qemu-io"
pkg=qemu-mx
ver="$QEMU_DEB_VERSION+$MX_SUFFIX"       # 1:7.2+dfsg-7+deb12u18+mx1
case $ver in *:*) ;; *) ver="1:$ver" ;; esac
fver=${ver#*:}
arch=$(dpkg --print-architecture)

missing=""
for p in $MX_DEB_TOOLS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    [ "$(id -u)" = 0 ] || die "make deb needs:$missing (apt-get install --no-install-recommends$missing)"
    msg "installing packaging tools:$missing"
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing >/dev/null ||
        die "apt-get install failed for:$missing"
fi

for b in $MX_DEB_BINS; do
    [ -x "$bld/$b" ] || die "$bld/$b is missing: run make first"
done
"$bld/qemu-system-x86_64" --version | grep -q qemu-mx || die "$bld/qemu-system-x86_64 is not a qemu-mx build"

t0=$(date +%s)
stage=$out/stage
rm -rf "$stage"
mkdir -p "$stage/DEBIAN" "$stage/usr/bin" "$stage/usr/share/doc/$pkg" "$stage/usr/share/lintian/overrides"
for b in $MX_DEB_BINS; do
    install -m 0755 "$bld/$b" "$stage/usr/bin/$b"
    strip --strip-unneeded --remove-section=.comment --remove-section=.note "$stage/usr/bin/$b"
done

# dependencies: the shared libraries the binaries link (dpkg-shlibdeps, from the
# installed libraries' shlibs/symbols files) + Debian's QEMU packages for firmware,
# data files and the binaries this package diverts
shl=$out/shlibs
rm -rf "$shl"
mkdir -p "$shl/debian"
printf 'Source: %s\n\nPackage: %s\nArchitecture: any\n' "$pkg" "$pkg" > "$shl/debian/control"
# shellcheck disable=SC2046  # one argument per binary
libdeps=$(cd "$shl" && dpkg-shlibdeps -O $(for b in $MX_DEB_BINS; do echo "$stage/usr/bin/$b"; done) 2>/dev/null |
          sed -n 's/^shlibs:Depends=//p')
[ -n "$libdeps" ] || die "dpkg-shlibdeps found no library dependencies"
rm -rf "$shl"
base="qemu-system-x86 (>= 1:7.2), qemu-system-x86 (<< 1:7.3~), qemu-utils (>= 1:7.2), qemu-utils (<< 1:7.3~)"
base="$base, qemu-system-data (>= 1:7.2), seabios, ipxe-qemu"

installed_kb=$(du -sk --apparent-size "$stage/usr" | cut -f1)
cat > "$stage/DEBIAN/control" <<EOF
Package: $pkg
Version: $ver
Architecture: $arch
Maintainer: qemu-mx developers <dev@qemu-mx.invalid>
Installed-Size: $installed_kb
Depends: $libdeps, $base
Section: otherosfs
Priority: optional
Homepage: https://www.qemu.org/
Description: QEMU 7.2 with faster, dependable live and storage migration (qemu-mx)
 qemu-mx is Debian's QEMU ${QEMU_DEB_VERSION#*:} with the qemu-mx patch queue:
 live migration, storage migration (NBD + mirror, as libvirt's
 --copy-storage-all) and snapshot improvements.  Defaults keep the stock
 migration stream, so guests migrate between qemu-mx and Debian's QEMU in
 both directions.
 .
 This package diverts Debian's /usr/bin/qemu-system-x86_64, qemu-img, qemu-nbd
 and qemu-io (to *.distrib) and installs the qemu-mx builds in their place, so
 libvirt uses qemu-mx with no domain XML change.  Removing the package brings
 Debian's binaries back.  Firmware and data files come from Debian's packages.
EOF

# preinst adds the diversions before dpkg unpacks our files over Debian's paths;
# postrm removes them (and renames Debian's binaries back) on remove, purge,
# abort-install and disappear.  Upgrades of qemu-mx keep them.
{
    echo '#!/bin/sh'
    echo 'set -e'
    echo 'if [ "$1" = install ] || [ "$1" = upgrade ]; then'
    for b in $MX_DEB_BINS; do
        echo "    dpkg-divert --package $pkg --add --rename --divert /usr/bin/$b.distrib /usr/bin/$b >/dev/null"
    done
    echo 'fi'
} > "$stage/DEBIAN/preinst"
{
    echo '#!/bin/sh'
    echo 'set -e'
    echo 'case "$1" in'
    echo '    remove|purge|abort-install|disappear)'
    for b in $MX_DEB_BINS; do
        echo "        dpkg-divert --package $pkg --remove --rename --divert /usr/bin/$b.distrib /usr/bin/$b >/dev/null"
    done
    echo '        ;;'
    echo 'esac'
} > "$stage/DEBIAN/postrm"
chmod 0755 "$stage/DEBIAN/preinst" "$stage/DEBIAN/postrm"

cat > "$stage/usr/share/doc/$pkg/copyright" <<EOF
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: QEMU (qemu-mx)
Source: Debian source package qemu $QEMU_DEB_VERSION with the qemu-mx patch queue

Files: *
Copyright: Copyright (C) 2003-2022 Fabrice Bellard and the QEMU Project developers
 Copyright (C) 2007-2023 Debian QEMU Team <pkg-qemu-devel@lists.alioth.debian.org>
 Copyright (C) 2026 qemu-mx developers
License: GPL-2
 QEMU as a whole is released under the GNU General Public License, version 2.
 Parts are under other GPL-2-compatible licenses (see the QEMU source tree's
 LICENSE file and Debian's debian/copyright of the qemu source package).
 .
 On Debian systems, the complete text of the GNU General Public License
 version 2 can be found in '/usr/share/common-licenses/GPL-2'.
EOF
{
    echo "$pkg ($ver) bookworm; urgency=medium"
    echo
    echo "  * qemu-mx build of Debian's qemu $QEMU_DEB_VERSION"
    echo "    with the qemu-mx patch queue ($(mx_series | wc -l) patches)."
    echo
    echo " -- qemu-mx developers <dev@qemu-mx.invalid>  $(date -R -d @"${SOURCE_DATE_EPOCH:-$(git -C "$top" log -1 --format=%ct 2>/dev/null || date +%s)}")"
} | gzip -9n > "$stage/usr/share/doc/$pkg/changelog.Debian.gz"
# lintian: explained in docs/mx/libvirt.md ("Package")
cat > "$stage/usr/share/lintian/overrides/$pkg" <<EOF
# the binaries are Debian's own names: the package diverts qemu-system-x86's and
# qemu-utils' files on purpose, and ships no manual pages of its own (Debian's stay)
$pkg: no-manual-page [usr/bin/*]
EOF
chmod 0644 "$stage/usr/share/doc/$pkg/"* "$stage/usr/share/lintian/overrides/$pkg"

(cd "$stage" && find usr -type f -print0 | sort -z | xargs -0 md5sum) > "$stage/DEBIAN/md5sums"
chmod 0644 "$stage/DEBIAN/control" "$stage/DEBIAN/md5sums"
deb=$out/${pkg}_${fver}_${arch}.deb
rm -f "$out"/*.deb
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
rm -rf "$stage"
t1=$(date +%s)
msg "wrote $deb ($(du -k "$deb" | cut -f1) KiB, installed $installed_kb KiB, $((t1 - t0)) s)"
if command -v lintian >/dev/null; then
    lintian --no-tag-display-limit "$deb" > "$out/lintian.txt" 2>&1 || true
    msg "lintian: $(grep -c '^[EWIP]:' "$out/lintian.txt" || true) tags (E: $(grep -c '^E:' "$out/lintian.txt" || true), W: $(grep -c '^W:' "$out/lintian.txt" || true)); see $out/lintian.txt"
fi
