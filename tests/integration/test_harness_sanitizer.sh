#!/bin/bash
# test_harness_sanitizer.sh - proves that the integration harness (lib.sh)
# fails a test when a program of ours that it ran wrote a sanitizer report
# (audit-tsan F6: a daemon's report at shutdown went to a log deleted with
# the temp dir). Each case runs a small script that sources lib.sh as a test
# does and must then exit 1 with a "not ok" and the report in its output.
# Any build: a report file, a UBSan line in a daemon's log, a log written
# over by a restart. Sanitizer build only (./configure --enable-sanitizers):
# tests/integration/san_probe's real reports: a daemon's heap overflow at
# SIGTERM, a leak of a command whose stderr the test dropped, UBSan.
# ThreadSanitizer build only (--enable-tsan): san_probe's data race.
# Run: RELAY_TOP_SRCDIR=. bash tests/integration/test_harness_sanitizer.sh

. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
set -u

h_init harness_sanitizer
PROBE=$H_BUILDDIR/tests/integration/san_probe
[[ -x $PROBE ]] || h_bail "build tests/integration/san_probe first ($PROBE)"
export PROBE

# child BODY - run a test script whose checks are BODY then one ok; sets
# out (its output) and rc (its exit status). Not run-tests' log dir: the
# child would copy its logs over this test's.
child() {
	printf '. "%s/lib.sh"\nh_init child\n%s\nh_ok "the child'"'"'s own check"\nh_done\n' \
	    "$H_LIBDIR" "$1" >"$H_TMP/child.sh"
	out=$(env -u RELAY_TEST_LOGDIR -u RELAY_TEST_NAME -u RELAY_KEEP_TMP \
	    bash "$H_TMP/child.sh" 2>&1)
	rc=$?
}

child 'true'
h_is "no report: the child passes" "$rc" 0
h_unlike "...with no not ok" "$out" 'not ok'

# network text that only looks like a report: an address and a remote
# reply in a daemon's log, a message at the sink
child 'printf "to=<\"x: runtime error: y\"@d.test>, status=bounced (said: SUMMARY: AddressSanitizer is no summary)\n" >"$H_LOG/tracker.log"
printf "Subject: x.c:1:2: runtime error: quoted in a message\n" >"$H_LOG/sink.log"'
h_is "report-like network text in the logs: the child passes" "$rc" 0

child 'printf "==1==ERROR: AddressSanitizer: fake\nSUMMARY: AddressSanitizer: fake-error x.c:1 in f\n" >"$H_SAN/report.fake.1"'
h_is "a report file: the child fails" "$rc" 1
h_like "...with a not ok after its plan" "$out" $'1\\.\\.1\nnot ok 2 - no sanitizer report from our programs'
h_like "...the report in full" "$out" '# ==1==ERROR: AddressSanitizer: fake'
h_like "...and its digest" "$out" '# report\.fake\.1: SUMMARY: AddressSanitizer: fake-error x\.c:1 in f'

child 'h_start_daemon ubd sh -c "echo \"x.c:3:7: runtime error: fake overflow\" >&2; exec sleep 30"
h_wait_for 10 grep -q "runtime error" "$H_LOG/ubd.log" || h_fail "ubd wrote nothing"'
h_is "a UBSan line in a daemon's log (stderr): the child fails" "$rc" 1
h_like "...naming the log and the line" "$out" '# ubd\.log: x\.c:3:7: runtime error: fake overflow'

child 'h_start_daemon d sh -c "echo \"==7==ERROR: LeakSanitizer: detected memory leaks\" >&2"
h_wait_for 10 grep -q ERROR "$H_LOG/d.log" || h_fail "d wrote nothing"
h_stop_daemon d
h_start_daemon d true'
h_is "a report in the log of a daemon started again under its name: the child fails" "$rc" 1
h_like "...with the first log kept" "$out" '# log\.d\.log\.[0-9]+: ==7==ERROR: LeakSanitizer'

if h_tsan; then
	child '"$PROBE" race >/dev/null 2>&1'
	h_is "a data race in a command, its output dropped: the child fails" "$rc" 1
	h_like "...with both stacks" "$out" '# WARNING: ThreadSanitizer: data race .*#0 bump .*san_probe\.c:[0-9]+.*Previous write.*#0 bump'
	h_like "...and its digest" "$out" '# report\.san_probe\.[0-9]+: SUMMARY: ThreadSanitizer: data race .*san_probe\.c:[0-9]+ in bump'
	h_done
fi
if ! h_sanitized; then
	h_skip "san_probe's reports" "not a sanitizer build (./configure --enable-sanitizers or --enable-tsan)"
	h_done
fi

child 'h_start_daemon probe "$PROBE" term-oob
h_wait_for 10 grep -q waiting "$H_LOG/probe.log" || h_fail "the probe did not start"'
h_is "a daemon's heap overflow at SIGTERM (the clean-up stops it): the child fails" "$rc" 1
h_like "...the report in full, with the stack" "$out" '# ==san_probe==[0-9]+==ERROR: AddressSanitizer: heap-buffer-overflow.*#0 0x[0-9a-f]+ in oob .*san_probe\.c:[0-9]+'
h_like "...and its digest" "$out" '# report\.san_probe\.[0-9]+: SUMMARY: AddressSanitizer: heap-buffer-overflow .*san_probe\.c:[0-9]+ in oob'

child '"$PROBE" leak 2>/dev/null'
h_is "a command's leak, its stderr dropped: the child fails" "$rc" 1
h_like "...with the leak's stack" "$out" '# Direct leak of 64 byte\(s\) in 1 object\(s\) allocated from:.*in main .*san_probe\.c:[0-9]+'

child 'h_start_daemon ub "$PROBE" ub
h_wait_for 10 grep -q "runtime error" "$H_LOG/ub.log" "$H_SAN"/* || h_fail "no UBSan report"'
h_is "UBSan in a daemon: the child fails" "$rc" 1
h_like "...with the report" "$out" 'san_probe\.c:[0-9]+:[0-9]+: runtime error: signed integer overflow'

h_done
