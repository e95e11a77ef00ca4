#!/bin/bash
# test_policyd_exact.sh - the warming caps are exact: two relay-policyd
# processes against one Redis, 50 clients released at the same moment on
# one domain with cap C: exactly C are accepted and the rest get 451 4.7.1,
# for an hour cap and for a day cap, in several rounds.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init policyd_exact
h_need redis-server
fx_policyd_bins

h_start_redis
P1=$(h_port)
P2=$(h_port)
FX_UNSUB='domain = "unsub.relay.test"; hmac_key = "test-hmac-key-0123456789abcdef0123456789";'
FX_WARMING='tiers = ( { days = 1; per_hour = 17; per_day = 30; },
                      { days = 2; per_hour = 30; per_day = 43; } );'
FX_POLICYD="listen = [ \"inet:127.0.0.1:$P1\" ]; socketmap = [ ];"
fx_conf "$H_TMP/relay1.conf"
FX_POLICYD="listen = [ \"inet:127.0.0.1:$P2\" ]; socketmap = [ ];"
fx_conf "$H_TMP/relay2.conf"
h_start_daemon policyd1 "$PD" -f -c "$H_TMP/relay1.conf"
h_start_daemon policyd2 "$PD" -f -c "$H_TMP/relay2.conf"
h_wait_port "$P1" 10 && h_wait_port "$P2" 10 || h_bail "relay-policyd did not listen"

NOW=$(date +%s)
fx_member alice
fx_domain hour.test alice --verified-at $((NOW - 3600))
fx_domain day.test alice --verified-at $((NOW - 86400 - 3600))

# Tier 1: 17 per hour. First round: 50 at once -> exactly 17.
out=$("$CLIENT" burst "$P1,$P2" 50 alice a@hour.test)
h_like "hour cap 17, 50 clients on two daemons: exactly 17 accepted" "$out" \
    '^DUNNO=17 451=33 other=0 '
h_is "17 charges stored" "$(h_redis_cli ZCARD 'relay:{d:hour.test}:warm')" 17
out=$("$CLIENT" burst "$P1,$P2" 50 alice a@hour.test)
h_like "second round: the hour is full, none accepted" "$out" '^DUNNO=0 451=50 other=0 '
h_is "refusals are not charged" "$(h_redis_cli ZCARD 'relay:{d:hour.test}:warm')" 17
h_check "both daemons decided" test "$(grep -c 'domain=hour.test' "$H_LOG/policyd1.log")" -gt 0 \
    -a "$(grep -c 'domain=hour.test' "$H_LOG/policyd2.log")" -gt 0

# Tier 2 of day.test (30 per hour, 43 per day) with 20 charges from two
# hours ago: the day has room for 23, the hour for 30; the day cap binds.
for i in $(seq 1 20); do
	h_redis_cli ZADD 'relay:{d:day.test}:warm' $(((NOW - 7200) * 1000 + i)) "old-$i" >/dev/null
done
out=$("$CLIENT" burst "$P1,$P2" 50 alice a@day.test)
h_like "day cap 43 with 20 used, 50 clients on two daemons: exactly 23 accepted" "$out" \
    '^DUNNO=23 451=27 other=0 '
h_like "the refusals name the day cap" \
    "$(grep 'domain=day.test' "$H_LOG/policyd1.log" "$H_LOG/policyd2.log" | grep 'verdict=451' | tail -1)" \
    'tier 2 allows 43 per day, retry in [0-9]+ s'

# 3 x 50 in rounds on a fresh domain: still exactly the cap in total.
fx_domain rounds.test alice --verified-at $((NOW - 60))
total=0
for r in 1 2 3; do
	out=$("$CLIENT" burst "$P1,$P2" 50 alice a@rounds.test)
	n=$(sed -n 's/^DUNNO=\([0-9]*\) .*/\1/p' <<<"$out")
	total=$((total + n))
done
h_is "three rounds of 50: 17 accepted in total" "$total" 17

# SCRIPT FLUSH under two running daemons: the one that meets NOSCRIPT
# loads the scripts again and sends its charge again (details in
# test_policyd_noscript.sh): no request gets 451 for it, each is charged once.
fx_domain flush.test alice --verified-at $((NOW - 60))
h_redis_cli SCRIPT FLUSH >/dev/null
h_is "after SCRIPT FLUSH, daemon 1: DUNNO, not 451" \
    "$("$CLIENT" ask "$P1" RCPT alice a@flush.test r1@dest.test)" action=DUNNO
h_is "... daemon 2 as well" \
    "$("$CLIENT" ask "$P2" RCPT alice a@flush.test r2@dest.test)" action=DUNNO
h_is "... each charged once" "$(h_redis_cli ZCARD 'relay:{d:flush.test}:warm')" 2
# policyd_warm.lua on its own, at its edges (relay-policyd only meets its
# facts check in a race, and never a tier with one cap 0 here): called as
# relay-policyd calls it, the reply on one line.
warm() {	# warm DOMAIN PER_HOUR PER_DAY HANDLE VERIFIED_AT PARENT
	h_redis_cli --eval "$H_SRCDIR/common/lua/policyd_warm.lua" \
	    "relay:{d:$1}:warm" "relay:{d:$1}:domain" , 0 "$2" "$3" \
	    "edge-$(date +%s%N)" "$4" "$5" "$6" | tr '\n' ' '
}
V=$((NOW - 60))
fx_domain edge.test alice --verified-at $V
h_is "facts check: another member's charge is refused, nothing charged" \
    "$(warm edge.test 5 10 bob $V 0)" "3 0 0 0 "
h_is "facts check: another verified_at is refused" \
    "$(warm edge.test 5 10 alice $((V + 1)) 0)" "3 0 0 0 "
h_is "facts check: as a parent without subdomains=1, refused" \
    "$(warm edge.test 5 10 alice $V 1)" "3 0 0 0 "
h_is "... nothing charged by the three" "$(h_redis_cli EXISTS 'relay:{d:edge.test}:warm')" 0
h_redis_cli HSET 'relay:{d:edge.test}:domain' subdomains 1 >/dev/null
h_is "as a parent with subdomains=1: charged" "$(warm edge.test 5 10 alice $V 1)" "0 1 1 0 "
# per_day 0 (unlimited by day), per_hour 5: the hour cap still holds
for i in 2 3 4 5; do r=$(warm edge.test 5 0 alice $V 0); done
h_like "per_day 0: the 5th in the hour charged" "$r" '^0 5 [0-9]+ 0 $'
h_like "per_day 0: the 6th is over the hour cap" "$(warm edge.test 5 0 alice $V 0)" '^1 5 0 [0-9]+ $'
h_like "... per_hour 0, per_day 10: the day window counts all 6" \
    "$(warm edge.test 0 10 alice $V 0)" '^0 [0-9]+ 6 0 $'
h_check "the window key expires a day and a minute after the last charge" \
    test "$(h_redis_cli PTTL 'relay:{d:edge.test}:warm')" -gt 86399000 -a \
    "$(h_redis_cli PTTL 'relay:{d:edge.test}:warm')" -le 86460000
# the trim: an entry a second older than a day leaves, one a minute inside
# the day stays; retry_ms comes from the entry that must leave first
T=$(h_redis_cli TIME | head -1)
fx_domain trim.test alice --verified-at $V
h_redis_cli ZADD 'relay:{d:trim.test}:warm' $(((T - 86401) * 1000)) stale \
    $(((T - 86340) * 1000)) inday $(((T - 3000) * 1000)) h1 $(((T - 2000) * 1000)) h2 >/dev/null
r=$(warm trim.test 2 10 alice $V 0)
h_like "2 in the hour, cap 2: over the hour cap" "$r" '^1 2 3 [0-9]+ $'
retry=$(awk '{ print $4 }' <<<"$r")
h_check "... retry_ms from the oldest entry of the hour (600 s, got $retry ms)" \
    test "$retry" -gt 590000 -a "$retry" -le 600000
h_is "... the entry older than a day is trimmed, the others kept" \
    "$(h_redis_cli ZRANGE 'relay:{d:trim.test}:warm' 0 -1 | tr '\n' ' ')" "inday h1 h2 "
h_done
