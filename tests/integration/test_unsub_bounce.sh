#!/bin/bash
# test_unsub_bounce.sh - the return path (unsubscribe.return_path):
# relay-milter sets each message's envelope sender to b+TOKEN@ the
# unsubscribe domain (the DKIM signature still verifies), and what comes
# back there goes through Postfix to relay-unsub -b. An asynchronous
# bounce (a receiver accepted the message, relay-tracker counted it
# delivered, then the receiver bounced it by mail: an RFC 3464 DSN) turns
# the delivery into a bounce in the member's window, suppresses a hard
# bounce, and is forwarded to the member's own envelope sender with the
# null sender; the same bounce again counts nothing. The relay's own
# Postfix's bounce is forwarded and never counted twice (relay-tracker
# counted it from the log). An auto-reply is forwarded; a forged token is
# dropped; a remote bounce that comes before relay-tracker recorded the
# delivery is deferred (75), and counted once it is; a message whose
# member is gone is dropped; Redis down and a failing sendmail defer.
# The forward goes through Postfix's own sendmail with the null sender.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init unsub_bounce
h_need_root
h_need redis-server postfix dovecot swaks
UNSUB=$H_BUILDDIR/policyd/relay-unsub
TRACKER=$H_BUILDDIR/policyd/relay-tracker
CTL=$H_BUILDDIR/contrib/relayctl/relayctl
for p in "$UNSUB" "$TRACKER" "$H_BUILDDIR/milter/relay-milter"; do
	[[ -x $p ]] || h_skip_all "$p not built"
done
KEY=test-hmac-key-0123456789abcdef0123456789

h_start_redis
h_start_sink
fx_milter_inet
# relay-unsub -b forwards with fx_sendmail_smtp's sendmail (written once
# Postfix's port is known).
FX_UNSUB="domain = \"unsub.relay.test\"; hmac_key = \"$KEY\"; return_path = true; sendmail = \"$H_BIN/sendmail-smtp\";"
FX_SUSPENSION='min_volume = 1000;'
fx_conf
chmod 0644 "$FX_CONF"
fx_member alice
# created three days ago: the test dates a message two days back
h_redis_cli HSET 'relay:{m:alice}:member' created $(($(fx__now) - 3 * 86400)) >/dev/null
fx_domain alice.test alice
fx_start_milter_inet
fx_unsub_postfix "$MPORT" "$UNSUB"
fx_passwd alice key-alice
FX_USER=alice FX_PASS=key-alice
fx_start_submission
fx_sendmail_smtp
fx_start_tracker

# send SUBJECT RCPT - alice's message through the relay; the sink's file
send() {
	local o
	o=$(fx_send a@alice.test "$2" --header "Subject: $1" 2>&1) || {
		printf '%s\n' "$o" | grep -E '^ *(<~|<\*\*) ' >&2
		return 1
	}
	h_sink_await "^Subject: $1.?\$"
}
# mail_from FILE - the envelope sender the sink got
mail_from() { sed -n 's/^X-Sink-Mail-From: <\(.*\)>\r\{0,1\}$/\1/p' "$1" | head -1; }
# dsn FILE RETPATH RCPT STATUS [X-POSTFIX-QUEUE-ID] - a receiver's
# RFC 3464 bounce of the message in FILE, to RETPATH
dsn() {
	/usr/bin/python3 - "$@" <<'PYEOF'
import sys
f, rp, rcpt, status = sys.argv[1:5]
pq = sys.argv[5] if len(sys.argv) > 5 else ""
orig = open(f, "rb").read().decode("utf-8", "replace").replace("\r\n", "\n")
head = "\n".join(l for l in orig.partition("\n\n")[0].split("\n")
                 if not l.startswith("X-Sink-"))
b = "9C1E2F3A.1795000000/mx.dest.example"
print("From: MAILER-DAEMON@mx.dest.example (Mail Delivery System)\n"
      "To: %s\nSubject: Undelivered Mail Returned to Sender\n"
      "Auto-Submitted: auto-replied\nMIME-Version: 1.0\n"
      'Content-Type: multipart/report; report-type=delivery-status;\n'
      '\tboundary="%s"\n' % (rp, b))
print("--%s\nContent-Type: text/plain\n\nI'm sorry to have to inform "
      "you that your message could not\nbe delivered.\n" % b)
pf = "X-Postfix-Queue-ID: %s\n" % pq if pq else ""
print("--%s\nContent-Type: message/delivery-status\n\n"
      "Reporting-MTA: dns; mx.dest.example\n%s"
      "Arrival-Date: Sun,  6 Dec 2026 17:00:00 +0000 (UTC)\n\n"
      "Final-Recipient: rfc822; %s\nOriginal-Recipient: rfc822;%s\n"
      "Action: failed\nStatus: %s\nRemote-MTA: dns; store.dest.example\n"
      "Diagnostic-Code: smtp; 550 %s <%s>: Recipient address rejected:\n"
      "    mailbox no longer exists\n" % (b, pf, rcpt, rcpt, status, status,
                                         rcpt))
print("--%s\nContent-Type: text/rfc822-headers\n\n%s\n" % (b, head))
print("--%s--" % b)
PYEOF
}
# bounce FILE RETPATH - FILE to RETPATH through Postfix's port 25, with
# the null sender; Postfix's delivery line of it
bounce() {
	h_swaks --from '<>' --to "$2" --data "$1" >/dev/null 2>&1 || return 1
}
# token HANDLE QID - the bounce token, as token.h makes it
token() {
	/usr/bin/python3 - "$KEY" "$1" "$2" <<'PYEOF'
import base64, hashlib, hmac, sys
key, h, q = sys.argv[1:4]
m = hmac.new(key.encode(), b"bounce\0" + h.encode() + b"\0" + q.encode(),
             hashlib.sha256).digest()[:8]
print("%s.%s.%s" % (h, q, base64.b32encode(m).decode().lower()[:12]))
PYEOF
}
caught_up() { fx_caught_up; }

# --- the return path ------------------------------------------------------
f1=$(send rp-1 gone@dest.example)
h_check "rp-1 arrived" test -n "$f1"
cp "$f1" "$H_TMP/rp-1.eml"
f1=$H_TMP/rp-1.eml
rp=$(mail_from "$f1")
h_like "envelope sender: b+HANDLE.QID.MAC@unsub.relay.test" "$rp" \
    '^b\+alice\.[0-9A-Za-z]+\.[a-z2-7]{12}@unsub\.relay\.test$'
q1=${rp#b+alice.}
q1=${q1%%.*}
h_is "...its queue id is the message's" \
    "$(h_redis_cli HGET "relay:{m:alice}:msg:$q1" sender)" a@alice.test
lp=${rp%@*}
h_is "...the local part fits 64 octets (${#lp})" "$(( ${#lp} <= 64 ))" 1
h_like "...the milter logs it" "$(cat "$H_LOG/milter.log")" \
    "qid=$q1 .*return_path=\"?<b\\+alice\\.$q1\\."
h_check "the DKIM signature still verifies" fx_dkim_verify "$f1"
h_is "the From: is the member's" "$(grep -m1 '^From:' "$f1" | tr -d '\r')" \
    "From: a@alice.test"
h_check "tracker: delivered" h_wait_for 20 bash -c \
    "[ \"\$(redis-cli -s '$REDIS_SOCK' HGET 'relay:{m:alice}:msg:$q1' r:gone@dest.example | grep -c '\"sent\"')\" = 1 ]"
h_is "window: 1 sent" "$(fx_outcomes alice s)" 1
h_is "window: 0 bounced" "$(fx_outcomes alice b)" 0

# --- an asynchronous bounce of it -----------------------------------------
dsn "$f1" "$rp" gone@dest.example 5.1.1 4XREMOTE123 >"$H_TMP/d1.eml"
h_check "the bounce is taken on port 25" bounce "$H_TMP/d1.eml" "$rp"
line=$(h_wait_log "to=<b\\+alice\\.$q1\\.[a-z2-7]+@unsub\\.relay\\.test>.*status=" 20)
h_like "delivered through the retpath transport" "$line" \
    'relay=retpath, .*dsn=2\.0\.0, status=sent'
h_is "the recipient: bounced" "$(fx_rfield alice "$q1" gone@dest.example status)" bounced
h_is "...async" "$(fx_rfield alice "$q1" gone@dest.example async)" 1
h_is "...the bounce's status" "$(fx_rfield alice "$q1" gone@dest.example dsn)" 5.1.1
h_like "...and text" "$(fx_rfield alice "$q1" gone@dest.example reply)" \
    '^550 5\.1\.1 <gone@dest\.example>: Recipient address rejected: mailbox no longer exists$'
h_is "window: the delivery is gone" "$(fx_outcomes alice s)" 0
h_is "window: a bounce instead" "$(fx_outcomes alice b)" 1
h_is "...the window keeps no TTL (relay-tracker's key)" \
    "$(h_redis_cli TTL 'relay:{m:alice}:outcomes')" -1
h_is "suppressed: hard_bounce" "$(fx_suppress_reason alice gone@dest.example)" hard_bounce
h_like "relayctl status: bounced by mail after delivery" \
    "$("$CTL" -c "$FX_CONF" status "$q1")" \
    'gone@dest\.example +bounced +by mail after delivery at [0-9-]+ [0-9:]+Z 5\.1\.1 \(hard\) relay=[^ ]+ 550 5\.1\.1 '
h_is "...as JSON: async, sent_at before at" "$("$CTL" -c "$FX_CONF" --json \
    status "$q1" | fx_jget "[r['async'] == 1 and 0 < r['sent_at'] <= r['at']
    for r in d['recipients'] if r['address'] == 'gone@dest.example']")" \
    '[true]'
h_like "relayctl member show agrees" "$("$CTL" -c "$FX_CONF" member show alice)" \
    'bounces: +100\.0% \(1/1\) over 24h; not judged under 1000'
fwd=$(h_sink_await "^X-Sink-Rcpt-To: <a@alice\\.test>" 20)
h_check "forwarded to the member's envelope sender" test -n "$fwd"
h_is "...with the null sender" "$(mail_from "$fwd")" ""
h_like "...the bounce itself" "$(cat "$fwd")" 'Final-Recipient: rfc822; gone@dest\.example'
out=$(fx_send a@alice.test gone@dest.example 2>&1)
h_like "alice's next message to it: 550 5.7.1" "$out" '550 5\.7\.1 '

# the same bounce again: forwarded, counted once
rm -f "$fwd"
bounce "$H_TMP/d1.eml" "$rp"
h_check "again: forwarded" h_sink_await "^X-Sink-Rcpt-To: <a@alice\\.test>" 20
h_is "again: still one bounce" "$(fx_outcomes alice b)" 1
rm -f "$SINK_DIR"/*.eml

# --- the relay's own bounce: Postfix's DSN of a 550 at RCPT --------------
f=$(fx_send a@alice.test bounce@dest.example --header 'Subject: rp-own' 2>&1)
h_check "the relay's own bounce is forwarded" h_sink_await "^X-Sink-Rcpt-To: <a@alice\\.test>" 30
own=$(h_sink_find "^X-Sink-Rcpt-To: <a@alice\\.test>" | head -1)
h_like "...it is Postfix's, about bounce@" "$(cat "$own")" 'X-Postfix-Queue-ID: '
h_check "tracker caught up" h_wait_for 20 caught_up
h_is "counted once, by the tracker" "$(fx_outcomes alice b)" 2
cp "$own" "$H_TMP/own.eml"
h_is "...the suppression is the tracker's" \
    "$(h_redis_cli HGET 'relay:{m:alice}:suppress' bounce@dest.example | grep -o '"by":"[a-z]*"')" '"by":"tracker"'
rm -f "$SINK_DIR"/*.eml

# --- not a bounce: an auto-reply to the envelope sender -------------------
printf 'From: jo@dest.example\nTo: %s\nSubject: Out of office\nAuto-Submitted: auto-replied\n\nBack on Monday.\n' \
    "$rp" >"$H_TMP/ooo.eml"
bounce "$H_TMP/ooo.eml" "$rp"
fwd=$(h_sink_await "^Subject: Out of office" 20)
h_check "an auto-reply is forwarded" test -n "$fwd"
h_like "...to the member" "$(cat "$fwd")" 'X-Sink-Rcpt-To: <a@alice\.test>'

# --- relay-unsub -b run directly: a sendmail that records what it gets ---
cat >"$H_BIN/sendmail" <<SH
#!/bin/sh
printf '%s\n' "\$*" >"$H_TMP/sendmail.args"
cat >"$H_TMP/sendmail.in"
exit \${FAKE_SENDMAIL_EXIT:-0}
SH
chmod 0755 "$H_BIN/sendmail"
C2=$H_TMP/direct.conf
sed 's|sendmail = "[^"]*"|sendmail = "'"$H_BIN"'/sendmail"|' "$FX_CONF" >"$C2"
# run TOKEN FILE - relay-unsub -b under script's pty (the log line on
# stderr): the exit code in $rc, what it wrote in $out
run() {
	rc=0
	out=$(script -qec "'$UNSUB' -c '$C2' -b -- '$1' <'$2'" /dev/null \
	    </dev/null) || rc=$?
	out=${out//$'\r'/}
}
t1=${rp#b+}
t1=${t1%@*}
run "$t1" "$H_TMP/ooo.eml"
h_is "direct: exit 0" "$rc" 0
h_like "...logged: forwarded, no DSN" "$out" \
    "qid=$q1 event=bounce result=forwarded member=alice to=a@alice\\.test dsn=no failed=0 counted=0 why=\"not a delivery status report\""
h_is "...sendmail's arguments" "$(cat "$H_TMP/sendmail.args")" '-i -f <> -- a@alice.test'
h_is "...the message as it came" "$(cat "$H_TMP/sendmail.in")" "$(cat "$H_TMP/ooo.eml")"
# Postfix's own sendmail (run as root here, postdrop takes MAIL_CONFIG)
sed 's|sendmail = "[^"]*"|sendmail = "/usr/sbin/sendmail"|' "$FX_CONF" \
    >"$H_TMP/real.conf"
sed 's/Out of office/Out of office 2/' "$H_TMP/ooo.eml" >"$H_TMP/ooo2.eml"
rc=0
out=$(MAIL_CONFIG=$PF_DIR script -qec "'$UNSUB' -c '$H_TMP/real.conf' -b -- '$t1' <'$H_TMP/ooo2.eml'" \
    /dev/null </dev/null) || rc=$?
h_is "Postfix's sendmail: exit 0" "$rc" 0
fwd=$(h_sink_await "^Subject: Out of office 2" 20)
h_check "...forwarded through it" test -n "$fwd"
h_is "...with the null sender" "$(mail_from "$fwd")" ""
h_like "...to the member" "$(cat "$fwd")" 'X-Sink-Rcpt-To: <a@alice\.test>'
FAKE_SENDMAIL_EXIT=1
export FAKE_SENDMAIL_EXIT
run "$t1" "$H_TMP/ooo.eml"
h_is "sendmail fails: 75" "$rc" 75
h_like "...logged" "$out" 'event=bounce result=deferred .*why=".*sendmail exited 1"'
unset FAKE_SENDMAIL_EXIT

# the async bounce again, and the relay's own: logged, counted nothing
run "$t1" "$H_TMP/d1.eml"
h_like "the bounce again: the recipient's line" "$out" \
    "qid=$q1 event=bounce result=ignored member=alice rcpt=gone@dest\\.example dsn=5\\.1\\.1 class=hard reply=\"550 5\\.1\\.1 <gone@dest\\.example>: Recipient address rejected: mailbox no longer exists\" why=\"counted already"
h_like "...and the message's" "$out" \
    "qid=$q1 event=bounce result=forwarded member=alice to=a@alice\\.test dsn=yes reporting_mta=mx\\.dest\\.example failed=1 counted=0 why=\"a delivery status notification\""
qo=$(sed -n 's/^X-Postfix-Queue-ID: \([0-9A-Za-z]*\).*/\1/p' "$H_TMP/own.eml" | head -1)
run "$(token alice "$qo")" "$H_TMP/own.eml"
h_like "the relay's own bounce: ignored, its X-Postfix-Queue-ID is the message's" \
    "$out" "qid=$qo event=bounce result=ignored member=alice rcpt=bounce@dest\\.example .*why=\"counted already"
h_is "...counted once" "$(fx_outcomes alice b)" 2

# a forged token: dropped (exit 0), nothing forwarded
: >"$H_TMP/sendmail.args"
run "alice.$q1.aaaaaaaaaaaa" "$H_TMP/d1.eml"
h_is "a forged token: exit 0" "$rc" 0
h_like "...dropped, and why" "$out" "event=bounce result=dropped dsn=no failed=0 counted=0 why=\"the return path's token does not verify\""
h_is "...nothing forwarded" "$(cat "$H_TMP/sendmail.args")" ""

# before relay-tracker recorded the delivery: deferred, then counted
fx_message alice 4EARLY0001 a@alice.test early@dest.example
te=$(token alice 4EARLY0001)
dsn "$f1" "b+$te@unsub.relay.test" early@dest.example 5.1.1 >"$H_TMP/d2.eml"
run "$te" "$H_TMP/d2.eml"
h_is "a bounce before the delivery is recorded: 75" "$rc" 75
h_like "...deferred, and why" "$out" 'event=bounce result=deferred member=alice rcpt=early@dest\.example .*why="its delivery is not recorded yet'
h_is "...nothing forwarded" "$(cat "$H_TMP/sendmail.args")" ""
h_redis_cli HSET 'relay:{m:alice}:msg:4EARLY0001' r:early@dest.example \
    "{\"status\":\"sent\",\"at\":$(fx__now)}" >/dev/null
h_redis_cli HINCRBY 'relay:{m:alice}:outcomes' "s:$(($(fx__now) / 3600 * 3600))" 1 >/dev/null
b0=$(fx_outcomes alice b) s0=$(fx_outcomes alice s)
run "$te" "$H_TMP/d2.eml"
h_is "...once it is: exit 0" "$rc" 0
h_like "...counted: the recipient's line" "$out" \
    "qid=4EARLY0001 event=bounce result=counted member=alice rcpt=early@dest\\.example dsn=5\\.1\\.1 class=hard reply=\"550 [^\"]*\" suppressed=hard_bounce sent=$((s0 - 1)) bounced=$((b0 + 1)) why=\"delivered, then bounced\""
h_like "...and the message's" "$out" \
    'qid=4EARLY0001 event=bounce result=forwarded member=alice to=a@alice\.test dsn=yes reporting_mta=mx\.dest\.example failed=1 counted=1 '
h_is "...moved from sent" "$(fx_outcomes alice s)" "$((s0 - 1))"
h_is "...to bounced" "$(fx_outcomes alice b)" "$((b0 + 1))"
h_is "...forwarded" "$(cat "$H_TMP/sendmail.args")" '-i -f <> -- a@alice.test'
# a day later still not final: not deferred for ever
fx_message alice 4LATE0001 a@alice.test late@dest.example
h_redis_cli HSET 'relay:{m:alice}:msg:4LATE0001' accepted $(($(fx__now) - 2 * 86400)) >/dev/null
tl=$(token alice 4LATE0001)
dsn "$f1" "b+$tl@unsub.relay.test" late@dest.example 5.1.1 >"$H_TMP/d3.eml"
run "$tl" "$H_TMP/d3.eml"
h_is "not final two days on: exit 0" "$rc" 0
h_like "...ignored, forwarded" "$out" 'event=bounce result=forwarded member=alice .*failed=1 counted=0'

# a failed recipient whose address does not parse: the message's only
# recipient (as for a forward below), not "counted already"
fx_message alice 4UNP0001 a@alice.test solo@dest.example
h_redis_cli HSET 'relay:{m:alice}:msg:4UNP0001' r:solo@dest.example \
    "{\"status\":\"sent\",\"at\":$(fx__now)}" >/dev/null
tu=$(token alice 4UNP0001)
dsn "$f1" "b+$tu@unsub.relay.test" 'not an address' 5.1.1 >"$H_TMP/d5.eml"
run "$tu" "$H_TMP/d5.eml"
h_like "a recipient that does not parse: the message's only one, counted" \
    "$out" 'qid=4UNP0001 event=bounce result=counted member=alice rcpt=solo@dest\.example dsn=5\.1\.1 class=hard '
h_is "...suppressed" "$(fx_suppress_reason alice solo@dest.example)" hard_bounce

# a recipient the message did not have, with the message's single one
# named otherwise (a forward at the receiver): the only recipient
fx_message alice 4FWD0001 a@alice.test list@dest.example
h_redis_cli HSET 'relay:{m:alice}:msg:4FWD0001' r:list@dest.example \
    "{\"status\":\"sent\",\"at\":$(fx__now)}" >/dev/null
tf=$(token alice 4FWD0001)
dsn "$f1" "b+$tf@unsub.relay.test" member7@lists.example 5.2.2 >"$H_TMP/d4.eml"
run "$tf" "$H_TMP/d4.eml"
h_like "a forwarded address: the message's only recipient, soft" "$out" \
    'event=bounce result=counted member=alice rcpt=list@dest\.example dsn=5\.2\.2 class=soft reply="[^"]*" soft=1 sent='
h_is "...a soft bounce is not suppressed" "$(fx_suppress_reason alice list@dest.example)" ""
h_is "...one soft failure of the recipient" \
    "$(h_redis_cli HGET 'relay:{m:alice}:soft' list@dest.example)" 1
h_is "...the count lives tracker.status_ttl" \
    "$(( $(h_redis_cli TTL 'relay:{m:alice}:soft') > 86400 ))" 1
# a full mailbox behind a gateway: each message is delivered (250, which
# resets the soft count) and bounced by mail later; the bounce takes the
# delivery back, so the count goes on, and the third suppresses
for i in 1 2 3; do
	fs=$(send "quota-$i" quota@dest.example)
	h_check "quota-$i arrived" test -n "$fs"
	qs=$(mail_from "$fs")
	qs=${qs#b+alice.}
	qs=${qs%%.*}
	h_check "...tracker: delivered" h_wait_for 20 bash -c \
	    "redis-cli -s '$REDIS_SOCK' HGET 'relay:{m:alice}:msg:$qs' r:quota@dest.example | grep -q '\"sent\"'"
	dsn "$fs" "b+$(token alice "$qs")@unsub.relay.test" quota@dest.example \
	    5.2.2 >"$H_TMP/d5.eml"
	run "$(token alice "$qs")" "$H_TMP/d5.eml"
	h_like "...its bounce by mail: soft=$i" "$out" \
	    "qid=$qs event=bounce result=counted member=alice rcpt=quota@dest\\.example dsn=5\\.2\\.2 class=soft reply=\"[^\"]*\" soft=$i "
done
h_like "the third: suppressed" "$out" ' soft=3 suppressed=soft_bounce_limit '
h_is "...reason soft_bounce_limit" "$(fx_suppress_reason alice quota@dest.example)" soft_bounce_limit
h_like "...an entry of relay-unsub's" \
    "$(h_redis_cli HGET 'relay:{m:alice}:suppress' quota@dest.example)" '"by":"bounce"'
h_like "...the delivery kept the count it reset" \
    "$(h_redis_cli HGET "relay:{m:alice}:msg:$qs" r:quota@dest.example)" '"soft_before":2'
run "$(token alice "$qs")" "$H_TMP/d5.eml"
h_like "the same bounce again: counted nothing" "$out" \
    "qid=$qs event=bounce result=ignored member=alice rcpt=quota@dest\\.example "
h_is "...the count stays 3" \
    "$(h_redis_cli HGET 'relay:{m:alice}:soft' quota@dest.example)" 3
out=$(fx_send a@alice.test quota@dest.example 2>&1)
h_like "alice's next message to it: 550 5.7.1" "$out" '550 5\.7\.1 '

# a qmail bounce (QSBMF, plain text): read as well, counted the same
fx_message alice 4QMAIL0001 a@alice.test old@q.example
h_redis_cli HSET 'relay:{m:alice}:msg:4QMAIL0001' r:old@q.example \
    "{\"status\":\"sent\",\"at\":$(fx__now)}" >/dev/null
tq=$(token alice 4QMAIL0001)
cat >"$H_TMP/q1.eml" <<EOF
Return-Path: <>
From: MAILER-DAEMON@mx.q.example
To: b+$tq@unsub.relay.test
Subject: failure notice

Hi. This is the qmail-send program at mx.q.example.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<old@q.example>:
Sorry, no mailbox here by that name. (#5.1.1)

--- Below this line is a copy of the message.

Return-Path: <b+$tq@unsub.relay.test>
From: a@alice.test
Subject: hello

Hello.
EOF
run "$tq" "$H_TMP/q1.eml"
h_is "a qmail bounce: exit 0" "$rc" 0
h_like "...the recipient counted, hard, suppressed" "$out" \
    'qid=4QMAIL0001 event=bounce result=counted member=alice rcpt=old@q\.example dsn=5\.1\.1 class=hard reply="Sorry, no mailbox here by that name\. \(#5\.1\.1\)" suppressed=hard_bounce '
h_like "...read as QSBMF, forwarded" "$out" \
    'qid=4QMAIL0001 event=bounce result=forwarded member=alice to=a@alice\.test dsn=qsbmf reporting_mta=mx\.q\.example failed=1 counted=1 why="a qmail bounce \(QSBMF\)"'
h_is "...the recipient: bounced" "$(fx_rfield alice 4QMAIL0001 old@q.example status)" bounced
h_is "...suppressed: hard_bounce" "$(fx_suppress_reason alice old@q.example)" hard_bounce

# the record expired: dropped (nobody to forward to)
tx=$(token alice 4NONE0001)
run "$tx" "$H_TMP/d1.eml"
h_is "no record: exit 0" "$rc" 0
h_like "...dropped, and why" "$out" "event=bounce result=dropped member=alice .*why=\"the message's record is gone"

# the member is gone (removed and added again since): dropped
created=$(h_redis_cli HGET 'relay:{m:alice}:member' created)
h_redis_cli HSET 'relay:{m:alice}:member' created $(($(fx__now) + 100)) >/dev/null
run "$t1" "$H_TMP/ooo.eml"
h_is "the member is another now: exit 0" "$rc" 0
h_like "...dropped, and why" "$out" 'event=bounce result=dropped member=alice .*why="the member that sent it no longer exists"'
h_redis_cli HSET 'relay:{m:alice}:member' created "$created" >/dev/null

# Redis down: deferred
h_stop_redis
run "$t1" "$H_TMP/d1.eml"
h_is "Redis down: 75" "$rc" 75
h_like "...deferred" "$out" 'result=deferred .*why=redis'
h_restart_redis
# (no persistence: the member is gone with the rest)
run "$t1" "$H_TMP/d1.eml"
h_is "Redis back without data: 75" "$rc" 75
h_like "...no relay-suite data" "$out" 'why="no relay-suite data in Redis'

# usage: -b takes one token
rc=0; "$UNSUB" -c "$FX_CONF" -b </dev/null >/dev/null 2>&1 || rc=$?
h_is "-b without a token: usage (64)" "$rc" 64
rc=0; "$UNSUB" -c "$FX_CONF" -b -r x </dev/null >/dev/null 2>&1 || rc=$?
h_is "-b with -r: usage (64)" "$rc" 64
h_done
