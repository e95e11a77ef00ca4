#!/bin/bash
# test_milter_enroll.sh - relay-milter end to end through the private
# Postfix (submission with Dovecot SASL, smtpd_milters on loopback TCP):
# envelope and header From: enrollment checks, the hostile From: forms,
# suppressed recipients, unauthenticated mail, DKIM signatures (rsa-sha256
# and ed25519-sha256) checked by dkimpy after Postfix delivered the
# message, List-Unsubscribe, the queue-id record, and a key rotation
# without a restart.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init milter_enroll
h_need_root
h_need redis-server postfix swaks dovecot openssl
fx_need_milter verify

h_start_redis
h_start_sink --crlf
fx_milter_inet
FX_UNSUB='domain = "unsub.relay.test"; hmac_key = "test-hmac-key-0123456789abcdef0123456789"; https_url = "https://relay.test/u/";'
fx_conf
fx_member alice
fx_member bob
fx_domain alice.test alice --listunsub
fx_domain plain.test alice --rsa-only
fx_domain sub.test alice --subdomains
fx_domain new.test alice --unverified
fx_domain bob.test bob
fx_domain nokey.test alice --rsa-only
fx_domain badkey.test alice --rsa-only
fx_domain edbad.test alice
fx_domain warm.test alice --verified-at "$(($(date +%s) - 3600))"
fx_suppress alice gone@rcpt.test hard_bounce

fx_start_milter_inet

FX_SUB_OPTS="$FX_SUB_OPTS
  -o milter_mail_macros={auth_authen}
  -o milter_data_macros=
  -o milter_end_of_header_macros=
  -o milter_end_of_data_macros=i"
# local_header_rewrite_clients empty: Postfix neither rewrites nor adds
# header addresses for the members' clients (the default treats loopback
# clients as local), so the milter sees the From: the client sent.
# Unauthenticated mail (the plain smtpd) passes the milter too.
PF_MAIN_EXTRA="smtpd_milters = inet:127.0.0.1:$MPORT
milter_default_action = tempfail"
fx_passwd alice key-alice
fx_passwd bob key-bob
fx_start_submission
FX_USER=alice FX_PASS=key-alice

# verify MSG - dkimpy over every DKIM-Signature, keys from the fixtures
cat >"$H_BIN/verify.py" <<'EOF'
import dkim, json, sys
keys = json.load(open(sys.argv[2]))
msg = open(sys.argv[1], 'rb').read()
# drop the sink's own trace lines
msg = b''.join(l for l in msg.splitlines(True) if not l.startswith(b'X-Sink-'))
def dnsfunc(name, timeout=5):
    return keys.get(name.decode().rstrip('.'), '').encode()
d = dkim.DKIM(msg)
n = sum(1 for l in msg.splitlines() if l.lower().startswith(b'dkim-signature:'))
for i in range(n):
    ok = d.verify(idx=i, dnsfunc=dnsfunc)
    print(i, 'pass' if ok else 'fail')
EOF
rsa_txt=$(fx_dkim_txt x rsa)
ed_txt=$(fx_dkim_txt x ed25519)
keys_json() {	# every selector the test uses, for every domain
	local d s sep='' out='{'
	for d in alice.test plain.test sub.test; do
		for s in rs1 rs2; do
			out+="$sep\"${s}r._domainkey.$d\":\"$rsa_txt\",\"${s}e._domainkey.$d\":\"$ed_txt\""
			sep=,
		done
	done
	echo "$out}"
}
keys_json >"$H_TMP/keys.json"
verify() { /usr/bin/python3 "$H_BIN/verify.py" "$1" "$H_TMP/keys.json" 2>&1; }
# the message at the sink with this Subject
sunk() { h_sink_await "^Subject: $1.?\$"; }

# --- enrolled, verified: accepted, signed twice, both verify after delivery
out=$(fx_send a@alice.test r@rcpt.test --header 'Subject: t-ok' 2>&1)
h_like "enrolled From accepted" "$out" '<-  250 2\.0\.0 Ok: queued as'
qid=$(h_queued_id "$out")
f=$(sunk t-ok)
h_check "message arrived" test -n "$f"
h_is "two DKIM signatures" "$(grep -c '^DKIM-Signature:' "$f")" 2
h_like "rsa-sha256 signature, selector rs1r" "$(tr -d '\r\n\t ' <"$f")" 'a=rsa-sha256;.*s=rs1r;'
h_like "ed25519-sha256 signature, selector rs1e" "$(tr -d '\r\n\t ' <"$f")" 'a=ed25519-sha256;.*s=rs1e;'
h_is "both signatures verify (dkimpy)" "$(verify "$f")" $'0 pass\n1 pass'
h_like "relaxed/relaxed, d=alice.test" "$(tr -d '\r\n\t ' <"$f")" 'c=relaxed/relaxed;d=alice.test;'
h_like "From oversigned" "$(tr -d '\r\n\t ' <"$f" | grep -o ';h=[^;]*' | head -1 | tr A-Z a-z)" 'from:.*from'
h_like "List-Unsubscribe added" "$(cat "$f")" 'List-Unsubscribe: <mailto:unsub\+alice\.[a-z2-7]{16}@unsub\.relay\.test>, <https://relay\.test/u/'
h_like "List-Unsubscribe-Post added" "$(cat "$f")" 'List-Unsubscribe-Post: List-Unsubscribe=One-Click'
h_like "List-Unsubscribe signed" "$(tr -d '\r\n\t ' <"$f" | grep -o ';h=[^;]*' | head -1 | tr A-Z a-z)" 'list-unsubscribe:.*list-unsubscribe-post'
# the https URI answered by relay-unsub as the web server's CGI program
# (RFC 8058 one-click POST): the recipient is refused from then on
out=$(fx_send a@alice.test oneclick@rcpt.test --header 'Subject: t-oneclick' 2>&1)
h_like "one-click: accepted" "$out" '<-  250 '
f1=$(sunk t-oneclick)
url=$(tr -d '\r' <"$f1" | sed -n 's|.*<\(https://relay\.test/u/[^>]*\)>.*|\1|p' | head -1)
h_like "one-click: the https URI" "$url" '^https://relay\.test/u/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$'
web=$(printf 'List-Unsubscribe=One-Click' | env -i GATEWAY_INTERFACE=CGI/1.1 \
    RELAY_CONF="$FX_CONF" REQUEST_METHOD=POST PATH_INFO="/u/${url##*/}" \
    CONTENT_TYPE=application/x-www-form-urlencoded CONTENT_LENGTH=26 \
    "$H_BUILDDIR/policyd/relay-unsub" 2>&1)
h_like "one-click: the POST to it unsubscribes" "$web" $'^Status: 200 OK\r\n.*oneclick@rcpt\.test is unsubscribed'
out=$(fx_send a@alice.test oneclick@rcpt.test 2>&1)
h_like "one-click: the recipient is refused from then on" "$out" '<\*\* 550 5\.7\.1 Recipient suppressed'
# a field the message lacks cannot be added after signing (oversigned):
# a recipient adding a Reply-To, To: or Cc: breaks both signatures
for hf in 'Reply-To: <phisher@evil.example>' 'Cc: <ceo@victim.example>' 'Subject: second subject'; do
	awk -v h="$hf" '!done && /^DKIM-Signature:/ { print h "\r"; done = 1 } { print }' "$f" >"$H_TMP/tampered.eml"
	h_is "${hf%%:*} added after signing: both signatures fail" "$(verify "$H_TMP/tampered.eml")" $'0 fail\n1 fail'
done

# --- the queue-id record for the tracker (SCHEMA.md step 4)
h_is "qid -> member" "$(h_redis_cli GET "relay:{q:$qid}:qid")" alice
h_is "message domain" "$(h_redis_cli HGET "relay:{m:alice}:msg:$qid" domain)" alice.test
h_is "message sender" "$(h_redis_cli HGET "relay:{m:alice}:msg:$qid" sender)" a@alice.test
h_is "message rcpts" "$(h_redis_cli HGET "relay:{m:alice}:msg:$qid" rcpts)" '["r@rcpt.test"]'
h_like "message-id kept" "$(h_redis_cli HGET "relay:{m:alice}:msg:$qid" message_id)" '^<.+>$'
h_check "in inflight" test -n "$(h_redis_cli ZSCORE 'relay:{m:alice}:inflight' "$qid")"
h_check "in recent" test -n "$(h_redis_cli ZSCORE 'relay:{m:alice}:recent' "$qid")"
ttl=$(h_redis_cli TTL "relay:{q:$qid}:qid")
h_check "qid record has the record_ttl" test "$ttl" -gt 600000
mid=$(h_redis_cli HGET "relay:{m:alice}:msg:$qid" message_id)
sha=$(printf '%s' "$mid" | sha256sum | cut -d' ' -f1)
h_is "message-id index" "$(h_redis_cli SMEMBERS "relay:{x:$sha}:msgid")" "alice $qid"

# --- rsa-only domain: one signature; subdomain of a --subdomains domain
out=$(fx_send a@plain.test r@rcpt.test --header 'Subject: t-plain' 2>&1)
h_like "rsa-only domain accepted" "$out" '<-  250 '
f=$(sunk t-plain)
h_is "rsa-only: one signature, verifies" "$(verify "$f")" '0 pass'
h_unlike "no List-Unsubscribe without opt-in" "$(cat "$f")" 'List-Unsubscribe'
out=$(fx_send n@mail.sub.test r@rcpt.test --header 'Subject: t-sub' 2>&1)
h_like "subdomain allowed by parent" "$out" '<-  250 '
f=$(sunk t-sub)
h_like "subdomain signed as the parent" "$(tr -d '\r\n\t ' <"$f")" 'd=sub.test;'
h_is "subdomain signatures verify" "$(verify "$f")" $'0 pass\n1 pass'
deep=x1.x2.x3.x4.x5.x6.x7.x8.x9.sub.test
out=$(fx_send "n@$deep" r@rcpt.test --header "From: n@$deep" --header 'Subject: t-deep' 2>&1)
h_like "9 labels below the enrolled parent: allowed" "$out" '<-  250 '
deep=$(seq -f 'y%g' 1 17 | paste -sd. -).sub.test
out=$(fx_send "n@$deep" r@rcpt.test --header "From: n@$deep" 2>&1)
h_like "more labels than are checked: refused, and said so" "$out" '<\*\* 550 5\.1\.0 .*has more labels than are checked \(at most 17\)'

# --- envelope sender refused
out=$(fx_send a@bob.test r@rcpt.test 2>&1)
h_like "envelope: other member's domain -> 550 5.1.0" "$out" '<\*\* 550 5\.1\.0 From address not allowed: domain bob\.test is not enrolled under your account'
out=$(fx_send a@nowhere.test r@rcpt.test 2>&1)
h_like "envelope: unenrolled domain -> 550 5.1.0" "$out" '<\*\* 550 5\.1\.0 From address not allowed: domain nowhere\.test'
out=$(fx_send a@new.test r@rcpt.test 2>&1)
h_like "envelope: unverified domain -> 550 5.1.0" "$out" '<\*\* 550 5\.1\.0 .*not verified'
out=$(fx_send '<>' r@rcpt.test 2>&1)
h_like "envelope: null sender -> 550 5.1.0" "$out" '<\*\* 550 5\.1\.0 .*null sender'
out=$(fx_send n@mail.plain.test r@rcpt.test 2>&1)
h_like "envelope: subdomain without opt-in -> 550 5.1.0" "$out" '<\*\* 550 5\.1\.0 .*subdomain'
# A sender Postfix passes but that is no address (a local part over 64
# octets): refused with the reason, never looked up as a prefix
long=$(printf 'a%.0s' $(seq 1 65))
out=$(fx_send "$long@alice.test" r@rcpt.test 2>&1)
h_like "envelope: local part over 64 octets -> 550 5.1.0, said why" "$out" \
    '<\*\* 550 5\.1\.0 .*address or domain is too long'

# --- header From: refused (envelope fine)
hdr() {	# hdr DESC FROM-VALUE REGEX
	local o
	o=$(fx_send a@alice.test r@rcpt.test --header "From: $2" 2>&1)
	h_like "header: $1" "$o" "$3"
}
hdr "other member's domain" 'x@bob.test' '<\*\* 550 5\.1\.0 From address not allowed: header From: domain bob\.test is not enrolled'
# logged under the queue id Postfix gave the message: the checks run at
# the first body chunk, and relay-milter asks for {i} with the DATA step's
# macros, which Postfix sends though the step is skipped (the site's
# milter_data_macros and milter_end_of_header_macros are emptied above)
q=$(h_wait_log 'milter-reject: END-OF-MESSAGE .*header From: domain bob\.test' 10 |
    sed -n 's/.* \([0-9A-Za-z]*\): milter-reject: .*/\1/p')
h_like "... logged with the message's queue id" \
    "$(grep 'addr=x@bob.test' "$H_LOG/milter.log" | tail -1)" \
    "qid=${q:-none} stage=header member=alice addr=x@bob.test action=reject "
hdr "unenrolled domain" 'Someone <x@nowhere.test>' '<\*\* 550 5\.1\.0 .*nowhere\.test'
hdr "unverified domain" 'x@new.test' '<\*\* 550 5\.1\.0 .*not verified'
hdr "quoted name hiding the address" '"a@alice.test" <x@bob.test>' '<\*\* 550 5\.1\.0 .*bob\.test'
hdr "quoted name with <>" '"Alice <a@alice.test>" <x@bob.test>' '<\*\* 550 5\.1\.0 .*bob\.test'
hdr "comment with the enrolled address" 'x@bob.test (a@alice.test)' '<\*\* 550 5\.1\.0 .*bob\.test'
hdr "two addresses" 'a@alice.test, x@bob.test' '<\*\* 550 5\.1\.0 .*more than one address'
hdr "group of two" 'G: a@alice.test, b@alice.test;' '<\*\* 550 5\.1\.0 .*more than one address'
hdr "empty group" 'undisclosed:;' '<\*\* 550 5\.1\.0 .*no address'
hdr "unterminated quote" '"Alice <a@alice.test>' '<\*\* 550 5\.1\.0 .*unterminated'
hdr "garbage" 'Alice' '<\*\* 550 5\.1\.0 .*From: header'
hdr "source route" '<@evil.test:a@alice.test>' '<\*\* 550 5\.1\.0 .*source route'
hdr "encoded word naming another address" '=?utf-8?Q?a=40alice=2Etest?= <x@bob.test>' '<\*\* 550 5\.1\.0 .*bob\.test'
# accepted forms
hdr "encoded-word display name accepted" '=?utf-8?B?QWxpY2U=?= <a@alice.test>' '<-  250 '
hdr "quoted name with specials accepted" '"Doe, John <x@bob.test>" <a@alice.test>' '<-  250 '
hdr "group of one accepted" 'Team: a@alice.test;' '<-  250 '
# folded From: (a continuation line) is parsed as one value
out=$(fx_send a@alice.test r@rcpt.test --data $'From: "Alice\r\n Example"\r\n <a@alice.test>\r\nTo: r@rcpt.test\r\nSubject: t-folded\r\n\r\nbody\r\n' 2>&1)
h_like "folded From: accepted" "$out" '<-  250 '
f=$(sunk t-folded)
h_is "folded From: signatures verify" "$(verify "$f")" $'0 pass\n1 pass'
# Lines over 998 octets (generated HTML): Postfix's smtp client breaks them
# at delivery (smtp_line_length_limit), after signing; relay-milter signs
# them as they will be sent (audit6 F1: both signatures failed)
long=$(head -c 2500 /dev/zero | tr '\0' x)
exact=$(head -c 998 /dev/zero | tr '\0' y)
lto="To: r@rcpt.test, $(for i in $(seq 60); do printf 'person%02d@rcpt.test, ' "$i"; done)z@rcpt.test"
out=$(fx_send a@alice.test r@rcpt.test --data "From: a@alice.test"$'\r\n'"$lto"$'\r\nSubject: t-long\r\n\r\n'"<p>$long</p>"$'\r\n'"$exact"$'\r\n\rtail\r\n' 2>&1)
h_like "long lines accepted" "$out" '<-  250 '
f=$(sunk t-long)
h_is "long lines: Postfix broke them at delivery (none over 998)" \
    "$(awk '{ sub(/\r$/, ""); if (length($0) > 998) n++ } END { print n + 0 }' "$f")" 0
h_like "long lines: the header over 998 too" "$(grep -c '^ ' "$f")" '^[1-9]'
h_is "long lines: both signatures verify after delivery" "$(verify "$f")" $'0 pass\n1 pass'
# A line of 1,550,336 octets (757 records of Postfix's queue file, its
# last output line full): smtp(8) sends one more line, a space, before
# the next; relay-milter signs that too (milter.record_length_limit)
{ printf 'From: a@alice.test\r\nTo: r@rcpt.test\r\nSubject: t-edge\r\n\r\n'
  head -c 1550336 /dev/zero | tr '\0' e; printf '\r\nafter\r\n'; } >"$H_TMP/edge.eml"
out=$(fx_send a@alice.test r@rcpt.test --data "$H_TMP/edge.eml" 2>&1)
h_like "a line ending on a queue file record edge: accepted" "$out" '<-  250 '
f=$(sunk t-edge)
h_like "... delivered with a line of one space after it" "$(tr -d '\r' <"$f" | grep -a -c '^ $')" '^[1-9]'
h_is "... both signatures verify after delivery" "$(verify "$f")" $'0 pass\n1 pass'
# ...whatever the blanks after the colon of a long signed field (Postfix
# hands relay-milter the value as written: SMFIP_HDR_LEADSPC), or before
# it (obsolete syntax, RFC 5322 4.5: Postfix 3.7's cleanup removes them
# before the queue file, so the milter's "To" and "To:x" as delivered
# agree; relay-milter hashes what it is handed)
for form in nospace twospaces tab spacebefore tabbefore; do
	case $form in
	nospace) sep=':' ;; twospaces) sep=':  ' ;; tab) sep=$':\t' ;;
	spacebefore) sep=' :' ;; tabbefore) sep=$'\t:' ;;
	esac
	out=$(fx_send a@alice.test r@rcpt.test --data "From: a@alice.test"$'\r\n'"To$sep${lto#To: }"$'\r\n'"Subject$sep""t-long-$form"$'\r\n\r\nbody\r\n' 2>&1)
	f=$(h_sink_await "^Subject:[[:space:]]*t-long-$form.?\$")
	h_is "long To$sep field ($form): both signatures verify" "$(verify "$f")" $'0 pass\n1 pass'
	[[ $form == *before ]] &&
	    h_like "... delivered as To: (Postfix removed the blank before the colon)" \
	    "$(grep -a '^To' "$f" | head -1)" '^To:r@rcpt\.test, person01@'
done
h_like "added fields keep their space after the colon" "$(grep -a '^List-Unsubscribe:\|^DKIM-Signature:' "$f")" '^DKIM-Signature: v=1'
out=$(fx_send a@alice.test r@rcpt.test --data $'To: r@rcpt.test\r\nSubject: none\r\n\r\nbody\r\n' 2>&1)
h_like "missing From: -> 550 5.1.0" "$out" '<\*\* 550 5\.1\.0 .*no From: header'
out=$(fx_send a@alice.test r@rcpt.test --data $'From: a@alice.test\r\nFrom: x@bob.test\r\nSubject: two\r\n\r\nbody\r\n' 2>&1)
h_like "two From: headers -> 550 5.1.0" "$out" '<\*\* 550 5\.1\.0 .*more than one From: header'
# a warming domain in From: is charged only when it is the MAIL FROM domain
out=$(fx_send a@alice.test r@rcpt.test --header 'From: a@warm.test' --header 'Subject: t-warm1' 2>&1)
h_like "From: on a warming domain, MAIL FROM on another: 550 5.1.0, says why" "$out" \
    '<\*\* 550 5\.1\.0 From address not allowed: header From: domain warm\.test is warming up \(tier 1 of [0-9]+\).*MAIL FROM on warm\.test'
out=$(fx_send a@warm.test r@rcpt.test --header 'From: a@warm.test' --header 'Subject: t-warm2' 2>&1)
h_like "...with MAIL FROM on it: accepted" "$out" '<-  250 2\.0\.0 Ok: queued'
out=$(fx_send a@warm.test r@rcpt.test --header 'From: a@alice.test' --header 'Subject: t-warm3' 2>&1)
h_like "...MAIL FROM on the warming domain, From: an older one: accepted" "$out" '<-  250 2\.0\.0 Ok: queued'
# Sender:, Resent-From:, Resent-Sender: are held to From:'s rule
orig() {	# orig DESC FIELD REGEX
	local o
	o=$(fx_send a@alice.test r@rcpt.test --header "Subject: t-orig" --add-header "$2" 2>&1)
	h_like "originator field: $1" "$o" "$3"
}
orig "Sender: another member's domain" 'Sender: <ceo@bob.test>' '<\*\* 550 5\.1\.0 From address not allowed: header Sender: domain bob\.test is not enrolled'
orig "Resent-From: another member's domain" 'Resent-From: CEO <ceo@bob.test>' '<\*\* 550 5\.1\.0 .*header Resent-From: domain bob\.test'
orig "Resent-Sender: an unverified domain of the member's" 'Resent-Sender: x@new.test' '<\*\* 550 5\.1\.0 .*header Resent-Sender: .*new\.test'
orig "Sender: that does not parse" 'Sender: <unterminated@alice.test' '<\*\* 550 5\.1\.0 .*header Sender: '
orig "Sender: another verified domain of the member's" 'Sender: <list@plain.test>' '<-  250 2\.0\.0 Ok: queued'
orig "Sender: the From: domain" 'Sender: <ops@alice.test>' '<-  250 2\.0\.0 Ok: queued'

# --- suppression: the suppressed recipient refused, the other delivered
out=$(fx_send a@alice.test gone@rcpt.test,Kept@rcpt.test --header 'Subject: t-supp' 2>&1)
h_like "suppressed recipient -> 550 5.7.1" "$out" '<\*\* 550 5\.7\.1 Recipient suppressed'
h_like "... the reply says why (a hard bounce)" "$out" \
    '<\*\* 550 5\.7\.1 Recipient suppressed: an earlier message bounced \(the address does not exist\); remove them from your list'
fx_suppress alice left@rcpt.test unsubscribe
fx_suppress alice listed@rcpt.test import
out=$(fx_send a@alice.test left@rcpt.test,listed@rcpt.test,Kept@rcpt.test --header 'Subject: t-supp2' 2>&1)
h_like "... an unsubscribe" "$out" \
    '<\*\* 550 5\.7\.1 Recipient suppressed: unsubscribed \(List-Unsubscribe\); remove them from your list'
h_like "... an imported entry" "$out" '<\*\* 550 5\.7\.1 Recipient suppressed: on your suppression list'
h_like "the other recipient goes on" "$out" '<-  250 2\.0\.0 Ok: queued'
f=$(sunk t-supp)
h_like "delivered to the other recipient" "$(grep '^X-Sink-Rcpt-To' "$f")" 'Kept@rcpt\.test'
h_unlike "not to the suppressed one" "$(grep '^X-Sink-Rcpt-To' "$f")" 'gone@'
out=$(fx_send a@alice.test GONE@RCPT.TEST 2>&1)
h_like "suppression compares normalised addresses" "$out" '<\*\* 550 5\.7\.1'
# other spellings of the same path that Postfix accepts and delivers to
# gone@rcpt.test: a source route, white space inside the brackets
rcpt_codes() {	# rcpt_codes PATH... - the reply code of each RCPT TO:PATH
	/usr/bin/python3 - "$SUB_PORT" "$@" <<'PY'
import base64, smtplib, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=20)
s.ehlo("t.test")
s.docmd("AUTH", "PLAIN " + base64.b64encode(b"\0alice\0key-alice").decode())
s.docmd("MAIL", "FROM:<a@alice.test>")
print(" ".join(str(s.docmd("RCPT", "TO:" + p)[0]) for p in sys.argv[2:]))
s.quit()
PY
}
h_is "source route, spaces in brackets: 550 too" \
    "$(rcpt_codes '<@a.example:gone@rcpt.test>' '<@a.example,@b.example:GONE@rcpt.test>' '< gone@rcpt.test >' '<kept@rcpt.test>')" \
    "550 550 550 250"
# forms Postfix itself rewrites to gone@rcpt.test before it queues them,
# at its own address: the percent hack, a bang path, a quoted "a@b"
h_is "percent hack, bang path, quoted @ at the relay's address: 550 too" \
    "$(rcpt_codes '<gone%rcpt.test@[127.0.0.1]>' '<rcpt.test!gone@[127.0.0.1]>' '<"gone@rcpt.test"@[127.0.0.1]>' '<kept%rcpt.test@[127.0.0.1]>')" \
    "550 550 550 250"
out=$(fx_send a@alice.test 'kept2%rcpt.test@[127.0.0.1]' --header 'Subject: t-pct' 2>&1)
h_like "the resolved recipient is recorded (the tracker's to=)" \
    "$(h_redis_cli --raw HGET "relay:{m:alice}:msg:$(grep -o 'queued as [0-9A-Za-z]*' <<<"$out" | cut -d' ' -f3)" rcpts)" 'kept2@rcpt\.test'

# --- two recipients: no List-Unsubscribe (a token binds one recipient)
out=$(fx_send a@alice.test r1@rcpt.test,r2@rcpt.test --header 'Subject: t-two' 2>&1)
f=$(sunk t-two)
h_unlike "two recipients: no List-Unsubscribe" "$(cat "$f")" 'List-Unsubscribe'
h_is "two recipients: signatures verify" "$(verify "$f")" $'0 pass\n1 pass'
# a recipient longer than a token binds (320 octets): sent, without the header
long=$(printf 'x%.0s' {1..330})@rcpt.test
out=$(fx_send a@alice.test "$long" --header 'Subject: t-longrcpt' 2>&1)
h_like "recipient over 320 octets: accepted (not 451 for ever)" "$out" '<-  250 2\.0\.0 Ok: queued'
f=$(sunk t-longrcpt)
h_unlike "...without List-Unsubscribe" "$(cat "$f")" 'List-Unsubscribe'
h_is "...signatures verify" "$(verify "$f")" $'0 pass\n1 pass'
# the message's own List-Unsubscribe is kept, none added
out=$(fx_send a@alice.test r@rcpt.test --header 'Subject: t-own' --add-header 'List-Unsubscribe: <mailto:own@alice.test>' 2>&1)
f=$(sunk t-own)
h_is "own List-Unsubscribe kept alone" "$(grep -c '^List-Unsubscribe' "$f")" 1

# --- unauthenticated (inbound) mail: accepted early, untouched
out=$(h_swaks --from x@outside.example --to r@rcpt.test --header 'Subject: t-unauth' 2>&1)
h_like "unauthenticated mail accepted" "$out" '<-  250 '
f=$(sunk t-unauth)
h_unlike "unauthenticated mail not signed" "$(cat "$f")" 'DKIM-Signature'

# --- key rotation in Redis: the new selector signs at once, no restart
pid=$(h_daemon_pid milter)
h_redis_cli -x HSET 'relay:{d:alice.test}:dkim' rs2:rsa <"$FX_KEYDIR/rsa.pem" >/dev/null
h_redis_cli -x HSET 'relay:{d:alice.test}:dkim' rs2:ed25519 <"$FX_KEYDIR/ed25519.pem" >/dev/null
h_redis_cli HSET 'relay:{d:alice.test}:domain' selector rs2 >/dev/null
out=$(fx_send a@alice.test r@rcpt.test --header 'Subject: t-rot' 2>&1)
f=$(sunk t-rot)
h_like "rotated selector used" "$(tr -d '\r\n\t ' <"$f")" 's=rs2r;.*s=rs2e;|s=rs2e;.*s=rs2r;'
h_is "rotated signatures verify" "$(verify "$f")" $'0 pass\n1 pass'
h_is "same milter process" "$(h_daemon_pid milter)" "$pid"

# --- the domain removed and enrolled again under the same selector name,
# with new keys (for another member, say): the new keys sign at once,
# where the key cache served the old ones for dkim.key_cache seconds
k2=$H_TMP/k2
install -d -m 0700 "$k2"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$k2/rsa.pem" 2>/dev/null
openssl genpkey -algorithm ED25519 -out "$k2/ed.pem" 2>/dev/null
rsa2=$(openssl pkey -in "$k2/rsa.pem" -pubout -outform DER 2>/dev/null | base64 -w0)
ed2=$(openssl pkey -in "$k2/ed.pem" -pubout -outform DER 2>/dev/null | tail -c 32 | base64 -w0)
printf '{"rs2r._domainkey.alice.test":"v=DKIM1; k=rsa; p=%s","rs2e._domainkey.alice.test":"v=DKIM1; k=ed25519; p=%s"}\n' \
    "$rsa2" "$ed2" >"$H_TMP/keys2.json"
h_redis_cli -x HSET 'relay:{d:alice.test}:dkim' rs2:rsa <"$k2/rsa.pem" >/dev/null
h_redis_cli -x HSET 'relay:{d:alice.test}:dkim' rs2:ed25519 <"$k2/ed.pem" >/dev/null
h_redis_cli HSET 'relay:{d:alice.test}:domain' created $(( $(date +%s) + 1 )) >/dev/null
out=$(fx_send a@alice.test r@rcpt.test --header 'Subject: t-reenrolled' 2>&1)
f=$(sunk t-reenrolled)
h_is "enrolled again: signed with the new keys" \
    "$(/usr/bin/python3 "$H_BIN/verify.py" "$f" "$H_TMP/keys2.json" 2>&1)" $'0 pass\n1 pass'
h_redis_cli -x HSET 'relay:{d:alice.test}:dkim' rs2:rsa <"$FX_KEYDIR/rsa.pem" >/dev/null
h_redis_cli -x HSET 'relay:{d:alice.test}:dkim' rs2:ed25519 <"$FX_KEYDIR/ed25519.pem" >/dev/null
h_redis_cli HSET 'relay:{d:alice.test}:domain' created $(( $(date +%s) + 2 )) >/dev/null

# --- a key missing in Redis: 451 4.4.2, never unsigned
h_redis_cli HDEL 'relay:{d:nokey.test}:dkim' rs1:rsa >/dev/null
out=$(fx_send a@nokey.test r@rcpt.test --header 'Subject: t-nokey' 2>&1)
h_like "missing key -> 451 4.4.2" "$out" '<\*\* 451 4\.4\.2'
h_like "log says what failed" "$(cat "$H_LOG/milter.log")" 'failed="?dkim key"? why="?DKIM rsa key missing'
h_redis_cli HSET 'relay:{d:badkey.test}:dkim' rs1:rsa 'not a key' >/dev/null
out=$(fx_send a@badkey.test r@rcpt.test --header 'Subject: t-badkey' 2>&1)
h_like "unreadable key -> 451 4.4.2" "$out" '<\*\* 451 4\.4\.2'
h_redis_cli HSET 'relay:{d:edbad.test}:dkim' rs1:ed25519 "$(cat "$FX_KEYDIR/rsa.pem")" >/dev/null
out=$(fx_send a@edbad.test r@rcpt.test --header 'Subject: t-edbad' 2>&1)
h_like "an RSA key in the Ed25519 field -> 451 4.4.2" "$out" '<\*\* 451 4\.4\.2'
h_like "... logged as such, not signed with it" "$(cat "$H_LOG/milter.log")" 'not an Ed25519 private key'
h_check "milter still runs" h_daemon_alive milter

# --- a List-Unsubscribe line over 998 octets (an https_url of 400, the
# most relay.conf allows, a recipient of 253 octets and an unsub domain of
# 199) is folded before
# the https URI: smtp(8) would break it inside the URL. Delivered folded,
# the URL whole on its line, both signatures valid.
longurl="https://relay.test/u/$(printf 'u%.0s' {1..379})"
longdom="unsub.$(printf 'l%.0s' {1..60}).$(printf 'm%.0s' {1..60}).$(printf 'n%.0s' {1..60}).relay.test"
FX_UNSUB="domain = \"$longdom\"; hmac_key = \"test-hmac-key-0123456789abcdef0123456789\"; https_url = \"$longurl\";"
fx_conf
kill -USR1 "$(h_daemon_pid milter)"
h_check "reload with a 400-octet https_url" h_wait_for 10 \
    eval '[[ $(grep -c "reload=ok" "$H_LOG/milter.log") -ge 1 ]]'
# (about the longest recipient a suppression list holds, 253 octets with
# a 64-octet local part; longer ones get no List-Unsubscribe)
long300=$(printf 'y%.0s' {1..64})@$(printf 'a%.0s' {1..63}).$(printf 'b%.0s' {1..63}).$(printf 'c%.0s' {1..50}).rcpt.test
out=$(fx_send a@alice.test "$long300" --header 'Subject: t-fold' 2>&1)
h_like "long URL and recipient: accepted" "$out" '<-  250 2\.0\.0 Ok: queued'
f=$(sunk t-fold)
h_like "...List-Unsubscribe folded before the https URI" \
    "$(grep -a -A1 '^List-Unsubscribe:' "$f" | tr -d '\r')" \
    $'^List-Unsubscribe: <mailto:unsub\\+alice\\.[a-z2-7]{16}@'"${longdom//./\\.}"$'>,\n\t<'"${longurl//./\\.}"'[A-Za-z0-9_.-]+>$'
h_is "...no line over 998 octets" "$(tr -d '\r' <"$f" | awk 'length > 998' | wc -l)" 0
h_is "...both signatures verify" "$(verify "$f")" $'0 pass\n1 pass'

# --- many recipients (each is an argument of milter_record.lua): 200, all
# accepted and recorded (53 and more used to be tempfailed, every time)
many=$(seq -f 'm%g@rcpt.test' 1 200 | paste -sd, -)
out=$(fx_send a@alice.test "$many" --header 'Subject: t-many' 2>&1)
h_like "200 recipients: accepted" "$out" '<-  250 2\.0\.0 Ok: queued as'
qid=$(h_queued_id "$out")
h_is "200 recipients: all recorded" "$(h_redis_cli HGET "relay:{m:alice}:msg:$qid" rcpts |
    /usr/bin/python3 -c 'import json, sys; r = json.load(sys.stdin); print(len(r), r[0], r[-1])')" \
    "200 m1@rcpt.test m200@rcpt.test"

# --- on TCP, TCP_NODELAY per connection and TCP_QUICKACK after reads; each
# key decoded once and then served from the decoded-key cache
h_stop_daemon milter 20
h_is "milter exits 0 on SIGTERM" "$?" 0
stats=$(grep 'relay-milter stopping' "$H_LOG/milter.log")
h_like "TCP_NODELAY set" "$stats" 'tcp_nodelay=[1-9]'
h_like "TCP_QUICKACK re-armed" "$stats" 'tcp_quickack=[1-9][0-9]'
h_like "decoded keys reused" "$stats" 'key_decodes=[1-9][0-9]* key_cache_hits=[1-9][0-9]'
h_done
