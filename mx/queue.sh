#!/usr/bin/env bash
# qemu-mx patch queue.
#
#   mx/queue.sh export [SRC]   write the commits of SRC (default build/src) since mx-base
#                              back to patches/<topic>/NNNN-*.patch and patches/series
#   mx/queue.sh check          re-apply the queue on a pristine base with `patch --fuzz=0`
#                              and with `git am`, run checkpatch.pl on the patches and on
#                              the overlay's C files, and check that an export of the
#                              assembled queue reproduces patches/ exactly
#
# Topics: a commit keeps the topic of the patch with the same subject.  A new commit goes
# to $TOPIC if set, else to the topic of the commit before it (else "misc").  Each topic
# must be contiguous in the queue; patches are numbered in apply order within it.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=lib.sh
. "$top/mx/lib.sh"

# The one identity of the project's patches (From: and Signed-off-by:).
MX_PATCH_AUTHOR="qemu-mx developers <dev@qemu-mx.invalid>"

patch_subject() { # patch file -> subject without [PATCH]
    sed -n '/^Subject: /{s/^Subject: \(\[PATCH[^]]*\] \)\{0,1\}//;p;q}' "$1"
}

slug() { # subject -> file name part
    local s
    s=$(echo "$1" | tr -c 'A-Za-z0-9._\n-' '-' | sed -e 's/--*/-/g' -e 's/^-//' -e 's/-$//')
    # Cut long subjects at a word boundary.
    [ "${#s}" -le 60 ] || { s=${s:0:60}; s=${s%-*}; }
    echo "$s"
}

# export SRC OUTDIR: OUTDIR/patches/... and OUTDIR/patches/series from SRC's commits
do_export() {
    local src=$1 out=$2 tmp i=0 f subj path topic prev_topic="" n
    git -C "$src" rev-parse -q --verify mx-base >/dev/null || die "$src is not an assembled tree"
    tmp=$(mktemp -d)
    git -C "$src" format-patch -q --zero-commit --no-signature --no-numbered --full-index \
        --no-renames -o "$tmp/fp" mx-base..HEAD
    declare -A by_subject=()
    while read -r p; do
        [ -n "$p" ] && by_subject["$(patch_subject "$top/patches/$p")"]="$p"
    done < <(mx_series)
    : > "$tmp/series"
    mkdir -p "$tmp/out"
    declare -A seen=() count=()
    for f in "$tmp"/fp/*.patch; do
        [ -e "$f" ] || break
        subj=$(patch_subject "$f")
        [ -z "${seen["$subj"]:-}" ] || die "two commits have the subject '$subj'"
        seen["$subj"]=1
        # A commit keeps the topic of the patch with its subject; a new one takes
        # $TOPIC or the topic of the commit before it.  Numbers follow the apply
        # order within each topic.
        path=${by_subject["$subj"]:-}
        if [ -n "$path" ]; then
            topic=$(dirname "$path")
        else
            topic=${TOPIC:-${prev_topic:-misc}}
        fi
        if [ -n "${count["$topic"]:-}" ] && [ "$topic" != "$prev_topic" ]; then
            die "topic $topic is not contiguous in the queue (at '$subj'): reorder the commits"
        fi
        n=$(( ${count["$topic"]:-0} + 1 ))
        count["$topic"]=$n
        path=$(printf '%s/%04d-%s.patch' "$topic" "$n" "$(slug "$subj")")
        mkdir -p "$tmp/out/$topic"
        cp "$f" "$tmp/out/$path"
        echo "$path" >> "$tmp/series"
        prev_topic=$(dirname "$path")
        i=$((i + 1))
    done
    rm -rf "$out/patches"
    mkdir -p "$out/patches"
    { echo "# qemu-mx patch queue: changes to upstream files, applied in this order."
      echo "# Written by 'make export'; see README.md (Hacking)."
      cat "$tmp/series"; } > "$out/patches/series"
    cp -r "$tmp/out/." "$out/patches/"
    rm -rf "$tmp"
    echo "$i"
}

cmd_export() {
    local src=${1:-$top/build/src} n
    n=$(do_export "$src" "$top/build/export.tmp")
    rm -rf "$top/patches"
    mv "$top/build/export.tmp/patches" "$top/patches"
    rm -rf "$top/build/export.tmp"
    # The tree now matches the queue: record it so ./configure does not re-assemble.
    git -C "$src" tag -f mx-queue-top >/dev/null
    mx_stamp 0 > "$src/.git/mx-stamp"
    msg "exported $n patches to patches/ ($(git -C "$top" status --porcelain patches | wc -l) paths changed)"
}

cmd_check() {
    local fail=0 p out
    mx_fetch_base
    work=$(mktemp -d "$top/build/queue-check.XXXXXX")  # global: the EXIT trap needs it
    trap 'rm -rf "$work" || true' EXIT

    msg "queue-check 1/5: patch --fuzz=0 on a pristine base"
    mx_unpack_base "$work/plain"
    while read -r p; do
        if ! out=$(cd "$work/plain" && patch -p1 --fuzz=0 --no-backup-if-mismatch -s \
                   -i "$top/patches/$p" 2>&1); then
            echo "$out" >&2; die "patch $p: does not apply with --fuzz=0"
        fi
        if echo "$out" | grep -qiE 'fuzz|offset'; then
            echo "$out" >&2; die "patch $p: applies only with offset or fuzz; refresh it (make src && make export)"
        fi
    done < <(mx_series)

    msg "queue-check 2/5: git am, overlay"
    mx_unpack_base "$work/am"
    mx_apply_series "$work/am"
    mx_sync_overlay "$work/am"
    out=$(diff -r -q -x .git "$work/plain" "$work/am" | grep -v "^Only in $work/am" || true)
    [ -z "$out" ] || { echo "$out" >&2; die "git am and patch produce different trees"; }

    msg "queue-check 3/5: checkpatch.pl on the patches"
    while read -r p; do
        grep -q '^Signed-off-by: ' "$top/patches/$p" ||
            { echo "$p: no Signed-off-by" >&2; fail=1; }
        grep -qxF "From: $MX_PATCH_AUTHOR" "$top/patches/$p" ||
            { echo "$p: author is not '$MX_PATCH_AUTHOR'" >&2; fail=1; }
        grep -qE '^Upstream: (candidate|not applicable|submitted|merged)' "$top/patches/$p" ||
            { echo "$p: no 'Upstream: candidate|not applicable|...' status line" >&2; fail=1; }
        if ! (cd "$work/am" && ./scripts/checkpatch.pl -q "$top/patches/$p") \
             > "$work/cp.log" 2>&1; then
            sed "s|^|  $p: |" "$work/cp.log" >&2
            fail=1
        elif [ -s "$work/cp.log" ]; then
            sed "s|^|  $p: |" "$work/cp.log" >&2
        fi
    done < <(mx_series)
    [ "$fail" = 0 ] || die "checkpatch found errors"

    msg "queue-check 4/5: checkpatch.pl on the overlay's C files"
    while read -r p; do
        case "$p" in *.c|*.h) ;; *) continue ;; esac
        (cd "$top" && "$work/am/scripts/checkpatch.pl" -q --no-signoff -f "$p") \
            > "$work/cp.log" 2>&1 || true
        # A property list (MX_*_PROPERTIES, expanded inside migration_properties[])
        # cannot be parenthesized: that one complaint is not an error here.
        awk 'BEGIN { RS = ""; ORS = "\n\n" }
             /Macros with complex values/ && /#define (DEFINE_)?MX_[A-Z0-9_]*PROPERTIES/ { next }
             /ERROR/ { print }' "$work/cp.log" > "$work/cp-err.log"
        if [ -s "$work/cp-err.log" ]; then
            sed "s|^|  $p: |" "$work/cp-err.log" >&2
            fail=1
        fi
    done < <(mx_overlay_files)
    [ "$fail" = 0 ] || die "checkpatch found errors in overlay files"

    msg "queue-check 5/5: export round trip"
    git -C "$work/am" tag -f mx-queue-top >/dev/null
    do_export "$work/am" "$work/re" >/dev/null
    diff -r "$top/patches" "$work/re/patches" >&2 ||
        die "re-exporting the queue changes patches/: run 'make src && make export' and commit"
    msg "queue-check: $(mx_series | wc -l) patches OK"
}

case "${1:-}" in
export) shift; cmd_export "$@" ;;
check) cmd_check ;;
*) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
