#!/bin/bash
# test_local_sockets.sh - who may connect to the unix sockets of
# relay-milter and relay-policyd. Whoever connects acts as Postfix: it
# names the member itself ({auth_authen}, sasl_username), so it gets that
# member's DKIM signatures or spends its warming caps (audit F1, F2). The
# sockets are made 0660 and belong to the user and group the daemon runs
# as: started as root with daemon.user/daemon.group they are given to
# those; started as that user (the units' User=relay) they are its
# already. A process of another user cannot connect even in a directory
# anyone may enter; one in the group (Postfix, in group relay) can.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init local_sockets
h_need redis-server setpriv
h_need_root
fx_policyd_bins
getent passwd nobody >/dev/null && getent group nogroup >/dev/null ||
    h_skip_all "needs user nobody and group nogroup"
h_start_redis
fx_member alice
fx_domain alice.test alice
MILTER=$H_BUILDDIR/milter/relay-milter
[[ -x $MILTER ]] || h_bail "relay-milter not built"

# The daemons run as nobody:nogroup (standing for relay:relay); the
# clients as uid 40001, which has no passwd entry, with no supplementary
# group (another local user) or with nogroup (Postfix in group relay).
NOGROUP=$(getent group nogroup | cut -d: -f3)
OUTSIDER=(setpriv --reuid=40001 --regid=40001 --clear-groups)
INGROUP=(setpriv --reuid=40001 --regid=40001 --groups="$NOGROUP")
KEYS=(--key "rs1r._domainkey.alice.test=$(fx_dkim_txt alice.test rsa)"
    --key "rs1e._domainkey.alice.test=$(fx_dkim_txt alice.test ed25519)")

# sign AS... SOCKET - the milter conversation of Postfix for alice, run as
# AS...: "ok ... signatures=2" (verified) or why it failed
sign() {
	local sock=${*: -1}
	timeout 30 "${@:1:$#-1}" /usr/bin/python3 "$H_LIBDIR/milter_wire.py" \
	    --addr "unix:$sock" "${KEYS[@]}" --split packet --user alice 2>&1 |
	    tail -n 1
}

# ask AS... SOCKET - a policy request for alice, run as AS...: the answer
ask() {
	local sock=${*: -1}
	printf 'request=smtpd_access_policy\nprotocol_state=MAIL\npolicy_context=mail\nsasl_username=alice\nsender=a@alice.test\n\n' |
	    timeout 10 "${@:1:$#-1}" /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(5)
try:
    s.connect(sys.argv[1])
except OSError as e:
    print("connect: %s" % e.strerror); sys.exit(1)
s.sendall(sys.stdin.buffer.read()); print(s.recv(4096).decode().strip())' "$sock"
}

# A directory anyone may enter (group root): the socket's own mode must
# keep others out.
install -d -m 0755 "$H_TMP/open"
# As /run/relay: the run user's, 0750.
install -d -o nobody -g nogroup -m 0750 "$H_TMP/run"

# 1. Started as root with daemon.user and daemon.group (the sockets are
# bound before the switch).
FX_DAEMON='user = "nobody"; group = "nogroup";'
FX_MILTER="socket = \"unix:$H_TMP/open/milter.sock\";"
FX_POLICYD="listen = [ \"unix:$H_TMP/open/policy.sock\" ]; socketmap = [ \"unix:$H_TMP/open/socketmap.sock\" ];"
fx_conf "$H_TMP/root.conf"
h_start_daemon milter "$MILTER" -f -c "$FX_CONF"
h_start_daemon policyd "$PD" -f -c "$FX_CONF"
h_check "relay-milter started as root" h_wait_log 'listening on' 10 "$H_LOG/milter.log"
h_check "relay-policyd started as root" h_wait_log 'start=ok' 10 "$H_LOG/policyd.log"
for s in milter policy socketmap; do
	h_is "root, daemon.user: $s.sock 0660 nobody:nogroup" \
	    "$(stat -c '%a %U:%G' "$H_TMP/open/$s.sock")" "660 nobody:nogroup"
done
out=$(sign "${OUTSIDER[@]}" "$H_TMP/open/milter.sock")
h_diag "milter, another user: $out"
h_check_not "another local user gets no signatures from relay-milter" \
    grep -q '^ok' <<<"$out"
h_like "... its connect() is refused" "$out" 'Permission denied'
out=$(sign "${INGROUP[@]}" "$H_TMP/open/milter.sock")
h_like "a process in the group (Postfix) is signed for" "$out" \
    '^ok connections=1 messages=1 signatures=2$'
out=$(ask "${OUTSIDER[@]}" "$H_TMP/open/policy.sock")
h_is "another local user cannot reach relay-policyd" "$out" \
    "connect: Permission denied"
out=$(ask "${INGROUP[@]}" "$H_TMP/open/policy.sock")
h_like "a process in the group (Postfix) gets an answer" "$out" '^action='
h_stop_daemon milter 20
h_stop_daemon policyd 10

# 2. Started as the run user itself (systemd: User=relay, UMask=0027),
# in its own directory.
FX_DAEMON=
FX_MILTER="socket = \"unix:$H_TMP/run/milter.sock\";"
FX_POLICYD="listen = [ \"unix:$H_TMP/run/policy.sock\" ]; socketmap = [ ];"
fx_conf "$H_TMP/user.conf"
chgrp nogroup "$FX_CONF"	# 0640 root:relay, as installed
AS_RUN=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
h_start_daemon milter2 bash -c 'umask 0027 && exec "$@"' - "${AS_RUN[@]}" \
    "$MILTER" -f -c "$FX_CONF"
h_start_daemon policyd2 bash -c 'umask 0027 && exec "$@"' - "${AS_RUN[@]}" \
    "$PD" -f -c "$FX_CONF"
h_check "relay-milter started as nobody" h_wait_log 'listening on' 10 "$H_LOG/milter2.log"
h_check "relay-policyd started as nobody" h_wait_log 'start=ok' 10 "$H_LOG/policyd2.log"
for s in milter policy; do
	h_is "run user: $s.sock 0660 nobody:nogroup" \
	    "$(stat -c '%a %U:%G' "$H_TMP/run/$s.sock")" "660 nobody:nogroup"
done
out=$(sign "${INGROUP[@]}" "$H_TMP/run/milter.sock")
h_like "a process in the group (Postfix) is signed for" "$out" \
    '^ok connections=1 messages=1 signatures=2$'
out=$(ask "${INGROUP[@]}" "$H_TMP/run/policy.sock")
h_like "... and answered by relay-policyd" "$out" '^action='
h_stop_daemon milter2 20
h_stop_daemon policyd2 10
h_check "at exit relay-policyd removed its socket" test ! -e "$H_TMP/run/policy.sock"

# 3. Started as root without daemon.user: the sockets stay root's, which
# no Postfix process can open; both daemons say so.
FX_DAEMON=
FX_MILTER="socket = \"unix:$H_TMP/open/milter3.sock\";"
FX_POLICYD="listen = [ \"unix:$H_TMP/open/policy3.sock\" ]; socketmap = [ ];"
fx_conf "$H_TMP/rootonly.conf"
h_start_daemon milter3 "$MILTER" -f -c "$FX_CONF"
h_start_daemon policyd3 "$PD" -f -c "$FX_CONF"
h_check "relay-milter warns that Postfix cannot connect" h_wait_log \
    "unix:$H_TMP/open/milter3.sock is root's, mode 0660: Postfix cannot connect" \
    10 "$H_LOG/milter3.log"
h_check "relay-policyd too" h_wait_log \
    "unix:$H_TMP/open/policy3.sock is root's, mode 0660: Postfix cannot connect" \
    10 "$H_LOG/policyd3.log"
h_stop_daemon milter3 20
h_stop_daemon policyd3 10
h_done
