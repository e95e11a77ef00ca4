#!/bin/bash
# test_reload_redis.sh - relay-tracker and relay-policyd apply new redis.*
# settings at a reload (SIGHUP): a Redis password rotated the way an
# operator does it (CONFIG SET requirepass, relay.conf edited, every
# daemon reloaded), then the connections dropped (a Redis restart, a
# failover). Both used to keep the old settings, log reload=ok and then
# fail for good with WRONGPASS: no bounce applied, every member 451.
# A reload that changes a setting only a restart applies says so
# (restart_needed=) instead of reload=ok alone.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init reload_redis
h_need redis-server redis-cli
fx_policyd_bins
TRACKER=$H_BUILDDIR/policyd/relay-tracker
h_start_redis
fx_member mia
fx_domain mia.test mia
LOG=$H_TMP/maillog
: >"$LOG"
fx_message mia 4jQIDRELOAD1 a@mia.test bounce1@rcpt.test
fx_message mia 4jQIDRELOAD2 a@mia.test bounce2@rcpt.test
fx_message mia 4jQIDRELOAD3 a@mia.test bounce3@rcpt.test
h_redis_cli CONFIG SET requirepass pw1 >/dev/null
PW=pw1
rc() { redis-cli -s "$REDIS_SOCK" --no-auth-warning -a "$PW" "$@"; }
PPORT=$(h_port)
conf() {	# conf PASSWORD [PID_FILE]
	FX_POLICYD="listen = [ \"inet:127.0.0.1:$PPORT\" ]; socketmap = [ ];${2:+ pid_file = \"$2\";}"
	FX_TRACKER="maillog = \"$LOG\"; node = \"t\"; poll_ms = 50;${2:+ pid_file = \"$2.t\";}"
	fx_conf
	sed -i "s|timeout_ms = 500;|timeout_ms = 500; password = \"$1\";|" "$FX_CONF"
	grep -q "password = \"$1\"" "$FX_CONF" || h_bail "relay.conf: no password line"
}
bounce() {	# bounce QID RCPT
	printf '%s relay postfix/smtp[4242]: %s: to=<%s>, relay=127.0.0.1[127.0.0.1]:25, delay=1, delays=0.05/0/0.01/0.03, dsn=5.1.1, status=bounced (host 127.0.0.1[127.0.0.1] said: 550 5.1.1 <%s>: no such user (in reply to RCPT TO command))\n' \
	    "$(date '+%b %e %H:%M:%S')" "$1" "$2" "$2" >>"$LOG"
}
suppressed() { [ "$(rc HEXISTS 'relay:{m:mia}:suppress' "$1")" = 1 ]; }

conf pw1
h_start_daemon tracker "$TRACKER" -f -c "$FX_CONF"
h_start_daemon policyd "$PD" -f -c "$FX_CONF"
h_wait_port "$PPORT" 10 || h_bail "relay-policyd does not listen"
h_wait_log 'tracker: following' 10 "$H_LOG/tracker.log" >/dev/null ||
    h_bail "relay-tracker did not start"
h_is "policyd answers with pw1" "$("$CLIENT" ask "$PPORT" MAIL mia a@mia.test r@dest.test)" "action=DUNNO"
bounce 4jQIDRELOAD1 bounce1@rcpt.test
h_check "tracker applies with pw1" h_wait_for 10 suppressed bounce1@rcpt.test

# the rotation: Redis first (open connections stay logged in), relay.conf,
# reload; then every connection dropped
rc CONFIG SET requirepass pw2 >/dev/null
PW=pw2
conf pw2 "$H_TMP/other.pid"
kill -HUP "$(h_daemon_pid tracker)" "$(h_daemon_pid policyd)"
t=$(h_wait_log 'reload=' 10 "$H_LOG/tracker.log")
p=$(h_wait_log 'reload=' 10 "$H_LOG/policyd.log")
h_like "tracker: reload=ok, redis=reconnect" "$t" 'reload=ok .*redis=reconnect'
h_like "... restart_needed names the pid file" "$t" 'restart_needed=tracker\.pid_file$'
h_like "policyd: reload=ok, redis=reconnect" "$p" 'reload=ok .*redis=reconnect'
h_like "... restart_needed names the pid file" "$p" 'restart_needed=policyd\.pid_file$'
rc CLIENT KILL TYPE normal >/dev/null
bounce 4jQIDRELOAD2 bounce2@rcpt.test
h_check "tracker applies with pw2 after the drop" h_wait_for 10 suppressed bounce2@rcpt.test
ans=
for _ in 1 2 3 4 5 6 7 8 9 10; do
	ans=$("$CLIENT" ask "$PPORT" MAIL mia a@mia.test r@dest.test)
	[[ $ans = action=DUNNO ]] && break
	sleep 0.3
done
h_is "policyd answers with pw2 after the drop" "$ans" "action=DUNNO"
h_is "no WRONGPASS in the tracker's log" "$(grep -c WRONGPASS "$H_LOG/tracker.log")" 0
h_is "no WRONGPASS in policyd's log" "$(grep -c WRONGPASS "$H_LOG/policyd.log")" 0

# the other order: Redis refuses the old password and a line waits in the
# tracker's retry loop before relay.conf is edited; the reload reaches it
# there (it was read only between batches: retried for ever)
n=$(h_log_count 'Redis unavailable, retrying' "$H_LOG/tracker.log")
rc CONFIG SET requirepass pw3 >/dev/null
PW=pw3
rc CLIENT KILL TYPE normal >/dev/null
bounce 4jQIDRELOAD3 bounce3@rcpt.test
h_check "the tracker retries with the old password" \
    h_wait_log_count 'Redis unavailable, retrying' $((n + 1)) 10 "$H_LOG/tracker.log"
sleep 1
h_is "... and goes on retrying" "$(suppressed bounce3@rcpt.test && echo applied)" ""
conf pw3
r=$(h_log_count 'reload=' "$H_LOG/tracker.log")
kill -HUP "$(h_daemon_pid tracker)"
h_check "reloaded inside the retry loop: the line is applied" h_wait_for 10 suppressed bounce3@rcpt.test
h_check "... after a new reload line" h_wait_log_count 'reload=' $((r + 1)) 5 "$H_LOG/tracker.log"
h_like "... reload=ok with redis=reconnect" "$(grep 'reload=' "$H_LOG/tracker.log" | tail -1)" 'reload=ok .*redis=reconnect'
kill -HUP "$(h_daemon_pid policyd)"
h_check "policyd reloaded to pw3" h_wait_log_count 'reload=' 2 10 "$H_LOG/policyd.log"

# a reload that changes only a timeout: no reconnect
sed -i 's/timeout_ms = 500;/timeout_ms = 700;/' "$FX_CONF"
kill -HUP "$(h_daemon_pid policyd)"
h_check "policyd reloads again" h_wait_log_count 'reload=' 3 10 "$H_LOG/policyd.log"
h_unlike "... without a reconnect" "$(grep 'reload=' "$H_LOG/policyd.log" | tail -1)" 'redis=reconnect'
h_done
