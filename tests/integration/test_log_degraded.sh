#!/bin/bash
# test_log_degraded.sh - logging on a degraded system never costs a
# decision:
#  - started with stderr closed (2>&-, some supervisors), a program's
#    first socket must not become fd 2: relayctl adds and shows a member
#    and relay-tracker applies a delivery line, and Redis never gets a log
#    line as a command (no error replies; the old code sent relayctl's and
#    relay-tracker's lines into the Redis connection);
#  - a syslog that stops reading /dev/log (journald or rsyslog stalled on a
#    full disk): relay-policyd, started without -f so that it logs to
#    syslog, answers every request at once; the lines syslog has no room
#    for are dropped, and once it reads again the next line is preceded by
#    "N log lines dropped: syslog was not reading". The fake /dev/log lives
#    in a private mount namespace (unshare -m; log_blackhole.py), so the
#    host's /dev/log and syslog are never touched.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init log_degraded
h_need redis-server
CTL=$H_BUILDDIR/contrib/relayctl/relayctl
TRACKER=$H_BUILDDIR/policyd/relay-tracker
fx_policyd_bins
[[ -x $CTL && -x $TRACKER ]] || h_bail "build relayctl and relay-tracker first"

h_start_redis
LOG=$H_TMP/maillog
: >"$LOG"
FX_TRACKER="maillog = \"$LOG\"; poll_ms = 50; state_file = \"$H_TMP/tracker.state\";"
PPORT=$(h_port)
FX_POLICYD="listen = [ \"inet:127.0.0.1:$PPORT\" ]; socketmap = [ ];
  pid_file = \"$H_TMP/policyd.pid\";"
fx_conf

errors() { h_redis_cli INFO stats | sed -n 's/^total_error_replies:\([0-9]*\).*/\1/p'; }
DID=did:plc:abcdefghijklmnopqrstuvwx

# --- stderr closed: relayctl --------------------------------------------
e0=$(errors)
out=$("$CTL" -c "$FX_CONF" member add alice --did "$DID" 2>&-); rc=$?
h_is "relayctl with fd 2 closed: member add exits 0" "$rc" 0
h_like "... and says so on stdout" "$out" 'member alice added'
out=$("$CTL" -c "$FX_CONF" --json member show alice 2>&-); rc=$?
h_is "relayctl with fd 2 closed: member show exits 0" "$rc" 0
h_is "... the member as added" "$(fx_jget 'd["did"]' <<<"$out")" "$DID"
h_is "... a duplicate add still exits 1 (its complaint not sent to Redis)" \
    "$("$CTL" -c "$FX_CONF" member add alice --did "$DID" >/dev/null 2>&-; echo $?)" 1
h_is "Redis got no log line as a command (no error replies)" "$(errors)" "$e0"

# --- stderr closed: relay-tracker -f (-o: read once, exit) ---------------
fx_member bob
fx_message bob 4jQIDLOGFD01 b@bob.test gone@d.example
printf '%s relay postfix/smtp[4321]: 4jQIDLOGFD01: to=<gone@d.example>, relay=mx[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (host mx[192.0.2.1] said: 550 5.1.1 no such user (in reply to RCPT TO command))\n' \
    "$(date '+%b %e %H:%M:%S')" >>"$LOG"
e0=$(errors)
timeout 30 "$TRACKER" -o -d -c "$FX_CONF" 2>&- </dev/null >/dev/null; rc=$?
h_is "relay-tracker -o -d with fd 2 closed exits 0" "$rc" 0
h_like "the bounce is applied to the right message" \
    "$(h_redis_cli HGET 'relay:{m:bob}:msg:4jQIDLOGFD01' r:gone@d.example)" '"status":"bounced"'
h_is "... and suppresses the address" "$(h_redis_cli HEXISTS 'relay:{m:bob}:suppress' gone@d.example)" 1
h_is "Redis got no log line as a command (no error replies)" "$(errors)" "$e0"

# --- syslog not reading ---------------------------------------------------
if ! unshare -m --propagation private true 2>/dev/null; then
	h_skip "relay-policyd with a syslog that does not read" \
	    "unshare -m is not available here (needs root or user namespaces)"
	h_done
fi
mkdir -p "$H_TMP/ns"
out=$(timeout 120 unshare -m --propagation private "$H_PYTHON" \
    "$H_LIBDIR/log_blackhole.py" --dir "$H_TMP/ns" --policyd "$PD" \
    --conf "$FX_CONF" --port "$PPORT" --pidfile "$H_TMP/policyd.pid" \
    --requests 1000 --timeout 3 2>&1)
rc=$?
h_diag "$out"
h_is "the syslog driver ran to its end" "$rc" 0
h_like "relay-policyd detached and listened" "$out" $'(^|\n)started=0\n'
h_like "every request answered while syslog did not read" "$out" \
    $'(^|\n)answered=1000/1000\n'
slow=$(sed -n 's/^slowest_ms=//p' <<<"$out")
h_check "... each promptly (slowest ${slow:-?} ms, under 1000)" \
    test "${slow:-99999}" -lt 1000
h_like "a line syslog took is in glibc's format, facility mail" "$out" \
    $'(^|\n)queued_line=<(1[6-9]|2[0-3])>[A-Z][a-z]{2} [ 1-3][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} relay-policyd\\[[0-9]+\\]: '
h_like "once syslog reads again: how many lines were dropped (a warning)" "$out" \
    $'(^|\n)note=<20>[A-Z][a-z]{2} [ 1-3][0-9] [0-9:]{8} relay-policyd\\[[0-9]+\\]: [1-9][0-9]* log lines dropped: syslog was not reading'
# (log_blackhole.py stops it; this is a safety net for a crash of the driver)
pid=$(cat "$H_TMP/policyd.pid" 2>/dev/null)
if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null &&
    grep -q relay-policyd "/proc/$pid/cmdline" 2>/dev/null; then
	kill -KILL "$pid"
	h_fail "relay-policyd was still running after the driver"
fi

h_done
