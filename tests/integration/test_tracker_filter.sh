#!/bin/bash
# test_tracker_filter.sh - relay-tracker behind an after-queue content
# filter (amavis, or FILTER_README's advanced set-up): the private Postfix
# hands every message to a filter over SMTP, which queues it again through
# a second smtpd of the same Postfix (the filter here is that smtpd
# itself, as FILTER_README's "null filter"). The sent line to the filter
# is a hand-off, not a delivery: the message's outcome is its second
# queue id's, whose lines the tracker must follow to the first one's
# record. Checked: statuses, suppression, the bounce-rate window (no
# outcome counted twice), inflight until the last hop leaves, an expiry of
# a hop, a message split over two hops (one recipient per filter
# session), relayctl status by either queue id, a non-member's message,
# and a re-read of the whole log that changes nothing.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init tracker_filter
h_need_root
h_need redis-server postfix swaks
TRACKER=$H_BUILDDIR/policyd/relay-tracker
CTL=$H_BUILDDIR/contrib/relayctl/relayctl
[[ -x $TRACKER ]] || h_bail "build policyd/relay-tracker first"
[[ -x $CTL ]] || h_bail "build relayctl first ($CTL)"

h_start_redis
h_start_sink
FPORT=$(h_port) || h_bail "no free port for the filter's smtpd"
# Messages submitted are held at DATA (the test writes the milter's
# records first), then go to the "filter" transport: one recipient per
# session, as amavis set-ups often have it. The filter's smtpd queues them
# again with no filter and no hold.
PF_MAIN_EXTRA="smtpd_data_restrictions = check_client_access inline:{ {127.0.0.1 = HOLD} }
content_filter = filter:[127.0.0.1]:$FPORT
filter_destination_recipient_limit = 1"
PF_MASTER_EXTRA="filter    unix  -       -       n       -       -       smtp
127.0.0.1:$FPORT inet n - n - - smtpd
  -o content_filter=
  -o smtpd_data_restrictions=
  -o receive_override_options=no_unknown_recipient_checks,no_header_body_checks,no_milters"
h_start_postfix
FX_TRACKER="maillog = \"$PF_MAILLOG\"; poll_ms = 50;"
FX_SUSPENSION='min_volume = 100;'
fx_conf
fx_member alice
h_start_daemon tracker "$TRACKER" -f -d -c "$FX_CONF"
ctl() { "$CTL" -c "$FX_CONF" "$@"; }

send() { fx_held_send "$1" "$2" filter; }
rfield() { fx_rfield "$@"; }
outcomes() { fx_outcomes "$@"; }
caught_up() { fx_caught_up; }
release() { fx_release; }
# hop QID RCPT - the queue id the filter's reply gave QID's copy for RCPT
hop() {
	sed -n "s/.* $1: to=<$2>, .*relay=127\.0\.0\.1\[127\.0\.0\.1\]:$FPORT, .*status=sent (.*queued as \([0-9A-Za-z]*\))\$/\1/p" \
	    "$PF_MAILLOG" | tail -n 1
}

q_ok=$(send a@alice.test ok@dest.example)
q_hard=$(send a@alice.test bounce@dest.example)
q_full=$(send a@alice.test full@dest.example)
q_two=$(send a@alice.test ok2@dest.example,bounce2@dest.example)
q_foreign=$(send other@elsewhere.test ok3@dest.example)
for q in q_ok q_hard q_full q_two q_foreign; do
	[[ -n ${!q} ]] || h_bail "submission $q was not queued"
done
fx_message alice "$q_ok" a@alice.test ok@dest.example
fx_message alice "$q_hard" a@alice.test bounce@dest.example
fx_message alice "$q_full" a@alice.test full@dest.example
fx_message alice "$q_two" a@alice.test ok2@dest.example,bounce2@dest.example
release
h_check "every copy reached the sink's answer" h_wait_log_count \
    ' to=<[^>]*@dest\.example>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:'"$SINK_PORT"', .*status=(sent|bounced|deferred) ' 6 30
h_check "tracker caught up" h_wait_for 20 caught_up

b_ok=$(hop "$q_ok" ok@dest.example)
b_hard=$(hop "$q_hard" bounce@dest.example)
b_full=$(hop "$q_full" full@dest.example)
b_two1=$(hop "$q_two" ok2@dest.example)
b_two2=$(hop "$q_two" bounce2@dest.example)
h_diag "hops: ok $q_ok->$b_ok hard $q_hard->$b_hard full $q_full->$b_full two $q_two->$b_two1,$b_two2"
h_like "the filter queued each copy again" "$b_ok $b_hard $b_full $b_two1 $b_two2" \
    '^[0-9A-Za-z]+ [0-9A-Za-z]+ [0-9A-Za-z]+ [0-9A-Za-z]+ [0-9A-Za-z]+$'
h_check "one recipient per filter session: two hops" test "$b_two1" != "$b_two2"

h_is "sent through the filter: status" "$(rfield alice "$q_ok" ok@dest.example status)" sent
h_like "sent: the sink's relay, not the filter's" "$(rfield alice "$q_ok" ok@dest.example relay)" ":$SINK_PORT\$"
h_is "sent: via the hop" "$(rfield alice "$q_ok" ok@dest.example via)" "$b_ok"
h_is "bounced after the filter: status" "$(rfield alice "$q_hard" bounce@dest.example status)" bounced
h_is "bounced after the filter: class" "$(rfield alice "$q_hard" bounce@dest.example class)" hard
h_is "bounced after the filter: suppressed" "$(h_redis_cli HGET 'relay:{m:alice}:suppress' bounce@dest.example |
    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["reason"])')" hard_bounce
h_is "two hops: first recipient sent" "$(rfield alice "$q_two" ok2@dest.example status)" sent
h_is "two hops: second recipient bounced" "$(rfield alice "$q_two" bounce2@dest.example status)" bounced
h_is "deferred after the filter" "$(rfield alice "$q_full" full@dest.example status)" deferred
h_is "window: sent, once each (not the hand-offs)" "$(outcomes alice s)" 2
h_is "window: bounced" "$(outcomes alice b)" 2
h_is "ended messages left inflight; the deferred one is queued" \
    "$(h_redis_cli ZRANGE 'relay:{m:alice}:inflight' 0 -1)" "$q_full"
h_is "deferred: not ended while its hop is queued" \
    "$(h_redis_cli HMGET "relay:{m:alice}:msg:$q_full" ended final | tr '\n' ' ')" "  "
h_is "deferred: its first queue id left the queue" \
    "$(h_redis_cli HEXISTS "relay:{m:alice}:msg:$q_full" left)" 1
h_like "two hops: ended at the last one" "$(h_redis_cli HGET "relay:{m:alice}:msg:$q_two" ended)" '^[0-9]+$'
h_is "two hops: both done" "$(h_redis_cli HMGET "relay:{m:alice}:msg:$q_two" hops hops_done "h:$b_two1" "h:$b_two2" | tr '\n' ' ')" "2 2 done done "
h_is "hop link names the message" "$(h_redis_cli GET "relay:{q:$b_ok}:qid")" "alice $q_ok"
h_like "tracker logged the hand-off" "$(cat "$H_LOG/tracker.log")" "$q_ok.*event=handoff.*next=$b_ok"
h_is "a non-member's message: no link, no record" \
    "$(h_redis_cli EXISTS "relay:{q:$(hop "$q_foreign" ok3@dest.example)}:qid" "relay:{m:alice}:msg:$q_foreign")" 0

# relayctl status by the hop's queue id shows the message
out=$(ctl --json status "$b_hard")
h_is "status HOP: the message's queue id" "$(fx_jget 'd["queue_id"]' <<<"$out")" "$q_hard"
h_is "status HOP: the outcome" "$(fx_jget 'd["recipients"][0]["status"]' <<<"$out")" bounced
h_like "status (text): via the hop" "$(ctl status "$q_full")" "full@dest\.example +deferred +via $b_full"

# The hop expires: only its recipients, counted once; then the record ends.
h_pf postsuper -e "$b_full" >/dev/null 2>&1
h_pf_flush
h_check "hop expiry logged" h_wait_log_count "$b_full: from=<a@alice\.test>, status=force-expired" 1 20
h_check "hop removed" h_wait_log_count "$b_full: removed" 1 20
h_check "tracker caught up" h_wait_for 20 caught_up
h_is "hop expiry: recipient expired" "$(rfield alice "$q_full" full@dest.example status)" expired
h_is "hop expiry: counted as a bounce" "$(outcomes alice b)" 3
h_is "last hop removed: inflight empty" "$(h_redis_cli ZCARD 'relay:{m:alice}:inflight')" 0
h_like "last hop removed: ended" "$(h_redis_cli HGET "relay:{m:alice}:msg:$q_full" ended)" '^[0-9]+$'
h_like "last hop removed: final" "$(h_redis_cli HGET "relay:{m:alice}:msg:$q_full" final)" '^[0-9]+$'

# The whole log again (position lost): nothing changes.
h_stop_daemon tracker
# (a hash's fields in order: HGETALL's changes when Redis rehashes)
hsorted() { h_redis_cli HGETALL "$1" | paste - - | sort; }
snap() { hsorted 'relay:{m:alice}:outcomes'; hsorted 'relay:{m:alice}:suppress'
	h_redis_cli ZCARD 'relay:{m:alice}:applied'; for q in "$q_ok" "$q_hard" "$q_full" "$q_two"; do
	hsorted "relay:{m:alice}:msg:$q"; done; }
before=$(snap)
h_redis_cli DEL 'relay:{n:default}:tracker_pos' >/dev/null
out=$("$TRACKER" -o -c "$FX_CONF" 2>&1)
h_is "re-reading the log changes nothing" "$(snap)" "$before"
h_like "re-read: nothing applied again" "$out" 'exit lines=[0-9]+ .* applied=0 '
h_done
