#!/bin/bash
# tests/bench/policyd/run-bench.sh - relay-policyd side by side with the
# tools people use, in one run (not a timed test; prints a table).
#
#   tests/bench/policyd/run-bench.sh [BUILDDIR] [SECONDS]
#
# Servers, each driven by the same closed-loop C client (policyd_load) at
# 1, 8, 32 and 256 connections with an authenticated RCPT request:
#   relay-policyd   per-sender-domain warming caps (policyd_warm.lua, caps
#                   set so high that every request is charged and passes)
#   postfwd2        the equivalent per-sender-domain rate limit:
#                   rate(sender_domain/1000000000/3600/...) (if installed)
#   noop_server     always DUNNO: the ceiling of the client and the kernel
# and redis-benchmark running the same EVALSHA (policyd_warm.lua, one key)
# at the same concurrency: the store's ceiling. Last, relay-policyd's RSS
# with 1,000 open idle connections.
#   policyd-rate-limit  the same limit per SASL user (if installed)
# Everything listens on 127.0.0.1 and is stopped by PID on exit.
set -u
SRC=$(cd "$(dirname "$0")/../../.." && pwd)
B=${1:-$SRC}
SECS=${2:-5}
B=$(cd "$B" && pwd)
LOAD=$B/tests/bench/policyd/policyd_load
NOOP=$B/tests/bench/policyd/noop_server
PD=$B/policyd/relay-policyd
for f in "$LOAD" "$NOOP" "$PD"; do
	[[ -x $f ]] || { echo "missing $f: make tests/bench/policyd/policyd_load tests/bench/policyd/noop_server policyd/relay-policyd" >&2; exit 1; }
done
ulimit -n 8192
T=$(mktemp -d /tmp/policyd-bench.XXXXXX)
PIDS=()
# desc PID - every descendant of PID, children first
desc() {
	local c
	for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do
		desc "$c"
		echo "$c"
	done
}
cleanup() {
	local p all=()
	[[ -s $T/postfwd.pid ]] && PIDS+=("$(cat "$T/postfwd.pid")")
	for p in "${PIDS[@]}"; do
		all+=($(desc "$p") "$p")
	done
	((${#all[@]})) && kill "${all[@]}" 2>/dev/null
	sleep 1
	((${#all[@]})) && kill -9 "${all[@]}" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

RPORT=$(port)
redis-server --port "$RPORT" --bind 127.0.0.1 --save '' --appendonly no \
    --daemonize no --logfile "$T/redis.log" &
PIDS+=($!)
sleep 0.5
R() { redis-cli -p "$RPORT" "$@"; }
R HSET 'relay:{m:bench}:member' did did:plc:bench suspended 0 >/dev/null
R HSET 'relay:{d:bench.example}:domain' member bench verified_at "$(($(date +%s) - 3600))" >/dev/null

PPORT=$(port)
cat >"$T/relay.conf" <<EOF
redis: { host = "127.0.0.1"; port = $RPORT; timeout_ms = 500; };
policyd: { listen = [ "inet:127.0.0.1:$PPORT" ]; socketmap = [ ]; };
warming: { tiers = ( { days = 14; per_hour = 1000000000; per_day = 1000000000; } ); };
EOF
"$PD" -f -c "$T/relay.conf" 2>/dev/null &
PDPID=$!
PIDS+=($PDPID)

NPORT=$(port)
"$NOOP" "$NPORT" &
PIDS+=($!)

FPORT=
if command -v postfwd2 >/dev/null 2>&1; then
	FPORT=$(port)
	CPORT=$(port)
	cat >"$T/postfwd.cf" <<'EOF'
id=RATE01; sasl_username=~.; action=rate(sender_domain/1000000000/3600/451 4.7.1 rate limit)
id=DEFAULT; action=dunno
EOF
	# As a daemon: with --nodaemon postfwd2 starts no cache process and
	# its rate limits do nothing. Stopped through its pid file.
	chmod 0755 "$T"
	postfwd2 -f "$T/postfwd.cf" -i 127.0.0.1 -p "$FPORT" \
	    --cache_socket "tcp:127.0.0.1:$CPORT" -c 0 -n \
	    --pidfile "$T/postfwd.pid" -u nobody -g nogroup \
	    >"$T/postfwd.log" 2>&1
fi
# policyd-rate-limit (Debian package): per SASL user, the closest it has to
# a per-sender-domain limit (the load sends one user and one domain), with
# its default sqlite backend; its own limits so high that every request
# passes and is recorded.
RPORT2=
if command -v policyd-rate-limit >/dev/null 2>&1; then
	RPORT2=$(port)
	install -d -m 0777 "$T/prl"
	cat >"$T/prl.yaml" <<EOF
debug: False
user: "nobody"
group: "nogroup"
pidfile: "$T/prl/prl.pid"
sqlite_config:
    database: "$T/prl/db.sqlite3"
backend: 0
SOCKET: ["127.0.0.1", $RPORT2]
limits:
    - [1000000000, 3600]
    - [1000000000, 86400]
limits_by_id: {}
limit_by_sasl: True
limit_by_sender: False
limit_by_ip: False
limited_networks: []
success_action: "dunno"
fail_action: "defer_if_permit Rate limit reach, retry later"
db_error_action: "dunno"
report: False
delay_to_close: 300
EOF
	policyd-rate-limit --file "$T/prl.yaml" >"$T/prl.log" 2>&1 &
	PIDS+=($!)
fi
sleep 1.5

row() {
	local name=$1 p=$2 c out
	for c in 1 8 32 256; do
		out=$("$LOAD" "$p" "$c" "$SECS" bench a@bench.example 2>&1 | tail -1)
		printf '%-16s %s\n' "$name" "$out"
	done
}

echo "# relay-policyd benchmark: $(nproc) cores, ${SECS} s per point, $(date -u +%FT%TZ)"
row relay-policyd "$PPORT"
[[ -n $FPORT ]] && row postfwd2 "$FPORT"
[[ -n $RPORT2 ]] && row policyd-rate-limit "$RPORT2"
row noop_server "$NPORT"
SHA=$(R SCRIPT LOAD "$(cat "$SRC/common/lua/policyd_warm.lua")")
R HSET 'relay:{d:rb.example}:domain' member rb verified_at 0 >/dev/null
for c in 1 8 32 256; do
	out=$(redis-benchmark -p "$RPORT" -c "$c" -n $((c < 8 ? 50000 : 200000)) -r 1000000000 -q \
	    EVALSHA "$SHA" 2 'relay:{d:rb.example}:warm' 'relay:{d:rb.example}:domain' \
	    0 1000000000 1000000000 m:__rand_int__ rb 0 0 2>/dev/null | tr '\r' '\n' | grep -E 'requests per second' | tail -1)
	printf '%-16s conns=%d %s\n' redis-evalsha "$c" "$out"
done

"$LOAD" hold "$PPORT" 1000 4 >/dev/null &
HOLD=$!
sleep 2.5
printf 'relay-policyd RSS with 1000 open connections: %s\n' \
    "$(awk '/VmRSS/ {print $2, $3}' "/proc/$PDPID/status")"
wait "$HOLD"
