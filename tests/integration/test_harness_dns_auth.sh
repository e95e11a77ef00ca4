#!/bin/bash
# test_harness_dns_auth.sh - proves the DNS and SMTP AUTH parts of the
# integration harness (lib.sh): unbound serving a small test zone (a TXT
# record split in two strings, a record added and removed at run time,
# everything else REFUSED), and an auth-only Dovecot with a checkpassword
# script behind a Postfix submission listener (smtpd_sasl_type=dovecot):
# alice/secret gets 235, a wrong password 535 5.7.8, no AUTH no relay.
# Run: RELAY_TOP_SRCDIR=. bash tests/integration/test_harness_dns_auth.sh

. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
set -u

h_init harness_dns_auth
h_need_root
h_need unbound unbound-control unbound-checkconf dig dovecot doveadm doveconf \
    postfix swaks /usr/bin/python3

# --- DNS -------------------------------------------------------------------
cat >"$H_TMP/enrolled.example.zone" <<'ZONE'
$ORIGIN enrolled.example.
$TTL 60
@      IN SOA ns1 hostmaster 1 3600 600 86400 60
@      IN NS  ns1
ns1    IN A   127.0.0.1
_relay-verify IN TXT "relay-verify=7f3c9a2e51d04b8c"
sel1._domainkey IN TXT ( "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKC"
                         "AQEArKzeXgRtdWJDyKPadOi2tknlfGsm+F9i7VKIMLl+Gfo0hs5TuweoDxHs" )
ZONE
h_start_unbound enrolled.example "$H_TMP/enrolled.example.zone"
h_like "unbound listens on a loopback port" "$DNS_PORT" '^[0-9]+$'

txt=$(h_dig +short TXT sel1._domainkey.enrolled.example)
h_is "the split TXT record comes back as two strings" "$txt" \
    '"v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKC" "AQEArKzeXgRtdWJDyKPadOi2tknlfGsm+F9i7VKIMLl+Gfo0hs5TuweoDxHs"'
out=$(h_dig TXT sel1._domainkey.enrolled.example)
h_like "the answer is authoritative" "$out" 'flags: qr aa'
h_like "a name not in the zone is NXDOMAIN" \
    "$(h_dig TXT nope.enrolled.example)" 'status: NXDOMAIN'
h_like "names outside the test zones are REFUSED" \
    "$(h_dig A www.google.com)" 'status: REFUSED'
h_like "TCP works as well" \
    "$(h_dig +tcp +short TXT _relay-verify.enrolled.example)" '^"relay-verify=7f3c9a2e51d04b8c"$'

h_check "h_dns_add a record in the zone" \
    h_dns_add '_relay-verify.late.enrolled.example. 60 IN TXT "relay-verify=abc123"'
h_is "the added record is served" \
    "$(h_dig +short TXT _relay-verify.late.enrolled.example)" '"relay-verify=abc123"'
h_check "h_dns_add a record outside the zone" \
    h_dns_add 'sel9._domainkey.other.example. 60 IN TXT "v=DKIM1; p=" "second"'
h_is "the record outside the zone is served" \
    "$(h_dig +short TXT sel9._domainkey.other.example)" '"v=DKIM1; p=" "second"'
h_check "h_dns_remove the first one" h_dns_remove _relay-verify.late.enrolled.example.
h_like "the removed record is gone" \
    "$(h_dig TXT _relay-verify.late.enrolled.example)" 'status: NXDOMAIN'
echo '_relay-verify2 IN TXT "tok2"' >>"$DNS_DIR/enrolled.example.zone"
h_check "h_dns_reload re-reads the zone file" h_dns_reload enrolled.example
h_is "the record added to the zone file is served" \
    "$(h_dig +short TXT _relay-verify2.enrolled.example)" '"tok2"'

# --- Dovecot + Postfix submission --------------------------------------------
# checkpassword: "user\0password\0" on fd 3; runs as user dovecot.
cat >"$H_BIN/checkpw.sh" <<'CHECKPW'
#!/bin/sh
# accepts alice/secret, nothing else (exit 1 = wrong user or password)
IFS= read -r -d '' user <&3 || exit 1
IFS= read -r -d '' pass <&3 || exit 1
if [ "$user" = alice ] && [ "$pass" = secret ]; then
	USER=$user
	export USER
	exec "$@"
fi
exit 1
CHECKPW
# read -d is not POSIX: run it with bash
sed -i '1s|.*|#!/bin/bash|' "$H_BIN/checkpw.sh"
chmod 0755 "$H_BIN/checkpw.sh"

h_start_dovecot checkpassword "$H_BIN/checkpw.sh"
h_check "Dovecot's auth socket is there" test -S "$DV_AUTH_SOCK"
h_check "doveadm auth test alice/secret" h_dv_auth_test alice secret
h_check_not "doveadm auth test alice/wrong fails" h_dv_auth_test alice wrong

SUB_PORT=$(h_port) || h_bail "no port for the submission listener"
PF_MASTER_EXTRA="127.0.0.1:$SUB_PORT inet n - n - - smtpd
  -o syslog_name=postfix-pf/submission
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_sasl_type=dovecot
  -o smtpd_sasl_path=$DV_AUTH_SOCK
  -o smtpd_sasl_security_options=noanonymous
  -o smtpd_tls_security_level=none
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject"
h_start_sink
h_start_postfix
h_check "the submission listener is up" h_wait_port "$SUB_PORT" 10

out=$(h_swaks --server "127.0.0.1:$SUB_PORT" --auth PLAIN --auth-user alice \
    --auth-password secret --from alice@member.example --to ok@dest.example \
    --header 'Message-ID: <auth-1@member.example>' 2>&1)
h_like "AUTH PLAIN alice/secret is accepted" "$out" '235 2\.7\.0 Authentication successful'
h_like "and the message is queued" "$out" '250 2\.0\.0 Ok: queued as'
h_check "the message reaches the sink" h_wait_sink 1 20
h_like "maillog: sasl_username=alice" \
    "$(h_wait_log 'postfix-pf/submission/smtpd\[[0-9]+\]: [0-9A-Za-z]+: client=.*sasl_username=alice' 10)" \
    'sasl_method=PLAIN, sasl_username=alice'

out=$(h_swaks --server "127.0.0.1:$SUB_PORT" --auth LOGIN --auth-user alice \
    --auth-password secret --from alice@member.example --to ok@dest.example 2>&1)
h_like "AUTH LOGIN alice/secret is accepted too" "$out" '235 2\.7\.0 Authentication successful'

out=$(h_swaks --server "127.0.0.1:$SUB_PORT" --auth PLAIN --auth-user alice \
    --auth-password wrong --from alice@member.example --to ok@dest.example 2>&1)
h_like "a wrong password gets 535 5.7.8" "$out" '535 5\.7\.8 '
out=$(h_swaks --server "127.0.0.1:$SUB_PORT" --auth PLAIN --auth-user mallory \
    --auth-password secret --from m@member.example --to ok@dest.example 2>&1)
h_like "an unknown user gets 535 5.7.8" "$out" '535 5\.7\.8 '
h_like "maillog: the failed AUTH is logged" \
    "$(h_wait_log 'SASL PLAIN authentication failed.*sasl_username=alice' 10)" 'authentication failed'

out=$(h_swaks --server "127.0.0.1:$SUB_PORT" --from alice@member.example \
    --to ok@dest.example 2>&1)
h_like "without AUTH the submission port relays nothing" "$out" \
    '554 5\.7\.1 <ok@dest\.example>: Recipient address rejected: Access denied'

h_done
