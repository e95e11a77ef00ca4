# tests/integration/lib_postfix.sh - the harness's private Postfix
# instances and their logs (sourced by lib.sh; see the FUNCTIONS index at
# the top of lib.sh).
# shellcheck shell=bash
# H__PID, H_PF_DIRS and H__PF_SCRIPT are associative arrays declared in
# lib.sh, which shellcheck does not see from here:
# shellcheck disable=SC2004,SC2154

# ---------------------------------------------------------------------------
# Postfix

# h__pf_suffix NAME - "node_a" -> "NODE_A"
h__pf_suffix() {
	printf '%s' "${1^^}"
}

h_pf_use() {
	local s
	[[ -n ${H_PF_DIRS[$1]:-} ]] || h_bail "h_pf_use: no Postfix instance named $1"
	s=$(h__pf_suffix "$1")
	PF_NAME=$1
	local v
	for v in PF_DIR PF_MAILLOG PF_SMTPD_PORT PF_SPOOL PF_SYSLOG_NAME PF_MASTER_PID; do
		local sv=${v}_$s
		printf -v "$v" '%s' "${!sv}"
		export "${v?}"
	done
	export PF_NAME
}

# h__pf_write_conf NAME BASE PORT - main.cf and master.cf from scratch
h__pf_write_conf() {
	local name=$1 base=$2 port=$3 relayhost=$4
	cat >"$base/etc/main.cf" <<EOF
# main.cf - private Postfix instance "$name" of test $H_NAME (lib.sh)
compatibility_level = 3.6
queue_directory = $base/spool
data_directory = $base/data
mail_owner = postfix
setgid_group = postdrop
syslog_name = postfix-$name
maillog_file = $H_LOG/postfix-$name.maillog
maillog_file_prefixes = $H_TMP
myhostname = relay-$name.test
mydomain = test
myorigin = \$myhostname
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost = $relayhost
alias_maps =
alias_database =
smtp_dns_support_level = disabled
biff = no
enable_long_queue_ids = yes
queue_run_delay = 10s
minimal_backoff_time = 10s
maximal_backoff_time = 20s
delay_warning_time = 0
# the sanitizer options (lib.sh h__san_init) reach what pipe(8) runs
import_environment = $(postconf -dh import_environment) ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS
export_environment = $(postconf -dh export_environment) ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS
EOF
	if [[ -n $PF_MAIN_EXTRA ]]; then
		printf '\n# PF_MAIN_EXTRA\n%s\n' "$PF_MAIN_EXTRA" >>"$base/etc/main.cf"
	fi
	cat >"$base/etc/master.cf" <<EOF
# master.cf - private Postfix instance "$name" (lib.sh); chroot n everywhere
127.0.0.1:$port inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
	if [[ -n $PF_MASTER_EXTRA ]]; then
		printf '# PF_MASTER_EXTRA\n%s\n' "$PF_MASTER_EXTRA" >>"$base/etc/master.cf"
	fi
	chmod 0644 "$base/etc/main.cf" "$base/etc/master.cf"
	h__pf_backdate "$base/etc"
}

# h__pf_backdate DIR - Postfix's load_file() re-reads a config file in 0.3 s
# steps until its mtime is in the past (2 s lost per fresh main.cf): set it
# 10 s back
h__pf_backdate() {
	touch -d "@$(($(date +%s) - 10))" "$1/main.cf" "$1/master.cf"
}

# h__pf_fail NAME MSG - diagnostics for a Postfix that would not start
h__pf_fail() {
	local dir=$H_TMP/pf-$1/etc p
	h_diag "Postfix instance $1: $2"
	h_diag "--- start-up output:"
	h_diag "$(tail -n 30 "$H_LOG/postfix-$1.out" 2>/dev/null)"
	h_diag "--- maillog:"
	h_diag "$(tail -n 30 "$H_LOG/postfix-$1.maillog" 2>/dev/null)"
	# A master that dies early logs only to postlogd, which it runs itself,
	# so its reason is lost (even on a tty). The usual one: a port in use.
	# shellcheck disable=SC2013
	for p in $(sed -n 's/^\(127\.0\.0\.1:\)\{0,1\}\([0-9][0-9]*\)[[:space:]][[:space:]]*inet[[:space:]].*/\2/p' "$dir/master.cf" 2>/dev/null); do
		[[ -n $(ss -Hltn "sport = :$p" 2>/dev/null) ]] &&
		    h_diag "port $p of master.cf is in use: $(ss -Hltnp "sport = :$p" 2>/dev/null)"
	done
	h_bail "Postfix instance $1 did not start: $2"
}

h_start_postfix() {
	local name=${1:-pf} base port out s relayhost i mpid=''
	[[ $name =~ ^[a-z0-9_]+$ ]] || h_bail "h_start_postfix: bad instance name '$name'"
	[[ -z ${H_PF_DIRS[$name]:-} ]] || h_bail "h_start_postfix: instance $name already exists"
	((EUID == 0)) || h_bail "h_start_postfix: needs root"
	relayhost=${PF_RELAYHOST:-}
	if [[ -z $relayhost ]]; then
		[[ -n $SINK_PORT ]] || h_bail "h_start_postfix: start the sink first (or set PF_RELAYHOST)"
		relayhost="[127.0.0.1]:$SINK_PORT"
	fi
	base=$H_TMP/pf-$name
	# queue_directory must exist before "postfix check", which makes the rest
	install -d -o root -g root -m 0755 "$base" "$base/etc" "$base/spool"
	port=$(h_port) || h_bail "no free port for Postfix"
	h__pf_write_conf "$name" "$base" "$port" "$relayhost"

	out=$H_LOG/postfix-$name.out
	if ! postfix -c "$base/etc" check >"$out" 2>&1 </dev/null; then
		h__pf_fail "$name" "postfix check failed"
	fi
	H_PF_DIRS[$name]=$base/etc
	h__push "postfix:$name"
	# start-fg keeps postfix-script as our child; the master (which makes
	# its own session) writes spool/pid/master.pid. "postfix check" just
	# ran, so skip the second round of checks start-fg would do.
	: >"$base/spool/quick-start"
	postfix -c "$base/etc" start-fg >>"$out" 2>&1 </dev/null &
	H__PF_SCRIPT[$name]=$!
	# Ready = the master logged "daemon started", which it does after
	# binding every listener; a listening smtpd port alone is not enough
	# (a later listener in master.cf may still fail to bind, and then the
	# master exits).
	for ((i = 0; i < 150; i++)); do
		mpid=$(sed -n '1s/[^0-9]//gp' "$base/spool/pid/master.pid" 2>/dev/null)
		if [[ -n $mpid ]] && h__alive "$mpid" &&
		    grep -q "postfix-$name/master\[$mpid\]: daemon started" \
		    "$H_LOG/postfix-$name.maillog" 2>/dev/null; then
			break
		fi
		mpid=
		h__alive "${H__PF_SCRIPT[$name]}" || break
		sleep 0.1
	done
	[[ -n $mpid ]] || h__pf_fail "$name" "the master did not start"
	h_wait_port "$port" 10 || h__pf_fail "$name" "nothing listens on 127.0.0.1:$port"
	h__alive "$mpid" || h__pf_fail "$name" "the master exited"

	s=$(h__pf_suffix "$name")
	printf -v "PF_DIR_$s" '%s' "$base/etc"
	printf -v "PF_SPOOL_$s" '%s' "$base/spool"
	printf -v "PF_MAILLOG_$s" '%s' "$H_LOG/postfix-$name.maillog"
	printf -v "PF_SMTPD_PORT_$s" '%s' "$port"
	printf -v "PF_SYSLOG_NAME_$s" '%s' "postfix-$name"
	printf -v "PF_MASTER_PID_$s" '%s' "$mpid"
	export "PF_DIR_$s" "PF_SPOOL_$s" "PF_MAILLOG_$s" "PF_SMTPD_PORT_$s" \
	    "PF_SYSLOG_NAME_$s" "PF_MASTER_PID_$s"
	h_pf_use "$name"
}

# h__stop_postfix NAME - postfix stop, bounded wait, then the master and
# every process it had started, by PID
h__stop_postfix() {
	local name=$1 dir=${H_PF_DIRS[$1]:-} s mpid kids
	[[ -n $dir ]] || return 0
	s=$(h__pf_suffix "$name")
	local v=PF_MASTER_PID_$s
	mpid=${!v:-}
	if [[ -n $mpid ]] && h__alive "$mpid"; then
		kids=$(h__descendants "$mpid")
		timeout 15 postfix -c "$dir" stop >/dev/null 2>&1 </dev/null
		if ! h__wait_gone 50 "$mpid"; then
			h_diag "Postfix $name master $mpid still there: SIGKILL"
			kill -KILL "$mpid" 2>/dev/null
		fi
		# children notice the master is gone and exit; stragglers die
		# shellcheck disable=SC2086
		h__wait_gone 30 $kids || h__kill_list $kids
		# shellcheck disable=SC2206
		H__REAP+=($kids)
	fi
	h__stop_pid "${H__PF_SCRIPT[$name]:-}" 30
	H__PF_SCRIPT[$name]=
	H_PF_DIRS[$name]=
}

h_stop_postfix() {
	h__stop_postfix "${1:-$PF_NAME}"
}

h_mount_ext4() {
	local dir=$1 mb=$2 img
	((EUID == 0)) || { h_diag "h_mount_ext4: needs root"; return 1; }
	img=$H_TMP/fs-$(printf '%s' "$dir" | tr -c 'A-Za-z0-9\n' _).img
	install -d -m 0755 "$dir"
	if ! truncate -s "${mb}M" "$img" ||
	    ! mkfs.ext4 -q -F "$img" >>"$H_LOG/mkfs.log" 2>&1 ||
	    ! mount -o loop "$img" "$dir" >>"$H_LOG/mkfs.log" 2>&1; then
		h_diag "h_mount_ext4 $dir: $(tail -3 "$H_LOG/mkfs.log")"
		rm -f "$img"
		return 1
	fi
	h__push "mount:$dir"
}

h_pf() {
	local cmd=$1
	shift
	"$cmd" -c "$PF_DIR" "$@"
}

# h_pf_set 'NAME = VALUE'... - postconf -e on the current instance (then
# h_pf_reload to apply)
h_pf_set() {
	postconf -c "$PF_DIR" -e "$@" && h__pf_backdate "$PF_DIR"
}

h_pf_flush() {
	postqueue -c "$PF_DIR" -f
}

h_pf_reload() {
	postfix -c "$PF_DIR" reload >/dev/null 2>&1
}

h_pf_queue_empty() {
	local q
	q=$(postqueue -c "$PF_DIR" -j 2>/dev/null) || return 1
	[[ -z $q ]]
}

h_wait_queue_empty() {
	h_wait_for "${1:-20}" h_pf_queue_empty
}

h_swaks() {
	local a
	for a in "$@"; do
		if [[ $a == --server || $a == -s || $a == --server=* ]]; then
			swaks --timeout 15 "$@"
			return
		fi
	done
	swaks --server "127.0.0.1:$PF_SMTPD_PORT" --timeout 15 "$@"
}

h_queued_id() {
	sed -n 's/.*250 2\.0\.0 Ok: queued as \([0-9A-Za-z]*\).*/\1/p' <<<"$1" |
	    head -n 1
}

# ---------------------------------------------------------------------------
# Logs

h_log_count() {
	local n
	n=$(grep -cE -- "$1" "${2:-$PF_MAILLOG}" 2>/dev/null)
	echo "${n:-0}"
}

h__log_has() {
	(($(h_log_count "$1" "$3") >= $2))
}

h_wait_log() {
	local re=$1 t=${2:-20} f=${3:-$PF_MAILLOG}
	h_wait_for "$t" grep -qE -- "$re" "$f" || return 1
	grep -m1 -E -- "$re" "$f"
}

h_wait_log_count() {
	h_wait_for "${3:-20}" h__log_has "$1" "$2" "${4:-$PF_MAILLOG}"
}
