#!/bin/bash
# test_policyd_degraded.sh - relay-policyd against a Redis that is up but
# answers wrongly: every request gets 451 4.4.2, and the log says so once
# per outage, with Redis's own words, however long it lasts.
#  - a setup command refused (here SCRIPT LOAD, NOPERM; -LOADING after a
#    restart is the same path): one "redis=down" line naming the reply,
#    not one error line per reconnect attempt;
#  - a connection cut while its setup replies are still coming (a proxy
#    that closes each connection after its first bytes): a failed attempt
#    with a growing backoff, not "redis=up" then an idle "redis=closed"
#    ten times a second;
#  - an error reply to a request's reads (NOPERM, BUSY...): the verdict's
#    log line carries it;
#  - and the opposite: a healthy Redis closing an idle connection is no
#    outage, the next request is answered on the connection made at once.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init policyd_degraded
h_need redis-server python3
fx_policyd_bins

h_start_redis
P=$(h_port)
FX_POLICYD="listen = [ \"inet:127.0.0.1:$P\" ]; socketmap = [ ];"
fx_conf
NOW=$(date +%s)
fx_member alice
fx_domain deg.test alice --verified-at $((NOW - 3600))
ask() { "$CLIENT" ask "$P" RCPT alice a@deg.test "r$1@dest.test" 2>&1; }

# --- a setup command refused: one line per outage, with the reply
h_redis_cli ACL SETUSER pd on '>pd-secret' '~*' '&*' +@all -script >/dev/null
sed 's|socket = "[^"]*";|& user = "pd"; password = "pd-secret";|' "$FX_CONF" >"$H_TMP/acl.conf"
h_start_daemon pd1 "$PD" -f -c "$H_TMP/acl.conf"
h_wait_port "$P" 10 || h_bail "relay-policyd did not listen"
for i in $(seq 1 10); do
	a[$i]=$(ask "$i")
	sleep 0.2
done
h_like "SCRIPT LOAD refused: 451 4.4.2" "${a[10]}" 'action=451 4\.4\.2 '
h_is "...one redis=down line for the whole outage" "$(grep -c 'redis=down' "$H_LOG/pd1.log")" 1
h_like "...naming Redis's reply" "$(grep 'redis=down' "$H_LOG/pd1.log")" 'reason="SCRIPT LOAD: NOPERM'
h_is "...no error line per attempt" "$(grep -c 'redis=error' "$H_LOG/pd1.log")" 0
h_redis_cli ACL SETUSER pd +script >/dev/null
h_check "allowed again: it recovers by itself" h_wait_for 10 bash -c "'$CLIENT' ask $P RCPT alice a@deg.test ok@dest.test | grep -q action=DUNNO"
h_like "...one redis=up line, with the count of failed attempts" "$(grep 'redis=up' "$H_LOG/pd1.log")" 'redis=up failed_attempts=[0-9]+'

# --- an error reply to the reads: the verdict line says which
h_redis_cli ACL SETUSER pd -hmget >/dev/null
out=$(ask 20)
h_like "HMGET refused: 451 4.4.2" "$out" 'action=451 4\.4\.2 '
h_like "...the verdict line carries Redis's error" "$(grep 'reason=redis_bad_reply' "$H_LOG/pd1.log" | tail -1)" 'error="?NOPERM'
h_redis_cli ACL SETUSER pd +hmget >/dev/null
h_stop_daemon pd1 10

# --- a connection cut during its setup: a failed attempt, backoff grows
CUT=$(h_port)
h_start_daemon cutproxy python3 -c '
import socket, sys, threading
up, port, log = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", port)); ls.listen(64)
n = 0
def conn(c):
    u = socket.socket(socket.AF_UNIX); u.connect(up)
    def fwd():
        try:
            while True:
                d = c.recv(65536)
                if not d: break
                u.sendall(d)
        except OSError: pass
    threading.Thread(target=fwd, daemon=True).start()
    got = b""
    try:
        while len(got) < 100:	# the first replies, then cut
            d = u.recv(100 - len(got))
            if not d: break
            got += d
        c.sendall(got)
    except OSError: pass
    c.close(); u.close()
while True:
    c, _ = ls.accept()
    n += 1
    open(log, "w").write(str(n))
    threading.Thread(target=conn, args=(c,), daemon=True).start()
' "$REDIS_SOCK" "$CUT" "$H_TMP/cut.count"
h_wait_port "$CUT" 10 || h_bail "the cutting proxy did not start"
sed "s|socket = \"$REDIS_SOCK\";|host = \"127.0.0.1\"; port = $CUT;|" "$FX_CONF" >"$H_TMP/cut.conf"
h_start_daemon pd2 "$PD" -f -c "$H_TMP/cut.conf"
h_wait_port "$P" 10 || h_bail "relay-policyd did not listen"
for i in $(seq 1 6); do
	b[$i]=$(ask "$((30 + i))")
	sleep 0.5
done
h_like "cut during setup: 451 4.4.2" "${b[6]}" 'action=451 4\.4\.2 '
h_is "...never taken for up" "$(grep -c 'redis=up' "$H_LOG/pd2.log")" 0
h_is "...nor for an idle close" "$(grep -c 'redis=closed' "$H_LOG/pd2.log")" 0
h_is "...one redis=down line" "$(grep -c 'redis=down' "$H_LOG/pd2.log")" 1
n=$(cat "$H_TMP/cut.count" 2>/dev/null || echo 0)
if ((n > 0 && n <= 15)); then
	h_ok "...the backoff grows: $n connections in about 3 s (reconnect 50..500 ms)"
else
	h_fail "...the backoff grows" "$n connections in about 3 s"
fi

# --- a healthy Redis closing an idle connection (its timeout setting,
# CLIENT KILL) is no outage: the next request waits for the connection
# made at once, whatever reconnect_min_ms says
h_stop_daemon pd2 10
sed 's|reconnect_min_ms = [0-9]*; reconnect_max_ms = [0-9]*;|reconnect_min_ms = 3000; reconnect_max_ms = 6000;|' \
    "$FX_CONF" >"$H_TMP/idle.conf"
h_check "the config waits 3 s after a failure" grep -q 'reconnect_min_ms = 3000;' "$H_TMP/idle.conf"
h_start_daemon pd3 "$PD" -f -c "$H_TMP/idle.conf"
h_wait_port "$P" 10 || h_bail "relay-policyd did not listen"
h_is "before: DUNNO" "$(ask 30)" action=DUNNO
h_redis_cli CLIENT KILL TYPE normal >/dev/null
h_check "Redis closed the idle connection" \
    h_wait_for 5 grep -q 'redis=closed' "$H_LOG/pd3.log"
h_is "the request right after: DUNNO, not 451" "$(ask 31)" action=DUNNO
h_is "... no outage said" "$(grep -c 'redis=down' "$H_LOG/pd3.log")" 0
h_done
