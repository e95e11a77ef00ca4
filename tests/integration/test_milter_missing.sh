#!/bin/bash
# test_milter_missing.sh - a member's message without Message-ID: or
# Date: (scripts and sending libraries often leave them to the MTA; Postfix
# adds them only for clients in local_header_rewrite_clients, which the
# documented submission service leaves empty, or with
# always_add_missing_headers = yes). RFC 5322 requires Date:, and Gmail
# refuses mail without a Message-ID. relay-milter adds the missing ones
# before signing: signed, verifying, the Message-ID on the From: domain
# and recorded for relayctl status; a message with its own keeps them.
# With always_add_missing_headers = yes Postfix's own come first and
# relay-milter adds none.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init milter_missing
h_need_root
h_need redis-server postfix dovecot openssl
fx_need_milter verify

h_start_redis
h_start_sink --crlf
fx_milter_inet
fx_conf
fx_member alice
fx_domain alice.test alice
fx_start_milter_inet
FX_SUB_OPTS="$FX_SUB_OPTS
127.0.0.1:\$ADD_PORT inet n - n - - smtpd
  -o syslog_name=postfix-pf/submission-add
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_sasl_type=dovecot
  -o smtpd_sasl_path=\$DV_AUTH_SOCK
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
  -o smtpd_milters=inet:127.0.0.1:$MPORT
  -o milter_default_action=tempfail
  -o local_header_rewrite_clients=
  -o cleanup_service_name=cleanup-add
cleanup-add unix n - n - 0 cleanup
  -o always_add_missing_headers=yes"
ADD_PORT=$(h_port)
FX_SUB_OPTS=${FX_SUB_OPTS//\$ADD_PORT/$ADD_PORT}
fx_passwd alice key-alice
FX_SUB_OPTS=${FX_SUB_OPTS//\$DV_AUTH_SOCK/$H_TMP/dovecot/auth-postfix}
fx_start_submission
h_wait_port "$ADD_PORT" 10 || h_bail "second submission port did not open"

# send PORT SUBJECT HEADERS - a message with only the given header lines
send() {
	/usr/bin/python3 - "$1" "$2" "$3" <<'PYEOF'
import smtplib, sys
port, subj, extra = int(sys.argv[1]), sys.argv[2], sys.argv[3]
msg = "From: a@alice.test\r\nTo: r@rcpt.test\r\nSubject: %s\r\n%s\r\nbody\r\n" % (
    subj, extra.replace("\\n", "\r\n"))
s = smtplib.SMTP("127.0.0.1", port, timeout=30)
s.login("alice", "key-alice")
r = s.sendmail("a@alice.test", ["r@rcpt.test"], msg.encode())
print(s.noop()[0])
s.quit()
PYEOF
}
h_diag "$(send "$SUB_PORT" m-none "" 2>&1)"
h_diag "$(send "$SUB_PORT" m-own "Message-ID: <own@client.test>\\nDate: Tue, 01 Dec 2026 10:00:00 +0100\\n" 2>&1)"
h_diag "$(send "$SUB_PORT" m-nodate "Message-ID: <nodate@client.test>\\n" 2>&1)"
h_diag "$(send "$ADD_PORT" m-postfix "" 2>&1)"

verify() { fx_dkim_verify "$1" alice.test; }
hdr() { tr -d '\r' <"$2" | sed -n "/^\$/q; /^$1:/Ip" ; }
signed_h() { tr -d '\r\n\t ' <"$1" | grep -o ';h=[^;]*' | head -1; }

f=$(h_sink_await '^Subject: m-none.?$')
h_check "m-none arrived" test -n "$f"
id=$(hdr Message-ID "$f" | sed 's/^[^:]*: *//')
h_like "m-none: a Message-ID on the From: domain" "$id" '^<[0-9]{14}\.[0-9a-f]{16}@alice\.test>$'
h_is "...one" "$(hdr Message-ID "$f" | wc -l)" 1
h_like "m-none: a Date" "$(hdr Date "$f")" '^Date: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) 20[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} \+0000$'
h_like "...both signed" "$(signed_h "$f")" 'message-id.*date|date.*message-id'
h_is "...both signatures verify" "$(verify "$f")" $'pass\npass'
qid=$(h_redis_cli --raw KEYS 'relay:{m:alice}:msg:*' | head -50 | while read -r k; do
	[[ $(h_redis_cli HGET "$k" message_id) == "$id" ]] && echo "${k##*:}"; done)
h_check "...recorded with that Message-ID (relayctl status finds it)" test -n "$id" -a -n "$qid"

f=$(h_sink_await '^Subject: m-own.?$')
h_is "m-own: its own Message-ID, alone" "$(hdr Message-ID "$f")" 'Message-ID: <own@client.test>'
h_is "m-own: its own Date, alone" "$(hdr Date "$f")" 'Date: Tue, 01 Dec 2026 10:00:00 +0100'
h_is "...verifies" "$(verify "$f")" $'pass\npass'

f=$(h_sink_await '^Subject: m-nodate.?$')
h_is "m-nodate: its Message-ID kept" "$(hdr Message-ID "$f")" 'Message-ID: <nodate@client.test>'
h_is "...a Date added, one" "$(hdr Date "$f" | wc -l)" 1
h_is "...verifies" "$(verify "$f")" $'pass\npass'

f=$(h_sink_await '^Subject: m-postfix.?$')
h_is "always_add_missing_headers: one Message-ID (Postfix's)" "$(hdr Message-ID "$f" | wc -l)" 1
h_like "...Postfix's, not ours" "$(hdr Message-ID "$f")" '@relay-pf\.test>$'
h_is "...one Date" "$(hdr Date "$f" | wc -l)" 1
h_like "...relay-milter saw and signed Postfix's" "$(signed_h "$f")" 'message-id.*date|date.*message-id'
h_like "relay-milter logs the Message-ID it added" "$(cat "$H_LOG/milter.log")" "stage=eom .*added_message_id=\"?$id"
h_is "...verifies" "$(verify "$f")" $'pass\npass'
h_done
