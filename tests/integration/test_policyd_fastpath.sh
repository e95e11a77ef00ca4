#!/bin/bash
# test_policyd_fastpath.sh - relay-policyd charges a recipient in one round
# trip once it knows the sender's domain (policyd_dcache), and never under
# facts that no longer hold: a member suspended meanwhile gets 521 and its
# charge is taken back; a domain verified again, given to another member or
# removed is read again before anything is charged; a member whose own caps
# changed is charged under the new ones. Each decision's log line says how
# many round trips it took (trips=N).
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init policyd_fastpath
h_need redis-server
fx_policyd_bins

h_start_redis
P=$(h_port)
FX_UNSUB='domain = "unsub.relay.test"; hmac_key = "test-hmac-key-0123456789abcdef0123456789";'
FX_WARMING='tiers = ( { days = 1; per_hour = 5; per_day = 50; } );
            standard_per_hour = 7; standard_per_day = 0;'
FX_POLICYD="listen = [ \"inet:127.0.0.1:$P\" ]; socketmap = [ ];"
fx_conf "$H_TMP/relay.conf"
h_start_daemon policyd "$PD" -f -c "$H_TMP/relay.conf"
h_wait_port "$P" 10 || h_bail "relay-policyd did not listen"

NOW=$(date +%s)
fx_member alice
fx_member bob
fx_domain fast.test alice --verified-at $((NOW - 3600))
W='relay:{d:fast.test}:warm'
ask() { "$CLIENT" ask "$P" RCPT alice a@fast.test "r$RANDOM@dest.test"; }
# last - the newest decision line for fast.test
last() { grep 'domain=fast.test' "$H_LOG/policyd.log" | tail -1; }

h_is "first request: DUNNO" "$(ask)" "action=DUNNO"
h_like "... read the facts, then charged: two round trips" "$(last)" ' trips=2 '
h_is "second request: DUNNO" "$(ask)" "action=DUNNO"
h_like "... from the cache: one round trip" "$(last)" ' trips=1 '
h_like "... charged under tier 1" "$(last)" ' tier=1 hour_count=2 per_hour=5 '
h_is "two charges stored" "$(h_redis_cli ZCARD "$W")" 2

# Suspended while its domain is cached: 521, and the charge made in the
# same round trip is taken back.
fx_suspend alice "abuse report"
h_like "suspended member at RCPT: 521" "$(ask)" '^action=521 5\.7\.1 .*abuse report'
h_check "... its speculative charge is taken back" \
    h_wait_for 5 bash -c "[[ \$(redis-cli -s '$REDIS_SOCK' ZCARD '$W') == 2 ]]"
h_redis_cli HSET 'relay:{m:alice}:member' suspended 0 >/dev/null

# Verified again 30 days earlier: past the last tier, standard caps (7/h).
# The cached verified_at no longer holds: the script refuses to charge and
# the facts are read again.
h_redis_cli HSET 'relay:{d:fast.test}:domain' verified_at $((NOW - 30 * 86400)) >/dev/null
h_is "verified_at moved back: DUNNO" "$(ask)" "action=DUNNO"
h_like "... read again: three round trips, standard caps" "$(last)" \
    ' tier=0 hour_count=3 per_hour=7 .* trips=3 '
h_is "... and charged once" "$(h_redis_cli ZCARD "$W")" 3
h_is "next request: DUNNO" "$(ask)" "action=DUNNO"
h_like "... from the cache again" "$(last)" ' tier=0 hour_count=4 per_hour=7 .* trips=1 '

# The member's own cap (2 per hour) replaces the standard 7: the charge
# made under 7 is taken back and the recipient judged under 2.
h_redis_cli HSET 'relay:{m:alice}:member' per_hour 2 >/dev/null
h_like "member's own per_hour 2 with 4 used: 451 4.7.1" "$(ask)" \
    '^action=451 4\.7\.1 .*allows 2 per hour'
h_check "... nothing charged" \
    h_wait_for 5 bash -c "[[ \$(redis-cli -s '$REDIS_SOCK' ZCARD '$W') == 4 ]]"
h_redis_cli HDEL 'relay:{m:alice}:member' per_hour >/dev/null

# Given to another member while cached: not alice's to charge.
h_redis_cli HSET 'relay:{d:fast.test}:domain' member bob >/dev/null
h_is "domain now bob's: DUNNO" "$(ask)" "action=DUNNO"
h_like "... as another member's domain, not charged" "$(last)" 'reason=domain_of_other_member'
h_is "... nothing charged" "$(h_redis_cli ZCARD "$W")" 4

# Removed while cached (alice's again first, so the cache holds it).
h_redis_cli HSET 'relay:{d:fast.test}:domain' member alice >/dev/null
ask >/dev/null
n=$(h_redis_cli ZCARD "$W")
h_redis_cli DEL 'relay:{d:fast.test}:domain' >/dev/null
h_is "domain removed: DUNNO" "$(ask)" "action=DUNNO"
h_like "... as not enrolled" "$(last)" 'reason=domain_not_enrolled'
h_is "... nothing charged" "$(h_redis_cli ZCARD "$W")" "$n"
h_done
