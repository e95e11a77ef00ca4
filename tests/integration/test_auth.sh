#!/bin/bash
# test_auth.sh - SMTP AUTH end to end: swaks -> private Postfix (submission,
# smtpd_sasl_type=dovecot) -> Dovecot (passdb checkpassword, the settings of
# contrib/dovecot/auth-relay.conf.ext) -> relay-checkpw -> Redis, with the
# members and keys made by relayctl. Success, 535 5.7.8 for a wrong key or
# handle, case-insensitive handles, revocation effective at the next login,
# suspended members still authenticating, a temporary failure (never an
# accepted login) when Redis is down.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init auth
h_need_root
h_need redis-server postfix dovecot swaks doveadm

CTL=$H_BUILDDIR/contrib/relayctl/relayctl
CHECKPW=$H_BUILDDIR/contrib/checkpw/relay-checkpw
[[ -x $CTL && -x $CHECKPW ]] || h_bail "build relayctl and relay-checkpw first"
ctl() { "$CTL" -c "$FX_CONF" "$@"; }

h_start_redis
fx_conf
chmod 0644 "$FX_CONF"
# relay-checkpw runs as user dovecot: it must reach the program and relay.conf.
cp "$CHECKPW" "$H_BIN/relay-checkpw"
chmod 0755 "$H_BIN/relay-checkpw"

ctl member add alice --did did:plc:abcdefghijklmnopqrstuvwx >/dev/null
ctl member add bob --did did:web:bob.example >/dev/null
out=$(ctl --json apikey create alice)
KEY1=$(fx_jget 'd["key"]' <<<"$out")
ID1=$(fx_jget 'd["id"]' <<<"$out")
KEY2=$(ctl apikey create alice 2>/dev/null)
BOBKEY=$(ctl apikey create bob 2>/dev/null)

# The passdb and cache settings exactly as contrib/dovecot ships them,
# with the test's paths.
ext=$H_SRCDIR/contrib/dovecot/auth-relay.conf.ext
h_check "contrib passdb uses checkpassword" grep -q 'driver = checkpassword' "$ext"
h_check "contrib sets auth_cache_size = 0" grep -q '^auth_cache_size = 0' "$ext"
DV_CONF_EXTRA=$(grep -E '^auth_(cache_size|username_format)' "$ext")
h_start_dovecot passdb "  driver = checkpassword
  args = $H_BIN/relay-checkpw -f -c $FX_CONF"

h_like "doveadm: right key" "$(doveadm -c "$DV_CONF" auth test alice "$KEY1" 2>&1)" "auth succeeded"
h_like "doveadm: wrong key" "$(doveadm -c "$DV_CONF" auth test alice wrong-key 2>&1)" "auth failed"

h_start_sink
SUB_PORT=$(h_port)
PF_MASTER_EXTRA="127.0.0.1:$SUB_PORT inet n - n - - smtpd
  -o syslog_name=postfix-pf/submission
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_sasl_type=dovecot
  -o smtpd_sasl_path=$DV_AUTH_SOCK
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject"
h_start_postfix
h_wait_port "$SUB_PORT" 10 || h_bail "submission port did not open"

send() {	# send USER KEY
	h_swaks --server "127.0.0.1:$SUB_PORT" --auth PLAIN --auth-user "$1" \
	    --auth-password="$2" --from a@alice.example --to r@dest.example 2>&1
}

out=$(send alice "$KEY1")
h_like "right key: 235" "$out" '<-  235 2\.7\.0 Authentication successful'
h_like "right key: queued" "$out" '<-  250 2\.0\.0 Ok: queued'
h_like "last-used time recorded" "$(h_redis_cli HGET 'relay:{m:alice}:apikeys_used' "$ID1")" '^[0-9]{10}$'
h_like "Postfix logs the handle" "$(h_wait_log 'sasl_username=alice' 10)" 'sasl_method=PLAIN, sasl_username=alice'
out=$(send ALICE "$KEY2")
h_like "upper-case handle, second key: 235" "$out" '<-  235 2\.7\.0'
out=$(h_swaks --server "127.0.0.1:$SUB_PORT" --auth LOGIN --auth-user Alice \
    --auth-password="$KEY1" --from a@alice.example --to r@dest.example 2>&1)
h_like "AUTH LOGIN, mixed case: 235" "$out" '<-  235 2\.7\.0'

out=$(send alice "${KEY1}x")
h_like "wrong key: 535 5.7.8" "$out" '<\*\* 535 5\.7\.8 '
out=$(send alice "$BOBKEY")
h_like "another member's key: 535 5.7.8" "$out" '<\*\* 535 5\.7\.8 '
out=$(send nobody "$KEY1")
h_like "unknown handle: 535 5.7.8" "$out" '<\*\* 535 5\.7\.8 '
out=$(send 'al{ice}' "$KEY1")
h_like "handle that is no handle: 535 5.7.8" "$out" '<\*\* 535 5\.7\.8 '
h_like "checkpw logged the failure" "$(cat "$DV_LOG")" 'user=alice result=fail'

# Revocation takes effect at the next login: no cache anywhere.
out=$(send alice "$KEY1")
h_like "key 1 works before revoke" "$out" '<-  235 '
h_check "revoke key 1" ctl apikey revoke alice "$ID1"
out=$(send alice "$KEY1")
h_like "revoked key: 535 5.7.8 at once" "$out" '<\*\* 535 5\.7\.8 '
out=$(send alice "$KEY2")
h_like "the other key still works" "$out" '<-  235 '

# Suspension is relay-policyd's answer (521 at MAIL FROM), not a login failure.
h_check "suspend alice" ctl member suspend alice --reason "testing"
out=$(send alice "$KEY2")
h_like "suspended member still authenticates" "$out" '<-  235 2\.7\.0'
ctl member unsuspend alice >/dev/null

# A member removed (after its domains) cannot log in any more.
h_check "remove bob" ctl member remove bob
out=$(send bob "$BOBKEY")
h_like "removed member: 535" "$out" '<\*\* 535 5\.7\.8 '

# relay-checkpw run directly, as Dovecot runs it ("user\0key\0\0" on fd 3),
# logging to stderr (-f) into checkpw.log.
cpw() {	# cpw USER KEY [CONF] - relay-checkpw's exit status
	printf '%s\0%s\0\0' "$1" "$2" | "$H_BIN/relay-checkpw" -f \
	    -c "${3:-$FX_CONF}" /bin/true 3<&0 2>>"$H_LOG/checkpw.log"
}

# -h: the usage, naming where relay.conf comes from ($RELAY_CONF first)
out=$("$CHECKPW" -h 2>&1); rc=$?
h_is "relay-checkpw -h: exit 0" "$rc" 0
h_like "... names \$RELAY_CONF before the built-in default" "$out" \
    '-c FILE +configuration \(default \$RELAY_CONF, else /'

# Every key of a member with many works: no limit on how many are read.
ctl member add carol --did did:web:carol.example >/dev/null
for ((i = 0; i < 70; i++)); do ctl apikey create carol 2>/dev/null; done >"$H_TMP/carol.keys"
bad=0
while read -r k; do cpw carol "$k" || bad=$((bad + 1)); done <"$H_TMP/carol.keys"
h_is "70 keys of one member: every one logs in" "$(wc -l <"$H_TMP/carol.keys") $bad" "70 0"
h_is "70 keys: each login recorded" "$(h_redis_cli HLEN 'relay:{m:carol}:apikeys_used')" 70

# A refused login names the user it refused (the input is wiped after).
cpw alice ""
h_is "empty key: refused (exit 1)" "$?" 1
h_like "empty key: the log names the user" "$(cat "$H_LOG/checkpw.log")" \
    'user=alice result=fail detail="not a handle and key"'

# A Redis without relay-suite data (restarted without persistence, the
# wrong database): an unknown handle is a temporary failure, said at error
# level, not a wrong key for every member.
h_redis_cli RENAME relay:schema relay:schema.saved >/dev/null
cpw nobody "$KEY2"
h_is "no relay:schema: unknown handle is temporary (exit 111)" "$?" 111
h_like "... and says why" "$(cat "$H_LOG/checkpw.log")" 'relay:schema is missing: this Redis holds no relay-suite data'
h_redis_cli RENAME relay:schema.saved relay:schema >/dev/null
cpw nobody "$KEY2"
h_is "relay:schema back: unknown handle refused (exit 1)" "$?" 1

# Only what a login needs is loaded: no script but checkpw_touch.lua.
h_redis_cli SCRIPT FLUSH >/dev/null
cpw alice "$KEY2"
h_is "right key after SCRIPT FLUSH: exit 0" "$?" 0
sha() { h_lua_sha "$1"; }
h_is "checkpw loads checkpw_touch.lua, not ctl_create.lua" \
    "$(h_redis_cli SCRIPT EXISTS "$(sha checkpw_touch)" "$(sha ctl_create)" | tr '\n' ' ')" "1 0 "

# The last-login time is recorded only while the key exists (the script
# relay-checkpw runs): a login racing a revoke leaves no stray entry.
id=$(ctl --json apikey list alice | fx_jget 'd[0]["id"]')
h_check "revoke alice's last key" ctl apikey revoke alice "$id"
h_is "touch after revoke: nothing written" \
    "$(h_redis_cli EVALSHA "$(sha checkpw_touch)" 2 'relay:{m:alice}:apikeys' \
    'relay:{m:alice}:apikeys_used' "$id" 1 | tr '\n' ' ')$(h_redis_cli HEXISTS 'relay:{m:alice}:apikeys_used' "$id")" "0 0"

# Input that is not "user\0password\0" (cut off, no NUL at all): a
# refusal (exit 1) said as such, never a temporary failure or a login.
printf 'carol' | "$H_BIN/relay-checkpw" -f -c "$FX_CONF" /bin/true 3<&0 2>>"$H_LOG/checkpw.log"
h_is "input without a NUL: refused (exit 1)" "$?" 1
printf 'carol\0%s' "$(sed -n 3p "$H_TMP/carol.keys")" |
    "$H_BIN/relay-checkpw" -f -c "$FX_CONF" /bin/true 3<&0 2>>"$H_LOG/checkpw.log"
h_is "a right key without its NUL (cut off): refused (exit 1)" "$?" 1
h_like "...logged as bad input" "$(tail -n 1 "$H_LOG/checkpw.log")" 'result=fail detail="bad input on fd 3"'
# fd 3 that cannot be read (not open, a directory): the hand-off
# failed, a temporary failure (exit 111) said on stderr, not a refusal
"$H_BIN/relay-checkpw" -f -c "$FX_CONF" /bin/true 3<&- 2>>"$H_LOG/checkpw.log"
h_is "fd 3 not open: temporary failure (exit 111)" "$?" 111
h_like "...said why" "$(tail -n 2 "$H_LOG/checkpw.log")" 'cannot read fd 3: Bad file descriptor'
"$H_BIN/relay-checkpw" -f -c "$FX_CONF" /bin/true 3<"$H_TMP" 2>>"$H_LOG/checkpw.log"
h_is "fd 3 a directory: temporary failure (exit 111)" "$?" 111

# relay.conf unreadable: a temporary failure (exit 111) that names the
# file, never a refusal of every login.
cpw carol "$(sed -n 3p "$H_TMP/carol.keys")" "$H_TMP/no-such.conf"
h_is "relay.conf missing: temporary failure (exit 111)" "$?" 111
h_like "...naming it" "$(tail -n 1 "$H_LOG/checkpw.log")" "no-such\.conf"

# The last-used time cannot be recorded (its hash of the wrong type): the
# login stands, and the log says what was not recorded.
h_redis_cli RENAME 'relay:{m:carol}:apikeys_used' 'relay:{m:carol}:used.saved' >/dev/null
h_redis_cli SET 'relay:{m:carol}:apikeys_used' junk >/dev/null
cpw carol "$(sed -n 3p "$H_TMP/carol.keys")"
h_is "last-used time not recordable: the login stands (exit 0)" "$?" 0
h_like "...logged, before the login's own line" "$(tail -n 2 "$H_LOG/checkpw.log" | head -n 1)" \
    'user=carol result=ok detail="could not record the last-used time"'
h_redis_cli DEL 'relay:{m:carol}:apikeys_used' >/dev/null
h_redis_cli RENAME 'relay:{m:carol}:used.saved' 'relay:{m:carol}:apikeys_used' >/dev/null

# A Redis ACL user with only the rights relay-checkpw(8) lists (REDIS
# RIGHTS): logins work, a wrong ACL password is a temporary failure, and
# the user can read nothing else (no DKIM key, no member record).
h_redis_cli ACL SETUSER checkpw on '>acl-secret' resetkeys '~relay:{m:*}:apikeys*' \
    '~relay:schema' resetchannels -@all +hgetall +hexists +hset +exists +evalsha '+script|load' >/dev/null
sed "s|timeout_ms = 500;|user = \"checkpw\"; password = \"acl-secret\"; timeout_ms = 500;|" \
    "$FX_CONF" >"$H_TMP/acl.conf"
h_redis_cli SCRIPT FLUSH >/dev/null
cpw carol "$(sed -n 2p "$H_TMP/carol.keys")" "$H_TMP/acl.conf"
h_is "ACL user checkpw: right key logs in (exit 0)" "$?" 0
cpw carol wrong-key-0123456789abcdef0123456 "$H_TMP/acl.conf"
h_is "ACL user checkpw: wrong key refused (exit 1)" "$?" 1
cpw nobody wrong-key-0123456789abcdef0123456 "$H_TMP/acl.conf"
h_is "ACL user checkpw: unknown handle refused (exit 1)" "$?" 1
h_redis_cli ACL SETUSER checkpw -exists >/dev/null
cpw nobody wrong-key-0123456789abcdef0123456 "$H_TMP/acl.conf"
h_is "an older ACL user without +exists: unknown handle refused (exit 1)" "$?" 1
h_redis_cli ACL SETUSER checkpw +exists >/dev/null
sed -i 's|acl-secret|not-the-secret|' "$H_TMP/acl.conf"
cpw carol "$(sed -n 2p "$H_TMP/carol.keys")" "$H_TMP/acl.conf"
h_is "ACL user, wrong Redis password: temporary failure (exit 111)" "$?" 111
h_like "ACL user, wrong Redis password: AUTH failure logged" "$(tail -n 1 "$H_LOG/checkpw.log")" 'result=tempfail detail="AUTH: WRONGPASS'
h_like "ACL user checkpw cannot read a member record" \
    "$(redis-cli -s "$REDIS_SOCK" --user checkpw --pass acl-secret --no-auth-warning HGETALL 'relay:{m:carol}:member' 2>&1)" 'NOPERM'

# A Redis that answers every command, but each 0.4 s late (under the 0.5 s
# command timeout): HGETALL, then EVALSHA, NOSCRIPT, SCRIPT LOAD and EVALSHA
# again would take 1.6 s, but the whole exchange has a deadline of twice
# timeout_ms (1 s), so a login never hangs on a slow Redis; exit 111.
h_start_slow_redis 0.4
sed "s|socket = \"$REDIS_SOCK\";|host = \"127.0.0.1\"; port = $SLOW_PORT;|" "$FX_CONF" >"$H_TMP/slow.conf"
h_redis_cli SCRIPT FLUSH >/dev/null
t0=$(date +%s%N)
cpw carol "$(head -n 1 "$H_TMP/carol.keys")" "$H_TMP/slow.conf"
rc=$? ms=$((($(date +%s%N) - t0) / 1000000))
h_is "slow Redis: a temporary failure (exit 111)" "$rc" 111
# (exit 111 is what tells the deadline from a slow success, which would
# take 1.6 s and exit 0; the bound on the time is loose for a busy host)
h_check "slow Redis: given up within 3 s (took ${ms} ms)" test "$ms" -lt 3000
h_like "slow Redis: the deadline is logged" "$(cat "$H_LOG/checkpw.log")" 'deadline passed'
h_stop_daemon slowredis

# Redis down: relay-checkpw reports a temporary failure (exit 111), which
# Dovecot passes on as FAIL code=temp_fail. Postfix 3.7's Dovecot client
# turns every FAIL into 535 (only a lost auth connection gives 454), so the
# client sees a refusal, never an unchecked login.
h_stop_redis
out=$(send alice "$KEY2")
h_like "Redis down: login refused" "$out" '<\*\* (454 4\.7\.0|535 5\.7\.8) '
h_unlike "Redis down: no 235" "$out" '<-  235 '
h_like "Redis down: a temporary failure for Dovecot (exit 111)" \
    "$(h_wait_log 'exited with status 111' 5 "$DV_LOG")" 'checkpassword\(alice'
h_done
