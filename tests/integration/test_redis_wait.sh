#!/bin/bash
# test_redis_wait.sh - redis.wait_replicas: relay-milter accepts a message
# only once that many replicas hold its record (Redis WAIT within
# redis.wait_ms), else it takes the record back and answers 451 4.4.2;
# relay-unsub reports an unsubscribe done only once they hold its entry,
# else exit 75 (the entry stays, the retry finds it). So a failover cannot
# lose the record of an accepted message, nor an unsubscribe it confirmed.
# relay-unsub -b, a bounce to the return path, the same; relayctl's change
# exits 2 when the replicas do not hold it at the end of its run.
# Redis A is the primary, B its replica; B is paused (SIGSTOP) to stop its
# acknowledgements.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init redis_wait
h_need_root
h_need redis-server redis-cli postfix swaks dovecot
UNSUB=$H_BUILDDIR/policyd/relay-unsub
[[ -x $H_BUILDDIR/milter/relay-milter && -x $UNSUB ]] ||
    h_skip_all "relay-milter or relay-unsub not built"

fx_start_replica
h_start_sink
B_PID=$(h_daemon_pid redisb)
b() { redis-cli -s "$B_SOCK" "$@"; }
KEY=test-hmac-key-0123456789abcdef0123456789
FX_UNSUB="domain = \"unsub.relay.test\"; hmac_key = \"$KEY\"; sendmail = \"$H_BIN/sendmail\";"
cat >"$H_BIN/sendmail" <<SH
#!/bin/sh
cat >>"$H_TMP/forwarded"
SH
chmod 0755 "$H_BIN/sendmail"
conf() {	# conf REPLICAS - relay.conf asking for that many
	FX_REDIS="socket = \"$REDIS_SOCK\"; wait_replicas = $1; wait_ms = 300;"
	fx_conf
}
fx_milter_unix
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
    'WAIT: the writes reached 0 of the 1 replicas redis.wait_replicas asks for within 300 ms'
h_is "... the record taken back: one message in flight" \
    "$(h_redis_cli ZCARD 'relay:{m:alice}:inflight')" 1
h_is "... no queue id of it" "$(qids)" "$q1"
h_is "... nor its Message-ID" "$(h_redis_cli --scan --pattern 'relay:{x:*' | wc -l)" 1
h_is "... its message hash gone" \
    "$(h_redis_cli --scan --pattern 'relay:{m:alice}:msg:*' | wc -l)" 1

out=$(send 3)
h_like "the replica back: accepted again" "$out" '<-  250 2\.0\.0 Ok: queued'
q3=$(h_queued_id "$out")
mid3=$(h_redis_cli HGET "relay:{m:alice}:msg:$q3" message_id)

# relay-unsub: an unsubscribe (-u, as the web page's POST does it)
# (its log line goes to standard error when that is a terminal: script's pty)
tok=$("$UNSUB" -c "$FX_CONF" -U -t alice reader@isp.example)
kill -STOP "$B_PID"
out=$(script -qec "'$UNSUB' -c '$FX_CONF' -u '$tok'; echo rc=\$?" /dev/null \
    </dev/null | tr -d '\r')
kill -CONT "$B_PID"
h_like "unsubscribe, the replica silent: exit 75" "$out" 'rc=75'
h_like "... logged deferred, saying why" "$out" \
    'result=deferred .*WAIT: the writes reached 0 of the 1 replicas'
h_is "... the entry stays in the primary" \
    "$(h_redis_cli HEXISTS 'relay:{m:alice}:suppress' reader@isp.example)" 1
rc=0; out=$("$UNSUB" -c "$FX_CONF" -u "$tok" 2>&1) || rc=$?
h_is "tried again, the replica back: done (exit 0)" "$rc" 0
h_is "... the replica holds the entry" \
    "$(b HEXISTS 'relay:{m:alice}:suppress' reader@isp.example)" 1

# relay-unsub -r: a complaint about message 3 (found by its Message-ID,
# the one its record holds)
arf() {
	printf '%s\n' 'From: fbl@isp.example' 'To: fbl@unsub.relay.test' \
	    'Subject: complaint' 'MIME-Version: 1.0' \
	    'Content-Type: multipart/report; report-type=feedback-report; boundary="b"' \
	    '' '--b' 'Content-Type: text/plain' '' 'a complaint' '--b' \
	    'Content-Type: message/feedback-report' '' 'Feedback-Type: abuse' \
	    'User-Agent: isp/1' 'Version: 1' '' '--b' \
	    'Content-Type: message/rfc822' '' 'From: a@alice.test' \
	    'To: r3@rcpt.test' "Message-ID: $mid3" 'Subject: m3' '' \
	    'hello' '--b--'
}
kill -STOP "$B_PID"
rc=0; out=$(arf | "$UNSUB" -c "$FX_CONF" -r 2>/dev/null) || rc=$?
kill -CONT "$B_PID"
h_is "complaint, the replica silent: exit 75" "$rc" 75
h_like "... deferred, saying why" "$out" \
    'complaint report deferred: WAIT: the writes reached 0 of the 1 replicas'
h_is "... the entry stays in the primary" \
    "$(fx_suppress_reason alice r3@rcpt.test)" complaint
rc=0; out=$(arf | "$UNSUB" -c "$FX_CONF" -r 2>/dev/null) || rc=$?
h_is "tried again, the replica back: taken (exit 0)" "$rc" 0
h_is "... the replica holds the entry" \
    "$(b HEXISTS 'relay:{m:alice}:suppress' r3@rcpt.test)" 1

# relay-unsub -b: a receiver's bounce of message 3's recipient, to the
# return path b+TOKEN (the token binds member and queue id, token.h)
tok=$(/usr/bin/python3 - "$KEY" alice "$q3" <<'PYEOF'
import base64, hashlib, hmac, sys
key, h, q = sys.argv[1:4]
m = hmac.new(key.encode(), b"bounce\0" + h.encode() + b"\0" + q.encode(),
             hashlib.sha256).digest()[:8]
print("%s.%s.%s" % (h, q, base64.b32encode(m).decode().lower()[:12]))
PYEOF
)
printf '%s\n' 'From: MAILER-DAEMON@mx.rcpt.test' \
    "To: b+$tok@unsub.relay.test" 'Subject: Undelivered Mail' \
    'MIME-Version: 1.0' \
    'Content-Type: multipart/report; report-type=delivery-status; boundary="b"' \
    '' '--b' 'Content-Type: text/plain' '' 'not delivered' '--b' \
    'Content-Type: message/delivery-status' '' \
    'Reporting-MTA: dns; mx.rcpt.test' '' \
    'Final-Recipient: rfc822; r3@rcpt.test' 'Action: failed' \
    'Status: 5.1.1' 'Diagnostic-Code: smtp; 550 5.1.1 no such user' \
    '--b--' >"$H_TMP/dsn.eml"
# (relay-tracker, not run here, would have marked its delivery so)
h_redis_cli HSET "relay:{m:alice}:msg:$q3" r:r3@rcpt.test \
    "{\"status\":\"sent\",\"at\":$(date +%s)}" >/dev/null
h_redis_cli HDEL 'relay:{m:alice}:suppress' r3@rcpt.test >/dev/null
kill -STOP "$B_PID"
out=$(script -qec "'$UNSUB' -c '$FX_CONF' -b -- '$tok' <'$H_TMP/dsn.eml'; \
    echo rc=\$?" /dev/null </dev/null | tr -d '\r')
kill -CONT "$B_PID"
h_like "return-path bounce, the replica silent: exit 75" "$out" 'rc=75'
h_like "... logged deferred, saying why" "$out" \
    'event=bounce result=deferred .*WAIT: the writes reached 0 of the 1 replicas'
h_check "... not forwarded yet" test ! -s "$H_TMP/forwarded"
h_is "... the entry stays in the primary" \
    "$(fx_suppress_reason alice r3@rcpt.test)" hard_bounce
rc=0; "$UNSUB" -c "$FX_CONF" -b -- "$tok" <"$H_TMP/dsn.eml" >/dev/null \
    2>&1 || rc=$?
h_is "tried again, the replica back: taken (exit 0)" "$rc" 0
h_check "... forwarded to the member" grep -q '^Subject: Undelivered Mail' \
    "$H_TMP/forwarded"
h_is "... the replica holds the entry" \
    "$(b HEXISTS 'relay:{m:alice}:suppress' r3@rcpt.test)" 1

# relayctl: its writes, then WAIT; reads wait for nothing
CTL=$H_BUILDDIR/contrib/relayctl/relayctl
rc=0; "$CTL" -c "$FX_CONF" member add bob --did did:plc:abcdefghijklmnopqrstuvwx >/dev/null \
    2>&1 || rc=$?
h_is "relayctl member add, the replica up: exit 0" "$rc" 0
h_is "... the replica holds it" "$(b SISMEMBER relay:members bob)" 1
kill -STOP "$B_PID"
rc=0; out=$("$CTL" -c "$FX_CONF" member suspend bob --reason test 2>&1) ||
    rc=$?
rc2=0; "$CTL" -c "$FX_CONF" member show bob >/dev/null 2>&1 || rc2=$?
kill -CONT "$B_PID"
h_is "relayctl member suspend, the replica silent: exit 2" "$rc" 2
h_like "... saying why and what it means" "$out" \
    'member suspend: WAIT: the writes reached 0 of the 1 replicas .* the change is made on the primary, but a failover could lose it'
h_is "... made on the primary" \
    "$(h_redis_cli HGET 'relay:{m:bob}:member' suspended)" 1
h_is "relayctl member show (a read), the replica silent: exit 0" "$rc2" 0

reload 2
out=$(send 4)
h_like "two asked for, one runs: 451 4.4.2" "$out" '<\*\* 451 4\.4\.2 '
h_like "... logged: 1 of the 2" "$(cat "$H_LOG/milter.log")" \
    'the writes reached 1 of the 2 replicas'

reload 0
kill -STOP "$B_PID"
out=$(send 5)
rc=0; "$UNSUB" -c "$FX_CONF" -u "$("$UNSUB" -c "$FX_CONF" -U -t alice \
    other@isp.example)" >/dev/null 2>&1 || rc=$?
kill -CONT "$B_PID"
h_like "none asked for: accepted with the replica silent" "$out" \
    '<-  250 2\.0\.0 Ok: queued'
h_is "... and an unsubscribe done" "$rc" 0
h_is "three messages in flight in all" \
    "$(h_redis_cli ZCARD 'relay:{m:alice}:inflight')" 3
h_done
