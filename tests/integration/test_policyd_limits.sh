#!/bin/bash
# test_policyd_limits.sh - relay-policyd's connection limits, the same on
# the policy and the socketmap port: replies a client does not read are
# bounded (closed past 256 KiB, then a bounded drain and a hard close),
# protocol errors are logged a few times per connection and then counted,
# memory stays bounded; a request after a bad line is still under
# request_timeout; a half-closed client gets its answer; any duplicated
# attribute is refused and logged by name; a reload that
# raises max_line/max_request applies to connections already open.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init policyd_limits
h_need redis-server ss
fx_policyd_bins

h_start_redis
PPORT=$(h_port)
MPORT=$(h_port)
limits() {
	FX_POLICYD="listen = [ \"inet:127.0.0.1:$PPORT\" ];
  socketmap = [ \"inet:127.0.0.1:$MPORT\" ];
  max_line = $1; max_attrs = 10; max_request = $2;
  request_timeout = \"2s\"; idle_timeout = \"3s\"; max_clients = 8;"
	fx_conf
}
limits 256 1024
h_start_daemon policyd "$PD" -f -c "$FX_CONF"
h_wait_port "$PPORT" 10 || h_bail "relay-policyd did not listen"
h_wait_port "$MPORT" 10 || h_bail "relay-policyd did not listen (socketmap)"
fx_member alice
fx_domain alice.test alice
LOG=$H_LOG/policyd.log

fx_policy_requests
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$(h_daemon_pid policyd)/status"; }
rss_bounded() {	# rss_bounded BEFORE AFTER (KiB)
	if h_sanitized; then
		h_skip "... memory stays bounded (RSS $1 -> $2 KiB)" \
		    "AddressSanitizer's quarantine makes RSS no measure"
	else
		h_check "... memory stays bounded (RSS $1 -> $2 KiB)" \
		    test $(($2 - $1)) -lt 20000
	fi
}
# conns PORT - the daemon's established connections on PORT
conns() { ss -Htn state established "( sport = :$1 )" | wc -l; }
no_conns() { (($(conns "$1") == 0)); }

# 1. A flood of empty lines (each one a bad request, each answered 451),
# replies never read: closed past the limit, and the close does not wait
# for the client: request_timeout (2 s) to take the replies, then hard.
rss0=$(rss)
head -c 1000000 /dev/zero | tr '\0' '\n' | raw -r 4096 -n 8 -q -w 2 \
    >"$H_TMP/flood.out" 2>/dev/null &
bg=$!
h_check "1 MB of empty lines, replies not read: over the limit" \
    h_wait_log 'service=policy error="replies not read" action=close$' 20 "$LOG"
h_check "... closed hard after request_timeout, its slot freed" h_wait_for 5 no_conns "$PPORT"
h_check "... logged with what was not sent" \
    grep -Eq 'service=policy error="replies not read" action=close unsent=[0-9]+' "$LOG"
n=$(grep -c 'reason=protocol error="empty request"' "$LOG")
h_check "... only the first 3 protocol errors are logged ($n lines)" test "$n" -le 3
h_check "... and the rest counted in one line at close" \
    grep -Eq 'service=policy protocol_errors=[0-9]{3,} not_logged=[0-9]+ action=close' "$LOG"
rss1=$(rss)
rss_bounded "$rss0" "$rss1"
h__wait_gone 150 "$bg"
h_like "... the client sees the close" "$(cat "$H_TMP/flood.out")" '\[closed\]$'

# 3. The socketmap port: the same limit on replies not read.
rss0=$(rss)
printf '11:foo bar.com,%.0s' $(seq 1 100000) | "$CLIENT" raw "$MPORT" -r 4096 -n 8 -q -w 1 \
    >"$H_TMP/smnoread.out" 2>/dev/null &
bg=$!
h_check "socketmap, replies not read: over the limit" \
    h_wait_log 'service=socketmap error="replies not read" action=close$' 20 "$LOG"
h_check "... closed hard after request_timeout" h_wait_for 5 no_conns "$MPORT"
n=$(grep -c 'map=foo key=bar.com result=PERM' "$LOG")
h_check "... at most 3 PERM lines logged ($n), with the client address" \
    test "$n" -le 3 -a "$(grep -c 'client=127.0.0.1:[0-9]* map=foo key=bar.com result=PERM' "$LOG")" -eq "$n"
h_check "... the rest counted at close" grep -Eq 'service=socketmap protocol_errors=[0-9]+ not_logged=[0-9]+' "$LOG"
rss1=$(rss)
rss_bounded "$rss0" "$rss1"
h__wait_gone 150 "$bg"

# 4. A bad line, then a trickle: still closed request_timeout after the
# request's first byte (not kept open by each byte), answered once.
t0=$(date +%s%N)
out=$(printf 'foo\nbbbbbbbbbbbbbbbbbbbb' | raw -d 500 -w 2)
t1=$(date +%s%N)
h_like "a bad line, then one byte every 0.5 s: one 451, closed at the timeout" "$out" \
    "^(\\[write failed after [0-9]+ bytes\\]"$'\n'")?$DEFER"$'\n\n\\[closed\\]$'
h_check "... within request_timeout and a margin ($(((t1 - t0) / 1000000)) ms)" \
    test $(((t1 - t0) / 1000000)) -lt 5000

# 5. A client that shuts down its sending side after a whole request
# (answered after Redis) still gets its answer, then the close.
out=$(printf '%s\n' "$AUTH" | raw -h -w 3)
h_is "half-closed after a request: answered, then closed" "$out" $'action=DUNNO\n\n[closed]'

# 6. Duplicates: any attribute, known or not.
out=$(printf 'request=smtpd_access_policy\nfoo=1\nfoo=2\n\n%s\n' "$REQ" | raw -w 1)
h_like "a duplicated unknown attribute: 451, then served" "$out" \
    "^$DEFER"$'\n\naction=DUNNO\n\n\\[open\\]$'
h_check "... logged naming the rule" grep -q 'reason=protocol error="duplicated attribute"' "$LOG"

# 7. A reload raising max_line/max_request applies to open connections.
reply() {
	local line out=
	while IFS= read -r -t 5 -u "$1" line; do
		[[ -z $line ]] && break
		out+=$line
	done
	printf '%s' "$out"
}
exec {c}<>"/dev/tcp/127.0.0.1/$PPORT"
printf '%s\n' "$REQ" >&"$c"
h_is "an open connection before the reload" "$(reply "$c")" "action=DUNNO"
limits 2048 8192
kill -HUP "$(h_daemon_pid policyd)"
h_check "reload to max_line 2048, max_request 8192" h_wait_log 'reload=ok' 5 "$LOG"
long=$(head -c 1500 /dev/zero | tr '\0' a)
printf '%sx=%s\n\n' "$REQ" "$long" >&"$c"
h_is "... a 1500-byte line on that connection is served" "$(reply "$c")" "action=DUNNO"
exec {c}>&-
h_check "relay-policyd survived all of it" h_daemon_alive policyd

# 8. Waiting on a Redis slower than idle_timeout is not idleness: the
# request is answered (idle_timeout 1 s, Redis paused 2 s, its timeout 3 s).
h_stop_daemon policyd 10
sed -e 's/timeout_ms = 500;/timeout_ms = 3000;/' -e 's/idle_timeout = "3s"/idle_timeout = "1s"/' \
    "$FX_CONF" >"$H_TMP/slow.conf"
h_start_daemon policyd_slow "$PD" -f -c "$H_TMP/slow.conf"
h_wait_port "$PPORT" 10 || h_bail "relay-policyd (slow Redis) did not listen"
h_redis_cli CLIENT PAUSE 2000 >/dev/null
t0=$(date +%s%N)
out=$(printf '%s\n' "$AUTH" | raw -w 4)
ms=$((($(date +%s%N) - t0) / 1000000))
h_like "a request waiting on Redis past idle_timeout: answered (${ms} ms)" "$out" \
    $'^action=DUNNO\n\n'

# 9. Out of descriptors (open files limit 40, max_clients 4096): said at
# start; accept() failing pauses the listeners instead of a busy loop
# that logs every turn; once connections close, requests are served.
h_stop_daemon policyd_slow 10
sed -e 's/max_clients = 8;/max_clients = 4096;/' "$FX_CONF" >"$H_TMP/nofile.conf"
h_start_daemon policyd_nofile prlimit --nofile=40:40 "$PD" -f -c "$H_TMP/nofile.conf"
h_wait_port "$PPORT" 10 || h_bail "relay-policyd (40 files) did not listen"
NLOG=$H_LOG/policyd_nofile.log
h_check "the open file limit below max_clients is logged at start" \
    grep -q 'max_clients=4096 nofile=40 error="the open file limit' "$NLOG"
held=()
for i in $(seq 60); do
	exec {c}<>"/dev/tcp/127.0.0.1/$PPORT" && held+=("$c")
done
cpu() { awk '{ print $14 + $15 }' "/proc/$(h_daemon_pid policyd_nofile)/stat"; }
sleep 1
t0=$(cpu)
sleep 3
t1=$(cpu)
h_check "60 connections over the limit: no busy loop (CPU $((t1 - t0)) ticks in 3 s)" \
    test $((t1 - t0)) -lt 60
n=$(grep -c 'error="accept: ' "$NLOG")
h_check "... and the failure logged once per 10 s, not per turn ($n lines)" test "$n" -le 2
for c in "${held[@]}"; do exec {c}>&-; done
h_check "... then, the connections closed, a request is served" \
    h_wait_for 10 bash -c "printf '%s\n' \"\$1\" | \"\$2\" raw $PPORT -w 4 | grep -q '^action=DUNNO'" _ "$AUTH" "$CLIENT"
h_check "relay-policyd still runs" h_daemon_alive policyd_nofile
h_done
