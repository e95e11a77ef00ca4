#!/bin/bash
# test_ctl_answers.sh - relayctl domain verify against DNS answers shaped
# as real zones give them. CNAMEs, through a recursive resolver: keys
# delegated to the provider's zone (the way SES, SendGrid and Mailgun have
# members publish DKIM), DMARC to a reporting service; a CNAME whose
# target has no record (NXDOMAIN, or a name with no TXT) is "missing" with
# the target named as where to publish; the key at the target verifies
# the domain; a wrong key at the target is "wrong", and the fix names the
# target. Then the same zones from an authoritative server (dns.nameserver
# naming one), which answers a CNAME into another zone with the CNAME
# alone: relayctl follows it itself, a loop ends. And an apex crowded with
# TXT records (site verifications of a dozen services), ours among them.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init ctl_answers
h_need redis-server unbound unbound-control dig openssl

CTL=$H_BUILDDIR/contrib/relayctl/relayctl
[[ -x $CTL ]] || h_bail "build relayctl first ($CTL)"
ctl() { "$CTL" -c "$FX_CONF" "$@"; }
args=()
for z in cn.example keys.example; do
	args+=("$z" "$(h_zone_file "$z")")
done
printf 'exists 300 IN TXT "something else"\n' >>"$H_TMP/keys.example.zone"
h_start_unbound --recursive "${args[@]}"
h_start_redis
FX_DKIM='selector_prefix = "rs";'
fx_conf
printf 'relayctl: { spf_include = "_spf.relay.example"; };\n' >>"$FX_CONF"
ctl member add alice --did did:plc:abcdefghijklmnopqrstuvwx >/dev/null
ctl domain add cn.example --member alice >/dev/null
sel=$(h_redis_cli HGET 'relay:{d:cn.example}:domain' selector)
rname=${sel}r._domainkey.cn.example ename=${sel}e._domainkey.cn.example
rtarget=${sel}r.cn-example.dkim.keys.example
etarget=${sel}e.cn-example.dkim.keys.example
# records VALUE-OF - the value domain records prints for NAME (one line)
records() { ctl domain records cn.example | grep "^$1\\. " | sed 's/^[^ ]* [0-9]* IN TXT //'; }
rsa_rec=$(records "$rname") ed_rec=$(records "$ename")
# the ownership, SPF and DMARC records as printed; both keys as CNAMEs:
# the RSA one to a name that does not exist, the Ed25519 one to a name
# that exists without a TXT record of its own
h_dns_publish cn.example "$(ctl domain records cn.example | grep -v '^;' | grep -v '_domainkey')
${sel}r._domainkey 300 IN CNAME $rtarget.
${sel}e._domainkey 300 IN CNAME $etarget."
h_dns_publish keys.example "$etarget. 300 IN MX 10 mx.keys.example."
h_like "the resolver follows the CNAME: NXDOMAIN at its end" \
    "$(h_dig TXT "$rname")" "status: NXDOMAIN"
h_like "...with the CNAME in the answer" "$(h_dig +short TXT "$rname")" "^$rtarget\\.\$"

# state CHECK - the state of one check in --json output
state() { fx_jget "[c[\"state\"] for c in d[\"checks\"] if c[\"check\"] == \"$1\"][0]" <<<"$out"; }
field() { fx_jget "[c[\"$2\"] for c in d[\"checks\"] if c[\"check\"] == \"$1\"][0]" <<<"$out"; }
out=$(ctl --json domain verify cn.example); rc=$?
h_is "keys behind CNAMEs that lead nowhere: exit 1" "$rc" 1
h_is "...dkim-rsa missing (NXDOMAIN behind the CNAME)" "$(state dkim-rsa)" missing
h_is "...found names the CNAME's target" "$(field dkim-rsa found)" "CNAME to $rtarget, which has no TXT record"
h_like "...fix: publish at the target" "$(field dkim-rsa fix)" "^$rname is an alias \\(CNAME\\) for $rtarget, where no TXT record is published: publish the value below at $rtarget"
h_like "...or replace the CNAME, never a TXT beside it" "$(field dkim-rsa fix)" "or replace the CNAME at $rname by a TXT record"
h_is "...dkim-ed25519 missing (a name without TXT behind the CNAME)" "$(state dkim-ed25519)" missing
h_is "...found names its target" "$(field dkim-ed25519 found)" "CNAME to $etarget, which has no TXT record"
h_is "...ownership ok" "$(state ownership)" ok
h_is "not verified" "$(h_redis_cli HGET 'relay:{d:cn.example}:domain' verified_at)" 0
h_like "text: the found line" "$(ctl domain verify cn.example)" "found: +CNAME to $rtarget, which has no TXT record"

# the provider publishes the keys at the targets
h_dns_publish keys.example "$rtarget. 300 IN TXT $rsa_rec
$etarget. 300 IN TXT $ed_rec"
out=$(ctl --json domain verify cn.example); rc=$?
h_is "both keys at the CNAMEs' targets: exit 0" "$rc" 0
h_is "...every check ok" "$(fx_jget '[c["check"] + "=" + c["state"] for c in d["checks"]]' <<<"$out")" \
    '["ownership=ok", "dkim-rsa=ok", "dkim-ed25519=ok", "spf=ok", "dmarc=ok"]'
h_like "...verified" "$(h_redis_cli HGET 'relay:{d:cn.example}:domain' verified_at)" '^[0-9]{10}$'

# a key at the target that is not ours (the provider's zone holds an old key)
ctl domain rotate-key cn.example >/dev/null
nsel=$(h_redis_cli HGET 'relay:{d:cn.example}:domain' next_selector)
if [[ -n $nsel ]]; then
	h_dns_publish cn.example "${nsel}r._domainkey 300 IN CNAME $rtarget.
${nsel}e._domainkey 300 IN CNAME ${nsel}e.cn-example.dkim.keys.example."
	out=$(ctl --json domain verify cn.example)
	h_is "rotation: the new selector's CNAME to the old key: dkim-rsa-next wrong" \
	    "$(fx_jget '[c["state"] for c in d["checks"] if c["check"] == "dkim-rsa-next"][0]' <<<"$out")" wrong
	h_like "...the fix says where the record is" \
	    "$(fx_jget '[c["fix"] for c in d["checks"] if c["check"] == "dkim-rsa-next"][0]' <<<"$out")" \
	    "The record is at $rtarget \\(${nsel}r\\._domainkey\\.cn\\.example is a CNAME to it\\): change it there"
else
	h_fail "rotate-key set no next_selector"
fi

# DMARC delegated to a reporting service's zone
sed -i '/^_dmarc/d' "$DNS_DIR/cn.example.zone"
h_dns_publish cn.example "_dmarc 300 IN CNAME cn-example.dmarc.keys.example."
out=$(ctl --json domain verify cn.example)
h_is "DMARC behind a CNAME to nothing: missing" "$(state dmarc)" missing
h_dns_publish keys.example 'cn-example.dmarc.keys.example. 300 IN TXT "v=DMARC1; p=none; rua=mailto:r@keys.example"'
out=$(ctl --json domain verify cn.example)
h_is "...the record at its target: ok" "$(state dmarc)" ok
h_like "...found is the record" "$(field dmarc found)" '^v=DMARC1; p=none; rua='

# --- the same zones served authoritatively
for z in cn.example keys.example; do
	cp "$DNS_DIR/$z.zone" "$H_TMP/$z.zone"
done
h_stop_unbound
h_start_unbound cn.example "$H_TMP/cn.example.zone" keys.example "$H_TMP/keys.example.zone"
sed -i "s/port = [0-9]*;/port = $DNS_PORT;/" "$FX_CONF"
h_is "authoritative: the answer is the CNAME alone" \
    "$(h_dig +short TXT "$ename")" "$etarget."
out=$(ctl --json domain verify cn.example); rc=$?
h_is "authoritative: relayctl follows the CNAMEs itself: exit 0" "$rc" 0
h_is "...both keys and DMARC ok" \
    "$(fx_jget '[c["check"] + "=" + c["state"] for c in d["checks"] if c["check"] in ("dkim-rsa", "dkim-ed25519", "dmarc")]' <<<"$out")" \
    '["dkim-rsa=ok", "dkim-ed25519=ok", "dmarc=ok"]'
h_like "...a CNAME to a name that is not there: missing, target named" \
    "$(fx_jget '[c["found"] for c in d["checks"] if c["check"] == "dkim-ed25519-next"][0]' <<<"$out")" \
    "^CNAME to ${nsel}e\\.cn-example\\.dkim\\.keys\\.example, which has no TXT record\$"
# a CNAME loop between the zones ends (after a few hops) as missing
sed -i '/^_dmarc/d' "$DNS_DIR/cn.example.zone"
h_dns_publish cn.example "_dmarc 300 IN CNAME loop.keys.example."
h_dns_publish keys.example "loop.keys.example. 300 IN CNAME _dmarc.cn.example."
out=$(ctl --json domain verify cn.example); rc=$?
h_is "a CNAME loop: dmarc missing" "$(state dmarc)" missing
h_is "...the other checks unchanged: exit 0" "$rc" 0

# --- 40 TXT records at the apex, the ownership and SPF records last
for i in $(seq 1 38); do
	printf '@ 300 IN TXT "service%02d-site-verification=%032d"\n' "$i" "$i"
done >>"$DNS_DIR/cn.example.zone"
h_dns_reload cn.example
h_is "the apex holds 40 TXT records" "$(h_dig +short TXT cn.example | wc -l)" 40
out=$(ctl --json domain verify cn.example)
h_is "...ownership found among them" "$(state ownership)" ok
h_is "...SPF found among them" "$(state spf)" ok
h_done
