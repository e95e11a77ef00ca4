#!/bin/bash
# test_policyd_protocol.sh - relay-policyd's policy protocol against a
# small client (policyd_client): persistent connections, unknown attributes,
# garbage, over-long lines, too many attributes, oversized requests (each
# answered 451 4.4.2 and logged, the connection goes on), slowloris (451
# and closed after policyd.request_timeout, other clients served meanwhile),
# an endless bad request, idle connections, max_clients.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init policyd_protocol
h_need redis-server
fx_policyd_bins

h_start_redis
PPORT=$(h_port)
USOCK=$H_TMP/policy.sock
FX_POLICYD="listen = [ \"inet:127.0.0.1:$PPORT\", \"unix:$USOCK\" ]; socketmap = [ ];
  max_line = 256; max_attrs = 10; max_request = 1024;
  request_timeout = \"2s\"; idle_timeout = \"3s\"; max_clients = 8;"
FX_UNSUB='domain = "unsub.relay.test"; hmac_key = "test-hmac-key-0123456789abcdef0123456789";'
fx_conf
h_start_daemon policyd "$PD" -f -c "$FX_CONF"
h_wait_port "$PPORT" 10 || h_bail "relay-policyd did not listen"
fx_member alice
fx_domain alice.test alice

fx_policy_requests

out=$(printf '%s\n%sfuture_attr=1\n\n' "$REQ" "$AUTH" | raw -w 1)
h_like "two requests on one connection, two answers, still open" "$out" \
    $'^action=DUNNO\n\naction=DUNNO\n\n\\[open\\]$'
h_like "an authenticated request is decided against Redis" \
    "$(grep 'member=alice state=MAIL' "$H_LOG/policyd.log" | tail -1)" \
    'verdict=DUNNO reason=ok queued=0'

# 100 rounds of: an inbound request (answered at once), an authenticated
# one (answered after Redis) and, every tenth round, garbage, all in one
# write: about 15 times the input buffer (max_request + max_line), which
# is read no further while it is full and a request is with Redis.
pipe_in='' pipe_want=''
for i in $(seq 1 100); do
	pipe_in+="$REQ"$'\n'"$AUTH"$'\n'
	pipe_want+=$'action=DUNNO\n\naction=DUNNO\n\n'
	if ((i % 10 == 0)); then
		pipe_in+=$'hello world\n\n'
		pipe_want+="${DEFER//\\/}"$'\n\n'
	fi
done
out=$(printf '%s' "$pipe_in" | raw -w 2)
h_is "210 requests in one write ($(printf '%s' "$pipe_in" | wc -c) bytes): 210 answers in order" \
    "$out" "$pipe_want[open]"

out=$(printf 'hello world\n\n%s\n' "$REQ" | raw -w 1)
h_like "garbage: 451 4.4.2, then the next request is served" "$out" \
    "^$DEFER"$'\n\naction=DUNNO\n\n\\[open\\]$'
h_check "garbage logged, naming the rule" grep -q 'reason=protocol error="line without ="' "$H_LOG/policyd.log"
# typed at telnet (CRLF line ends): served as the same request
n=$(grep -c 'member=alice state=MAIL verdict=DUNNO reason=ok' "$H_LOG/policyd.log")
out=$({ printf '%s\n' "$AUTH" | sed 's/$/\r/'; printf '%s\n' "$REQ"; } |
    raw -w 1)
h_like "a request in CRLF lines, then one in LF: two answers" "$out" \
    $'^action=DUNNO\n\naction=DUNNO\n\n\\[open\\]$'
h_is "... the CRLF one decided for its member" \
    "$(grep -c 'member=alice state=MAIL verdict=DUNNO reason=ok' "$H_LOG/policyd.log")" \
    $((n + 1))

long=$(head -c 300 /dev/zero | tr '\0' a)
out=$(printf 'request=smtpd_access_policy\nx=%s\n\n%s\n' "$long" "$REQ" | raw -w 1)
h_like "line over max_line: 451, then served" "$out" \
    "^$DEFER"$'\n\naction=DUNNO\n\n\\[open\\]$'
h_check "long line logged" grep -q 'error="line too long"' "$H_LOG/policyd.log"

many=$(for i in $(seq 1 11); do echo "a$i=1"; done)
out=$(printf 'request=smtpd_access_policy\n%s\n\n%s\n' "$many" "$REQ" | raw -w 1)
h_like "more than max_attrs: 451, then served" "$out" \
    "^$DEFER"$'\n\naction=DUNNO\n\n\\[open\\]$'

big=$(for i in $(seq 1 8); do printf 'attr%d=%s\n' "$i" "$(head -c 200 /dev/zero | tr '\0' b)"; done)
out=$(printf 'request=smtpd_access_policy\n%s\n\n%s\n' "$big" "$REQ" | raw -w 1)
h_like "request over max_request: 451, then served" "$out" \
    "^$DEFER"$'\n\naction=DUNNO\n\n\\[open\\]$'
h_check "oversized request logged" grep -q 'error="request too large"' "$H_LOG/policyd.log"

out=$(printf 'request=smtpd_access_policy\nsasl_username=a\nsasl_username=b\n\n' | raw -w 1)
h_like "a duplicated attribute is garbled: 451" "$out" "^$DEFER"

out=$(printf 'request=smtpd_access_policy\nsender=a\0b\n\n%s\n' "$REQ" | raw -w 1)
h_like "a NUL byte: 451, then served" "$out" "^$DEFER"$'\n\naction=DUNNO\n\n'
h_check "... logged naming the rule" grep -q 'reason=protocol error="NUL byte"' "$H_LOG/policyd.log"

# Slowloris: one byte every 300 ms; meanwhile another client is served.
printf '%s' "$REQ" | raw -d 300 -w 6 >"$H_TMP/slow.out" &
slow=$!
sleep 0.5
t0=$(date +%s%N)
ans=$("$CLIENT" ask "$PPORT" RCPT '' x@outside.test r@alice.test)
t1=$(date +%s%N)
h_is "another client is served during a slow one" "$ans" "action=DUNNO"
h_check "... at once ($(((t1 - t0) / 1000000)) ms)" test $(((t1 - t0) / 1000000)) -lt 500
wait "$slow"
out=$(cat "$H_TMP/slow.out")
h_like "slowloris: 451 4.4.2 after request_timeout, then closed" "$out" \
    "$DEFER"$'\n\n(\\[write failed after [0-9]+ bytes\\]\n)?\\[closed\\]$'
h_check "slowloris logged" grep -q 'error="request timeout"' "$H_LOG/policyd.log"

# A bad request whose end never comes: answered once, closed at the
# request timeout without a second answer for the same request
out=$(printf 'garbage line\nmore' | raw -w 4)
h_like "a bad request never finished: one 451, then closed" "$out" \
    "^$DEFER"$'\n\n\\[closed\\]$'
h_check "... logged as not finished" grep -q 'error="bad request not finished in time" action=close' "$H_LOG/policyd.log"

# An endless bad request (no empty line ever): dropped, then closed.
out=$(yes a | head -c 1500000 | raw -w 3 2>/dev/null)
h_like "endless garbage: the connection is closed" "$out" '\[closed\]$'
h_check "endless garbage logged" grep -q 'error="endless bad request" action=close' "$H_LOG/policyd.log"

out=$(raw -w 6 </dev/null)
h_like "an idle connection is closed after idle_timeout" "$out" '^\[closed\]$'

# max_clients = 8: hold 8 connections, the 9th is closed at once.
fds=()
for i in $(seq 1 8); do
	exec {fd}<>"/dev/tcp/127.0.0.1/$PPORT"
	fds+=("$fd")
done
sleep 0.3
out=$(printf '%s\n' "$REQ" | raw -w 2)
h_like "over max_clients: closed without an answer" "$out" '^\[closed\]$'
h_check "max_clients logged" grep -q 'error="too many clients" max_clients=8' "$H_LOG/policyd.log"
for fd in "${fds[@]}"; do
	exec {fd}>&-
done
sleep 0.3
out=$(printf '%s\n' "$REQ" | raw -w 1)
h_like "after they close, clients are served again" "$out" '^action=DUNNO'
# A relay.conf with an error on SIGHUP: logged, the old settings stay.
cp "$FX_CONF" "$H_TMP/relay.conf.good"
echo 'policyd: { max_line = "lots"; };' >>"$FX_CONF"
kill -HUP "$(h_daemon_pid policyd)"
h_check "a bad relay.conf on reload is logged" h_wait_log 'reload=failed' 5 "$H_LOG/policyd.log"
out=$(printf '%s\n' "$REQ" | raw -w 1)
h_like "... and the daemon goes on with the old settings" "$out" '^action=DUNNO'
cp "$H_TMP/relay.conf.good" "$FX_CONF"

# The unix listener: writable for Postfix's processes, same protocol.
h_is "unix socket mode 0660" "$(stat -c %a "$USOCK")" 660
out=$(printf '%s\n' "$REQ" | /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(sys.argv[1])
s.sendall(sys.stdin.buffer.read()); print(s.recv(4096).decode(), end="")' "$USOCK")
h_like "a request over the unix socket is answered" "$out" '^action=DUNNO'
h_check "relay-policyd survived all of it" h_daemon_alive policyd
h_done
