#!/bin/bash
# test_policyd_hup.sh - a SIGHUP that comes while relay-policyd starts
# (systemctl reload right after a start) does not kill it: it waits,
# pending, and is taken as a reload once the loop runs. To send it at a
# known moment of the start-up, relay.conf @includes a FIFO: relay-policyd
# blocks opening it (wchan wait_for_partner) while it reads relay.conf,
# until the test writes to it (and so at every reload).
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init policyd_hup
h_need redis-server timeout
fx_policyd_bins

h_start_redis
P=$(h_port)
FIFO=$H_TMP/hook.fifo
mkfifo "$FIFO"
FX_POLICYD="listen = [ \"inet:127.0.0.1:$P\" ]; socketmap = [ ];"
fx_conf
NOW=$(date +%s)
fx_member alice
fx_domain hup.test alice --verified-at $((NOW - 3600))
echo "@include \"${FIFO##*/}\"" >>"$FX_CONF"	# (beside it: libconfig 1.5 prefixes even an absolute path)

# blocked_open PID - a thread of PID waits in open() for a FIFO's peer
blocked_open() { grep -qx wait_for_partner /proc/"$1"/task/*/wchan 2>/dev/null; }
# feed - let the relay.conf being read go on (bounded)
feed() { timeout 10 sh -c 'echo "# hook" >"$1"' sh "$FIFO"; }

h_start_daemon policyd "$PD" -f -c "$FX_CONF"
PID=$(h_daemon_pid policyd)
h_wait_for 10 blocked_open "$PID" || h_bail "relay-policyd did not open relay.conf's @include: $(cat "$H_LOG/policyd.log")"
for i in 1 2 3 4 5; do
	kill -HUP "$PID" 2>/dev/null
done
h_check "SIGHUPs during start-up: it goes on (reads relay.conf to its end)" feed
h_check "... it was not killed" h_daemon_alive policyd
h_check "... it listens" h_wait_port "$P" 10
h_check "... they are taken as a reload (which reads relay.conf)" \
    h_wait_for 10 blocked_open "$PID"
feed
h_check "... that succeeds" \
    h_wait_for 10 grep -q 'reload=ok' "$H_LOG/policyd.log"
h_is "... one" "$(grep -c 'reload=' "$H_LOG/policyd.log")" 1
h_is "... and it answers" "$("$CLIENT" ask "$P" RCPT alice a@hup.test r1@dest.test)" action=DUNNO
kill -HUP "$PID"
h_check "a SIGHUP later: another reload" h_wait_for 10 blocked_open "$PID"
feed
h_check "... done" \
    h_wait_for 10 bash -c "(( \$(grep -c 'reload=ok' '$H_LOG/policyd.log') == 2 ))"
# an @include of a directory: libconfig 1.5 exit()ed inside the reload
mkdir "$H_TMP/confdir"
echo '@include "confdir"' >>"$FX_CONF"
kill -HUP "$PID"
h_check "an @include of a directory: the reload fails, said where" \
    h_wait_for 10 grep -q "reload=failed.*relay.conf:[0-9]*: @include: cannot read .*confdir.*Is a directory" "$H_LOG/policyd.log"
h_check "... relay-policyd goes on" h_daemon_alive policyd
h_is "... and answers" "$("$CLIENT" ask "$P" RCPT alice a@hup.test r2@dest.test)" action=DUNNO
h_stop_daemon policyd
h_is "SIGTERM: exit 0" "$?" 0
h_done
