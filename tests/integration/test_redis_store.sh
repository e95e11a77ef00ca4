#!/bin/bash
# test_redis_store.sh - common/'s Redis store against a real redis-server:
# unix socket and TCP, AUTH and db, the schema version, scripts by SHA with
# NOSCRIPT recovery, the command timeout, and reconnecting with backoff
# after Redis goes away (tests/integration/rstore_probe.c drives rconn).
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
h_init redis_store
h_need redis-server redis-cli

probe=$H_BUILDDIR/tests/integration/rstore_probe
[[ -x $probe ]] || h_bail "$probe not built (make check builds it)"

h_start_redis tcp persist
conf() {	# conf FILE REDIS-SETTINGS
	printf 'redis: { %s };\n' "$2" >"$1"
}
conf unix.conf "socket = \"$REDIS_SOCK\"; timeout_ms = 300; reconnect_min_ms = 100; reconnect_max_ms = 400;"

# --- unix socket, schema version ----------------------------------------
out=$("$probe" -c unix.conf ping check 2>&1)
h_like "ping over the unix socket" "$out" '^ping ok PONG'
h_like "empty Redis, a check that does not create: missing" "$out" 'schema missing'
h_is "...and nothing written" "$(h_redis_cli EXISTS relay:schema)" 0
out=$("$probe" -c unix.conf schema 2>&1)
h_like "a check that creates (relayctl member add) sets it, and says so" "$out" 'schema set 1'
out=$("$probe" -c unix.conf schema 2>&1)
h_like "...the next check finds it" "$out" 'schema ok 1'
h_is "relay:schema written" "$(h_redis_cli GET relay:schema)" 1
h_redis_cli SET relay:schema 99 >/dev/null
out=$("$probe" -c unix.conf schema 2>&1)
h_like "another schema version is reported" "$out" '^schema other 99'
# ...and each program that checks it refuses to run against it, saying
# which version it found (a daemon of another schema would write records
# the others misread)
printf 'tracker: { maillog = "%s"; };\nmilter: { socket = "unix:%s"; };\n' \
    "$H_TMP/maillog" "$H_TMP/m.sock" >>unix.conf
: >"$H_TMP/maillog"
out=$("$H_BUILDDIR/contrib/relayctl/relayctl" -c unix.conf member list 2>&1); rc=$?
h_is "schema 99: relayctl refuses (exit 2)" "$rc" 2
h_like "...saying so" "$out" 'Redis holds schema version 99, this relayctl knows 1'
out=$(timeout 20 "$H_BUILDDIR/policyd/relay-tracker" -f -c unix.conf 2>&1); rc=$?
h_is "schema 99: relay-tracker refuses to start (exit 78)" "$rc" 78
h_like "...saying so" "$out" 'Redis holds schema version 99, this program speaks 1'
out=$(timeout 20 "$H_BUILDDIR/milter/relay-milter" -f -c unix.conf 2>&1); rc=$?
h_is "schema 99: relay-milter refuses to start (exit 1)" "$rc" 1
h_like "...saying so" "$out" 'redis holds schema version 99, this program speaks 1'
h_check "...never listened" test ! -e "$H_TMP/m.sock"
printf 'policyd: { listen = [ "unix:%s" ]; socketmap = [ ]; };\n' "$H_TMP/p.sock" >>unix.conf
out=$(timeout 20 "$H_BUILDDIR/policyd/relay-policyd" -f -c unix.conf 2>&1); rc=$?
h_is "schema 99: relay-policyd refuses to start (exit 78)" "$rc" 78
h_like "...saying so" "$out" 'Redis holds schema version 99, this program speaks 1'
h_check "...never listened" test ! -e "$H_TMP/p.sock"
h_is "...and the version is left as it was" "$(h_redis_cli GET relay:schema)" 99
h_redis_cli SET relay:schema 1 >/dev/null

# --- NOSCRIPT: scripts flushed under a live connection -------------------
out=$("$probe" -c unix.conf script flush script 2>&1)
h_is "EVALSHA, SCRIPT FLUSH, EVALSHA again" \
    "$(echo "$out" | awk '{print $1, $2}' | tr '\n' ' ')" \
    "script ok flush ok script ok "

# --- TCP, AUTH, db ---------------------------------------------------------
h_redis_cli CONFIG SET requirepass 's3cret pass' >/dev/null
export REDISCLI_AUTH='s3cret pass'
conf tcp.conf "host = \"127.0.0.1\"; port = $REDIS_PORT; password = \"s3cret pass\"; db = 3; timeout_ms = 300;"
out=$("$probe" -c tcp.conf set probe:key in-db-3 get probe:key 2>&1)
h_like "TCP with AUTH and SELECT" "$out" 'get ok in-db-3'
h_is "the value is in db 3" "$(h_redis_cli -n 3 GET probe:key)" in-db-3
h_is "and not in db 0" "$(h_redis_cli -n 0 EXISTS probe:key)" 0
conf badpass.conf "host = \"127.0.0.1\"; port = $REDIS_PORT; password = \"wrong\"; timeout_ms = 300;"
out=$("$probe" -c badpass.conf ping 2>&1); rc=$?
h_is "wrong password fails the step" "$rc" 1
h_like "and says why" "$out" 'AUTH: .*(WRONGPASS|invalid)'
conf nopass.conf "host = \"127.0.0.1\"; port = $REDIS_PORT; timeout_ms = 300;"
out=$("$probe" -c nopass.conf schema 2>&1)
h_like "no password against requirepass: NOAUTH, not a crash" "$out" 'NOAUTH'
conf baddb.conf "socket = \"$REDIS_SOCK\"; password = \"s3cret pass\"; db = 1000; timeout_ms = 300;"
out=$("$probe" -c baddb.conf ping 2>&1)
h_like "a db Redis does not have" "$out" 'SELECT 1000: .*(out of range|invalid)'
h_redis_cli CONFIG SET requirepass '' >/dev/null
unset REDISCLI_AUTH

# --- bad relay.conf --------------------------------------------------------
printf 'redis: { prot = 6379; };\n' >typo.conf
out=$("$probe" -c typo.conf ping 2>&1); rc=$?
h_is "a typo in relay.conf exits 78" "$rc" 78
h_like "naming file:line and the key" "$out" 'typo\.conf:1: .*redis\.prot'

# --- command timeout: a Redis that hangs (stopped, its socket still open) --
# The kernel still accepts connections to the stopped server; nothing answers.
kill -STOP "$REDIS_PID"
out=$("$probe" -c unix.conf ping 2>&1)
kill -CONT "$REDIS_PID"
ms=$(sed -n 's/.* ms=\([0-9]*\).*/\1/p' <<<"$out")
h_like "a hung Redis fails the command" "$out" '^ping fail connected=0'
if [[ -n $ms ]] && ((ms >= 250 && ms < 1000)); then
	h_ok "within the timeout (300 ms): $ms ms"
else
	h_fail "within the timeout (300 ms)" "took ${ms:-?} ms: $out"
fi

# --- Redis goes away and comes back ----------------------------------------
# 40 pings 50 ms apart (about 2 s); Redis is killed after ~0.5 s and back
# after ~1.3 s. The backoff (100, 200, 400 ms) keeps connects to a handful
# while Redis is away, and the pings after its return succeed again on the
# same struct rconn.
h_start_daemon probe "$probe" -c unix.conf loop 40 50
sleep 0.5
h_kill_redis
sleep 0.8
h_restart_redis
h_wait_for 10 bash -c '! kill -0 '"$(h_daemon_pid probe)"' 2>/dev/null'
log=$H_LOG/probe.log
first_fail=$(grep -n 'fail' "$log" | head -1 | cut -d: -f1)
last_fail=$(grep -n 'fail' "$log" | tail -1 | cut -d: -f1)
h_check "pings failed while Redis was away" test -n "$first_fail"
h_is "all 40 pings ran" "$(grep -c '^ping' "$log")" 40
h_check "the ones after it came back succeeded" \
    bash -c "tail -n 3 '$log' | grep -qv fail && ! tail -n 3 '$log' | grep -q fail"
h_check "failure was only a window" test "${last_fail:-0}" -lt 40
attempts=$(grep -o 'attempts=[0-9]*' "$log" | tail -1 | cut -d= -f2)
if [[ -n $attempts ]] && ((attempts <= 8)); then
	h_ok "backoff: $attempts connects during ~0.8 s outage (not one per ping)"
else
	h_fail "backoff" "attempts=${attempts:-?}"$'\n'"$(cat "$log")"
fi
slow=$(awk '/fail/ { sub(/ms=/, "", $5); if ($5 + 0 > 350) n++ } END { print n + 0 }' "$log")
h_is "no failed ping took longer than the timeout" "$slow" 0
h_is "data survived the restart (AOF)" "$(h_redis_cli GET relay:schema)" 1

# --- a Redis 0.2 s away: connecting loads every script in one round trip
# (one SCRIPT LOAD after another cost 19 round trips, 3.8 s here)
h_start_slow_redis 0.2
conf slow.conf "host = \"127.0.0.1\"; port = $SLOW_PORT; timeout_ms = 500;"
out=$("$probe" -c slow.conf ping 2>&1)
ms=$(grep -o 'ms=[0-9]*' <<<"$out" | head -1 | cut -d= -f2)
if [[ $out == "ping ok"* ]] && ((ms < 1500)); then
	h_ok "connect + scripts + PING through a 0.2 s proxy: $ms ms (two or three round trips)"
else
	h_fail "connect + scripts + PING through a 0.2 s proxy" "$out"
fi

# --- a Redis whose replies come a few bytes at a time, never pausing as
# long as the timeout: the whole reply has redis.timeout_ms, not each read
TRICKLE_PORT=$(h_port)
h_start_daemon trickle python3 -c '
import socket, sys, threading, time
up, port = sys.argv[1], int(sys.argv[2])
ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", port)); ls.listen(8)
def pump(a, b, st, up_way):
    try:
        while True:
            d = a.recv(65536)
            if not d: break
            if up_way:	# the replies to a GET drip; the set-up does not
                st["drip"] = st["drip"] or b"*2\r\n$3\r\nGET\r\n" in d
                b.sendall(d); continue
            if not st["drip"]:
                b.sendall(d); continue
            for i in range(0, len(d), 16):
                time.sleep(0.05); b.sendall(d[i:i + 16])
    except OSError: pass
    b.close()
while True:
    c, _ = ls.accept()
    u = socket.socket(socket.AF_UNIX); u.connect(up)
    st = {"drip": False}
    threading.Thread(target=pump, args=(c, u, st, True), daemon=True).start()
    threading.Thread(target=pump, args=(u, c, st, False), daemon=True).start()
' "$REDIS_SOCK" "$TRICKLE_PORT"
h_wait_port "$TRICKLE_PORT" 10 || h_bail "trickling proxy did not start"
h_redis_cli SET probe:big "$(printf 'v%.0s' {1..2000})" >/dev/null
conf trickle.conf "host = \"127.0.0.1\"; port = $TRICKLE_PORT; timeout_ms = 500;"
out=$(timeout 30 "$probe" -c trickle.conf get probe:big 2>&1)
ms=$(grep -o 'ms=[0-9]*' <<<"$out" | head -1 | cut -d= -f2)
h_like "a 2 KB reply dripping 16 bytes per 50 ms: fails as a timeout" "$out" '^get fail .*timed out'
if [[ -n $ms ]] && ((ms < 1500)); then
	h_ok "...within about redis.timeout_ms: $ms ms (the drip takes 6 s)"
else
	h_fail "...within about redis.timeout_ms" "$out"
fi
h_done
