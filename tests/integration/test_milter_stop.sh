#!/bin/bash
# test_milter_stop.sh - relay-milter's signals at the edges of its life.
# 1. SIGUSR1s during start-up do not kill it: they wait, pending, and are
#    taken as a reload once it runs. To send them at a known moment of
#    the start-up, relay.conf @includes a FIFO: relay-milter blocks
#    opening it (wchan wait_for_partner) while it reads relay.conf, until
#    the test writes to it (and so at the reload).
# 2. SIGTERM while a session is in the middle of a message: smfi_main()
#    returns, relay-milter logs that it waits for the session, the message
#    is answered (signed) and only then does it free its state and exit 0;
#    SIGUSR1s sent all along start no reload once it has begun to stop.
#    The session stays on its libmilter worker (milter.worker_wait_ms
#    longer than the hold).
# 3. The same with the default milter.worker_wait_ms: the held session
#    goes back to libmilter's pool, which a stopped libmilter never
#    serves again; relay-milter does not wait for it (nor for the bound,
#    milter.timeout): it says so, frees its state and exits 0.
# A milter client (milter_hold.py) stands in for Postfix.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init milter_stop
h_need redis-server python3 timeout
fx_need_milter

h_start_redis
MPORT=$(h_port)
FX_MILTER="socket = \"inet:$MPORT@127.0.0.1\"; worker_wait_ms = 10000;"
fx_conf
fx_member alice
fx_domain alice.test alice
MILTER=$H_BUILDDIR/milter/relay-milter
HOLD=$H_LIBDIR/milter_hold.py

# blocked_open PID - a thread of PID waits in open() for a FIFO's peer
blocked_open() { grep -qx wait_for_partner /proc/"$1"/task/*/wchan 2>/dev/null; }
# hold DIR - a session that stops before its body until DIR/go exists
hold() {
	mkdir -p "$1"
	timeout 40 "$H_PYTHON" "$HOLD" --addr "inet:127.0.0.1:$MPORT" \
	    --dir "$1" >"$1/out" 2>&1
}

# 1. SIGUSR1 during start-up.
FIFO=$H_TMP/hook.fifo
mkfifo "$FIFO"
cp "$FX_CONF" "$H_TMP/early.conf"
# (beside it: libconfig 1.5 prefixes even an absolute path)
echo "@include \"${FIFO##*/}\"" >>"$H_TMP/early.conf"
# feed - let the relay.conf being read go on (bounded)
feed() { timeout 10 sh -c 'echo "# hook" >"$1"' sh "$FIFO"; }
h_start_daemon m1 "$MILTER" -f -c "$H_TMP/early.conf"
P1=$(h_daemon_pid m1)
h_wait_for 10 blocked_open "$P1" || h_bail "relay-milter did not open relay.conf's @include: $(cat "$H_LOG/m1.log")"
for i in 1 2 3 4 5; do
	kill -USR1 "$P1" 2>/dev/null
done
h_check "SIGUSR1s during start-up: it goes on (reads relay.conf to its end)" feed
h_check "... it was not killed" h_daemon_alive m1
h_check "... the reload reads relay.conf" h_wait_for 10 blocked_open "$P1"
feed
h_check "... they are taken as a reload" \
    h_wait_for 10 grep -q 'reload=ok' "$H_LOG/m1.log"
h_is "... one" "$(grep -c 'reload=' "$H_LOG/m1.log")" 1
mkdir -p "$H_TMP/h1" && touch "$H_TMP/h1/go"
hold "$H_TMP/h1"
h_like "... and it serves: a message signed and accepted" "$(cat "$H_TMP/h1/out")" '^eom=c signatures=2'
h_stop_daemon m1
h_is "... SIGTERM: exit 0" "$?" 0

# 2. SIGTERM with a session in the middle of a message.
h_start_daemon m2 "$MILTER" -f -c "$FX_CONF"
h_wait_port "$MPORT" 10 || h_bail "relay-milter did not listen: $(cat "$H_LOG/m2.log")"
P2=$(h_daemon_pid m2)
hold "$H_TMP/h2" &
HP=$!
h_wait_file "$H_TMP/h2/held" 10 || h_bail "the session did not start: $(cat "$H_TMP/h2/out")"
kill -TERM "$P2"
# SIGUSR1 every 20 ms, until main is past smfi_main() ...
stopping() { grep -qE 'waiting for sessions|relay-milter stopping' "$H_LOG/m2.log"; }
for ((i = 0; i < 500; i++)); do
	stopping && break
	h_daemon_alive m2 || break
	kill -USR1 "$P2" 2>/dev/null
	sleep 0.02
done
h_like "SIGTERM: relay-milter waits for the open session" \
    "$(grep -E 'waiting for sessions|relay-milter stopping' "$H_LOG/m2.log" | head -1)" \
    'waiting for sessions=1 '
touch "$H_TMP/h2/go"
# ... and on until it has exited
for ((i = 0; i < 500; i++)); do
	h_daemon_alive m2 || break
	kill -USR1 "$P2" 2>/dev/null
	sleep 0.02
done
wait "$HP"
h_like "... the held message is answered: signed and accepted" "$(cat "$H_TMP/h2/out")" '^eom=c signatures=2'
h_check_not "... then relay-milter exits" h_daemon_alive m2
h_stop_daemon m2
h_is "... with status 0" "$?" 0
after=$(awk '/waiting for sessions|relay-milter stopping/ { f = 1 } f' "$H_LOG/m2.log")
h_like "... its accept line follows the wait" "$after" 'qid=HELD1 stage=eom .*action=accept'
h_like "... then the stopping line" "$after" 'relay-milter stopping: tcp_nodelay='
h_unlike "... no reload once it began to stop" "$after" 'reload='
h_unlike "... no failure (no tempfail, no dkim sign)" "$after" 'tempfail|dkim sign|still open'

# 3. SIGTERM with a session in libmilter's pool.
sed 's/ worker_wait_ms = 10000;//' "$FX_CONF" >"$H_TMP/pool.conf"
h_start_daemon m3 "$MILTER" -f -c "$H_TMP/pool.conf"
h_wait_port "$MPORT" 10 || h_bail "relay-milter did not listen: $(cat "$H_LOG/m3.log")"
hold "$H_TMP/h3" &
HP=$!
h_wait_file "$H_TMP/h3/held" 10 || h_bail "the session did not start: $(cat "$H_TMP/h3/out")"
h_stop_daemon m3 60
h_is "SIGTERM with a session in libmilter's pool: exit 0" "$?" 0
touch "$H_TMP/h3/go"
wait "$HP"
h_like "... relay-milter did not wait for it, and says why" "$(cat "$H_LOG/m3.log")" \
    "sessions=1 were between commands in libmilter's pool"
h_unlike "... no wait, no bound reached" "$(cat "$H_LOG/m3.log")" 'waiting for sessions|still open'
h_like "... then it freed its state (the stopping line)" "$(cat "$H_LOG/m3.log")" 'relay-milter stopping: '
h_done
