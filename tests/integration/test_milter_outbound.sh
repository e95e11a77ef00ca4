#!/bin/bash
# test_milter_outbound.sh - what Postfix's smtp client does to a signed
# message on its way out, through the main.cf lines of
# contrib/postfix/milter.cf: to a receiver that does not announce 8BITMIME
# (the sink's --no-8bitmime), 8-bit mail is converted to 7-bit
# (quoted-printable) after signing unless disable_mime_output_conversion
# is set, and the body hash of both signatures no longer matches. With the
# documented lines, 8-bit text, a multipart message with an 8-bit part and
# 8-bit mail without MIME headers arrive as they were signed; 7-bit mail is
# untouched either way.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init milter_outbound
h_need_root
h_need redis-server postfix swaks dovecot openssl
fx_need_milter verify

h_start_redis
h_start_sink --crlf --no-8bitmime
fx_milter_inet
fx_conf
fx_member alice
fx_domain alice.test alice
fx_start_milter_inet
# main.cf: the lines milter.cf documents (its main.cf part, comments out)
cf_main=$(awk '/^# -+ main\.cf/ { m = 1; next } m && !/^[ \t]*#/ && NF' \
    "$H_SRCDIR/contrib/postfix/milter.cf")
h_like "milter.cf's main.cf lines say disable_mime_output_conversion" \
    "$cf_main" '(^|'$'\n'')disable_mime_output_conversion = yes('$'\n''|$)'

PF_MAIN_EXTRA=$cf_main
fx_passwd alice key-alice
fx_start_submission
FX_USER=alice FX_PASS=key-alice

# verify MSG - python3-dkim over each signature: one pass/fail line each
verify() { fx_dkim_verify "$1" alice.test; }
sunk() { h_sink_await "^Subject: $1.?\$"; }

ehlo=$(h_swaks --server "127.0.0.1:$SINK_PORT" --quit-after EHLO 2>&1)
h_like "the sink answers EHLO" "$ehlo" '<-  250 ENHANCEDSTATUSCODES'
h_unlike "...without 8BITMIME" "$ehlo" '8BITMIME'

# send SUBJECT HEADERS BODY - through submission as alice, 8-bit as given
send() {
	fx_send a@alice.test r@rcpt.test --data \
	    "From: a@alice.test"$'\r\n'"To: r@rcpt.test"$'\r\n'"Subject: $1"$'\r\n'"$2"$'\r\n'"$3"$'\r\n' 2>&1
}
utf8=$'Olivenöl, Grüße, ça coûte 5 €.\r\nZweite Zeile: naïve façade.'
mime=$'MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n'

# --- 8-bit text/plain
out=$(send t-8bit "$mime" "$utf8")
h_like "8-bit text accepted" "$out" '<-  250 2\.0\.0 Ok: queued as'
f=$(sunk t-8bit)
h_check "8-bit text arrived" test -n "$f"
h_check "...as 8-bit, not converted to quoted-printable" grep -q 'Olivenöl' "$f"
h_unlike "...no 7-bit conversion header" "$(cat "$f")" 'Content-Transfer-Encoding: quoted-printable'
h_is "...both signatures verify" "$(verify "$f")" $'pass\npass'

# --- multipart with an 8-bit part beside a 7-bit one
mp=$'MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary="b1"\r\n'
mpbody=$'--b1\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nplain ascii\r\n--b1\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n<p>Grüße aus Köln</p>\r\n--b1--'
out=$(send t-multi "$mp" "$mpbody")
h_like "multipart with an 8-bit part accepted" "$out" '<-  250 '
f=$(sunk t-multi)
h_check "...the 8-bit part as sent" grep -q 'Grüße aus Köln' "$f"
h_is "...both signatures verify" "$(verify "$f")" $'pass\npass'

# --- 8-bit body without MIME headers
out=$(send t-nomime "" "$utf8")
h_like "8-bit without MIME headers accepted" "$out" '<-  250 '
f=$(sunk t-nomime)
h_check "...as sent" grep -q 'Grüße' "$f"
h_is "...both signatures verify" "$(verify "$f")" $'pass\npass'

# --- 7-bit (quoted-printable from the client): untouched
out=$(send t-7bit $'MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n' 'Oliven=C3=B6l')
h_like "7-bit accepted" "$out" '<-  250 '
f=$(sunk t-7bit)
h_check "...as sent" grep -q 'Oliven=C3=B6l' "$f"
h_is "...both signatures verify" "$(verify "$f")" $'pass\npass'

h_done
