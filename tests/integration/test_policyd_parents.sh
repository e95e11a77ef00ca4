#!/bin/bash
# test_policyd_parents.sh - relay-policyd charges a subdomain's recipients
# to the enrolled parent that lets its subdomains send, at every depth
# relay-milter accepts (the sender's domain and 15 parents: common/addr.h
# ADDR_CHAIN_MAX), so a deep subdomain is no way around the warming caps;
# the nearest enrolled record decides, as in relay-milter; a domain deeper
# than relay-milter accepts is left to relay-milter's refusal.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init policyd_parents
h_need redis-server
fx_policyd_bins

h_start_redis
P=$(h_port)
FX_UNSUB='domain = "unsub.relay.test"; hmac_key = "test-hmac-key-0123456789abcdef0123456789";'
FX_WARMING='tiers = ( { days = 1; per_hour = 4; per_day = 50; } );'
FX_POLICYD="listen = [ \"inet:127.0.0.1:$P\" ]; socketmap = [ ];"
fx_conf "$H_TMP/relay.conf"
h_start_daemon policyd "$PD" -f -c "$H_TMP/relay.conf"
h_wait_port "$P" 10 || h_bail "relay-policyd did not listen"

NOW=$(date +%s)
fx_member alice
fx_domain alice.test alice --verified-at $((NOW - 3600)) --subdomains
W='relay:{d:alice.test}:warm'
# ask DOMAIN - one recipient from a@DOMAIN
ask() { "$CLIENT" ask "$P" RCPT alice "a@$1" "r$RANDOM@dest.test"; }
# below N - a domain N labels below alice.test
below() {
	local d=alice.test i
	for ((i = 1; i <= $1; i++)); do d=l$i.$d; done
	echo "$d"
}
# last - the newest decision line
last() { tail -1 "$H_LOG/policyd.log"; }

h_is "one label below: DUNNO" "$(ask "$(below 1)")" "action=DUNNO"
h_like "... charged to alice.test" "$(last)" 'domain=alice\.test .*reason=charged tier=1 hour_count=1 '
h_is "eight labels below (nine domains looked at): DUNNO" \
    "$(ask "$(below 8)")" "action=DUNNO"
h_like "... charged to alice.test" "$(last)" 'domain=alice\.test .*reason=charged tier=1 hour_count=2 '
h_is "fifteen labels below (sixteen domains, as relay-milter): DUNNO" \
    "$(ask "$(below 15)")" "action=DUNNO"
h_like "... charged to alice.test" "$(last)" 'domain=alice\.test .*reason=charged tier=1 hour_count=3 '
h_is "three charges stored" "$(h_redis_cli ZCARD "$W")" 3
ask "$(below 12)" >/dev/null
h_like "the cap reached from a deep subdomain: 451 4.7.1" \
    "$(ask "$(below 10)")" '^action=451 4\.7\.1 .*allows 4 per hour'
h_is "... nothing more charged" "$(h_redis_cli ZCARD "$W")" 4

# Deeper than relay-milter looks (it refuses the sender at MAIL FROM):
# not charged, said so.
h_is "sixteen labels below: DUNNO" "$(ask "$(below 16)")" "action=DUNNO"
h_like "... as too deep to judge" "$(last)" 'reason=domain_too_deep'
h_is "... nothing charged" "$(h_redis_cli ZCARD "$W")" 4

# The nearest record decides: a subdomain enrolled without subdomains=1
# does not let its own subdomains send, whatever its parent allows
# (relay-milter: "subdomain ... is not allowed to send").
fx_domain news.alice.test alice --verified-at $((NOW - 3600))
h_is "below a record without subdomains: DUNNO" \
    "$(ask x.news.alice.test)" "action=DUNNO"
h_like "... not charged to the grandparent" "$(last)" \
    'domain=x\.news\.alice\.test .*reason=domain_not_enrolled'
h_is "... nothing charged to alice.test" "$(h_redis_cli ZCARD "$W")" 4
h_is "... nor to news.alice.test" \
    "$(h_redis_cli ZCARD 'relay:{d:news.alice.test}:warm')" 0
h_done
