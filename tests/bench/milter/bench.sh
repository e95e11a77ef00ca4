#!/bin/bash
# tests/bench/milter/bench.sh - relay-milter throughput, side by side with
# Postfix alone, OpenDKIM's milter and rspamd's milter, in one run (not a
# timed test).
#
# Messages per second end to end: an authenticated load client (SESSIONS
# sessions) -> private Postfix (submission, Dovecot SASL) -> smtp-sink,
# counted in Postfix's log (status=sent: delivered to the sink). For each
# size (2 KB, 20 KB): Postfix alone; a null milter (null_milter.c: no work,
# one inserted header of a DKIM-Signature's size, linked with sockwrap.c
# as relay-milter is): what Postfix's milter handling costs, the ceiling of
# any milter here, relay-milter's row against it being relay-milter's own
# work; the same answering only at end of message, as rspamd does (Postfix
# does not wait at MAIL and RCPT: relay-milter must answer there);
# OpenDKIM signing rsa-sha256 with the same RSA key; rspamd's proxy
# worker as a milter doing only DKIM signing with that key (rspamd.sh);
# relay-milter rsa; relay-milter rsa + ed25519; each milter over a unix
# socket and over loopback TCP, and relay-milter over TCP with
# milter.tcp_quickack off, to show what TCP_NODELAY and TCP_QUICKACK do;
# relay-milter rsa over a unix socket with redis.wait_replicas = 1
# (Redis WAIT for a replica, on this host, that follows Redis during
# that row alone): what a record no failover can lose costs.
# Also each milter's CPU per message (utime+stime of the daemon and its
# child processes) and peak RSS, and per message the CPU of the whole
# machine (host: every process, the load client and the sink too), of
# Postfix (its master and every child, those that exited too) and of
# Redis: where the 2 cores went.
#
# Before each row is measured, one message goes to a recipient at
# keep.test, which Postfix routes (transport_maps) to the harness's
# storing sink (sinkd.py) instead of smtp-sink; the row fails unless that
# message carries the signatures the row must add, verified with
# python3-dkim (dkim_verify.py): none for Postfix alone (and for the null
# milter, whose X-Null-Milter header must be there), rsa-sha256
# d=DOMAIN s=rs1r for the rsa rows, and also ed25519-sha256 s=rs1e for the
# rsa+ed25519 rows.
#
# The load client is tests/integration/smtpload (C, one thread per session,
# AUTH PLAIN: Postfix's smtp-source cannot authenticate).
#
# Run:  make bench-milter   (or RELAY_TOP_SRCDIR=... RELAY_TOP_BUILDDIR=...
#       bash tests/bench/milter/bench.sh)
# Env:  BENCH_N messages per measurement (default 1500), BENCH_SESSIONS (10),
#       BENCH_SIZES (bytes, default "2048 20480"), BENCH_ONLY (an extended
#       regex: measure only the rows whose name matches), BENCH_ROUNDS
#       (default 1: every row is measured once per round, rounds one after
#       the other, and the table gives the median and the range, the
#       ratios the median of each round's ratio; on a shared, busy
#       machine use 3 or more), RSP_WORKERS (rspamd proxy processes,
#       default one per core), BENCH_QUEUE_FS ("ext4", the default: the
#       private Postfix's queue on a new journaled ext4 of its own, on a
#       loop device, as on a mail server's disk; "tmpdir": in the temp
#       dir's file system, whatever it is), BENCH_PERF (a directory: a
#       system-wide `perf record -a -g` of each measurement is written
#       there, one file per row, size and round; read with
#       `perf report --sort comm,dso`).
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
. "$H_SRCDIR/tests/bench/milter/rspamd.sh"
h_init milter_bench
h_need_root
h_need redis-server postfix dovecot smtp-sink openssl
[[ -x $H_BUILDDIR/milter/relay-milter ]] || h_skip_all "relay-milter not built"
"$H_PYTHON" -c 'import dkim' 2>/dev/null ||
    h_skip_all "python3-dkim missing (the signature checks need it)"
N=${BENCH_N:-1500}
S=${BENCH_SESSIONS:-10}
SIZES=${BENCH_SIZES:-2048 20480}
ONLY=${BENCH_ONLY:-.}
ROUNDS=${BENCH_ROUNDS:-1}
CLOAD=$H_BUILDDIR/tests/integration/smtpload
[[ -x $CLOAD ]] || h_skip_all "tests/integration/smtpload not built (make bench-milter builds it)"
CLIENT="smtpload (C, tests/integration/smtpload)"

h_start_redis tcp	# on TCP too: the WAIT row's replica connects to it
fx_conf
fx_member alice
# No relay-tracker runs here, so every message stays in flight: a cap far
# above the run's messages keeps relay-milter's exact queue-cap check (its
# ZCOUNT at end of data) in the measured path without ever refusing
h_redis_cli HSET 'relay:{m:alice}:member' queue_cap 100000000 >/dev/null
fx_domain ed.test alice
fx_domain rsa.test alice --rsa-only
# setgid, group postfix: the sockets made here (relay-milter's is 0660)
# get the group of Postfix, which connects through it
install -d -m 2755 -g postfix "$H_TMP/sock"

# rspamd first: loading its configuration takes tens of seconds
have_rsp=
RSPP=
if [[ -x /usr/bin/rspamd && -d /etc/rspamd ]]; then
	have_rsp=1
	RSPP=$(h_port)
	rsp_launch "$H_TMP/rspamd" "$H_TMP/sock/rsp.sock" "$RSPP" ||
	    { h_diag "rspamd: no configuration, its rows are left out"; have_rsp=; }
fi

SINKP=$(h_port)
h_start_daemon smtpsink smtp-sink -u nobody 127.0.0.1:$SINKP 1000
h_wait_port "$SINKP" 10 || h_bail "smtp-sink did not start"
h_start_sink	# keeps the signature-check messages (keep.test)

# relay-milter: unix socket, TCP, TCP without the socket options
mstart() {	# NAME SOCKET QUICKACK
	FX_MILTER="socket = \"$2\"; tcp_quickack = $3;"
	fx_conf "$H_TMP/$1.conf"
	h_start_daemon "$1" "$H_BUILDDIR/milter/relay-milter" -f -c "$H_TMP/$1.conf"
}
MTP=$(h_port)
MTNP=$(h_port)
mstart rm_unix "unix:$H_TMP/sock/rm.sock" true
mstart rm_tcp "inet:$MTP@127.0.0.1" true
mstart rm_tcpnoack "inet:$MTNP@127.0.0.1" false
# redis.wait_replicas = 1: WAIT for a replica after each record. The
# replica (redisr) follows Redis only while that row is measured, so the
# replication stream costs the other rows nothing
FX_REDIS="socket = \"$REDIS_SOCK\"; wait_replicas = 1; wait_ms = 200;"
mstart rm_wait "unix:$H_TMP/sock/rmw.sock" true
FX_REDIS=
h_wait_file "$H_TMP/sock/rm.sock" 10 && h_wait_port "$MTP" 10 &&
    h_wait_port "$MTNP" 10 && h_wait_file "$H_TMP/sock/rmw.sock" 10 ||
    h_bail "relay-milter did not start"
RR_PORT=$(h_port)
install -d -m 0755 "$H_TMP/redis-r"
h_start_daemon redisr redis-server --bind 127.0.0.1 --port "$RR_PORT" \
    --dir "$H_TMP/redis-r" --save '' --appendonly no
h_wait_port "$RR_PORT" 10 || h_bail "the replica did not start"
replica() {	# replica on|off - redisr follows Redis, or no longer
	if [[ $1 == on ]]; then
		redis-cli -p "$RR_PORT" REPLICAOF 127.0.0.1 "$REDIS_PORT" >/dev/null
		h_wait_for 30 bash -c "redis-cli -p $RR_PORT INFO replication |
		    grep -q master_link_status:up" || h_diag "the replica did not sync"
	else
		redis-cli -p "$RR_PORT" REPLICAOF NO ONE >/dev/null
	fi
}

# the null milter: unix socket and TCP, the worker's wait as relay-milter's
have_null=
NULLM=$H_BUILDDIR/tests/bench/milter/null_milter
if [[ -x $NULLM ]]; then
	have_null=1
	NMP=$(h_port)
	h_start_daemon nm_unix "$NULLM" "unix:$H_TMP/sock/nm.sock" 100
	h_start_daemon nm_tcp "$NULLM" "inet:$NMP@127.0.0.1" 100
	h_start_daemon nm_eom "$NULLM" -e "unix:$H_TMP/sock/nme.sock" 100
	if ! h_wait_file "$H_TMP/sock/nm.sock" 10 || ! h_wait_port "$NMP" 10 ||
	    ! h_wait_file "$H_TMP/sock/nme.sock" 10; then
		h_bail "null_milter did not start: $(cat "$H_LOG"/nm_*.log)"
	fi
else
	h_diag "tests/bench/milter/null_milter not built (make bench-milter" \
	    "builds it): the null milter rows are left out"
fi

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

# The queue's file system: each message is a queue file made and removed
# again, and some file systems do that at a cost that grows with the
# rate. ext4 without a journal (this VM's root) passes over every inode
# freed in the last 60 to 300 seconds each time it makes one, so Postfix
# alone went from 1.3 to 3.1 ms of CPU per message within one run. A new
# ext4 with the journal mkfs.ext4 gives it, as on a Debian mail server.
QFS=${BENCH_QUEUE_FS:-ext4}
case $QFS in
ext4)	h_mount_ext4 "$H_TMP/pf-pf/spool" 2048 || {
		h_diag "no ext4 of its own for the queue (no loop device?): it" \
		    "stays in the temp dir, as with BENCH_QUEUE_FS=tmpdir"
		QFS=tmpdir
	} ;;
tmpdir)	;;
*)	h_bail "BENCH_QUEUE_FS: \"$QFS\" is neither ext4 nor tmpdir" ;;
esac
QFS_DESC="queue in the temp dir ($(findmnt -n -o FSTYPE -T "$H_TMP" 2>/dev/null || echo '?'))"
[[ $QFS == ext4 ]] && QFS_DESC="queue on a new ext4 with a journal (loop device)"

fx_passwd alice key-alice
PF_RELAYHOST="[127.0.0.1]:$SINKP"
PF_MAIN_EXTRA="milter_default_action = tempfail
local_header_rewrite_clients =
default_process_limit = 200
smtpd_client_connection_count_limit = 0
transport_maps = inline:{ keep.test=smtp:[127.0.0.1]:$SINK_PORT }"
fx_start_submission

if [[ -n $have_rsp ]]; then
	rsp_wait "$H_TMP/sock/rsp.sock" "$RSPP" 120 || {
		h_diag "rspamd did not start; its rows are left out:" \
		    "$(tail -5 "$H_LOG/rspamd.log" "$RSP_LOG" 2>/dev/null)"
		have_rsp=
	}
fi

# load SESSIONS TOTAL SIZE FROM RCPT - one run of the load client; prints
# "accepted=N failed=N seconds=S" (failed: tempfail, rejected, errors)
load() {
	local s=$1 total=$2 size=$3 from=$4 rcpt=$5 out m
	m=$(((total + s - 1) / s))
	out=$("$CLOAD" -s "$s" -m "$m" -l "$size" -u alice -p key-alice \
	    -f "$from" -r "$rcpt" -i bench "127.0.0.1:$SUB_PORT" 2>/dev/null)
	[[ $out =~ accepted=([0-9]+)\ tempfail=([0-9]+)\ rejected=([0-9]+)\ errors=([0-9]+)\ seconds=([0-9.]+) ]] ||
	    { echo "accepted=0 failed=$total seconds=0 ($out)"; return; }
	echo "accepted=${BASH_REMATCH[1]}" \
	    "failed=$((BASH_REMATCH[2] + BASH_REMATCH[3] + BASH_REMATCH[4]))" \
	    "seconds=${BASH_REMATCH[5]}"
}

# sigcheck NAME FROM WANT - send one message to keep.test and check its
# signatures: WANT is "none", "null" (none, and the null milter's
# X-Null-Milter header), "rsa" or "rsa+ed25519"
SIGN=0
sigcheck() {
	local name=$1 from=$2 want=$3 dom=${2#*@} rcpt f out
	SIGN=$((SIGN + 1))
	rcpt="chk$SIGN@keep.test"
	out=$(load 1 1 2048 "$from" "$rcpt")
	[[ $out == accepted=1\ * ]] || { h_diag "$name: check message: $out"; return 1; }
	h_wait_for 20 h_sink_find "^X-Sink-Rcpt-To: <$rcpt>" >/dev/null ||
	    { h_diag "$name: check message not stored by the sink"; return 1; }
	f=$(h_sink_find "^X-Sink-Rcpt-To: <$rcpt>" | head -1)
	if [[ $want == none || $want == null ]]; then
		grep -qi '^DKIM-Signature:' "$f" &&
		    { h_diag "$name: signed, but nothing should sign"; return 1; }
		[[ $want == none ]] || grep -q '^X-Null-Milter: v=1;' "$f" ||
		    { h_diag "$name: no X-Null-Milter header"; return 1; }
		return 0
	fi
	out=$("$H_PYTHON" "$H_LIBDIR/dkim_verify.py" \
	    --expect "$([[ $want == rsa ]] && echo 1 || echo 2)" \
	    --key "rs1r._domainkey.$dom=$(fx_dkim_txt "$dom" rsa)" \
	    --key "rs1e._domainkey.$dom=$(fx_dkim_txt "$dom" ed25519)" <"$f" 2>&1) ||
	    { h_diag "$name: DKIM check failed: $out"; return 1; }
	[[ $out == *"pass a=rsa-sha256 d=$dom s=rs1r"* ]] ||
	    { h_diag "$name: no rsa-sha256 d=$dom s=rs1r signature: $out"; return 1; }
	[[ $want == rsa || $out == *"pass a=ed25519-sha256 d=$dom s=rs1e"* ]] ||
	    { h_diag "$name: no ed25519-sha256 signature: $out"; return 1; }
	grep -qi '^DKIM-Signature:.*c=relaxed/relaxed' "$f" ||
	    { h_diag "$name: not relaxed/relaxed: $(grep -i -A1 '^DKIM-Signature' "$f")"; return 1; }
	SIGSEEN[$name]=${out//$'\n'/; }
}

# the daemon and its children (rspamd's workers): "PID PID..."
tree() {
	local p=$1
	[[ -n $p ]] || return 0
	echo "$p $(pgrep -P "$p" | tr '\n' ' ')"
}

cpu_ticks() {	# utime+stime of a daemon and its children, in clock ticks
	local p t=0
	for p in $(tree "$1"); do
		t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0)))
	done
	echo "$t"
}

host_ticks() {	# busy clock ticks of the whole machine (all cores)
	awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat
}

postfix_ticks() {	# Postfix: the master, its children now, and those reaped
	local p t
	t=$(awk '{ print $14 + $15 + $16 + $17 }' "/proc/$PF_MASTER_PID/stat")
	for p in $(pgrep -P "$PF_MASTER_PID"); do
		t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0)))
	done
	echo "$t"
}

# per_msg T0 T1 N - clock ticks T1-T0 over N messages, in ms per message
per_msg() {
	awk -v a="$1" -v b="$2" -v n="$3" -v hz="$(getconf CLK_TCK)" \
	    'BEGIN { printf "%.2f", n ? (b - a) * 1000 / hz / n : 0 }'
}

peak_rss() {	# VmHWM of a daemon, then of each child ("A+B+C"), in kB
	local p out=
	for p in $(tree "$1"); do
		out+=${out:++}$(awk '/VmHWM/ { print $2 }' "/proc/$p/status" 2>/dev/null)
	done
	echo "$out"
}

# perf_start NAME SIZE / perf_stop - BENCH_PERF: a system-wide profile of
# one measurement, in BENCH_PERF/ROW-SIZE-rROUND.data
PERF_PID=
perf_start() {
	local f
	f=$(printf '%s-%s-r%s' "$1" "$2" "$round" | tr -c 'A-Za-z0-9.+\n-' _)
	mkdir -p "$BENCH_PERF"
	perf record -a -g -F 499 -o "$BENCH_PERF/$f.data" >"$H_LOG/perf.log" 2>&1 &
	PERF_PID=$!
	sleep 0.5
}
perf_gone() {	# shellcheck disable=SC2317  # called by h_wait_for
	! kill -0 "$PERF_PID" 2>/dev/null
}
perf_stop() {
	[[ -n $PERF_PID ]] || return 0
	kill -INT "$PERF_PID" 2>/dev/null
	h_wait_for 30 perf_gone >/dev/null
	PERF_PID=
}

# measure NAME MILTERS FROM SIZE DAEMON WANT - one measurement of a row;
# the results go to RATES, CPUMS, ACC, FAIL (keyed NAME/SIZE, one word per
# round) and a progress line to stdout
measure() {
	local name=$1 milters=$2 from=$3 size=$4 daemon=$5 want=$6 pid='' c0=0 c1
	local t0 t1 base out rate ms=- acc h0 h1 p0 p1 r0 r1 hms pms rms
	[[ $name =~ $ONLY ]] || return 0
	[[ $daemon == rm_wait ]] && replica on
	h_pf_set "smtpd_milters = $milters"
	h_pf_reload
	sleep 2
	base=$(h_log_count 'status=sent')
	# the path works and signs as it should
	[[ -n ${ROWSEEN[$name/$size]:-} ]] || { ROWSEEN[$name/$size]=1; ROWS+=("$name/$size"); }
	if ! sigcheck "$name" "$from" "$want"; then
		h_diag "round $round: $name, $((size / 1024)) KB: signature check failed"
		BAD+=("$name/$size")
		[[ $daemon == rm_wait ]] && replica off
		return 1
	fi
	# warm-up
	out=$(load 2 40 "$size" "$from" r@sink.test)
	[[ $out == *" failed=0 "* ]] || h_diag "$name: warm-up: $out"
	acc=${out#accepted=}
	h_wait_log_count 'status=sent' $((base + 1 + ${acc%% *})) 60 >/dev/null
	sleep 1
	base=$(h_log_count 'status=sent')
	[[ -n $daemon ]] && pid=$(h_daemon_pid "$daemon") && c0=$(cpu_ticks "$pid")
	h0=$(host_ticks) p0=$(postfix_ticks) r0=$(cpu_ticks "$REDIS_PID")
	[[ -n ${BENCH_PERF:-} ]] && perf_start "$name" "$size"
	t0=$(date +%s.%N)
	out=$(load "$S" "$N" "$size" "$from" r@sink.test)
	acc=${out#accepted=}
	acc=${acc%% *}
	h_wait_log_count 'status=sent' $((base + acc)) 180 >/dev/null ||
	    h_diag "$name: only $(($(h_log_count 'status=sent') - base)) of $acc delivered"
	t1=$(date +%s.%N)
	[[ -n ${BENCH_PERF:-} ]] && perf_stop
	h1=$(host_ticks) p1=$(postfix_ticks) r1=$(cpu_ticks "$REDIS_PID")
	rate=$(awk -v n="$acc" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / (b - a) }')
	if [[ -n $pid ]]; then
		c1=$(cpu_ticks "$pid")
		ms=$(per_msg "$c0" "$c1" "$acc")
	fi
	hms=$(per_msg "$h0" "$h1" "$acc")
	pms=$(per_msg "$p0" "$p1" "$acc")
	rms=$(per_msg "$r0" "$r1" "$acc")
	HOSTMS[$name/$size]+=" $hms"
	PFMS[$name/$size]+=" $pms"
	RDMS[$name/$size]+=" $rms"
	h_diag "round $round: $name, $((size / 1024)) KB: $rate msg/s, $ms ms CPU/msg (host $hms, Postfix $pms, Redis $rms), ${out%% seconds=*}"
	RATES[$name/$size]+=" $rate"
	CPUMS[$name/$size]+=" $ms"
	out=${out#*failed=}
	ACC[$name/$size]=$((${ACC[$name/$size]:-0} + acc))
	FAIL[$name/$size]=$((${FAIL[$name/$size]:-0} + ${out%% *}))
	[[ $daemon == rm_wait ]] && replica off
	return 0
}

# median WORDS... - the middle value (lower middle for an even count); "-"
# stays "-"
median() {
	printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print NR ? v[int((NR + 1) / 2)] : "-" }'
}

declare -A RATE RATES CPUMS HOSTMS PFMS RDMS ACC FAIL SIGSEEN ROWSEEN
BAD=()
ROWS=()
echo "# relay-milter benchmark: $N messages, $S sessions, $(nproc) cores," \
    "$ROUNDS round(s), load client $CLIENT, $QFS_DESC"
# The rows, in table order: NAME|MILTERS|FROM|DAEMON|WANT. Each round
# starts one row further on, so that no row is always measured last (a
# machine that slows down as a run goes on would count against it).
SPECS=("postfix alone||b@rsa.test||none")
[[ -n $have_null ]] && SPECS+=(
	"null milter, unix|unix:$H_TMP/sock/nm.sock|b@rsa.test|nm_unix|null"
	"null milter, tcp|inet:127.0.0.1:$NMP|b@rsa.test|nm_tcp|null"
	"null milter, EOM only, unix|unix:$H_TMP/sock/nme.sock|b@rsa.test|nm_eom|null")
[[ -n $have_odkim ]] && SPECS+=(
	"opendkim rsa, unix|unix:$H_TMP/sock/od.sock|b@rsa.test|od_unix|rsa"
	"opendkim rsa, tcp|inet:127.0.0.1:$ODP|b@rsa.test|od_tcp|rsa")
[[ -n $have_rsp ]] && SPECS+=(
	"rspamd dkim, unix|unix:$H_TMP/sock/rsp.sock|b@rsa.test|rspamd|rsa"
	"rspamd dkim, tcp|inet:127.0.0.1:$RSPP|b@rsa.test|rspamd|rsa")
SPECS+=(
	"relay-milter rsa, unix|unix:$H_TMP/sock/rm.sock|b@rsa.test|rm_unix|rsa"
	"relay-milter rsa, tcp|inet:127.0.0.1:$MTP|b@rsa.test|rm_tcp|rsa"
	"relay-milter rsa+ed25519, unix|unix:$H_TMP/sock/rm.sock|b@ed.test|rm_unix|rsa+ed25519"
	"relay-milter rsa+ed25519, tcp|inet:127.0.0.1:$MTP|b@ed.test|rm_tcp|rsa+ed25519"
	"relay-milter rsa, tcp, no quickack|inet:127.0.0.1:$MTNP|b@rsa.test|rm_tcpnoack|rsa"
	"relay-milter rsa, unix, WAIT 1|unix:$H_TMP/sock/rmw.sock|b@rsa.test|rm_wait|rsa")
for ((round = 1; round <= ROUNDS; round++)); do
for size in $SIZES; do
	for ((i = 0; i < ${#SPECS[@]}; i++)); do
		IFS='|' read -r name milters from daemon want \
		    <<<"${SPECS[(i + round - 1) % ${#SPECS[@]}]}"
		measure "$name" "$milters" "$from" "$size" "$daemon" "$want"
	done
done
done

# the table: medians over the rounds (and the range with several rounds)
echo "| configuration | size | msg/s | msg/s range | milter CPU ms/msg | host | Postfix | Redis | client (all rounds) |"
echo "|---|---|---|---|---|---|---|---|---|"
for k in "${ROWS[@]}"; do
	[[ -n ${RATES[$k]:-} ]] || {
		printf '| %-34s | %5s | %7s | %9s | %6s | - | - | - | %s |\n' "${k%/*}" \
		    "$((${k##*/} / 1024)) KB" FAILED - - "signature check failed"
		continue
	}
	# shellcheck disable=SC2086  # word lists
	RATE[$k]=$(median ${RATES[$k]})
	# shellcheck disable=SC2086
	printf '| %-34s | %5s | %7s | %9s | %6s | %5s | %5s | %5s | accepted=%s failed=%s |\n' \
	    "${k%/*}" "$((${k##*/} / 1024)) KB" "${RATE[$k]}" \
	    "$(printf '%s\n' ${RATES[$k]} | sort -n | sed -n '1p;$p' | paste -sd-)" \
	    "$(median ${CPUMS[$k]})" "$(median ${HOSTMS[$k]})" \
	    "$(median ${PFMS[$k]})" "$(median ${RDMS[$k]})" "${ACC[$k]}" "${FAIL[$k]}"
done

# ratio A B [ARRAY] - A/B to two places, or "-" when either is missing: the
# median of the rounds' own ratios (both rows measured a minute apart at
# most, so a machine that is slower for a while weighs less than in the
# ratio of the medians, which is used when a row lacks a round). ARRAY is
# RATES (msg/s, the default) or HOSTMS (the machine's CPU per message:
# then B/A, so that both read "A's share of B's throughput").
ratio() {
	local -n per=${3:-RATES}
	[[ -n ${per[$1]:-} && -n ${per[$2]:-} && -n ${RATE[$1]:-} &&
	    -n ${RATE[$2]:-} ]] || { echo -; return; }
	awk -v a="${per[$1]}" -v b="${per[$2]}" -v ma="${RATE[$1]}" \
	    -v mb="${RATE[$2]}" -v inv="$([[ ${3:-RATES} == HOSTMS ]] && echo 1)" 'BEGIN {
		n = split(a, x, " "); m = split(b, y, " ")
		if (n != m) {	# a row lacks a round: the ratio of the medians
			if (inv) print "-"; else printf "%.2f", mb ? ma / mb : 0
			exit
		}
		for (i = 1; i <= n; i++)
			if (inv)
				r[i] = x[i] ? y[i] / x[i] : 0
			else
				r[i] = y[i] ? x[i] / y[i] : 0
		for (i = 2; i <= n; i++)	# insertion sort, n is small
			for (j = i; j > 1 && r[j - 1] > r[j]; j--) {
				t = r[j]; r[j] = r[j - 1]; r[j - 1] = t
			}
		printf "%.2f", r[int((n + 1) / 2)]
	}'
}
for size in $SIZES; do
	echo "# $((size / 1024)) KB (each ratio the median of the rounds' own):" \
	    "relay-milter rsa unix / postfix alone:" \
	    "$(ratio "relay-milter rsa, unix/$size" "postfix alone/$size");" \
	    "tcp / unix: $(ratio "relay-milter rsa, tcp/$size" "relay-milter rsa, unix/$size");" \
	    "vs opendkim unix $(ratio "relay-milter rsa, unix/$size" "opendkim rsa, unix/$size")," \
	    "tcp $(ratio "relay-milter rsa, tcp/$size" "opendkim rsa, tcp/$size");" \
	    "vs rspamd unix $(ratio "relay-milter rsa, unix/$size" "rspamd dkim, unix/$size")," \
	    "tcp $(ratio "relay-milter rsa, tcp/$size" "rspamd dkim, tcp/$size");" \
	    "relay-milter rsa unix / null milter unix:" \
	    "$(ratio "relay-milter rsa, unix/$size" "null milter, unix/$size");" \
	    "null milter unix / postfix alone:" \
	    "$(ratio "null milter, unix/$size" "postfix alone/$size")"
	echo "# $((size / 1024)) KB, by the machine's CPU per message instead" \
	    "(messages per CPU second, what a node whose cores are all busy" \
	    "delivers; it varies less than msg/s): relay-milter rsa unix /" \
	    "postfix alone: $(ratio "relay-milter rsa, unix/$size" "postfix alone/$size" HOSTMS);" \
	    "null milter unix / postfix alone:" \
	    "$(ratio "null milter, unix/$size" "postfix alone/$size" HOSTMS);" \
	    "relay-milter / null milter:" \
	    "$(ratio "relay-milter rsa, unix/$size" "null milter, unix/$size" HOSTMS)"
done
for k in "${!SIGSEEN[@]}"; do
	echo "# signature check, $k: ${SIGSEEN[$k]}"
done | sort
for d in nm_unix nm_tcp nm_eom od_unix od_tcp rspamd rm_unix rm_tcp rm_tcpnoack; do
	[[ -n $(h_daemon_pid "$d") ]] || continue
	note=
	[[ $d == rspamd ]] && note=" (main process + its forked workers, which share pages)"
	echo "# $d peak RSS: $(peak_rss "$(h_daemon_pid "$d")") kB$note"
done
for d in nm_unix nm_tcp nm_eom rm_unix rm_tcp rm_tcpnoack; do
	[[ -n $(h_daemon_pid "$d") ]] || continue
	h_stop_daemon "$d" 20
	echo "# $d: $(grep -o 'tcp_nodelay=.*' "$H_LOG/$d.log")"
done
if ((${#BAD[@]})); then
	h_fail "every row signs as it should" "failed: ${BAD[*]}"
else
	h_ok "benchmark ran, every row signed as it should"
fi
h_done
