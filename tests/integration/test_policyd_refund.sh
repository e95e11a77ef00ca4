#!/bin/bash
# test_policyd_refund.sh - warming charges end to end, through a private
# Postfix asking relay-policyd (RCPT) and relay-milter: a recipient that
# relay-milter refuses (suppressed), a message it refuses at end of data
# (From: not enrolled) and a transaction the client abandons (QUIT after
# RCPT) leave no charge; a quoted sender local part is charged to its
# domain (Postfix sends "q b@d" unquoted); a refusal takes back only its
# own charge, not an earlier message's to the same recipient; the cap still
# holds exactly.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init policyd_refund
h_need_root
h_need redis-server postfix swaks dovecot
fx_policyd_bins

h_start_redis
h_start_sink
PPORT=$(h_port)
FX_UNSUB='domain = "unsub.relay.test"; hmac_key = "test-hmac-key-0123456789abcdef0123456789";'
FX_WARMING='tiers = ( { days = 2; per_hour = 4; per_day = 10; } );'
FX_POLICYD="listen = [ \"inet:127.0.0.1:$PPORT\" ]; socketmap = [ ];"
fx_milter_unix
fx_conf
NOW=$(date +%s)
fx_member alice
for d in alice.test b.test c.test; do
	fx_domain "$d" alice --verified-at $((NOW - 3600))
done
fx_passwd alice key-a
for i in 1 2 3; do fx_suppress alice "gone$i@dest.test"; done
h_start_daemon policyd "$PD" -f -c "$FX_CONF"
h_wait_port "$PPORT" 10 || h_bail "relay-policyd did not listen"
fx_start_milter_unix
PF_MAIN_EXTRA="smtpd_sender_restrictions =
    check_policy_service { inet:127.0.0.1:$PPORT, policy_context=mail }
smtpd_recipient_restrictions =
    check_policy_service { inet:127.0.0.1:$PPORT, policy_context=rcpt }, permit
smtpd_policy_service_default_action = 451 4.4.2 Queue full or transient submission error"
FX_SUB_OPTS="$FX_SUB_OPTS
  -o smtpd_delay_reject=no"
fx_start_submission
FX_USER=alice FX_PASS=key-a

warm() { h_redis_cli ZCARD "relay:{d:$1}:warm"; }
# settles D N - the charges of D come to N within 10 s (an abort's refund
# follows the client's QUIT)
settles() { h_wait_for 10 bash -c "[ \"\$(redis-cli -s '$REDIS_SOCK' ZCARD 'relay:{d:$1}:warm')\" = $2 ]"; }

# --- refused by relay-milter at RCPT: suppressed ---------------------------
out=$(fx_send a@alice.test gone1@dest.test,gone2@dest.test,gone3@dest.test 2>&1)
h_is "three suppressed recipients: three 550 5.7.1" \
    "$(grep -c '<\** *550 5.7.1' <<<"$out")" 3
h_is "policyd charged them at RCPT" \
    "$(grep -c 'context=rcpt .*reason=charged' "$H_LOG/policyd.log")" 3
h_check "relay-milter took the three charges back" settles alice.test 0

out=$(fx_send a@alice.test ok@dest.test 2>&1)
h_like "the next recipient is accepted" "$out" '250 2\.0\.0 Ok: queued'
h_is "and charged" "$(warm alice.test)" 1
hash=$(printf '%s' ok@dest.test | sha256sum | cut -c1-16)
h_like "the charge is named by the recipient's hash" \
    "$(h_redis_cli ZRANGE 'relay:{d:alice.test}:warm' 0 -1)" "^$hash:[0-9]+-[0-9a-f]{16}-[0-9]+\$"

# --- refused by relay-milter at end of data: From: not enrolled ------------
out=$(fx_send a@b.test ok1@dest.test,ok2@dest.test \
    --header "From: x@notenrolled.example" 2>&1)
h_like "From: of a domain not enrolled: 550 5.1.0" "$out" '<\*\* 550 5\.1\.0'
h_check "its two recipients' charges are taken back" settles b.test 0

# --- abandoned by the client after RCPT: the abort takes them back --------
out=$(fx_send a@c.test ok1@dest.test,ok2@dest.test --quit-after RCPT 2>&1)
h_like "two recipients accepted, then QUIT" "$out" 'QUIT'
h_check "the abort takes both charges back" settles c.test 0

# --- a quoted local part: Postfix sends it unquoted ------------------------
out=$(fx_send '"q b"@alice.test' ok2@dest.test \
    --header 'From: "q b"@alice.test' 2>&1)
h_like "sender \"q b\"@alice.test is accepted" "$out" '250 2\.0\.0 Ok: queued'
h_is "and charged to alice.test" "$(warm alice.test)" 2
h_unlike "policyd found its domain" "$(cat "$H_LOG/policyd.log")" \
    'no_sender_domain'

# --- the same recipient accepted, then suppressed: one charge goes --------
out=$(fx_send a@alice.test ok@dest.test 2>&1)
h_like "ok@ a second time is accepted" "$out" '250 2\.0\.0 Ok: queued'
h_is "charged again" "$(warm alice.test)" 3
fx_suppress alice ok@dest.test
out=$(fx_send a@alice.test ok@dest.test 2>&1)
h_like "ok@, now suppressed, is refused" "$out" '<\** *550 5\.7\.1'
h_check "only the charge of that transaction is taken back" settles alice.test 3

# --- the cap of 4 per hour still holds ---------------------------------------
out=$(fx_send a@alice.test more@dest.test 2>&1)
h_like "the fourth recipient in the hour is accepted" "$out" '250 2\.0\.0 Ok: queued'
out=$(fx_send a@alice.test most@dest.test 2>&1)
h_like "the fifth: 451 4.7.1" "$out" '<\** *451 4\.7\.1'
h_is "not charged" "$(warm alice.test)" 4
h_done
