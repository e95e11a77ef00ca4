#!/bin/bash
# test_policyd_noscript.sh - relay-policyd after Redis lost its scripts
# (SCRIPT FLUSH, or a failover to a replica that never loaded them): the
# EVALSHA that meets NOSCRIPT is sent again behind a SCRIPT LOAD, so no
# client gets a 451 for it, and nothing is charged twice.
#  - a RCPT request charged on the cached fast path (member hash and
#    policyd_warm.lua in one batch) and one on the two-trip path: DUNNO,
#    one charge each, the scripts are in Redis again;
#  - requests in flight together when the scripts go: one reload for all;
#  - the load refused (ACL -script|load): that request alone gets 451
#    4.4.2, with a log line, after one resend, never a loop; allowed again,
#    the next one is answered normally.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init policyd_noscript
h_need redis-server sha1sum
fx_policyd_bins

h_start_redis
P=$(h_port)
FX_WARMING='tiers = ( { days = 1; per_hour = 1000; per_day = 10000; } );'
FX_POLICYD="listen = [ \"inet:127.0.0.1:$P\" ]; socketmap = [ ];"
fx_conf
# A login of its own, so that the last case can refuse SCRIPT LOAD alone.
h_redis_cli ACL SETUSER pd on '>pd-secret' '~*' '&*' +@all >/dev/null
sed 's|socket = "[^"]*";|& user = "pd"; password = "pd-secret";|' "$FX_CONF" >"$H_TMP/pd.conf"
NOW=$(date +%s)
fx_member alice
fx_domain ns.test alice --verified-at $((NOW - 3600))
fx_domain slow.test alice --verified-at $((NOW - 3600))
h_start_daemon pd "$PD" -f -c "$H_TMP/pd.conf"
h_wait_port "$P" 10 || h_bail "relay-policyd did not listen"

WARM=$(h_lua_sha policyd_warm)
ask() { "$CLIENT" ask "$P" RCPT alice "a@$1" "r$RANDOM@dest.test" 2>&1; }
charges() { h_redis_cli ZCARD "relay:{d:$1}:warm"; }
reloads() { grep -c 'redis=noscript action=reload' "$H_LOG/pd.log"; }
# logged - wait (bounded) for the log to hold N lines matching RE
logged() { h_wait_for 5 bash -c "(( \$(grep -cE '$1' '$H_LOG/pd.log') >= $2 ))"; }

h_is "before: DUNNO" "$(ask ns.test)" "action=DUNNO"
h_is "...the domain is cached: next one charged in one trip" "$(ask ns.test)" "action=DUNNO"
h_is "...policyd_warm.lua is in Redis" "$(h_redis_cli SCRIPT EXISTS "$WARM")" 1

# --- the fast path: HMGET and EVALSHA in one batch
h_redis_cli SCRIPT FLUSH >/dev/null
h_is "flushed: policyd_warm.lua is gone" "$(h_redis_cli SCRIPT EXISTS "$WARM")" 0
h_is "fast path after SCRIPT FLUSH: DUNNO, not 451" "$(ask ns.test)" "action=DUNNO"
h_is "...policyd_warm.lua is loaded again" "$(h_redis_cli SCRIPT EXISTS "$WARM")" 1
h_is "...charged once: three charges in all" "$(charges ns.test)" 3
h_check "...one reload logged" logged 'redis=noscript action=reload' 1
h_like "...the verdict line: charged in one trip" \
    "$(grep 'domain=ns.test' "$H_LOG/pd.log" | tail -1)" 'verdict=DUNNO .* hour_count=3 .* trips=1 '

# --- the two-trip path: the facts (no script), then EVALSHA alone
h_redis_cli SCRIPT FLUSH >/dev/null
h_is "slow path after SCRIPT FLUSH: DUNNO, not 451" "$(ask slow.test)" "action=DUNNO"
h_is "...policyd_warm.lua is loaded again" "$(h_redis_cli SCRIPT EXISTS "$WARM")" 1
h_is "...charged once" "$(charges slow.test)" 1
h_check "...a second reload logged" logged 'redis=noscript action=reload' 2

# --- requests in flight together: every one answered, one reload
h_redis_cli SCRIPT FLUSH >/dev/null
before=$(reloads)
h_like "20 requests together after SCRIPT FLUSH: all DUNNO" \
    "$("$CLIENT" burst "$P" 20 alice a@ns.test 2>&1)" '^DUNNO=20 451=0 other=0'
h_is "...charged once each" "$(charges ns.test)" 23
h_is "...one reload for all of them" "$(reloads)" $((before + 1))
h_is "...policyd_warm.lua is loaded again" "$(h_redis_cli SCRIPT EXISTS "$WARM")" 1
h_is "...no 451 logged" "$(grep -c 'verdict=451' "$H_LOG/pd.log")" 0

# --- the load refused: 451 once per request, never a loop
h_redis_cli ACL SETUSER pd -script\|load >/dev/null
h_redis_cli SCRIPT FLUSH >/dev/null
before=$(reloads)
h_like "SCRIPT LOAD refused: 451 4.4.2" "$(ask ns.test)" '^action=451 4\.4\.2 '
h_check "...the refusal is logged" logged 'redis=script_load_failed reason="SCRIPT LOAD: NOPERM' 1
h_check "...and the connection without its scripts dropped" logged 'redis=down reason="NOSCRIPT after SCRIPT LOAD' 1
h_like "...the verdict line carries Redis's error" \
    "$(grep 'reason=redis_bad_reply' "$H_LOG/pd.log" | tail -1)" 'error="?NOSCRIPT'
h_like "still refused: the next request 451 too" "$(ask ns.test)" '^action=451 4\.4\.2 '
h_is "...one reload tried, not one per request (re-audit 7 F8)" "$(reloads)" $((before + 1))
h_is "...down said once" "$(grep -c 'redis=down' "$H_LOG/pd.log")" 1
h_is "...nothing charged" "$(charges ns.test)" 23
ups=$(grep -c 'redis=up' "$H_LOG/pd.log")
h_redis_cli ACL SETUSER pd +script\|load >/dev/null
h_check "allowed again: up again (its setup loads the scripts)" logged 'redis=up' $((ups + 1))
h_is "...the next request is DUNNO" "$(ask ns.test)" "action=DUNNO"
h_is "...policyd_warm.lua is loaded again" "$(h_redis_cli SCRIPT EXISTS "$WARM")" 1
h_is "...charged once" "$(charges ns.test)" 24
h_stop_daemon pd 10
h_done
