#!/bin/bash
# test_auth.sh - SMTP AUTH end to end: swaks -> private Postfix (submission,
# smtpd_sasl_type=dovecot) -> Dovecot (passdb checkpassword, the settings of
# contrib/dovecot/auth-relay.conf.ext) -> relay-checkpw -> Redis, with the
# members and keys made by relayctl. Success, 535 5.7.8 for a wrong key or
# handle, case-insensitive handles, revocation effective at the next login,
# suspended members still authenticating, a temporary failure (never an
# accepted login) when Redis is down.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init auth
h_need_root
h_need redis-server postfix dovecot swaks doveadm

CTL=$H_BUILDDIR/contrib/relayctl/relayctl
CHECKPW=$H_BUILDDIR/contrib/checkpw/relay-checkpw
[[ -x $CTL && -x $CHECKPW ]] || h_bail "build relayctl and relay-checkpw first"
ctl() { "$CTL" -c "$FX_CONF" "$@"; }

h_start_redis
fx_conf
chmod 0644 "$FX_CONF"
# relay-checkpw runs as user dovecot: it must reach the program and relay.conf.
cp "$CHECKPW" "$H_BIN/relay-checkpw"
chmod 0755 "$H_BIN/relay-checkpw"

ctl member add alice --did did:plc:abcdefghijklmnopqrstuvwx >/dev/null
ctl member add bob --did did:web:bob.example >/dev/null
out=$(ctl --json apikey create alice)
KEY1=$(fx_jget 'd["key"]' <<<"$out")
ID1=$(fx_jget 'd["id"]' <<<"$out")
KEY2=$(ctl apikey create alice 2>/dev/null)
BOBKEY=$(ctl apikey create bob 2>/dev/null)

# The passdb and cache settings exactly as contrib/dovecot ships them,
# with the test's paths.
ext=$H_SRCDIR/contrib/dovecot/auth-relay.conf.ext
h_check "contrib passdb uses checkpassword" grep -q 'driver = checkpassword' "$ext"
h_check "contrib sets auth_cache_size = 0" grep -q '^auth_cache_size = 0' "$ext"
DV_CONF_EXTRA=$(grep -E '^auth_(cache_size|username_format)' "$ext")
h_start_dovecot passdb "  driver = checkpassword
  args = $H_BIN/relay-checkpw -c $FX_CONF"

h_like "doveadm: right key" "$(doveadm -c "$DV_CONF" auth test alice "$KEY1" 2>&1)" "auth succeeded"
h_like "doveadm: wrong key" "$(doveadm -c "$DV_CONF" auth test alice wrong-key 2>&1)" "auth failed"

h_start_sink
SUB_PORT=$(h_port)
PF_MASTER_EXTRA="127.0.0.1:$SUB_PORT inet n - n - - smtpd
  -o syslog_name=postfix-pf/submission
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_sasl_type=dovecot
  -o smtpd_sasl_path=$DV_AUTH_SOCK
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject"
h_start_postfix
h_wait_port "$SUB_PORT" 10 || h_bail "submission port did not open"

send() {	# send USER KEY
	h_swaks --server "127.0.0.1:$SUB_PORT" --auth PLAIN --auth-user "$1" \
	    --auth-password="$2" --from a@alice.example --to r@dest.example 2>&1
}

out=$(send alice "$KEY1")
h_like "right key: 235" "$out" '<-  235 2\.7\.0 Authentication successful'
h_like "right key: queued" "$out" '<-  250 2\.0\.0 Ok: queued'
h_like "last-used time recorded" "$(h_redis_cli HGET 'relay:{m:alice}:apikeys_used' "$ID1")" '^[0-9]{10}$'
h_like "Postfix logs the handle" "$(h_wait_log 'sasl_username=alice' 10)" 'sasl_method=PLAIN, sasl_username=alice'
out=$(send ALICE "$KEY2")
h_like "upper-case handle, second key: 235" "$out" '<-  235 2\.7\.0'
out=$(h_swaks --server "127.0.0.1:$SUB_PORT" --auth LOGIN --auth-user Alice \
    --auth-password="$KEY1" --from a@alice.example --to r@dest.example 2>&1)
h_like "AUTH LOGIN, mixed case: 235" "$out" '<-  235 2\.7\.0'

out=$(send alice "${KEY1}x")
h_like "wrong key: 535 5.7.8" "$out" '<\*\* 535 5\.7\.8 '
out=$(send alice "$BOBKEY")
h_like "another member's key: 535 5.7.8" "$out" '<\*\* 535 5\.7\.8 '
out=$(send nobody "$KEY1")
h_like "unknown handle: 535 5.7.8" "$out" '<\*\* 535 5\.7\.8 '
out=$(send 'al{ice}' "$KEY1")
h_like "handle that is no handle: 535 5.7.8" "$out" '<\*\* 535 5\.7\.8 '
h_like "checkpw logged the failure" "$(cat "$DV_LOG")" 'user=alice result=fail'

# Revocation takes effect at the next login: no cache anywhere.
out=$(send alice "$KEY1")
h_like "key 1 works before revoke" "$out" '<-  235 '
h_check "revoke key 1" ctl apikey revoke alice "$ID1"
out=$(send alice "$KEY1")
h_like "revoked key: 535 5.7.8 at once" "$out" '<\*\* 535 5\.7\.8 '
out=$(send alice "$KEY2")
h_like "the other key still works" "$out" '<-  235 '

# Suspension is relay-policyd's answer (521 at MAIL FROM), not a login failure.
h_check "suspend alice" ctl member suspend alice --reason "testing"
out=$(send alice "$KEY2")
h_like "suspended member still authenticates" "$out" '<-  235 2\.7\.0'
ctl member unsuspend alice >/dev/null

# A member removed (after its domains) cannot log in any more.
h_check "remove bob" ctl member remove bob
out=$(send bob "$BOBKEY")
h_like "removed member: 535" "$out" '<\*\* 535 5\.7\.8 '

# Redis down: relay-checkpw reports a temporary failure (exit 111), which
# Dovecot passes on as FAIL code=temp_fail. Postfix 3.7's Dovecot client
# turns every FAIL into 535 (only a lost auth connection gives 454), so the
# client sees a refusal, never an unchecked login.
h_stop_redis
out=$(send alice "$KEY2")
h_like "Redis down: login refused" "$out" '<\*\* (454 4\.7\.0|535 5\.7\.8) '
h_unlike "Redis down: no 235" "$out" '<-  235 '
h_like "Redis down: a temporary failure for Dovecot (exit 111)" \
    "$(h_wait_log 'exited with status 111' 5 "$DV_LOG")" 'checkpassword\(alice'
h_done
