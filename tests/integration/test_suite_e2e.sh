#!/bin/bash
# test_suite_e2e.sh - the whole suite on one private Postfix, the way the
# README wires it: Dovecot with relay-checkpw for AUTH, relay-policyd and
# relay-milter in front of the submission service, relay-tracker on
# Postfix's maillog, relay-unsub as the pipe transport, members and domains
# made with relayctl. One member sends good mail (signed, delivered, status
# "sent"), then mail that bounces until the tracker suspends it on its bounce
# rate; its next MAIL FROM gets relay-policyd's 521 with the tracker's
# reason. An admin unsuspend lets it send again. A message that passed
# relay-milter but that its fields push over message_size_limit (cleanup
# logs a warning, the client gets 552) is refused: the tracker closes its
# record, so it does not hold a queue-cap slot.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init suite_e2e
h_need_root
h_need redis-server postfix swaks dovecot
fx_suite_bins policyd/relay-unsub

h_start_redis
h_start_sink --crlf
# relay-milter and relay-policyd on unix sockets, as the README has them
# in /run/relay (fx_suite_conf)
# judge the rate from 4 final outcomes on: 3 bounces of 4 = 75% > 50%
FX_SUSPENSION='min_volume = 4; warn_rate = 20.0; suspend_rate = 50.0;'
fx_suite_conf e2e

# --- enrollment with relayctl (the domain is marked verified directly: DNS
# verification has its own test, test_ctl_domain)
h_check "member add" "$CTL" -c "$FX_CONF" member add dana --did did:web:dana.example
KEY=$("$CTL" -c "$FX_CONF" apikey create dana 2>/dev/null)
h_like "apikey create prints a key" "$KEY" '^[A-Za-z0-9_-]{32}$'
h_check "domain add" "$CTL" -c "$FX_CONF" domain add dana.test --member dana
h_redis_cli HSET 'relay:{d:dana.test}:domain' verified_at $(($(date +%s) - 40 * 86400)) >/dev/null
SEL=$(h_redis_cli HGET 'relay:{d:dana.test}:domain' selector)

FX_SUITE_MAIN='smtpd_sasl_authenticated_header = yes
message_size_limit = 100000'
FX_SUITE_MASTER='  -o smtpd_sasl_authenticated_header=no'
fx_start_suite

send() {	# send TO - one message as Dana; prints swaks' output
	h_swaks --server "127.0.0.1:$SUB_PORT" --auth PLAIN --auth-user Dana \
	    --auth-password="$KEY" --from news@dana.test --to "$1" \
	    --header "Subject: e2e to $1" 2>&1
}

# --- good mail: signed, delivered, tracked
out=$(send ok@rcpt.test)
h_like "mixed-case handle + API key: queued" "$out" '250 2\.0\.0 Ok: queued'
q=$(h_queued_id "$out")
h_check "delivered to the sink" h_wait_sink 1 20
f=$(h_sink_find 'X-Sink-Rcpt-To: <ok@rcpt.test>')
keys=(--key "${SEL}r._domainkey.dana.test=$("$CTL" -c "$FX_CONF" --json domain records dana.test |
    "$H_PYTHON" -c 'import json,sys; r=json.load(sys.stdin); print([x["value"] for x in r["records"] if x["name"].startswith("'"$SEL"'r.")][0])')")
out=$("$H_PYTHON" "$H_LIBDIR/dkim_verify.py" "${keys[@]}" <"$f" 2>&1)
h_like "rsa signature verifies with the key relayctl published" "$out" "pass a=rsa-sha256 d=dana.test s=${SEL}r"
h_is "the member's login is not in Received: (smtpd_sasl_authenticated_header=no)" \
    "$(grep -ci 'authenticated sender' "$f")" 0
h_check "tracker: status sent" h_wait_for 10 bash -c \
    "'$CTL' -c '$FX_CONF' status $q | grep -q 'sent'"

# --- bounces until the tracker suspends the member
for i in 1 2 3; do
	out=$(send "bounce$i@rcpt.test")
	h_like "bounce$i queued" "$out" 'Ok: queued'
done
h_check "tracker suspends dana (3 of 4 bounced)" h_wait_for 20 bash -c \
    "[ \"\$(redis-cli -s '$REDIS_SOCK' HGET 'relay:{m:dana}:member' suspended)\" = 1 ]"
reason=$(h_redis_cli HGET 'relay:{m:dana}:member' suspend_reason)
h_like "reason names the rate" "$reason" '^auto: bounce rate 75\.0% \(3/4\) over 24h$'
h_is "hard bounces suppressed" "$(h_redis_cli HLEN 'relay:{m:dana}:suppress')" 3

out=$(send ok2@rcpt.test)
h_like "next MAIL FROM: 521 with the tracker's reason" "$out" \
    '521 5\.7\.1 .*Member suspended: auto: bounce rate 75\.0% \(3/4\) over 24h'
h_unlike "and nothing queued" "$out" 'Ok: queued'

h_check "admin unsuspend" "$CTL" -c "$FX_CONF" member unsuspend dana
out=$(send ok3@rcpt.test)
h_like "after unsuspend: queued again" "$out" '250 2\.0\.0 Ok: queued'
out=$(send bounce1@rcpt.test)
h_like "a suppressed recipient stays refused" "$out" '550 5\.7\.1 .*Recipient suppressed'

# --- messages growing towards message_size_limit in one session: the first
# one refused is one whose own size fits, but not with the signatures
edge=$("$H_PYTHON" - "$SUB_PORT" "$KEY" <<'PY'
import smtplib, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=30)
s.login("dana", sys.argv[2])
for size in range(96000, 100001, 100):
    head = ("From: news@dana.test\r\nTo: edge%d@rcpt.test\r\n"
            "Subject: edge %d\r\n\r\n" % (size, size))
    body = ("y" * 98 + "\r\n") * ((size - len(head)) // 100)
    s.mail("news@dana.test", ["size=%d" % len(head + body)])
    s.rcpt("edge%d@rcpt.test" % size)
    code, text = s.data((head + body).encode())
    if code != 250:
        print(size, code, text.decode())
        break
s.quit()
PY
)
h_like "a message that fits alone is refused at end of data" "$edge" \
    '^[0-9]+ 552 5\.3\.4 Error: message file too big'
rcpt="edge${edge%% *}@rcpt.test"
rec=$(for k in $(h_redis_cli --scan --pattern 'relay:{m:dana}:msg:*'); do
	[[ $(h_redis_cli HGET "$k" rcpts) == "[\"$rcpt\"]" ]] && echo "${k##*:}"
done)
h_like "relay-milter had passed and recorded it" "$rec" '^[0-9A-Za-z]+$'
h_check "cleanup logged why" grep -q "warning: $rec: queue file size limit exceeded" "$PF_MAILLOG"
h_check "the tracker marks it rejected" h_wait_for 10 bash -c \
    "[ -n \"\$(redis-cli -s '$REDIS_SOCK' HGET 'relay:{m:dana}:msg:$rec' rejected)\" ]"
h_is "it holds no queue-cap slot" \
    "$(h_redis_cli ZSCORE 'relay:{m:dana}:inflight' "$rec")" ""
h_done
