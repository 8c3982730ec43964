#!/bin/bash
# Build the e2e guest: OUTDIR/vmlinuz (pinned Debian cloud kernel) and
# OUTDIR/initramfs.cpio.gz (/init = static mxagent + virtio modules).
#
# Usage: build-guest.sh OUTDIR
#
# Idempotent: the kernel .deb is cached in OUTDIR/cache and checked against
# the SHA256 pinned in qemu-mx.lock; mxagent and the initramfs are rebuilt
# only when their inputs changed (tracked by content hashes).
set -euo pipefail

die() { echo "build-guest: error: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: $0 OUTDIR"
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
lock="$top/qemu-mx.lock"
[ -r "$lock" ] || die "missing $lock"
# shellcheck source=/dev/null
. "$lock"
for v in KERNEL_PKG KERNEL_VERSION KERNEL_DEB KERNEL_DEB_SHA256; do
    [ -n "${!v:-}" ] || die "$v not set in $lock"
done

mkdir -p "$1"
out=$(cd "$1" && pwd)
cache="$out/cache"
mkdir -p "$cache"

# Serialise concurrent builds into the same OUTDIR.
exec 9>"$out/.build.lock"
flock 9

# Modules /init loads, in dependency order (mxagent.c has the same list).
MODULES="virtio virtio_ring virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_blk"
CFLAGS="-static -O2 -Wall -Werror -std=gnu11 -pthread"

did=()

# --- build dependencies ------------------------------------------------------
missing=()
for p in cpio libc6-dev gcc gzip; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
        missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
    did+=("installed ${missing[*]}")
fi

sha() { sha256sum "$1" | cut -d' ' -f1; }

# --- kernel package ----------------------------------------------------------
deb="$cache/$KERNEL_DEB"
if [ -f "$deb" ] && [ "$(sha "$deb")" != "$KERNEL_DEB_SHA256" ]; then
    rm -f "$deb"        # stale or damaged cache entry: fetch again
fi
if [ ! -f "$deb" ]; then
    dl=$(mktemp -d "$cache/dl.XXXXXX")
    trap 'rm -rf "$dl"' EXIT
    # let apt's sandbox user write here (else apt warns and runs as root)
    chmod 755 "$dl"
    chown _apt "$dl" 2>/dev/null || true
    (cd "$dl" && apt-get download -q=2 "$KERNEL_PKG=$KERNEL_VERSION") ||
        die "apt-get download $KERNEL_PKG=$KERNEL_VERSION failed"
    [ -f "$dl/$KERNEL_DEB" ] || die "download did not produce $KERNEL_DEB"
    got=$(sha "$dl/$KERNEL_DEB")
    if [ "$got" != "$KERNEL_DEB_SHA256" ]; then
        rm -rf "$dl"
        die "SHA256 mismatch for $KERNEL_DEB: got $got, want $KERNEL_DEB_SHA256 (file discarded)"
    fi
    mv "$dl/$KERNEL_DEB" "$deb"
    rm -rf "$dl"
    trap - EXIT
    did+=("downloaded $KERNEL_PKG $KERNEL_VERSION")
fi

# Drop kernels of an older lock file.
for f in "$cache"/*.deb "$cache"/kernel-*; do
    [ -e "$f" ] || continue
    [ "$f" = "$deb" ] || [ "$f" = "$cache/kernel-$KERNEL_VERSION" ] || rm -rf "$f"
done

kx="$cache/kernel-$KERNEL_VERSION"
if [ "$(cat "$kx/.sha256" 2>/dev/null)" != "$KERNEL_DEB_SHA256" ]; then
    rm -rf "$kx"
    mkdir -p "$kx"
    dpkg-deb -x "$deb" "$kx"
    echo "$KERNEL_DEB_SHA256" >"$kx/.sha256"
    did+=("extracted kernel")
fi
vmlinuz=$(find "$kx/boot" -maxdepth 1 -name 'vmlinuz-*' | head -n1)
[ -n "$vmlinuz" ] || die "no vmlinuz in $KERNEL_DEB"
kver=${vmlinuz##*/vmlinuz-}
moddir="$kx/lib/modules/$kver/kernel"
[ -d "$moddir" ] || die "no modules directory for $kver"

if ! cmp -s "$vmlinuz" "$out/vmlinuz"; then
    cp "$vmlinuz" "$out/vmlinuz.tmp"
    mv "$out/vmlinuz.tmp" "$out/vmlinuz"
    did+=("vmlinuz $kver")
fi

# --- mxagent -----------------------------------------------------------------
src="$here/mxagent.c"
agent_key=$( (sha "$src"; echo "$CFLAGS"; gcc --version | head -n1) | sha256sum | cut -d' ' -f1)
if [ ! -x "$out/mxagent" ] || [ "$(cat "$out/mxagent.key" 2>/dev/null)" != "$agent_key" ]; then
    # shellcheck disable=SC2086
    gcc $CFLAGS -o "$out/mxagent.tmp" "$src"
    mv "$out/mxagent.tmp" "$out/mxagent"
    echo "$agent_key" >"$out/mxagent.key"
    did+=("built mxagent")
fi

# --- initramfs ---------------------------------------------------------------
mods=()
for m in $MODULES; do
    f=$(find "$moddir" \( -name "$m.ko" -o -name "$m.ko.xz" -o -name "$m.ko.zst" \
          -o -name "$m.ko.gz" \) | head -n1)
    # Not shipped as a module: assume built in (mxagent skips missing files).
    [ -n "$f" ] && mods+=("$f")
done
[ ${#mods[@]} -gt 0 ] || die "no virtio modules found for $kver"

irfs_key=$( (sha "$out/mxagent"; for f in "${mods[@]}"; do echo "${f##*/} $(sha "$f")"; done) |
            sha256sum | cut -d' ' -f1)
if [ ! -f "$out/initramfs.cpio.gz" ] ||
   [ "$(cat "$out/initramfs.key" 2>/dev/null)" != "$irfs_key" ]; then
    stage=$(mktemp -d "$out/initramfs.XXXXXX")
    trap 'rm -rf "$stage"' EXIT
    mkdir -p "$stage"/{dev,proc,sys,lib/modules}
    cp "$out/mxagent" "$stage/init"
    chmod 755 "$stage/init"
    # Store modules uncompressed: then /init does not depend on the
    # kernel's in-kernel decompression (CONFIG_MODULE_DECOMPRESS).
    for f in "${mods[@]}"; do
        b=${f##*/}
        case "$b" in
        *.ko.xz)  xz -dc "$f" >"$stage/lib/modules/${b%.xz}" ;;
        *.ko.zst) zstd -qdc "$f" >"$stage/lib/modules/${b%.zst}" ;;
        *.ko.gz)  gzip -dc "$f" >"$stage/lib/modules/${b%.gz}" ;;
        *)        cp "$f" "$stage/lib/modules/" ;;
        esac
    done
    # The kernel's built-in initramfs already has /dev/console; add it when
    # we can, so early messages work with any kernel.
    mknod -m 600 "$stage/dev/console" c 5 1 2>/dev/null || true
    (cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
        cpio --quiet -o -H newc -R 0:0 --reproducible) | gzip -9n >"$out/initramfs.cpio.gz.tmp"
    mv "$out/initramfs.cpio.gz.tmp" "$out/initramfs.cpio.gz"
    echo "$irfs_key" >"$out/initramfs.key"
    rm -rf "$stage"
    trap - EXIT
    did+=("packed initramfs (${#mods[@]} modules)")
fi

if [ ${#did[@]} -eq 0 ]; then
    echo "build-guest: $out up to date (kernel $kver, mxagent, initramfs)"
else
    msg=$(printf '%s; ' "${did[@]}")
    echo "build-guest: ${msg%; }"
    echo "build-guest: wrote $out/vmlinuz and $out/initramfs.cpio.gz"
fi
