#!/bin/bash
# test_redis_switch.sh - a planned Sentinel failover (SENTINEL FAILOVER)
# with the old primary alive. Sentinel promotes the replica and names it
# (+switch-master) about a second later, but turns the old primary into a
# replica only some 10 s after that: until then the old primary takes
# every write of a connection still open to it, and loses them when it
# becomes a replica. relay-milter, relay-policyd and relay-tracker each
# follow +switch-master (one thread subscribed to a sentinel), so the
# writes that follow the switch land in the new primary while the old one
# is still a primary: the message's record, its charge, its delivery
# status. A sentinel that goes away is one warning per daemon.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init redis_switch
h_need_root
h_need redis-server redis-cli postfix swaks dovecot
fx_suite_bins
CLIENT=$B/tests/integration/policyd_client
[[ -x $CLIENT ]] || h_bail "policyd_client not built"

# Redis A (the harness's), B its replica, one sentinel watching A
fx_start_replica
fx_start_sentinel

h_start_sink
PPORT=$(h_port)
fx_suite_conf sw "inet:127.0.0.1:$PPORT"
ctl() { "$CTL" -c "$FX_CONF" "$@"; }
h_check "member add" ctl member add sam --did did:web:sam.example
KEY=$(ctl apikey create sam 2>/dev/null)
h_check "domain add" ctl domain add sam.test --member sam
# in its warming tier: relay-policyd writes a charge per recipient
ra HSET 'relay:{d:sam.test}:domain' verified_at $(($(date +%s) - 3600)) >/dev/null

fx_start_suite
for d in milter policyd tracker; do
	h_like "relay-$d subscribed to +switch-master" \
	    "$(h_wait_log 'redis=sentinel_watch' 10 "$H_LOG/$d.log")" \
	    "sentinel=127\\.0\\.0\\.1:$S_PORT action=subscribed event=\\+switch-master"
done

FX_USER=sam FX_PASS=$KEY
send() {	# send TO - one message as sam; prints swaks' output
	fx_send news@sam.test "$1" --header "Subject: switch to $1" 2>&1
}
sent_in() {	# sent_in R QID - the tracker's status sent, in that Redis
	"r$1" HGETALL "relay:{m:sam}:msg:$2" 2>/dev/null | grep -q '"status":"sent"'
}
warm() { "r$1" ZCARD 'relay:{d:sam.test}:warm'; }

out=$(send one@rcpt.test)
h_like "A primary: queued" "$out" '250 2\.0\.0 Ok: queued'
q1=$(h_queued_id "$out")
h_check "... delivered" h_wait_sink 1 20
h_check "... its status sent, in A" h_wait_for 10 sent_in a "$q1"
h_like "B has A's writes" "$(ra WAIT 1 5000)" '^1$'

# --- SENTINEL FAILOVER: B promoted and named; A still a primary for ~10 s
h_is "SENTINEL FAILOVER" "$(redis-cli -p "$S_PORT" SENTINEL FAILOVER relay)" OK
h_check "the sentinel names B" h_wait_for 20 fx_sentinel_names "$B_PORT"
for d in milter policyd tracker; do
	h_like "relay-$d follows +switch-master" \
	    "$(h_wait_log 'redis=switch' 10 "$H_LOG/$d.log")" \
	    "master=relay from=127\\.0\\.0\\.1:$A_PORT to=127\\.0\\.0\\.1:$B_PORT action=reconnect"
done
wa=$(warm a) wb=$(warm b)
out=$(send two@rcpt.test)
h_like "after the switch: queued" "$out" '250 2\.0\.0 Ok: queued'
q2=$(h_queued_id "$out")
h_is "... its record in B" "$(rb EXISTS "relay:{m:sam}:msg:$q2")" 1
h_is "... not in A" "$(ra EXISTS "relay:{m:sam}:msg:$q2")" 0
h_is "... its charge in B" "$(warm b)" $((wb + 1))
h_is "... none in A" "$(warm a)" "$wa"
a=$("$CLIENT" ask "$PPORT" RCPT sam news@sam.test three@rcpt.test)
h_like "relay-policyd asked directly: DUNNO" "$a" '^action=DUNNO'
h_is "... charged in B" "$(warm b)" $((wb + 2))
h_check "... the message delivered" h_wait_sink 2 20
h_check "... its status sent, in B" h_wait_for 10 sent_in b "$q2"
h_like "A was still a primary all along (its writes would be lost)" \
    "$(ra ROLE | head -1)" '^master$'
for d in milter policyd tracker; do
	h_check "relay-$d never restarted" h_daemon_alive "$d"
	h_is "... no READONLY met" "$(grep -c 'redis=replica' "$H_LOG/$d.log")" 0
done

# --- a reload that changes redis.*: each watch starts again on the new
# settings (one more subscribed line); one that does not: nothing
sed -i 's/reconnect_min_ms = 50;/reconnect_min_ms = 60;/' "$FX_CONF"
grep -q 'reconnect_min_ms = 60;' "$FX_CONF" || h_bail "relay.conf not changed"
kill -USR1 "$(h_daemon_pid milter)"
kill -HUP "$(h_daemon_pid policyd)" "$(h_daemon_pid tracker)"
for d in milter policyd tracker; do
	h_check "relay-$d: a reload with other redis.* subscribes again" \
	    h_wait_log_count 'redis=sentinel_watch.*action=subscribed' 2 10 \
	    "$H_LOG/$d.log"
done
kill -HUP "$(h_daemon_pid policyd)"
h_check "relay-policyd: a reload with the same redis.* ..." \
    h_wait_log_count 'reload=ok' 2 10 "$H_LOG/policyd.log"
h_is "... does not" \
    "$(grep -c 'redis=sentinel_watch.*action=subscribed' "$H_LOG/policyd.log")" 2

# --- the sentinel goes away: one warning per daemon
h_stop_daemon sentinel
for d in milter policyd tracker; do
	h_like "relay-$d: the subscription lost, said once" \
	    "$(h_wait_log 'redis=sentinel_watch.*action=next' 10 "$H_LOG/$d.log")" \
	    "sentinel=127\\.0\\.0\\.1:$S_PORT reason=\".+\" action=next retry_ms=[0-9]+"
done
a=$("$CLIENT" ask "$PPORT" RCPT sam news@sam.test four@rcpt.test)
h_like "relay-policyd answers on (its connection stays)" "$a" '^action=DUNNO'
sleep 1		# the watches try again meanwhile (reconnect_max_ms 500)
for d in milter policyd tracker; do
	h_is "relay-$d: one warning for the outage" \
	    "$(grep -c 'redis=sentinel_watch.*action=next' "$H_LOG/$d.log")" 1
	h_check "... alive" h_daemon_alive "$d"
done
h_done
