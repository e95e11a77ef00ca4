#!/bin/bash
# test_milter_badfacts.sh - relay-milter when Redis answers, but not with
# what it needs: a record of the wrong type (WRONGTYPE), a field that does
# not fit or holds a NUL, a write refused half way through the end of
# data. Each is "could not tell": 451 4.4.2 at the stage that read it,
# logged with the reason, nothing queued; never an accept of a message
# that was not checked, never a 5xx. The record refused at its last write
# is taken back whole, its Message-ID index too.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init milter_badfacts
h_need_root
h_need redis-server postfix swaks dovecot openssl
fx_need_milter

h_start_redis
h_start_sink
fx_milter_unix
fx_conf
fx_member alice
fx_domain alice.test alice
fx_domain other.test alice
fx_domain keys.test alice
fx_start_milter_unix
fx_passwd alice key-alice
fx_start_submission
FX_USER=alice FX_PASS=key-alice

# tempfailed STAGE DESC OUT WHY-RE - 451 4.4.2, nothing queued, the log
# line of that stage names the reason
tempfailed() {
	h_like "$2: 451 4.4.2" "$3" '<\*\* 451 4\.4\.2 '
	h_unlike "$2: never 5xx" "$3" '<\*\* 5[0-9][0-9] '
	h_unlike "$2: not queued" "$3" 'queued as'
	h_like "$2: logged at stage=$1 with the reason" \
	    "$(grep "stage=$1 " "$H_LOG/milter.log" | tail -1)" \
	    "action=tempfail .*why=\"?$4"
}

out=$(fx_send a@alice.test r@rcpt.test --header 'Subject: ok' 2>&1)
h_like "accepted while the facts are sound" "$out" '<-  250 2\.0\.0 Ok: queued'
sent=1

# --- MAIL FROM: the sender's domain record is not a hash
h_redis_cli RENAME 'relay:{d:alice.test}:domain' 'relay:{d:alice.test}:saved' >/dev/null
h_redis_cli SET 'relay:{d:alice.test}:domain' junk >/dev/null
out=$(fx_send a@alice.test r@rcpt.test 2>&1)
tempfailed mail "domain record of the wrong type" "$out" 'WRONGTYPE'

# --- its member field holds a NUL: never compared as "alice"
h_redis_cli DEL 'relay:{d:alice.test}:domain' >/dev/null
h_redis_cli RENAME 'relay:{d:alice.test}:saved' 'relay:{d:alice.test}:domain' >/dev/null
printf 'alice\0mallory' | h_redis_cli -x HSET 'relay:{d:alice.test}:domain' member >/dev/null
out=$(fx_send a@alice.test r@rcpt.test 2>&1)
tempfailed mail "member field with a NUL" "$out" 'HMGET: a domain field too long or holding a NUL'

# --- ... or is longer than any handle: never compared by its prefix
h_redis_cli HSET 'relay:{d:alice.test}:domain' member "alice$(printf 'x%.0s' $(seq 1 300))" >/dev/null
out=$(fx_send a@alice.test r@rcpt.test 2>&1)
tempfailed mail "member field too long" "$out" 'HMGET: a domain field too long'
h_redis_cli HSET 'relay:{d:alice.test}:domain' member alice >/dev/null
out=$(fx_send a@alice.test r@rcpt.test 2>&1)
h_like "member field mended: accepted" "$out" '<-  250 2\.0\.0 Ok: queued'
sent=$((sent + 1))

# --- RCPT TO: the member's suppression list is not a hash
h_redis_cli SET 'relay:{m:alice}:suppress' junk >/dev/null
out=$(fx_send a@alice.test r@rcpt.test 2>&1)
tempfailed rcpt "suppression list of the wrong type" "$out" 'WRONGTYPE'
h_redis_cli DEL 'relay:{m:alice}:suppress' >/dev/null

# --- header From: on another domain of the member, whose record is bad
h_redis_cli RENAME 'relay:{d:other.test}:domain' 'relay:{d:other.test}:saved' >/dev/null
h_redis_cli SET 'relay:{d:other.test}:domain' junk >/dev/null
out=$(fx_send a@alice.test r@rcpt.test --header 'From: <x@other.test>' 2>&1)
tempfailed header "header From: domain record of the wrong type" "$out" 'WRONGTYPE'
# ... and Sender:, held to From:'s rule
out=$(fx_send a@alice.test r@rcpt.test --header 'Sender: <x@other.test>' 2>&1)
tempfailed header "Sender: domain record of the wrong type" "$out" 'WRONGTYPE'
h_redis_cli DEL 'relay:{d:other.test}:domain' >/dev/null
h_redis_cli RENAME 'relay:{d:other.test}:saved' 'relay:{d:other.test}:domain' >/dev/null
out=$(fx_send a@alice.test r@rcpt.test --header 'From: <x@other.test>' 2>&1)
h_like "header From: record mended: accepted" "$out" '<-  250 2\.0\.0 Ok: queued'
sent=$((sent + 1))

# --- the DKIM keys of a domain never signed for yet are not a hash
h_redis_cli RENAME 'relay:{d:keys.test}:dkim' 'relay:{d:keys.test}:saved' >/dev/null
h_redis_cli SET 'relay:{d:keys.test}:dkim' junk >/dev/null
out=$(fx_send a@keys.test r@rcpt.test 2>&1)
tempfailed header "DKIM keys of the wrong type" "$out" 'HMGET: WRONGTYPE'
h_like "...named as the DKIM key's failure" \
    "$(grep 'stage=header ' "$H_LOG/milter.log" | tail -1)" 'failed="?dkim key'
h_redis_cli DEL 'relay:{d:keys.test}:dkim' >/dev/null
h_redis_cli RENAME 'relay:{d:keys.test}:saved' 'relay:{d:keys.test}:dkim' >/dev/null

# --- end of data: the record written, then its queue id index refused
# (here an ACL without SET; a Redis that fills up between the two is the
# same): tempfailed, and what was written is taken back, the Message-ID
# index included, so nothing names a message that was never queued.
mid='<undo-1@alice.test>'
sha=$(printf '%s' "$mid" | sha256sum | cut -d' ' -f1)
msgs() { h_redis_cli --scan --pattern 'relay:{m:alice}:msg:*' | wc -l; }
inf0=$(h_redis_cli ZCARD 'relay:{m:alice}:inflight')
rec0=$(h_redis_cli ZCARD 'relay:{m:alice}:recent')
msg0=$(msgs)
h_redis_cli ACL SETUSER default -set >/dev/null
out=$(fx_send a@alice.test r@rcpt.test --header "Message-Id: $mid" 2>&1)
h_redis_cli ACL SETUSER default +set >/dev/null
tempfailed eom "queue id index refused" "$out" 'NOPERM'
h_is "...its inflight entry taken back" "$(h_redis_cli ZCARD 'relay:{m:alice}:inflight')" "$inf0"
h_is "...its recent entry taken back" "$(h_redis_cli ZCARD 'relay:{m:alice}:recent')" "$rec0"
h_is "...its message record taken back" "$(msgs)" "$msg0"
h_is "...its Message-ID index entry taken back" \
    "$(h_redis_cli SMEMBERS "relay:{x:$sha}:msgid")" ""
h_unlike "...no undo_failed line" "$(cat "$H_LOG/milter.log")" 'record=undo_failed'
out=$(fx_send a@alice.test r@rcpt.test --header "Message-Id: $mid" 2>&1)
h_like "SET allowed again: the same message accepted" "$out" '<-  250 2\.0\.0 Ok: queued'
sent=$((sent + 1))
h_is "...and indexed once, under its queue id" \
    "$(h_redis_cli SMEMBERS "relay:{x:$sha}:msgid" | wc -l)" 1

h_check "the accepted ones delivered" h_wait_sink "$sent" 20
h_check "milter survives all of it" h_daemon_alive milter
h_check "queue empty" h_wait_queue_empty 20
h_done
