#!/bin/bash
# test_tracker_rejected.sh - a message refused at end of data after
# relay-milter recorded it (the milter died between its Redis write and its
# answer, so Postfix tempfailed it; or another milter or policy refused it)
# is never queued, so no "removed" line follows. relay-tracker reads the
# refusal itself (cleanup's milter-reject / smtpd's reject at
# END-OF-MESSAGE): the queue id leaves the member's inflight set (it no
# longer counts against the queue cap), the record is final and marked
# rejected, and nothing is counted as sent or bounced; the warming charges
# relay-milter copied into the record are given back (never anything but
# a warm set's entry), those of a message queued stand. The log is written
# by the test in Postfix's format (sample-maillog.txt); no Postfix runs.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init tracker_rejected
h_need redis-server
TRACKER=$H_BUILDDIR/policyd/relay-tracker
CTL=$H_BUILDDIR/contrib/relayctl/relayctl
[[ -x $TRACKER && -x $CTL ]] || h_bail "build policyd/relay-tracker and relayctl first"

h_start_redis
LOG=$H_TMP/maillog
: >"$LOG"
FX_TRACKER="maillog = \"$LOG\"; node = \"t\"; poll_ms = 50;"
fx_conf
fx_member mia
fx_message mia 4jREJ0000001 a@mia.test x@rcpt.test,y@rcpt.test '<rej1@mia.test>'
fx_message mia 4jREJ0000002 a@mia.test z@rcpt.test '<rej2@mia.test>'
fx_message mia 4jREJ0000003 a@mia.test w@rcpt.test '<rej3@mia.test>'
fx_message mia 4jREJ0000004 a@mia.test v@rcpt.test '<ok4@mia.test>'
h_is "four messages in flight" "$(h_redis_cli ZCARD 'relay:{m:mia}:inflight')" 4
# their warming charges, as relay-milter copies them into the record
# (milter_record.lua); message 2's names a key that is no warm set
NOW=$(date +%s)
h_redis_cli ZADD 'relay:{d:mia.test}:warm' "$NOW" c1 "$NOW" c2 "$NOW" c4 >/dev/null
h_redis_cli HSET 'relay:{m:mia}:msg:4jREJ0000001' charges \
    '["c1","relay:{d:mia.test}:warm","c2","relay:{d:mia.test}:warm"]' >/dev/null
h_redis_cli HSET 'relay:{m:mia}:msg:4jREJ0000002' charges \
    '["c4","relay:{m:mia}:recent","1","relay:{d:mia.test}:warm"]' >/dev/null
h_redis_cli HSET 'relay:{m:mia}:msg:4jREJ0000004' charges \
    '["c4","relay:{d:mia.test}:warm"]' >/dev/null

h_start_daemon tracker "$TRACKER" -f -c "$FX_CONF"
TLOG=$H_LOG/tracker.log
h_wait_log 'tracker: following' 10 "$TLOG" >/dev/null || h_bail "tracker did not start"

ts=$(date '+%b %e %H:%M:%S')
cat >>"$LOG" <<EOT
$ts relay postfix-pf/cleanup[101]: 4jREJ0000001: message-id=<rej1@mia.test>
$ts relay postfix-pf/cleanup[101]: 4jREJ0000001: milter-reject: END-OF-MESSAGE from localhost[127.0.0.1]: 4.7.1 Service unavailable - try again later; from=<a@mia.test> to=<x@rcpt.test> proto=ESMTP helo=<vm>
$ts relay postfix-pf/submission/smtpd[102]: 4jREJ0000002: reject: END-OF-MESSAGE from localhost[127.0.0.1]: 521 5.7.1 <END-OF-MESSAGE>: End-of-data rejected: Member suspended; from=<a@mia.test> to=<z@rcpt.test> proto=ESMTP helo=<vm>
$ts relay postfix-pf/cleanup[101]: 4jREJ0000003: milter-reject: RCPT from localhost[127.0.0.1]: 5.7.1 one recipient only; from=<a@mia.test> to=<w@rcpt.test> proto=ESMTP helo=<vm>
$ts relay postfix-pf/qmgr[103]: 4jREJ0000004: from=<a@mia.test>, size=400, nrcpt=1 (queue active)
EOT
h_check "both refusals applied" h_wait_for 10 bash -c \
    "[[ \$(redis-cli -s '$REDIS_SOCK' ZCARD 'relay:{m:mia}:inflight') == 2 ]]"
h_is "the refused ones left inflight; a recipient refusal and a queued message did not" \
    "$(h_redis_cli ZRANGE 'relay:{m:mia}:inflight' 0 -1 | tr '\n' ' ')" "4jREJ0000003 4jREJ0000004 "
h_check "milter-reject: the record is final" test -n "$(h_redis_cli HGET 'relay:{m:mia}:msg:4jREJ0000001' final)"
h_check "... and marked rejected" test -n "$(h_redis_cli HGET 'relay:{m:mia}:msg:4jREJ0000001' rejected)"
h_check "smtpd reject: marked rejected" test -n "$(h_redis_cli HGET 'relay:{m:mia}:msg:4jREJ0000002' rejected)"
h_is "RCPT-stage refusal: not final" "$(h_redis_cli HGET 'relay:{m:mia}:msg:4jREJ0000003' final)" ""
h_is "nothing counted as an outcome" "$(h_redis_cli HLEN 'relay:{m:mia}:outcomes')" 0
h_like "the tracker logged the event" "$(grep 4jREJ0000001 "$TLOG")" 'event=rejected member=mia'
h_is "the refused message's two charges given back; the queued one's stand" \
    "$(h_redis_cli ZRANGE 'relay:{d:mia.test}:warm' 0 -1 | tr '\n' ' ')" "c4 "
h_like "... logged" "$(grep 4jREJ0000001 "$TLOG")" 'event=refund member=mia refunded=2'
h_is "... and taken out of the record" \
    "$(h_redis_cli HEXISTS 'relay:{m:mia}:msg:4jREJ0000001' charges)" 0
h_is "a value that is no warm set: nothing taken out of it" \
    "$(h_redis_cli ZCARD 'relay:{m:mia}:recent')" 4
h_like "... nor counted" "$(grep 4jREJ0000002 "$TLOG")" 'event=refund member=mia refunded=0'

# A refusal read before its record: relay-milter killed -9 just after it
# sent its writes, which Redis ran after relay-tracker had looked the
# queue id up (no record then). Such a refusal is looked up once more a
# few seconds later; one of no message of ours (another milter's) then
# counts as no record, once.
caught_up() {
	[[ $(h_redis_cli HGET 'relay:{n:t}:tracker_pos' offset) == "$(stat -c %s "$LOG")" ]]
}
refuse() {
	echo "$(date '+%b %e %H:%M:%S') relay postfix-pf/cleanup[101]: $1: milter-reject: END-OF-MESSAGE from localhost[127.0.0.1]: 4.7.1 Service unavailable - try again later; from=<a@mia.test> to=<$2> proto=ESMTP helo=<vm>" >>"$LOG"
}
h_check "the tracker caught up" h_wait_for 10 caught_up
refuse 4jREJ0000005 u@rcpt.test
refuse 4jREJ0000006 t@rcpt.test
h_check "it read the refusals of no record yet" h_wait_for 10 caught_up
fx_message mia 4jREJ0000005 a@mia.test u@rcpt.test '<late5@mia.test>'
h_check "the record written after its refusal was read is marked rejected" \
    h_wait_for 30 bash -c "[[ -n \$(redis-cli -s '$REDIS_SOCK' HGET 'relay:{m:mia}:msg:4jREJ0000005' rejected) ]]"
h_is "... and left inflight" \
    "$(h_redis_cli ZRANGE 'relay:{m:mia}:inflight' 0 -1 | tr '\n' ' ')" "4jREJ0000003 4jREJ0000004 "
h_is "no record for the refusal of another's message" \
    "$(h_redis_cli EXISTS 'relay:{q:4jREJ0000006}:qid')" 0

out=$("$CTL" -c "$FX_CONF" status 4jREJ0000001 2>&1)
h_like "relayctl status shows it was refused at end of data" "$out" 'rejected .*never queued'
out=$("$CTL" -c "$FX_CONF" --json status 4jREJ0000001 2>&1)
h_like "... and in JSON" "$out" '"rejected": [1-9][0-9]+'
out=$("$CTL" -c "$FX_CONF" --json status 4jREJ0000001 2>/dev/null)
h_is "... its recipients rejected, not queued" \
    "$(fx_jget '[r["status"] for r in d["recipients"]]' <<<"$out")" '["rejected", "rejected"]'

# Stopped before such a refusal is due: it is looked up at the stop.
refuse 4jREJ0000007 s@rcpt.test
h_check "the tracker read a refusal of no record yet" h_wait_for 10 caught_up
fx_message mia 4jREJ0000007 a@mia.test s@rcpt.test '<late7@mia.test>'
h_stop_daemon tracker
h_check "stopped: the record written after its refusal is marked rejected" \
    test -n "$(h_redis_cli HGET 'relay:{m:mia}:msg:4jREJ0000007' rejected)"
h_like "the refusal of no record is counted once; the two late ones, late" \
    "$(grep 'tracker: exit' "$TLOG")" ' no_record=1 late=2 '
h_done
