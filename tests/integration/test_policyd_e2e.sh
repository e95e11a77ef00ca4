#!/bin/bash
# test_policyd_e2e.sh - relay-policyd through a real private Postfix and a
# real Redis, driven by swaks: suspension (521 at MAIL FROM, then Postfix
# hangs up), warming tiers (451 4.7.1 with the tier, the cap and a computed
# retry time, per hour and per day), tier changes by moving verified_at back
# and by testing.clock_offset (SIGHUP reload), the queue cap (451 4.4.2),
# unauthenticated mail passing, Redis killed (451 4.4.2) and back (normal),
# Redis stopped (451 4.4.2 within the timeout) and continued.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init policyd_e2e
h_need_root
h_need redis-server postfix swaks dovecot
fx_policyd_bins

h_start_redis persist
h_start_sink
PPORT=$(h_port)
FX_POLICYD="listen = [ \"inet:127.0.0.1:$PPORT\" ]; socketmap = [ ]; queue_cap = 2;"
FX_WARMING='tiers = ( { days = 1; per_hour = 3; per_day = 4; },
                      { days = 3; per_hour = 6; per_day = 10; } );'
# fixtures.sh's default FX_UNSUB loses its quotes inside the here-document
FX_UNSUB='domain = "unsub.relay.test"; hmac_key = "test-hmac-key-0123456789abcdef0123456789";'
export FX_UNSUB
# write_conf OFFSET - relay.conf with testing.clock_offset, then SIGHUP
write_conf() {
	FX_TESTING="clock_offset = $1;" fx_conf
	if [[ -n ${2:-} ]]; then
		kill -HUP "$(h_daemon_pid policyd)"
		h_wait_log "reload=ok clock_offset=$1\$" 5 "$H_LOG/policyd.log" >/dev/null
	fi
}
write_conf 0
h_start_daemon policyd "$PD" -f -c "$FX_CONF"
h_wait_port "$PPORT" 10 || h_bail "relay-policyd did not listen"

NOW=$(date +%s)
fx_member alice
fx_domain alice.test alice --verified-at $((NOW - 3600))
fx_member bob
fx_domain bob.test bob
fx_suspend bob "bounce rate 12.5% over 200 messages" auto
fx_member carol
fx_domain carol.test carol
fx_passwd alice key-a
fx_passwd bob key-b
fx_passwd carol key-c

# The Postfix lines of contrib/postfix/policyd.cf; smtpd_delay_reject=no so
# that sender restrictions (the MAIL stage) run at MAIL FROM. A second
# submission listener keeps Postfix's default smtpd_delay_reject=yes: there
# the sender restrictions run at RCPT TO, and policy_context keeps the two
# requests apart (one charge per recipient, the queue cap still checked).
SUB2=$(h_port)
PF_MAIN_EXTRA="smtpd_sender_restrictions =
    check_policy_service { inet:127.0.0.1:$PPORT, policy_context=mail }
smtpd_recipient_restrictions =
    check_policy_service { inet:127.0.0.1:$PPORT, policy_context=rcpt }, permit
smtpd_policy_service_default_action = 451 4.4.2 Queue full or transient submission error
smtpd_policy_service_timeout = 10s"
FX_SUB_OPTS="  -o smtpd_delay_reject=no
127.0.0.1:$SUB2 inet n - n - - smtpd
  -o syslog_name=postfix-pf/submission2
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_sasl_type=dovecot
  -o smtpd_sasl_path=$H_TMP/dovecot/auth-postfix
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject"
fx_member dave
fx_domain dave.test dave --verified-at $((NOW - 60))
fx_passwd dave key-d
fx_start_submission

# send USER FROM TO - one message; prints swaks' transcript
send() {
	FX_USER=$1 FX_PASS=key-${1:0:1} fx_send "$2" "$3" --header "Subject: t" 2>&1
}

# --- suspension: 521 at MAIL FROM with the reason, then the session ends
out=$(send bob b@bob.test r@dest.test)
h_like "suspended member: 521 at MAIL FROM with the reason" "$out" \
    '<\*\* 521 5\.7\.1 <b@bob\.test>: Sender address rejected: Member suspended: bounce rate 12\.5% over 200 messages'
h_unlike "no RCPT TO after the 521" "$out" '-> RCPT TO'
h_check "Postfix hangs up after the 521" h_wait_log \
    'submission/smtpd.*disconnect from .* mail=0/1 ' 10
for st in RCPT DATA END-OF-MESSAGE; do
	h_is "suspended member: 521 at $st too" \
	    "$("$CLIENT" ask "$PPORT" "$st" bob b@bob.test r@dest.test)" \
	    "action=521 5.7.1 Member suspended: bounce rate 12.5% over 200 messages"
done
h_like "decision logged with member and verdict" \
    "$(grep 'member=bob' "$H_LOG/policyd.log" | tail -1)" \
    'member=bob state=END-OF-MESSAGE verdict=521 reason=suspended'

# --- warming tier 1: 3 per hour
ok=0
for i in 1 2 3; do
	out=$(send alice a@alice.test "r$i@dest.test")
	[[ $out =~ '250 2.0.0 Ok: queued' ]] && ok=$((ok + 1))
done
h_is "tier 1: three recipients within the hour accepted" "$ok" 3
out=$(send alice a@alice.test r4@dest.test)
h_like "tier 1: the fourth gets 451 4.7.1 with tier, cap and retry" "$out" \
    '<\*\* 451 4\.7\.1 <r4@dest\.test>: Recipient address rejected: Warming tier rate limit: tier 1 allows 3 per hour, retry in [0-9]+ s'
first=$(h_redis_cli ZRANGE 'relay:{d:alice.test}:warm' 0 0 WITHSCORES | tail -1)
retry=$(sed -n 's/.*retry in \([0-9]*\) s.*/\1/p' <<<"$out" | head -1)
now_ms=$(($(date +%s%N) / 1000000))
want=$(((first + 3600000 - now_ms + 999) / 1000))
h_check "retry time is when the oldest charge leaves the hour ($retry s, about $want s)" \
    test "$retry" -ge $((want - 2)) -a "$retry" -le $((want + 1))
h_like "rate decision logged with tier and counts" \
    "$(grep 'reason=hour_cap' "$H_LOG/policyd.log" | tail -1)" \
    'member=alice state=RCPT context=rcpt domain=alice\.test verdict=451 reason=hour_cap tier=1 hour_count=3 per_hour=3 day_count=3 per_day=4'

# --- one hour and a bit later (clock_offset): the day cap of 4 binds
write_conf 3700 hup
out=$(send alice a@alice.test r5@dest.test)
h_like "an hour later: the hour window has room again" "$out" '250 2\.0\.0 Ok: queued'
out=$(send alice a@alice.test r6@dest.test)
h_like "the day cap: tier 1 allows 4 per day" "$out" \
    '451 4\.7\.1 <r6@dest\.test>: Recipient address rejected: Warming tier rate limit: tier 1 allows 4 per day, retry in [0-9]+ s'
retry=$(sed -n 's/.*retry in \([0-9]*\) s.*/\1/p' <<<"$out" | head -1)
want=$(((first + 86400000 - now_ms) / 1000 - 3700))
h_check "day retry is when the oldest charge leaves the day ($retry s, about $want s)" \
    test "$retry" -ge $((want - 20)) -a "$retry" -le $((want + 2))

# --- verified two days earlier: tier 2 (6 per hour, 10 per day)
h_redis_cli HSET 'relay:{d:alice.test}:domain' verified_at $((NOW - 3600 - 2 * 86400)) >/dev/null
ok=0
for i in 7 8 9 10 11; do
	out=$(send alice a@alice.test "r$i@dest.test")
	[[ $out =~ '250 2.0.0 Ok: queued' ]] && ok=$((ok + 1))
done
h_is "tier 2: five more within the hour (six in it)" "$ok" 5
out=$(send alice a@alice.test r12@dest.test)
h_like "tier 2 allows 6 per hour" "$out" \
    'Warming tier rate limit: tier 2 allows 6 per hour, retry in [0-9]+ s'

# --- fourteen days on (clock_offset): past the last tier, standard caps (unlimited)
write_conf $((14 * 86400)) hup
out=$(send alice a@alice.test r13@dest.test)
h_like "past the last tier: accepted" "$out" '250 2\.0\.0 Ok: queued'
h_like "logged as unlimited standard caps" \
    "$(grep 'member=alice state=RCPT' "$H_LOG/policyd.log" | tail -1)" \
    'verdict=DUNNO reason=unlimited'
write_conf 0 hup

# --- queue cap: 2 in flight, cap 2
h_redis_cli ZADD 'relay:{m:carol}:inflight' "$(date +%s)" q1 "$(date +%s)" q2 >/dev/null
out=$(send carol c@carol.test r@dest.test)
h_like "queue cap reached: 451 4.4.2 Queue full at MAIL FROM" "$out" \
    '<\*\* 451 4\.4\.2 <c@carol\.test>: Sender address rejected: Queue full or transient submission error: 2 messages queued, cap 2'
# An entry older than milter.record_ttl (7 days) no longer counts.
h_redis_cli ZADD 'relay:{m:carol}:inflight' $(($(date +%s) - 8 * 86400)) q2 >/dev/null
out=$(send carol c@carol.test r@dest.test)
h_like "one message fewer in flight: accepted" "$out" '250 2\.0\.0 Ok: queued'

# --- unauthenticated (the inbound path): DUNNO, Redis not asked
out=$(h_swaks --from x@outside.test --to r@dest.test 2>&1)
h_like "unauthenticated: not refused by the policy" "$out" '250 2\.0\.0 Ok: queued'
h_check "unauthenticated logged as DUNNO" grep -q 'verdict=DUNNO reason=unauthenticated' "$H_LOG/policyd.log"

# --- Redis killed: 451 4.4.2 at once; back: normal
h_kill_redis
t0=$(date +%s%N)
out=$(send carol c@carol.test r@dest.test)
t1=$(date +%s%N)
h_like "Redis down: 451 4.4.2 at MAIL FROM" "$out" \
    '<\*\* 451 4\.4\.2 <c@carol\.test>: Sender address rejected: Queue full or transient submission error'
h_unlike "Redis down: never accepted" "$out" 'Ok: queued'
h_check "Redis down: the whole session took under 5 s" test $(((t1 - t0) / 1000000)) -lt 5000
ups=$(h_log_count 'redis=up' "$H_LOG/policyd.log")
h_restart_redis
h_check "Redis back: relay-policyd reconnects" \
    h_wait_log_count 'redis=up' $((ups + 1)) 10 "$H_LOG/policyd.log"
out=$(send carol c@carol.test r@dest.test)
h_like "Redis back: accepted again" "$out" '250 2\.0\.0 Ok: queued'
out=$(send bob b@bob.test r@dest.test)
h_like "Redis back: state kept, bob still suspended" "$out" '521 5\.7\.1'

# --- Redis stopped (slower than timeout_ms = 500): 451 4.4.2 within it
kill -STOP "$REDIS_PID"
t0=$(date +%s%N)
ans=$("$CLIENT" ask "$PPORT" MAIL carol c@carol.test r@dest.test)
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
kill -CONT "$REDIS_PID"
h_like "Redis stalled: action=451 4.4.2" "$ans" '^action=451 4\.4\.2 '
h_check "Redis stalled: answered within the timeout ($ms ms)" test "$ms" -ge 400 -a "$ms" -lt 2000
h_check "Redis continued: answers normal again" \
    h_wait_for 5 bash -c "\"$CLIENT\" ask $PPORT MAIL alice a@alice.test r@dest.test | grep -qx action=DUNNO"
h_check "relay-policyd still runs" h_daemon_alive policyd

# --- smtpd_delay_reject=yes (second listener): the MAIL-stage request comes
# at RCPT TO with policy_context=mail
send2() { SUB_PORT=$SUB2 send "$@"; }
ok=0
for i in 1 2 3; do
	out=$(send2 dave d@dave.test "r$i@dest.test")
	[[ $out =~ '250 2.0.0 Ok: queued' ]] && ok=$((ok + 1))
done
h_is "delay_reject=yes: three recipients of tier 1 accepted (one charge each)" "$ok" 3
h_is "delay_reject=yes: three charges stored" "$(h_redis_cli ZCARD 'relay:{d:dave.test}:warm')" 3
out=$(send2 dave d@dave.test r4@dest.test)
h_like "delay_reject=yes: the fourth refused, tier 1 allows 3 per hour" "$out" \
    '451 4\.7\.1 <r4@dest\.test>: Recipient address rejected: Warming tier rate limit: tier 1 allows 3 per hour'
h_like "context logged" "$(grep 'member=dave' "$H_LOG/policyd.log" | tail -2 | head -1)" \
    'state=RCPT context=mail verdict=DUNNO reason=ok queued=0'
out=$(send2 bob b@bob.test r@dest.test)
h_like "delay_reject=yes: suspended member refused (at RCPT TO) with 521" "$out" \
    '<\*\* 521 5\.7\.1 <b@bob\.test>: Sender address rejected: Member suspended: bounce rate 12\.5%'
h_redis_cli ZADD 'relay:{m:carol}:inflight' "$(date +%s)" q5 "$(date +%s)" q6 >/dev/null
out=$(send2 carol c@carol.test r@dest.test)
h_like "delay_reject=yes: the queue cap is still checked" "$out" \
    '451 4\.4\.2 <c@carol\.test>: Sender address rejected: Queue full or transient submission error: [0-9]+ messages queued, cap 2'

# --- relay-policyd gone: Postfix's default action, a 4xx
h_stop_daemon policyd
out=$(send alice a@alice.test r@dest.test)
h_like "relay-policyd stopped: 451 4.4.2 from smtpd_policy_service_default_action" \
    "$out" '<\*\* 451 4\.4\.2 <a@alice\.test>: Sender address rejected: Queue full'
h_done
