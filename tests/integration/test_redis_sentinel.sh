#!/bin/bash
# test_redis_sentinel.sh - redis.sentinels: every program asks Redis
# Sentinel for the primary (SENTINEL get-master-addr-by-name) and connects
# there. A member logs in (relay-checkpw), sends through relay-policyd and
# relay-milter, and relay-tracker records the delivery, all in the primary
# Sentinel names; when that primary dies, its mail gets 451 4.4.2 until
# the sentinel has promoted the replica, then flows again without a
# restart and lands in the new primary. A sentinel that is not there, and
# a primary name it does not know, are backend errors that say so.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init redis_sentinel
h_need_root
h_need redis-server redis-cli postfix swaks dovecot
fx_suite_bins

# Redis A (the harness's), B its replica, one sentinel watching A
fx_start_replica
fx_start_sentinel

h_start_sink
fx_suite_conf sn
ctl() { "$CTL" -c "$FX_CONF" "$@"; }
h_check "relayctl through the sentinel: member add" ctl member add sam --did did:web:sam.example
KEY=$(ctl apikey create sam 2>/dev/null)
h_check "... domain add" ctl domain add sam.test --member sam
h_is "... written in A" "$(redis-cli -s "$A_SOCK" HGET 'relay:{d:sam.test}:domain' member)" sam
redis-cli -s "$A_SOCK" HSET 'relay:{d:sam.test}:domain' verified_at $(($(date +%s) - 3600)) >/dev/null

fx_start_suite

FX_USER=sam FX_PASS=$KEY
send() {	# send TO - one message as sam; prints swaks' output
	fx_send news@sam.test "$1" --header "Subject: sentinel to $1" 2>&1
}
sent_in() {	# sent_in SOCKET QID - the tracker's status sent, in that Redis
	redis-cli -s "$1" HGETALL "relay:{m:sam}:msg:$2" 2>/dev/null |
	    grep -q '"status":"sent"'
}

out=$(send one@rcpt.test)
h_like "A primary: queued (login, policy, milter through the sentinel)" \
    "$out" '250 2\.0\.0 Ok: queued'
q1=$(h_queued_id "$out")
h_check "... delivered" h_wait_sink 1 20
h_check "... the tracker's status sent, in A" h_wait_for 10 sent_in "$A_SOCK" "$q1"
h_like "... relay-policyd charged it in A" \
    "$(redis-cli -s "$A_SOCK" --scan --pattern 'relay:{d:sam.test}:*' | sort | tr '\n' ' ')" \
    'relay:\{d:sam\.test\}:warm'

# --- A dies: the sentinel finds it down (down-after-milliseconds) and
# promotes B (once B has every write: Sentinel would promote a replica
# that has not)
h_like "B has A's writes" "$(redis-cli -s "$A_SOCK" WAIT 1 5000)" '^1$'
h_kill_redis
# (the login fails first: relay-checkpw's temporary failure, which
# Postfix 3.7 turns into 535, test_auth.sh)
out=$(send during@rcpt.test)
h_like "A gone, B not promoted yet: refused for now" "$out" \
    '<\*\* (451 4\.4\.2|454 4\.7\.0|535 5\.7\.8) '
h_unlike "... not queued" "$out" 'Ok: queued'
h_check "the sentinel names B" h_wait_for 30 fx_sentinel_names "$B_PORT"
h_check "... and B answers as the primary" h_wait_for 10 bash -c \
    "redis-cli -s '$B_SOCK' ROLE | head -1 | grep -qx master"
ok=
for i in $(seq 1 20); do
	out=$(send "two@rcpt.test")
	if [[ $out == *'250 2.0.0 Ok: queued'* ]]; then
		ok=$i
		break
	fi
	h_unlike "try $i: no 5xx" "$out" '<\*\* 5[0-9][0-9] '
	sleep 0.5
done
h_check "after the failover: queued again (try ${ok:-none})" test -n "$ok"
q2=$(h_queued_id "$out")
h_check "... delivered" h_wait_sink 2 20
h_check "... its status sent, in B" h_wait_for 10 sent_in "$B_SOCK" "$q2"
for d in milter policyd tracker; do
	h_check "$d never restarted" h_daemon_alive "$d"
done
h_check "relay-policyd up again" h_wait_log_count 'redis=up' 2 10 "$H_LOG/policyd.log"
h_check "relayctl reads B now" bash -c "'$CTL' -c '$FX_CONF' status $q2 | grep -q sent"

# --- a name the sentinel does not know, a sentinel not there
sed 's/sentinel_master = "relay"/sentinel_master = "nosuch"/' "$FX_CONF" >"$H_TMP/nosuch.conf"
out=$("$CTL" -c "$H_TMP/nosuch.conf" member list 2>&1)
h_is "unknown primary name: backend error (exit 2)" "$?" 2
h_like "... which says so" "$out" "sentinel 127\\.0\\.0\\.1:$S_PORT: knows no primary called nosuch"
h_stop_daemon sentinel
out=$(ctl member list 2>&1)
h_is "no sentinel: backend error (exit 2)" "$?" 2
h_like "... naming it" "$out" "sentinel 127\\.0\\.0\\.1:$S_PORT: connect: "
h_done
