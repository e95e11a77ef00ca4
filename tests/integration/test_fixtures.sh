#!/bin/bash
# test_fixtures.sh - the shared fixtures (fixtures.sh) do what they say:
# records land under the SCHEMA.md key names, a fixture login submits
# through Dovecot + Postfix, and the DKIM zone lines are served by unbound
# as one TXT value per key.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init fixtures
h_need_root
h_need redis-server postfix swaks dovecot unbound dig openssl

h_start_redis
fx_conf
h_check "relay.conf written" test -s "$FX_CONF"
h_like "relay.conf names the Redis socket" "$(cat "$FX_CONF")" "socket = \"$REDIS_SOCK\""

fx_member alice
fx_domain alice.test alice --listunsub --forward owner@elsewhere.test
fx_domain new.test alice --unverified --rsa-only --selector s2
fx_suppress alice gone@rcpt.test hard_bounce

h_is "member hash" "$(h_redis_cli HGET 'relay:{m:alice}:member' suspended)" 0
h_is "member set" "$(h_redis_cli SISMEMBER relay:members alice)" 1
h_is "domain owner" "$(h_redis_cli HGET 'relay:{d:alice.test}:domain' member)" alice
h_is "domain of member" "$(h_redis_cli SMEMBERS 'relay:{m:alice}:domains' | sort | tr '\n' ' ')" "alice.test new.test "
h_is "unverified" "$(h_redis_cli HGET 'relay:{d:new.test}:domain' verified_at)" 0
h_like "rsa key stored" "$(h_redis_cli HGET 'relay:{d:alice.test}:dkim' rs1:rsa)" "BEGIN PRIVATE KEY"
h_like "ed25519 key stored" "$(h_redis_cli HGET 'relay:{d:alice.test}:dkim' rs1:ed25519)" "BEGIN PRIVATE KEY"
h_is "rsa-only has no ed25519" "$(h_redis_cli HEXISTS 'relay:{d:new.test}:dkim' s2:ed25519)" 0
h_like "suppression reason" "$(h_redis_cli HGET 'relay:{m:alice}:suppress' gone@rcpt.test)" '"reason":"hard_bounce"'
fx_suspend alice "testing" admin
h_is "suspended" "$(h_redis_cli HGET 'relay:{m:alice}:member' suspended)" 1

# The DKIM records as a zone: one TXT value per key, split strings rejoined.
zone=$H_TMP/alice.zone
{
	echo '$ORIGIN alice.test.'
	echo '@ 300 IN SOA ns.alice.test. hostmaster.alice.test. 1 3600 600 86400 300'
	echo '@ 300 IN NS ns.alice.test.'
	fx_dkim_zone alice.test
} >"$zone"
h_start_unbound alice.test "$zone"
got=$(h_dig +short TXT rs1r._domainkey.alice.test | sed 's/" "//g; s/"//g')
h_is "rsa TXT served whole" "$got" "$(fx_dkim_txt alice.test rsa)"
got=$(h_dig +short TXT rs1e._domainkey.alice.test | sed 's/"//g')
h_is "ed25519 TXT served" "$got" "$(fx_dkim_txt alice.test ed25519)"
h_like "ed25519 p= is 32 bytes" "$(fx_dkim_txt alice.test ed25519 | sed 's/.*p=//' | base64 -d | wc -c)" '^32$'

# A fixture login submits through Dovecot and the private Postfix.
h_start_sink
fx_passwd alice secret-key-1
fx_start_submission
FX_USER=Alice FX_PASS=secret-key-1
out=$(fx_send a@alice.test r@rcpt.test --header 'Subject: fixture' 2>&1)
h_like "authenticated submission accepted" "$out" '<-  250 2\.0\.0 Ok: queued'
h_check "message at the sink" h_wait_sink 1 20
FX_PASS=wrong
out=$(fx_send a@alice.test r@rcpt.test 2>&1)
h_like "wrong key refused" "$out" '535 5\.7\.8'
h_done
