#!/bin/bash
# tests/bench/milter/bench.sh - relay-milter throughput, side by side with
# Postfix alone and OpenDKIM's milter, in one run (not a timed test).
#
# Messages per second end to end: smtpload.py (authenticated, SESSIONS
# sessions) -> private Postfix (submission, Dovecot SASL) -> smtp-sink,
# counted in Postfix's log (status=sent: delivered to the sink). For each
# size (2 KB, 20 KB): Postfix alone; OpenDKIM signing rsa-sha256 with the
# same RSA key; relay-milter rsa; relay-milter rsa + ed25519; each milter
# over a unix socket and over loopback TCP, and relay-milter over TCP with
# milter.tcp_quickack off, to show what TCP_NODELAY/TCP_QUICKACK do.
# Also the milters' CPU per message (utime+stime of the milter process)
# and relay-milter's peak RSS.
#
# Run:  make bench-milter   (or RELAY_TOP_SRCDIR=... RELAY_TOP_BUILDDIR=...
#       bash tests/bench/milter/bench.sh)
# Env:  BENCH_N messages per measurement (default 1500), BENCH_SESSIONS (10)
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init milter_bench
h_need_root
h_need redis-server postfix dovecot smtp-sink openssl
[[ -x $H_BUILDDIR/milter/relay-milter ]] || h_skip_all "relay-milter not built"
N=${BENCH_N:-1500}
S=${BENCH_SESSIONS:-10}
LOAD=$H_SRCDIR/tests/bench/milter/smtpload.py

h_start_redis
SINKP=$(h_port)
h_start_daemon smtpsink smtp-sink -u nobody 127.0.0.1:$SINKP 1000
h_wait_port "$SINKP" 10 || h_bail "smtp-sink did not start"
fx_conf
fx_member alice
fx_domain ed.test alice
fx_domain rsa.test alice --rsa-only

# relay-milter: unix socket, TCP, TCP without the socket options
mstart() {	# NAME SOCKET QUICKACK
	FX_MILTER="socket = \"$2\"; tcp_quickack = $3;"
	fx_conf "$H_TMP/$1.conf"
	h_start_daemon "$1" "$H_BUILDDIR/milter/relay-milter" -f -c "$H_TMP/$1.conf"
}
install -d -m 0755 "$H_TMP/sock"
MTP=$(h_port)
MTNP=$(h_port)
mstart rm_unix "unix:$H_TMP/sock/rm.sock" true
mstart rm_tcp "inet:$MTP@127.0.0.1" true
mstart rm_tcpnoack "inet:$MTNP@127.0.0.1" false
h_wait_file "$H_TMP/sock/rm.sock" 10 && h_wait_port "$MTP" 10 &&
    h_wait_port "$MTNP" 10 || h_bail "relay-milter did not start"

# OpenDKIM with the same RSA key (it signs one algorithm per daemon)
have_odkim=
if command -v opendkim >/dev/null; then
	have_odkim=1
	ODP=$(h_port)
	for v in unix tcp; do
		sock="local:$H_TMP/sock/od.sock"
		[[ $v == tcp ]] && sock="inet:$ODP@127.0.0.1"
		cat >"$H_TMP/od-$v.conf" <<EOF
Syslog no
Mode s
Domain rsa.test
Selector rs1r
KeyFile $FX_KEYDIR/rsa.pem
RequireSafeKeys no
Canonicalization relaxed/relaxed
Socket $sock
UMask 000
PidFile $H_TMP/od-$v.pid
EOF
		h_start_daemon "od_$v" opendkim -f -x "$H_TMP/od-$v.conf"
	done
	h_wait_file "$H_TMP/sock/od.sock" 10 && h_wait_port "$ODP" 10 ||
	    h_bail "opendkim did not start: $(cat "$H_LOG"/od_*.log)"
fi

fx_passwd alice key-alice
PF_RELAYHOST="[127.0.0.1]:$SINKP"
PF_MAIN_EXTRA="milter_default_action = tempfail
local_header_rewrite_clients =
default_process_limit = 200
smtpd_client_connection_count_limit = 0"
fx_start_submission

cpu_ticks() {	# utime+stime of a pid, in clock ticks
	awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0
}

# measure NAME MILTERS FROM SIZE DAEMON - prints one table row
measure() {
	local name=$1 milters=$2 from=$3 size=$4 daemon=$5 pid= c0=0 c1 t0 t1
	local base out rate ms=- want
	h_pf_set "smtpd_milters = $milters"
	h_pf_reload
	sleep 2
	# warm-up (also checks the path works)
	out=$(/usr/bin/python3 "$LOAD" "127.0.0.1:$SUB_PORT" alice key-alice \
	    "$from" r@sink.test 2 40 "$size")
	[[ $out == *"failed=0"* ]] || { h_diag "$name: warm-up: $out"; return 1; }
	h_wait_log_count 'status=sent' $(($(h_log_count 'status=sent'))) 1 >/dev/null
	sleep 1
	base=$(h_log_count 'status=sent')
	[[ -n $daemon ]] && pid=$(h_daemon_pid "$daemon") && c0=$(cpu_ticks "$pid")
	want=$((base + N))
	t0=$(date +%s.%N)
	out=$(/usr/bin/python3 "$LOAD" "127.0.0.1:$SUB_PORT" alice key-alice \
	    "$from" r@sink.test "$S" "$N" "$size")
	h_wait_log_count 'status=sent' "$want" 180 >/dev/null ||
	    h_diag "$name: only $(($(h_log_count 'status=sent') - base)) of $N delivered"
	t1=$(date +%s.%N)
	rate=$(awk -v n="$N" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / (b - a) }')
	if [[ -n $pid ]]; then
		c1=$(cpu_ticks "$pid")
		ms=$(awk -v a="$c0" -v b="$c1" -v n="$N" -v hz="$(getconf CLK_TCK)" \
		    'BEGIN { printf "%.2f", (b - a) * 1000 / hz / n }')
	fi
	printf '| %-34s | %5s | %7s | %6s | %s |\n' "$name" "$((size / 1024)) KB" \
	    "$rate" "$ms" "${out%% seconds=*}"
	RATE[$name/$size]=$rate
}

declare -A RATE
echo "# relay-milter benchmark: $N messages, $S sessions, $(nproc) cores"
echo "| configuration | size | msg/s | milter CPU ms/msg | client |"
echo "|---|---|---|---|---|"
for size in 2048 20480; do
	measure "postfix alone" "" b@rsa.test $size ""
	if [[ -n $have_odkim ]]; then
		measure "opendkim rsa, unix" "unix:$H_TMP/sock/od.sock" b@rsa.test $size od_unix
		measure "opendkim rsa, tcp" "inet:127.0.0.1:$ODP" b@rsa.test $size od_tcp
	fi
	measure "relay-milter rsa, unix" "unix:$H_TMP/sock/rm.sock" b@rsa.test $size rm_unix
	measure "relay-milter rsa, tcp" "inet:127.0.0.1:$MTP" b@rsa.test $size rm_tcp
	measure "relay-milter rsa+ed25519, unix" "unix:$H_TMP/sock/rm.sock" b@ed.test $size rm_unix
	measure "relay-milter rsa+ed25519, tcp" "inet:127.0.0.1:$MTP" b@ed.test $size rm_tcp
	measure "relay-milter rsa, tcp, no quickack" "inet:127.0.0.1:$MTNP" b@rsa.test $size rm_tcpnoack
done
for d in rm_unix rm_tcp rm_tcpnoack; do
	echo "# $d peak RSS: $(awk '/VmHWM/ { print $2, $3 }' "/proc/$(h_daemon_pid $d)/status")"
	h_stop_daemon "$d" 20
	echo "# $(grep -o 'tcp_nodelay=.*' "$H_LOG/$d.log")"
done
h_ok "benchmark ran"
h_done
