#!/bin/bash
# run-fuzz.sh BUILDDIR SECONDS TARGET...
#
# Run each libFuzzer target for SECONDS from the committed seed corpus
# (tests/fuzz/corpus/TARGET, read only) plus a working corpus under BUILDDIR,
# then report total executions and crashes. Crash inputs are kept in
# BUILDDIR/crashes/TARGET/. Exits non-zero if any target crashed.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
[ $# -ge 3 ] || { echo "usage: $0 BUILDDIR SECONDS TARGET..." >&2; exit 2; }
DIR=$1
SECONDS_EACH=$2
shift 2

total_execs=0
crashed=0
passed=0
for t in "$@"; do
        work=$DIR/corpus/$t
        crashes=$DIR/crashes/$t
        mkdir -p "$work" "$crashes"
        log=$DIR/fuzz_$t.log
        if "$DIR/fuzz_$t" -max_total_time="$SECONDS_EACH" -print_final_stats=1 \
                -artifact_prefix="$crashes/" "$work" "$TOP/tests/fuzz/corpus/$t" >"$log" 2>&1; then
                passed=$((passed + 1))
                status=ok
        else
                crashed=$((crashed + 1))
                status="CRASHED (log: $log, inputs: $crashes)"
        fi
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
        execs=${execs:-0}
        total_execs=$((total_execs + execs))
        echo "fuzz_$t: $execs executions in ${SECONDS_EACH}s: $status"
done
echo "fuzz: $total_execs executions, $crashed crashes"
echo "fuzz: $passed passed, $crashed failed"
[ "$crashed" -eq 0 ]
