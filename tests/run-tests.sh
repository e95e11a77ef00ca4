#!/bin/bash
# tests/run-tests.sh - the relay-suite test driver (make check, make check-unit).
#
# Usage (what the top Makefile.am runs):
#   RELAY_TOP_SRCDIR=/abs/src RELAY_TOP_BUILDDIR=/abs/build \
#     sh tests/run-tests.sh TEST...
#
# Each TEST is one of
#   - a compiled test program (cmocka unit test, fuzz corpus replay), given
#     relative to the build dir: tests/unit/test_conf. It runs with
#     CMOCKA_MESSAGE_OUTPUT=TAP.
#   - an integration script, given relative to the source dir:
#     tests/integration/test_harness_smtp.sh. It runs with bash and sources
#     tests/integration/lib.sh.
# Each test runs in its own process group (timeout(1) makes one) with a time
# limit, its output (stdout and stderr) goes to BUILDDIR/tests/logs/NAME.log,
# and the driver counts its TAP lines:
#   "ok N ..."                    one passed
#   "not ok N ..."                one failed
#   "... # SKIP ..." (ok or not ok, as cmocka prints skips), and
#   "not ok ... # TODO ..."       one skipped
#   "1..0 # SKIP why"             the whole test skipped
# A test also counts one failure (unless it already printed a "not ok") when
# it exits non-zero, times out, is killed by a signal, prints no TAP test
# line at all, prints a plan that does not match the number of test lines, or
# leaves processes behind in its process group (they are killed), or when
# its output has a sanitizer report (a line starting "==PID==ERROR: ",
# "SUMMARY: ...Sanitizer" or "FILE:LINE:COL: runtime error: ": a program
# whose report went to the test's stderr and whose failure the test did not
# notice). The integration harness collects the reports of the programs a
# script runs itself (lib.sh, h__san_init).
#
# Output: one line per test, "PASS name (N ok, T s)" or "FAIL name (...) see
# tests/logs/NAME.log" followed by the last 40 lines of that log; the very
# last line is exactly "N passed, N failed" (", N skipped" added when N > 0).
# Exit status 1 when anything failed, else 0.
#
# Environment:
#   RELAY_TOP_SRCDIR, RELAY_TOP_BUILDDIR  source and build dirs (default: the
#                         dir above this script, and the current dir)
#   RELAY_TEST_TIMEOUT    seconds per test (default 300 for scripts, 60 for
#                         programs); KILL follows 10 s after TERM
#   RELAY_TESTS_FILTER    extended regex; only tests whose path matches run
#   RELAY_TEST_WRAPPER    command put before each compiled test, e.g.
#                         "valgrind -q --error-exitcode=9 --leak-check=full"
#                         (make check-valgrind)
#   RELAY_KEEP_TMP=1      passed on: lib.sh keeps its temp dir and says where
# Passed to every test: RELAY_TOP_SRCDIR, RELAY_TOP_BUILDDIR,
# RELAY_TEST_NAME, RELAY_TEST_LOGDIR (BUILDDIR/tests/logs).

# make runs us with $(SHELL), i.e. /bin/sh: switch to bash before any bash
# syntax is parsed (dash reads a script command by command).
if [ -z "${BASH_VERSION:-}" ]; then
	exec bash "$0" "$@"
fi

set -u

here=$(cd "$(dirname "$0")" && pwd)
SRCDIR=${RELAY_TOP_SRCDIR:-$(cd "$here/.." && pwd)}
BUILDDIR=${RELAY_TOP_BUILDDIR:-$(pwd)}
SRCDIR=$(cd "$SRCDIR" && pwd) || { echo "run-tests: no source dir $SRCDIR" >&2; exit 2; }
BUILDDIR=$(cd "$BUILDDIR" && pwd) || { echo "run-tests: no build dir $BUILDDIR" >&2; exit 2; }
export RELAY_TOP_SRCDIR=$SRCDIR RELAY_TOP_BUILDDIR=$BUILDDIR

LOGREL=tests/logs
LOGDIR=$BUILDDIR/$LOGREL
mkdir -p "$LOGDIR" || exit 2
export RELAY_TEST_LOGDIR=$LOGDIR

filter=${RELAY_TESTS_FILTER:-}
total_pass=0
total_fail=0
total_skip=0
declare -A seen_names=()

# now_ms - wall clock in milliseconds
now_ms() {
	local t
	t=$(date +%s%N)
	echo $((t / 1000000))
}

# fmt_secs MS - "1.2"
fmt_secs() {
	printf '%d.%d' $(($1 / 1000)) $((($1 % 1000) / 100))
}

# test_name PATH - log name: basename without .sh, made unique per run
test_name() {
	local n=${1##*/}
	n=${n%.sh}
	if [[ -n ${seen_names[$n]:-} ]]; then
		n=$(printf '%s' "${1%.sh}" | tr '/' '_')
	fi
	seen_names[$n]=1
	printf '%s' "$n"
}

# count_tap LOG - sets tap_ok tap_notok tap_skip tap_lines tap_plan tap_plans
count_tap() {
	local line re_ok='^[[:space:]]*ok([[:space:]]|$)' \
	    re_nok='^[[:space:]]*not ok([[:space:]]|$)' \
	    re_skip='#[[:space:]]*[Ss][Kk][Ii][Pp]' \
	    re_todo='#[[:space:]]*[Tt][Oo][Dd][Oo]' \
	    re_plan='^[[:space:]]*1\.\.([0-9]+)'
	tap_ok=0 tap_notok=0 tap_skip=0 tap_lines=0 tap_plan=0 tap_plans=0
	while IFS= read -r line || [[ -n $line ]]; do
		line=${line%$'\r'}
		if [[ $line =~ $re_plan ]]; then
			tap_plan=$((tap_plan + BASH_REMATCH[1]))
			tap_plans=$((tap_plans + 1))
			if ((BASH_REMATCH[1] == 0)) && [[ $line =~ $re_skip ]]; then
				tap_skip=$((tap_skip + 1))
			fi
		elif [[ $line =~ $re_nok ]]; then
			tap_lines=$((tap_lines + 1))
			if [[ $line =~ $re_skip || $line =~ $re_todo ]]; then
				tap_skip=$((tap_skip + 1))
			else
				tap_notok=$((tap_notok + 1))
			fi
		elif [[ $line =~ $re_ok ]]; then
			tap_lines=$((tap_lines + 1))
			if [[ $line =~ $re_skip ]]; then
				tap_skip=$((tap_skip + 1))
			else
				tap_ok=$((tap_ok + 1))
			fi
		fi
	done <"$1"
}

# reap_group PGID LOG - wait (bounded) for the test's process group to
# empty; kill what is left. Prints how many were left.
reap_group() {
	local pgid=$1 log=$2 i left
	for ((i = 0; i < 20; i++)); do
		left=$(pgrep -g "$pgid" 2>/dev/null | wc -l)
		((left == 0)) && { echo 0; return; }
		sleep 0.1
	done
	{
		echo "run-tests: processes left behind in process group $pgid:"
		pgrep -a -g "$pgid" 2>/dev/null | sed 's/^/run-tests:   /'
	} >>"$log"
	kill -KILL -- "-$pgid" 2>/dev/null
	echo "$left"
}

# Sanitizer builds: known leaks of libraries are suppressed, and malloc
# stacks are unwound slowly so that a suppression can see through libcrypto
# (built without frame pointers). Harmless in other builds.
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$SRCDIR/tests/lsan.supp:print_suppressions=0}
export ASAN_OPTIONS=${ASAN_OPTIONS:-fast_unwind_on_malloc=0}
# ThreadSanitizer (./configure --enable-tsan): libmilter's own races
# (tests/tsan.supp); a report does not stop the program (the harness fails
# the test on it), and a second stack for each lock in a report.
export TSAN_OPTIONS=${TSAN_OPTIONS:-suppressions=$SRCDIR/tests/tsan.supp:print_suppressions=0:halt_on_error=0:second_deadlock_stack=1}

# A sanitizer report at the start of a line of a test's output (TAP
# diagnostics, "# ...", do not count: lib.sh prints the reports it found so)
san_re='^(==([^= ]+==)?[0-9]+==ERROR: |SUMMARY: [A-Za-z]+Sanitizer|[^# ][^ ]*:[0-9]+:[0-9]+: runtime error: )'

# run_one TEST - run one test, print its line, add to the totals
run_one() {
	local t=$1 name log kind path limit start rc ms why left
	local -a cmd

	if [[ $t == *.sh ]] && [[ -f $SRCDIR/$t ]]; then
		kind=script path=$SRCDIR/$t
	elif [[ -f $BUILDDIR/$t && -x $BUILDDIR/$t ]]; then
		kind=program path=$BUILDDIR/$t
	elif [[ -f $SRCDIR/$t ]]; then
		kind=script path=$SRCDIR/$t
	else
		kind=missing path=$t
	fi
	name=$(test_name "$t")
	log=$LOGDIR/$name.log

	if [[ $kind == missing ]]; then
		echo "run-tests: $t: not found (neither $BUILDDIR/$t nor $SRCDIR/$t)" >"$log"
		echo "FAIL $name (not found) see $LOGREL/$name.log"
		total_fail=$((total_fail + 1))
		return
	fi
	if [[ $kind == script ]]; then
		limit=${RELAY_TEST_TIMEOUT:-300}
		cmd=(bash "$path")
	else
		limit=${RELAY_TEST_TIMEOUT:-60}
		# shellcheck disable=SC2206
		cmd=(${RELAY_TEST_WRAPPER:-} "$path")
	fi

	start=$(now_ms)
	# timeout(1) puts itself and the test in a new process group and, on
	# expiry, signals that whole group; KILL 10 s later if TERM was not
	# enough. Run from the build dir, stdin closed.
	(
		cd "$BUILDDIR" || exit 2
		export RELAY_TEST_NAME=$name CMOCKA_MESSAGE_OUTPUT=TAP
		exec timeout --kill-after=10 "$limit" "${cmd[@]}"
	) </dev/null >"$log" 2>&1 &
	local pid=$! i
	current_pgid=$pid
	wait "$pid" 2>/dev/null		# no "Segmentation fault" notice here
	rc=$?
	if [[ -n $interrupted ]]; then
		# on_signal passed SIGTERM on: give the test's own clean-up a
		# bounded time, then SIGKILL the group
		for ((i = 0; i < 150; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			wait "$pid" 2>/dev/null
			rc=$?
			sleep 0.1
		done
		kill -KILL -- "-$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	current_pgid=
	ms=$(($(now_ms) - start))
	left=$(reap_group "$pid" "$log")

	count_tap "$log"
	why=
	if ((rc == 124 || rc == 137)) && ((ms >= limit * 1000)); then
		why="timed out after ${limit} s"
	elif ((rc > 128 && rc < 160)); then
		why="killed by signal $((rc - 128))"
	elif ((rc != 0)); then
		why="exit $rc"
	fi
	if ((tap_plans == 1 && tap_plan == 0 && tap_skip > 0 && tap_lines == 0 && rc == 0)); then
		echo "SKIP $name ($(grep -m1 -E '^[[:space:]]*1\.\.0' "$log" | sed -E 's/^[^#]*#[[:space:]]*([Ss][Kk][Ii][Pp][[:space:]:]*)?//'))"
		total_skip=$((total_skip + 1))
		return
	fi
	local fails=$tap_notok
	if grep -qaE "$san_re" "$log"; then
		((fails == 0)) && fails=1
		why="${why:+$why, }a sanitizer report in its output"
	fi
	if ((fails == 0)); then
		if [[ -n $why ]]; then
			fails=1
		elif ((tap_lines == 0)); then
			fails=1 why="no TAP test lines: it ran nothing"
		elif ((tap_plans == 0)); then
			fails=1 why="no TAP plan (1..N): it stopped early"
		elif ((tap_plan != tap_lines)); then
			fails=1 why="planned $tap_plan, ran $tap_lines"
		fi
	fi
	if ((left > 0)); then
		((fails == 0)) && fails=1
		why="${why:+$why, }left $left processes behind"
	fi

	total_pass=$((total_pass + tap_ok))
	total_skip=$((total_skip + tap_skip))
	total_fail=$((total_fail + fails))
	local extra=
	((tap_skip > 0)) && extra=", $tap_skip skipped"
	if ((fails == 0)); then
		echo "PASS $name ($tap_ok ok$extra, $(fmt_secs "$ms") s)"
	else
		echo "FAIL $name ($tap_ok ok, $fails failed$extra${why:+, $why}, $(fmt_secs "$ms") s) see $LOGREL/$name.log"
		tail -n 40 "$log" | sed 's/^/    | /'
	fi
}

# on_signal STATUS - ^C or SIGTERM to the driver: pass SIGTERM on to the
# running test's process group (it is not the terminal's foreground group),
# let it clean up, then stop
current_pgid=
interrupted=
on_signal() {
	interrupted=$1
	[[ -n $current_pgid ]] && kill -TERM -- "-$current_pgid" 2>/dev/null
}
trap 'on_signal 130' INT
trap 'on_signal 143' TERM

ran=0
for t in "$@"; do
	[[ -n $interrupted ]] && break
	if [[ -n $filter ]] && ! [[ $t =~ $filter ]]; then
		continue
	fi
	ran=$((ran + 1))
	run_one "$t"
done
if ((ran == 0)) && [[ -n $filter ]]; then
	echo "run-tests: no test matches RELAY_TESTS_FILTER='$filter'"
fi

if [[ -n $interrupted ]]; then
	echo "run-tests: interrupted"
	total_fail=$((total_fail + 1))
fi
summary="$total_pass passed, $total_fail failed"
((total_skip > 0)) && summary="$summary, $total_skip skipped"
echo "$summary"
((total_fail == 0))
