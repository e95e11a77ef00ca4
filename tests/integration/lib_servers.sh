# tests/integration/lib_servers.sh - the harness's other servers: Redis,
# the SMTP sink, Dovecot (auth only), unbound, and our own daemons
# (sourced by lib.sh; see the FUNCTIONS index at the top of lib.sh).
# shellcheck shell=bash
# H__PID, H_PF_DIRS and H__PF_SCRIPT are associative arrays declared in
# lib.sh, which shellcheck does not see from here:
# shellcheck disable=SC2004,SC2154

# ---------------------------------------------------------------------------
# Redis

h__redis_launch() {
	redis-server "${H__REDIS_ARGS[@]}" >>"$H_LOG/redis.log" 2>&1 </dev/null &
	REDIS_PID=$!
	H__PID[redis]=$REDIS_PID
	export REDIS_PID
	if ! h_wait_for 10 h__redis_ping; then
		h_diag "redis-server did not answer PING; its log:"
		h_diag "$(tail -n 20 "$H_LOG/redis.log")"
		return 1
	fi
}

h__redis_ping() {
	[[ $(redis-cli -s "$REDIS_SOCK" ping 2>/dev/null) == PONG ]]
}

h_start_redis() {
	local tcp='' persist='' d bind=127.0.0.1
	while (($# > 0)); do
		case $1 in
		tcp) tcp=1 ;;
		tcp6) tcp=1; bind=::1 ;;
		persist) persist=1 ;;
		--) shift; break ;;
		*) h_bail "h_start_redis: unknown option $1" ;;
		esac
		shift
	done
	d=$H_TMP/redis
	install -d -m 0755 "$d"
	REDIS_SOCK=$d/redis.sock
	REDIS_DIR=$d
	REDIS_PORT=
	if [[ -n $tcp ]]; then
		REDIS_PORT=$(h_port) || h_bail "no free port for redis"
	fi
	H__REDIS_ARGS=(--bind "$bind" --port "${REDIS_PORT:-0}"
	    --unixsocket "$REDIS_SOCK" --unixsocketperm 777
	    --daemonize no --dir "$d" --save '' --loglevel notice
	    --logfile '')
	if [[ -n $persist ]]; then
		H__REDIS_ARGS+=(--appendonly yes --appendfsync always)
	else
		H__REDIS_ARGS+=(--appendonly no)
	fi
	H__REDIS_ARGS+=("$@")
	export REDIS_SOCK REDIS_PORT REDIS_DIR
	h__push redis
	h__redis_launch || h_bail "redis-server did not start"
}

h_redis_cli() {
	redis-cli -s "$REDIS_SOCK" "$@"
}

# h_lua_sha NAME - the SHA-1 Redis knows common/lua/NAME.lua by: that of
# the text the programs send (common/lua2c.sh blanks comment lines)
h_lua_sha() {
	sh "$H_SRCDIR/common/lua2c.sh" --body "$H_SRCDIR/common/lua/$1.lua" |
	    sha1sum | cut -c1-40
}

h_stop_redis() {
	[[ -n $REDIS_PID ]] || return 0
	h__stop_pid "$REDIS_PID" 50
	REDIS_PID=
}

h_kill_redis() {
	[[ -n $REDIS_PID ]] || return 0
	h__stop_pid "$REDIS_PID" 30 KILL
	REDIS_PID=
}

h_restart_redis() {
	if [[ ${1:-} == kill ]]; then
		h_kill_redis
	else
		h_stop_redis
	fi
	rm -f "$REDIS_SOCK"
	h__redis_launch || h_bail "redis-server did not restart"
}

# h_start_slow_redis DELAY - a proxy on 127.0.0.1:SLOW_PORT (a free port,
# exported) to REDIS_SOCK that holds each request DELAY seconds before
# passing it on (answers pass at once): a Redis that far away. Daemon
# "slowredis".
h_start_slow_redis() {
	SLOW_PORT=$(h_port) || h_bail "no free port for the slow proxy"
	export SLOW_PORT
	h_start_daemon slowredis python3 -c '
import socket, sys, threading, time
up, port, delay = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", port)); ls.listen(8)
def pump(a, b, delay):
    while True:
        d = a.recv(65536)
        if not d: break
        time.sleep(delay); b.sendall(d)
    b.close()
while True:
    c, _ = ls.accept()
    u = socket.socket(socket.AF_UNIX); u.connect(up)
    threading.Thread(target=pump, args=(c, u, delay), daemon=True).start()
    threading.Thread(target=pump, args=(u, c, 0), daemon=True).start()
' "$REDIS_SOCK" "$SLOW_PORT" "$1"
	h_wait_port "$SLOW_PORT" 10 || h_bail "slow proxy did not start"
}

# ---------------------------------------------------------------------------
# Sink

h_start_sink() {
	local log=$H_LOG/sink.log
	SINK_DIR=$H_TMP/sink
	install -d -m 0755 "$SINK_DIR"
	"$H_PYTHON" "$H_LIBDIR/sinkd.py" --port 0 "$@" "$SINK_DIR" \
	    >"$log" 2>&1 </dev/null &
	SINK_PID=$!
	H__PID[sink]=$SINK_PID
	h__push sink
	if ! h_wait_for 10 grep -q '^READY ' "$log"; then
		h_diag "$(cat "$log")"
		h_bail "the SMTP sink did not start"
	fi
	SINK_PORT=$(awk '/^READY /{ print $3; exit }' "$log")
	export SINK_PORT SINK_DIR SINK_PID
}

h_sink_count() {
	local f n=0
	for f in "$SINK_DIR"/*.eml; do
		[[ -e $f ]] && n=$((n + 1))
	done
	echo "$n"
}

h__sink_has() {
	(($(h_sink_count) >= $1))
}

h_wait_sink() {
	h_wait_for "${2:-20}" h__sink_has "$1"
}

h_sink_find() {
	local f found=1
	for f in "$SINK_DIR"/*.eml; do
		[[ -e $f ]] || continue
		grep -qE -- "$1" "$f" && { echo "$f"; found=0; }
	done
	return "$found"
}

h_sink_await() {
	h_wait_for "${2:-20}" h_sink_find "$1" >/dev/null &&
	    h_sink_find "$1" | head -n 1
}

h_stop_sink() {
	[[ -n $SINK_PID ]] || return 0
	h__stop_pid "$SINK_PID" 50
	SINK_PID=
}

# ---------------------------------------------------------------------------
# Dovecot

h_start_dovecot() {
	local kind=${1:-} arg=${2:-} d passdb
	((EUID == 0)) || h_bail "h_start_dovecot: needs root"
	case $kind in
	checkpassword)
		[[ -x $arg ]] || h_bail "h_start_dovecot: $arg is not executable"
		passdb="  driver = checkpassword
  args = $arg" ;;
	dict)
		[[ -r $arg ]] || h_bail "h_start_dovecot: cannot read $arg"
		passdb="  driver = dict
  args = $arg" ;;
	passdb) passdb=$arg ;;
	*) h_bail "h_start_dovecot: checkpassword PROG | dict FILE | passdb BODY" ;;
	esac
	d=$H_TMP/dovecot
	install -d -m 0755 "$d" "$d/run" "$d/state"
	DV_CONF=$d/dovecot.conf
	DV_AUTH_SOCK=$d/auth-postfix
	DV_LOG=$H_LOG/dovecot.log
	DV_AUTH_PORT=$(h_port) || h_bail "no free port for Dovecot"
	cat >"$DV_CONF" <<EOF
# dovecot.conf - auth-only Dovecot for test $H_NAME (lib.sh)
base_dir = $d/run
state_dir = $d/state
instance_name = dovecot-${H_TMP##*/}
log_path = $DV_LOG
protocols =
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_verbose = yes
auth_failure_delay = 0
# no address-space limit: helpers built with ASan reserve terabytes
default_vsz_limit = 0
default_login_user = dovenull
default_internal_user = dovecot
# the sanitizer options (lib.sh h__san_init) reach a checkpassword program
import_environment = \$import_environment ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS
passdb {
$passdb
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=/nonexistent
}
service auth {
  unix_listener $DV_AUTH_SOCK {
    mode = 0660
    user = postfix
    group = postfix
  }
  inet_listener auth-inet {
    address = 127.0.0.1
    port = $DV_AUTH_PORT
  }
}
service anvil {
  chroot =
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
$DV_CONF_EXTRA
EOF
	export DV_CONF DV_AUTH_SOCK DV_AUTH_PORT DV_LOG
	if ! doveconf -c "$DV_CONF" -n >"$H_LOG/doveconf.out" 2>&1; then
		h_diag "$(tail -n 20 "$H_LOG/doveconf.out")"
		h_bail "Dovecot config rejected"
	fi
	dovecot -F -c "$DV_CONF" >"$H_LOG/dovecot.out" 2>&1 </dev/null &
	DV_PID=$!
	H__PID[dovecot]=$DV_PID
	export DV_PID
	h__push dovecot
	if ! h_wait_file "$DV_AUTH_SOCK" 10 || ! h_wait_port "$DV_AUTH_PORT" 10; then
		h_diag "$(tail -n 20 "$H_LOG/dovecot.out" "$DV_LOG" 2>/dev/null)"
		h_bail "Dovecot did not start"
	fi
}

# h_stop_dovecot - stop the master, then kill its former children (an auth
# process with a live client outlives "dovecot stop")
h_stop_dovecot() {
	local kids
	[[ -n $DV_PID ]] || return 0
	kids=$(h__descendants "$DV_PID")
	h__stop_pid "$DV_PID" 50
	# shellcheck disable=SC2086
	h__wait_gone 20 $kids || h__kill_list $kids
	# shellcheck disable=SC2206
	H__REAP+=($kids)
	DV_PID=
}

h_dv_auth_test() {
	doveadm -c "$DV_CONF" auth test -- "$1" "$2"
}

# ---------------------------------------------------------------------------
# DNS

h_start_unbound() {
	local d zones='' z f v6=no ifs="    interface: 127.0.0.1" down=yes
	DNS_RECURSIVE=
	while [[ ${1:-} == --* ]]; do
		case $1 in
		--ipv6)
			v6=yes
			ifs+="
    interface: ::1
    access-control: ::1/128 allow" ;;
		--recursive)
			down=no DNS_RECURSIVE=1
			ifs+="
    cache-max-ttl: 0
    cache-max-negative-ttl: 0" ;;
		*) h_bail "h_start_unbound: unknown option $1" ;;
		esac
		shift
	done
	(($# >= 2 && $# % 2 == 0)) || h_bail "h_start_unbound [--ipv6] [--recursive] ZONE FILE [ZONE FILE...]"
	d=$H_TMP/dns
	install -d -m 0755 "$d"
	DNS_DIR=$d
	DNS_CONF=$d/unbound.conf
	DNS_PORT=$(h_port) || h_bail "no free port for unbound"
	while (($# > 0)); do
		z=${1%.}
		f=$2
		shift 2
		[[ -r $f ]] || h_bail "h_start_unbound: cannot read zone file $f"
		cp "$f" "$d/$z.zone"
		zones+="auth-zone:
    name: \"$z.\"
    zonefile: \"$d/$z.zone\"
    for-downstream: $down
    for-upstream: yes
    fallback-enabled: no
"
		UNBOUND_LOCAL_ZONES+="    local-zone: \"$z.\" transparent
"
	done
	cat >"$DNS_CONF" <<EOF
# unbound.conf - authoritative test DNS for test $H_NAME (lib.sh)
server:
$ifs
    port: $DNS_PORT
    do-ip4: yes
    do-ip6: $v6
    do-udp: yes
    do-tcp: yes
    so-reuseport: no
    num-threads: 1
    do-daemonize: no
    username: ""
    chroot: ""
    directory: "$d"
    pidfile: "$d/unbound.pid"
    logfile: "$H_LOG/unbound.log"
    use-syslog: no
    verbosity: 1
    access-control: 127.0.0.0/8 allow
    module-config: "iterator"
    local-zone: "." refuse
$UNBOUND_LOCAL_ZONES$UNBOUND_EXTRA
$zones
remote-control:
    control-enable: yes
    control-interface: "$d/unbound.ctl"
    control-use-cert: no
EOF
	UNBOUND_LOCAL_ZONES=
	export DNS_PORT DNS_CONF DNS_DIR DNS_RECURSIVE
	if ! unbound-checkconf "$DNS_CONF" >"$H_LOG/unbound-checkconf.out" 2>&1; then
		h_diag "$(cat "$H_LOG/unbound-checkconf.out")"
		h_bail "unbound config rejected"
	fi
	# Debian's unbound package ships an AppArmor profile, enforced where
	# AppArmor is on, that attaches to /usr/sbin/unbound by path and
	# lets it read nothing under the temp dir: a copy runs unconfined
	install -m 0755 "$(command -v unbound)" "$H_BIN/unbound"
	"$H_BIN/unbound" -d -c "$DNS_CONF" >"$H_LOG/unbound.out" 2>&1 \
	    </dev/null &
	DNS_PID=$!
	H__PID[unbound]=$DNS_PID
	export DNS_PID
	h__push unbound
	if ! h_wait_for 10 unbound-control -c "$DNS_CONF" status; then
		h_diag "$(tail -n 20 "$H_LOG/unbound.out" "$H_LOG/unbound.log" 2>/dev/null)"
		h_bail "unbound did not start"
	fi
}
UNBOUND_LOCAL_ZONES=''

h_dns_add() {
	unbound-control -c "$DNS_CONF" local_data "$1" >/dev/null
}

h_dns_remove() {
	unbound-control -c "$DNS_CONF" local_data_remove "$1" >/dev/null
}

h_zone_file() {
	local z=${1%.}
	printf '$ORIGIN %s.\n@ 300 IN SOA ns.%s. hostmaster.%s. 1 3600 600 86400 60\n@ 300 IN NS ns.%s.\n' \
	    "$z" "$z" "$z" "$z" >"$H_TMP/$z.zone"
	printf '%s\n' "$H_TMP/$z.zone"
}

h_dns_publish() {
	printf '%s\n' "$2" >>"$DNS_DIR/${1%.}.zone"
	h_dns_reload "$1"
}

h_dns_reload() {
	unbound-control -c "$DNS_CONF" auth_zone_reload "${1%.}" >/dev/null
	# a recursive unbound keeps answers for the rest of the second
	[[ ${DNS_RECURSIVE:-} != 1 ]] ||
	    unbound-control -c "$DNS_CONF" flush_zone . >/dev/null
}

h_dig() {
	dig @127.0.0.1 -p "$DNS_PORT" +time=2 +tries=1 "$@"
}

h_stop_unbound() {
	[[ -n $DNS_PID ]] || return 0
	h__stop_pid "$DNS_PID" 50
	DNS_PID=
}

# ---------------------------------------------------------------------------
# Our own daemons

h_start_daemon() {
	local name=$1
	shift
	[[ $name =~ ^[A-Za-z0-9_.-]+$ ]] || h_bail "h_start_daemon: bad name '$name'"
	[[ -z ${H__PID[daemon:$name]:-} ]] || h_bail "h_start_daemon: $name already runs"
	h__san_keep_log "$H_LOG/$name.log"
	"$@" >"$H_LOG/$name.log" 2>&1 </dev/null &
	H__PID[daemon:$name]=$!
	h__push "daemon:$name"
}

h_daemon_pid() {
	echo "${H__PID[daemon:$1]:-}"
}

h_daemon_alive() {
	h__alive "${H__PID[daemon:$1]:-}"
}

h_stop_daemon() {
	local pid=${H__PID[daemon:$1]:-} tenths rc
	[[ -n $pid ]] || return 0
	tenths=$(awk -v t="${2:-10}" 'BEGIN { printf "%d", t * 10 }')
	h__stop_pid "$pid" "$tenths"
	rc=$?
	H__PID[daemon:$1]=
	return "$rc"
}

h_kill_daemon() {
	local pid=${H__PID[daemon:$1]:-}
	[[ -n $pid ]] || return 0
	h__stop_pid "$pid" 30 KILL
	H__PID[daemon:$1]=
}
