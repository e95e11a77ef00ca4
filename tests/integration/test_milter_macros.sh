#!/bin/bash
# test_milter_macros.sh - relay-milter asks Postfix for the macros it reads
# ({auth_authen} at MAIL, {i} at end of data: smfi_setsymlist in
# mlfi_negotiate), so a Postfix whose milter_mail_macros and
# milter_end_of_data_macros lack them still hands it a member's login and
# the queue id. Without that, a member's mail would look unauthenticated:
# accepted as inbound, unchecked and unsigned.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init milter_macros
h_need_root
h_need redis-server postfix swaks dovecot openssl
fx_need_milter
"$H_PYTHON" -c 'import dkim' 2>/dev/null || h_skip_all "python3-dkim missing"

h_start_redis
h_start_sink
fx_milter_unix
fx_conf
fx_member alice
fx_domain alice.test alice --rsa-only
fx_start_milter_unix
# Macro lists trimmed the way a site might for another milter: neither
# {auth_authen} at MAIL, {rcpt_addr} at RCPT nor {i} at end of data. The plain smtpd (no SASL)
# passes the milter too.
PF_MAIN_EXTRA="smtpd_milters = unix:$MSOCK
milter_default_action = tempfail
milter_mail_macros = i {mail_addr}
milter_rcpt_macros = i
milter_end_of_data_macros = {mail_addr}
local_header_rewrite_clients ="
fx_passwd alice key-alice
fx_start_submission
FX_USER=alice FX_PASS=key-alice

h_is "Postfix's own MAIL macro list lacks {auth_authen}" \
    "$(postconf -c "$PF_DIR" -h milter_mail_macros)" "i {mail_addr}"

send() {	# FROM TO SUBJECT
	fx_send "$1" "$2" --header "Subject: $3" 2>&1
}

out=$(send a@nope.test r@rcpt.test unenrolled)
h_like "a member's unenrolled sender is still refused at MAIL: 550 5.1.0" \
    "$out" '<\*\* 550 5\.1\.0 '

fx_suppress alice gone@rcpt.test hard_bounce
out=$(send a@alice.test 'gone%rcpt.test@[127.0.0.1]' resolved)
h_like "{rcpt_addr} arrives though milter_rcpt_macros lacks it: a percent-hack spelling of a suppressed recipient is refused" \
    "$out" '<\*\* 550 5\.7\.1 Recipient suppressed'

out=$(send a@alice.test r@rcpt.test enrolled)
h_like "a member's enrolled sender is accepted" "$out" '<-  250 2\.0\.0 Ok: queued as '
qid=$(h_queued_id "$out")
h_is "the end-of-data record is written under the queue id ({i} arrived)" \
    "$(h_redis_cli GET "relay:{q:$qid}:qid")" alice
f=$(h_sink_await "^Subject: enrolled$")
h_check "delivered" test -n "$f"
out=$("$H_PYTHON" "$H_LIBDIR/dkim_verify.py" --expect 1 \
    --key "rs1r._domainkey.alice.test=$(fx_dkim_txt alice.test rsa)" <"$f" 2>&1)
h_like "signed rsa-sha256 d=alice.test, and the signature verifies" \
    "$out" '^pass a=rsa-sha256 d=alice\.test s=rs1r$'

# unauthenticated (the plain smtpd): an inbound reply, passed unsigned
out=$(h_swaks --server "127.0.0.1:$PF_SMTPD_PORT" --from x@outside.test \
    --to b@alice.test --header "Subject: inbound" 2>&1)
h_like "unauthenticated mail is accepted as inbound" "$out" '<-  250 2\.0\.0 Ok: queued as '
f=$(h_sink_await "^Subject: inbound$")
h_check "inbound delivered" test -n "$f"
h_check_not "inbound not signed" grep -qi '^DKIM-Signature:' "$f"

h_check_not "no milter error logged" grep -Eq 'error|no \{i\} macro' "$H_LOG/milter.log"
h_done
