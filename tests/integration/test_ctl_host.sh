#!/bin/bash
# test_ctl_host.sh - relayctl host check against a local unbound: the
# relay's sending addresses from the SPF record at relayctl.spf_include
# (networks, include: and the like named as not checked) or from the
# command line; per address its PTR record, forward-confirmed reverse DNS
# (a PTR name that resolves back to it) and, with --helo, the HELO name
# among its PTR names; with unsubscribe.return_path, the SPF record of
# the return path's domain. Missing and wrong records with their fix, exit 1;
# a DNS server that does not answer, exit 2; --json.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init ctl_host
h_need redis-server unbound unbound-control dig

CTL=$H_BUILDDIR/contrib/relayctl/relayctl
[[ -x $CTL ]] || h_bail "build relayctl first ($CTL)"
R4=2.0.192.in-addr.arpa R6=8.b.d.0.1.0.0.2.ip6.arpa
args=()
for z in relay.example "$R4" "$R6"; do
	args+=("$z" "$(h_zone_file "$z")")
done
cat >>"$H_TMP/relay.example.zone" <<'EOF'
_spf 300 IN TXT "v=spf1 ip4:192.0.2.10 ip6:2001:db8::10 ip4:198.51.100.0/24 include:_spf.other.example ~all"
_spf2 300 IN TXT "v=spf1 ip4:192.0.2.10 -all"
unsub 300 IN TXT "v=spf1 include:_spf.relay.example ~all"
unsub2 300 IN TXT "v=spf1 a -all"
mail 300 IN A 192.0.2.10
mail 300 IN AAAA 2001:db8::10
bad 300 IN A 192.0.2.99
EOF
cat >>"$H_TMP/$R4.zone" <<'EOF'
10 300 IN PTR mail.relay.example.
30 300 IN PTR bad.relay.example.
40 300 IN PTR gone.relay.example.
EOF
printf '0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0 300 IN PTR Mail.Relay.Example.\n' >>"$H_TMP/$R6.zone"
h_start_unbound "${args[@]}"
h_start_redis
fx_conf
printf 'relayctl: { spf_include = "_spf.relay.example"; };\n' >>"$FX_CONF"
ctl() { "$CTL" -c "$FX_CONF" "$@"; }

# --- the addresses of the SPF record, all in order
out=$(ctl host check); rc=$?
h_diag "$out"
h_is "SPF addresses with PTR and FCrDNS: exit 0" "$rc" 0
h_like "...the SPF record ok" "$out" 'ok +spf +_spf\.relay\.example'
h_like "...networks and include: named as not checked" "$out" 'not checked: ip4:198\.51\.100\.0/24 include:_spf\.other\.example'
h_like "...192.0.2.10: ptr ok, the name shown" "$out" $'address 192\\.0\\.2\\.10\n  ok +ptr +10\\.2\\.0\\.192\\.in-addr\\.arpa\n +mail\\.relay\\.example'
h_like "...fcrdns ok" "$out" 'ok +fcrdns +mail\.relay\.example'
h_like "...2001:db8::10 too (ip6.arpa, a PTR name in capitals)" "$out" 'address 2001:db8::10'
h_is "...four ok lines for two addresses" "$(grep -c '^  ok  *\(ptr\|fcrdns\)' <<<"$out")" 4
h_like "...result: ready" "$out" 'result: ready'

out=$(ctl --json host check --helo MAIL.relay.example.); rc=$?
h_is "--json, --helo matching (any case, a trailing dot): exit 0" "$rc" 0
h_is "...checks per address" "$(fx_jget '[[h["address"]] + [k["check"] + "=" + k["state"] for k in h["checks"]] for h in d["hosts"]]' <<<"$out")" \
    '[["192.0.2.10", "ptr=ok", "fcrdns=ok", "helo=ok"], ["2001:db8::10", "ptr=ok", "fcrdns=ok", "helo=ok"]]'
h_is "...spf, not_checked, ready" "$(fx_jget '[d["spf"]["state"], d["not_checked"], d["ready"]]' <<<"$out")" \
    '["ok", "ip4:198.51.100.0/24 include:_spf.other.example", true]'
out=$(ctl host check --helo other.relay.example 192.0.2.10); rc=$?
h_is "--helo another name: exit 0 (recommended only)" "$rc" 0
h_like "...helo wrong, with the fix" "$out" 'wrong +helo +other\.relay\.example \(recommended\)'
h_like "...names smtp_helo_name" "$out" "set Postfix's smtp_helo_name \\(or myhostname\\) to that name"

# --- addresses given: no PTR, a PTR name elsewhere, a PTR name with no A
out=$(ctl host check 192.0.2.20 192.0.2.30 192.0.2.40); rc=$?
h_diag "$out"
h_is "broken reverse DNS: exit 1" "$rc" 1
h_like "no PTR: missing, the name to publish" "$out" 'missing +ptr +20\.2\.0\.192\.in-addr\.arpa'
h_like "...the fix says whom to ask" "$out" '192\.0\.2\.20 has no reverse DNS: ask whoever runs its network \(the hosting provider\) for a PTR record at 20\.2\.0\.192\.in-addr\.arpa'
h_like "a PTR name resolving elsewhere: fcrdns wrong" "$out" $'wrong +fcrdns +bad\\.relay\\.example\n +found: +192\\.0\\.2\\.99'
h_like "a PTR name with no A record: fcrdns wrong" "$out" $'wrong +fcrdns +gone\\.relay\\.example\n +found: +no A record'
h_like "...result" "$out" 'result: records missing or wrong'

# --- the SPF record must name each given address (when it names nothing else)
sed 's/_spf\.relay\.example/_spf2.relay.example/' "$FX_CONF" >"$H_TMP/spf2.conf"
out=$("$CTL" -c "$H_TMP/spf2.conf" --json host check 192.0.2.10 2001:db8::10); rc=$?
h_is "an address not in the SPF record: exit 1" "$rc" 1
h_is "...spf wrong" "$(fx_jget 'd["spf"]["state"]' <<<"$out")" wrong
h_like "...the fix names the term to add" "$(fx_jget 'd["spf"]["fix"]' <<<"$out")" 'add ip6:2001:db8::10 before its "all"$'

# --- with unsubscribe.return_path: the SPF record of unsubscribe.domain,
# the envelope sender's domain then, includes spf_include
sed 's|^unsubscribe: {.*|unsubscribe: { domain = "unsub.relay.example"; hmac_key = "test-hmac-key-0123456789abcdef0123456789"; return_path = true; };|' \
    "$FX_CONF" >"$H_TMP/rp.conf"
out=$("$CTL" -c "$H_TMP/rp.conf" host check); rc=$?
h_is "return path domain with the include: exit 0" "$rc" 0
h_like "...its own section, ok" "$out" $'SPF record of the return path\n  ok +spf +unsub\\.relay\\.example'
sed 's/unsub\.relay\.example/unsub2.relay.example/' "$H_TMP/rp.conf" >"$H_TMP/rp2.conf"
out=$("$CTL" -c "$H_TMP/rp2.conf" --json host check); rc=$?
h_is "without the include: exit 1" "$rc" 1
h_is "...wrong, with the term to add" "$(fx_jget '[d["return_path_spf"]["state"], d["return_path_spf"]["fix"], d["ready"]]' <<<"$out")" \
    '["wrong", "add include:_spf.relay.example to this record, before its \"all\" mechanism", false]'
sed 's/unsub\.relay\.example/unsub3.relay.example/' "$H_TMP/rp.conf" >"$H_TMP/rp3.conf"
out=$("$CTL" -c "$H_TMP/rp3.conf" host check); rc=$?
h_is "no SPF record there: exit 1" "$rc" 1
h_like "...missing, and why it matters" "$out" 'publish "v=spf1 include:_spf\.relay\.example ~all" at unsub3\.relay\.example: with unsubscribe\.return_path every message.s envelope sender is b\+TOKEN@unsub3\.relay\.example'
out=$(ctl --json host check)
h_is "without return_path: not checked" "$(fx_jget 'd["return_path_spf"]' <<<"$out")" null

# --- no SPF record at spf_include, and nothing given
sed 's/_spf\.relay\.example/_none.relay.example/' "$FX_CONF" >"$H_TMP/none.conf"
out=$("$CTL" -c "$H_TMP/none.conf" host check); rc=$?
h_is "no SPF record: exit 1" "$rc" 1
h_like "...spf missing, with where" "$out" 'missing +spf +_none\.relay\.example'
h_like "...publish it" "$out" 'publish a TXT record at _none\.relay\.example naming every address the relay sends from'

# --- bad input, no spf_include, DNS down
out=$(ctl host check 300.1.1.1 2>&1); rc=$?
h_is "not an address: exit 1" "$rc" 1
h_like "...named" "$out" '300\.1\.1\.1.*not an IPv4 or IPv6 address'
out=$(ctl --json host check 192.0.2.10 --helo 2>/dev/null); rc=$?
h_is "--helo without its value: exit 1" "$rc" 1
grep -v '^relayctl:' "$FX_CONF" >"$H_TMP/noinc.conf"
out=$("$CTL" -c "$H_TMP/noinc.conf" host check 2>&1); rc=$?
h_is "nothing to check (no address, no spf_include): exit 1" "$rc" 1
h_like "...says what to give" "$out" "no address to check: give the relay's sending addresses, or set relayctl\\.spf_include"
out=$(ctl host 2>&1); rc=$?
h_is "host without check: exit 1" "$rc" 1
h_like "...usage" "$out" 'host check \[--helo NAME\] \[ADDRESS\.\.\.\]'
dead=$(h_port)
sed "s/port = $DNS_PORT;/port = $dead;/" "$FX_CONF" >"$H_TMP/dead.conf"
out=$("$CTL" -c "$H_TMP/dead.conf" --json host check 192.0.2.10); rc=$?
h_is "DNS server down: exit 2" "$rc" 2
h_is "...unknown, never missing" "$(fx_jget '[d["spf"]["state"]] + [k["state"] for k in d["hosts"][0]["checks"]]' <<<"$out")" \
    '["unknown", "unknown", "unknown"]'
h_like "relayctl -h names host check" "$("$CTL" -h)" 'host check \[--helo NAME\] \[ADDRESS\.\.\.\]'
h_done
