#!/bin/bash
# test_unsub_member.sh - relay-unsub writes a suppression only while the
# member exists (ctl_hsetnx_if.lua): a valid token of a removed member is
# refused (EX_NOUSER) and leaves no orphan relay:{m:H}:suppress; for a
# member that exists it suppresses, and keeps an entry already there; a
# Redis that lost all its data (relay:schema missing) defers (EX_TEMPFAIL).
# relay-unsub is run by hand with the message on stdin, as pipe(8) runs it.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init unsub_member
h_need redis-server
UNSUB=$H_BUILDDIR/policyd/relay-unsub
[[ -x $UNSUB ]] || h_bail "build policyd/relay-unsub first"

h_start_redis
fx_conf
fx_member frank
run() {	# run TOKEN SENDER - the exit code of relay-unsub
	local rc=0
	printf 'Subject: unsubscribe\n\nplease\n' |
	    "$UNSUB" -c "$FX_CONF" "$1" "$2" >"$H_TMP/out" 2>&1 || rc=$?
	echo "$rc"
}

tok=$("$UNSUB" -c "$FX_CONF" -t frank reader@isp.example)
h_is "member exists: delivered" "$(run "$tok" reader@isp.example)" 0
h_like "and suppressed as unsubscribe" "$(h_redis_cli HGET 'relay:{m:frank}:suppress' reader@isp.example)" '"reason":"unsubscribe"'

fx_suppress frank kept@isp.example hard_bounce
tk=$("$UNSUB" -c "$FX_CONF" -t frank kept@isp.example)
h_is "already suppressed: delivered" "$(run "$tk" kept@isp.example)" 0
h_like "the old reason is kept" "$(h_redis_cli HGET 'relay:{m:frank}:suppress' kept@isp.example)" hard_bounce

# the member is removed (relayctl member remove deletes its keys)
tg=$("$UNSUB" -c "$FX_CONF" -t gone reader@isp.example)
h_is "token of a member that never existed or was removed: EX_NOUSER" "$(run "$tg" reader@isp.example)" 67
h_like "it says why" "$(cat "$H_TMP/out")" 'unknown unsubscribe token'
h_is "no orphan suppression list" "$(h_redis_cli EXISTS 'relay:{m:gone}:suppress')" 0
h_redis_cli DEL 'relay:{m:frank}:member' 'relay:{m:frank}:suppress' >/dev/null
h_redis_cli SREM relay:members frank >/dev/null
h_is "frank removed: a valid token is refused" "$(run "$tok" reader@isp.example)" 67
h_is "frank removed: no orphan suppression list" "$(h_redis_cli EXISTS 'relay:{m:frank}:suppress')" 0

# A Redis that lost everything (restarted without its data): the member
# is not removed but lost, to be restored. The unsubscribe is deferred
# (Postfix retries), not bounced and lost for good.
fx_member frank
h_redis_cli FLUSHALL >/dev/null
h_is "Redis emptied: EX_TEMPFAIL, not EX_NOUSER" "$(run "$tok" reader@isp.example)" 75
h_like "... it says why" "$(cat "$H_TMP/out")" 'token store unavailable'
h_is "... no orphan suppression list" "$(h_redis_cli EXISTS 'relay:{m:frank}:suppress')" 0
h_redis_cli SET relay:schema 1 >/dev/null
h_is "relay:schema set again (a new, empty Redis): EX_NOUSER" "$(run "$tok" reader@isp.example)" 67

h_stop_redis
h_is "Redis down: EX_TEMPFAIL" "$(run "$tok" reader@isp.example)" 75
h_done
