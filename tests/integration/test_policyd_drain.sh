#!/bin/bash
# test_policyd_drain.sh - relay-policyd drains on SIGTERM: it stops
# accepting connections, answers the request that waits for Redis (here:
# a stopped Redis that comes back within redis.timeout_ms), then exits 0;
# with Redis still stopped the waiting request gets 451 4.4.2 at the
# timeout, then it exits. A second signal ends it at once.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init policyd_drain
h_need redis-server
fx_policyd_bins

h_start_redis
P=$(h_port)
FX_POLICYD="listen = [ \"inet:127.0.0.1:$P\" ]; socketmap = [ ];"
fx_conf
sed -i 's/timeout_ms = 500;/timeout_ms = 3000;/' "$FX_CONF"
NOW=$(date +%s)
fx_member alice
fx_domain drain.test alice --verified-at $((NOW - 3600))

start() {
	h_start_daemon "$1" "$PD" -f -c "$FX_CONF"
	h_wait_port "$P" 10 || h_bail "relay-policyd did not listen"
}
# exited NAME - wait (bounded) for the daemon to end; its exit status in
# RC ("running" if it did not); run in this shell, not in $(...): only the
# shell that started it can collect the status
exited() {
	local pid=$(h_daemon_pid "$1") i
	RC=running
	for i in $(seq 1 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && return
	wait "$pid" 2>/dev/null
	RC=$?
}

# 1. Redis comes back within the timeout: the waiting request is answered.
start pd1
h_is "warm-up request answered" "$("$CLIENT" ask "$P" RCPT alice a@drain.test r1@dest.test)" action=DUNNO
kill -STOP "$REDIS_PID"
"$CLIENT" ask "$P" RCPT alice a@drain.test r2@dest.test >"$H_TMP/ans1" 2>&1 &
ASK=$!
sleep 0.5
kill -TERM "$(h_daemon_pid pd1)"
sleep 0.5
h_check "draining: still running while a request waits" kill -0 "$(h_daemon_pid pd1)"
h_check_not "draining: no new connections" "$CLIENT" ask "$P" RCPT alice a@drain.test r3@dest.test
kill -CONT "$REDIS_PID"
wait "$ASK"
h_is "the waiting request got its answer" "$(cat "$H_TMP/ans1")" action=DUNNO
exited pd1
h_is "then relay-policyd exited 0" "$RC" 0
h_like "its log says so" "$(grep 'action=stop' "$H_LOG/pd1.log")" 'signal=15 action=stop inflight=1'
# under -f the lines of a loop turn are written together: none is lost at exit
h_is "both decisions are in its log, the drained one too" "$(grep -c ' verdict=' "$H_LOG/pd1.log")" 2

# 2. Redis stays stopped: the waiting request fails safe at the timeout.
start pd2
"$CLIENT" ask "$P" RCPT alice a@drain.test r4@dest.test >/dev/null
kill -STOP "$REDIS_PID"
"$CLIENT" ask "$P" RCPT alice a@drain.test r5@dest.test >"$H_TMP/ans2" 2>&1 &
ASK=$!
sleep 0.5
t0=$(date +%s%N)
kill -TERM "$(h_daemon_pid pd2)"
wait "$ASK"
h_like "Redis still stopped: 451 4.4.2, not a dropped connection" "$(cat "$H_TMP/ans2")" '^action=451 4\.4\.2 '
exited pd2
h_is "then relay-policyd exited 0" "$RC" 0
h_like "... and logged the 451 before exiting" "$(grep ' verdict=' "$H_LOG/pd2.log" | tail -1)" 'verdict=451'
ms=$((($(date +%s%N) - t0) / 1000000))
h_check "... within the Redis timeout and a second ($ms ms)" test "$ms" -lt 4500
kill -CONT "$REDIS_PID"

# 3. A second signal while draining: out at once.
start pd3
"$CLIENT" ask "$P" RCPT alice a@drain.test r6@dest.test >/dev/null
kill -STOP "$REDIS_PID"
"$CLIENT" ask "$P" RCPT alice a@drain.test r7@dest.test >/dev/null 2>&1 &
ASK=$!
sleep 0.5
t0=$(date +%s%N)
kill -TERM "$(h_daemon_pid pd3)"
sleep 0.2
kill -TERM "$(h_daemon_pid pd3)"
exited pd3
h_is "second SIGTERM: exited" "$RC" 0
ms=$((($(date +%s%N) - t0) / 1000000))
h_check "... at once ($ms ms), not after the timeout" test "$ms" -lt 2000
kill -CONT "$REDIS_PID"
wait "$ASK" 2>/dev/null
h_done
