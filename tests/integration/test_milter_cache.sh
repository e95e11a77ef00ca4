#!/bin/bash
# test_milter_cache.sh - relay-milter's fact cache (milter/fcache.h): the
# domain records and suppression answers MAIL FROM and RCPT TO use come
# from memory once read, and every change made in Redis by relayctl or
# anyone else counts from the very next message (Redis' client-side
# caching invalidations), as do a FLUSHDB, a Redis restart and a new
# subscriber connection; while the cache's subscriber has no Redis,
# nothing is answered from memory. Then the same milter with
# milter.cache_entries = 0: no cache at all.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init milter_cache
h_need_root
h_need redis-server postfix swaks dovecot openssl
fx_need_milter
CTL=$H_BUILDDIR/contrib/relayctl/relayctl
[[ -x $CTL ]] || h_skip_all "relayctl not built"

h_start_redis persist
h_start_sink
fx_milter_unix
fx_conf
fx_member alice
fx_member bob
fx_domain alice.test alice
fx_domain bob.test bob

fx_start_milter_unix -d
fx_passwd alice key-alice
fx_start_submission
FX_USER=alice FX_PASS=key-alice
h_check "the subscriber is connected" h_wait_log \
    'fact cache on: invalidations to Redis client [0-9]+' 10 "$H_LOG/milter.log"

ctl() { "$CTL" -c "$FX_CONF" "$@"; }
send() {	# FROM TO SUBJECT - the SMTP dialogue
	fx_send "$1" "$2" --header "Subject: $3" 2>&1
}
accepted() { [[ $1 =~ '<-  250 2.0.0 Ok: queued' ]]; }

# read once, then from memory
h_check "accepted (domain and recipient now cached)" accepted "$(send a@alice.test r1@rcpt.test first)"
h_check "accepted again" accepted "$(send a@alice.test r1@rcpt.test second)"
calls() { h_redis_cli INFO commandstats | sed -n 's/^cmdstat_\(hmget\|hexists\):calls=\([0-9]*\),.*/\1=\2/p' | sort | paste -sd' '; }
c0=$(calls)
accepted "$(send a@alice.test r1@rcpt.test third)"
h_is "a cached message reads neither the domain nor the suppression list" "$(calls)" "$c0"

# a suppression added by relayctl counts from the next message
ctl suppress add alice r1@rcpt.test >/dev/null
out=$(send a@alice.test r1@rcpt.test after-suppress)
h_like "suppressed by relayctl: next RCPT -> 550 5.7.1" "$out" '<\*\* 550 5\.7\.1 '
ctl suppress remove alice r1@rcpt.test >/dev/null
h_check "suppression removed: accepted again" accepted "$(send a@alice.test r1@rcpt.test unsuppressed)"

# a domain moved to another member, then removed
h_redis_cli HSET 'relay:{d:alice.test}:domain' member bob >/dev/null
out=$(send a@alice.test r1@rcpt.test moved)
h_like "domain now bob's: MAIL FROM -> 550 5.1.0" "$out" '<\*\* 550 5\.1\.0 '
h_redis_cli HSET 'relay:{d:alice.test}:domain' member alice >/dev/null
h_check "and back: accepted" accepted "$(send a@alice.test r1@rcpt.test back)"
h_redis_cli HSET 'relay:{d:alice.test}:domain' verified_at 0 >/dev/null
out=$(send a@alice.test r1@rcpt.test unverified)
h_like "verification withdrawn: 550 5.1.0" "$out" '<\*\* 550 5\.1\.0 '
h_redis_cli HSET 'relay:{d:alice.test}:domain' verified_at "$(($(date +%s) - 86400))" >/dev/null
accepted "$(send a@alice.test r1@rcpt.test reverified)" || h_diag "not accepted after re-verification"

# a domain unknown when first asked (the missing key is cached too)
out=$(send a@new.test r1@rcpt.test unknown)
h_like "unenrolled domain: 550 5.1.0" "$out" '<\*\* 550 5\.1\.0 '
fx_domain new.test alice
h_check "enrolled afterwards: accepted at once" accepted "$(send a@new.test r1@rcpt.test enrolled)"
ctl domain remove new.test >/dev/null
out=$(send a@new.test r1@rcpt.test removed)
h_like "removed by relayctl: 550 5.1.0" "$out" '<\*\* 550 5\.1\.0 '

h_like "the milter logged the invalidations" "$(cat "$H_LOG/milter.log")" \
    'fact cache: relay:\{d:new\.test\}:domain changed'

# Redis restarted: the subscriber reconnects; nothing answered from
# memory while it is away; changes after the restart count too
pid=$(h_daemon_pid milter)
h_kill_redis
out=$(send a@alice.test r1@rcpt.test redis-down)
h_like "Redis down: 451 4.4.2, not an answer from memory" "$out" '<\*\* 451 4\.4\.2 '
h_check "subscriber noticed" h_wait_log 'fact cache off: the subscriber lost Redis' \
    10 "$H_LOG/milter.log"
h_restart_redis
h_check "subscriber back" h_wait_for 20 \
    eval '[[ $(grep -c "fact cache on:" "$H_LOG/milter.log") -ge 2 ]]'
ok=
for i in 1 2 3 4 5 6 7 8 9 10; do
	accepted "$(send a@alice.test r2@rcpt.test "after-$i")" && { ok=$i; break; }
	sleep 0.5
done
h_check "Redis back: accepted (try ${ok:-none})" test -n "$ok"
accepted "$(send a@alice.test r2@rcpt.test cached-again)"
fx_suppress alice r2@rcpt.test
out=$(send a@alice.test r2@rcpt.test suppressed-after-restart)
h_like "a change after the restart counts at once" "$out" '<\*\* 550 5\.7\.1 '
h_is "same milter process" "$(h_daemon_pid milter)" "$pid"

# FLUSHDB: everything forgotten (the invalidation without keys)
h_redis_cli FLUSHDB >/dev/null
out=$(send a@alice.test r1@rcpt.test flushed)
# not answered from memory (that would be 250): Redis is read, holds no
# relay data at all (relay:schema went too), and defers (test_milter_redis)
h_like "after FLUSHDB: 451 4.4.2 (nothing enrolled, no relay data)" "$out" '<\*\* 451 4\.4\.2 '
h_check "... and the milter said so, once" h_wait_for 10 \
    eval '[[ $(grep -c "warning: Redis was flushed: fact cache cleared" "$H_LOG/milter.log") -eq 1 ]]'
fx_member alice
fx_domain alice.test alice
h_check "enrolled again: accepted" accepted "$(send a@alice.test r1@rcpt.test refilled)"

# the subscriber's connection alone killed: the workers' connections stay,
# their tracking is pointed at the new subscriber before anything is kept
h_redis_cli CLIENT KILL TYPE pubsub >/dev/null
h_check "subscriber reconnected" h_wait_for 20 \
    eval '[[ $(grep -c "fact cache on:" "$H_LOG/milter.log") -ge 3 ]]'
accepted "$(send a@alice.test r3@rcpt.test tracked-again-1)"
accepted "$(send a@alice.test r3@rcpt.test tracked-again-2)"
ctl suppress add alice r3@rcpt.test >/dev/null
out=$(send a@alice.test r3@rcpt.test redirected)
h_like "tracking follows the new subscriber: 550 5.7.1" "$out" '<\*\* 550 5\.7\.1 '

h_stop_daemon milter 20
stats=$(grep -o 'fact_hits=.*' "$H_LOG/milter.log")
h_like "the cache answered" "$stats" 'fact_hits=[1-9][0-9]* '
h_like "invalidations counted" "$stats" 'fact_invalidations=[1-9]'
h_like "three subscriber connections" "$stats" 'fact_subscribes=3$'

# milter.cache_entries = 0: every message reads Redis
fx_milter_unix "cache_entries = 0;"
fx_conf "$H_TMP/nocache.conf"
h_start_daemon milter2 "$H_BUILDDIR/milter/relay-milter" -f -c "$H_TMP/nocache.conf"
h_wait_file "$MSOCK" 10 || h_bail "relay-milter (no cache) did not listen"
sleep 0.5
accepted "$(send a@alice.test r1@rcpt.test nocache-1)"
c0=$(calls)
h_check "no cache: accepted" accepted "$(send a@alice.test r1@rcpt.test nocache-2)"
h_isnt() { [[ $2 != "$3" ]] && h_ok "$1" || h_fail "$1" "unchanged: $2"; }
h_isnt "no cache: the domain and the suppression list read again" "$(calls)" "$c0"
h_stop_daemon milter2 20
h_unlike "no cache: no subscriber" "$(cat "$H_LOG/milter2.log")" 'fact cache on'
h_like "no cache: no hits" "$(grep -o 'fact_hits=[0-9]*' "$H_LOG/milter2.log")" '^fact_hits=0$'

# The subscriber killed every few ms while four clients send: a worker may
# point CLIENT TRACKING at a subscriber that has just gone away ("the
# client ID you want redirect to does not exist"). That read goes uncached;
# the cache stays on (it used to turn itself off until a reload).
h_start_daemon milter3 "$H_BUILDDIR/milter/relay-milter" -f -d -c "$H_TMP/relay.conf"
h_wait_file "$MSOCK" 10 || h_bail "relay-milter (storm) did not listen"
h_check "storm: subscriber on" h_wait_log 'fact cache on' 10 "$H_LOG/milter3.log"
/usr/bin/python3 - "$REDIS_SOCK" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
end = time.time() + 6
while time.time() < end:
    s.sendall(b"CLIENT KILL TYPE pubsub\r\n")
    s.recv(100)
    time.sleep(0.003)
PY
killer=$!
senders=()
for w in 1 2 3 4; do
	(for i in $(seq 1 12); do send a@alice.test r1@rcpt.test "storm-$w-$i" >/dev/null; done) &
	senders+=($!)
done
wait "${senders[@]}" "$killer"
h_diag "storm: $(grep -c 'this read uncached' "$H_LOG/milter3.log") reads went uncached"
h_unlike "storm: the cache never turned itself off" "$(cat "$H_LOG/milter3.log")" 'fact cache off: CLIENT TRACKING'
n=$(grep -c 'fact cache on:' "$H_LOG/milter3.log")
sleep 1
h_check "storm over: subscriber connected" h_wait_for 10 \
    eval '[[ $(grep -c "fact cache on:" "$H_LOG/milter3.log") -ge '"$n"' ]]'
accepted "$(send a@alice.test r1@rcpt.test after-storm-1)"
accepted "$(send a@alice.test r1@rcpt.test after-storm-2)"
c0=$(calls)
accepted "$(send a@alice.test r1@rcpt.test after-storm-3)"
h_is "storm over: answers from memory again" "$(calls)" "$c0"
h_stop_daemon milter3 20

# A Redis user whose ACL refuses CLIENT TRACKING (relay-milter(8): the
# cache stays off, one line says so): every read goes to Redis, so a
# recipient suppressed after one message is refused at the next, never
# answered from a memory that nothing keeps current.
h_redis_cli ACL SETUSER mil on '>mil-secret' '~*' '&*' +@all '-client|tracking' >/dev/null
sed '/^redis:/ s|socket = "[^"]*";|& user = "mil"; password = "mil-secret";|' \
    "$H_TMP/relay.conf" >"$H_TMP/acl.conf"
h_start_daemon milter4 "$H_BUILDDIR/milter/relay-milter" -f -c "$H_TMP/acl.conf"
h_wait_file "$MSOCK" 10 || h_bail "relay-milter (ACL) did not listen"
h_check "ACL: the subscriber connects" h_wait_log 'fact cache on' 10 "$H_LOG/milter4.log"
h_check "ACL: accepted" accepted "$(send a@alice.test r9@rcpt.test acl-1)"
h_like "ACL: the cache is off, saying why" \
    "$(grep 'fact cache off' "$H_LOG/milter4.log")" 'CLIENT TRACKING: NOPERM'
fx_suppress alice r9@rcpt.test hard_bounce
h_like "ACL: suppressed after a message to it: refused at once" \
    "$(send a@alice.test r9@rcpt.test acl-2)" '<\*\* 550 5\.7\.1 '
c0=$(calls)
h_check "ACL: accepted again" accepted "$(send a@alice.test r1@rcpt.test acl-3)"
h_isnt "ACL: the domain and the suppression list read from Redis" "$(calls)" "$c0"
h_is "ACL: the refusal logged once" "$(grep -c 'fact cache off: CLIENT TRACKING' "$H_LOG/milter4.log")" 1
h_stop_daemon milter4 20
h_like "ACL: no answer from memory" "$(grep -o 'fact_hits=[0-9]*' "$H_LOG/milter4.log")" '^fact_hits=0$'
h_done
