#!/bin/bash
# test_policyd_hup.sh - a SIGHUP that comes while relay-policyd starts
# (systemctl reload right after a start) does not kill it: it waits,
# pending, and is taken as a reload once the loop runs. To send it at a
# known moment of the start-up, policyd.pid_file is a FIFO: relay-policyd
# blocks opening it (wchan wait_for_partner) until the test reads it.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init policyd_hup
h_need redis-server timeout
fx_policyd_bins

h_start_redis
P=$(h_port)
FIFO=$H_TMP/pid.fifo
mkfifo "$FIFO"
FX_POLICYD="listen = [ \"inet:127.0.0.1:$P\" ]; socketmap = [ ]; pid_file = \"$FIFO\";"
fx_conf
NOW=$(date +%s)
fx_member alice
fx_domain hup.test alice --verified-at $((NOW - 3600))

# blocked_open PID - a thread of PID waits in open() for a FIFO's peer
blocked_open() { grep -qx wait_for_partner /proc/"$1"/task/*/wchan 2>/dev/null; }

h_start_daemon policyd "$PD" -f -c "$FX_CONF"
PID=$(h_daemon_pid policyd)
h_wait_for 10 blocked_open "$PID" || h_bail "relay-policyd did not open its pid file: $(cat "$H_LOG/policyd.log")"
for i in 1 2 3 4 5; do
	kill -HUP "$PID" 2>/dev/null
done
h_is "SIGHUPs during start-up: it goes on (writes its pid)" \
    "$(timeout 10 cat "$FIFO")" "$PID"
rm -f "$FIFO"	# (at exit it reads its pid file back)
h_check "... it was not killed" h_daemon_alive policyd
h_check "... it listens" h_wait_port "$P" 10
h_check "... they are taken as a reload" \
    h_wait_for 10 grep -q 'reload=ok' "$H_LOG/policyd.log"
h_is "... one" "$(grep -c 'reload=' "$H_LOG/policyd.log")" 1
h_is "... and it answers" "$("$CLIENT" ask "$P" RCPT alice a@hup.test r1@dest.test)" action=DUNNO
kill -HUP "$PID"
h_check "a SIGHUP later: another reload" \
    h_wait_for 10 bash -c "(( \$(grep -c 'reload=ok' '$H_LOG/policyd.log') == 2 ))"
h_stop_daemon policyd
h_is "SIGTERM: exit 0" "$?" 0
h_done
