#!/bin/bash
# test_tracker_delivery.sh - relay-tracker end to end: messages through the
# private Postfix to the sink (550 5.1.1, 452 4.2.2, 550 5.7.1, 451 4.4.1),
# the milter's records written by fx_message, and what lands in Redis:
# statuses, classes, hard and soft suppression, the soft count reset, an
# expiry, inflight, the bounce-rate window, the warning, auto-suspension
# with its reason, a fresh window after an unsuspend, and a full re-read
# of the log that changes nothing.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init tracker_delivery
h_need_root
h_need redis-server postfix swaks
TRACKER=$H_BUILDDIR/policyd/relay-tracker
[[ -x $TRACKER ]] || h_bail "build policyd/relay-tracker first"

h_start_redis
h_start_sink
# Hold every message at DATA, so the test can write the milter's records
# before Postfix delivers (released with postsuper -H).
PF_MAIN_EXTRA='smtpd_data_restrictions = check_client_access inline:{ {127.0.0.1 = HOLD} }'
h_start_postfix
FX_TRACKER="maillog = \"$PF_MAILLOG\"; poll_ms = 50;"
FX_SUSPENSION='min_volume = 12; warn_rate = 5.0; suspend_rate = 30.0;'
fx_conf
fx_member alice
fx_member bob
h_start_daemon tracker "$TRACKER" -f -d -c "$FX_CONF"

send() { fx_held_send "$1" "$2" tracker; }
rfield() { fx_rfield "$@"; }
sfield() {
	h_redis_cli HGET "relay:{m:$1}:suppress" "$2" |
	    /usr/bin/python3 -c 'import json,sys
s=sys.stdin.read().strip()
print(json.loads(s).get(sys.argv[1],"") if s else "")' "$3"
}
outcomes() { fx_outcomes "$@"; }
caught_up() { fx_caught_up; }
release() { fx_release; }

# --- alice: one message per kind of answer -------------------------------
q_ok=$(send a@alice.test ok@dest.example)
q_hard=$(send a@alice.test bounce@dest.example)
q_pol=$(send a@alice.test policy@dest.example)
q_tech=$(send a@alice.test tech@dest.example)
q_f1=$(send a@alice.test full@dest.example)
q_f2=$(send a@alice.test full@dest.example)
q_f3=$(send a@alice.test full@dest.example)
q_two=$(send a@alice.test ok2@dest.example,bounce2@dest.example)
q_foreign=$(send other@elsewhere.test ok3@dest.example)
for q in q_ok q_hard q_pol q_tech q_f1 q_f2 q_f3 q_two q_foreign; do
	[[ -n ${!q} ]] || h_bail "submission $q was not queued"
done
fx_message alice "$q_ok" a@alice.test ok@dest.example
fx_message alice "$q_hard" a@alice.test bounce@dest.example
fx_message alice "$q_pol" a@alice.test policy@dest.example
fx_message alice "$q_tech" a@alice.test tech@dest.example
fx_message alice "$q_f1" a@alice.test full@dest.example
fx_message alice "$q_f2" a@alice.test full@dest.example
fx_message alice "$q_f3" a@alice.test full@dest.example
fx_message alice "$q_two" a@alice.test ok2@dest.example,bounce2@dest.example
# (no record for q_foreign: not a member's message)
h_redis_cli HSET 'relay:{m:alice}:soft' ok@dest.example 2 >/dev/null
release
h_check "first attempts logged" h_wait_log_count ' to=<[^>]*@dest\.example>.* status=(sent|bounced|deferred) ' 10 20
# expire the deferred ones before their retry (10 s)
h_pf postsuper -e ALL >/dev/null 2>&1
h_pf_flush
h_check "expiries logged" h_wait_log_count 'status=force-expired' 4 20
h_check "queue empty" h_wait_queue_empty 20
h_check "tracker caught up" h_wait_for 20 caught_up

h_is "sent: status" "$(rfield alice "$q_ok" ok@dest.example status)" sent
h_is "sent: dsn" "$(rfield alice "$q_ok" ok@dest.example dsn)" 2.0.0
h_is "sent: one attempt" "$(rfield alice "$q_ok" ok@dest.example attempts)" 1
h_like "sent: remote reply" "$(rfield alice "$q_ok" ok@dest.example reply)" '^250 2\.0\.0 Ok'
h_like "sent: relay" "$(rfield alice "$q_ok" ok@dest.example relay)" "127\.0\.0\.1\[127\.0\.0\.1\]:$SINK_PORT"
h_is "delivery resets the soft count" "$(h_redis_cli HEXISTS 'relay:{m:alice}:soft' ok@dest.example)" 0
h_is "hard: status" "$(rfield alice "$q_hard" bounce@dest.example status)" bounced
h_is "hard: class" "$(rfield alice "$q_hard" bounce@dest.example class)" hard
h_like "hard: reply" "$(rfield alice "$q_hard" bounce@dest.example reply)" '550 5\.1\.1 <bounce@dest\.example>'
h_is "hard: suppressed at once" "$(sfield alice bounce@dest.example reason)" hard_bounce
h_is "hard: suppression dsn" "$(sfield alice bounce@dest.example dsn)" 5.1.1
h_like "hard: suppression text" "$(sfield alice bounce@dest.example text)" 'no such user'
h_is "policy: class" "$(rfield alice "$q_pol" policy@dest.example class)" policy
h_is "policy: status" "$(rfield alice "$q_pol" policy@dest.example status)" bounced
h_is "policy: not suppressed" "$(h_redis_cli HEXISTS 'relay:{m:alice}:suppress' policy@dest.example)" 0
h_is "technical: class" "$(rfield alice "$q_tech" tech@dest.example class)" technical
h_is "technical: expired after the deferral" "$(rfield alice "$q_tech" tech@dest.example status)" expired
h_is "technical: dsn of the last attempt" "$(rfield alice "$q_tech" tech@dest.example dsn)" 4.4.1
h_is "technical: not suppressed" "$(h_redis_cli HEXISTS 'relay:{m:alice}:suppress' tech@dest.example)" 0
h_is "soft: class" "$(rfield alice "$q_f1" full@dest.example class)" soft
h_is "soft: three in a row" "$(h_redis_cli HGET 'relay:{m:alice}:soft' full@dest.example)" 3
h_is "soft: suppressed at the limit" "$(sfield alice full@dest.example reason)" soft_bounce_limit
h_is "two recipients: sent" "$(rfield alice "$q_two" ok2@dest.example status)" sent
h_is "two recipients: bounced" "$(rfield alice "$q_two" bounce2@dest.example status)" bounced
h_is "unknown message ignored" "$(h_redis_cli EXISTS "relay:{m:alice}:msg:$q_foreign" "relay:{q:$q_foreign}:qid")" 0
h_is "unknown recipient not suppressed" "$(h_redis_cli HLEN 'relay:{m:alice}:suppress')" 3
h_is "window: sent" "$(outcomes alice s)" 2
h_is "window: bounced (3 bounces + 4 expiries)" "$(outcomes alice b)" 7
h_is "applied: one per delivery line and expiry" "$(h_redis_cli ZCARD 'relay:{m:alice}:applied')" 13
h_is "inflight emptied by removed" "$(h_redis_cli ZCARD 'relay:{m:alice}:inflight')" 0
h_like "final time set" "$(h_redis_cli HGET "relay:{m:alice}:msg:$q_hard" final)" '^[0-9]+$'
h_is "below min_volume: not suspended" "$(h_redis_cli HGET 'relay:{m:alice}:member' suspended)" 0

# --- bob: 9 delivered, then 5 hard bounces (min_volume 12, suspend 30%) --
for i in 1 2 3 4 5 6 7 8 9; do
	q=$(send b@bob.test "ok$i@dest.example") || h_bail "bob ok$i not queued"
	fx_message bob "$q" b@bob.test "ok$i@dest.example"
done
release
h_check "bob: 9 delivered" h_wait_log_count 'to=<ok[1-9]@dest.example>.*status=sent' 9 20
h_check "tracker caught up" h_wait_for 20 caught_up
h_is "bob: 9 sent in the window" "$(outcomes bob s)" 9
for i in 1 2 3 4 5; do
	q=$(send b@bob.test "bounce-b$i@dest.example") || h_bail "bob bounce$i not queued"
	fx_message bob "$q" b@bob.test "bounce-b$i@dest.example"
	release
	h_wait_log_count "to=<bounce-b$i@dest.example>.*status=bounced" 1 20 ||
	    h_bail "bob bounce $i not delivered"
	h_wait_for 20 caught_up || h_bail "tracker did not catch up"
	h_diag "bob after bounce $i: suspended=$(h_redis_cli HGET 'relay:{m:bob}:member' suspended)"
done
h_is "bob: suspended" "$(h_redis_cli HGET 'relay:{m:bob}:member' suspended)" 1
h_is "bob: by auto" "$(h_redis_cli HGET 'relay:{m:bob}:member' suspended_by)" auto
h_is "bob: reason" "$(h_redis_cli HGET 'relay:{m:bob}:member' suspend_reason)" \
    "auto: bounce rate 30.8% (4/13) over 24h"
h_like "bob: suspended_at" "$(h_redis_cli HGET 'relay:{m:bob}:member' suspended_at)" '^[0-9]+$'
h_like "bob: warning logged at 25%" "$(cat "$H_LOG/tracker.log")" 'member=bob.*warning="?bounce rate 25\.0% \(3/12\) over 24h'
h_like "bob: suspension logged" "$(cat "$H_LOG/tracker.log")" 'member=bob.*suspended="?auto: bounce rate 30\.8%'
h_is "bob: the 5th bounce is counted too" "$(outcomes bob b)" 5
CTL=$H_BUILDDIR/contrib/relayctl/relayctl
h_like "member show: the rate in the tracker's window" \
    "$("$CTL" -c "$FX_CONF" member show bob)" \
    'bounces: +35\.7% \(5/14\) over 24h; warns at 5\.0%, suspends at 30\.0%'

# An admin unsuspend (relayctl sets window_start) starts a fresh window.
h_redis_cli HSET 'relay:{m:bob}:member' suspended 0 window_start "$(date +%s)" >/dev/null
sleep 1
q=$(send b@bob.test bounce-b6@dest.example) || h_bail "bob bounce6 not queued"
fx_message bob "$q" b@bob.test bounce-b6@dest.example
release
h_check "bounce after unsuspend delivered" h_wait_log_count 'to=<bounce-b6@dest.example>.*status=bounced' 1 20
h_check "tracker caught up" h_wait_for 20 caught_up
h_is "fresh window: 1 bounce" "$(outcomes bob b)" 1
h_is "fresh window: 0 sent" "$(outcomes bob s)" 0
h_is "fresh window: not suspended again" "$(h_redis_cli HGET 'relay:{m:bob}:member' suspended)" 0
h_like "member show: the fresh window" \
    "$("$CTL" -c "$FX_CONF" member show bob)" \
    'bounces: +100\.0% \(1/1\) over 24h; not judged under 12'

# --- the whole log again (position lost): nothing changes ----------------
h_stop_daemon tracker
before=$(for h in alice bob; do h_redis_cli HGETALL "relay:{m:$h}:outcomes"; h_redis_cli HGETALL "relay:{m:$h}:soft"; h_redis_cli ZCARD "relay:{m:$h}:applied"; h_redis_cli HGETALL "relay:{m:$h}:suppress"; done)
h_redis_cli DEL 'relay:{n:default}:tracker_pos' >/dev/null
out=$("$TRACKER" -o -c "$FX_CONF" 2>&1)
after=$(for h in alice bob; do h_redis_cli HGETALL "relay:{m:$h}:outcomes"; h_redis_cli HGETALL "relay:{m:$h}:soft"; h_redis_cli ZCARD "relay:{m:$h}:applied"; h_redis_cli HGETALL "relay:{m:$h}:suppress"; done)
h_is "re-reading the log changes nothing" "$after" "$before"
# (removals too: an ended record takes its removal again as a repeat)
h_like "re-read: every event a repeat" "$out" 'exit lines=[0-9]+ .* applied=0 repeats=[1-9][0-9]* '
h_like "re-read: non-Postfix lines none" "$out" 'unknown=0 '
h_done
