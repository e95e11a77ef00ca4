#!/bin/bash
# test_unsub_complaint.sh - relay-unsub -r, the complaint intake: a
# mailbox provider's feedback loop report (ARF, RFC 5965) about a message
# the relay signed puts its recipient onto the member's suppression list
# with reason "complaint", and the member's next message to that
# recipient is refused (550 5.7.1). The recipient is found through the
# reported message's List-Unsubscribe tokens (https, then mailto with the
# report's Original-Rcpt-To or the original's To:) or, when the provider
# redacted them, its Message-ID (relay-milter's record). Reports that name
# nobody of ours, not-spam reports and bounces are accepted and logged,
# never bounced; with Redis down the report is deferred and lands later.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init unsub_complaint
h_need_root
h_need redis-server postfix dovecot swaks
UNSUB=$H_BUILDDIR/policyd/relay-unsub
[[ -x $UNSUB ]] || h_skip_all "relay-unsub not built"
fx_need_milter

h_start_redis
h_start_sink
fx_milter_inet
FX_UNSUB='domain = "unsub.relay.test"; hmac_key = "test-hmac-key-0123456789abcdef0123456789"; https_url = "https://unsub.relay.test/u/";'
fx_conf
chmod 0644 "$FX_CONF"
fx_member alice
fx_domain alice.test alice --listunsub
fx_domain plain.test alice
fx_start_milter_inet
fx_unsub_postfix "$MPORT" "$UNSUB"
fx_passwd alice key-alice
FX_USER=alice FX_PASS=key-alice
fx_start_submission

reason() { fx_suppress_reason alice "$1"; }

# send FROM SUBJECT RCPT... - alice's message through the relay; the file
# the sink got
send() {
	local from=$1 subj=$2 to
	shift 2
	to=$(IFS=,; echo "$*")
	fx_send "$from" "$to" --header "Subject: $subj" >/dev/null 2>&1 ||
	    return 1
	h_sink_await "^Subject: $subj.?\$"
}

# report FILE [OPTION...] - an ARF report about the message in FILE, on
# stdout: --type T (Feedback-Type, default abuse), --rcpt A
# (Original-Rcpt-To), --redact (the original's To: as "redacted"),
# --lu KEEP|mailto|none (its List-Unsubscribe), --headers (as
# text/rfc822-headers), --dsn (a delivery status report instead),
# --forward (no ARF: the message attached to a multipart/mixed), --url-tamper
# (the https URI's token damaged)
report() {
	/usr/bin/python3 - "$@" <<'PYEOF'
import sys, re
args = sys.argv[1:]
f = args.pop(0)
o = {"type": "abuse", "rcpt": None, "redact": False, "lu": "keep",
     "headers": False, "dsn": False, "forward": False, "url-tamper": False}
while args:
    a = args.pop(0)[2:]
    if a in ("redact", "headers", "dsn", "forward", "url-tamper"):
        o[a] = True
    else:
        o[a] = args.pop(0)
orig = open(f, "rb").read().decode("utf-8", "replace").replace("\r\n", "\n")
head, _, body = orig.partition("\n\n")
lines = re.split(r"\n(?![ \t])", head)
out = []
for l in lines:
    name = l.split(":", 1)[0].lower()
    if name == "to" and o["redact"]:
        l = "To: redacted"
    if name == "list-unsubscribe":
        if o["lu"] == "none":
            continue
        if o["lu"] == "mailto":
            l = "List-Unsubscribe: " + re.search(r"<mailto:[^>]*>", l).group(0)
        if o["url-tamper"]:
            l = re.sub(r"(<https:[^>]*)(.)>", lambda m: m.group(1) +
                       ("A" if m.group(2) != "A" else "B") + ">", l)
    out.append(l)
head = "\n".join(out)
b = "----=_ARF_b0und4ry"
rtype = "delivery-status" if o["dsn"] else "feedback-report"
print("From: feedback@fbl.isp.example\nTo: fbl@unsub.relay.test\n"
      "Subject: complaint\nMIME-Version: 1.0")
if o["forward"]:
    print('Content-Type: multipart/mixed; boundary="%s"\n' % b)
    print("--%s\nContent-Type: text/plain\n\nSpam complaint.\n" % b)
    print("--%s\nContent-Type: message/rfc822\n\n%s\n\n%s" % (b, head, body))
    print("--%s--" % b)
    sys.exit(0)
print('Content-Type: multipart/report; report-type=%s;\n\tboundary="%s"\n'
      % (rtype, b))
print("--%s\nContent-Type: text/plain\n\nA complaint about a message.\n" % b)
if o["dsn"]:
    print("--%s\nContent-Type: message/delivery-status\n\n"
          "Reporting-MTA: dns; mx.isp.example\n\n"
          "Final-Recipient: rfc822; jane@isp.example\nAction: failed\n"
          "Status: 5.1.1\n" % b)
else:
    fields = "Feedback-Type: %s\nUser-Agent: ISP-FBL/1.0\nVersion: 1\n" % o["type"]
    if o["rcpt"]:
        fields += "Original-Rcpt-To: %s\n" % o["rcpt"]
    print("--%s\nContent-Type: message/feedback-report\n\n%s" % (b, fields))
if o["headers"]:
    print("--%s\nContent-Type: text/rfc822-headers\n\n%s\n" % (b, head))
else:
    print("--%s\nContent-Type: message/rfc822\n\n%s\n\n%s" % (b, head, body))
print("--%s--" % b)
PYEOF
}

# complain FILE - relay-unsub -r run directly on the report in FILE, under
# script's pty so that its log line comes on standard error: the exit code
# in $rc, the output line and the log line in $out
complain() {
	rc=0
	out=$(script -qec "'$UNSUB' -c '$FX_CONF' -r <'$1'" /dev/null \
	    </dev/null) || rc=$?
	out=${out//$'\r'/}
}

# --- through Postfix: fbl@unsub.relay.test, the https url token -----------
f1=$(send a@alice.test c-url jane@isp.example)
h_check "c-url arrived" test -n "$f1"
h_like "c-url carries both List-Unsubscribe URIs" "$(tr -d '\r\n\t' <"$f1" | grep -o 'List-Unsubscribe: [^:]*:[^>]*>, *<https[^>]*>')" mailto
report "$f1" --rcpt jane@isp.example >"$H_TMP/r1.eml"
out=$(h_swaks --from feedback@fbl.isp.example --to fbl@unsub.relay.test \
    --data "$H_TMP/r1.eml" 2>&1)
h_like "the report is accepted on port 25" "$out" 'queued as'
line=$(h_wait_log "to=<fbl@unsub.relay.test>.*status=" 20)
h_like "delivered through the complaint transport" "$line" 'relay=complaint, .*dsn=2\.0\.0, status=sent'
h_is "jane suppressed: complaint" "$(reason jane@isp.example)" complaint
out=$(fx_send a@alice.test jane@isp.example 2>&1)
h_like "alice's next message to jane: 550 5.7.1, and why" "$out" '550 5\.7\.1 Recipient suppressed: reported an earlier message as spam'
# the same report again: the entry is there; logged with how it was found
complain "$H_TMP/r1.eml"
h_is "a report again: exit 0" "$rc" 0
h_like "...logged with how the recipient was found" "$out" 'event=complaint result=suppressed via=url_token member=alice rcpt=jane@isp\.example feedback_type=abuse message_id=<[^ ]+> why=complaint'

# --- the mail token, with the report's Original-Rcpt-To or the To: --------
f=$(send a@alice.test c-mail bob@isp.example)
report "$f" --lu mailto --rcpt bob@isp.example >"$H_TMP/r2.eml"
complain "$H_TMP/r2.eml"
h_is "mail token + Original-Rcpt-To: exit 0" "$rc" 0
h_like "...found by the mail token" "$out" 'result=suppressed via=mail_token member=alice rcpt=bob@isp\.example'
h_is "...bob suppressed: complaint" "$(reason bob@isp.example)" complaint
f=$(send a@alice.test c-to carl@isp.example)
report "$f" --lu mailto >"$H_TMP/r3.eml"
complain "$H_TMP/r3.eml"
h_like "mail token + the original's To:" "$out" 'result=suppressed via=mail_token member=alice rcpt=carl@isp\.example'
# a damaged https token is not taken: the mail token finds the recipient
f=$(send a@alice.test c-tamper kim@isp.example)
report "$f" --url-tamper --rcpt kim@isp.example >"$H_TMP/r4.eml"
complain "$H_TMP/r4.eml"
h_like "a damaged url token: the mail token instead" "$out" 'result=suppressed via=mail_token member=alice rcpt=kim@isp\.example'

# --- redacted reports: the Message-ID and relay-milter's record ------------
f=$(send a@alice.test c-redact dora@isp.example)
report "$f" --lu mailto --redact >"$H_TMP/r5.eml"
complain "$H_TMP/r5.eml"
h_like "redacted, mail token only: by the Message-ID" "$out" 'result=suppressed via=message_id member=alice rcpt=dora@isp\.example'
h_is "...dora suppressed: complaint" "$(reason dora@isp.example)" complaint
f=$(send a@plain.test c-plain erin@isp.example)
h_is "plain.test adds no List-Unsubscribe" "$(grep -ci '^List-Unsubscribe:' "$f")" 0
report "$f" --redact >"$H_TMP/r6.eml"
complain "$H_TMP/r6.eml"
h_like "no List-Unsubscribe: by the Message-ID" "$out" 'result=suppressed via=message_id member=alice rcpt=erin@isp\.example'
f=$(send a@plain.test c-two fay@isp.example gus@isp.example)
report "$f" --redact >"$H_TMP/r7.eml"
complain "$H_TMP/r7.eml"
h_is "two recipients, redacted: exit 0 (not bounced)" "$rc" 0
h_like "...ignored, and why" "$out" 'result=ignored .*why="the recipient was redacted and the message had several"'
h_is "...fay not suppressed" "$(reason fay@isp.example)" ""
h_is "...gus not suppressed" "$(reason gus@isp.example)" ""
report "$f" --redact --rcpt GUS@isp.example >"$H_TMP/r8.eml"
complain "$H_TMP/r8.eml"
h_like "two recipients, Original-Rcpt-To names one" "$out" 'result=suppressed via=message_id member=alice rcpt=gus@isp\.example'
h_is "...only gus" "$(reason fay@isp.example)" ""
f=$(send a@plain.test c-hdrs ida@isp.example)
report "$f" --redact --headers >"$H_TMP/r9.eml"
complain "$H_TMP/r9.eml"
h_like "text/rfc822-headers" "$out" 'result=suppressed via=message_id member=alice rcpt=ida@isp\.example'
f=$(send a@alice.test c-fwd max@isp.example)
report "$f" --forward >"$H_TMP/r10.eml"
complain "$H_TMP/r10.eml"
h_like "a forward without ARF: the attached message" "$out" 'result=suppressed via=url_token member=alice rcpt=max@isp\.example'

# --- reports that ask for nothing: logged, exit 0, nothing written ---------
f=$(send a@alice.test c-notspam hal@isp.example)
report "$f" --type not-spam --rcpt hal@isp.example >"$H_TMP/r11.eml"
complain "$H_TMP/r11.eml"
h_is "not-spam: exit 0" "$rc" 0
h_like "...ignored" "$out" 'result=ignored feedback_type=not-spam .*why="a not-spam report"'
h_is "...hal not suppressed" "$(reason hal@isp.example)" ""
report "$f" --dsn >"$H_TMP/r12.eml"
complain "$H_TMP/r12.eml"
h_is "a bounce sent to the complaint address: exit 0" "$rc" 0
h_like "...ignored as a bounce" "$out" 'result=ignored .*delivery status'
printf 'From: x@y.example\nMessage-ID: <not-ours@elsewhere.example>\nTo: hal@isp.example\n\nhi\n' >"$H_TMP/foreign.eml"
report "$H_TMP/foreign.eml" --rcpt hal@isp.example >"$H_TMP/r13.eml"
complain "$H_TMP/r13.eml"
h_is "a message not ours: exit 0" "$rc" 0
h_like "...ignored" "$out" 'result=ignored .*why="the Message-ID is not one of ours'
printf 'Subject: hello\n\nnot a report\n' >"$H_TMP/r14.eml"
complain "$H_TMP/r14.eml"
h_like "not a report at all: ignored" "$out" 'result=ignored .*no original message'
h_is "...exit 0" "$rc" 0
h_is "nothing suppressed for hal" "$(reason hal@isp.example)" ""

# an entry already there keeps its reason
f=$(send a@alice.test c-kept jim@isp.example)
fx_suppress alice jim@isp.example hard_bounce
report "$f" --rcpt jim@isp.example >"$H_TMP/r15.eml"
complain "$H_TMP/r15.eml"
h_is "suppressed already: exit 0" "$rc" 0
h_is "...the reason is kept" "$(reason jim@isp.example)" hard_bounce

# a token of a member that no longer exists: ignored, nothing written
gt=$("$UNSUB" -c "$FX_CONF" -U -t ghost gone@isp.example)
printf 'From: x@y.example\nMessage-ID: <g@y.example>\nTo: gone@isp.example\nList-Unsubscribe: <https://unsub.relay.test/u/%s>\n\nhi\n' "$gt" >"$H_TMP/ghost.eml"
report "$H_TMP/ghost.eml" >"$H_TMP/r17.eml"
complain "$H_TMP/r17.eml"
h_is "a removed member's token: exit 0" "$rc" 0
h_like "...ignored" "$out" 'result=ignored member=ghost rcpt=gone@isp\.example .*why="the member no longer exists"'
h_is "...no orphan list" "$(h_redis_cli EXISTS 'relay:{m:ghost}:suppress')" 0
# a handle removed and added again after the message: another member
f=$(send a@plain.test c-again nia@isp.example)
created=$(h_redis_cli HGET 'relay:{m:alice}:member' created)
h_redis_cli HSET 'relay:{m:alice}:member' created $(($(fx__now) + 100)) >/dev/null
report "$f" --redact >"$H_TMP/r18.eml"
complain "$H_TMP/r18.eml"
h_like "a member added again since: ignored" "$out" 'result=ignored .*why="the member that sent it no longer exists"'
h_is "...nia not suppressed" "$(reason nia@isp.example)" ""
h_redis_cli HSET 'relay:{m:alice}:member' created "$created" >/dev/null

# one Message-ID used by two members: the named recipient is suppressed
# for both, and counted only for the member the line names
fx_member bob
fx_message alice QSHAREDA a@plain.test pat@isp.example '<shared@x.example>'
fx_message bob QSHAREDB b@bob.test pat@isp.example '<shared@x.example>'
# csum HANDLE - the complaints in the member's window
csum() {
	h_redis_cli HGETALL "relay:{m:$1}:complaints" |
	    awk 'NR % 2 { k = $0; next } k ~ /^c:/ { n += $0 } END { print n + 0 }'
}
ca=$(csum alice) cb=$(csum bob)
printf 'From: a@plain.test\nMessage-ID: <shared@x.example>\nTo: redacted\n\nhi\n' >"$H_TMP/shared.eml"
report "$H_TMP/shared.eml" --rcpt pat@isp.example >"$H_TMP/r19.eml"
complain "$H_TMP/r19.eml"
h_like "a Message-ID of two members: both suppress" "$out" 'result=suppressed via=message_id member=(alice|bob) rcpt=pat@isp\.example suppressed=2 '
h_is "...alice's list" "$(reason pat@isp.example)" complaint
h_is "...bob's list" "$(fx_suppress_reason bob pat@isp.example)" complaint
if [[ $out == *member=alice* ]]; then ca=$((ca + 1)); else cb=$((cb + 1)); fi
h_is "...counted once, for the member the line names: alice" "$(csum alice)" "$ca"
h_is "...bob" "$(csum bob)" "$cb"

# --- the complaint rate: new complaints against the recipients delivered
# in the window (relay-tracker's s: buckets); defaults: min_volume 100,
# warning at 0.1%, suspension at 0.5%
CTL=$H_BUILDDIR/contrib/relayctl/relayctl
# url_report ADDRESS FILE - a report about a message of alice's to ADDRESS
url_report() {
	printf 'From: a@alice.test\nMessage-ID: <%s@alice.test>\nTo: %s\nList-Unsubscribe: <https://unsub.relay.test/u/%s>\n\nhi\n' \
	    "${1%@*}" "$1" "$("$UNSUB" -c "$FX_CONF" -U -t alice "$1")" \
	    >"$H_TMP/orig-$1.eml"
	report "$H_TMP/orig-$1.eml" >"$2"
}
"$CTL" -c "$FX_CONF" member unsuspend alice >/dev/null
ws=$(h_redis_cli HGET 'relay:{m:alice}:member' window_start)
h_redis_cli HSET 'relay:{m:alice}:outcomes' since "$ws" \
    "s:$(($(fx__now) / 3600 * 3600))" 400 >/dev/null
url_report rate1@isp.example "$H_TMP/rate1.eml"
complain "$H_TMP/rate1.eml"
h_like "1 of 400: a warning (0.25% >= 0.1%)" "$out" 'result=suppressed .*complaints=1 delivered=400 warning="complaint rate 0\.25% \(1/400\) over 24h"'
h_is "...not suspended" "$(h_redis_cli HGET 'relay:{m:alice}:member' suspended)" 0
complain "$H_TMP/rate1.eml"
h_unlike "the same report again is not counted" "$out" 'complaints='
url_report rate2@isp.example "$H_TMP/rate2.eml"
complain "$H_TMP/rate2.eml"
h_like "2 of 400: suspended (0.5%)" "$out" 'complaints=2 delivered=400 suspended="auto: complaint rate 0\.50% \(2/400\) over 24h"'
h_is "...the member is suspended" "$(h_redis_cli HGET 'relay:{m:alice}:member' suspended)" 1
h_is "...by the rate" "$(h_redis_cli HGET 'relay:{m:alice}:member' suspend_reason)" "auto: complaint rate 0.50% (2/400) over 24h"
out=$(fx_send a@alice.test someone@isp.example 2>&1)
h_like "...and its next message is refused, with the reason" "$out" '521 5\.7\.1 .*complaint rate 0\.50%'
out=$("$CTL" -c "$FX_CONF" member show alice)
h_like "member show: the complaint rate" "$out" \
    'complaints: 0\.50% \(2/400\) over 24h; warns at 0\.10%, suspends at 0\.50%'
h_like "...and the bounce rate" "$out" \
    'bounces: +0\.0% \(0/400\) over 24h; warns at 5\.0%, suspends at 10\.0%'
out=$("$CTL" -c "$FX_CONF" --json member show alice)
r='d["rates"]'
h_is "...as JSON" "$(fx_jget "[$r['window'], $r['min_volume'],
    $r['complaint']['complaints'], $r['complaint']['delivered'],
    $r['complaint']['rate'], $r['complaint']['judged'],
    $r['complaint']['suspend_rate'], $r['bounce']['outcomes']]" <<<"$out")" \
    '[86400, 100, 2, 400, 0.5, true, 0.5, 400]'
want='0.50% (2/400) over 24h; warns at 0.10%, suspends at 0.50%'
want="$want|0.0% (0/400) over 24h; warns at 5.0%, suspends at 10.0%"
h_is "...with the lines shown as text" "$(fx_jget \
    "$r['complaint']['text'] + '|' + $r['bounce']['text']" <<<"$out")" \
    "$want"
# an unsuspend starts a fresh window: the old complaints and the
# deliveries before it no longer count
sleep 1
"$CTL" -c "$FX_CONF" member unsuspend alice >/dev/null
url_report rate3@isp.example "$H_TMP/rate3.eml"
complain "$H_TMP/rate3.eml"
h_like "after an unsuspend: a fresh window, not judged below min_volume" "$out" 'complaints=1 delivered=0'
h_like "...and member show says so" \
    "$("$CTL" -c "$FX_CONF" member show alice)" \
    'complaints: \(1/0\) over 24h; not judged under 100'
h_is "...not suspended" "$(h_redis_cli HGET 'relay:{m:alice}:member' suspended)" 0

# --- Redis down: deferred (4.3.0), delivered once Redis is back -----------
f=$(send a@alice.test c-down lou@isp.example)
report "$f" --rcpt lou@isp.example >"$H_TMP/r16.eml"
h_stop_redis
complain "$H_TMP/r16.eml"
h_is "Redis down: EX_TEMPFAIL" "$rc" 75
h_like "...deferred" "$out" 'result=deferred'
out=$(h_swaks --from feedback@fbl.isp.example --to fbl@unsub.relay.test \
    --data "$H_TMP/r16.eml" 2>&1)
line=$(h_wait_log "to=<fbl@unsub.relay.test>.*status=deferred" 20)
h_like "through Postfix: deferred 4.3.0" "$line" 'dsn=4\.3\.0, status=deferred'
h_restart_redis
# (no persistence: the member is written again; the url token needs only it)
fx_member alice
h_pf_flush
h_check "Redis back: delivered" h_wait_log_count "to=<fbl@unsub.relay.test>.*status=sent" 2 30
h_is "Redis back: lou suppressed" "$(reason lou@isp.example)" complaint

# usage: -r takes no operands
rc=0; "$UNSUB" -c "$FX_CONF" -r extra </dev/null >/dev/null 2>&1 || rc=$?
h_is "-r with an operand: EX_USAGE" "$rc" 64
h_done
