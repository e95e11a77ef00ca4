#!/bin/bash
# test_policyd_badfacts.sh - relay-policyd when Redis answers, but not with
# what it needs, and when a client goes away while its request waits for
# Redis:
#  - the warming charge refused (its zset of the wrong type) on the path
#    that reads the facts first: 451 4.4.2 with Redis's reason, never DUNNO;
#  - the member hash of the wrong type on the one-round-trip path, whose
#    charge was made in the same round trip: 451 4.4.2, and the charge is
#    taken back;
#  - a client that resets, or closes, its connection while its request is
#    at Redis (Redis busy in DEBUG SLEEP): the answer finds it gone, the
#    daemon goes on serving (under the sanitizer build: no use after free).
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init policyd_badfacts
h_need redis-server python3
fx_policyd_bins

# DEBUG SLEEP (Redis busy) below; Redis 7 allows DEBUG only when told to
dbg=()
[[ $(redis-server --version) =~ v=([0-9]+) ]] && ((BASH_REMATCH[1] >= 7)) &&
    dbg=(-- --enable-debug-command local)
h_start_redis "${dbg[@]}"
P=$(h_port)
FX_WARMING='tiers = ( { days = 1; per_hour = 50; per_day = 500; } );'
FX_POLICYD="listen = [ \"inet:127.0.0.1:$P\" ]; socketmap = [ ];"
fx_conf
h_start_daemon policyd "$PD" -f -c "$FX_CONF"
h_wait_port "$P" 10 || h_bail "relay-policyd did not listen"
NOW=$(date +%s)
fx_member alice
fx_domain bad.test alice --verified-at $((NOW - 3600))
W='relay:{d:bad.test}:warm'
ask() { "$CLIENT" ask "$P" RCPT alice a@bad.test "r$1@dest.test" 2>&1; }
last() { grep 'domain=bad.test' "$H_LOG/policyd.log" | tail -1; }

# --- the charge refused on the slow path (nothing cached yet)
h_redis_cli SET "$W" junk >/dev/null
h_like "warming state of the wrong type: 451 4.4.2" "$(ask 1)" '^action=451 4\.4\.2 '
h_like "...read the facts, then the charge failed" "$(last)" \
    'reason=redis_bad_reply .*trips=2 .*error="?.*WRONGTYPE'
h_redis_cli DEL "$W" >/dev/null
h_is "warming state mended: DUNNO" "$(ask 2)" 'action=DUNNO'
h_is "...one charge" "$(h_redis_cli ZCARD "$W")" 1
h_is "next: DUNNO from the cached facts" "$(ask 3)" 'action=DUNNO'
h_like "...in one round trip" "$(last)" ' trips=1 '
h_is "...two charges" "$(h_redis_cli ZCARD "$W")" 2

# --- the member hash unreadable on the fast path: the charge of the same
# round trip is taken back
h_redis_cli RENAME 'relay:{m:alice}:member' 'relay:{m:alice}:saved' >/dev/null
h_redis_cli SET 'relay:{m:alice}:member' junk >/dev/null
h_like "member hash of the wrong type: 451 4.4.2" "$(ask 4)" '^action=451 4\.4\.2 '
h_like "...on the fast path, with Redis's reason" "$(last)" \
    'reason=redis_bad_reply .*trips=1 .*error="?.*WRONGTYPE'
h_check "...its charge taken back" \
    h_wait_for 5 bash -c "[[ \$(redis-cli -s '$REDIS_SOCK' ZCARD '$W') == 2 ]]"
h_redis_cli DEL 'relay:{m:alice}:member' >/dev/null
h_redis_cli RENAME 'relay:{m:alice}:saved' 'relay:{m:alice}:member' >/dev/null
h_is "member hash mended: DUNNO" "$(ask 5)" 'action=DUNNO'
h_is "...charged" "$(h_redis_cli ZCARD "$W")" 3

# --- a client gone while its request waits for Redis
# gone HOW - put Redis to sleep (DEBUG SLEEP, sent first on a connection
# of its own), send one RCPT request, then leave while it is at Redis:
# "reset" (SO_LINGER 0: an RST, read as an error) or "close" (FIN: end of
# input). Prints Redis's answer to the DEBUG SLEEP.
gone() {
	python3 - "$REDIS_SOCK" "$P" "$1" <<'EOF'
import socket, struct, sys, time
rsock, port, how = sys.argv[1], int(sys.argv[2]), sys.argv[3]
r = socket.socket(socket.AF_UNIX)
r.connect(rsock)
r.sendall(b"DEBUG SLEEP 0.4\r\n")
time.sleep(0.05)        # Redis has read it: asleep
s = socket.create_connection(("127.0.0.1", port))
s.sendall(b"request=smtpd_access_policy\nprotocol_state=RCPT\n"
          b"sasl_username=alice\nsender=a@bad.test\n"
          b"recipient=gone@dest.test\n\n")
time.sleep(0.1)         # read by the daemon, at Redis
if how == "reset":
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()
print(r.recv(100).decode().strip())
EOF
}
for how in reset close reset close; do
	h_is "Redis slept through the request ($how)" "$(gone "$how")" '+OK'
	h_is "client gone ($how) while at Redis: the next request is served" \
	    "$(ask "$how")" 'action=DUNNO'
done
h_check "relay-policyd still runs" h_daemon_alive policyd
h_is "...the gone clients' requests were decided all the same" \
    "$(grep 'domain=bad\.test .*verdict=DUNNO' "$H_LOG/policyd.log" | grep -c ' instance="" ')" 4
h_stop_daemon policyd 10
h_is "relay-policyd exits 0" "$?" 0
h_done
