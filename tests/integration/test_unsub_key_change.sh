#!/bin/bash
# test_unsub_key_change.sh - unsubscribe.hmac_key changed, the old one
# kept as unsubscribe.previous_hmac_key: the tokens in mail sent before
# the change still work, each path logging key=previous: the mailto
# unsubscribe through Postfix, the https one (-u), the List-Unsubscribe
# token of a complaint (not only the Message-ID), the return path of an
# asynchronous bounce. Mail sent after relay-milter's reload (SIGUSR1)
# carries tokens of the new key (no key=previous). With the previous key
# removed, the old tokens are refused (5.1.1, "unknown unsubscribe
# token"), the old return path's bounce is dropped, and a complaint falls
# back on the Message-ID.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init unsub_key_change
h_need_root
h_need redis-server postfix dovecot swaks
UNSUB=$H_BUILDDIR/policyd/relay-unsub
TRACKER=$H_BUILDDIR/policyd/relay-tracker
for p in "$UNSUB" "$TRACKER" "$H_BUILDDIR/milter/relay-milter"; do
	[[ -x $p ]] || h_skip_all "$p not built"
done
K1=old-hmac-key-0123456789abcdef0123456789
K2=new-hmac-key-fedcba9876543210fedcba9876

h_start_redis
h_start_sink
fx_milter_inet
unsub_conf() { # KEY [PREVIOUS]
	FX_UNSUB="domain = \"unsub.relay.test\"; hmac_key = \"$1\";
	    previous_hmac_key = \"${2:-}\"; return_path = true;
	    https_url = \"https://unsub.relay.test/u/\";
	    sendmail = \"$H_BIN/sendmail-smtp\";"
}
unsub_conf "$K1"
FX_SUSPENSION='min_volume = 1000;'
fx_conf
chmod 0644 "$FX_CONF"
fx_member alice
fx_domain alice.test alice --listunsub
fx_start_milter_inet
fx_unsub_postfix "$MPORT" "$UNSUB"
fx_passwd alice key-alice
FX_USER=alice FX_PASS=key-alice
fx_start_submission
fx_sendmail_smtp
fx_start_tracker

# send SUBJECT RCPT - alice's message through the relay; a copy of what
# the sink got
send() {
	local f
	fx_send a@alice.test "$2" --header "Subject: $1" >/dev/null 2>&1 ||
	    return 1
	f=$(h_sink_await "^Subject: $1.?\$") && [[ -n $f ]] || return 1
	cp "$f" "$H_TMP/$1.eml" && rm -f "$f" && echo "$H_TMP/$1.eml"
}
# mailtok FILE / urltok FILE / retpath FILE - the tokens of a message
mailtok() { grep -o 'mailto:unsub+[^@]*' "$1" | head -1 | sed 's/.*+//'; }
urltok() { grep -o 'https://unsub.relay.test/u/[^>]*' "$1" | head -1 |
    sed 's|.*/u/||'; }
retpath() { sed -n 's/^X-Sink-Mail-From: <\(.*\)>\r\{0,1\}$/\1/p' "$1" | head -1; }
# pty CMD - CMD under script's pty (relay-unsub's log line on stderr):
# exit code in $rc, output in $out
pty() {
	rc=0
	out=$(script -qec "$1" /dev/null </dev/null) || rc=$?
	out=${out//$'\r'/}
}
# arf FILE - a complaint about FILE whose headers it quotes
arf() {
	printf 'From: fbl@isp.example\nTo: fbl@unsub.relay.test\nSubject: complaint\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=feedback-report; boundary="B"\n\n--B\nContent-Type: text/plain\n\nA complaint.\n--B\nContent-Type: message/feedback-report\n\nFeedback-Type: abuse\nVersion: 1\n--B\nContent-Type: text/rfc822-headers\n\n'
	sed -e '/^X-Sink-/d' -e 's/\r$//' -e '/^$/q' "$1"
	printf -- '--B--\n'
}
# dsn FILE RCPT - a receiver's RFC 3464 bounce of FILE to its return path
dsn() {
	printf 'From: MAILER-DAEMON@mx.dest.example\nTo: %s\nSubject: Undelivered Mail\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary="D"\n\n--D\nContent-Type: text/plain\n\nNot delivered.\n--D\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.dest.example\n\nFinal-Recipient: rfc822; %s\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 no such user\n--D\nContent-Type: text/rfc822-headers\n\n' \
	    "$(retpath "$1")" "$2"
	sed -e '/^X-Sink-/d' -e 's/\r$//' -e '/^$/q' "$1"
	printf -- '--D--\n'
}
delivered() { # QID RCPT - relay-tracker counted RCPT of QID sent
	[[ $(fx_rfield alice "$1" "$2" status) == sent ]]
}
qid_of() { local r; r=$(retpath "$1"); r=${r#b+alice.}; echo "${r%%.*}"; }

# --- mail under the old key ----------------------------------------------
for n in 1 2 3 4 5 6 7 8; do
	f=$(send "old-$n" "r$n@dest.example")
	h_check "old-$n arrived" test -n "$f"
done
h_like "its tokens: mailto and https" "$(mailtok "$H_TMP/old-1.eml") $(urltok "$H_TMP/old-1.eml")" \
    '^alice\.[a-z2-7]{16} [A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$'
for n in 4 8; do
	h_check "old-$n: the tracker counted it sent" h_wait_for 20 delivered \
	    "$(qid_of "$H_TMP/old-$n.eml")" "r$n@dest.example"
done

# --- the key changes: K2, with K1 as the previous key ---------------------
unsub_conf "$K2" "$K1"
fx_conf "$FX_CONF"
chmod 0644 "$FX_CONF"
kill -USR1 "$(h_daemon_pid milter)"
h_check "relay-milter reloaded" h_wait_for 10 grep -q 'reload=ok' "$H_LOG/milter.log"

# mailto through Postfix
t=$(mailtok "$H_TMP/old-1.eml")
h_swaks --from r1@dest.example --to "unsub+$t@unsub.relay.test" >/dev/null 2>&1
line=$(h_wait_log "to=<unsub\\+$t@unsub\\.relay\\.test>.*status=" 20)
h_like "old mailto token: delivered to the pipe" "$line" 'relay=unsub, .*status=sent'
h_is "...r1 suppressed" "$(fx_suppress_reason alice r1@dest.example)" unsubscribe
pty "'$UNSUB' -c '$FX_CONF' -- '$(mailtok "$H_TMP/old-5.eml")' r5@dest.example"
h_is "old mailto token run directly: exit 0" "$rc" 0
h_like "...logged key=previous" "$out" \
    'event=unsubscribe via=mail result=suppressed member=alice rcpt=r5@dest\.example key=previous why='
# https (-u)
pty "'$UNSUB' -c '$FX_CONF' -u '$(urltok "$H_TMP/old-2.eml")'"
h_is "old url token: exit 0" "$rc" 0
h_like "...logged key=previous" "$out" \
    'event=unsubscribe via=url result=suppressed member=alice rcpt=r2@dest\.example key=previous'
h_is "...r2 suppressed" "$(fx_suppress_reason alice r2@dest.example)" unsubscribe
# a complaint: found by its token, not only by the Message-ID
arf "$H_TMP/old-3.eml" >"$H_TMP/arf-3.eml"
pty "'$UNSUB' -c '$FX_CONF' -r <'$H_TMP/arf-3.eml'"
h_is "complaint about old mail: exit 0" "$rc" 0
h_like "...found by its url token, key=previous" "$out" \
    'event=complaint result=suppressed via=url_token member=alice rcpt=r3@dest\.example key=previous'
h_is "...r3 suppressed" "$(fx_suppress_reason alice r3@dest.example)" complaint
# an asynchronous bounce to the old return path, through Postfix
dsn "$H_TMP/old-4.eml" r4@dest.example >"$H_TMP/dsn-4.eml"
rp=$(retpath "$H_TMP/old-4.eml")
h_swaks --from '<>' --to "$rp" --data "$H_TMP/dsn-4.eml" >/dev/null 2>&1
line=$(h_wait_log "to=<b\\+alice\\.[^>]*>.*status=" 20)
h_like "bounce to the old return path: delivered to the pipe" "$line" \
    'relay=retpath, .*status=sent'
q4=$(qid_of "$H_TMP/old-4.eml")
h_is "...counted: r4 bounced" "$(fx_rfield alice "$q4" r4@dest.example status)" bounced
h_is "...hard: suppressed" "$(fx_suppress_reason alice r4@dest.example)" hard_bounce

# new mail carries tokens of the new key
f=$(send new-1 n1@dest.example)
h_check "new-1 arrived" test -n "$f"
pty "'$UNSUB' -c '$FX_CONF' -u '$(urltok "$f")'"
h_is "new url token: exit 0" "$rc" 0
h_unlike "...made with the new key (no key=previous)" "$out" 'key='
h_like "...suppressed" "$out" 'result=suppressed member=alice rcpt=n1@dest\.example'
printf 'unsubscribe = { hmac_key = "%s"; };\n' "$K1" >"$H_TMP/k1only.conf"
pty "'$UNSUB' -c '$H_TMP/k1only.conf' -- '$(mailtok "$f")' n1@dest.example"
h_is "...and not with the old one" "$rc" 67

# --- the previous key removed ---------------------------------------------
unsub_conf "$K2"
fx_conf "$FX_CONF"
chmod 0644 "$FX_CONF"
t=$(mailtok "$H_TMP/old-6.eml")
h_swaks --from r6@dest.example --to "unsub+$t@unsub.relay.test" >/dev/null 2>&1
line=$(h_wait_log "to=<unsub\\+$t@unsub\\.relay\\.test>.*status=" 20)
h_like "without it: the old mailto token bounces 5.1.1" "$line" \
    'dsn=5\.1\.1, status=bounced .*unknown unsubscribe token'
h_is "...r6 not suppressed" "$(fx_suppress_reason alice r6@dest.example)" ""
pty "'$UNSUB' -c '$FX_CONF' -u '$(urltok "$H_TMP/old-6.eml")'"
h_is "...the old url token: exit 67" "$rc" 67
arf "$H_TMP/old-7.eml" >"$H_TMP/arf-7.eml"
pty "'$UNSUB' -c '$FX_CONF' -r <'$H_TMP/arf-7.eml'"
h_like "...a complaint falls back on the Message-ID" "$out" \
    'event=complaint result=suppressed via=message_id member=alice rcpt=r7@dest\.example'
h_unlike "...no key=" "$out" 'key='
dsn "$H_TMP/old-8.eml" r8@dest.example >"$H_TMP/dsn-8.eml"
pty "'$UNSUB' -c '$FX_CONF' -b -- '$(retpath "$H_TMP/old-8.eml" | sed 's/^b+//; s/@.*//')' <'$H_TMP/dsn-8.eml'"
h_is "...the old return path's bounce: exit 0" "$rc" 0
h_like "...dropped" "$out" 'event=bounce result=dropped dsn=no .*why="the return path.s token does not verify"'
h_is "...not counted" "$(fx_rfield alice "$(qid_of "$H_TMP/old-8.eml")" r8@dest.example status)" sent
h_done
