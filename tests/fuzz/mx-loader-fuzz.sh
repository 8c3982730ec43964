#!/bin/sh
# Long run of the destination loader's in-process fuzz target (make fuzz-loader;
# docs/mx/reliability.md section 4).  Builds it if needed
# (tests/fuzz/mx-loader-fuzz-build.sh), then runs libFuzzer under nice -n 10:
#   MX_FUZZ_JOBS     parallel jobs (libFuzzer -fork=, default 2)
#   MX_FUZZ_SECONDS  -max_total_time (default 1800)
#   MX_FUZZ_OUT      work directory (default build/fuzz-loader-run): corpus/,
#                    findings/ (crash-*, timeout-*, oom-* inputs), fuzz.log
#   MX_FUZZ_FRESH=1  a forked child per input (fresh VM state; slow)
# Exit status 0 with "no finding" when no job reported a crash, 1 otherwise.
#
#   mx-loader-fuzz.sh self-test   the negative control: with MX_FUZZ_PLANT=1
#                                 the target overruns a heap buffer after a
#                                 stream that loaded, with =ubsan it shifts an
#                                 int by 32; each run must report its bug
#   mx-loader-fuzz.sh repro FILE  run one input with QEMU's messages
#                                 (MX_FUZZ_FRESH=1: in a fresh child)
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
bdir=$(realpath -m "${MX_FUZZ_BUILD:-$top/build/fuzz-qemu}")
fuzz=$bdir/qemu-fuzz-x86_64
out=$(realpath -m "${MX_FUZZ_OUT:-$top/build/fuzz-loader-run}")
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=0:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

if [ ! -x "$fuzz" ] || [ "${MX_FUZZ_REBUILD:-1}" = 1 ]; then
    "$here/mx-loader-fuzz-build.sh" "$bdir" >/dev/null || exit 1
fi
target=--fuzz-target=mx-migration-load

case "${1:-run}" in
repro)
    exec "$fuzz" "$target" "$2"
    ;;
self-test)
    # the negative control: each planted bug must stop the run with its report
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    rc=0
    for plant in asan:heap-buffer-overflow ubsan:shift-exponent; do
        mkdir -p "$tmp/$plant/corpus"
        if MX_FUZZ_PLANT=${plant%%:*} "$fuzz" "$target" -max_total_time=60 -close_fd_mask=1 \
                -artifact_prefix="$tmp/$plant/" "$tmp/$plant/corpus" "$bdir/mx-loader-seeds" \
                >"$tmp/$plant/log" 2>&1; then
            echo "FAIL loader-fuzz-sees-planted-${plant%%:*}-bug: the run passed"
            rc=1
        elif grep -q "${plant#*:}" "$tmp/$plant/log" && ls "$tmp/$plant"/crash-* >/dev/null 2>&1; then
            echo "PASS loader-fuzz-sees-planted-${plant%%:*}-bug"
        else
            echo "FAIL loader-fuzz-sees-planted-${plant%%:*}-bug: $(grep -m1 -E 'ERROR|SUMMARY' "$tmp/$plant/log")"
            rc=1
        fi
    done
    exit $rc
    ;;
run)
    # libFuzzer's fork mode: jobs child processes, a crash, timeout or OOM is
    # kept in findings/ and fuzzing goes on; the parent prints the totals
    jobs=${MX_FUZZ_JOBS:-2}
    mkdir -p "$out/corpus" "$out/findings"
    cd "$out" || exit 1
    nice -n 10 "$fuzz" "$target" -fork="$jobs" -ignore_crashes=1 -ignore_timeouts=1 \
        -ignore_ooms=1 -close_fd_mask=3 -max_total_time="${MX_FUZZ_SECONDS:-1800}" \
        -max_len=65536 -timeout=30 -use_value_profile=1 \
        -dict="$bdir/mx-loader.dict" -artifact_prefix="$out/findings/" \
        corpus "$bdir/mx-loader-seeds" >"$out/fuzz.log" 2>&1 ||
        { echo "FAIL: libFuzzer exit $?: $(tail -2 "$out/fuzz.log")"; exit 1; }
    grep -E '^#[0-9]+' "$out/fuzz.log" | tail -1
    if ls "$out"/findings/crash-* "$out"/findings/timeout-* "$out"/findings/oom-* \
            >/dev/null 2>&1; then
        echo "findings:"; ls "$out"/findings/
        exit 1
    fi
    echo "no finding"
    ;;
esac
