#!/bin/bash
# test_policyd_listen.sh - relay-policyd's listening sockets and start-up
# check: a unix path that is not a socket is left alone (error, exit); a
# socket another instance listens on is not taken over; a stale socket is
# replaced; settings the daemon cannot use (nothing to listen on, a host
# name, one address twice) are refused at start with a message naming the
# setting (exit 78; FILE:LINE from conf_load, which relayctl config check
# runs too); a busy port without -f is exit 71 and a line on stderr (bound
# before detaching); at exit the socket and pid file made at start are
# removed, not the ones a reload named; a pid file that cannot be written
# is a warning with the reason.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init policyd_listen
h_need redis-server
fx_policyd_bins
h_start_redis
CTL=$H_BUILDDIR/contrib/relayctl/relayctl

# start_fail NAME POLICYD-SETTINGS - run the daemon (bounded); "rc: stderr"
start_fail() {
	FX_POLICYD=$2
	fx_conf "$H_TMP/$1.conf"
	timeout 10 "$PD" -f -c "$FX_CONF" >"$H_LOG/$1.out" 2>&1
	echo "$?: $(head -3 "$H_LOG/$1.out" | tr '\n' ' ')"
}

# 1. A regular file at the socket path is not deleted.
echo "precious" >"$H_TMP/victim.txt"
out=$(start_fail victim "listen = [ \"unix:$H_TMP/victim.txt\" ];")
h_like "a regular file at a unix listen path: refused" "$out" \
    '^71: .*victim.txt: exists and is not a socket'
h_is "... and left alone" "$(cat "$H_TMP/victim.txt")" precious

# 2. A socket some process listens on is not taken over.
SOCK=$H_TMP/run/policy.sock
PIDF=$H_TMP/run/policyd.pid
mkdir -p "$H_TMP/run"
FX_POLICYD="listen = [ \"unix:$SOCK\" ]; pid_file = \"$PIDF\";"
fx_conf "$H_TMP/first.conf"
FIRST_CONF=$FX_CONF
h_start_daemon policyd "$PD" -f -c "$FIRST_CONF"
h_check "the first instance listens" h_wait_for 10 test -S "$SOCK"
ino=$(stat -c %i "$SOCK")
out=$(start_fail second "listen = [ \"unix:$SOCK\" ];")
h_like "a second instance on the same socket: refused" "$out" \
    '^71: .*policy.sock: in use by another process'
h_is "... the first one's socket is untouched" "$(stat -c %i "$SOCK")" "$ino"
REQ=$'request=smtpd_access_policy\nprotocol_state=RCPT\nsender=x@o.test\nrecipient=r@a.test\n\n'
ask_unix() {
	printf '%s' "$REQ" | timeout 10 /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(sys.argv[1])
s.sendall(sys.stdin.buffer.read()); print(s.recv(4096).decode(), end="")' "$1"
}
h_like "... and still answers" "$(ask_unix "$SOCK")" '^action=DUNNO'

# 2b. Without -f, a socket that cannot be had is still an exit status
# (71) and a line on stderr: every socket (listen, socketmap, metrics) is
# bound before relay-policyd detaches, not by a background process whose
# stderr is /dev/null after its parent exited 0.
BUSY=$(h_port)
h_start_daemon busy /usr/bin/python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1); time.sleep(120)' "$BUSY"
h_check "a port held by another process" h_wait_port "$BUSY" 10
# start_bg_fail NAME POLICYD-SETTINGS - run without -f (bounded); "rc: stderr"
start_bg_fail() {
	local pf=$H_TMP/run/$1.pid pid
	FX_POLICYD="$2 pid_file = \"$pf\";"
	fx_conf "$H_TMP/$1.conf"
	timeout 10 "$PD" -c "$FX_CONF" >"$H_LOG/$1.out" 2>&1 </dev/null
	echo "$?: $(head -3 "$H_LOG/$1.out" | tr '\n' ' ')"
	# one that did start in the background: stopped here
	pid=$(cat "$pf" 2>/dev/null)
	[[ -n $pid ]] && grep -qs relay- "/proc/$pid/cmdline" && kill "$pid"
}
P2=$(h_port)
for kind in listen socketmap; do
	if [[ $kind = listen ]]; then
		set -- "listen = [ \"inet:127.0.0.1:$BUSY\" ]; socketmap = [ ];"
	else
		set -- "listen = [ \"inet:127.0.0.1:$P2\" ]; socketmap = [ \"inet:127.0.0.1:$BUSY\" ];"
	fi
	out=$(start_bg_fail "bg-$kind" "$1")
	h_like "without -f, policyd.$kind on a busy port: exit 71, said on stderr" \
	    "$out" "^71: relay-policyd: inet:127.0.0.1:$BUSY: Address already in use"
done
out=$(start_bg_fail bg-metrics "listen = [ \"inet:127.0.0.1:$P2\" ]; socketmap = [ ]; metrics = \"127.0.0.1:$BUSY\";")
h_like "without -f, policyd.metrics on a busy port: exit 71, said on stderr" \
    "$out" "^71: relay-policyd: metrics 127.0.0.1:$BUSY: .*Address already in use"
h_check_not "... and nothing was left listening" h__listening "$P2"
h_stop_daemon busy 5

# 3. At exit: the socket and pid file made at start are removed, even
# after a reload that names other paths; other files stay.
FX_POLICYD="listen = [ \"unix:$H_TMP/run/other.sock\" ]; pid_file = \"$H_TMP/run/other.pid\";"
fx_conf "$FIRST_CONF"
echo keep >"$H_TMP/run/other.pid"
kill -HUP "$(h_daemon_pid policyd)"
h_check "reload" h_wait_log 'reload=ok' 5 "$H_LOG/policyd.log"
h_stop_daemon policyd 10
h_check "at exit the socket made at start is removed" test ! -e "$SOCK"
h_check "... and the pid file written at start" test ! -e "$PIDF"
h_is "... not the reloaded config's pid file" "$(cat "$H_TMP/run/other.pid")" keep

# 4. A stale socket (nobody listens) is replaced.
/usr/bin/python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$SOCK"
h_check "a stale socket file" test -S "$SOCK"
FX_POLICYD="listen = [ \"unix:$SOCK\" ];"
fx_conf "$H_TMP/stale.conf"
h_start_daemon policyd2 "$PD" -f -c "$FX_CONF"
h_check "... is replaced" h_wait_log 'start=ok' 10 "$H_LOG/policyd2.log"
h_like "... and the new socket answers" "$(ask_unix "$SOCK")" '^action=DUNNO'
h_is "... mode 0660 (Postfix connects through the group)" "$(stat -c %a "$SOCK")" 660
h_stop_daemon policyd2 10

# 4b. A newer instance took the paths over while this one drained (here
# by hand: its socket at the same path, very likely under the inode number
# just freed, and its pid in the pid file): at exit, both stay.
FX_POLICYD="listen = [ \"unix:$SOCK\" ]; pid_file = \"$PIDF\";"
fx_conf "$H_TMP/over.conf"
h_start_daemon policyd3 "$PD" -f -c "$FX_CONF"
h_check "an instance with a socket and a pid file" h_wait_log 'start=ok' 10 "$H_LOG/policyd3.log"
ino0=$(stat -c %i "$SOCK")
rm -f "$SOCK"
/usr/bin/python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$SOCK"
h_diag "socket inode before $ino0, after $(stat -c %i "$SOCK")"
echo 999999 >"$PIDF"
h_stop_daemon policyd3 10
h_check "at exit another's socket at the path stays" test -S "$SOCK"
h_is "... and another's pid file" "$(cat "$PIDF")" 999999
rm -f "$SOCK" "$PIDF"

# 5. Settings the daemon cannot use: refused at start, naming the setting.
P=$(h_port)
out=$(start_fail empty 'listen = [ ]; socketmap = [ ];')
h_like "nothing to listen on: exit 78, named" "$out" \
    '^78: .*policyd.listen and policyd.socketmap: both empty, nothing to listen on'
out=$("$CTL" -c "$H_TMP/empty.conf" config check 2>&1); rc=$?
h_is "relayctl config check of the same file: exit 0 (relay-milter may use it)" "$rc" 0
h_like "... with a warning at FILE:LINE that relay-policyd refuses it" "$out" \
    'empty\.conf:[0-9]+: policyd\.listen: warning: empty, and so is policyd\.socketmap: relay-policyd refuses to start'
out=$(start_fail name "listen = [ \"inet:localhost:$P\" ];")
h_like "a host name: exit 78, FILE:LINE and the setting named" "$out" \
    "^78: .*name\\.conf:[0-9]+: policyd.listen: inet:localhost:$P: HOST must be a numeric IPv4 or IPv6 address"
out=$(start_fail twice "listen = [ \"inet:127.0.0.1:$P\" ]; socketmap = [ \"inet:127.0.0.1:$P\" ];")
h_like "one address in listen and socketmap: exit 78, FILE:LINE and both named" "$out" \
    "^78: .*twice\\.conf:[0-9]+: policyd.socketmap: \"inet:127.0.0.1:$P\" is also policyd.listen\\[0\\] = \"inet:127.0.0.1:$P\": the same address"
out=$("$CTL" -c "$H_TMP/twice.conf" config check 2>&1); rc=$?
h_is "relayctl config check refuses the same file: exit 1" "$rc" 1
h_like "... with the same message" "$out" 'twice\.conf:[0-9]+: policyd.socketmap: .*the same address'

# 6. A pid file that cannot be written: a warning with the reason; the
# daemon runs on.
FX_POLICYD="listen = [ \"unix:$SOCK\" ]; pid_file = \"$H_TMP/nodir/policyd.pid\";"
fx_conf "$H_TMP/nopid.conf"
h_start_daemon policyd4 "$PD" -f -c "$FX_CONF"
h_check "an unwritable pid file: started all the same" h_wait_log 'start=ok' 10 "$H_LOG/policyd4.log"
h_like "... and the warning says why" "$(cat "$H_LOG/policyd4.log")" \
    'pid_file=[^ ]*/nodir/policyd\.pid error="cannot write: No such file or directory"'
h_stop_daemon policyd4 10

# 6b. A start that fails after the pid file was written (the user to
# run as does not exist): the pid file is not left naming a dead process
# (an inet socket: a unix one would meet the user at its chown, earlier)
FX_DAEMON='user = "relay-no-such-user";'
FX_POLICYD="listen = [ \"inet:127.0.0.1:$(h_port)\" ]; pid_file = \"$PIDF\";"
fx_conf "$H_TMP/nouser.conf"
FX_DAEMON=
out=$(timeout 10 "$PD" -f -c "$FX_CONF" 2>&1); rc=$?
h_is "daemon.user that does not exist: exit 71" "$rc" 71
h_like "... said" "$out" 'daemon.user: no such user "relay-no-such-user"'
h_check "... no pid file left behind" test ! -e "$PIDF"

# 7. A policy or socketmap socket on every address is a warning at start
# and at a reload, with FILE:LINE (relay.conf(5) WARNINGS); said by
# relay-policyd (the other daemons leave it to it: test_conf_advise). The
# daemon runs in a network namespace of its own (loopback only; its lo is
# down, so no other inet address could be bound there).
if ! unshare -n true 2>/dev/null; then
	h_skip "a policy socket on every address: warning" \
	    "unshare -n (a network namespace) is not allowed here"
else
	P=$(h_port)
	FX_POLICYD="listen = [ \"inet:0.0.0.0:$P\", \"unix:$SOCK\" ]; socketmap = [ \"unix:$H_TMP/run/sm.sock\" ];"
	fx_conf "$H_TMP/any.conf"
	h_start_daemon policyd5 unshare -n "$PD" -f -c "$FX_CONF"
	h_check "every address: started" h_wait_log 'start=ok' 10 "$H_LOG/policyd5.log"
	h_is "... one warning, with file:line, before start=ok" \
	    "$(grep -o "warning: $H_TMP/any.conf:[0-9]*: policyd.listen: \"inet:0.0.0.0:$P\" listens on every address of this host: whoever reaches the port can spend any member's warming and queue caps\|start=ok" "$H_LOG/policyd5.log" | sed "s|$H_TMP/any.conf:[0-9]*|F|")" \
	    "warning: F: policyd.listen: \"inet:0.0.0.0:$P\" listens on every address of this host: whoever reaches the port can spend any member's warming and queue caps
start=ok"
	h_is "... none for the unix sockets" "$(grep -c 'listens on every address' "$H_LOG/policyd5.log")" 1
	kill -HUP "$(h_daemon_pid policyd5)"
	h_check "... and again at a reload" h_wait_for 10 eval \
	    '[[ $(grep -c "policyd.listen: \"inet:0.0.0.0:$P\" listens on every address" "$H_LOG/policyd5.log") -eq 2 ]]'
	h_stop_daemon policyd5 10
fi
h_done
