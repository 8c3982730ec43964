# shellcheck shell=bash
# qemu-mx build library: sourced by ./configure and mx/queue.sh.
# Every function dies with a clear message on the first problem.

: "${top:?top must be set to the repo top before sourcing mx/lib.sh}"

msg() { printf 'qemu-mx: %s\n' "$*" >&2; }
die() { printf 'qemu-mx: error: %s\n' "$*" >&2; exit 1; }

# shellcheck source=../qemu-mx.lock
. "$top/qemu-mx.lock"

MX_CACHE=${MX_CACHE:-$top/build/downloads}
MX_FIRMWAREPATH=/usr/share/qemu:/usr/share/seabios:/usr/lib/ipxe/qemu
MX_PKGVERSION="qemu-mx, Debian $QEMU_DEB_VERSION+$MX_SUFFIX"

# New files of this repo that go into the QEMU tree at the same path.  The harness
# (tests/mx-e2e) and the project's test runner (tests/mx) run from the repo, not the tree.
MX_OVERLAY_DIRS="migration block nbd util accel qapi include tests/unit tests/qtest
                 tests/qemu-iotests tests/fuzz docs/mx"

# Fixed identity and dates for the commits the build makes, so that the assembled tree
# and the exported queue do not depend on who ran it or when.
export GIT_COMMITTER_NAME="qemu-mx build" GIT_COMMITTER_EMAIL="build@qemu-mx.invalid"
export GIT_COMMITTER_DATE="2000-01-01T00:00:00Z"
# No background "git gc --auto" in the trees the build makes: it races with removing
# queue-check's temporary trees.
export GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=gc.auto GIT_CONFIG_VALUE_0=0

# --------------------------------------------------------------------------------------
# Build dependencies

MX_DEB_DEPS="build-essential pkg-config git xz-utils ca-certificates ninja-build meson
    python3 python3-venv dpkg-dev ccache flex bison
    libglib2.0-dev libpixman-1-dev zlib1g-dev libzstd-dev liblz4-dev libaio-dev
    liburing-dev libslirp-dev libfdt-dev libcap-ng-dev libattr1-dev
    seabios ipxe-qemu qemu-system-data
    iproute2 cpio libc6-dev python3-matplotlib python3-libnbd qemu-system-x86 qemu-utils
    clang libclang-rt-14-dev
    libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients"

mx_missing_debs() {
    local p missing=""
    for p in $MX_DEB_DEPS; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
            missing="$missing $p"
        fi
    done
    echo "$missing"
}

# mx_apt CMD...: run an apt command with its output in build/apt.log; on failure,
# show the end of it, so that a failed install says why.
mx_apt() {
    local log="$top/build/apt.log"
    mkdir -p "$top/build"
    echo "\$ $*" >>"$log"
    if ! env DEBIAN_FRONTEND=noninteractive "$@" >>"$log" 2>&1; then
        echo "qemu-mx: $1 failed; the end of $log:" >&2
        tail -n 15 "$log" >&2
        return 1
    fi
}

mx_install_deps() {
    command -v dpkg-query >/dev/null || die "this needs a Debian system (dpkg-query not found)"
    local missing
    missing=$(mx_missing_debs)
    [ -z "$missing" ] && return 0
    [ "$(id -u)" = 0 ] || die "missing Debian packages:$missing (run as root, or: sudo apt-get install$missing)"
    msg "installing build dependencies:$missing"
    mx_apt apt-get update -q || die "apt-get update failed"
    # shellcheck disable=SC2086
    mx_apt apt-get install -y -q --no-install-recommends $missing ||
        die "apt-get install failed for:$missing"
    missing=$(mx_missing_debs)
    [ -z "$missing" ] || die "still missing after install:$missing"
}

# --------------------------------------------------------------------------------------
# Debian source: deb-src entries and the pinned download

mx_have_deb_src() {
    grep -rqsE '^[[:space:]]*(deb-src[[:space:]]|Types:.*deb-src)' \
        /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null
}

# Derive deb-src entries from the existing deb entries: same URIs, suites, components and
# keys.  No mirror host is named here; it comes from the machine's own apt configuration.
mx_add_deb_src() {
    local f out=/etc/apt/sources.list.d/qemu-mx-deb-src.sources
    [ "$(id -u)" = 0 ] || die "apt has no deb-src entry; as root, ./configure adds one"
    msg "adding deb-src entries derived from apt's deb entries ($out)"
    : > "$out.tmp"
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -e "$f" ] || continue
        [ "$f" = "$out" ] && continue
        awk 'BEGIN { RS = ""; ORS = "\n\n" }
             /(^|\n)Types:[^\n]*deb([[:space:]]|$)/ && !/(^|\n)Enabled:[[:space:]]*no/ {
                 sub(/Types:[^\n]*/, "Types: deb-src"); print }' "$f" >> "$out.tmp"
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -e "$f" ] || continue
        # One-line format: "deb [opts] URI suite comp..." -> deb-src line.
        sed -n 's/^[[:space:]]*deb\([[:space:]]\)/deb-src\1/p' "$f" \
            >> "${out%.sources}.list.tmp"
    done
    [ -s "$out.tmp" ] && mv "$out.tmp" "$out" || rm -f "$out.tmp"
    if [ -s "${out%.sources}.list.tmp" ]; then
        mv "${out%.sources}.list.tmp" "${out%.sources}.list"
    else
        rm -f "${out%.sources}.list.tmp"
    fi
    mx_have_deb_src || die "could not derive a deb-src entry from apt's configuration"
    mx_apt apt-get update -q || die "apt-get update failed after adding deb-src"
}

mx_sha256_ok() { # file expected-sha
    [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ]
}

mx_verify_base() { # dir: dies on any mismatch
    local d=$1 f sum
    for f in DSC ORIG DEBIAN; do
        local name="QEMU_$f" want="QEMU_${f}_SHA256"
        [ -f "$d/${!name}" ] || die "missing ${!name} in $d"
        sum=$(sha256sum "$d/${!name}" | cut -d' ' -f1)
        [ "$sum" = "${!want}" ] || die "SHA256 mismatch for $d/${!name}:
    expected ${!want}
    got      $sum
  The download does not match qemu-mx.lock: refusing to use it.  Delete the file to
  fetch it again, or, when rebasing on purpose, update qemu-mx.lock."
    done
}

mx_fetch_base() {
    mkdir -p "$MX_CACHE"
    if ! [ -f "$MX_CACHE/$QEMU_DSC" ] || ! [ -f "$MX_CACHE/$QEMU_ORIG" ] ||
       ! [ -f "$MX_CACHE/$QEMU_DEBIAN" ]; then
        command -v apt-get >/dev/null || die "apt-get not found"
        mx_have_deb_src || mx_add_deb_src
        msg "downloading qemu=$QEMU_DEB_VERSION source into $MX_CACHE"
        (cd "$MX_CACHE" && apt-get source -q --download-only "qemu=$QEMU_DEB_VERSION") \
            >"$MX_CACHE/apt-source.log" 2>&1 ||
            die "apt-get source qemu=$QEMU_DEB_VERSION failed (see $MX_CACHE/apt-source.log)"
    fi
    mx_verify_base "$MX_CACHE"
}

# --------------------------------------------------------------------------------------
# Assembling the tree

mx_series() { # prints the patch paths of patches/series, in order
    [ -f "$top/patches/series" ] || return 0
    sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$top/patches/series"
}

mx_stamp() { # a hash of everything the assembled tree depends on
    {
        cat "$top/qemu-mx.lock"
        echo "baseline=$1"
        if [ "$1" = 0 ]; then
            mx_series | while read -r p; do
                [ -f "$top/patches/$p" ] || die "patches/series names a missing file: $p"
                echo "$p"; cat "$top/patches/$p"
            done
        fi
    } | sha256sum | cut -d' ' -f1
}

mx_overlay_files() { # repo-relative paths of overlay files
    local d
    (cd "$top" && for d in $MX_OVERLAY_DIRS; do
        if [ -d "$d" ]; then
            find "$d" -type f ! -name '*~' ! -name '*.orig' ! -name '*.rej'
        fi
    done) | LC_ALL=C sort
}

# Copy overlay files into the tree, only those whose content changed (so that ninja
# rebuilds only what changed), and remove the ones a previous sync added that are gone.
mx_sync_overlay() { # srcdir
    local src=$1 f list excl="$1/.git/info/exclude"
    list=$(mx_overlay_files)
    for f in $list; do
        if git -C "$src" cat-file -e "mx-base:$f" 2>/dev/null; then
            die "overlay file $f would replace an upstream file: change upstream files with a patch in patches/"
        fi
        mkdir -p "$src/$(dirname "$f")"
        cmp -s "$top/$f" "$src/$f" || cp "$top/$f" "$src/$f"
    done
    if [ -f "$excl" ]; then
        sed -n 's|^/||p' "$excl" | while read -r f; do
            case $'\n'"$list"$'\n' in
            *$'\n'"$f"$'\n'*) ;;
            *) rm -f "$src/$f" ;;
            esac
        done
    fi
    { echo "# qemu-mx overlay files (managed by ./configure; edit them in the repo)"
      for f in $list; do echo "/$f"; done; } > "$excl"
}

mx_unpack_base() { # destdir: pristine upstream + Debian patches, as a git repo
    local dest=$1 tmp
    tmp="$dest.tmp.$$"
    rm -rf "$tmp"
    mkdir -p "$(dirname "$dest")"
    msg "unpacking $QEMU_DSC with Debian's patches"
    dpkg-source --no-check -x "$MX_CACHE/$QEMU_DSC" "$tmp" >"$tmp.log" 2>&1 ||
        die "dpkg-source -x failed (see $tmp.log)"
    rm -f "$tmp.log"
    rm -rf "$tmp/.pc"
    # dpkg-source leaves links to the tarballs beside the tree.
    rm -f "$(dirname "$dest")/$QEMU_ORIG" "$(dirname "$dest")/$QEMU_DEBIAN"
    (
        cd "$tmp"
        git init -q
        git config user.name >/dev/null || git config user.name "qemu-mx developer"
        git config user.email >/dev/null || git config user.email "dev@qemu-mx.invalid"
        git add -A -f .
        GIT_AUTHOR_NAME="qemu-mx build" GIT_AUTHOR_EMAIL="build@qemu-mx.invalid" \
        GIT_AUTHOR_DATE="$GIT_COMMITTER_DATE" \
            git commit -q -m "base: qemu $QEMU_DEB_VERSION (upstream with Debian's patches)"
        git tag -f mx-base >/dev/null
    ) || die "could not create the base git repository"
    rm -rf "$dest"
    mv "$tmp" "$dest"
}

mx_apply_series() { # srcdir
    local src=$1 p
    while read -r p; do
        [ -n "$p" ] || continue
        [ -f "$top/patches/$p" ] || die "patches/series names a missing file: $p"
        if ! git -C "$src" am -q --no-3way "$top/patches/$p" >"$src/.git/mx-am.log" 2>&1; then
            git -C "$src" am --abort >/dev/null 2>&1 || true
            cat "$src/.git/mx-am.log" >&2
            die "patch $p does not apply cleanly"
        fi
    done < <(mx_series)
}

mx_assemble() { # srcdir baseline force
    local src=$1 baseline=$2 force=$3 stamp
    stamp=$(mx_stamp "$baseline")
    if [ -d "$src/.git" ] && git -C "$src" rev-parse -q --verify mx-base >/dev/null; then
        if [ "$(cat "$src/.git/mx-stamp" 2>/dev/null)" = "$stamp" ]; then
            [ "$baseline" = 1 ] || mx_sync_overlay "$src"
            return 0
        fi
        local top_ok=1
        git -C "$src" rev-parse -q --verify mx-queue-top >/dev/null || top_ok=0
        if [ "$top_ok" = 1 ] &&
           { [ "$(git -C "$src" rev-parse HEAD)" != "$(git -C "$src" rev-parse mx-queue-top)" ] ||
             ! git -C "$src" diff --quiet HEAD; } && [ "$force" != 1 ]; then
            die "$src has commits or changes that are not in patches/ (run 'make export' first,
  or ./configure --force to throw them away)"
        fi
        if [ "$(git -C "$src" log -1 --format=%s mx-base)" = \
             "base: qemu $QEMU_DEB_VERSION (upstream with Debian's patches)" ]; then
            msg "re-applying the patch queue in $src"
            git -C "$src" am --abort >/dev/null 2>&1 || true
            git -C "$src" reset -q --hard mx-base
        else
            mx_unpack_base "$src"
        fi
    else
        mx_unpack_base "$src"
    fi
    if [ "$baseline" = 0 ]; then
        mx_apply_series "$src"
        mx_sync_overlay "$src"
    fi
    git -C "$src" tag -f mx-queue-top >/dev/null
    echo "$stamp" > "$src/.git/mx-stamp"
    msg "assembled $src ($(mx_series | wc -l) patches$([ "$baseline" = 1 ] && echo ', baseline: none applied'))"
}

# --------------------------------------------------------------------------------------
# Configuring QEMU

# A binary run from the build directory finds its data through build/qemu/qemu-bundle,
# which mirrors the install prefix: the firmware path's directories are looked up there
# too.  Point them at Debian's seabios, ipxe-qemu and qemu-system-data files.
mx_link_firmware() { # builddir
    local d
    for d in ${MX_FIRMWAREPATH//:/ }; do
        [ -d "$d" ] || die "firmware directory $d is missing (packages seabios ipxe-qemu qemu-system-data)"
        mkdir -p "$1/qemu-bundle$(dirname "$d")"
        ln -sfn "$d" "$1/qemu-bundle$d"
    done
}

mx_configure_qemu() { # srcdir builddir
    local src=$1 bld=$2 args stamp
    args=(--target-list=x86_64-softmmu --enable-tools
          --enable-zstd --enable-lz4 --enable-linux-io-uring --enable-linux-aio --enable-slirp
          --enable-fdt=system --disable-docs --with-git-submodules=ignore
          --meson=/usr/bin/meson --firmwarepath="$MX_FIRMWAREPATH"
          --with-pkgversion="$MX_PKGVERSION")
    stamp=$(printf '%s\n' "${args[@]}" | sha256sum | cut -d' ' -f1)
    if [ -f "$bld/build.ninja" ] && [ "$(cat "$bld/.mx-config-stamp" 2>/dev/null)" = "$stamp" ]; then
        mx_link_firmware "$bld"
        return 0
    fi
    command -v ccache >/dev/null && msg "ccache found: meson uses it"
    msg "configuring QEMU in $bld"
    rm -rf "$bld"
    mkdir -p "$bld"
    (cd "$bld" && "$src/configure" "${args[@]}") >"$bld.configure.log" 2>&1 ||
        { tail -30 "$bld.configure.log" >&2; die "QEMU configure failed (see $bld.configure.log)"; }
    mx_link_firmware "$bld"
    echo "$stamp" > "$bld/.mx-config-stamp"
}
