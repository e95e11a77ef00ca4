#!/bin/bash
# test_ctl_domain.sh - relayctl domain add/show/list/records/forward/
# rotate-key/remove and domain verify [--watch] against a local unbound:
# records published exactly as `domain add` prints them (the DKIM RSA value
# as several strings), nothing published, wrong values, a key cut off at
# 255 characters, records under the doubled name NAME.DOMAIN.DOMAIN, a dead
# DNS server, and a watch that sees the records arrive. Then the admin lock
# (relay:ctl:lock): domain add racing member remove and another domain add,
# a lock held by someone else; interrupted add and remove finished by a
# rerun; verify of a domain enrolled again while DNS was asked; broken
# (wrong-type) records in domain list and domain remove.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init ctl_domain
h_need redis-server unbound unbound-control dig openssl

CTL=$H_BUILDDIR/contrib/relayctl/relayctl
[[ -x $CTL ]] || h_bail "build relayctl first ($CTL)"
ctl() { "$CTL" -c "$FX_CONF" "$@"; }
ZONES=(good.example miss.example wrong.example dbl.example cut.example
    wait.example rot.example fx.example vrace.example half.example
    pend.example lab.example)

# One empty zone per domain; records are appended and reloaded per case.
args=()
for z in "${ZONES[@]}"; do
	args+=("$z" "$(h_zone_file "$z")")
done
h_start_unbound "${args[@]}"
h_start_redis
FX_DKIM='selector_prefix = "rs";'
fx_conf
printf 'relayctl: { spf_include = "_spf.relay.example"; mx_host = "MX.Relay.Example"; verify_interval = "1s"; verify_timeout = "20s"; };\n' >>"$FX_CONF"
h_check "relay.conf with the relayctl section" ctl config check
ctl member add alice --did did:plc:abcdefghijklmnopqrstuvwx >/dev/null
ctl member add bob --did did:plc:bbbbbbbbbbbbbbbbbbbbbbbb >/dev/null

# --- domain add: bad input
out=$(ctl domain add good.example 2>&1); rc=$?
h_is "add without --member: exit 1" "$rc" 1
out=$(ctl domain add good.example --member nobody 2>&1); rc=$?
h_is "add for unknown member: exit 1" "$rc" 1
h_like "...named" "$out" "nobody: no such member"
out=$(ctl domain add 'not a domain' --member alice 2>&1); rc=$?
h_is "add bad domain: exit 1" "$rc" 1
h_like "...named" "$out" "not a domain: not a domain"
out=$(ctl domain add localhost --member alice 2>&1); rc=$?
h_is "add single-label name: exit 1" "$rc" 1

# --- domain add: good
out=$(ctl domain add Good.Example. --member alice); rc=$?
h_is "add: exit 0" "$rc" 0
h_unlike "no private key printed" "$out" "PRIVATE"
sel=$(h_redis_cli HGET 'relay:{d:good.example}:domain' selector)
h_like "selector: prefix + date + 4 random base32 characters" "$sel" "^rs$(date -u +%Y%m%d)[a-z2-7]{4}\$"
h_like "RSA key stored as PEM PKCS#8" "$(h_redis_cli HGET 'relay:{d:good.example}:dkim' "$sel:rsa")" "BEGIN PRIVATE KEY"
h_like "Ed25519 key stored as PEM PKCS#8" "$(h_redis_cli HGET 'relay:{d:good.example}:dkim' "$sel:ed25519")" "BEGIN PRIVATE KEY"
h_is "indexed" "$(h_redis_cli SISMEMBER relay:domains good.example)" 1
h_is "member's domain" "$(h_redis_cli SISMEMBER 'relay:{m:alice}:domains' good.example)" 1
h_is "not verified yet" "$(h_redis_cli HGET 'relay:{d:good.example}:domain' verified_at)" 0
token=$(h_redis_cli HGET 'relay:{d:good.example}:domain' token)
h_like "token: 128 bits of hex" "$token" '^[0-9a-f]{32}$'
h_like "ownership record printed" "$out" "good\\.example\\. 3600 IN TXT \"relay-verify=$token\""
h_like "DKIM RSA record name" "$out" "${sel}r\\._domainkey\\.good\\.example\\. 3600 IN TXT \"v=DKIM1; k=rsa; p="
h_like "DKIM Ed25519 record name" "$out" "${sel}e\\._domainkey\\.good\\.example\\. 3600 IN TXT \"v=DKIM1; k=ed25519; p="
h_like "SPF include" "$out" 'v=spf1 include:_spf\.relay\.example ~all'
h_like "DMARC suggestion" "$out" '_dmarc\.good\.example\. 3600 IN TXT "v=DMARC1; p=none"'
out=$(ctl domain add good.example --member alice 2>&1); rc=$?
h_is "add again, same member: exit 0 (completes, changes nothing)" "$rc" 0
h_like "...says so" "$out" "domain good.example was already enrolled under alice"
h_is "...token unchanged" "$(h_redis_cli HGET 'relay:{d:good.example}:domain' token)" "$token"
out=$(ctl domain add good.example --member bob 2>&1); rc=$?
h_is "add for another member: exit 1" "$rc" 1
h_like "...named" "$out" "good.example: domain already enrolled by another member"
out=$(ctl --json domain add good.example --member bob 2>/dev/null)
h_is "F8 ...the same code as a domain under another's: domain_taken" "$(fx_jget 'd["error"]["code"]' <<<"$out")" domain_taken
out=$(ctl domain add opt.example --member alice --subdomains=no 2>&1); rc=$?
h_is "--subdomains=no: exit 1" "$rc" 1
h_like "...takes no value" "$out" "--subdomains takes no value"
h_is "...nothing stored" "$(h_redis_cli EXISTS 'relay:{d:opt.example}:domain')" 0
out=$(ctl domain add opt.example --member alice --member bob 2>&1); rc=$?
h_is "--member twice: exit 1" "$rc" 1
h_like "...named" "$out" "--member given twice"
out=$(ctl domain forward good.example --none=yes 2>&1); rc=$?
h_is "--none=yes: exit 1" "$rc" 1
# Over another member's domain: only refused when --subdomains covers it.
h_check "bob enrolls deep.child.example" ctl domain add deep.child.example --member bob
out=$(ctl domain add child.example --member alice --subdomains 2>&1); rc=$?
h_is "--subdomains over another member's domain: exit 1" "$rc" 1
h_like "...names it" "$out" "child.example: deep.child.example is enrolled by another member"
h_is "...nothing stored" "$(h_redis_cli EXISTS 'relay:{d:child.example}:domain')" 0
h_check "bob may cover his own" ctl domain add child.example --member bob --subdomains
h_check "cleanup" sh -c "'$CTL' -c '$FX_CONF' domain remove child.example >/dev/null && '$CTL' -c '$FX_CONF' domain remove deep.child.example >/dev/null"
out=$(ctl domain add sub.good.example --member bob 2>&1); rc=$?
h_is "subdomain of another member's domain: exit 1" "$rc" 1
h_check "subdomain under the same member" ctl domain add sub.good.example --member alice --subdomains

# The records as JSON: strings of at most 255 bytes that join to the value.
out=$(ctl --json domain records good.example)
h_is "JSON records: strings <= 255 and joined == value" \
    "$(fx_jget 'all(max(len(s) for s in r["strings"]) <= 255 and "".join(r["strings"]) == r["value"] for r in d["records"])' <<<"$out")" true
h_is "the RSA value is split" "$(fx_jget '[len(r["strings"]) for r in d["records"] if r["purpose"] == "dkim-rsa"][0]' <<<"$out")" 2
ed=$(fx_jget '[r["value"] for r in d["records"] if r["purpose"] == "dkim-ed25519"][0]' <<<"$out")
h_is "Ed25519 p= is the raw 32-byte key" "$(printf '%s' "${ed##*p=}" | base64 -d | wc -c)" 32
rsa_pub=$(h_redis_cli HGET 'relay:{d:good.example}:dkim' "$sel:rsa" | openssl pkey -pubout -outform DER 2>/dev/null | base64 -w0)
h_is "RSA p= is the stored key's public half" "$(fx_jget '[r["value"] for r in d["records"] if r["purpose"] == "dkim-rsa"][0]' <<<"$out")" "v=DKIM1; k=rsa; p=$rsa_pub"

# --- verify: nothing published yet
out=$(ctl domain verify good.example); rc=$?
h_is "verify before publishing: exit 1" "$rc" 1
h_like "ownership missing" "$out" "missing +ownership +good\\.example"
h_like "fix names dig" "$out" "dig \\+short TXT ${sel}r\\._domainkey\\.good\\.example"

# --- verify: published exactly as printed (zone lines pasted)
h_dns_publish good.example "$(ctl domain records good.example | grep -v '^;')"
h_like "unbound serves the RSA key as 2 strings" "$(h_dig +short TXT "${sel}r._domainkey.good.example")" '^"v=DKIM1; k=rsa; p=[^"]{237}" "[^"]+"$'
out=$(ctl --json domain verify good.example); rc=$?
h_is "verify published: exit 0" "$rc" 0
h_is "every check ok" "$(fx_jget '[c["check"] + "=" + c["state"] for c in d["checks"]]' <<<"$out")" \
    '["ownership=ok", "dkim-rsa=ok", "dkim-ed25519=ok", "spf=ok", "dmarc=ok"]'
h_is "verified" "$(fx_jget 'd["verified"]' <<<"$out")" true
v1=$(h_redis_cli HGET 'relay:{d:good.example}:domain' verified_at)
h_like "verified_at recorded" "$v1" '^[0-9]{10}$'
sleep 1.1
ctl domain verify good.example >/dev/null
h_is "verified_at set once (warming counts from it)" "$(h_redis_cli HGET 'relay:{d:good.example}:domain' verified_at)" "$v1"
h_like "text: ready" "$(ctl domain verify good.example)" "result: ready to send"

# --- missing
ctl domain add miss.example --member alice >/dev/null
out=$(ctl --json domain verify miss.example); rc=$?
h_is "missing: exit 1" "$rc" 1
h_is "missing states" "$(fx_jget '[c["state"] for c in d["checks"]]' <<<"$out")" '["missing", "missing", "missing", "missing", "missing"]'
h_is "missing: not verified" "$(h_redis_cli HGET 'relay:{d:miss.example}:domain' verified_at)" 0
# ownership proven, DKIM records not published: not verified (relay-milter
# would let the domain send signed with keys no receiver finds)
ctl domain add half.example --member alice >/dev/null
h_dns_publish half.example "$(ctl domain records half.example | grep -v '^;' | grep -v '_domainkey')"
out=$(ctl --json domain verify half.example); rc=$?
h_is "ownership only: exit 1" "$rc" 1
h_is "ownership only: ownership ok, DKIM missing" "$(fx_jget '[c["check"] + "=" + c["state"] for c in d["checks"]][:3]' <<<"$out")" \
    '["ownership=ok", "dkim-rsa=missing", "dkim-ed25519=missing"]'
h_is "ownership only: not verified" "$(h_redis_cli HGET 'relay:{d:half.example}:domain' verified_at)" 0
h_like "ownership only: the text says what is left" "$(ctl domain verify half.example)" \
    'verified: not yet; ownership is proven, and the domain sends once its DKIM records are published too'
h_dns_publish half.example "$(ctl domain records half.example | grep -v '^;' | grep '_domainkey')"
h_check "DKIM published too: verified" ctl domain verify half.example
h_like "... verified_at set" "$(h_redis_cli HGET 'relay:{d:half.example}:domain' verified_at)" '^[0-9]{10}$'
h_check "cleanup" ctl domain remove half.example
# not yet verified, a rotation pending, only the new selector published:
# one run switches to it and verifies the domain
ctl domain add pend.example --member alice >/dev/null
ctl domain rotate-key pend.example >/dev/null
psel=$(h_redis_cli HGET 'relay:{d:pend.example}:domain' next_selector)
h_dns_publish pend.example "$(ctl domain records pend.example | grep -v '^;' | grep -v "^$(h_redis_cli HGET 'relay:{d:pend.example}:domain' selector)[re]\._domainkey")"
ctl domain verify pend.example >/dev/null
h_is "pending selector published: switched to it" "$(h_redis_cli HGET 'relay:{d:pend.example}:domain' selector)" "$psel"
h_like "... and verified in the same run" "$(h_redis_cli HGET 'relay:{d:pend.example}:domain' verified_at)" '^[0-9]{10}$'
h_check "cleanup" ctl domain remove pend.example

# --- verify --pending (the labeler, relay-verify.timer): every domain not
# verified yet, or with a selector pending, checked and marked in one run
ctl domain add lab.example --member alice >/dev/null
out=$(ctl domain verify --pending); rc=$?
h_is "--pending, nothing published: exit 0 (checked, not ready)" "$rc" 0
h_like "... one line for the domain" "$out" 'lab\.example +not_ready +not verified'
h_unlike "... verified domains are not checked again" "$out" '(^|'$'\n'')good\.example'
h_dns_publish lab.example "$(ctl domain records lab.example | grep -v '^;')"
out=$(ctl --json domain verify --pending); rc=$?
h_is "--pending, published: exit 0" "$rc" 0
h_is "... the JSON says it was verified in this run" \
    "$(fx_jget '[[x["result"], x["verified"], x["verified_now"]] for x in d if x["domain"] == "lab.example"]' <<<"$out")" \
    '[["ready", true, true]]'
h_like "... verified_at set" "$(h_redis_cli HGET 'relay:{d:lab.example}:domain' verified_at)" '^[0-9]{10}$'
h_unlike "the next run leaves it out" "$(ctl domain verify --pending)" 'lab\.example'
# a record that breaks one domain's check ends that check, not the run
h_redis_cli HSET 'relay:{d:broken.example}:domain' member alice verified_at 0 >/dev/null
h_redis_cli SADD relay:domains broken.example >/dev/null
ctl domain rotate-key lab.example >/dev/null
out=$(ctl domain verify --pending 2>"$H_TMP/pending.err"); rc=$?
h_like "a broken record: its line says not ready" "$out" 'broken\.example +not_ready'
h_like "... and the run went on (lab.example: its new selector waits)" "$out" 'lab\.example +ready +verified'
h_like "... the reason on stderr" "$(cat "$H_TMP/pending.err")" 'broken\.example'
h_redis_cli DEL 'relay:{d:broken.example}:domain' >/dev/null
h_redis_cli SREM relay:domains broken.example >/dev/null
# a member's DNS that does not answer (a zone unbound refuses) is that
# domain's result, not the run's failure
ctl domain add nozone.example --member alice >/dev/null
out=$(ctl domain verify --pending 2>"$H_TMP/pending.err"); rc=$?
h_is "--pending, one domain's DNS silent: exit 0" "$rc" 0
h_like "... its line says dns_failed" "$out" 'nozone\.example +dns_failed +not verified'
h_like "... and stderr why" "$(cat "$H_TMP/pending.err")" 'nozone\.example: the DNS server did not answer'
out=$(ctl --json domain verify --pending 2>/dev/null)
h_is "... --json: no error element for it" "$(fx_jget '[x.get("result", "error") for x in d if x.get("domain") == "nozone.example" or "error" in x]' <<<"$out")" '["dns_failed"]'
h_check "cleanup" ctl domain remove nozone.example
out=$(ctl domain verify lab.example --pending 2>&1); rc=$?
h_is "--pending with a DOMAIN: usage error" "$rc" 1
h_check "cleanup" ctl domain remove lab.example

# --- wrong values
ctl domain add wrong.example --member alice >/dev/null
wsel=$(h_redis_cli HGET 'relay:{d:wrong.example}:domain' selector)
good_rsa=$(ctl domain records good.example | grep "^${sel}r\\._domainkey" | sed 's/^[^ ]* 3600 IN TXT //')
h_dns_publish wrong.example "@ 300 IN TXT \"relay-verify=00000000000000000000000000000000\"
@ 300 IN TXT \"v=spf1 include:_spf.other.example -all\"
@ 300 IN TXT \"v=spf1 mx -all\"
${wsel}r._domainkey 300 IN TXT $good_rsa"
out=$(ctl --json domain verify wrong.example); rc=$?
h_is "wrong: exit 1" "$rc" 1
h_is "wrong token" "$(fx_jget '[c["state"] + " " + c.get("found", "") for c in d["checks"] if c["check"] == "ownership"][0]' <<<"$out")" \
    "wrong relay-verify=00000000000000000000000000000000"
h_is "someone else's DKIM key" "$(fx_jget '[c["state"] for c in d["checks"] if c["check"] == "dkim-rsa"][0]' <<<"$out")" wrong
h_like "...with the fix" "$(fx_jget '[c["fix"] for c in d["checks"] if c["check"] == "dkim-rsa"][0]' <<<"$out")" "not ours"
h_like "two SPF records" "$(fx_jget '[c["fix"] for c in d["checks"] if c["check"] == "spf"][0]' <<<"$out")" "merge them into one"
h_is "wrong: not verified" "$(h_redis_cli HGET 'relay:{d:wrong.example}:domain' verified_at)" 0

# --- a key cut off at 255 characters (the provider kept the first string)
ctl domain add cut.example --member alice >/dev/null
csel=$(h_redis_cli HGET 'relay:{d:cut.example}:domain' selector)
first=$(ctl domain records cut.example | grep "^${csel}r\\._domainkey" | sed 's/^[^"]*\("[^"]*"\).*/\1/')
h_dns_publish cut.example "${csel}r._domainkey 300 IN TXT $first"
out=$(ctl domain verify cut.example); rc=$?
h_is "cut-off key: exit 1" "$rc" 1
h_like "cut-off key named" "$out" "cut off after 237 of [0-9]+ characters"

# --- the doubled name: sel._domainkey.dbl.example.dbl.example
ctl domain add dbl.example --member alice >/dev/null
dsel=$(h_redis_cli HGET 'relay:{d:dbl.example}:domain' selector)
h_dns_publish dbl.example "$(ctl domain records dbl.example | grep -v '^;' | grep -v '^_dmarc' | sed 's/^\([^ ]*\)dbl\.example\. /\1dbl.example.dbl.example. /')"
h_like "the doubled name really is in DNS" "$(h_dig +short TXT "${dsel}r._domainkey.dbl.example.dbl.example")" "v=DKIM1"
out=$(ctl domain verify dbl.example); rc=$?
h_is "doubled names: exit 1" "$rc" 1
h_like "DKIM under the doubled name reported" "$out" "found: +published at ${dsel}r\\._domainkey\\.dbl\\.example\\.dbl\\.example"
h_like "...as the provider mistake" "$out" "doubled name ${dsel}r\\._domainkey\\.dbl\\.example\\.dbl\\.example: the DNS provider appended dbl\\.example"
h_like "...with the name to enter" "$out" "Enter only \"${dsel}r\\._domainkey\" as the name, or the full name with a trailing dot \\(${dsel}r\\._domainkey\\.dbl\\.example\\.\\)"
h_like "...and @ for the domain itself" "$out" "Enter \"@\" \\(or leave it empty\\) as the name"
h_like "ownership under the doubled name" "$out" "wrong +ownership +dbl\\.example"

# --- DNS server down: exit 2, nothing marked
dead=$(h_port)
sed "s/port = $DNS_PORT;/port = $dead; timeout_ms = 300;/" "$FX_CONF" >"$H_TMP/dead.conf"
out=$("$CTL" -c "$H_TMP/dead.conf" --json domain verify miss.example 2>&1); rc=$?
h_is "DNS down: exit 2" "$rc" 2
h_is "DNS down: unknown, never missing" "$(fx_jget '[c["state"] for c in d["checks"]][0]' <<<"$out")" unknown

# --- --watch: records arrive while it waits
ctl domain add wait.example --member alice >/dev/null
"$CTL" -c "$FX_CONF" domain verify wait.example --watch >"$H_TMP/watch.out" 2>&1 &
wpid=$!
sleep 2
h_dns_publish wait.example "$(ctl domain records wait.example | grep -v '^;')"
h_check "watch ends once published" h_wait_for 15 sh -c "! kill -0 $wpid 2>/dev/null"
wait "$wpid"; rc=$?
h_is "watch: exit 0" "$rc" 0
h_like "watch said it would check again" "$(cat "$H_TMP/watch.out")" "checking again in 1 s"
h_like "watch: ready" "$(cat "$H_TMP/watch.out")" "result: ready to send"
sed 's/verify_timeout = "20s"/verify_timeout = "2s"/' "$FX_CONF" >"$H_TMP/short.conf"
out=$("$CTL" -c "$H_TMP/short.conf" domain verify miss.example --watch 2>&1); rc=$?
h_is "watch timeout: exit 1" "$rc" 1
h_like "watch gave up" "$out" "gave up after 2 s"

# --- rotate-key: the old key signs until the new records are seen
ctl domain add rot.example --member alice >/dev/null
rsel=$(h_redis_cli HGET 'relay:{d:rot.example}:domain' selector)
h_dns_publish rot.example "$(ctl domain records rot.example | grep -v '^;')"
h_check "rot.example verifies" ctl domain verify rot.example
out=$(ctl --json domain rotate-key rot.example); rc=$?
h_is "rotate-key: exit 0" "$rc" 0
nsel=$(fx_jget 'd["next_selector"]' <<<"$out")
h_like "new selector: prefix, date, random" "$nsel" "^rs[0-9]{8}[a-z2-7]{4}\$"
h_isnt_same() { [[ $1 != "$2" ]]; }
h_check "...differs from the active one" h_isnt_same "$nsel" "$rsel"
h_is "active selector unchanged" "$(h_redis_cli HGET 'relay:{d:rot.example}:domain' selector)" "$rsel"
h_is "pending selector stored" "$(h_redis_cli HGET 'relay:{d:rot.example}:domain' next_selector)" "$nsel"
out=$(ctl domain rotate-key rot.example 2>&1); rc=$?
h_is "second rotation while pending: exit 1" "$rc" 1
out=$(ctl --json domain verify rot.example); rc=$?
h_is "verify before the new records: exit 0 (old key fine)" "$rc" 0
h_is "...new key reported missing" "$(fx_jget '[c["state"] for c in d["checks"] if c["check"] == "dkim-rsa-next"][0]' <<<"$out")" missing
h_is "...still signing with the old" "$(h_redis_cli HGET 'relay:{d:rot.example}:domain' selector)" "$rsel"
h_is "...old key kept" "$(h_redis_cli HEXISTS 'relay:{d:rot.example}:dkim' "$rsel:rsa")" 1
h_dns_publish rot.example "$(ctl domain records rot.example | grep -v '^;' | grep "^$nsel")"
out=$(ctl --json domain verify rot.example); rc=$?
h_is "verify with the new records: exit 0" "$rc" 0
h_is "rotated" "$(fx_jget 'd["rotated"]' <<<"$out")" true
h_is "new selector active" "$(h_redis_cli HGET 'relay:{d:rot.example}:domain' selector)" "$nsel"
h_is "old keys deleted" "$(h_redis_cli HEXISTS 'relay:{d:rot.example}:dkim' "$rsel:rsa")" 0
h_is "new keys kept" "$(h_redis_cli HEXISTS 'relay:{d:rot.example}:dkim' "$nsel:ed25519")" 1
# OPS-F2: rotations the same day never come back to a name (a, b, a)
seen="$rsel $nsel"
dup=0
for i in 1 2 3; do
	out=$(ctl --json domain rotate-key rot.example) || break
	s2=$(fx_jget 'd["next_selector"]' <<<"$out")
	[[ " $seen " == *" $s2 "* ]] && dup=1
	seen="$seen $s2"
	h_redis_cli HSET 'relay:{d:rot.example}:domain' selector "$s2" next_selector "" >/dev/null
done
h_is "OPS-F2 five selectors the same day, all different" "$dup:$(wc -w <<<"$seen")" 0:5
h_like "OPS-F6 rotate-key text: keep the old records" "$(ctl domain rotate-key rot.example)" "Keep the [a-z0-9]+ records published for at least"
h_unlike "OPS-F6 ...never 'can go'" "$(ctl domain records rot.example; ctl domain rotate-key rot.example 2>&1)" "can go"
osel=$(h_redis_cli HGET 'relay:{d:rot.example}:domain' selector)
psel=$(h_redis_cli HGET 'relay:{d:rot.example}:domain' next_selector)
h_dns_publish rot.example "$(ctl domain records rot.example | grep -v '^;' | grep "^$psel")"
out=$(ctl domain verify rot.example)
h_like "OPS-F6 verify that switches: keep the old records for the queue lifetime" "$out" "Keep the $osel records published for at least Postfix's maximal_queue_lifetime \\(5 days by default\\)"
h_unlike "OPS-F6 ...never 'can go'" "$out" "can go"
# OPS-F2: remove, then add the same day: a new selector, never the old name
osel=$(h_redis_cli HGET 'relay:{d:miss.example}:domain' selector)
out=$(ctl domain remove miss.example)
h_like "OPS-F6 domain remove: keep the DKIM records for the queue lifetime" "$out" "keep its DKIM records published for at least Postfix's maximal_queue_lifetime"
h_unlike "OPS-F6 ...never 'can go'" "$out" "can go"
ctl domain add miss.example --member alice >/dev/null
h_check "OPS-F2 add again the same day: another selector" h_isnt_same "$(h_redis_cli HGET 'relay:{d:miss.example}:domain' selector)" "$osel"

# --- audit3 F11: a domain whose DKIM or DMARC names DNS cannot hold
L63=$(printf 'a%.0s' $(seq 63))
for n in 61 35; do
	D="$L63.$L63.$L63.$(printf 'b%.0s' $(seq $n))"
	out=$(ctl --json domain add "$D" --member alice 2>"$H_TMP/long.err"); rc=$?
	h_is "F11 ${#D}-octet domain: exit 1, invalid_domain" "$rc:$(fx_jget 'd["error"]["code"]' <<<"$out")" 1:invalid_domain
	h_like "F11 ...says why" "$(cat "$H_TMP/long.err")" "too long for its DKIM records: .* would be [0-9]+ octets, DNS allows 253"
	h_is "F11 ...nothing written" "$(h_redis_cli EXISTS "relay:{d:$D}:domain")$(h_redis_cli SISMEMBER relay:domains "$D")$(h_redis_cli SISMEMBER 'relay:{m:alice}:domains' "$D")$(h_redis_cli EXISTS relay:ctl:lock)" 0000
done
D="$L63.$L63.$L63.$(printf 'c%.0s' $(seq 34))"	# 226 octets: 14 + 13 + 226 = 253
out=$(ctl --json domain add "$D" --member alice); rc=$?
h_is "F11 the longest domain that fits: exit 0" "$rc:$(fx_jget 'max(len(r["name"]) for r in d["records"])' <<<"$out")" 0:253
ctl domain remove "$D" >/dev/null

# --- show / list / forward / remove
out=$(ctl --json domain show good.example)
h_is "show: member" "$(fx_jget 'd["member"]' <<<"$out")" alice
h_is "show: verified" "$(fx_jget 'd["verified"]' <<<"$out")" true
# warming, by the default schedule (tier 1 for 2 days; 5 tiers, 14 days)
vat=$(h_redis_cli HGET 'relay:{d:good.example}:domain' verified_at)
h_is "show: warming tier 1 of 5, its caps, until verified_at + 2 d" \
    "$(fx_jget '[d["warming"][k] for k in ("tier", "tiers", "per_hour", "per_day", "until")]' <<<"$out")" \
    "[1, 5, 20, 100, $((vat + 2 * 86400))]"
h_redis_cli HSET 'relay:{d:good.example}:domain' verified_at $((vat - 20 * 86400)) >/dev/null
h_like "show, 20 days on: past warming, since day 14" "$(ctl domain show good.example)" \
    "warming +over since $(date -u -d @$((vat - 6 * 86400)) '+%Y-%m-%d %H:%M:%SZ'); standard caps unlimited per hour, unlimited per day"
h_redis_cli HSET 'relay:{d:good.example}:domain' verified_at "$vat" >/dev/null
ctl domain add unv.example --member alice >/dev/null 2>&1
h_is "show, not verified: warming null" \
    "$(ctl --json domain show unv.example | fx_jget 'd["warming"]')" null
h_like "... in text: when it starts" "$(ctl domain show unv.example)" \
    'warming +starts when the domain is verified'
ctl domain remove unv.example >/dev/null 2>&1
out=$(ctl --json domain list --member alice)
h_is "list --member" "$(fx_jget '[x["domain"] for x in d]' <<<"$out")" \
    '["cut.example", "dbl.example", "good.example", "miss.example", "rot.example", "sub.good.example", "wait.example", "wrong.example"]'
h_is "list: no tokens" "$(fx_jget 'any("token" in x for x in d)' <<<"$out")" false
out=$(ctl domain show nope.example 2>&1); rc=$?
h_is "show unknown: exit 1" "$rc" 1
out=$(ctl domain forward good.example Owner@Elsewhere.Example); rc=$?
h_is "forward: exit 0" "$rc" 0
h_is "forward_to stored normalised" "$(h_redis_cli HGET 'relay:{d:good.example}:domain' forward_to)" owner@elsewhere.example
h_like "forward: the MX to publish (relayctl.mx_host)" "$out" 'good\.example\. 3600 IN MX 10 mx\.relay\.example\.'
h_like "domain records: the MX too, with a forward-to" "$(ctl domain records good.example)" \
    $'\ngood\\.example\\. 3600 IN MX 10 mx\\.relay\\.example\\.'
h_is "domain records --json: an MX record" \
    "$(ctl --json domain records good.example | fx_jget '[[r["type"], r["value"]] for r in d["records"] if r["purpose"] == "mx"]')" \
    '[["MX", "10 mx.relay.example."]]'
# domain verify checks that MX of a domain with a forward-to (recommended)
mxcheck() { ctl --json domain verify good.example | fx_jget '[[k["type"], k["state"], k.get("found")] for k in d["checks"] if k["check"] == "mx"]'; }
h_is "verify, forward-to and no MX: mx missing" "$(mxcheck)" '[["MX", "missing", null]]'
ctl domain verify good.example >/dev/null; rc=$?
h_is "...not required: still exit 0" "$rc" 0
h_dns_publish good.example '@ 300 IN MX 10 mail.elsewhere.example.'
h_is "...an MX naming another host: wrong, named" "$(mxcheck)" '[["MX", "wrong", "mail.elsewhere.example"]]'
h_like "...text: the MX to publish" "$(ctl domain verify good.example)" 'publish: good\.example MX 10 mx\.relay\.example\.'
sed -i '/IN MX/d' "$DNS_DIR/good.example.zone"
h_dns_publish good.example '@ 300 IN MX 5 MX.Relay.Example.'
h_is "...the relay's MX (any case): ok" "$(mxcheck)" '[["MX", "ok", null]]'
sed -i '/IN MX/d' "$DNS_DIR/good.example.zone"
h_dns_reload good.example
out=$(ctl domain forward good.example 'not an address' 2>&1); rc=$?
h_is "forward bad address: exit 1" "$rc" 1
out=$(ctl domain forward good.example x@sub.good.example 2>&1); rc=$?
h_is "forward into itself: exit 1" "$rc" 1
out=$(ctl domain forward nope.example a@b.example 2>&1); rc=$?
h_is "forward unknown domain: exit 1" "$rc" 1
h_is "listunsub off by default" "$(h_redis_cli HGET 'relay:{d:good.example}:domain' listunsub)" 0
h_check "listunsub on" ctl domain listunsub good.example on
h_is "listunsub stored" "$(h_redis_cli HGET 'relay:{d:good.example}:domain' listunsub)" 1
out=$(ctl --json domain listunsub good.example off)
h_is "listunsub off, --json" "$(fx_jget 'd["listunsub"]' <<<"$out")" false
h_is "listunsub cleared" "$(h_redis_cli HGET 'relay:{d:good.example}:domain' listunsub)" 0
out=$(ctl domain listunsub good.example maybe 2>&1); rc=$?
h_is "listunsub maybe: exit 1" "$rc" 1
h_like "listunsub maybe: says what to give" "$out" 'on or off'
out=$(ctl domain listunsub nope.example on 2>&1); rc=$?
h_is "listunsub unknown domain: exit 1" "$rc" 1
h_is "...created nothing" "$(h_redis_cli EXISTS 'relay:{d:nope.example}:domain')" 0
out=$(ctl domain forward good.example 2>&1); rc=$?
h_is "forward without ADDRESS or --none: exit 1" "$rc" 1
h_check "forward --none" ctl domain forward good.example --none
h_is "forward_to cleared" "$(h_redis_cli HGET 'relay:{d:good.example}:domain' forward_to)" ""
h_unlike "without a forward-to: no MX record" "$(ctl domain records good.example)" 'IN MX'
h_is "...and domain verify checks no MX" "$(mxcheck)" '[]'
h_check "remove" ctl domain remove sub.good.example
h_is "removed: hash" "$(h_redis_cli EXISTS 'relay:{d:sub.good.example}:domain' 'relay:{d:sub.good.example}:dkim')" 0
h_is "removed: index" "$(h_redis_cli SISMEMBER relay:domains sub.good.example)" 0
h_is "removed: member's set" "$(h_redis_cli SISMEMBER 'relay:{m:alice}:domains' sub.good.example)" 0
out=$(ctl domain remove sub.good.example 2>&1); rc=$?
h_is "remove twice: exit 1" "$rc" 1

# --- interrupted add and remove: running the same command again finishes
ctl member add dora --did did:plc:dddddddddddddddddddddddd >/dev/null
# The member's claim (relay:{m:H}:domains) is the first write: when it
# fails nothing names dora, so a member remove cannot orphan a record.
h_redis_cli ACL SETUSER default -sadd >/dev/null
out=$(ctl domain add half.example --member dora 2>&1); rc=$?
h_redis_cli ACL SETUSER default +sadd >/dev/null
h_is "add, SADD refused: exit 2" "$rc" 2
h_is "...no record without dora's claim" "$(h_redis_cli EXISTS 'relay:{d:half.example}:domain')$(h_redis_cli SISMEMBER 'relay:{m:dora}:domains' half.example)" 00
# Stopped after the claim, before the record.
h_redis_cli ACL SETUSER default -hset >/dev/null
out=$(ctl domain add half.example --member dora 2>&1); rc=$?
h_redis_cli ACL SETUSER default +hset >/dev/null
h_is "add, record write refused: exit 2" "$rc" 2
h_like "...says to run it again" "$out" "run the same command again to finish"
h_is "...claimed and indexed, no record" "$(h_redis_cli EXISTS 'relay:{d:half.example}:domain')$(h_redis_cli SISMEMBER 'relay:{m:dora}:domains' half.example)$(h_redis_cli SISMEMBER relay:domains half.example)" 011
out=$(ctl member remove dora 2>&1); rc=$?
h_is "member remove during an unfinished add: exit 1" "$rc" 1
h_like "...names the domain and how to finish" "$out" "half\.example: no domain record: a domain add or remove stopped half way \(relayctl domain remove half\.example finishes a remove and undoes an add; relayctl domain add half\.example --member dora finishes an add\)"
h_is "...member kept" "$(h_redis_cli EXISTS 'relay:{m:dora}:member')" 1
out=$(ctl --json domain add half.example --member dora); rc=$?
h_is "add again: exit 0" "$rc" 0
h_is "...enrolled now" "$(fx_jget 'd["member"]' <<<"$out")$(h_redis_cli HGET 'relay:{d:half.example}:domain' member)" doradora
# An add stopped after the record (as older relayctl wrote it): indexes missing.
h_redis_cli SREM 'relay:{m:dora}:domains' half.example >/dev/null
h_redis_cli SREM relay:domains half.example >/dev/null
out=$(ctl --json domain add half.example --member dora); rc=$?
h_is "add of an enrolled but unindexed domain: exit 0" "$rc" 0
h_is "...says it was enrolled" "$(fx_jget 'd["already_enrolled"]' <<<"$out")" true
h_is "...indexed" "$(h_redis_cli SISMEMBER relay:domains half.example)$(h_redis_cli SISMEMBER 'relay:{m:dora}:domains' half.example)" 11
h_redis_cli ACL SETUSER default -srem >/dev/null
out=$(ctl domain remove half.example 2>&1); rc=$?
h_redis_cli ACL SETUSER default +srem >/dev/null
h_is "remove, SREM refused: exit 2" "$rc" 2
h_like "...says to run it again" "$out" "run the same command again to finish"
h_is "...record gone" "$(h_redis_cli EXISTS 'relay:{d:half.example}:domain')" 0
h_is "...still in the member's set" "$(h_redis_cli SISMEMBER 'relay:{m:dora}:domains' half.example)" 1
h_is "...lock released on the way out" "$(h_redis_cli EXISTS relay:ctl:lock)" 0
out=$(ctl domain remove half.example 2>&1); rc=$?
h_is "remove again: exit 0" "$rc" 0
h_like "...says so" "$out" "leftover index entries are gone"
h_is "...indexes clean" "$(h_redis_cli SISMEMBER relay:domains half.example)$(h_redis_cli SISMEMBER 'relay:{m:dora}:domains' half.example)" 00
out=$(ctl domain remove half.example 2>&1); rc=$?
h_is "remove a third time: exit 1" "$rc" 1
h_like "...not enrolled" "$out" "domain not enrolled"
h_check "dora has nothing left: removed" ctl member remove dora

# --- the admin lock: domain add racing member remove. domain add spends
# ~170 ms making keys between its member check and its writes.
ctl member add erin --did did:plc:eeeeeeeeeeeeeeeeeeeeeeee >/dev/null
"$CTL" -c "$FX_CONF" domain add race.example --member erin >"$H_TMP/race.out" 2>&1 &
apid=$!
sleep 0.05
out=$(ctl member remove erin 2>&1); rrc=$?
wait "$apid"; arc=$?
owner=$(h_redis_cli HGET 'relay:{d:race.example}:domain' member)
h_is "add racing member remove: no record under a removed member" \
    "$owner:$(h_redis_cli EXISTS 'relay:{m:erin}:member')" "$([[ $owner == erin ]] && echo erin:1 || echo ":0")"
h_is "...exactly one of them went through" "$arc$rrc" "$([[ $owner == erin ]] && echo 01 || echo 10)"
h_is "...lock released" "$(h_redis_cli EXISTS relay:ctl:lock)" 0

# --- two admins: par.example --subdomains (xx) and sub.par.example (yy)
ctl member add xx --did did:plc:xxxxxxxxxxxxxxxxxxxxxxxx >/dev/null
ctl member add yy --did did:plc:yyyyyyyyyyyyyyyyyyyyyyyy >/dev/null
"$CTL" -c "$FX_CONF" domain add par.example --member xx --subdomains >"$H_TMP/par.out" 2>&1 &
p1=$!
"$CTL" -c "$FX_CONF" domain add sub.par.example --member yy >"$H_TMP/sub.out" 2>&1 &
p2=$!
wait "$p1"; rc1=$?
wait "$p2"; rc2=$?
h_is "overlapping adds at once: one succeeds, one is refused" "$(printf '%s\n' "$rc1" "$rc2" | sort | tr -d '\n')" 01
h_is "...only one of the two is enrolled" "$(h_redis_cli EXISTS 'relay:{d:par.example}:domain' 'relay:{d:sub.par.example}:domain')" 1
h_like "...the refused one says why" "$(cat "$H_TMP/par.out" "$H_TMP/sub.out")" "is enrolled by another member"
for x in par.example sub.par.example; do ctl domain remove "$x" >/dev/null 2>&1; done

# --- a lock held by another run: wait, then give up naming it
h_redis_cli SET relay:ctl:lock "0123456789abcdef0123456789abcdef $(date +%s) 4242 otherhost domain add" PX 60000 >/dev/null
t0=$(date +%s%N)
out=$(ctl member remove xx 2>&1); rc=$?
t1=$(date +%s%N)
h_is "lock held: member remove exit 2" "$rc" 2
h_like "...names the lock, its holder and age" "$out" 'relay:ctl:lock: admin lock held by "domain add" \(pid 4242 on otherhost\), taken [0-9]+ s ago, expires in [0-9]+ s; waited 10 s'
h_like "...after about 10 s" "$(( (t1 - t0) / 1000000000 ))" '^(9|10|11|12)$'
h_is "...did nothing" "$(h_redis_cli EXISTS 'relay:{m:xx}:member')" 1
h_like "...left the other's lock alone" "$(h_redis_cli GET relay:ctl:lock)" ' 4242 otherhost '
h_redis_cli SET relay:ctl:lock "someone" PX 1500 >/dev/null
out=$(ctl domain add par.example --member xx 2>&1); rc=$?
h_is "lock released within the wait: domain add goes on, exit 0" "$rc" 0
h_is "...and releases its own" "$(h_redis_cli EXISTS relay:ctl:lock)" 0
h_check "cleanup" ctl domain remove par.example
# a lock left by a relayctl of this host that is gone (Ctrl-C, kill -9)
# (the pid of a shell that has exited; a job killed here would run the
# harness's EXIT trap in its subshell)
dead=$(sh -c 'echo $$')
h_redis_cli SET relay:ctl:lock "0123456789abcdef0123456789abcdef $(date +%s) $dead $(hostname) domain add" PX 60000 >/dev/null
t0=$(date +%s%N)
out=$(ctl domain add par.example --member xx 2>&1); rc=$?
t1=$(date +%s%N)
h_is "lock of a dead relayctl of this host: taken over, exit 0" "$rc" 0
h_like "...at once ($(( (t1 - t0) / 1000000 )) ms)" "$(( (t1 - t0) / 1000000 ))" '^[0-9]{1,4}$'
h_like "...and said" "$out" "took over the admin lock of a relayctl that is gone .* $dead "
h_is "...released after" "$(h_redis_cli EXISTS relay:ctl:lock)" 0
h_check "cleanup" ctl domain remove par.example

# --- verify: the domain is removed and enrolled again while DNS is asked
# (a proxy that holds each query 0.5 s in front of unbound)
cat >"$H_BIN/slowdns.py" <<'PYEOF'
import socket, sys, time
listen, upstream, delay = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", listen))
while True:
    q, peer = s.recvfrom(4096)
    time.sleep(delay)
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.settimeout(2)
    try:
        u.sendto(q, ("127.0.0.1", upstream))
        s.sendto(u.recvfrom(65535)[0], peer)
    except OSError:
        pass
    u.close()
PYEOF
slow=$(h_port)
h_start_daemon slowdns "$H_PYTHON" "$H_BIN/slowdns.py" "$slow" "$DNS_PORT" 0.5
sed "s/port = $DNS_PORT;/port = $slow; timeout_ms = 3000;/" "$FX_CONF" >"$H_TMP/slow.conf"
ctl domain add vrace.example --member alice >/dev/null
tok1=$(h_redis_cli HGET 'relay:{d:vrace.example}:domain' token)
h_dns_publish vrace.example "$(ctl domain records vrace.example | grep -v '^;')"
"$CTL" -c "$H_TMP/slow.conf" domain verify vrace.example >"$H_TMP/vrace.out" 2>&1 &
vpid=$!
sleep 0.3
ctl domain remove vrace.example >/dev/null
ctl domain add vrace.example --member bob >/dev/null
wait "$vpid"; rc=$?
h_is "verify across a remove and add: exit 1" "$rc" 1
h_like "...says the domain changed" "$(cat "$H_TMP/vrace.out")" "vrace\.example: the domain changed during verification"
h_is "...the new enrollment is not marked verified" "$(h_redis_cli HGET 'relay:{d:vrace.example}:domain' verified_at)" 0
h_is "...it is bob's, with a new token" "$(h_redis_cli HGET 'relay:{d:vrace.example}:domain' member):$([[ $(h_redis_cli HGET 'relay:{d:vrace.example}:domain' token) != "$tok1" ]] && echo new)" bob:new
h_stop_daemon slowdns >/dev/null 2>&1

# --- a record of the wrong type: listed around, and removable
h_redis_cli SET 'relay:{d:aaa.example}:domain' junk >/dev/null
h_redis_cli SADD relay:domains aaa.example >/dev/null
h_redis_cli SADD 'relay:{m:bob}:domains' aaa.example >/dev/null
ctl domain list >"$H_TMP/dl.out" 2>"$H_TMP/dl.err"; rc=$?
h_is "domain list with a wrong-type record: exit 2" "$rc" 2
h_like "...lists the others" "$(cat "$H_TMP/dl.out")" "good\.example +alice +verified"
h_like "...names the bad one on stderr" "$(cat "$H_TMP/dl.err")" 'aaa\.example: relay:\{d:aaa\.example\}:domain cannot be read \(WRONGTYPE'
out=$(ctl --json domain list 2>/dev/null); rc=$?
h_is "...--json: every readable domain, exit 2" "$rc:$(fx_jget '"good.example" in [x["domain"] for x in d[:-1]] and "aaa.example" not in [x["domain"] for x in d[:-1]]' <<<"$out")" 2:true
h_is "...then the error, naming it (F5)" "$(fx_jget '[list(d[-1]), d[-1]["error"]["code"], [x["id"] for x in d[-1]["error"]["skipped"]]]' <<<"$out")" '[["error"], "unreadable", ["aaa.example"]]'
h_redis_cli SADD relay:domains 'a b.example' >/dev/null
out=$(ctl --json domain list 2>/dev/null); rc=$?
h_is "F6 a domain no key can hold: skipped, exit 2, not exit 1" "$rc:$(fx_jget '["good.example" in [x.get("domain") for x in d], sorted(x["id"] for x in d[-1]["error"]["skipped"])]' <<<"$out")" '2:[true, ["a b.example", "aaa.example"]]'
h_redis_cli SREM relay:domains 'a b.example' >/dev/null
out=$(ctl domain remove aaa.example 2>&1); rc=$?
h_is "domain remove of a wrong-type record: exit 0" "$rc" 0
h_like "...notes what it was" "$out" 'relay:\{d:aaa\.example\}:domain was a string, not a hash: deleted'
h_is "...record and index entries gone" "$(h_redis_cli EXISTS 'relay:{d:aaa.example}:domain')$(h_redis_cli SISMEMBER relay:domains aaa.example)$(h_redis_cli SISMEMBER 'relay:{m:bob}:domains' aaa.example)" 000
h_check "domain list is whole again" ctl domain list

# --- bytes from DNS that are not UTF-8, and control characters
h_dns_publish miss.example '@ 300 IN TXT "relay-verify=\255\027[31mX"'
out=$(ctl --json domain verify miss.example); rc=$?
h_is "verify, 8-bit TXT: exit 1" "$rc" 1
h_is "...the ownership check is there, found with \\xNN" \
    "$(fx_jget '[c["state"] + " " + c.get("found", "") for c in d["checks"] if c["check"] == "ownership"] == ["wrong relay-verify=\\xff\x1b[31mX"]' <<<"$out")" true
out=$(ctl domain verify miss.example)
h_like "text: found escaped" "$out" 'found: +relay-verify=\\xff\\x1b\[31mX'
h_unlike "...no raw ESC on the terminal" "$out" $'\x1b'
h_check "listunsub ON (any case)" ctl domain listunsub miss.example ON
h_is "...stored" "$(h_redis_cli HGET 'relay:{d:miss.example}:domain' listunsub)" 1

# --- the usage messages name every domain command that relayctl -h names
subs=$("$CTL" -h | sed -n 's/^  domain //p' | sed 's/ | /\n/g' | awk '{ print $1 }' | sort -u)
h_like "relayctl -h names domain listunsub" "$subs" listunsub
bare=$(ctl domain 2>&1); rc=$?
unknown=$(ctl domain frob 2>&1); rc2=$?
h_is "bare domain, unknown domain command: exit 1" "$rc:$rc2" 1:1
for w in $subs; do
	h_like "bare domain: usage names $w" "$bare" "[ |]$w[ |]"
	h_like "unknown domain command: names $w" "$unknown" "[(, ]$w[,)]"
done

# --- the shared fixtures write what relayctl reads (fixtures.sh)
fx_domain fx.example bob --unverified
h_dns_publish fx.example "$(fx_dkim_zone fx.example)
fx.example. 300 IN TXT \"relay-verify=fixture-fx.example\""
out=$(ctl --json domain verify fx.example)
h_is "fixture domain: ownership and both DKIM keys verify" \
    "$(fx_jget '[c["state"] for c in d["checks"] if c["required"]]' <<<"$out")" '["ok", "ok", "ok"]'
h_done
