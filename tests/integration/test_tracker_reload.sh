#!/bin/bash
# test_tracker_reload.sh - relay-tracker reloads relay.conf on SIGHUP
# between batches: a new soft-bounce limit takes effect for the next
# event; a file with errors, or one that moves the log or the saved
# position, keeps the old config (and says why); the tracker keeps
# applying lines throughout. The log is written by the test in Postfix's
# format (lines as in shared/notes/sample-maillog.txt), so no Postfix runs.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init tracker_reload
h_need redis-server
TRACKER=$H_BUILDDIR/policyd/relay-tracker
[[ -x $TRACKER ]] || h_bail "build policyd/relay-tracker first"

h_start_redis
LOG=$H_TMP/maillog
: >"$LOG"
conf() {	# conf SOFT_LIMIT [MAILLOG] - write relay.conf
	FX_TRACKER="maillog = \"${2:-$LOG}\"; node = \"t\"; poll_ms = 50; soft_bounce_limit = $1;"
	fx_conf
}
conf 3
fx_member mia
fx_message mia 4jQID0000001 a@mia.test full@rcpt.test
fx_message mia 4jQID0000002 a@mia.test ok@rcpt.test
# a soft failure counts once per message: one message per soft bounce
fx_message mia 4jQID0000003 a@mia.test full@rcpt.test
fx_message mia 4jQID0000004 a@mia.test full@rcpt.test

h_start_daemon tracker "$TRACKER" -f -c "$FX_CONF"
TLOG=$H_LOG/tracker.log
h_wait_log 'tracker: following' 10 "$TLOG" >/dev/null || h_bail "tracker did not start"

pid=1000
defer() {	# defer QID RCPT - one soft bounce (4.2.2), a new attempt each time
	pid=$((pid + 1))
	printf '%s relay postfix-pf/smtp[%d]: %s: to=<%s>, relay=127.0.0.1[127.0.0.1]:25, delay=%d, delays=0.05/0/0.01/0.03, dsn=4.2.2, status=deferred (host 127.0.0.1[127.0.0.1] said: 452 4.2.2 <%s>: mailbox full (in reply to RCPT TO command))\n' \
	    "$(date '+%b %e %H:%M:%S')" "$pid" "$1" "$2" "$pid" "$2" >>"$LOG"
}
soft() { h_redis_cli HGET 'relay:{m:mia}:soft' full@rcpt.test; }

defer 4jQID0000001 full@rcpt.test
h_check "first soft bounce counted" h_wait_for 10 bash -c '[ "$(redis-cli -s '"$REDIS_SOCK"' HGET "relay:{m:mia}:soft" full@rcpt.test)" = 1 ]'

# a typo: the old config stays, the error names file:line
FX_TRACKER="maillog = \"$LOG\"; node = \"t\"; poll_ms = 50; soft_bounce_limt = 2;"
fx_conf
kill -HUP "$(h_daemon_pid tracker)"
line=$(h_wait_log 'reload=failed' 10 "$TLOG")
h_like "bad file: reload=failed with file:line" "$line" "relay\\.conf:[0-9]+: tracker\\.soft_bounce_limt"
h_check "and the tracker runs on" h_daemon_alive tracker

# moving the log is refused (the saved position belongs to the old one)
conf 2 "$H_TMP/other.log"
kill -HUP "$(h_daemon_pid tracker)"
line=$(h_wait_log 'reload=refused' 10 "$TLOG")
h_like "a new tracker.maillog needs a restart" "$line" 'need a restart'
defer 4jQID0000003 full@rcpt.test
h_check "old limit (3) still in force: second soft bounce counted" h_wait_for 10 bash -c '[ "$(redis-cli -s '"$REDIS_SOCK"' HGET "relay:{m:mia}:soft" full@rcpt.test)" = 2 ]'
h_is "not suppressed at 2 of 3" "$(h_redis_cli HEXISTS 'relay:{m:mia}:suppress' full@rcpt.test)" 0

# a good file: the limit drops to 2, and the next soft bounce suppresses
h_redis_cli HSET 'relay:{m:mia}:soft' full@rcpt.test 1 >/dev/null
conf 2
kill -HUP "$(h_daemon_pid tracker)"
line=$(h_wait_log 'reload=ok' 10 "$TLOG")
h_like "good file: reload=ok" "$line" 'soft_bounce_limit=2'
defer 4jQID0000004 full@rcpt.test
h_check "new limit (2) in force: suppressed" h_wait_for 10 bash -c '[ "$(redis-cli -s '"$REDIS_SOCK"' HEXISTS "relay:{m:mia}:suppress" full@rcpt.test)" = 1 ]'
h_like "with reason soft_bounce_limit" "$(h_redis_cli HGET 'relay:{m:mia}:suppress' full@rcpt.test)" 'soft_bounce_limit'

# and a delivery after all that is applied as usual
printf '%s relay postfix-pf/smtp[%d]: 4jQID0000002: to=<ok@rcpt.test>, relay=127.0.0.1[127.0.0.1]:25, delay=0.1, delays=0.05/0/0.01/0.03, dsn=2.0.0, status=sent (250 2.0.0 Ok)\n' \
    "$(date '+%b %e %H:%M:%S')" 2000 >>"$LOG"
h_check "lines after the reloads are applied" h_wait_for 10 bash -c \
    "redis-cli -s '$REDIS_SOCK' HGET 'relay:{m:mia}:msg:4jQID0000002' 'r:ok@rcpt.test' | grep -q sent"
h_is "tracker still running" "$(h_daemon_alive tracker && echo yes)" yes
h_stop_daemon tracker 10

# A SIGHUP while relay-tracker reads relay.conf at its start (systemctl
# reload right after a start) is a reload once it runs, not its end: the
# file @includes a FIFO, so the start waits there until the test writes.
FIFO=$H_TMP/hook.fifo
mkfifo "$FIFO"
cp "$FX_CONF" "$H_TMP/hup.conf"
echo "@include \"${FIFO##*/}\"" >>"$H_TMP/hup.conf"
blocked_open() { grep -qx wait_for_partner /proc/"$1"/task/*/wchan 2>/dev/null; }
feed() { timeout 10 sh -c 'echo "# hook" >"$1"' sh "$FIFO"; }
h_start_daemon tracker2 "$TRACKER" -f -c "$H_TMP/hup.conf"
PID=$(h_daemon_pid tracker2)
h_wait_for 10 blocked_open "$PID" || h_bail "relay-tracker did not open relay.conf's @include"
kill -HUP "$PID"
h_check "SIGHUP during the start: it goes on" feed
h_check "... it was not killed" h_daemon_alive tracker2
h_check "... it follows the log" h_wait_log 'tracker: following' 10 "$H_LOG/tracker2.log"
h_check "... the SIGHUP is a reload (it reads relay.conf again)" \
    h_wait_for 10 blocked_open "$PID"
feed
h_check "... which succeeds" h_wait_log 'reload=ok' 10 "$H_LOG/tracker2.log"
h_stop_daemon tracker2 10

# The pid file written at start is removed at exit, as relay-policyd's
# and relay-milter's are, even after a reload that names another
PIDF=$H_TMP/tracker.pid
FX_TRACKER="maillog = \"$LOG\"; node = \"p\"; poll_ms = 50; pid_file = \"$PIDF\";"
fx_conf "$H_TMP/pid.conf"
h_start_daemon tracker3 "$TRACKER" -f -c "$FX_CONF"
h_check "a tracker with a pid file" h_wait_log 'tracker: following' 10 "$H_LOG/tracker3.log"
h_is "... holding its pid" "$(cat "$PIDF" 2>/dev/null)" "$(h_daemon_pid tracker3)"
sed -i "s|pid_file = \"[^\"]*\"|pid_file = \"$H_TMP/other.pid\"|" "$FX_CONF"
echo keep >"$H_TMP/other.pid"
kill -HUP "$(h_daemon_pid tracker3)"
h_check "... reloaded with another pid file named" h_wait_log 'reload=ok' 10 "$H_LOG/tracker3.log"
h_stop_daemon tracker3 10
h_check "at exit the pid file written at start is removed" test ! -e "$PIDF"
h_is "... not the reloaded config's" "$(cat "$H_TMP/other.pid")" keep
h_done
