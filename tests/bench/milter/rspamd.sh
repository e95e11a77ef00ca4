# tests/bench/milter/rspamd.sh - a private rspamd that only DKIM-signs, as a
# milter row of bench.sh (sourced; needs lib.sh and fixtures.sh loaded).
#
#   rsp_launch DIR UNIX_SOCKET TCP_PORT   write the configuration, start it
#   rsp_wait UNIX_SOCKET TCP_PORT TIMEOUT  until both listen (loading the
#                                          configuration takes 15-60 s)
#
# Copies /etc/rspamd to DIR/etc and adds override.d files (the stock
# rspamd.conf includes them last, at the highest priority):
#   - options.inc: C filters cut to "dkim" (dkim_signing calls its signer),
#     no hyperscan, tempdir and control socket under DIR, DNS pointed at a
#     closed loopback port with a short timeout (the machine has no network);
#   - worker-proxy.inc: the rspamd_proxy worker in milter mode with
#     self_scan (no separate scanner), bound to UNIX_SOCKET (mode 0666, for
#     Postfix) and 127.0.0.1:TCP_PORT; one process per core (RSP_WORKERS);
#   - worker-normal/-controller/-fuzzy.inc: count = -1 (not started) and a
#     free loopback port instead of the stock 1133x ones;
#   - MODULE.conf "enabled = false" for every module that could do DNS,
#     HTTP or Redis work or fetch maps (RSP_OFF);
#   - settings.conf: a rule for every client on 127.0.0.0/8 with
#     symbols_enabled = [DKIM_SIGNED], so a scan runs the signer only (its
#     log line says "settings_id: dkim_only" and "dns req: 0");
#   - dkim_signing.conf: the RSA key copied to DIR/keys (readable by
#     nobody only), selector rs1r for rsa.test, domain from the header From
#     (use_domain = "header", use_esld off), sign_authenticated,
#     allow_username_mismatch, no Redis, no public-key DNS check. rspamd
#     signs rsa-sha256 with an RSA key, relaxed/relaxed.
# Postfix needs no milter_protocol setting for it (the default 6 works) and
# its default milter_mail_macros carry {auth_authen}.
# Runs as nobody:nogroup in the foreground (rspamd -f), with its pid, log,
# db and run dirs under DIR, through h_start_daemon (the harness stops it).
# Sets RSP_LOG (rspamd's own log, one line per scan; stderr goes to
# $H_LOG/rspamd.log).

# Modules of rspamd 3.4 that the scan must not run (DNS, HTTP, Redis,
# maps from the network, or just CPU spent on nothing the bench measures).
RSP_OFF="antivirus arc asn aws_s3 bimi chartable clickhouse clustering dcc
dmarc dynamic_conf elastic emails external_relay external_services
force_actions forged_recipients fuzzy_check fuzzy_collect greylist hfilter
history_redis http_headers ip_score maillist maps_stats metadata_exporter
metric_exporter mid milter_headers mime_types multimap mx_check neural
once_received p0f phishing ratelimit rbl regexp replies reputation
rspamd_update spamassassin spamtrap spf trie url_redirector whitelist
bayes_expiry"

rsp_launch() {
	local dir=$1 usock=$2 tport=$3 dnsport m workers=${RSP_WORKERS:-$(nproc)}
	RSP_LOG=$dir/log/rspamd.log
	install -d -m 0755 "$dir"
	cp -a /etc/rspamd "$dir/etc" || return 1
	install -d -m 0755 "$dir/etc/override.d"
	install -d -m 0750 -o nobody -g nogroup "$dir/db" "$dir/run" "$dir/log" \
	    "$dir/keys" "$dir/tmp"
	[[ -s $FX_KEYDIR/rsa.pem ]] || return 1
	install -m 0400 -o nobody -g nogroup "$FX_KEYDIR/rsa.pem" \
	    "$dir/keys/rsa.test.rs1r.key" || return 1
	dnsport=$(h_port)	# nothing listens there

	cat >"$dir/etc/override.d/options.inc" <<EOF
filters = "dkim";
disable_hyperscan = true;
tempdir = "$dir/tmp";
control_socket = "$dir/run/rspamd.sock mode=0600";
dns {
  nameserver = ["127.0.0.1:$dnsport"];
  timeout = 100ms;
  retransmits = 1;
}
EOF
	cat >"$dir/etc/override.d/logging.inc" <<EOF
type = "file";
filename = "$RSP_LOG";
level = "info";
EOF
	cat >"$dir/etc/override.d/worker-proxy.inc" <<EOF
bind_socket = "$usock mode=0666";
bind_socket = "127.0.0.1:$tport";
milter = yes;
timeout = 120s;
count = $workers;
upstream "local" {
  default = yes;
  self_scan = yes;
}
EOF
	for m in worker-normal worker-controller worker-fuzzy; do
		printf 'bind_socket = "127.0.0.1:%s";\ncount = -1;\n' "$(h_port)" \
		    >"$dir/etc/override.d/$m.inc"
	done
	for m in $RSP_OFF; do
		echo 'enabled = false;' >"$dir/etc/override.d/$m.conf"
	done
	cat >"$dir/etc/override.d/dkim_signing.conf" <<EOF
enabled = true;
selector = "rs1r";
domain {
  rsa.test {
    path = "$dir/keys/rsa.test.rs1r.key";
    selector = "rs1r";
  }
}
use_domain = "header";
use_esld = false;
sign_authenticated = true;
sign_local = true;
allow_username_mismatch = true;
allow_hdrfrom_mismatch = false;
use_redis = false;
check_pubkey = false;
try_fallback = false;
EOF
	cat >"$dir/etc/override.d/settings.conf" <<EOF
dkim_only {
  priority = high;
  ip = "127.0.0.0/8";
  apply {
    symbols_enabled = ["DKIM_SIGNED"];
  }
}
EOF
	h_start_daemon rspamd /usr/bin/rspamd -f -u nobody -g nogroup \
	    -c "$dir/etc/rspamd.conf" -p "$dir/run/rspamd.pid" \
	    --var "CONFDIR=$dir/etc" --var "LOCAL_CONFDIR=$dir/etc" \
	    --var "DBDIR=$dir/db" --var "RUNDIR=$dir/run" \
	    --var "LOGDIR=$dir/log"
}

rsp_wait() {
	h_wait_file "$1" "$3" && h_wait_port "$2" 10
}
