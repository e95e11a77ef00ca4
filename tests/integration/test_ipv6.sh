#!/bin/bash
# test_ipv6.sh - the whole suite with every address ::1, as on a
# dual-stack Postfix: Redis on [::1] (relay-milter, relay-policyd,
# relay-tracker, relayctl, relay-checkpw and relay-unsub reach it by
# redis.host), unbound on [::1] (relayctl domain verify asks it through
# dns.nameserver), relay-milter on inet6:PORT@[::1] (Postfix:
# smtpd_milters = inet:[::1]:PORT), relay-policyd's policy service and
# socketmap on inet:[::1]:PORT (check_policy_service inet:[::1]:PORT,
# socketmap:inet:[::1]:PORT:NAME), the submission service on [::1]
# (clients connect from ::1), delivery to a sink on [::1], and the three
# scrape ports on [::1]. A message is signed (both signatures verified
# against the records in DNS), delivered and tracked ("sent", relay
# [::1]); a suppressed recipient is refused; a bounce is tracked and
# suppresses; a List-Unsubscribe mailto sent over [::1] suppresses
# (relay-unsub); a suspended member gets 521; a reply to the domain is
# forwarded through the socketmap; logs write an IPv6 peer as
# [ADDR]:PORT. Skipped when ::1 cannot be bound.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init ipv6
h_need_root
h_need_ipv6
h_need redis-server postfix dovecot unbound unbound-control curl
fx_suite_bins
ctl() { "$CTL" -c "$FX_CONF" "$@"; }

h_start_redis tcp6
h_start_sink --crlf --host ::1
printf '$ORIGIN v6.test.\n@ 300 IN SOA ns.v6.test. hostmaster.v6.test. 1 3600 600 86400 60\n@ 300 IN NS ns.v6.test.\n' \
    >"$H_TMP/v6.test.zone"
h_start_unbound --ipv6 v6.test "$H_TMP/v6.test.zone"

MPORT=$(h_port) PPORT=$(h_port) SMPORT=$(h_port)
MM=$(h_port) PM=$(h_port) TM=$(h_port)
PF_MAILLOG=$H_LOG/postfix-pf.maillog	# h_start_postfix's file for "pf"
FX_REDIS="host = \"::1\"; port = $REDIS_PORT;"
FX_DNS="nameserver = \"::1\"; port = $DNS_PORT; timeout_ms = 2000;"
FX_MILTER="socket = \"inet6:$MPORT@[::1]\"; metrics = \"[::1]:$MM\";"
FX_POLICYD="listen = [ \"inet:[::1]:$PPORT\" ]; socketmap = [ \"inet:[::1]:$SMPORT\" ]; metrics = \"[::1]:$PM\";"
FX_TRACKER="maillog = \"$PF_MAILLOG\"; node = \"v6\"; poll_ms = 50; metrics = \"[::1]:$TM\";"
FX_DKIM='selector_prefix = "rs";'
fx_conf
chmod 0644 "$FX_CONF"
h_check "relayctl config check: every address ::1" ctl config check

# --- enrollment: relayctl over Redis on ::1, DNS verification on ::1
h_check "member add" ctl member add vera --did did:web:vera.example
KEY=$(ctl apikey create vera 2>/dev/null)
h_like "apikey create prints a key" "$KEY" '^[A-Za-z0-9_-]{32}$'
recs=$(ctl domain add v6.test --member vera 2>&1)
h_like "domain add" "$recs" 'relay-verify='
grep -E '^[^ ]+\. [0-9]+ IN TXT ' <<<"$recs" | grep -v '_dmarc\|v=spf1' \
    >>"$DNS_DIR/v6.test.zone"
h_dns_reload v6.test
out=$(ctl domain verify v6.test 2>&1)
h_like "domain verify through unbound on [::1]" "$out" 'verified'
# the same through the one IPv6 server set over resolv.conf's three IPv6
# ones (glibc's own copies freed): no memory error under valgrind (a
# sanitizer build checks itself: the harness fails the test on a report)
vg=(valgrind -q --error-exitcode=9)
h_sanitized && vg=()
if unshare -m --propagation private true 2>/dev/null &&
    { ((${#vg[@]} == 0)) || command -v valgrind >/dev/null; }; then
	printf 'nameserver ::2\nnameserver ::3\nnameserver ::4\n' >"$H_TMP/resolv.conf"
	out=$(timeout 120 unshare -m --propagation private sh -c \
	    'mount --bind "$1" /etc/resolv.conf && shift && exec "$@"' sh \
	    "$H_TMP/resolv.conf" "${vg[@]}" "$CTL" -c "$FX_CONF" domain verify \
	    v6.test 2>&1)
	h_like "... also with resolv.conf naming IPv6 servers" "$out" \
	    'result: ready to send'
	h_unlike "... no memory error (valgrind, or the sanitizer)" "$out" '==[0-9]+=='
else
	h_skip "... also with resolv.conf naming IPv6 servers" "no valgrind or unshare -m"
	h_skip "... no memory error" "no valgrind or unshare -m"
fi
h_like "... v6.test is verified" \
    "$(h_redis_cli HGET 'relay:{d:v6.test}:domain' verified_at)" '^[1-9][0-9]+$'
# past the warming tiers, as test_suite_e2e
h_redis_cli HSET 'relay:{d:v6.test}:domain' verified_at $(($(date +%s) - 40 * 86400)) >/dev/null
h_check "domain forward" ctl domain forward v6.test owner@fwd.test
# redis.host as the other settings write IPv6 (in brackets), and the
# address of a Redis that is not there, as a log reads it
sed "s/host = \"::1\";/host = \"[::1]\";/" "$FX_CONF" >"$H_TMP/brackets.conf"
h_like "redis.host = \"[::1]\": relayctl reaches Redis" \
    "$("$CTL" -c "$H_TMP/brackets.conf" member list 2>&1)" '^vera'
DEAD=$(h_port)
sed "s/port = $REDIS_PORT;/port = $DEAD;/" "$FX_CONF" >"$H_TMP/dead.conf"
h_like "no Redis on [::1]:$DEAD: the error names [::1]:PORT" \
    "$("$CTL" -c "$H_TMP/dead.conf" member list 2>&1)" \
    "Redis: connect \\[::1\\]:$DEAD: Connection refused"
h_check "suppress add" ctl suppress add vera gone@rcpt.test
h_check "domain listunsub on" ctl domain listunsub v6.test on

# --- the daemons, each on ::1
h_start_daemon milter "$B/milter/relay-milter" -f -c "$FX_CONF"
h_start_daemon policyd "$B/policyd/relay-policyd" -f -c "$FX_CONF"
for p in $MPORT $PPORT $SMPORT $MM $PM; do
	h_wait_port "$p" 10 || h_bail "nothing listens on port $p: $(cat "$H_LOG/milter.log" "$H_LOG/policyd.log")"
done
h_is "relay-milter, policyd, socketmap and their metrics listen on [::1] only" \
    "$(for p in $MPORT $PPORT $SMPORT $MM $PM; do ss -Hltn "sport = :$p" | awk '{ print $4 }'; done | sed 's/:[0-9]*$//' | sort -u)" '[::1]'

# ask6 PORT - stdin to [::1]:PORT, the first reply (up to a blank line) out
ask6() {
	timeout 10 "$H_PYTHON" -c '
import socket, sys
s = socket.create_connection(("::1", int(sys.argv[1])), timeout=5)
s.sendall(sys.stdin.buffer.read())
buf = b""
while b"\n\n" not in buf:
    d = s.recv(4096)
    if not d:
        break
    buf += d
print(buf.decode(errors="replace").strip())' "$1"
}
out=$(printf 'request=smtpd_access_policy\nprotocol_state=RCPT\nprotocol_name=ESMTP\nclient_address=::1\nclient_name=unknown\nreverse_client_name=unknown\nsender=x@outside.test\nrecipient=r@v6.test\n\n' | ask6 "$PPORT")
h_is "a policy request over [::1] from client_address=::1: DUNNO" "$out" 'action=DUNNO'
out=$(printf 'request=smtpd_access_policy\nno equals sign\n\n' | ask6 "$PPORT")
h_like "a bad one: 451 4.4.2" "$out" '^action=451 4\.4\.2 '
h_like "... logged with the client as [::1]:PORT, not ::1:PORT" \
    "$(h_wait_log 'reason=protocol' 10 "$H_LOG/policyd.log")" \
    'client=\[::1\]:[0-9]+ verdict=451 reason=protocol'

install -m 0755 "$B/contrib/checkpw/relay-checkpw" "$H_BIN/relay-checkpw"
printf '#!/bin/sh\nexec %s -c %s "$@"\n' "$H_BIN/relay-checkpw" "$FX_CONF" >"$H_BIN/checkpw"
chmod 0755 "$H_BIN/checkpw"
DV_CONF_EXTRA='auth_username_format = %Lu
auth_cache_size = 0'
h_start_dovecot checkpassword "$H_BIN/checkpw"

SUB_PORT=$(h_port) IN_PORT=$(h_port)
PF_RELAYHOST="[::1]:$SINK_PORT"
PF_MAIN_EXTRA="inet_protocols = all
inet_interfaces = 127.0.0.1, [::1]
virtual_alias_domains = socketmap:inet:[::1]:$SMPORT:domains
virtual_alias_maps = socketmap:inet:[::1]:$SMPORT:forward
smtpd_policy_service_default_action = 451 4.4.2 Queue full or transient submission error
relay_domains = unsub.relay.test
transport_maps = inline:{ unsub.relay.test=unsub: }
recipient_delimiter = +
unsub_destination_recipient_limit = 1"
PF_MASTER_EXTRA="[::1]:$SUB_PORT inet n - n - - smtpd
  -o syslog_name=postfix-pf/submission
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_sasl_type=dovecot
  -o smtpd_sasl_path=$DV_AUTH_SOCK
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
  -o smtpd_delay_reject=no
  -o smtpd_milters=inet:[::1]:$MPORT
  -o milter_default_action=tempfail
  -o local_header_rewrite_clients=
  -o smtpd_sasl_authenticated_header=no
  -o { smtpd_sender_restrictions = check_policy_service { inet:[::1]:$PPORT, policy_context=mail } }
  -o { smtpd_recipient_restrictions = check_policy_service { inet:[::1]:$PPORT, policy_context=rcpt }, permit }
[::1]:$IN_PORT inet n - n - - smtpd
  -o syslog_name=postfix-pf/inbound
  -o mynetworks=127.0.0.2/32
  -o smtpd_relay_restrictions=permit_mynetworks,reject_unauth_destination
unsub     unix  -       n       n       -       -       pipe
  flags=Rq user=nobody argv=$B/policyd/relay-unsub -c $FX_CONF -- \${extension} \${sender}"
h_start_postfix
h_wait_port "$SUB_PORT" 10 && h_wait_port "$IN_PORT" 10 ||
    h_bail "the [::1] listeners did not open"
h_start_daemon tracker "$B/policyd/relay-tracker" -f -c "$FX_CONF"
h_wait_port "$TM" 10 || h_bail "relay-tracker's metrics did not listen: $(cat "$H_LOG/tracker.log")"

# send PORT USER PASS FROM RCPT[,RCPT] SUBJECT - one SMTP session to
# [::1]:PORT (swaks needs IO::Socket::INET6 for IPv6); prints one line per
# reply: "STAGE CODE TEXT". USER empty: no AUTH.
send() {
	"$H_PYTHON" - "$@" <<'PY'
import base64, smtplib, sys
port, user, pw, frm, rcpts, subj = sys.argv[1:7]
s = smtplib.SMTP("::1", int(port), timeout=30)
s.ehlo("client.v6.test")
def say(stage, r):
    print(stage, r[0], r[1].decode(errors="replace").replace("\n", " "))
    return r[0]
if user:
    tok = base64.b64encode(("\0%s\0%s" % (user, pw)).encode()).decode()
    if say("AUTH", s.docmd("AUTH", "PLAIN " + tok)) != 235:
        sys.exit(0)
if say("MAIL", s.docmd("MAIL", "FROM:<%s>" % frm)) != 250:
    sys.exit(0)
ok = 0
for r in rcpts.split(","):
    ok += say("RCPT", s.docmd("RCPT", "TO:<%s>" % r)) == 250
if ok:
    msg = ("From: %s\r\nTo: %s\r\nSubject: %s\r\n\r\nover IPv6\r\n"
           % (frm, rcpts, subj))
    say("DATA", s.data(msg.encode()))
s.quit()
PY
}
qid_of() { sed -n 's/^DATA 250 .*queued as \([0-9A-Za-z]*\).*/\1/p' <<<"$1"; }

# --- good mail: through policy and milter over ::1, signed, delivered
out=$(send "$SUB_PORT" Vera "$KEY" news@v6.test ok@rcpt.test "v6 ok" 2>&1)
h_like "AUTH over [::1]: relay-checkpw read the key from Redis on ::1" "$out" '^AUTH 235'
h_like "queued" "$out" 'DATA 250 2\.0\.0 Ok: queued as'
q=$(qid_of "$out")
h_like "the maillog names the client ::1" \
    "$(grep -m1 -E ": $q: client=" "$PF_MAILLOG")" "client=[^ ]*\\[::1\\], sasl_method=PLAIN, sasl_username=vera"
h_check "delivered to the sink on [::1]" h_wait_sink 1 20
f=$(h_sink_find 'X-Sink-Rcpt-To: <ok@rcpt.test>')
out=$("$H_PYTHON" "$H_LIBDIR/dkim_verify.py" --dns "[::1]:$DNS_PORT" --expect 2 <"$f" 2>&1)
h_like "both signatures verify with the keys in DNS on [::1]" "$out" \
    'pass a=rsa-sha256 d=v6\.test .*pass a=ed25519-sha256 d=v6\.test'
h_check "tracker: status sent" h_wait_for 10 bash -c \
    "'$CTL' -c '$FX_CONF' status $q | grep -q 'sent'"
h_like "relayctl status: sent" "$(ctl status "$q")" \
    "ok@rcpt\\.test +sent +2\\.0\\.0 .*Ok: queued as"
st=$(ctl --json status "$q")
h_is "status --json: sent, through relay [::1]" \
    "$(fx_jget '[(r["status"], r["relay"]) for r in d["recipients"]]' <<<"$st")" \
    "[[\"sent\", \"::1[::1]:$SINK_PORT\"]]"

# --- refusals
out=$(send "$SUB_PORT" vera "$KEY" news@v6.test gone@rcpt.test "v6 gone" 2>&1)
h_like "a suppressed recipient: 550 5.7.1 from relay-milter" "$out" 'RCPT 550 5\.7\.1 Recipient suppressed'
out=$(send "$SUB_PORT" vera wrong-key news@v6.test ok@rcpt.test "v6 bad" 2>&1)
h_like "a wrong API key: 535 5.7.8" "$out" '^AUTH 535 5\.7\.8'

# --- a bounce: tracked, its remote reply names [::1], suppressed
out=$(send "$SUB_PORT" vera "$KEY" news@v6.test bounce1@rcpt.test "v6 bounce" 2>&1)
q2=$(qid_of "$out")
h_like "bounce queued" "$q2" '^[0-9A-Za-z]+$'
h_check "tracker: bounced and suppressed" h_wait_for 10 bash -c \
    "[ -n \"\$(redis-cli -s '$REDIS_SOCK' HGET 'relay:{m:vera}:suppress' bounce1@rcpt.test)\" ]"
st=$(ctl --json status "$q2")
h_like "relayctl status: the reply of the sink on [::1]" "$(ctl status "$q2")" \
    'bounce1@rcpt\.test +bounced +5\.1\.1 \(hard\) relay=::1\[::1\]:[0-9]+ host ::1\[::1\] said: 550 5\.1\.1'
h_like "status --json: bounced, the reply as the sink on [::1] said it" \
    "$(fx_jget '[(r["status"], r["dsn"], r["reply"]) for r in d["recipients"]]' <<<"$st")" \
    '"bounced", "5\.1\.1", "host ::1\[::1\] said: 550 5\.1\.1 '

# --- reply forwarding through the socketmap on [::1]
out=$(send "$IN_PORT" '' '' someone@outside.test Info@V6.test "v6 reply" 2>&1)
h_like "a reply to the domain: accepted" "$out" 'DATA 250 2\.0\.0 Ok: queued as'
h_check "... forwarded to the forward-to" h_sink_await 'X-Sink-Rcpt-To: <owner@fwd\.test>'

# --- one-click's mailto: relay-unsub (the pipe) over Redis on ::1
out=$(send "$SUB_PORT" vera "$KEY" news@v6.test reader@rcpt.test "v6 news" 2>&1)
h_like "a message to reader: queued" "$out" 'DATA 250 2\.0\.0 Ok: queued as'
f=$(h_sink_await 'X-Sink-Rcpt-To: <reader@rcpt\.test>')
lu=$(grep -m1 -i '^List-Unsubscribe:' "$f" 2>/dev/null)
h_like "... signed with a List-Unsubscribe mailto" "$lu" '<mailto:unsub\+vera\.[a-z2-7]+@unsub\.relay\.test>'
tok=$(sed -n 's/.*<mailto:unsub+\([^@>]*\)@unsub\.relay\.test>.*/\1/p' <<<"$lu")
out=$(send "$IN_PORT" '' '' reader@rcpt.test "unsub+$tok@unsub.relay.test" "unsubscribe" 2>&1)
h_like "the reader mails it over [::1]: accepted" "$out" 'DATA 250 2\.0\.0 Ok: queued as'
h_like "... relay-unsub took it" \
    "$(h_wait_log "to=<unsub\\+$tok@unsub\\.relay\\.test>.*status=" 20)" \
    'relay=unsub, .*dsn=2\.0\.0, status=sent'
out=$(send "$SUB_PORT" vera "$KEY" news@v6.test reader@rcpt.test "v6 again" 2>&1)
h_like "... and the next message to reader is refused" "$out" \
    'RCPT 550 5\.7\.1 Recipient suppressed'

# --- the scrape ports on [::1]
scrape() { curl -sS --max-time 5 "http://[::1]:$1/metrics"; }
h_like "relay-milter's metrics: one message accepted" "$(scrape "$MM")" \
    'relay_messages_accepted_total\{daemon="milter"\} [1-9]'
h_like "relay-policyd's metrics: requests passed" "$(scrape "$PM")" \
    'relay_policy_passed_total\{daemon="policyd"\} [1-9]'
h_like "relay-tracker's metrics: events read" "$(scrape "$TM")" \
    'relay_tracker_lines_total\{daemon="tracker",result="event"\} [1-9]'

# --- suspension: relay-policyd's 521 over ::1
h_check "member suspend" ctl member suspend vera --reason "v6 test"
out=$(send "$SUB_PORT" vera "$KEY" news@v6.test ok2@rcpt.test "v6 susp" 2>&1)
h_like "a suspended member: 521 at MAIL FROM" "$out" 'MAIL 521 5\.7\.1 .*Member suspended: v6 test'

# relay-milter's TCP options apply to its inet6 connections too
h_stop_postfix
h_stop_daemon milter 20
h_like "relay-milter on inet6: TCP_NODELAY on Postfix's connections" \
    "$(grep 'relay-milter stopping' "$H_LOG/milter.log")" 'tcp_nodelay=[1-9]'
h_done
