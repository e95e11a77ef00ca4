#!/bin/bash
# bench_import.sh - relayctl suppress import against what people use to
# load a list into Redis by hand: redis-cli --pipe (Redis's mass insertion)
# of the same HSETNX commands, made beforehand (not timed).
#
# Usage: RELAY_TOP_BUILDDIR=BUILD bench_import.sh [ROWS...]
#        (default 100000 1000000)
# For each size, on a fresh redis-server (unix socket, no persistence) in
# a temp dir: relayctl importing a file of one address a line, relayctl
# importing the same addresses as another service's export (a header,
# the address in the second of five columns, quoted names: the column
# lookup and CSV parse), and redis-cli --pipe of the HSETNX commands for
# the same entries. Prints seconds, rows/s and peak RSS (/usr/bin/time)
# per row, and checks each loaded every row. Loopback sockets only;
# everything is removed at the end.
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=${RELAY_TOP_BUILDDIR:-$(cd "$here/../../.." && pwd)}
ctl=$build/contrib/relayctl/relayctl
[[ -x $ctl ]] || { echo "build $ctl first" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
sizes=("$@")
((${#sizes[@]})) || sizes=(100000 1000000)
tmp=$(mktemp -d /tmp/bench-import.XXXXXX)
rpid=
cleanup() {
	[[ -n $rpid ]] && kill "$rpid" 2>/dev/null && wait "$rpid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# run NAME ROWS CMD... - time CMD; one table row; the entries loaded must
# be ROWS (HLEN of the member NAME's list)
run() {
	local name=$1 rows=$2 t0 t1 secs rss n
	shift 2
	t0=$(date +%s.%N)
	/usr/bin/time -f %M -o "$tmp/rss" "$@" >/dev/null 2>"$tmp/err" || {
		echo "$name: failed: $(tail -3 "$tmp/err")" >&2
		return 1
	}
	t1=$(date +%s.%N)
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
	rss=$(tail -1 "$tmp/rss")
	n=$(redis-cli -s "$sock" HLEN "relay:{m:$name}:suppress")
	[[ $n == "$rows" ]] || echo "$name: $n entries, not $rows" >&2
	printf "%-9s %-34s %8s %10s %11s\n" "$rows" "$label" "$secs" \
	    "$(awk -v r="$rows" -v s="$secs" 'BEGIN { printf "%d", (s > 0 ? r / s : 0) }')" \
	    "$rss"
}

printf "%-9s %-34s %8s %10s %11s\n" rows way seconds rows/s peak_rss_kb
for n in "${sizes[@]}"; do
	sock=$tmp/redis.sock
	redis-server --port 0 --unixsocket "$sock" --unixsocketperm 700 \
	    --save '' --appendonly no --dir "$tmp" >"$tmp/redis.log" 2>&1 &
	rpid=$!
	for _ in $(seq 100); do [[ -S $sock ]] && break; sleep 0.05; done
	printf 'redis = { socket = "%s"; };\n' "$sock" >"$tmp/relay.conf"
	for m in plain export pipe; do
		"$ctl" -c "$tmp/relay.conf" member add "$m" \
		    --did did:plc:benchbenchbenchbenchbenc >/dev/null 2>&1
	done
	/usr/bin/python3 - "$n" "$tmp" <<'PYEOF'
import json, sys, time
n, d = int(sys.argv[1]), sys.argv[2]
now = int(time.time())
v = json.dumps({"reason": "import", "at": now}, separators=(",", ":"))
key = "relay:{m:pipe}:suppress"
with open(d + "/plain.txt", "w") as p, open(d + "/export.csv", "w") as e, \
     open(d + "/pipe.resp", "w") as r:
    e.write("First Name,Email Address,Last Name,MEMBER_RATING,OPTIN_TIME\r\n")
    for i in range(n):
        a = "user%d@list%d.example" % (i, i % 97)
        p.write(a + "\n")
        e.write('"Name %d",%s,"Doe, Jr.",2,2024-01-01 10:00:00\r\n' % (i, a))
        args = ["HSETNX", key, a, v]
        r.write("*4\r\n" + "".join("$%d\r\n%s\r\n" % (len(x), x)
                                   for x in args))
PYEOF
	label="relayctl, one address a line"
	run plain "$n" "$ctl" -c "$tmp/relay.conf" suppress import plain "$tmp/plain.txt"
	label="relayctl, an export (5 columns)"
	run export "$n" "$ctl" -c "$tmp/relay.conf" suppress import export "$tmp/export.csv"
	label="redis-cli --pipe (HSETNX, prepared)"
	run pipe "$n" sh -c "redis-cli -s '$sock' --pipe <'$tmp/pipe.resp'"
	kill "$rpid" 2>/dev/null
	wait "$rpid" 2>/dev/null
	rpid=
	rm -f "$tmp"/*.txt "$tmp"/*.csv "$tmp"/*.resp
done
