#!/bin/bash
# test_policyd_postfix_cap.sh - the exact cap end to end: one private
# Postfix with two submission listeners, each asking its own relay-policyd
# (two processes, one Redis); 50 swaks sessions started at once, 25 on
# each, one recipient each, on one domain whose tier allows 17 per hour:
# exactly 17 messages reach the sink, 33 sessions get 451 4.7.1.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init policyd_postfix_cap
h_need_root
h_need redis-server postfix swaks dovecot
PD=$H_BUILDDIR/policyd/relay-policyd
[[ -x $PD ]] || h_bail "build relay-policyd first"

h_start_redis
h_start_sink
P1=$(h_port)
P2=$(h_port)
FX_UNSUB='domain = "unsub.relay.test"; hmac_key = "test-hmac-key-0123456789abcdef0123456789";'
FX_WARMING='tiers = ( { days = 1; per_hour = 17; per_day = 100; } );'
FX_POLICYD="listen = [ \"inet:127.0.0.1:$P1\" ]; socketmap = [ ];"
fx_conf "$H_TMP/relay1.conf"
FX_POLICYD="listen = [ \"inet:127.0.0.1:$P2\" ]; socketmap = [ ];"
fx_conf "$H_TMP/relay2.conf"
# 50 sessions start at once on a small machine: give Redis 5 s instead of
# fixtures' 500 ms. (A charge that times out may still be applied by Redis:
# that recipient got 451 4.4.2 and its slot is used; fewer than the cap
# get through, never more. This test is about the cap, not the timeout.)
sed -i 's/timeout_ms = 500;/timeout_ms = 5000;/' "$H_TMP/relay1.conf" "$H_TMP/relay2.conf"
h_start_daemon policyd1 "$PD" -f -c "$H_TMP/relay1.conf"
h_start_daemon policyd2 "$PD" -f -c "$H_TMP/relay2.conf"
h_wait_port "$P1" 10 && h_wait_port "$P2" 10 || h_bail "relay-policyd did not listen"

fx_member alice
fx_domain alice.test alice --verified-at $(($(date +%s) - 3600))
fx_passwd alice key-a

# Listener 1 (SUB_PORT) asks policyd1, listener 2 asks policyd2.
SUB2=$(h_port)
rr() {
	printf -- '-o { smtpd_recipient_restrictions = check_policy_service { inet:127.0.0.1:%s, policy_context=rcpt }, permit }' "$1"
}
FX_SUB_OPTS="  -o smtpd_delay_reject=no
  $(rr "$P1")
127.0.0.1:$SUB2 inet n - n - - smtpd
  -o syslog_name=postfix-pf/submission2
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_sasl_type=dovecot
  -o smtpd_sasl_path=$H_TMP/dovecot/auth-postfix
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
  -o smtpd_delay_reject=no
  $(rr "$P2")"
fx_start_submission

FX_USER=alice FX_PASS=key-a
pids=()
for i in $(seq 1 50); do
	port=$SUB_PORT
	((i % 2)) && port=$SUB2
	SUB_PORT=$port fx_send a@alice.test "r$i@dest.test" >"$H_TMP/swaks.$i" 2>&1 &
	pids+=($!)
done
wait "${pids[@]}"
ok=$(grep -l '250 2\.0\.0 Ok: queued' "$H_TMP"/swaks.* | wc -l)
refused=$(grep -l '451 4\.7\.1 .*Warming tier rate limit: tier 1 allows 17 per hour' "$H_TMP"/swaks.* | wc -l)
h_is "50 sessions at once through two listeners and two daemons: 17 queued" "$ok" 17
h_is "... and 33 refused with 451 4.7.1" "$refused" 33
# Both daemons ran the charge script against the one window (which of them
# got the accepted ones depends on timing: under ASan one may get none),
# and together they charged exactly the cap.
c1=$(grep -cE 'reason=(charged|hour_cap)' "$H_LOG/policyd1.log")
c2=$(grep -cE 'reason=(charged|hour_cap)' "$H_LOG/policyd2.log")
h_check "both daemons decided recipients ($c1 + $c2)" test "$c1" -gt 0 -a "$c2" -gt 0
h_is "together they charged exactly 17" \
    "$(cat "$H_LOG/policyd1.log" "$H_LOG/policyd2.log" | grep -c 'reason=charged')" 17
h_check "17 messages at the sink" h_wait_sink 17 30
sleep 1
h_is "no more than 17" "$(h_sink_count)" 17
h_done
