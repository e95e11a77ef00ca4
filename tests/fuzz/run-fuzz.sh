#!/bin/sh
# tests/fuzz/run-fuzz.sh - run libFuzzer harnesses for a bounded time.
#
# Usage (from a build configured with CC=clang --enable-fuzzing):
#   tests/fuzz/run-fuzz.sh [-t SECONDS] [NAME...]
# Each NAME (default: every tests/fuzz/fuzz_* binary in the build dir) runs
# for SECONDS (default 60) on a copy of its checked-in seed corpus
# (tests/fuzz/corpus/NAME in the source dir), so the run never changes the
# tree. Crashes, leaks and sanitizer reports are written to
# tests/fuzz/findings/NAME/ in the build dir. Exits 1 when any harness
# found something, and prints one line per harness.
set -u

secs=60
if [ "${1:-}" = "-t" ]; then
	secs=$2
	shift 2
fi
top_src=${RELAY_TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
top_build=${RELAY_TOP_BUILDDIR:-$(pwd)}

if [ $# -eq 0 ]; then
	for f in "$top_build"/tests/fuzz/fuzz_*; do
		[ -x "$f" ] || continue
		set -- "$@" "${f##*/fuzz_}"
	done
fi
if [ $# -eq 0 ]; then
	echo "run-fuzz: no harness built (./configure CC=clang --enable-fuzzing)" >&2
	exit 1
fi

bad=0
for name in "$@"; do
	bin=$top_build/tests/fuzz/fuzz_$name
	seeds=$top_src/tests/fuzz/corpus/$name
	work=$top_build/tests/fuzz/work/$name
	findings=$top_build/tests/fuzz/findings/$name
	rm -rf "$work"
	mkdir -p "$work" "$findings"
	[ -d "$seeds" ] && cp -R "$seeds/." "$work/"
	log=$top_build/tests/fuzz/fuzz_$name.log
	if "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	    -artifact_prefix="$findings/" -print_final_stats=1 "$work" \
	    >"$log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		echo "fuzz $name: ok, ${runs:-?} runs in ${secs} s"
	else
		bad=1
		echo "fuzz $name: FOUND SOMETHING (see $log and $findings)"
		tail -n 30 "$log"
	fi
done
exit $bad
