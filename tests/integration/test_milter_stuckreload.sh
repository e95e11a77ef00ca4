#!/bin/bash
# test_milter_stuckreload.sh - a reload whose read of relay.conf would
# hang does not hold up a SIGTERM.
# 1. relay.conf swapped for a FIFO that nobody writes to: the reload
#    (SIGUSR1) refuses it at once, "not a regular file", keeps the old
#    config; SIGTERM stops relay-milter cleanly, exit 0.
# 2. relay.conf @includes a FIFO (libconfig opens includes itself, so
#    the reload thread blocks in open()): SIGTERM still ends it within
#    RELOAD_STOP_S (5 s), with a line naming the stuck read, exit 0,
#    without clean-up (the reload thread may still use the state).
# Before the bounded stop, both hung until the harness's SIGKILL.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init milter_stuckreload
h_need redis-server timeout
fx_need_milter

h_start_redis
fx_milter_inet
fx_conf
fx_member alice
fx_domain alice.test alice
MILTER=$H_BUILDDIR/milter/relay-milter
cp "$FX_CONF" "$H_TMP/good.conf"

# blocked_open PID - a thread of PID waits in open() for a FIFO's peer
blocked_open() { grep -qx wait_for_partner /proc/"$1"/task/*/wchan 2>/dev/null; }
# release FIFO - open it for writing (bounded): frees a reader still there
release() { timeout 5 bash -c ': >"$1"' _ "$1" 2>/dev/null; }

# 1. relay.conf is a FIFO.
cp "$H_TMP/good.conf" "$H_TMP/m1.conf"
h_start_daemon m1 "$MILTER" -f -c "$H_TMP/m1.conf"
h_wait_port "$MPORT" 10 || h_bail "relay-milter did not listen: $(cat "$H_LOG/m1.log")"
rm -f "$H_TMP/m1.conf"
mkfifo "$H_TMP/m1.conf"
kill -USR1 "$(h_daemon_pid m1)"
h_check "relay.conf a FIFO: the reload fails at once" \
    h_wait_for 10 grep -q 'reload=failed' "$H_LOG/m1.log"
h_like "... saying why" "$(grep 'reload=' "$H_LOG/m1.log")" \
    'reload=failed errors=".*m1\.conf: file: not a regular file"'
h_check "... and goes on" h_daemon_alive m1
h_stop_daemon m1 30
h_is "... SIGTERM: exit 0" "$?" 0
h_like "... after a clean stop" "$(cat "$H_LOG/m1.log")" 'relay-milter stopping: '
h_unlike "... nothing left behind" "$(cat "$H_LOG/m1.log")" 'still reading|without clean-up'
release "$H_TMP/m1.conf"

# 2. relay.conf @includes a FIFO.
cp "$H_TMP/good.conf" "$H_TMP/m2.conf"
h_start_daemon m2 "$MILTER" -f -c "$H_TMP/m2.conf"
h_wait_port "$MPORT" 10 || h_bail "relay-milter did not listen: $(cat "$H_LOG/m2.log")"
P2=$(h_daemon_pid m2)
mkfifo "$H_TMP/hang.conf"
printf '@include "hang.conf"\n' >>"$H_TMP/m2.conf"
kill -USR1 "$P2"
h_check "an @include'd FIFO: the reload blocks in open()" h_wait_for 10 blocked_open "$P2"
h_stop_daemon m2 30
h_is "... SIGTERM: exit 0 (not killed)" "$?" 0
h_like "... within the bound, saying why" "$(cat "$H_LOG/m2.log")" \
    'the reload thread is still reading .*m2\.conf after 5 s .*exiting without clean-up'
h_unlike "... no reload applied" "$(cat "$H_LOG/m2.log")" 'reload='
release "$H_TMP/hang.conf"
h_done
