#!/bin/bash
# test_milter_wire.sh - relay-milter's socket layer (milter/sockwrap.c:
# the read buffer under libmilter, the worker's wait) against a milter
# client that cuts the bytes in ways Postfix does not: the whole
# transaction in one write, one byte per write, bodies larger than the
# buffer, pauses longer than milter.worker_wait_ms (the connection goes
# back to libmilter's controller and comes back), many connections at
# once; over a unix socket and over TCP. Every message's signatures are
# verified with python3-dkim over the bytes the client sent, so a byte
# lost or repeated by the buffer fails the test. And the MSS a TCP
# listener announces, and the warning for an inet:PORT without a host
# (that milter in a network namespace of its own: loopback only).
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init milter_wire
h_need_root
h_need redis-server openssl postfix
fx_need_milter
"$H_PYTHON" -c 'import dkim' 2>/dev/null || h_skip_all "python3-dkim missing"

h_start_redis
MPORT=$(h_port)
# the socket's group is Postfix's, as in a real set-up (relay-milter runs
# as root here, without daemon.user: in group root it would warn that
# Postfix cannot connect)
install -d -m 2755 -g postfix "$H_TMP/sock"
fx_member alice
fx_domain alice.test alice

# start NAME SOCKET - a milter with worker_wait_ms = 20
start() {
	FX_MILTER="socket = \"$2\"; worker_wait_ms = 20;"
	fx_conf "$H_TMP/$1.conf"
	h_start_daemon "$1" "$H_BUILDDIR/milter/relay-milter" -f -c "$H_TMP/$1.conf"
}
start m_unix "unix:$H_TMP/sock/m.sock"
h_wait_file "$H_TMP/sock/m.sock" 10 ||
    h_bail "relay-milter did not start: $(cat "$H_LOG"/m_unix.log)"
# a Redis whose relay:schema is gone (it lost its data, or is new) is said
h_redis_cli DEL relay:schema >/dev/null
start m_tcp "inet:$MPORT@127.0.0.1"
h_wait_port "$MPORT" 10 ||
    h_bail "relay-milter did not start: $(cat "$H_LOG"/m_tcp.log)"
h_like "relay:schema missing at start: one warning" "$(grep -c 'warning: relay:schema is missing: this Redis holds no relay-suite data (a new Redis: relayctl member add sets it up; one that lost its data: restore it from a backup)' "$H_LOG/m_tcp.log")" '^1$'
h_is "...and not set: only relayctl member add marks a Redis as new" "$(h_redis_cli EXISTS relay:schema)" 0
h_redis_cli SET relay:schema 1 >/dev/null
h_unlike "...not said when it is there" "$(cat "$H_LOG/m_unix.log")" 'relay:schema'
# inet:PORT without @HOST: libmilter listens on every address, said at
# start. Tests listen on loopback only: this one runs in a network
# namespace of its own, whose only interface is a loopback nobody else
# reaches (Redis through its unix socket).
APORT=$(h_port)
FX_MILTER="socket = \"inet:$APORT\"; worker_wait_ms = 20;"
fx_conf "$H_TMP/m_any.conf"
if ! unshare -n true 2>/dev/null; then
	h_skip "inet:PORT without a host: warning at start" \
	    "unshare -n (a network namespace) is not allowed here"
else
	h_start_daemon m_any unshare -n "$H_BUILDDIR/milter/relay-milter" -f \
	    -c "$H_TMP/m_any.conf"
	h_wait_for 10 grep -q "listening on inet:$APORT" "$H_LOG/m_any.log" ||
	    h_bail "relay-milter did not start: $(cat "$H_LOG"/m_any.log)"
	h_check "inet:PORT without a host: one warning at start, with file:line" \
	    eval '[[ $(grep -c "warning: $H_TMP/m_any.conf:[0-9]*: milter.socket: \"inet:$APORT\" listens on every address of this host" "$H_LOG/m_any.log") -eq 1 ]]'
	h_is "...not reachable from here (its own namespace)" \
	    "$(timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$APORT" 2>/dev/null && echo reached || echo refused)" refused
	h_stop_daemon m_any 10
fi
h_is "...none for inet:PORT@127.0.0.1" "$(grep -c 'listens on every address' "$H_LOG/m_tcp.log")" 0

KEYS=(--key "rs1r._domainkey.alice.test=$(fx_dkim_txt alice.test rsa)"
    --key "rs1e._domainkey.alice.test=$(fx_dkim_txt alice.test ed25519)")
wire() {	# ADDR ARGS... - prints the client's summary
	"$H_PYTHON" "$H_LIBDIR/milter_wire.py" --addr "$1" "${KEYS[@]}" "${@:2}" 2>&1
}

for t in "unix:$H_TMP/sock/m.sock" "inet:127.0.0.1:$MPORT"; do
	n=${t%%:*}
	h_like "$n: one packet per write" \
	    "$(wire "$t" --split packet --transactions 3)" '^ok connections=1 messages=3 signatures=6$'
	h_like "$n: whole transactions in one write" \
	    "$(wire "$t" --split all --transactions 5)" '^ok connections=1 messages=5 signatures=10$'
	h_like "$n: one byte per write" \
	    "$(wire "$t" --split bytes --body-size 3000)" '^ok connections=1 messages=1 signatures=2$'
	h_like "$n: 200 KB body (chunks larger than the buffer), one write" \
	    "$(wire "$t" --split all --body-size 200000 --transactions 2)" '^ok connections=1 messages=2 signatures=4$'
	h_like "$n: 200 KB body, one packet per write" \
	    "$(wire "$t" --split packet --body-size 200000)" '^ok connections=1 messages=1 signatures=2$'
	h_like "$n: pauses longer than worker_wait_ms between messages" \
	    "$(wire "$t" --split packet --transactions 3 --pause-ms 150)" '^ok connections=1 messages=3 signatures=6$'
	h_like "$n: an MTA that does not offer SMFIP_HDR_LEADSPC" \
	    "$(wire "$t" --split packet --transactions 2 --leadspc no)" '^ok connections=1 messages=2 signatures=4$'
	h_like "$n: 30 connections at once, mixed sizes" \
	    "$(wire "$t" --split all --connections 30 --transactions 4 --body-size 40000)" \
	    '^ok connections=30 messages=120 signatures=240$'
done

# Postfix sizes its milter stream buffers to twice the MSS: the listener
# announces at most 16384 (sockwrap.h), not loopback's 65483.
mss=$("$H_PYTHON" -c 'import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
print(s.getsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG))' "$MPORT")
h_check "tcp: MSS seen by the MTA at most 16384 (got $mss)" \
    test "${mss:-0}" -gt 0 -a "${mss:-0}" -le 16384

for d in m_unix m_tcp; do
	h_stop_daemon "$d" 20
	line=$(grep 'relay-milter stopping' "$H_LOG/$d.log")
	h_like "$d: stopped cleanly, counts logged" "$line" 'socket_reads=[0-9]+ buffered_reads=[0-9]+'
	[[ $line =~ socket_reads=([0-9]+)\ buffered_reads=([0-9]+) ]]
	h_check "$d: most reads served from the buffer (${BASH_REMATCH[1]} from the socket, ${BASH_REMATCH[2]} buffered)" \
	    test "${BASH_REMATCH[2]}" -gt "${BASH_REMATCH[1]}"
	h_unlike "$d: no error logged" "$(grep -iE 'error|warn|tempfail' "$H_LOG/$d.log" | grep -v 'relay:schema is missing')" '.'
done

# Short queue ids (Postfix without enable_long_queue_ids) repeat across
# nodes: one warning, not one per message; long ids none.
QPORT=$(h_port)
start m_q "inet:$QPORT@127.0.0.1"
h_wait_port "$QPORT" 10 || h_bail "relay-milter (m_q) did not start"
h_like "long queue id: signed" \
    "$(wire "inet:127.0.0.1:$QPORT" --qid 4jXSHS51kwz1bb8Y --transactions 2)" '^ok connections=1 messages=2'
h_is "... no warning" "$(grep -c 'short queue ids' "$H_LOG/m_q.log")" 0
h_like "short queue id: signed all the same" \
    "$(wire "inet:127.0.0.1:$QPORT" --qid 3A1F20C4B7 --transactions 3)" '^ok connections=1 messages=3'
h_is "... one warning naming enable_long_queue_ids" \
    "$(grep -c 'short queue ids repeat .*enable_long_queue_ids = yes' "$H_LOG/m_q.log")" 1
h_done
