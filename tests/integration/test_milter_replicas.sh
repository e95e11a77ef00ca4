#!/bin/bash
# test_milter_replicas.sh - milter.record_replicas: relay-milter accepts a
# message only once that many replicas hold its record (Redis WAIT within
# milter.record_wait_ms); else it takes the record back and answers 451
# 4.4.2, so a failover cannot lose the record of an accepted message.
# Redis A is the primary, B its replica; B is paused (SIGSTOP) to stop
# its acknowledgements.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init milter_replicas
h_need_root
h_need redis-server redis-cli postfix swaks dovecot
[[ -x $H_BUILDDIR/milter/relay-milter ]] || h_skip_all "relay-milter not built"

fx_start_replica
h_start_sink
B_PID=$(h_daemon_pid redisb)
b() { redis-cli -s "$B_SOCK" "$@"; }
conf() {	# conf REPLICAS [MORE] - relay.conf with these milter settings
	fx_milter_unix "record_replicas = $1; record_wait_ms = 300; ${2:-}"
	fx_conf
}
conf 1
fx_member alice
fx_domain alice.test alice
fx_start_milter_unix
fx_passwd alice key-alice
fx_start_submission
FX_USER=alice FX_PASS=key-alice
send() {	# send N - one message; prints swaks's transcript
	fx_send a@alice.test "r$1@rcpt.test" --header "Subject: m$1" \
	    --header "Message-ID: <m$1@alice.test>" 2>&1
}
qids() { h_redis_cli --scan --pattern 'relay:{q:*' | sort | tr '\n' ' '; }
reload() {	# reload REPLICAS - the new settings through SIGUSR1
	local n
	n=$(grep -c 'reload=ok' "$H_LOG/milter.log")
	conf "$1"
	kill -USR1 "$(h_daemon_pid milter)"
	h_wait_log_count 'reload=ok' $((n + 1)) 10 "$H_LOG/milter.log" ||
	    h_bail "relay-milter did not reload"
}

out=$(send 1)
h_like "one replica up, one asked for: accepted" "$out" '<-  250 2\.0\.0 Ok: queued'
q1=$(qids)
h_check "... and the replica holds the record already" \
    test -n "$q1" -a "$(b EXISTS "${q1% }")" = 1

kill -STOP "$B_PID"
out=$(send 2)
kill -CONT "$B_PID"
h_like "the replica silent: 451 4.4.2 at end of data" "$out" '<\*\* 451 4\.4\.2 '
h_like "... logged with how many acknowledged" "$(cat "$H_LOG/milter.log")" \
    'the record reached 0 of the 1 replicas milter.record_replicas asks for within 300 ms'
h_is "... the record taken back: one message in flight" \
    "$(h_redis_cli ZCARD 'relay:{m:alice}:inflight')" 1
h_is "... no queue id of it" "$(qids)" "$q1"
h_is "... nor its Message-ID" "$(h_redis_cli --scan --pattern 'relay:{x:*' | wc -l)" 1
h_is "... its message hash gone" \
    "$(h_redis_cli --scan --pattern 'relay:{m:alice}:msg:*' | wc -l)" 1

out=$(send 3)
h_like "the replica back: accepted again" "$out" '<-  250 2\.0\.0 Ok: queued'

reload 2
out=$(send 4)
h_like "two asked for, one runs: 451 4.4.2" "$out" '<\*\* 451 4\.4\.2 '
h_like "... logged: 1 of the 2" "$(cat "$H_LOG/milter.log")" \
    'the record reached 1 of the 2 replicas'

reload 0
kill -STOP "$B_PID"
out=$(send 5)
kill -CONT "$B_PID"
h_like "none asked for: accepted with the replica silent" "$out" \
    '<-  250 2\.0\.0 Ok: queued'
h_is "three messages in flight in all" \
    "$(h_redis_cli ZCARD 'relay:{m:alice}:inflight')" 3
h_done
