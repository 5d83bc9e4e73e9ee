#!/bin/sh
# fuzz/run.sh [SECONDS] [BUILD_DIR] [JOBS] - runs every libFuzzer target for SECONDS (default 600), JOBS at
# a time (default 2), from the seed corpus in fuzz/corpus/<target> (copied into BUILD_DIR/corpus so the
# repository's seeds stay small). Crash reproducers go to fuzz/crashes/<target>-*. Builds first with
# fuzz/build.sh. Writes BUILD_DIR/fuzz-summary.txt (target, seconds, executions, result) and prints it.
# Exit status 1 when any target found a crash.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
secs=${1:-600}
out=${2:-$root/build-fuzz}
jobs=${3:-2}
"$here/build.sh" "$out" >/dev/null
mkdir -p "$here/crashes" "$out/logs"
targets="tokenize quotes request feed"

run_one() {
    t=$1
    mkdir -p "$out/corpus/$t"
    cp -n "$here/corpus/$t"/* "$out/corpus/$t/" 2>/dev/null || true
    rc=0
    "$out/fuzz_$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
        -artifact_prefix="$here/crashes/$t-" "$out/corpus/$t" >"$out/logs/$t.log" 2>&1 || rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/logs/$t.log" | tail -1)
    [ -n "$execs" ] || execs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$out/logs/$t.log" | tail -1)
    if [ "$rc" -eq 0 ]; then res=ok; else res="CRASH (exit $rc, see $out/logs/$t.log)"; fi
    printf '%-9s %6ss %12s executions  %s\n' "$t" "$secs" "${execs:-?}" "$res" >"$out/logs/$t.summary"
}

set -- $targets
while [ $# -gt 0 ]; do
    pids=""
    i=0
    while [ $# -gt 0 ] && [ $i -lt "$jobs" ]; do
        run_one "$1" &
        pids="$pids $!"
        shift
        i=$((i + 1))
    done
    for p in $pids; do wait "$p" || true; done
done
: >"$out/fuzz-summary.txt"
for t in $targets; do cat "$out/logs/$t.summary" >>"$out/fuzz-summary.txt"; done
cat "$out/fuzz-summary.txt"
! grep -q CRASH "$out/fuzz-summary.txt"
