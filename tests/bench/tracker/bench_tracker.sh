#!/bin/bash
# bench_tracker.sh - relay-tracker throughput: log lines per second from
# file to Redis, and its memory as the file grows.
#
# Usage: RELAY_TOP_BUILDDIR=BUILD [BENCH_RCPTS=R] bench_tracker.sh [LINES...]
#        (default 100000 1000000; BENCH_RCPTS: recipients per message,
#        every line a member's delivery, default 1: the realistic mix)
# For each size: a fresh redis-server (unix socket, no persistence) in a
# temp dir, the relay-milter records of the generated messages loaded with
# redis-cli --pipe, then "relay-tracker -o" reads the whole generated log
# (gen_maillog.py) once. Prints lines, seconds, lines/s, events applied and
# the tracker's peak RSS (from /usr/bin/time). Everything is removed at the
# end; only loopback sockets are used.
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=${RELAY_TOP_BUILDDIR:-$(cd "$here/../../.." && pwd)}
tracker=$build/policyd/relay-tracker
[[ -x $tracker ]] || { echo "build $tracker first" >&2; exit 1; }
sizes=("$@")
((${#sizes[@]})) || sizes=(100000 1000000)
tmp=$(mktemp -d /tmp/bench-tracker.XXXXXX)
rpid=
cleanup() {
	[[ -n $rpid ]] && kill "$rpid" 2>/dev/null && wait "$rpid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

printf "%-9s %9s %8s %11s %9s %11s %12s %10s\n" lines messages seconds lines/s applied peak_rss_kb tracker_cpu_s redis_cpu_s
for n in "${sizes[@]}"; do
	sock=$tmp/redis.sock
	redis-server --port 0 --unixsocket "$sock" --unixsocketperm 700 \
	    --save '' --appendonly no --dir "$tmp" >"$tmp/redis.log" 2>&1 &
	rpid=$!
	for _ in $(seq 100); do [[ -S $sock ]] && break; sleep 0.05; done
	gen=$(/usr/bin/python3 "$here/gen_maillog.py" "$n" "$tmp/maillog" "$tmp/records.resp" "${BENCH_RCPTS:-1}")
	redis-cli -s "$sock" --pipe <"$tmp/records.resp" >/dev/null
	for i in $(seq 0 49); do
		redis-cli -s "$sock" HSET "relay:{m:m$(printf %02d "$i")}:member" \
		    did did:plc:bench created 1 suspended 0 >/dev/null
	done
	cat >"$tmp/relay.conf" <<CONF
redis: { socket = "$sock"; timeout_ms = 5000; };
tracker: { maillog = "$tmp/maillog"; state_file = "$tmp/state"; };
CONF
	rm -f "$tmp/state"
	rcpu0=$(awk '{ print $14 + $15 }' "/proc/$rpid/stat")
	/usr/bin/time -f '%e %M %U %S' -o "$tmp/time" "$tracker" -o -c "$tmp/relay.conf" \
	    >"$tmp/tracker.out" 2>&1
	read -r secs rss cu cs <"$tmp/time"; rcpu=$(awk -v b="$rcpu0" '{ print ($14 + $15 - b) / 100 }' "/proc/$rpid/stat")
	lines=$(sed -n 's/.*exit lines=\([0-9]*\).*/\1/p' "$tmp/tracker.out")
	applied=$(sed -n 's/.* applied=\([0-9]*\).*/\1/p' "$tmp/tracker.out")
	msgs=${gen##*messages=}
	printf '%-9s %9s %8s %11.0f %9s %11s %12s %10s\n' "$lines" "$msgs" \
	    "$secs" \
	    "$(awk -v l="$lines" -v s="$secs" 'BEGIN { print (s > 0 ? l / s : 0) }')" \
	    "$applied" "$rss" "$(awk -v u="$cu" -v s="$cs" 'BEGIN { print u + s }')" \
	    "$rcpu"
	kill "$rpid"; wait "$rpid" 2>/dev/null; rpid=
	rm -f "$tmp"/maillog "$tmp"/records.resp "$tmp"/dump.rdb
done
