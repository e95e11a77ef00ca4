#!/bin/bash
# test_tracker_hops.sh - relay-tracker's content filter hops in the orders
# and conditions a real Postfix makes only now and then, over a maillog
# written by hand and read by one-shot runs (each run is also a restart):
# a hop's lines logged before the hand-off line, a restart between the
# hop's client= line and the hand-off, a remote server's "queued as" that
# names a queue id received here, and a hand-off line whose recipient is
# not the message's next to another member's record (re-audit 7 F1-F4).
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init tracker_hops
h_need redis-server
TRACKER=$H_BUILDDIR/policyd/relay-tracker
[[ -x $TRACKER ]] || h_bail "build policyd/relay-tracker first"

h_start_redis
LOG=$H_TMP/maillog
STATE=$H_TMP/tracker.state
: >"$LOG"
FX_TRACKER="maillog = \"$LOG\"; poll_ms = 50; state_file = \"$STATE\";"
FX_SUSPENSION='min_volume = 1000;'
fx_conf
fx_member alice
fx_member bob

pid=1000
ts() { date '+%b %e %H:%M:%S'; }
client() {
	printf '%s relay postfix/smtpd[77]: %s: client=localhost[127.0.0.1]\n' "$(ts)" "$1" >>"$LOG"
}
# handoff QID RCPT NEXT [RELAY] - a sent line to a filter naming NEXT
handoff() {
	pid=$((pid + 1))
	printf '%s relay postfix/smtp[%d]: %s: to=<%s>, relay=%s, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as %s)\n' \
	    "$(ts)" "$pid" "$1" "$2" "${4:-127.0.0.1[127.0.0.1]:10025}" "$3" >>"$LOG"
}
# dl QID RCPT DSN STATUS - a delivery to a remote MX
dl() {
	pid=$((pid + 1))
	printf '%s relay postfix/smtp[%d]: %s: to=<%s>, relay=mx[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=%s, status=%s (host mx[192.0.2.1] said: %s00 %s text (in reply to RCPT TO command))\n' \
	    "$(ts)" "$pid" "$1" "$2" "$3" "$4" "${3%%.*}" "$3" >>"$LOG"
}
removed() { printf '%s relay postfix/qmgr[9]: %s: removed\n' "$(ts)" "$1" >>"$LOG"; }
run() { "$TRACKER" -o -d -c "$FX_CONF" >>"$H_LOG/runs.log" 2>&1; }
status() {
	h_redis_cli HGET "relay:{m:$1}:msg:$2" "r:$3" | /usr/bin/python3 -c 'import json,sys
s=sys.stdin.read().strip()
print(json.loads(s).get("status","") if s else "")'
}
sup() { h_redis_cli HEXISTS "relay:{m:$1}:suppress" "$2"; }
inflight() { h_redis_cli ZSCORE "relay:{m:$1}:inflight" "$2" | grep -c .; }

# --- the hop's lines before the hand-off line (qmgr delivered B before
# A's smtp process logged): kept, and applied once the hand-off links B
fx_message alice AAAA10001 a@alice.test r1@d.example
client AAAA10001
client BBBB10001
dl BBBB10001 r1@d.example 5.1.1 bounced
removed BBBB10001
handoff AAAA10001 r1@d.example BBBB10001
removed AAAA10001
run
h_is "early hop lines: the bounce is the message's" "$(status alice AAAA10001 r1@d.example)" bounced
h_is "...suppressed" "$(sup alice r1@d.example)" 1
h_like "...the record ended" "$(h_redis_cli HGET 'relay:{m:alice}:msg:AAAA10001' ended)" '^[0-9]+$'
h_is "...out of inflight" "$(inflight alice AAAA10001)" 0

# --- a restart between B's client= line and A's hand-off line: the
# received queue ids are read back from before the saved position
fx_message alice AAAA20002 a@alice.test r2@d.example
fx_message alice OTHR20002 a@alice.test o2@d.example
client AAAA20002
client BBBB20002
dl OTHR20002 o2@d.example 2.0.0 sent
run
handoff AAAA20002 r2@d.example BBBB20002
removed AAAA20002
dl BBBB20002 r2@d.example 5.1.1 bounced
removed BBBB20002
run
h_is "restart before the hand-off: linked" "$(h_redis_cli GET 'relay:{q:BBBB20002}:qid')" "alice AAAA20002"
h_is "...the hop's bounce counted" "$(status alice AAAA20002 r2@d.example)" bounced
h_is "...suppressed" "$(sup alice r2@d.example)" 1

# --- a remote MX's "queued as" that names a queue id received here (bob's
# message): a delivery, not a hand-off; bob's record untouched
fx_message bob CCCC30003 b@bob.test victim@e.example
client CCCC30003
fx_message alice AAAA30003 a@alice.test r3@d.example
client AAAA30003
handoff AAAA30003 r3@d.example CCCC30003 'mx.remote.example[198.51.100.7]:25'
removed AAAA30003
dl CCCC30003 victim@e.example 5.1.1 bounced
removed CCCC30003
run
h_is "remote queued-as: a delivery" "$(status alice AAAA30003 r3@d.example)" sent
h_is "...bob's queue id key untouched" "$(h_redis_cli GET 'relay:{q:CCCC30003}:qid')" bob
h_is "...bob's bounce is bob's" "$(status bob CCCC30003 victim@e.example)" bounced
h_is "...suppressed for bob" "$(sup bob victim@e.example)" 1
h_is "...bob's message left inflight" "$(inflight bob CCCC30003)" 0

# --- a hand-off the script refuses (not a recipient) writes no link, and
# a link never replaces another message's record
fx_message bob DDDD40004 b@bob.test v4@e.example
client DDDD40004
fx_message alice AAAA40004 a@alice.test r4@d.example
client AAAA40004
handoff AAAA40004 stranger@d.example DDDD40004
handoff AAAA40004 r4@d.example DDDD40004
removed AAAA40004
dl DDDD40004 v4@e.example 5.1.1 bounced
removed DDDD40004
run
h_is "a link never replaces a record: bob's key" "$(h_redis_cli GET 'relay:{q:DDDD40004}:qid')" bob
h_is "...bob's bounce is bob's" "$(status bob DDDD40004 v4@e.example)" bounced
h_like "...the refused link is logged" "$(cat "$H_LOG/runs.log")" 'AAAA40004 event=ignored kind=handoff .*next=DDDD40004 .*names another message'

# --- the hop's delivery before the hand-off, its removed after it, all in
# one batch: its lines apply in log order (re-audit 8 F2)
fx_message alice AAAA50005 a@alice.test r5@d.example
client AAAA50005
client BBBB50005
dl BBBB50005 r5@d.example 5.1.1 bounced
handoff AAAA50005 r5@d.example BBBB50005
removed BBBB50005
removed AAAA50005
run
h_is "early delivery, removed after the hand-off: bounced" "$(status alice AAAA50005 r5@d.example)" bounced
h_is "...suppressed" "$(sup alice r5@d.example)" 1
h_like "...the record ended" "$(h_redis_cli HGET 'relay:{m:alice}:msg:AAAA50005' ended)" '^[0-9]+$'

# --- a restart between the hop's early lines and the hand-off: read back
# (re-audit 8 F4)
fx_message alice AAAA60006 a@alice.test r6@d.example
client AAAA60006
client BBBB60006
dl BBBB60006 r6@d.example 5.1.1 bounced
removed BBBB60006
run
handoff AAAA60006 r6@d.example BBBB60006
removed AAAA60006
run
h_is "restart after the hop's early lines: bounced" "$(status alice AAAA60006 r6@d.example)" bounced
h_is "...suppressed" "$(sup alice r6@d.example)" 1
h_is "...out of inflight" "$(inflight alice AAAA60006)" 0

sent_before=$(fx_outcomes alice s)
# --- filters in series, the second hand-off (B -> C) logged before the
# first (A -> B): followed hop by hop (re-audit 8 F3)
fx_message alice AAAA70007 a@alice.test r7@d.example
client AAAA70007
client BBBB70007
client CCCC70007
handoff BBBB70007 r7@d.example CCCC70007 '127.0.0.1[127.0.0.1]:10027'
handoff AAAA70007 r7@d.example BBBB70007
run
removed BBBB70007
dl CCCC70007 r7@d.example 5.1.1 bounced
removed CCCC70007
removed AAAA70007
run
h_is "filters in series, out of order: C linked" "$(h_redis_cli GET 'relay:{q:CCCC70007}:qid')" "alice AAAA70007"
h_is "...the last hop's bounce" "$(status alice AAAA70007 r7@d.example)" bounced
h_is "...suppressed" "$(sup alice r7@d.example)" 1
h_like "...the record ended" "$(h_redis_cli HGET 'relay:{m:alice}:msg:AAAA70007' ended)" '^[0-9]+$'
h_is "...no outcome but the last hop's: 0 sent in the window" \
    "$(fx_outcomes alice s)" "$sent_before"

# --- the whole log again: nothing changes
snap() { for k in $(h_redis_cli --scan --pattern 'relay:{m:*' | sort); do
	case $(h_redis_cli TYPE "$k") in
	hash) echo "$k"; h_redis_cli HGETALL "$k" | paste - - | sort ;;
	zset) echo "$k $(h_redis_cli ZCARD "$k")" ;;
	esac; done; }
before=$(snap)
rm -f "$STATE"
run
h_is "re-reading the log changes nothing" "$(snap)" "$before"
h_done
