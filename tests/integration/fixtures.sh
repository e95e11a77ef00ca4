# tests/integration/fixtures.sh - members, domains and a relay.conf for the
# integration tests (bash, sourced after lib.sh).
#
# The program tests (milter, policyd, tracker) must not depend on relayctl,
# so these helpers write the records straight into the test Redis, exactly as
# common/SCHEMA.md describes them. When the schema changes, change it here
# too (test_fixtures_schema checks the key names against relayctl's).
#
# FUNCTIONS
#   fx_conf [FILE]           writes a relay.conf (default $H_TMP/relay.conf,
#                            exported as FX_CONF) for the running Redis (and
#                            unbound when DNS_PORT is set). Section bodies
#                            come from FX_MILTER FX_POLICYD FX_TRACKER
#                            FX_WARMING FX_SUSPENSION FX_DKIM FX_UNSUB
#                            FX_TESTING FX_DAEMON (verbatim libconfig
#                            settings, e.g. FX_POLICYD='queue_cap = 5;').
#                            FX_REDIS replaces the redis section's
#                            address (default: socket = REDIS_SOCK), FX_DNS
#                            the dns section (default: unbound's
#                            127.0.0.1 and DNS_PORT when it runs).
#                            FX_UNSUB defaults to a domain unsub.relay.test
#                            and a fixed test HMAC key.
#   fx_member HANDLE [DID]   a member (not suspended)
#   fx_suspend HANDLE REASON [admin|auto]
#   fx_domain DOMAIN HANDLE [options]
#       --unverified         verified_at = 0
#       --verified-at T      verification time (epoch s; default now - 30 d,
#                            past the warming schedule)
#       --selector S         base selector (default "rs1")
#       --rsa-only           no Ed25519 key
#       --listunsub          opt in to List-Unsubscribe
#       --forward ADDR       forward-to address for replies
#       --subdomains         subdomains allowed
#                            keys are made once per test run and reused for
#                            every domain (openssl; RSA-2048 + Ed25519)
#   fx_dkim_txt DOMAIN rsa|ed25519   prints the DKIM TXT value
#                            ("v=DKIM1; k=rsa; p=...") of the domain's key
#   fx_dkim_verify FILE DOMAIN[/rsa]...
#                            verifies the signatures of the message in FILE
#                            (dkim_verify.py) with the fixture keys
#                            published at rs1r and rs1e._domainkey.DOMAIN
#                            (rs1r only with /rsa): "pass" or "fail" for
#                            each signature, one a line
#   fx_dkim_zone DOMAIN      prints zone-file lines for both DKIM records,
#                            each TXT split into 255-byte strings, for
#                            h_start_unbound / h_dns_add
#   fx_suppress HANDLE ADDRESS [REASON]
#   fx_passwd HANDLE KEY     adds a login to the static passwd-file that
#                            fx_start_submission serves through Dovecot
#   fx_start_submission      Dovecot (passwd-file from fx_passwd) + one
#                            private Postfix with a submission listener on
#                            SUB_PORT (SASL required, relaying to the sink);
#                            FX_SUB_OPTS: extra "-o name=value" lines for the
#                            submission service (milters, policy service);
#                            FX_SUB6_PORT: the same service on ::1 too
#                            (set inet_protocols = ipv4, ipv6 in
#                            PF_MAIN_EXTRA; h_need_ipv6);
#                            PF_MAIN_EXTRA is honoured as by h_start_postfix.
#                            Start Redis and the sink first.
#   fx_checkpw_dovecot       Dovecot authenticating the members with
#                            relay-checkpw and FX_CONF (README's wiring;
#                            Dovecot's own cache off)
#   fx_suite_main MILTER POLICY
#                            prints the main.cf lines of the README for
#                            relay-milter at MILTER and relay-policyd at
#                            POLICY (unix:PATH or inet:HOST:PORT)
#   fx_submission PORT NAME [HOST]
#                            prints the master.cf lines of a submission
#                            service on HOST:PORT (default 127.0.0.1; syslog
#                            name postfix-NAME/submission) with Dovecot SASL
#   fx_need_milter [verify] skip the test without relay-milter (and, with
#                            verify, without python3-dkim and python3-nacl)
#   fx_milter_unix [EXTRA], fx_milter_inet [EXTRA]
#                            relay-milter's socket (MSOCK, or MPORT on
#                            127.0.0.1) and FX_MILTER, before fx_conf
#   fx_start_milter_unix [ARGS...], fx_start_milter_inet [ARGS...]
#                            start it with FX_CONF, wait until it listens,
#                            and set FX_SUB_OPTS for fx_start_submission
#   fx_suite_bins [PROGRAM...]
#                            bails unless the suite's programs (and each
#                            PROGRAM, a path under the build directory)
#                            are built; sets B (the build directory) and
#                            CTL (relayctl)
#   fx_start_replica         Redis A (h_start_redis tcp: A_SOCK, A_PORT)
#                            and B, its replica (daemon redisb: B_SOCK,
#                            B_PORT), once B has A's data
#   fx_suite_conf NODE [LISTEN]
#                            FX_CONF (fx_conf, readable by all) for
#                            fx_start_suite: relay-milter and relay-policyd
#                            on unix sockets in RUN (made here), policyd
#                            also on LISTEN, relay-tracker on PF_MAILLOG as
#                            node NODE
#   fx_start_suite           the README's whole suite on one private
#                            Postfix: relay-milter and relay-policyd on
#                            unix sockets in RUN, Dovecot with
#                            relay-checkpw, the submission service on
#                            SUB_PORT through both, relay-tracker on
#                            PF_MAILLOG; FX_SUITE_MAIN, FX_SUITE_MASTER:
#                            more main.cf lines, more -o lines
#   fx_start_tracker         relay-tracker ($TRACKER) on PF_MAILLOG (after
#                            Postfix started), FX_CONF written again with it
#   fx_unsub_postfix MPORT UNSUB
#                            PF_MAIN_EXTRA and FX_SUB_OPTS (call before
#                            fx_start_submission): submission through
#                            relay-milter on 127.0.0.1:MPORT, and the lines
#                            of contrib/postfix/unsub.cf: unsub+, fbl@ and
#                            b+ of unsub.relay.test to relay-unsub (UNSUB)
#                            with FX_CONF
#   fx_sendmail_smtp         $H_BIN/sendmail-smtp (after Postfix started):
#                            relay-unsub -b's sendmail, which hands the
#                            forward to the private Postfix over SMTP
#   fx_jget EXPR             parse stdin as JSON (fails on anything else)
#                            and print the Python EXPR of it, d being the
#                            document (lists, dicts, booleans as JSON)
#   fx_send FROM TO [SWAKS-ARGS...]  swaks through SUB_PORT with AUTH as
#                            FX_USER/FX_PASS (set them first)
#   fx_policyd_bins          PD (relay-policyd), CLIENT (policyd_client)
#   fx_policy_requests       REQ, AUTH, DEFER and raw ARGS for tests of the
#                            policy protocol on PPORT
#
# VARIABLES
#   FX_CONF  FX_KEYDIR (rsa.pem ed25519.pem and their public halves)
#   SUB_PORT FX_PASSWD

fx__now() { date +%s; }

fx_conf() {
	FX_CONF=${1:-$H_TMP/relay.conf}
	local dns=${FX_DNS:-} redis=${FX_REDIS:-}
	# (a default with double quotes inside ${...:-} loses them in a here-doc)
	local unsub=${FX_UNSUB:-'domain = "unsub.relay.test"; hmac_key = "test-hmac-key-0123456789abcdef0123456789";'}
	if [[ -z $dns && -n ${DNS_PORT:-} ]]; then
		dns="nameserver = \"127.0.0.1\"; port = $DNS_PORT;"
	fi
	[[ -n $redis ]] || redis="socket = \"$REDIS_SOCK\";"
	cat >"$FX_CONF" <<EOF
# relay.conf for test $H_NAME (fixtures.sh)
redis: { $redis timeout_ms = 500;
         reconnect_min_ms = 50; reconnect_max_ms = 500; };
daemon: { ${FX_DAEMON:-} };
milter: { ${FX_MILTER:-} };
policyd: { ${FX_POLICYD:-} };
tracker: { ${FX_TRACKER:-} };
dns: { $dns };
warming: { ${FX_WARMING:-} };
suspension: { ${FX_SUSPENSION:-} };
dkim: { ${FX_DKIM:-} };
unsubscribe: { $unsub };
testing: { ${FX_TESTING:-} };
EOF
	# as installed (README): it holds secrets, so no warning about that
	chmod 0640 "$FX_CONF"
	export FX_CONF
}

fx_member() {
	local h=$1 did=${2:-did:plc:${1//[^a-z0-9]/}}
	# as relayctl would have: its first command sets the schema version
	h_redis_cli SET relay:schema 1 NX >/dev/null || return 1
	h_redis_cli HSET "relay:{m:$h}:member" did "$did" created "$(fx__now)" \
	    suspended 0 >/dev/null || return 1
	h_redis_cli SADD relay:members "$h" >/dev/null
}

fx_suspend() {
	h_redis_cli HSET "relay:{m:$1}:member" suspended 1 \
	    suspend_reason "$2" suspended_by "${3:-admin}" \
	    suspended_at "$(fx__now)" >/dev/null
}

# fx__keys - one RSA and one Ed25519 key per test (made on first use)
fx__keys() {
	FX_KEYDIR=$H_TMP/dkimkeys
	[[ -s $FX_KEYDIR/ed25519.pub.der ]] && return 0
	install -d -m 0700 "$FX_KEYDIR"
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
	    -out "$FX_KEYDIR/rsa.pem" 2>/dev/null &&
	openssl pkey -in "$FX_KEYDIR/rsa.pem" -pubout -outform DER \
	    -out "$FX_KEYDIR/rsa.pub.der" 2>/dev/null &&
	openssl genpkey -algorithm ED25519 -out "$FX_KEYDIR/ed25519.pem" \
	    2>/dev/null &&
	openssl pkey -in "$FX_KEYDIR/ed25519.pem" -pubout -outform DER \
	    -out "$FX_KEYDIR/ed25519.pub.der" 2>/dev/null ||
	    h_bail "fixtures: openssl could not make DKIM keys"
	export FX_KEYDIR
}

fx_domain() {
	local d=$1 h=$2 ver sel=rs1 ed=1 lu=0 fwd= sub=0
	ver=$(($(fx__now) - 30 * 86400))
	shift 2
	while (($#)); do
		case $1 in
		--unverified) ver=0 ;;
		--verified-at) ver=$2; shift ;;
		--selector) sel=$2; shift ;;
		--rsa-only) ed=0 ;;
		--listunsub) lu=1 ;;
		--forward) fwd=$2; shift ;;
		--subdomains) sub=1 ;;
		*) h_bail "fx_domain: unknown option $1" ;;
		esac
		shift
	done
	fx__keys
	h_redis_cli HSET "relay:{d:$d}:domain" member "$h" \
	    created "$(fx__now)" token "fixture-$d" \
	    verified_at "$ver" selector "$sel" subdomains "$sub" \
	    listunsub "$lu" forward_to "$fwd" >/dev/null || return 1
	h_redis_cli DEL "relay:{d:$d}:dkim" >/dev/null
	h_redis_cli -x HSET "relay:{d:$d}:dkim" "$sel:rsa" \
	    <"$FX_KEYDIR/rsa.pem" >/dev/null
	if ((ed)); then
		h_redis_cli -x HSET "relay:{d:$d}:dkim" "$sel:ed25519" \
		    <"$FX_KEYDIR/ed25519.pem" >/dev/null
	fi
	h_redis_cli HSET "relay:{d:$d}:dkim" "$sel:created" "$(fx__now)" \
	    >/dev/null
	h_redis_cli SADD relay:domains "$d" >/dev/null
	h_redis_cli SADD "relay:{m:$h}:domains" "$d" >/dev/null
}

fx_dkim_verify() {
	local f=$1 d rsa ed
	local -a k=()
	shift
	rsa=$(fx_dkim_txt x rsa) ed=$(fx_dkim_txt x ed25519)
	for d in "$@"; do
		k+=(--key "rs1r._domainkey.${d%/rsa}=$rsa")
		[[ $d == */rsa ]] || k+=(--key "rs1e._domainkey.$d=$ed")
	done
	"$H_PYTHON" "$H_LIBDIR/dkim_verify.py" "${k[@]}" <"$f" |
	    grep -v '^#' | cut -d' ' -f1
}

fx_dkim_txt() {
	fx__keys
	case $2 in
	rsa)	printf 'v=DKIM1; k=rsa; p=%s\n' \
		    "$(base64 -w0 <"$FX_KEYDIR/rsa.pub.der")" ;;
	# RFC 8463: p= is the raw 32-byte key, the last 32 bytes of the SPKI
	ed25519) printf 'v=DKIM1; k=ed25519; p=%s\n' \
		    "$(tail -c 32 "$FX_KEYDIR/ed25519.pub.der" | base64 -w0)" ;;
	*)	h_bail "fx_dkim_txt: rsa or ed25519" ;;
	esac
}

# fx__split - a TXT value as "..." "..." strings of at most 255 bytes
fx__split() {
	local v=$1 out=
	while ((${#v} > 255)); do
		out+="\"${v:0:255}\" "
		v=${v:255}
	done
	printf '%s"%s"\n' "$out" "$v"
}

fx_dkim_zone() {
	local d=$1 sel
	sel=$(h_redis_cli HGET "relay:{d:$d}:domain" selector)
	printf '%sr._domainkey.%s. 300 IN TXT %s\n' "$sel" "$d" \
	    "$(fx__split "$(fx_dkim_txt "$d" rsa)")"
	printf '%se._domainkey.%s. 300 IN TXT %s\n' "$sel" "$d" \
	    "$(fx__split "$(fx_dkim_txt "$d" ed25519)")"
}

fx_suppress() {
	h_redis_cli HSET "relay:{m:$1}:suppress" "$2" \
	    "{\"reason\":\"${3:-manual}\",\"at\":$(fx__now)}" >/dev/null
}

# fx_suppress_reason HANDLE ADDRESS - the reason of ADDRESS's entry on the
# member's suppression list, "" when it has none
fx_suppress_reason() {
	h_redis_cli HGET "relay:{m:$1}:suppress" "$2" |
	    /usr/bin/python3 -c 'import json,sys
s=sys.stdin.read().strip()
print(json.loads(s).get("reason","") if s else "")'
}

# fx_policyd_bins - PD (relay-policyd) and CLIENT (policyd_client), built
fx_policyd_bins() {
	PD=$H_BUILDDIR/policyd/relay-policyd
	CLIENT=$H_BUILDDIR/tests/integration/policyd_client
	[[ -x $PD && -x $CLIENT ]] ||
	    h_bail "build relay-policyd and policyd_client first"
}

# fx_policy_requests - for tests of the policy protocol (after
# fx_policyd_bins; PPORT the policy port): REQ (an unauthenticated RCPT),
# AUTH (alice's MAIL FROM), DEFER (a regex: the answer to a bad request),
# and raw ARGS: stdin to relay-policyd on PPORT, the transcript out
fx_policy_requests() {
	REQ='request=smtpd_access_policy
protocol_state=RCPT
sender=x@outside.test
recipient=r@alice.test
'
	AUTH='request=smtpd_access_policy
protocol_state=MAIL
sasl_username=alice
sender=a@alice.test
'
	DEFER='action=451 4\.4\.2 Queue full or transient submission error: bad policy request'
	raw() { "$CLIENT" raw "$PPORT" "$@"; }
}

# fx_need_milter [verify] - skip the test when relay-milter is not built;
# with verify, also without python3-dkim and python3-nacl (fx_dkim_verify)
fx_need_milter() {
	[[ -x $H_BUILDDIR/milter/relay-milter ]] ||
	    h_skip_all "relay-milter not built"
	[[ ${1:-} != verify ]] ||
	    /usr/bin/python3 -c 'import dkim, nacl' 2>/dev/null ||
	    h_skip_all "python3-dkim and python3-nacl needed to verify signatures"
}

# fx_milter_unix [EXTRA] - relay-milter on a unix socket: MSOCK, its
# directory and FX_MILTER (call before fx_conf; EXTRA: more settings of
# the milter section). relay-milter runs as root here and makes
# the socket 0660: the directory's group is postfix, and setgid so that
# the socket gets that group too, as /run/relay and its sockets are group
# relay with postfix in it.
fx_milter_unix() {
	MSOCK=$H_TMP/milter/milter.sock
	install -d -m 2750 -g postfix "$H_TMP/milter"
	FX_MILTER="socket = \"unix:$MSOCK\";${1:+ $1}"
}

# fx_milter_inet [EXTRA] - relay-milter on 127.0.0.1:MPORT (a free port)
# instead: MPORT and FX_MILTER
fx_milter_inet() {
	MPORT=$(h_port) || h_bail "no free port for relay-milter"
	FX_MILTER="socket = \"inet:$MPORT@127.0.0.1\";${1:+ $1}"
}

# fx__milter_sub_opts SPEC - FX_SUB_OPTS for a submission service whose
# milter is SPEC (Postfix's form), as contrib/postfix/milter.cf sets it
fx__milter_sub_opts() {
	FX_SUB_OPTS="  -o smtpd_milters=$1
  -o milter_default_action=tempfail
  -o local_header_rewrite_clients="
}

# fx_start_milter_unix [ARGS...] - start it (daemon "milter") with FX_CONF
# and more arguments, wait for the socket, and set FX_SUB_OPTS so that the
# submission service (fx_start_submission) uses it
fx_start_milter_unix() {
	h_start_daemon milter "$H_BUILDDIR/milter/relay-milter" -f "$@" \
	    -c "$FX_CONF"
	h_wait_file "$MSOCK" 10 ||
	    h_bail "relay-milter did not listen: $(cat "$H_LOG/milter.log")"
	fx__milter_sub_opts "unix:$MSOCK"
}

# fx_start_milter_inet [ARGS...] - the same for fx_milter_inet's port
fx_start_milter_inet() {
	h_start_daemon milter "$H_BUILDDIR/milter/relay-milter" -f "$@" \
	    -c "$FX_CONF"
	h_wait_port "$MPORT" 10 ||
	    h_bail "relay-milter did not listen: $(cat "$H_LOG/milter.log")"
	fx__milter_sub_opts "inet:127.0.0.1:$MPORT"
}

fx_unsub_postfix() {
	PF_MAIN_EXTRA='relay_domains = unsub.relay.test
transport_maps = inline:{ fbl@unsub.relay.test=complaint:,
    b@unsub.relay.test=retpath:, unsub.relay.test=unsub: }
recipient_delimiter = +
unsub_destination_recipient_limit = 1
retpath_destination_recipient_limit = 1'
	fx__milter_sub_opts "inet:127.0.0.1:$1"
	FX_SUB_OPTS="$FX_SUB_OPTS
unsub     unix  -       n       n       -       -       pipe
  flags=Rq user=nobody argv=$2 -c $FX_CONF -- \${extension} \${sender}
complaint unix  -       n       n       -       -       pipe
  flags=Rq user=nobody argv=$2 -c $FX_CONF -r
retpath   unix  -       n       n       -       -       pipe
  flags=Rq user=nobody argv=$2 -c $FX_CONF -b -- \${extension}"
}

# fx_start_tracker - relay-tracker (daemon "tracker", TRACKER) following
# the private Postfix's log: FX_CONF written again with it (readable by all)
fx_start_tracker() {
	FX_TRACKER="maillog = \"$PF_MAILLOG\"; poll_ms = 50;"
	fx_conf "$FX_CONF"
	chmod 0644 "$FX_CONF"
	h_start_daemon tracker "$TRACKER" -f -c "$FX_CONF"
}

# A private Postfix instance's postdrop takes no MAIL_CONFIG that
# /etc/postfix/main.cf does not list (alternate_config_directories):
# relay-unsub -b runs "sendmail -i -f <> -- RCPT", and this one hands the
# message to the instance over SMTP instead.
fx_sendmail_smtp() {
	cat >"$H_BIN/sendmail-smtp" <<SH
#!/bin/sh
for a; do rcpt=\$a; done
exec swaks --server 127.0.0.1:$PF_SMTPD_PORT --timeout 15 --from '<>' \\
    --to "\$rcpt" --data - >/dev/null
SH
	chmod 0755 "$H_BIN/sendmail-smtp"
}

fx_passwd() {
	FX_PASSWD=${FX_PASSWD:-$H_TMP/dovecot-passwd}
	printf '%s:{PLAIN}%s\n' "$1" "$2" >>"$FX_PASSWD"
	chmod 0644 "$FX_PASSWD"
	export FX_PASSWD
}

fx_start_submission() {
	[[ -n ${FX_PASSWD:-} ]] || h_bail "fx_start_submission: fx_passwd first"
	h_start_dovecot passdb "  driver = passwd-file
  args = scheme=PLAIN username_format=%Lu $FX_PASSWD"
	SUB_PORT=$(h_port) || h_bail "no free port for submission"
	export SUB_PORT
	PF_MASTER_EXTRA="$(fx_submission "$SUB_PORT" pf)
${FX_SUB_OPTS:-}"
	[[ -z ${FX_SUB6_PORT:-} ]] || PF_MASTER_EXTRA="$PF_MASTER_EXTRA
$(fx_submission "$FX_SUB6_PORT" pf '[::1]')
${FX_SUB_OPTS:-}"
	h_start_postfix
	h_wait_port "$SUB_PORT" 10 || h_bail "submission port did not open"
	[[ -z ${FX_SUB6_PORT:-} ]] || h_wait_port "$FX_SUB6_PORT" 10 ||
	    h_bail "submission port on ::1 did not open"
}

fx_submission() {	# fx_submission PORT NAME [HOST]
	printf '%s\n' "${3:-127.0.0.1}:$1 inet n - n - - smtpd
  -o syslog_name=postfix-$2/submission
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_sasl_type=dovecot
  -o smtpd_sasl_path=$DV_AUTH_SOCK
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject"
}

fx_suite_main() {
	printf '%s\n' "smtpd_milters = $1
non_smtpd_milters =
milter_default_action = tempfail
local_header_rewrite_clients =
smtpd_sender_restrictions =
    check_policy_service { $2, policy_context=mail }
smtpd_recipient_restrictions =
    check_policy_service { $2, policy_context=rcpt }, permit
smtpd_policy_service_default_action = 451 4.4.2 Queue full or transient submission error"
}

fx_suite_bins() {
	local p
	B=$H_BUILDDIR
	for p in milter/relay-milter policyd/relay-policyd \
	    policyd/relay-tracker contrib/relayctl/relayctl \
	    contrib/checkpw/relay-checkpw "$@"; do
		[[ -x $B/$p ]] || h_bail "$p not built"
	done
	CTL=$B/contrib/relayctl/relayctl
}

# fx_start_replica - Redis A (the harness's, also on TCP: A_SOCK, A_PORT)
# and B, its replica (B_SOCK, B_PORT); ra and rb run redis-cli on each
ra() { redis-cli -s "$A_SOCK" "$@"; }
rb() { redis-cli -s "$B_SOCK" "$@"; }
fx_start_replica() {
	h_start_redis tcp
	A_SOCK=$REDIS_SOCK A_PORT=$REDIS_PORT
	B_SOCK=$H_TMP/redis-b/redis.sock B_PORT=$(h_port)
	install -d -m 0755 "$H_TMP/redis-b"
	h_start_daemon redisb redis-server --bind 127.0.0.1 --port "$B_PORT" \
	    --unixsocket "$B_SOCK" --unixsocketperm 777 --dir "$H_TMP/redis-b" \
	    --save '' --appendonly no --replicaof 127.0.0.1 "$A_PORT"
	h_wait_for 20 bash -c "redis-cli -s '$B_SOCK' INFO replication |
	    grep -q master_link_status:up" || h_bail "B does not replicate A"
}

# fx_start_sentinel - one Redis Sentinel (S_PORT) watching A as "relay",
# once it names A and knows B (a failover needs both); FX_REDIS leads
# the programs to it
fx_start_sentinel() {
	S_DIR=$H_TMP/sentinel S_PORT=$(h_port)
	install -d -m 0755 "$S_DIR"
	cat >"$S_DIR/sentinel.conf" <<EOF
bind 127.0.0.1
port $S_PORT
dir $S_DIR
sentinel monitor relay 127.0.0.1 $A_PORT 1
sentinel down-after-milliseconds relay 2000
sentinel failover-timeout relay 10000
EOF
	h_start_daemon sentinel redis-server "$S_DIR/sentinel.conf" --sentinel
	h_wait_for 10 fx_sentinel_names "$A_PORT" ||
	    h_bail "the sentinel does not name A"
	# the sentinel learns of B from A's INFO
	h_wait_for 20 bash -c "redis-cli -p $S_PORT SENTINEL replicas relay |
	    grep -qx $B_PORT" || h_bail "the sentinel does not know B"
	FX_REDIS="sentinels = [ \"127.0.0.1:$S_PORT\" ]; sentinel_master = \"relay\";"
}

# fx_sentinel_names PORT - the sentinel names the primary at PORT
fx_sentinel_names() {
	[[ $(redis-cli -p "$S_PORT" SENTINEL get-master-addr-by-name relay \
	    2>/dev/null | sed -n 2p) == "$1" ]]
}

# The daemons run as root here and make their sockets 0660, so RUN's group
# is postfix, setgid so that the sockets get it too (/run/relay and its
# sockets are group relay, with postfix in it); relay-checkpw reads
# FX_CONF as user dovecot.
fx_suite_conf() {
	RUN=$H_TMP/run
	install -d -m 2750 -g postfix "$RUN"
	PF_MAILLOG=$H_LOG/postfix-pf.maillog	# h_start_postfix's, for "pf"
	FX_MILTER="socket = \"unix:$RUN/milter.sock\";"
	FX_POLICYD="listen = [ \"unix:$RUN/policy.sock\"${2:+, \"$2\"} ];
    socketmap = [ ];"
	FX_TRACKER="maillog = \"$PF_MAILLOG\"; node = \"$1\"; poll_ms = 50;"
	fx_conf
	chmod 0644 "$FX_CONF"
}

fx_start_suite() {
	local b=$H_BUILDDIR
	h_start_daemon milter "$b/milter/relay-milter" -f -c "$FX_CONF"
	h_start_daemon policyd "$b/policyd/relay-policyd" -f -c "$FX_CONF"
	h_wait_file "$RUN/milter.sock" 10 && h_wait_file "$RUN/policy.sock" 10 ||
	    h_bail "relay-milter or relay-policyd did not listen"
	fx_checkpw_dovecot
	SUB_PORT=$(h_port) || h_bail "no free port for submission"
	PF_MAIN_EXTRA="$(fx_suite_main "unix:$RUN/milter.sock" \
	    "unix:$RUN/policy.sock")${FX_SUITE_MAIN:+
$FX_SUITE_MAIN}"
	PF_MASTER_EXTRA="$(fx_submission "$SUB_PORT" pf)
  -o smtpd_delay_reject=no${FX_SUITE_MASTER:+
$FX_SUITE_MASTER}"
	h_start_postfix
	h_wait_port "$SUB_PORT" 10 || h_bail "submission did not listen"
	h_start_daemon tracker "$b/policyd/relay-tracker" -f -c "$FX_CONF"
}

# relay-checkpw runs as user dovecot: the program and a wrapper naming
# FX_CONF go into H_BIN, which it reaches
fx_checkpw_dovecot() {
	install -m 0755 "$H_BUILDDIR/contrib/checkpw/relay-checkpw" \
	    "$H_BIN/relay-checkpw"
	printf '#!/bin/sh\nexec %s -c %s "$@"\n' "$H_BIN/relay-checkpw" \
	    "$FX_CONF" >"$H_BIN/checkpw"
	chmod 0755 "$H_BIN/checkpw"
	DV_CONF_EXTRA='auth_username_format = %Lu
auth_cache_size = 0'
	h_start_dovecot checkpassword "$H_BIN/checkpw"
}

fx_send() {
	local from=$1 to=$2
	shift 2
	h_swaks --server "127.0.0.1:$SUB_PORT" --auth PLAIN \
	    --auth-user "$FX_USER" --auth-password="$FX_PASS" \
	    --from "$from" --to "$to" "$@"
}

# fx_message HANDLE QID SENDER RCPT[,RCPT...] [MESSAGE-ID] - the records
# relay-milter writes at end of data for an accepted message (SCHEMA.md,
# "Who writes what", step 4), for tests that must not wait for the milter:
# relay:{m:H}:msg:QID (domain, sender, rcpts as a JSON array, message_id,
# accepted; TTL 30 d), QID in relay:{m:H}:inflight and :recent,
# relay:{q:QID}:qid = H (TTL 7 d), "H QID" in relay:{x:SHA256}:msgid.
# Addresses are taken as given (pass them normalised: lower case).
fx_message() {
	local h=$1 qid=$2 sender=$3 rcpts=$4 mid=${5:-<$2@fixture.test>}
	local now json='' r sha
	now=$(fx__now)
	for r in ${rcpts//,/ }; do
		json+="${json:+,}\"$r\""
	done
	sha=$(printf '%s' "$mid" | sha256sum | cut -d' ' -f1)
	h_redis_cli HSET "relay:{m:$h}:msg:$qid" domain "${sender#*@}" \
	    sender "$sender" rcpts "[$json]" message_id "$mid" \
	    accepted "$now" >/dev/null || return 1
	h_redis_cli EXPIRE "relay:{m:$h}:msg:$qid" $((30 * 86400)) >/dev/null
	h_redis_cli ZADD "relay:{m:$h}:inflight" "$now" "$qid" >/dev/null
	h_redis_cli ZADD "relay:{m:$h}:recent" "$now" "$qid" >/dev/null
	h_redis_cli SET "relay:{q:$qid}:qid" "$h" EX $((7 * 86400)) >/dev/null
	h_redis_cli SADD "relay:{x:$sha}:msgid" "$h $qid" >/dev/null
	h_redis_cli EXPIRE "relay:{x:$sha}:msgid" $((30 * 86400)) >/dev/null
}

# Helpers of the tracker tests (a private Postfix held at DATA, the
# milter's records written by fx_message, relay-tracker following).
# fx_held_send FROM RCPTS [SUBJECT] - submit; prints the queue id
fx_held_send() {
	local out
	out=$(h_swaks --from "$1" --to "$2" --header "Subject: ${3:-tracker}" 2>&1)
	[[ $out =~ queued\ as\ ([0-9A-Za-z]+) ]] || return 1
	echo "${BASH_REMATCH[1]}"
}
# fx_rfield HANDLE QID ADDR FIELD - one field of a recipient's status JSON
fx_rfield() {
	h_redis_cli HGET "relay:{m:$1}:msg:$2" "r:$3" |
	    "$H_PYTHON" -c 'import json,sys
s=sys.stdin.read().strip()
print(json.loads(s).get(sys.argv[1],"") if s else "")' "$4"
}
# fx_outcomes HANDLE s|b - the sum of the bounce window's buckets
fx_outcomes() {
	h_redis_cli HGETALL "relay:{m:$1}:outcomes" |
	    awk -v p="$2:" 'NR % 2 == 1 { k = $0; next } index(k, p) == 1 { n += $0 } END { print n + 0 }'
}
# fx_caught_up - the tracker's saved position is the end of $PF_MAILLOG
fx_caught_up() {
	local off size
	off=$(h_redis_cli HGET 'relay:{n:default}:tracker_pos' offset)
	size=$(stat -c %s "$PF_MAILLOG")
	[[ -n $off && $off == "$size" ]]
}
# fx_release - release the held messages and deliver them now
fx_release() {
	h_pf postsuper -H ALL >/dev/null 2>&1
	h_pf_flush
}

fx_jget() {
	"$H_PYTHON" -c 'import json, sys
d = json.load(sys.stdin)
v = eval(sys.argv[1])
print(json.dumps(v, sort_keys=True) if isinstance(v, (dict, list, bool)) or v is None else v)' "$1"
}
