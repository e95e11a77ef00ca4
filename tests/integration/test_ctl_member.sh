#!/bin/bash
# test_ctl_member.sh - relayctl member, apikey, status, conditions and
# config against a real Redis: good and bad input, exit codes 0/1/2, the
# records under the SCHEMA.md keys, and every --json output read back with
# a JSON parser; interrupted member add, member remove and apikey revoke
# finished by a rerun; member list around a record of the wrong type.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init ctl_member
h_need redis-server

CTL=$H_BUILDDIR/contrib/relayctl/relayctl
[[ -x $CTL ]] || h_bail "build relayctl first ($CTL)"
ctl() { "$CTL" -c "$FX_CONF" "$@"; }
DID=did:plc:abcdefghijklmnopqrstuvwx

h_start_redis
fx_conf

# --- on an empty Redis, a look does not mark it as new (it may have lost
# its data): relay:schema is set only by member add, the first data
out=$(ctl member list 2>&1); rc=$?
h_is "member list on an empty Redis: exit 0" "$rc" 0
h_like "...a note that relay:schema is missing" "$out" 'relayctl: note: relay:schema is missing: this Redis holds no relay-suite data \(a new Redis: relayctl member add sets it up'
h_is "...and it stays missing" "$(h_redis_cli EXISTS relay:schema)" 0

# --- member add / show / list
out=$(ctl member add Alice --did "$DID" 2>&1); rc=$?
h_is "member add: exit 0" "$rc" 0
h_like "member add on an empty Redis: sets relay:schema, with a note" "$out" 'relayctl: note: relay:schema was not set: set it to version 1 \(a new Redis; if this Redis held relay data before'
h_is "handle stored lower-case" "$(h_redis_cli HGET 'relay:{m:alice}:member' did)" "$DID"
h_is "member indexed" "$(h_redis_cli SISMEMBER relay:members alice)" 1
h_is "not suspended" "$(h_redis_cli HGET 'relay:{m:alice}:member' suspended)" 0
out=$(ctl member add alice --did "$DID" 2>&1); rc=$?
h_is "duplicate member: exit 1" "$rc" 1
h_unlike "...no note once it is set" "$out" 'relay:schema'
h_like "duplicate named" "$out" "alice: member already exists"
out=$(ctl member add bob --did did:plc:short 2>&1); rc=$?
h_is "bad DID: exit 1" "$rc" 1
h_like "bad DID named" "$out" "did:plc:short: "
h_is "bad DID wrote nothing" "$(h_redis_cli EXISTS 'relay:{m:bob}:member')" 0
out=$(ctl member add 'b@d' --did "$DID" 2>&1); rc=$?
h_is "bad handle: exit 1" "$rc" 1
h_like "bad handle named" "$out" "b@d: a handle is"
out=$(ctl member add bob 2>&1); rc=$?
h_is "missing --did: exit 1" "$rc" 1
h_like "missing --did named" "$out" "--did: required"
h_check "did:web member" ctl member add bob --did did:web:bob.example
out=$(ctl --json member add carol --did did:plc:234567abcdefghijklmnopqr)
h_is "member add --json" "$(fx_jget 'd["handle"]' <<<"$out")" carol

out=$(ctl member show ALICE --json); rc=$?
h_is "member show --json: exit 0" "$rc" 0
h_is "show: did" "$(fx_jget 'd["did"]' <<<"$out")" "$DID"
h_is "show: suspended false" "$(fx_jget 'd["suspended"]' <<<"$out")" false
out=$(ctl member show nobody 2>&1); rc=$?
h_is "show unknown member: exit 1" "$rc" 1
h_like "unknown member named" "$out" "nobody: no such member"
out=$(ctl --json member show nobody 2>/dev/null)
h_is "unknown member: JSON error code" "$(fx_jget 'd["error"]["code"]' <<<"$out")" unknown_member
out=$(ctl member list --json)
h_is "member list --json" "$(fx_jget '[m["handle"] for m in d]' <<<"$out")" '["alice", "bob", "carol"]'
h_like "member list text" "$(ctl member list)" "alice +did:plc:abcdefghijklmnopqrstuvwx +active"

# --- suspend / unsuspend
h_check "suspend" ctl member suspend alice --reason "bounce rate too high"
h_is "suspended=1" "$(h_redis_cli HGET 'relay:{m:alice}:member' suspended)" 1
h_is "reason stored" "$(h_redis_cli HGET 'relay:{m:alice}:member' suspend_reason)" "bounce rate too high"
h_is "by admin" "$(h_redis_cli HGET 'relay:{m:alice}:member' suspended_by)" admin
out=$(ctl member show alice --json)
h_is "show: suspend_reason" "$(fx_jget 'd["suspend_reason"]' <<<"$out")" "bounce rate too high"
out=$(ctl member suspend alice 2>&1); rc=$?
h_is "suspend without --reason: exit 1" "$rc" 1
out=$(ctl member suspend ghost --reason x 2>&1); rc=$?
h_is "suspend unknown: exit 1" "$rc" 1
h_is "suspend unknown created nothing" "$(h_redis_cli EXISTS 'relay:{m:ghost}:member')" 0
h_check "unsuspend" ctl member unsuspend alice
h_is "suspended=0" "$(h_redis_cli HGET 'relay:{m:alice}:member' suspended)" 0
h_like "window restarted" "$(h_redis_cli HGET 'relay:{m:alice}:member' window_start)" '^[0-9]{10}$'

# --- limits: the member's own caps, over relay.conf's (policyd reads them)
m='relay:{m:alice}:member'
h_check "limits: set all three" ctl member limits alice --per-hour 50 --per-day 500 --queue-cap 20
h_is "limits stored" "$(h_redis_cli HMGET "$m" per_hour per_day queue_cap | tr '\n' ' ')" "50 500 20 "
out=$(ctl --json member show alice)
h_is "show --json: limits" "$(fx_jget 'd["limits"]' <<<"$out")" '{"per_day": 500, "per_hour": 50, "queue_cap": 20}'
h_like "show: limits line" "$(ctl member show alice)" 'limits: +per_hour=50 per_day=500 queue_cap=20'
h_check "limits: per-hour back to relay.conf's" ctl member limits alice --per-hour default
h_is "default deletes the field" "$(h_redis_cli HEXISTS "$m" per_hour)" 0
h_like "show: relay.conf's value" "$(ctl member show alice)" 'per_hour=\(relay\.conf\)'
out=$(ctl member limits alice --per-hour 600 2>&1); rc=$?
h_is "per_hour above the stored per_day: exit 1" "$rc" 1
h_like "per_hour above per_day: said" "$out" 'above per_day: nothing changed'
h_is "per_hour above per_day: nothing written" "$(h_redis_cli HEXISTS "$m" per_hour)" 0
h_check "per_hour 50 again" ctl member limits alice --per-hour 50
out=$(ctl --json member limits alice --per-day 40 2>/dev/null); rc=$?
h_is "per_day below the stored per_hour: exit 1" "$rc" 1
h_is "... the option given named" "$(fx_jget 'd["error"]["argument"]' <<<"$out")" --per-day
h_is "... nothing written" "$(h_redis_cli HGET "$m" per_day)" 500
for bad in -1 1e3 100000001 '' 12x; do
	out=$(ctl member limits alice --queue-cap "$bad" 2>&1); rc=$?
	h_is "queue-cap '$bad': exit 1" "$rc" 1
done
h_like "queue-cap out of range: the range is named" "$out" 'from 0 to 100000000'
h_is "bad values wrote nothing" "$(h_redis_cli HGET "$m" queue_cap)" 20
out=$(ctl member limits ghost --queue-cap 3 2>&1); rc=$?
h_is "limits of an unknown member: exit 1" "$rc" 1
h_is "limits of an unknown member: nothing created" "$(h_redis_cli EXISTS 'relay:{m:ghost}:member')" 0
out=$(ctl member limits alice 2>&1); rc=$?
h_is "limits with nothing to set: exit 1" "$rc" 1
out=$(ctl --json member limits alice --per-day default --queue-cap 0)
h_is "limits --json: null for default" "$(fx_jget '[d["per_day"], d["queue_cap"]]' <<<"$out")" '[null, 0]'
h_is "fields after" "$(h_redis_cli HMGET "$m" per_day queue_cap | tr '\n' ' ')" " 0 "

# --- apikey create / list / revoke
out=$(ctl apikey create alice --json); rc=$?
h_is "apikey create: exit 0" "$rc" 0
key=$(fx_jget 'd["key"]' <<<"$out")
id=$(fx_jget 'd["id"]' <<<"$out")
h_like "key: 32 URL-safe characters (192 bits)" "$key" '^[A-Za-z0-9_-]{32}$'
h_like "id: 8 hex digits" "$id" '^[0-9a-f]{8}$'
stored=$(h_redis_cli HGET 'relay:{m:alice}:apikeys' "$id")
want=$(printf '%s' "$key" | sha256sum | cut -d' ' -f1)
h_like "only CREATED SHA256 stored" "$stored" "^[0-9]{10} $want\$"
h_unlike "the key itself is not in Redis" "$(h_redis_cli --no-raw DUMP 'relay:{m:alice}:apikeys')" "$key"
key2=$(ctl apikey create alice 2>/dev/null)
h_like "text output is the key alone" "$key2" '^[A-Za-z0-9_-]{32}$'
h_unlike "two keys differ" "$key2" "^$key\$"
out=$(ctl apikey create nobody 2>&1); rc=$?
h_is "apikey for unknown member: exit 1" "$rc" 1
h_is "...wrote nothing" "$(h_redis_cli EXISTS 'relay:{m:nobody}:apikeys')" 0
out=$(ctl apikey list alice --json)
h_is "apikey list: two keys" "$(fx_jget 'len(d)' <<<"$out")" 2
h_is "apikey list: never used" "$(fx_jget 'd[0]["last_used"]' <<<"$out")" 0
h_unlike "apikey list shows no hashes" "$out" "$want"
out=$(ctl apikey revoke alice 12345678 2>&1); rc=$?
h_is "revoke unknown id: exit 1" "$rc" 1
out=$(ctl apikey revoke alice nothex 2>&1); rc=$?
h_is "revoke bad id: exit 1" "$rc" 1
h_like "bad id named" "$out" "nothex: a key id is 8 hex digits"
h_check "revoke" ctl apikey revoke alice "$id"
h_is "revoked key gone" "$(h_redis_cli HEXISTS 'relay:{m:alice}:apikeys' "$id")" 0

# --- status: records as relay-milter and relay-tracker write them (SCHEMA.md)
now=$(date +%s)
h_redis_cli SET 'relay:{q:4jXSFb4mYyz1bZSC}:qid' alice >/dev/null
h_redis_cli HSET 'relay:{m:alice}:msg:4jXSFb4mYyz1bZSC' domain alice.example \
    sender a@alice.example rcpts '["r1@dest.example","r2@dest.example"]' \
    message_id '<m1@alice.example>' accepted "$now" \
    'r:r1@dest.example' '{"status":"sent","dsn":"2.0.0","class":"other","reply":"250 ok","relay":"sink","at":1,"attempts":1}' \
    'r:r2@dest.example' '{"status":"bounced","dsn":"5.1.1","class":"hard","reply":"550 5.1.1 no such user","at":2,"attempts":1}' >/dev/null
h_redis_cli ZADD 'relay:{m:alice}:recent' "$now" 4jXSFb4mYyz1bZSC >/dev/null
msha=$(printf '%s' '<m1@alice.example>' | sha256sum | cut -d' ' -f1)
h_redis_cli SADD "relay:{x:$msha}:msgid" 'alice 4jXSFb4mYyz1bZSC' >/dev/null
out=$(ctl status 4jXSFb4mYyz1bZSC --json); rc=$?
h_is "status QUEUEID: exit 0" "$rc" 0
h_is "status: recipients" "$(fx_jget '[(r["address"], r["status"]) for r in d["recipients"]]' <<<"$out")" \
    '[["r1@dest.example", "sent"], ["r2@dest.example", "bounced"]]'
h_is "status: bounce dsn" "$(fx_jget 'd["recipients"][1]["dsn"]' <<<"$out")" 5.1.1
out=$(ctl status '<m1@alice.example>' --json)
h_is "status MESSAGE-ID" "$(fx_jget 'd["queue_id"]' <<<"$out")" 4jXSFb4mYyz1bZSC
out=$(ctl status m1@alice.example --json)
h_is "status MESSAGE-ID without brackets" "$(fx_jget 'd["member"]' <<<"$out")" alice
out=$(ctl status --member alice --since 1h --json)
h_is "status --member --since 1h" "$(fx_jget '[m["queue_id"] for m in d]' <<<"$out")" '["4jXSFb4mYyz1bZSC"]'
out=$(ctl status --member alice --since 2099-01-01 --json)
h_is "status --since the future: none" "$(fx_jget 'len(d)' <<<"$out")" 0
h_like "status text" "$(ctl status 4jXSFb4mYyz1bZSC)" "r2@dest.example +bounced +5.1.1 \(hard\)"
out=$(ctl status NOSUCHQID 2>&1); rc=$?
h_is "status unknown: exit 1" "$rc" 1
out=$(ctl status --member alice --since yesterday 2>&1); rc=$?
h_is "status bad --since: exit 1" "$rc" 1
h_like "bad --since named" "$out" "yesterday: a time"

# --- bytes that are not UTF-8, and control characters, from Redis and argv
out=$(ctl member suspend bob --reason $'caf\xc3\xa9 ferm\xe9' 2>&1); rc=$?
h_is "suspend --reason with 8-bit bytes: exit 1" "$rc" 1
h_like "...says printable ASCII" "$out" "printable ASCII only"
out=$(ctl member suspend bob --reason $'two\r\nlines' 2>&1); rc=$?
h_is "suspend --reason with CR LF: exit 1" "$rc" 1
h_is "...wrote nothing" "$(h_redis_cli HGET 'relay:{m:bob}:member' suspended)" 0
h_redis_cli HSET 'relay:{m:bob}:member' suspended 1 suspended_by auto >/dev/null
printf 'caf\xe9 \x1b[31mred' | h_redis_cli -x HSET 'relay:{m:bob}:member' suspend_reason >/dev/null
out=$(ctl --json member show bob)
h_is "member show --json: a Latin-1 reason kept as \\xNN" \
    "$(fx_jget 'd["suspend_reason"] == "caf\\xe9 \x1b[31mred"' <<<"$out")" true
out=$(ctl member show bob)
h_like "member show: reason escaped" "$out" 'auto at [^:]*: caf\\xe9 \\x1b\[31mred'
h_unlike "...no raw ESC on the terminal" "$out" $'\x1b'
h_redis_cli HSET 'relay:{m:bob}:member' suspended 0 >/dev/null
printf '{"status":"bounced","dsn":"5.1.1","class":"hard","reply":"550 5.1.1 r\xe9ponse \\u001b[2J","at":2}' |
    h_redis_cli -x HSET 'relay:{m:alice}:msg:4jXSFb4mYyz1bZSC' 'r:r2@dest.example' >/dev/null
printf '<m\xff1@alice.example>' | h_redis_cli -x HSET 'relay:{m:alice}:msg:4jXSFb4mYyz1bZSC' message_id >/dev/null
out=$(ctl --json status 4jXSFb4mYyz1bZSC)
h_is "status: a Latin-1 reply is still bounced" "$(fx_jget '[r["status"] for r in d["recipients"]]' <<<"$out")" '["sent", "bounced"]'
h_is "...the reply with \\xNN" "$(fx_jget 'd["recipients"][1]["reply"] == "550 5.1.1 r\\xe9ponse \x1b[2J"' <<<"$out")" true
h_is "...8-bit Message-ID shown" "$(fx_jget 'd["message_id"]' <<<"$out")" '<m\xff1@alice.example>'
out=$(ctl status 4jXSFb4mYyz1bZSC)
h_like "status text: bounced" "$out" 'r2@dest\.example +bounced +5\.1\.1 \(hard\) 550 5\.1\.1 r\\xe9ponse \\x1b\[2J'
h_unlike "...no raw ESC on the terminal" "$out" $'\x1b'
out=$(ctl --json domain show $'\xff.com' 2>/dev/null); rc=$?
h_is "--json error for a non-UTF-8 argument: exit 1" "$rc" 1
h_is "...still printed" "$(fx_jget 'd["error"]["argument"]' <<<"$out")" '\xff.com'
out=$(ctl member show $'a\x1b[2Jb' 2>&1)
h_like "a raw argument is echoed escaped" "$out" 'a\\x1b\[2Jb: '
h_unlike "...no raw ESC" "$out" $'\x1b'
out=$(ctl status --member alice --since 2026-02-30 2>&1); rc=$?
h_is "--since 2026-02-30: exit 1" "$rc" 1
out=$(ctl status --member alice --since 99999999999999999999 2>&1); rc=$?
h_is "--since with a 20-digit epoch: exit 1" "$rc" 1
out=$(ctl status --member alice --member bob 2>&1); rc=$?
h_is "an option given twice: exit 1" "$rc" 1
h_like "...named" "$out" "--member: --member given twice"
out=$("$CTL" -c 2>&1); rc=$?
h_is "-c without a value: exit 1" "$rc" 1
h_like "...says it needs one" "$out" "-c: needs a value"
out=$("$CTL" -c "$FX_CONF" '' 2>&1); rc=$?
h_is "a blank command: exit 1" "$rc" 1
h_like "...named as \"\"" "$out" 'relayctl: "": unknown command'
h_unlike "...not as relayctl: : " "$out" 'relayctl: : '

# --- member remove: refused while domains are enrolled
fx_domain alice.example alice
out=$(ctl member remove alice 2>&1); rc=$?
h_is "remove member with domains: exit 1" "$rc" 1
h_like "...says why" "$out" "domains are enrolled"
h_check "remove carol" ctl member remove carol
h_is "carol's hash gone" "$(h_redis_cli EXISTS 'relay:{m:carol}:member')" 0
h_is "carol unindexed" "$(h_redis_cli SISMEMBER relay:members carol)" 0
out=$(ctl member remove carol 2>&1); rc=$?
h_is "remove twice: exit 1" "$rc" 1
# a member with a big suppression list: freed in Redis's background thread
# (UNLINK); a DEL of 600k entries holds every other client for ~0.1-0.3 s
ctl member add big --did "$DID" >/dev/null
h_redis_cli EVAL "for i = 1, 600000 do redis.call('HSET', KEYS[1], 'r' .. i .. '@x.example', '{\"reason\":\"admin\",\"at\":1}') end" 1 'relay:{m:big}:suppress' >/dev/null
h_redis_cli CONFIG SET slowlog-log-slower-than 40000 >/dev/null
h_redis_cli SLOWLOG RESET >/dev/null
h_check "remove a member with 600k suppressions" ctl member remove big
h_is "...its list gone" "$(h_redis_cli EXISTS 'relay:{m:big}:suppress')" 0
h_is "...no Redis command over 40 ms (the script unlinks, Redis frees later)" "$(h_redis_cli SLOWLOG LEN)" 0
h_redis_cli CONFIG SET slowlog-log-slower-than 10000 >/dev/null

# --- an interrupted member add: running the same command again finishes
h_redis_cli ACL SETUSER default -sadd >/dev/null
out=$(ctl member add gina --did "$DID" 2>&1); rc=$?
h_redis_cli ACL SETUSER default +sadd >/dev/null
h_is "member add, SADD refused: exit 2" "$rc" 2
h_like "...says to run it again" "$out" "run the same command again to finish"
h_is "...record written, not listed" "$(h_redis_cli EXISTS 'relay:{m:gina}:member')$(h_redis_cli SISMEMBER relay:members gina)" 10
out=$(ctl member add gina --did did:plc:234567abcdefghijklmnopqr 2>&1); rc=$?
h_is "rerun with another DID: exit 1" "$rc" 1
h_like "...names the stored DID" "$out" "gina: member already exists, with DID $DID, but is not listed"
out=$(ctl --json member add gina --did "$DID"); rc=$?
h_is "rerun: exit 0" "$rc" 0
h_is "...says it was added before" "$(fx_jget 'd["already_added"]' <<<"$out")" true
h_is "...listed now" "$(h_redis_cli SISMEMBER relay:members gina)" 1
out=$(ctl member add gina --did "$DID" 2>&1); rc=$?
h_is "a third time: a duplicate, exit 1" "$rc" 1
h_like "...named" "$out" "gina: member already exists$"

# --- an interrupted member remove: running the same command again finishes
h_redis_cli ACL SETUSER default -srem >/dev/null
out=$(ctl member remove gina 2>&1); rc=$?
h_redis_cli ACL SETUSER default +srem >/dev/null
h_is "member remove, SREM refused: exit 2" "$rc" 2
h_like "...says to run it again" "$out" "run the same command again to finish"
h_is "...record gone, still listed" "$(h_redis_cli EXISTS 'relay:{m:gina}:member')$(h_redis_cli SISMEMBER relay:members gina)" 01
out=$(ctl member remove gina 2>&1); rc=$?
h_is "rerun: exit 0" "$rc" 0
h_like "...says so" "$out" "member gina was already removed; its leftover index entry is gone now"
h_is "...not listed" "$(h_redis_cli SISMEMBER relay:members gina)" 0
out=$(ctl member remove gina 2>&1); rc=$?
h_is "a third time: exit 1" "$rc" 1
h_like "...no such member" "$out" "gina: no such member"
h_is "the admin lock is released after every run" "$(h_redis_cli EXISTS relay:ctl:lock)" 0

# --- apikey revoke: one script for the key and its last login
id=$(ctl --json apikey create bob | fx_jget 'd["id"]')
h_redis_cli HSET 'relay:{m:bob}:apikeys_used' "$id" 1700000000 >/dev/null
h_check "revoke a used key" ctl apikey revoke bob "$id"
h_is "...key and last login gone" "$(h_redis_cli HEXISTS 'relay:{m:bob}:apikeys' "$id")$(h_redis_cli HEXISTS 'relay:{m:bob}:apikeys_used' "$id")" 00
# what an interrupted revoke of an older relayctl left: only the last login
h_redis_cli HSET 'relay:{m:bob}:apikeys_used' 0badc0de 1700000000 >/dev/null
out=$(ctl apikey revoke bob 0badc0de 2>&1); rc=$?
h_is "revoke of a half-revoked key: exit 0" "$rc" 0
h_like "...says so" "$out" "key 0badc0de of bob was already revoked; its leftover last-login entry is gone now"
h_is "...entry gone" "$(h_redis_cli HEXISTS 'relay:{m:bob}:apikeys_used' 0badc0de)" 0
out=$(ctl apikey revoke bob 0badc0de 2>&1); rc=$?
h_is "...a third time: exit 1" "$rc" 1

# --- member list with a record of the wrong type: the others are listed
h_redis_cli SET 'relay:{m:aaabroken}:member' junk >/dev/null
h_redis_cli SADD relay:members aaabroken >/dev/null
ctl member list >"$H_TMP/ml.out" 2>"$H_TMP/ml.err"; rc=$?
h_is "member list with a wrong-type record: exit 2" "$rc" 2
h_like "...lists the others" "$(cat "$H_TMP/ml.out")" "alice +did:plc:abcdefghijklmnopqrstuvwx +active"
h_like "...names the bad one on stderr" "$(cat "$H_TMP/ml.err")" 'aaabroken: relay:\{m:aaabroken\}:member cannot be read \(WRONGTYPE'
out=$(ctl --json member list 2>/dev/null); rc=$?
h_is "...--json: every readable member, exit 2" "$rc:$(fx_jget '[m["handle"] for m in d[:-1]]' <<<"$out")" '2:["alice", "bob"]'
h_is "...then the error, naming it (F5)" "$(fx_jget '[d[-1]["error"]["code"], [x["id"] for x in d[-1]["error"]["skipped"]]]' <<<"$out")" '["unreadable", ["aaabroken"]]'
h_redis_cli DEL 'relay:{m:aaabroken}:member' >/dev/null
h_redis_cli SREM relay:members aaabroken >/dev/null

# --- conditions and config
out=$(ctl conditions --json); rc=$?
h_is "conditions --json: exit 0" "$rc" 0
h_is "conditions: auth_failed row" "$(fx_jget '[c["smtp"] + " " + c["dsn"] for c in d if c["code"] == "auth_failed"][0]' <<<"$out")" "535 5.7.8"
h_is "conditions: six rows" "$(fx_jget 'len(d)' <<<"$out")" 6
h_like "conditions text" "$("$CTL" conditions)" "member_suspended +521 5\.7\.1"
out=$(ctl config check --json); rc=$?
h_is "config check: exit 0" "$rc" 0
h_is "config check ok" "$(fx_jget 'd["ok"]' <<<"$out")" true
h_is "...no warnings" "$(fx_jget 'd["warnings"]' <<<"$out")" "[]"
# valid but probably wrong: loads (exit 0) with warnings, FILE:LINE first
printf 'redis: { socket = "%s"; };\nmilter: { socket = "inet:8891"; record_ttl = "2d"; };\npolicyd: { listen = [ "inet:0.0.0.0:20100" ]; };\n' "$REDIS_SOCK" >"$H_TMP/warn.conf"
out=$("$CTL" -c "$H_TMP/warn.conf" --json config check 2>/dev/null); rc=$?
h_is "config check with warnings: exit 0, ok" "$rc $(fx_jget 'd["ok"]' <<<"$out")" "0 true"
h_is "...three warnings, by file:line and key" "$(fx_jget '"\n".join(w[:w.index(" warning:")] for w in d["warnings"])' <<<"$out")" "$H_TMP/warn.conf:2: milter.socket:
$H_TMP/warn.conf:3: policyd.listen:
$H_TMP/warn.conf:2: milter.record_ttl:"
out=$("$CTL" -c "$H_TMP/warn.conf" config check 2>"$H_TMP/warn.err"); rc=$?
h_is "...text: exit 0, ok with warnings" "$rc $out" "0 $H_TMP/warn.conf: ok, with warnings"
h_like "...each warning on stderr" "$(cat "$H_TMP/warn.err")" "warn.conf:2: milter.record_ttl: warning: 2d is shorter than Postfix's default maximal_queue_lifetime"
h_is "...three lines" "$(grep -c ': warning: ' "$H_TMP/warn.err")" 3
h_is "...which commands take as they are" "$("$CTL" -c "$H_TMP/warn.conf" member list >/dev/null 2>&1; echo $?)" 0
printf 'redis: { port = 99999; };\nbogus: { x = 1; };\n' >"$H_TMP/bad.conf"
out=$("$CTL" -c "$H_TMP/bad.conf" --json config check 2>/dev/null); rc=$?
h_is "config check bad file: exit 1" "$rc" 1
h_like "errors name file:line and key" "$(fx_jget '"\n".join(d["errors"])' <<<"$out")" "bad.conf:1: redis.port"
h_like "...and the unknown section" "$(fx_jget '"\n".join(d["errors"])' <<<"$out")" "bad.conf:2: .*bogus"
printf 'redis: { port = 99999; };\nbogus\xff: { x = 1; };\n' >"$H_TMP/bad8.conf"
out=$("$CTL" -c "$H_TMP/bad8.conf" --json config check 2>/dev/null); rc=$?
h_is "config check, 8-bit bytes in the file: exit 1" "$rc" 1
h_is "...every error listed" "$(fx_jget '[d["ok"], len(d["errors"]) > 0]' <<<"$out")" '[false, true]'
out=$("$CTL" -c "$H_TMP/bad.conf" member list 2>&1); rc=$?
h_is "commands refuse a bad relay.conf: exit 1" "$rc" 1
h_unlike "config show masks secrets" "$(FX_UNSUB='domain = "u.example"; hmac_key = "secret-secret-secret-secret-secret-1";' fx_conf "$H_TMP/s.conf"; "$CTL" -c "$H_TMP/s.conf" config show)" "secret-secret"
out=$("$CTL" -c "$H_TMP/s.conf" --json config show)
h_is "config show --json: secret masked" "$(fx_jget 'd["unsubscribe"]["hmac_key"]' <<<"$out")" "********"
h_is "config show --json: values" "$(fx_jget '[d["unsubscribe"]["domain"], d["relayctl"]["verify_interval"]]' <<<"$out")" '["u.example", 300]'
fx_conf

# --- audit3 F2: config show --json keeps a value that is not UTF-8
printf 'redis: { socket = "%s"; };\ntracker: { maillog = "/var/log/m\xffail\x1b[31m.log"; };\n' "$REDIS_SOCK" >"$H_TMP/c8.conf"
out=$("$CTL" -c "$H_TMP/c8.conf" --json config show); rc=$?
h_is "F2 config show --json, 8-bit value: exit 0" "$rc" 0
h_is "F2 ...the setting is there, as \\xNN" "$(fx_jget 'd["tracker"]["maillog"]' <<<"$out")" '/var/log/m\xffail'$'\x1b''[31m.log'
# --- audit3 F14: relay.conf errors escaped on stderr, and in the JSON error
printf 'redis: { socket = "%s"; };\nrelayctl: { spf_include = "sp\xfff.example\x01"; };\n' "$REDIS_SOCK" >"$H_TMP/c6.conf"
"$CTL" -c "$H_TMP/c6.conf" --json member list >"$H_TMP/c6.out" 2>"$H_TMP/c6.err"; rc=$?
h_is "F14 bad relay.conf --json: exit 1" "$rc" 1
h_unlike "F14 ...no raw bytes on stderr" "$(cat "$H_TMP/c6.err")" $'[\xff\x01]'
h_like "F14 ...escaped" "$(cat "$H_TMP/c6.err")" 'sp\\xfff\.example\\x01'
h_like "F14 ...the JSON error lists why" "$(fx_jget 'd["error"]["code"] + " " + "|".join(d["error"]["errors"])' <"$H_TMP/c6.out")" '^invalid_config .*c6\.conf:2: relayctl\.spf_include'

# --- audit3 F13: global option errors, with --json, are JSON too
out=$("$CTL" --json 2>/dev/null); rc=$?
h_is "F13 no command, --json: exit 1" "$rc" 1
h_is "F13 ...a JSON usage error" "$(fx_jget 'd["error"]["code"]' <<<"$out")" usage
out=$("$CTL" -x --json member list 2>/dev/null); rc=$?
h_is "F13 unknown global option before --json: JSON error" "$rc:$(fx_jget 'd["error"]["code"] + " " + d["error"]["argument"]' <<<"$out")" "1:usage -x"
out=$("$CTL" -c /nonexistent -c "$FX_CONF" member list 2>&1); rc=$?
h_is "F13 -c twice: exit 1" "$rc" 1
h_like "F13 ...refused" "$out" "-c: given twice"
out=$(ctl member show -- --json 2>&1); rc=$?
h_like "F13 --json after --: an argument, not the option" "$rc:$out" '^1:.*--json: '

# --- audit3 F6/F5: a bad index entry is skipped, the rest listed
h_redis_cli SADD relay:members 'sp ace' >/dev/null
out=$(ctl --json member list 2>"$H_TMP/ml.err"); rc=$?
h_is "F6 member list, a handle no key can hold: exit 2" "$rc" 2
h_is "F6 ...the others listed, the error last" "$(fx_jget '["alice" in [x.get("handle") for x in d[:-1]], list(d[-1].keys()), d[-1]["error"]["code"], d[-1]["error"]["skipped"][0]["id"]]' <<<"$out")" '[true, ["error"], "unreadable", "sp ace"]'
h_like "F6 ...named on stderr" "$(cat "$H_TMP/ml.err")" 'sp ace: .*not listed'
out=$(ctl member list 2>/dev/null); rc=$?
h_is "F6 text: exit 2, others listed" "$rc:$(grep -c '^alice ' <<<"$out")" 2:1
h_redis_cli SREM relay:members 'sp ace' >/dev/null

# --- audit3 F12: key ids from Redis escaped on a terminal
printf '1796460000 abcdef' | h_redis_cli -x HSET 'relay:{m:alice}:apikeys' "$(printf 'i\x1b]0;pwned\x07d')" >/dev/null
out=$(ctl apikey list alice)
h_unlike "F12 apikey list: no raw ESC" "$out" $'\x1b'
h_like "F12 ...escaped" "$out" 'i\\x1b\]0;pwned\\x07d'
h_redis_cli HDEL 'relay:{m:alice}:apikeys' "$(printf 'i\x1b]0;pwned\x07d')" >/dev/null

# --- audit3 F3: a key that could not be printed is revoked, exit 2
n0=$(h_redis_cli HLEN 'relay:{m:alice}:apikeys')
ctl apikey create alice >/dev/full 2>"$H_TMP/full.err"; rc=$?
h_is "F3 apikey create > /dev/full: exit 2" "$rc" 2
h_like "F3 ...says it was revoked" "$(cat "$H_TMP/full.err")" "could not be written to standard output: it was revoked"
h_is "F3 ...no unusable key left" "$(h_redis_cli HLEN 'relay:{m:alice}:apikeys')" "$n0"
ctl --json apikey create alice >/dev/full 2>/dev/null; rc=$?
h_is "F3 --json apikey create > /dev/full: exit 2, revoked" "$rc:$(h_redis_cli HLEN 'relay:{m:alice}:apikeys')" "2:$n0"
ctl member list >/dev/full 2>"$H_TMP/full.err"; rc=$?
h_is "F3 member list > /dev/full: exit 2" "$rc" 2
h_like "F3 ...said" "$(cat "$H_TMP/full.err")" "cannot write standard output"

# --- -h: the usage; with --json one JSON document on stdout, {"usage"}
out=$(ctl -h 2>&1); rc=$?
h_is "-h: exit 0" "$rc" 0
h_like "-h: the usage in words" "$out" '^usage: relayctl '
for h in -h --help; do
	out=$(ctl --json $h 2>/dev/null); rc=$?
	h_is "--json $h: exit 0" "$rc" 0
	h_like "--json $h: one JSON document, the usage its \"usage\"" \
	    "$(fx_jget 'd["usage"]' <<<"$out")" '^usage: relayctl .*config check'
done

# --- usage errors and the backend
out=$(ctl member frobnicate 2>&1); rc=$?
h_is "unknown subcommand: exit 1" "$rc" 1
out=$(ctl member show alice --bogus 2>&1); rc=$?
h_is "unknown option: exit 1" "$rc" 1
h_like "unknown option named" "$out" "--bogus: unknown option"
h_stop_redis
out=$(ctl member list 2>&1); rc=$?
h_is "Redis down: exit 2" "$rc" 2
out=$(ctl --json member show alice 2>/dev/null); rc=$?
h_is "Redis down --json: exit 2" "$rc" 2
h_is "Redis down: JSON error code" "$(fx_jget 'd["error"]["code"]' <<<"$out")" backend
h_done
