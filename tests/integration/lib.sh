# tests/integration/lib.sh - the integration-test harness (bash, sourced).
# shellcheck shell=bash source-path=SCRIPTDIR
#
# Every tests/integration/test_*.sh starts with
#
#     #!/bin/bash
#     . "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
#     h_init my_test_name
#     h_need_root; h_need postfix swaks
#     h_start_redis; h_start_sink; h_start_postfix
#     ... h_check / h_is / h_like ...
#     h_done
#
# and prints TAP (the plan last). Everything the harness starts is stopped by
# PID when the script exits, even on failure, a signal or a timeout:
# Postfix instances first (`postfix -c DIR stop`, then their leftover
# processes by PID), then the rest in reverse start order (SIGTERM, a bounded
# wait, SIGKILL). Then the temp dir is removed. Everything listens on
# loopback only (127.0.0.1, and ::1 where a test asks), and every wait
# loop is bounded. Root is needed for Postfix
# and Dovecot (they drop to their own users).
#
# Rules for test scripts: call the TAP helpers from the main shell, not from
# a subshell or a pipeline (the counter lives in this shell); helpers that
# "print" a value are meant for $(...). A failed check never aborts the
# script; h_bail does (for a set-up that cannot go on). `set -u` is fine.
#
# ---------------------------------------------------------------------------
# FUNCTIONS (Postfix and its logs are in lib_postfix.sh; Redis, the sink,
# Dovecot, unbound and our daemons in lib_servers.sh; this file sources
# both)
#
# Set-up and TAP
#   h_init NAME              fresh temp dir /tmp/relay-it.XXXXXX (0755), traps
#                            EXIT/INT/TERM/HUP for the clean-up
#   h_need CMD...            skip the whole test (1..0 # SKIP) when a program
#                            is missing (bail out if checks already ran)
#   h_need_root              the same, for root
#   h_need_ipv6              the same, when no TCP socket can be bound to
#                            ::1 (IPv6 off, or no ::1 on lo)
#   h_ok DESC / h_fail DESC [DIAG...]   one TAP line
#   h_check DESC CMD...      run CMD; ok when it exits 0, else not ok + its output
#                            (CMD runs in a subshell: variables it sets are lost)
#   h_check_not DESC CMD...  ok when CMD exits non-zero
#   h_is DESC GOT WANT       string equality
#   h_like DESC GOT REGEX    bash extended regex match ([[ =~ ]])
#   h_unlike DESC GOT REGEX  no match
#   h_skip DESC REASON       "ok N # SKIP REASON"
#   h_diag MSG...            "# MSG" lines (stdout, part of the TAP stream)
#   h_plan N                 print the plan first (optional)
#   h_done                   print "1..N" (unless h_plan did), exit 0 if all
#                            passed else 1; clean-up follows from the trap
#   h_bail MSG               not ok + "Bail out! MSG", exit 1
#   h_skip_all REASON        "1..0 # SKIP REASON", exit 0 (before any check)
#   h_sanitized              true when the build under test has AddressSanitizer
#                            (./configure --enable-sanitizers) or
#                            ThreadSanitizer (--enable-tsan): its RSS is
#                            shadow memory and quarantine, not ours
#   h_tsan                   true when it has ThreadSanitizer
#
# Sanitizer reports (any build; only a sanitizer build writes them)
#   h_init points ASAN_OPTIONS, LSAN_OPTIONS, UBSAN_OPTIONS and
#   TSAN_OPTIONS (added to what the environment has: run-tests.sh's
#   suppressions) at log_path=$H_SAN/report with log_exe_name=1, so every
#   program of ours that the test runs, in the foreground or as a daemon,
#   writes an AddressSanitizer, LeakSanitizer, UndefinedBehaviorSanitizer
#   or ThreadSanitizer report to
#   $H_SAN/report.PROGRAM.PID instead of a stderr nobody reads. After the
#   clean-up has stopped everything (a daemon's shutdown and its leak check
#   happen then), a report file, or a report in any log under $H_LOG (gcc's
#   combined ASan+UBSan runtime ignores log_path for UBSan: its reports go
#   to stderr, i.e. the daemon's log; a program run by Dovecot or Postfix
#   may have lost the variables), fails the test: one more "not ok" line,
#   the reports as diagnostics, exit 1, and the logs copied as for any
#   failure. h_san_check does that check on its own.
#   h_san_check              0 when no report so far; else prints them
#                            (diagnostics, no TAP line) and returns 1
#
# Waiting (all bounded; TIMEOUT in seconds, may be fractional)
#   h_wait_for TIMEOUT CMD...  poll CMD every 0.1 s until it exits 0
#   h_wait_port PORT [TIMEOUT] until something listens on 127.0.0.1:PORT (TCP)
#   h_wait_file PATH [TIMEOUT] until PATH exists (file or socket)
#   h_port                   prints a free loopback port in 20000-40000
#                            (TCP and UDP unused, outside the kernel's
#                            ephemeral range, never the same twice per test)
#
# Redis (unix socket in the temp dir, world-writable for postfix/dovecot)
#   h_start_redis [tcp|tcp6] [persist] [-- REDIS-SERVER-ARGS...]
#                            tcp: also listen on 127.0.0.1:REDIS_PORT;
#                            tcp6: on [::1]:REDIS_PORT instead;
#                            persist: AOF (appendfsync always) in REDIS_DIR
#                            so data survives h_kill_redis/h_restart_redis;
#                            default --save '' --appendonly no
#   h_redis_cli ARGS...      redis-cli -s $REDIS_SOCK ARGS
#   h_lua_sha NAME           SHA-1 of common/lua/NAME.lua as the programs load it
#   h_stop_redis             SIGTERM, bounded wait, SIGKILL
#   h_kill_redis             SIGKILL (crash)
#   h_restart_redis [kill]   stop (or kill) and start again: same socket,
#                            port, data dir and arguments
#   h_start_slow_redis DELAY a proxy on 127.0.0.1:SLOW_PORT to REDIS_SOCK
#                            that holds each request DELAY s (daemon
#                            "slowredis")
#
# Sink (tests/integration/sinkd.py: answers by recipient local part,
# bounce* 550 5.1.1, full* 452 4.2.2, policy* 550 5.7.1, tech* 451 4.4.1,
# defer* 451 4.2.0, else 250; one file per message, LF line endings)
#   h_start_sink [--crlf] [--host ::1]   exports SINK_PORT SINK_DIR
#                            SINK_PID; --host ::1: on [::1] instead of
#                            127.0.0.1
#   h_sink_count             number of stored messages
#   h_wait_sink N [TIMEOUT]  until at least N messages are stored (default 20 s)
#   h_sink_find REGEX        prints the stored files whose text matches
#                            (grep -E), exit 1 when none
#   h_sink_await REGEX [TIMEOUT]  waits (default 20 s) for a stored file
#                            that matches; prints the first, exit 1 when none
#   h_stop_sink
#
# Postfix (section 1 of shared/notes/postfix-test-stack.md)
#   h_start_postfix [NAME]   a private instance (NAME default "pf", [a-z0-9_])
#                            relaying to the sink (start the sink first);
#                            reads, at call time:
#                              PF_MAIN_EXTRA    appended verbatim to main.cf
#                              PF_MASTER_EXTRA  appended verbatim to master.cf
#                              PF_RELAYHOST     default [127.0.0.1]:$SINK_PORT
#                            (a later line of main.cf wins over an earlier
#                            one, so PF_MAIN_EXTRA can override defaults).
#                            Ready means the master logged "daemon started"
#                            and smtpd listens; else it bails with the log.
#                            A submission listener with Dovecot SASL:
#                              SUB_PORT=$(h_port)
#                              PF_MASTER_EXTRA="127.0.0.1:$SUB_PORT inet n - n - - smtpd
#                                -o syslog_name=postfix-pf/submission
#                                -o smtpd_sasl_auth_enable=yes
#                                -o smtpd_sasl_type=dovecot
#                                -o smtpd_sasl_path=$DV_AUTH_SOCK
#                                -o smtpd_relay_restrictions=permit_sasl_authenticated,reject"
#   h_pf_use NAME            make NAME the current instance (sets PF_*)
#   h_pf CMD ARGS...         run a Postfix tool on the current instance:
#                            h_pf postsuper -d ALL  ->  postsuper -c $PF_DIR -d ALL
#   h_pf_set 'NAME = VALUE'...   postconf -e on the current instance
#                            (backdates main.cf: see h__pf_backdate)
#   h_pf_flush               postqueue -f
#   h_pf_reload              postfix reload
#   h_pf_queue_empty         exit 0 when the queue is empty (postqueue -j)
#   h_wait_queue_empty [TIMEOUT]
#   h_stop_postfix [NAME]    stop one instance now (default: current)
#   h_mount_ext4 DIR MB      mount a new ext4 file system (mkfs.ext4's
#                            defaults, journal included) of MB megabytes,
#                            an image file in H_TMP on a loop device, at
#                            DIR (created); unmounted at exit, after
#                            Postfix. Call before h_start_postfix NAME
#                            with DIR=$H_TMP/pf-NAME/spool to give that
#                            instance's queue its own file system.
#   h_swaks ARGS...          swaks --server 127.0.0.1:$PF_SMTPD_PORT (unless
#                            ARGS has --server/-s) --timeout 15 ARGS
#   h_queued_id TEXT         prints the queue id of the first "250 2.0.0 Ok:
#                            queued as ID" in TEXT (swaks output)
#
# Logs
#   h_wait_log REGEX [TIMEOUT] [FILE]  until a line of FILE (default
#                            $PF_MAILLOG) matches REGEX (grep -E), prints the
#                            first matching line; default TIMEOUT 20 s
#   h_wait_log_count REGEX N [TIMEOUT] [FILE]   until N lines match
#   h_log_count REGEX [FILE] prints the number of matching lines
#
# Dovecot (auth only, section 3 of the notes; start it before Postfix)
#   h_start_dovecot checkpassword PROG | dict FILE | passdb 'BLOCK BODY'
#                            passdb checkpassword (PROG runs as user dovecot,
#                            so put it in $H_BIN, mode 0755), dict (FILE is
#                            the dict .conf.ext), or a verbatim passdb body;
#                            DV_CONF_EXTRA is appended verbatim to the config.
#                            Anvil auth penalty off, auth_failure_delay 0.
#   h_stop_dovecot           (Postfix instances are stopped first)
#   h_dv_auth_test USER PASS doveadm auth test
#
# DNS (unbound, its own zones only, section 5 of the notes)
#   h_start_unbound [--ipv6] [--recursive] ZONE FILE [ZONE FILE...]
#                            copies each FILE into the temp dir and serves
#                            it on 127.0.0.1:DNS_PORT (UDP+TCP; --ipv6: on
#                            [::1]:DNS_PORT too); everything else REFUSED;
#                            authoritative answers, or with --recursive as
#                            a recursive resolver gives them (CNAMEs
#                            followed from zone to zone, NXDOMAIN with the
#                            CNAME when its target does not exist), with
#                            no cache; UNBOUND_EXTRA is appended to the
#                            server: clause
#   h_dns_add RR             unbound-control local_data 'RR'
#   h_dns_remove NAME        unbound-control local_data_remove NAME
#   h_zone_file ZONE         write $H_TMP/ZONE.zone, an empty zone (SOA and
#                            NS only), and print its path
#   h_dns_reload ZONE        re-read the copied zone file (after editing
#                            $DNS_DIR/ZONE.zone)
#   h_dns_publish ZONE LINES append zone-file lines to the served copy of
#                            ZONE and reload it
#   h_dig ARGS...            dig @127.0.0.1 -p $DNS_PORT +time=2 +tries=1 ARGS
#   h_stop_unbound
#
# Our own programs
#   h_start_daemon NAME CMD...  run CMD in the background (it must stay in
#                            the foreground), output to $H_LOG/NAME.log
#   h_daemon_pid NAME        prints its PID
#   h_daemon_alive NAME      exit 0 while it runs
#   h_stop_daemon NAME [TIMEOUT]  SIGTERM, bounded wait (default 10 s), then
#                            SIGKILL; returns the program's exit status
#   h_kill_daemon NAME       SIGKILL
#
# VARIABLES (exported)
#   H_NAME                   the test name given to h_init
#   H_TMP                    the temp dir (0755); H_LOG=$H_TMP/log (every
#                            log file: postfix-NAME.maillog, redis.log,
#                            sink.log, dovecot.log, unbound.log, NAME.log);
#                            H_SAN=$H_LOG/sanitizer (1777: daemons write
#                            there after dropping privileges)
#                            H_BIN=$H_TMP/bin (0755, for helper scripts)
#                            h_init also cd's into H_TMP.
#   H_SRCDIR H_BUILDDIR      top source and build dirs (from
#                            RELAY_TOP_SRCDIR / RELAY_TOP_BUILDDIR, else
#                            derived from this file's location); our
#                            programs are under H_BUILDDIR
#   H_LIBDIR                 this directory (sinkd.py is here)
#   REDIS_SOCK REDIS_PORT REDIS_DIR REDIS_PID   (REDIS_PORT empty without tcp)
#   SINK_PORT SINK_DIR SINK_PID
#   PF_NAME PF_DIR PF_MAILLOG PF_SMTPD_PORT PF_SPOOL PF_SYSLOG_NAME
#   PF_MASTER_PID            the current instance: the last one started, or
#                            the one chosen with h_pf_use. The same values
#                            per instance, suffixed with the upper-cased
#                            name: PF_DIR_A, PF_SMTPD_PORT_B, PF_MAILLOG_PF...
#                            (PF_DIR is the config dir; main.cf is in it.)
#                            syslog_name is postfix-NAME (log lines read
#                            "postfix-NAME/smtpd[..]"), myhostname
#                            relay-NAME.test, maillog $H_LOG/postfix-NAME.maillog
#   DV_CONF DV_AUTH_SOCK DV_AUTH_PORT DV_PID DV_LOG   DV_AUTH_SOCK is the
#                            unix listener for smtpd_sasl_path (owner
#                            postfix, 0660), DV_AUTH_PORT an inet listener
#   DNS_PORT DNS_CONF DNS_DIR DNS_PID
#
# Environment read
#   RELAY_KEEP_TMP=1         keep the temp dir and print its path
#   RELAY_TEST_LOGDIR        when a test fails, $H_LOG is copied to
#                            RELAY_TEST_LOGDIR/NAME.d (run-tests.sh sets it
#                            to BUILDDIR/tests/logs)
# ---------------------------------------------------------------------------

# Sourcing twice is harmless.
if [[ -n ${H__LIB_LOADED:-} ]]; then
	return 0
fi
H__LIB_LOADED=1

H_LIBDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
H_SRCDIR=${RELAY_TOP_SRCDIR:-$(cd "$H_LIBDIR/../.." && pwd)}
H_BUILDDIR=${RELAY_TOP_BUILDDIR:-$H_SRCDIR}
# absolute: h_init changes the working directory
H_SRCDIR=$(cd "$H_SRCDIR" && pwd)
H_BUILDDIR=$(cd "$H_BUILDDIR" && pwd)
H_PYTHON=/usr/bin/python3
export H_SRCDIR H_BUILDDIR

H_NAME=''
H_TMP=''
H_LOG=''
H_BIN=''
H_SAN=''
H_T=0
H_NFAIL=0
H_PLANNED=''
H__CLEANED=''
H__STACK=()
H__REAP=()
declare -gA H__PID=()
declare -gA H_PF_DIRS=()
declare -gA H__PF_SCRIPT=()
REDIS_SOCK='' REDIS_PORT='' REDIS_DIR='' REDIS_PID=''
H__REDIS_ARGS=()
SINK_PORT='' SINK_DIR='' SINK_PID=''
# shellcheck disable=SC2034  # exported for the tests
PF_NAME='' PF_DIR='' PF_MAILLOG='' PF_SMTPD_PORT='' PF_SPOOL='' PF_SYSLOG_NAME='' PF_MASTER_PID=''
PF_MAIN_EXTRA=${PF_MAIN_EXTRA:-}
PF_MASTER_EXTRA=${PF_MASTER_EXTRA:-}
PF_RELAYHOST=${PF_RELAYHOST:-}
DV_CONF='' DV_AUTH_SOCK='' DV_AUTH_PORT='' DV_PID='' DV_LOG=''
DV_CONF_EXTRA=${DV_CONF_EXTRA:-}
DNS_PORT='' DNS_CONF='' DNS_DIR='' DNS_PID=''
UNBOUND_EXTRA=${UNBOUND_EXTRA:-}

# ---------------------------------------------------------------------------
# TAP

# h__desc TEXT - one line, and no "#" (a TAP directive) in a description
h__desc() {
	local d=${1//$'\n'/ }
	d=${d//#/\\#}
	printf '%s' "$d"
}

# h_diag MSG... - each argument, and each line in it, as a "# " line
h_diag() {
	local a l
	for a in "$@"; do
		while IFS= read -r l; do
			printf '# %s\n' "$l"
		done <<<"$a"
	done
}

h_ok() {
	H_T=$((H_T + 1))
	printf 'ok %d - %s\n' "$H_T" "$(h__desc "$1")"
	return 0
}

# h_fail DESC [DIAG...] - a failed check; extra args become diagnostics
h_fail() {
	H_T=$((H_T + 1))
	H_NFAIL=$((H_NFAIL + 1))
	printf 'not ok %d - %s\n' "$H_T" "$(h__desc "$1")"
	shift
	(($# > 0)) && h_diag "$@"
	return 1
}

h_skip() {
	H_T=$((H_T + 1))
	printf 'ok %d # SKIP %s: %s\n' "$H_T" "$(h__desc "$1")" "$(h__desc "${2:-}")"
	return 0
}

h_sanitized() {
	grep -qE '^S\["RELAY_LDFLAGS"\]=.*-fsanitize=(address|thread)' \
	    "$H_BUILDDIR/config.status" 2>/dev/null
}

h_tsan() {
	grep -q '^S\["RELAY_LDFLAGS"\]=.*-fsanitize=thread' \
	    "$H_BUILDDIR/config.status" 2>/dev/null
}

h_check() {
	local desc=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if ((rc == 0)); then
		h_ok "$desc"
	else
		h_fail "$desc" "command failed (exit $rc): $*" \
		    "$(printf '%s\n' "$out" | tail -n 20)"
	fi
}

h_check_not() {
	local desc=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if ((rc != 0)); then
		h_ok "$desc"
	else
		h_fail "$desc" "command succeeded but should not have: $*" \
		    "$(printf '%s\n' "$out" | tail -n 20)"
	fi
}

h_is() {
	if [[ $2 == "$3" ]]; then
		h_ok "$1"
	else
		h_fail "$1" "     got: '$2'" "expected: '$3'"
	fi
}

h_like() {
	if [[ $2 =~ $3 ]]; then
		h_ok "$1"
	else
		h_fail "$1" "     got: '$(printf '%s' "$2" | tail -n 20)'" \
		    "expected to match: /$3/"
	fi
}

h_unlike() {
	if ! [[ $2 =~ $3 ]]; then
		h_ok "$1"
	else
		h_fail "$1" "     got: '$(printf '%s' "$2" | tail -n 20)'" \
		    "expected not to match: /$3/"
	fi
}

h_plan() {
	H_PLANNED=$1
	printf '1..%d\n' "$1"
}

h_done() {
	if [[ -z $H_PLANNED ]]; then
		printf '1..%d\n' "$H_T"
	elif ((H_PLANNED != H_T)); then
		h_diag "planned $H_PLANNED checks but ran $H_T"
		H_NFAIL=$((H_NFAIL + 1))
	fi
	((H_NFAIL > 0)) && h_diag "$H_NFAIL of $H_T checks failed"
	if ((H_NFAIL > 0)); then
		exit 1
	fi
	exit 0
}

h_bail() {
	h_fail "${1:-bail out}"
	printf 'Bail out! %s\n' "$(h__desc "${1:-}")"
	exit 1
}

h_skip_all() {
	if ((H_T > 0)); then
		h_bail "cannot skip: $1"
	fi
	printf '1..0 # SKIP %s\n' "$(h__desc "$1")"
	H_PLANNED=0
	exit 0
}

h_need() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || h_skip_all "$c is not installed"
	done
}

h_need_root() {
	((EUID == 0)) || h_skip_all "needs root (Postfix and Dovecot drop privileges)"
}

h_need_ipv6() {
	"$H_PYTHON" -c 'import socket
s = socket.socket(socket.AF_INET6)
s.bind(("::1", 0))
s.listen(1)' >/dev/null 2>&1 ||
	    h_skip_all "cannot bind a TCP socket to ::1 (no IPv6 on loopback)"
}

# ---------------------------------------------------------------------------
# Processes

# h__alive PID - exit 0 while PID exists and is not a zombie
h__alive() {
	local s
	[[ -n ${1:-} ]] || return 1
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	s=${s##*) }
	[[ ${s:0:1} != Z ]]
}

# h__descendants PID - every descendant of PID (children first), one a line
h__descendants() {
	ps -e -o pid= -o ppid= 2>/dev/null | awk -v root="$1" '
		{ kids[$2] = kids[$2] " " $1 }
		END {
			n = split(kids[root], q, " ")
			for (i = 1; i <= n; i++) {
				print q[i]
				m = split(kids[q[i]], more, " ")
				for (j = 1; j <= m; j++) q[++n] = more[j]
			}
		}'
}

# h__wait_gone TENTHS PID... - bounded wait until no PID is alive
h__wait_gone() {
	local tenths=$1 i p busy
	shift
	for ((i = 0; i <= tenths; i++)); do
		busy=
		for p in "$@"; do
			h__alive "$p" && { busy=1; break; }
		done
		[[ -z $busy ]] && return 0
		sleep 0.1
	done
	return 1
}

# h__stop_pid PID [TENTHS] [SIGNAL] - signal, bounded wait, SIGKILL, reap;
# returns the exit status when PID is our child (else 0)
h__stop_pid() {
	local pid=$1 tenths=${2:-50} sig=${3:-TERM} rc
	[[ -n $pid ]] || return 0
	if h__alive "$pid"; then
		kill "-$sig" "$pid" 2>/dev/null
		if ! h__wait_gone "$tenths" "$pid"; then
			h_diag "pid $pid did not exit after SIG$sig; sending SIGKILL"
			kill -KILL "$pid" 2>/dev/null
			h__wait_gone 30 "$pid"
		fi
	fi
	wait "$pid" 2>/dev/null
	rc=$?
	((rc == 127)) && rc=0		# not our child
	return "$rc"
}

# h__kill_list PID... - SIGKILL whatever is still alive, by PID
h__kill_list() {
	local p
	for p in "$@"; do
		h__alive "$p" && kill -KILL "$p" 2>/dev/null
	done
	h__wait_gone 30 "$@"
}

# h__wait_reaped TENTHS PID... - bounded wait until the PIDs are gone from
# /proc altogether: orphans of a stopped master are zombies until init reaps
# them (about 1 s here), and should not show up in a pgrep after the test
h__wait_reaped() {
	local tenths=$1 i p busy
	shift
	for ((i = 0; i <= tenths; i++)); do
		busy=
		for p in "$@"; do
			[[ -e /proc/$p ]] && { busy=1; break; }
		done
		[[ -z $busy ]] && return 0
		sleep 0.1
	done
	return 1
}

h__push() {
	H__STACK+=("$1")
}

# h_wait_for TIMEOUT CMD... - poll CMD every 0.1 s, bounded
h_wait_for() {
	local tenths i
	tenths=$(awk -v t="$1" 'BEGIN { printf "%d", t * 10 }')
	shift
	for ((i = 0; i <= tenths; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

h__listening() {
	[[ -n $(ss -Hltn "sport = :$1" 2>/dev/null) ]]
}

h_wait_port() {
	h_wait_for "${2:-10}" h__listening "$1"
}

h_wait_file() {
	h_wait_for "${2:-10}" test -e "$1"
}

# h_port - a free port: bounded random tries, checked with ss (TCP and UDP,
# any state), outside the ephemeral range, remembered in a file so that
# $(h_port) subshells never hand out one port twice in a test
h_port() {
	local lo=20000 hi=40000 elo ehi p i used=${H_TMP:-/nonexistent}/.ports
	read -r elo ehi </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || elo=0 ehi=0
	for ((i = 0; i < 500; i++)); do
		p=$((lo + (RANDOM * 32768 + RANDOM) % (hi - lo + 1)))
		# stay out of the ephemeral range when there is room below it
		((p >= elo && p <= ehi && elo - lo > 2000)) && continue
		grep -qx "$p" "$used" 2>/dev/null && continue
		[[ -n $(ss -Hantu "sport = :$p" 2>/dev/null) ]] && continue
		[[ -n $H_TMP ]] && echo "$p" >>"$used"
		echo "$p"
		return 0
	done
	echo "h_port: no free port found in $lo-$hi" >&2
	return 1
}

# ---------------------------------------------------------------------------
# Start-up and clean-up

h_init() {
	H_NAME=${1:-${RELAY_TEST_NAME:-integration}}
	H_TMP=$(mktemp -d /tmp/relay-it.XXXXXX) || {
		echo "Bail out! cannot create a temp dir in /tmp"
		exit 1
	}
	chmod 0755 "$H_TMP"
	H_LOG=$H_TMP/log
	H_BIN=$H_TMP/bin
	install -d -m 0755 "$H_LOG" "$H_BIN"
	export H_NAME H_TMP H_LOG H_BIN
	h__san_init
	trap 'h__on_exit' EXIT
	trap 'h__on_signal INT 2' INT
	trap 'h__on_signal TERM 15' TERM
	trap 'h__on_signal HUP 1' HUP
	h_diag "$H_NAME: temp dir $H_TMP"
	cd "$H_TMP" || h_bail "cannot cd to $H_TMP"
}

# What starts a sanitizer report (ERE): AddressSanitizer's and
# LeakSanitizer's "==PID==ERROR: " (also "==PROGRAM==PID==ERROR: ", and the
# runtime's own errors such as a log_path it cannot open), any "SUMMARY:
# ...Sanitizer", and UndefinedBehaviorSanitizer's "FILE:LINE:COL: runtime
# error: " with FILE a C source. Searched for anywhere in a line: Dovecot
# and Postfix prefix what a program they ran printed; tight enough that
# network text in a log (an address, a remote reply) does not look like
# one by chance. sink.log (the messages themselves) is not searched.
H__SAN_RE='==[0-9]+==ERROR: |SUMMARY: [A-Za-z]+Sanitizer: |[A-Za-z0-9_./-]+\.[ch]:[0-9]+:[0-9]+: runtime error: '

# h__san_init - (h_init) the report dir and the sanitizer options. Options
# are added after what the environment has, so a later log_path wins.
# UBSan keeps its halt-on-error from the build (-fno-sanitize-recover=
# undefined); print_stacktrace=1 gives its report the stack.
h__san_init() {
	local lp
	H_SAN=$H_LOG/sanitizer
	install -d -m 1777 "$H_SAN"
	lp="log_path=$H_SAN/report:log_exe_name=1"
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}$lp
	LSAN_OPTIONS=${LSAN_OPTIONS:+$LSAN_OPTIONS:}$lp
	UBSAN_OPTIONS=${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}print_stacktrace=1:$lp
	TSAN_OPTIONS=${TSAN_OPTIONS:+$TSAN_OPTIONS:}$lp
	export H_SAN ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS TSAN_OPTIONS
}

# h__san_keep_log FILE - before FILE is written over (a daemon started
# again under the same name): keep it in $H_SAN when it has a report
h__san_keep_log() {
	[[ -n $H_SAN && -s $1 ]] || return 0
	grep -qaE "$H__SAN_RE" "$1" 2>/dev/null || return 0
	cp "$1" "$H_SAN/log.${1##*/}.$(date +%s%N)" 2>/dev/null
}

# h_san_check - 0 when no sanitizer report so far (report files in $H_SAN,
# reports in the logs under $H_LOG); else prints each (diagnostics,
# bounded), then a one-line digest of each, and returns 1
h_san_check() {
	local f l digest=() files=() logs=()
	[[ -n $H_SAN && -d $H_SAN ]] || return 0
	for f in "$H_SAN"/*; do
		[[ -f $f && -s $f ]] && files+=("$f")
	done
	while IFS= read -r f; do
		[[ -n $f ]] && logs+=("$f")
	done < <(grep -rlaE --exclude-dir=sanitizer --exclude=sink.log \
	    "$H__SAN_RE" "$H_LOG" 2>/dev/null | sort)
	((${#files[@]} + ${#logs[@]} > 0)) || return 0
	for f in "${files[@]}"; do
		l=$(grep -m1 -aE '^SUMMARY: ' "$f")
		[[ -n $l ]] || l=$(grep -m1 -aE "$H__SAN_RE" "$f")
		digest+=("${f##*/}: $l")
		# the first 5 in full (the rest are in the logs kept)
		((${#digest[@]} > 5)) && continue
		# without AddressSanitizer's shadow-byte map and its legend
		h_diag "=== sanitizer report ${f#"$H_LOG"/}:" "$(awk '
			/^Shadow bytes around the buggy address/ { skip = 1 }
			!skip { print }
			skip && /Right alloca redzone/ { skip = 0 }' "$f" |
		    head -n 200)"
	done
	for f in "${logs[@]}"; do
		l=$(grep -m1 -aE "$H__SAN_RE" "$f" | cut -c1-200)
		digest+=("${f#"$H_LOG"/}: $l")
		((${#digest[@]} > 5)) && continue
		h_diag "=== sanitizer report in ${f#"$H_LOG"/}:" \
		    "$(grep -naE -A 40 "$H__SAN_RE" "$f" | head -n 200)"
	done
	h_diag "sanitizer reports (the first 5 in full above):" \
	    "${digest[@]}"
	return 1
}

# h__san_tap - (clean-up, after everything stopped) a failed check when
# there is a report
H__SAN_FAILED=''
h__san_tap() {
	local out
	out=$(h_san_check) && return 0
	H__SAN_FAILED=1
	h_fail "no sanitizer report from our programs (AddressSanitizer, LeakSanitizer, UBSan, ThreadSanitizer)"
	printf '%s\n' "$out"
}

h__on_signal() {
	trap '' INT TERM HUP
	h_diag "caught SIG$1: cleaning up"
	H_NFAIL=$((H_NFAIL + 1))
	h__cleanup 1
	trap - EXIT
	exit $((128 + $2))
}

h__on_exit() {
	local rc=$?
	trap '' INT TERM HUP
	h__cleanup "$rc"
	[[ -n $H__SAN_FAILED ]] && ((rc == 0)) && rc=1
	exit "$rc"
}

# h__stop_entry KIND:NAME - stop one thing the harness started
h__stop_entry() {
	local kind=${1%%:*} name=${1#*:}
	case $kind in
	postfix) h__stop_postfix "$name" ;;
	redis) h_stop_redis ;;
	sink) h_stop_sink ;;
	dovecot) h_stop_dovecot ;;
	unbound) h_stop_unbound ;;
	daemon) h_stop_daemon "$name" >/dev/null ;;
	mount) umount "$name" 2>/dev/null || umount -l "$name" ;;
	esac
}

h__cleanup() {
	local rc=${1:-0} i e dest
	[[ -n $H__CLEANED ]] && return 0
	H__CLEANED=1
	cd / || true
	# Postfix first: it talks to everything else (Dovecot, milter, policy).
	for ((i = ${#H__STACK[@]} - 1; i >= 0; i--)); do
		e=${H__STACK[i]}
		[[ $e == postfix:* ]] && h__stop_entry "$e"
	done
	for ((i = ${#H__STACK[@]} - 1; i >= 0; i--)); do
		e=${H__STACK[i]}
		[[ $e == postfix:* ]] || h__stop_entry "$e"
	done
	# one bounded wait for every orphan of a stopped master to be reaped
	((${#H__REAP[@]} > 0)) && h__wait_reaped 30 "${H__REAP[@]}"
	[[ -n $H_TMP && -d $H_TMP ]] || return 0
	# every program has exited (leak checks run at exit): any report fails
	h__san_tap
	if [[ -n ${RELAY_TEST_LOGDIR:-} && -d ${RELAY_TEST_LOGDIR:-} ]]; then
		dest=$RELAY_TEST_LOGDIR/${RELAY_TEST_NAME:-$H_NAME}.d
		rm -rf "$dest"
		if ((rc != 0 || H_NFAIL > 0)); then
			cp -r "$H_LOG" "$dest" 2>/dev/null &&
			    h_diag "logs of this run copied to $dest"
		fi
	fi
	if [[ ${RELAY_KEEP_TMP:-} == 1 ]]; then
		h_diag "kept temp dir $H_TMP (RELAY_KEEP_TMP=1)"
	elif [[ $H_TMP == /tmp/relay-it.* ]]; then
		rm -rf "$H_TMP"
	fi
}

# ---------------------------------------------------------------------------
# The servers, in files of their own
# shellcheck source=lib_postfix.sh
. "$H_LIBDIR/lib_postfix.sh"
# shellcheck source=lib_servers.sh
. "$H_LIBDIR/lib_servers.sh"
