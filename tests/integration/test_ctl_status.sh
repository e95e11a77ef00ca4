#!/bin/bash
# test_ctl_status.sh - relayctl status reads what relay-tracker really
# writes: messages through the private Postfix to the sink (one delivered,
# one bounced 550 5.1.1, one deferred 451 4.2.0), the milter's records
# written by fx_message, the tracker following the log, then `relayctl
# status QUEUEID|MESSAGE-ID|--member` with --json read back by a parser;
# a message refused at end of data (its record written by the test) shows
# its recipients rejected.
# Skipped when relay-tracker is not built.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init ctl_status
h_need_root
h_need redis-server redis-cli postfix swaks
CTL=$H_BUILDDIR/contrib/relayctl/relayctl
TRACKER=$H_BUILDDIR/policyd/relay-tracker
[[ -x $CTL ]] || h_bail "build relayctl first ($CTL)"
[[ -x $TRACKER ]] || h_skip_all "relay-tracker is not built"
ctl() { "$CTL" -c "$FX_CONF" "$@"; }

h_start_redis
h_start_sink
# Hold every message at DATA so the milter's records exist before delivery.
PF_MAIN_EXTRA='smtpd_data_restrictions = check_client_access inline:{ {127.0.0.1 = HOLD} }'
h_start_postfix
FX_TRACKER="maillog = \"$PF_MAILLOG\"; poll_ms = 50;"
fx_conf
ctl member add alice --did did:plc:abcdefghijklmnopqrstuvwx >/dev/null
h_start_daemon tracker "$TRACKER" -f -c "$FX_CONF"

send() {	# send TO... - prints the queue id
	local out
	out=$(h_swaks --from a@alice.example --to "$1" --header 'Subject: status' 2>&1)
	[[ $out =~ queued\ as\ ([0-9A-Za-z]+) ]] || return 1
	echo "${BASH_REMATCH[1]}"
}
q1=$(send ok@dest.example,bounce@dest.example) || h_bail "not queued"
q2=$(send defer@dest.example) || h_bail "not queued"
fx_message alice "$q1" a@alice.example ok@dest.example,bounce@dest.example '<st1@alice.example>'
fx_message alice "$q2" a@alice.example defer@dest.example
out=$(ctl --json status "$q1")
h_is "before delivery: queued" "$(fx_jget '[r["status"] for r in d["recipients"]]' <<<"$out")" '["queued", "queued"]'
h_pf postsuper -H ALL >/dev/null 2>&1
h_pf_flush
h_check "attempts logged" h_wait_log_count ' to=<[^>]*@dest\.example>.* status=(sent|bounced|deferred) ' 3 20
h_check "tracker wrote the bounce" h_wait_for 20 sh -c "[ -n \"\$(redis-cli -s '$REDIS_SOCK' HGET 'relay:{m:alice}:msg:$q1' 'r:bounce@dest.example')\" ]"
h_check "tracker wrote the deferral" h_wait_for 20 sh -c "[ -n \"\$(redis-cli -s '$REDIS_SOCK' HGET 'relay:{m:alice}:msg:$q2' 'r:defer@dest.example')\" ]"

out=$(ctl --json status "$q1"); rc=$?
h_is "status QUEUEID: exit 0" "$rc" 0
h_is "per recipient" "$(fx_jget '[(r["address"], r["status"], r.get("dsn")) for r in d["recipients"]]' <<<"$out")" \
    '[["ok@dest.example", "sent", "2.0.0"], ["bounce@dest.example", "bounced", "5.1.1"]]'
h_is "bounce class" "$(fx_jget 'd["recipients"][1]["class"]' <<<"$out")" hard
h_like "remote reply" "$(fx_jget 'd["recipients"][1]["reply"]' <<<"$out")" '550 5\.1\.1'
out=$(ctl status "$q1")
h_like "in words: the sent recipient, no empty class, the relay" "$out" \
    'ok@dest\.example +sent +2\.0\.0 relay=[^ ]+\[127\.0\.0\.1\]:[0-9]+ 250 '
h_unlike "... no '()' for a class it does not have" "$out" '\(\)'
h_like "... the bounce with its class and relay" "$out" \
    'bounce@dest\.example +bounced +5\.1\.1 \(hard\) relay=[^ ]+\[127\.0\.0\.1\]:[0-9]+ host .* said: 550 '
out=$(ctl --json status '<st1@alice.example>')
h_is "status MESSAGE-ID" "$(fx_jget 'd["queue_id"]' <<<"$out")" "$q1"
# a Message-ID reused by 10005 more messages (records gone): the first
# 10000 by member and queue id are looked at, and stderr says so
sha=$(printf '%s' '<st1@alice.example>' | sha256sum | cut -d' ' -f1)
awk -v k="relay:{x:$sha}:msgid" 'BEGIN { for (i = 1; i <= 10005; i++)
    printf "SADD %s \"zz OLD%05d\"\n", k, i }' | h_redis_cli >/dev/null
out=$(ctl --json status '<st1@alice.example>' 2>"$H_TMP/status.err")
h_is "a reused Message-ID: alice's message still first" \
    "$(fx_jget 'd["queue_id"]' <<<"$out")" "$q1"
h_like "...said on stderr" "$(cat "$H_TMP/status.err")" \
    'the first 10000 of 10006 messages with this Message-ID'
h_redis_cli DEL "relay:{x:$sha}:msgid" >/dev/null
h_redis_cli SADD "relay:{x:$sha}:msgid" "alice $q1" >/dev/null
out=$(ctl --json status '<st1@alice.example>' 2>"$H_TMP/status.err")
h_is "...back to one: nothing said" "$(cat "$H_TMP/status.err")" ""
out=$(ctl --json status "$q2")
h_is "deferred" "$(fx_jget 'd["recipients"][0]["status"] + " " + d["recipients"][0]["dsn"]' <<<"$out")" "deferred 4.2.0"
out=$(ctl --json status --member alice --since 10m)
h_is "status --member: both" "$(fx_jget 'sorted(m["queue_id"] for m in d)' <<<"$out")" "$(printf '%s\n' "$q1" "$q2" | sort | "$H_PYTHON" -c 'import json,sys; print(json.dumps([l.strip() for l in sys.stdin]))')"
h_like "text listing" "$(ctl status --member alice)" "$q1 +a@alice\\.example +sent 1, bounced 1, deferred 0"
h_like "suppression from the bounce shows in suppress list" "$(ctl suppress list alice)" "bounce@dest\\.example +hard_bounce"
# --since: digits only where the digits go (sscanf alone took these)
for bad in '2026- 1-01' '2026-01-01T+1:00' '2026-01-01 01:-1' '+2026-01-01'; do
	out=$(ctl status --member alice --since "$bad" 2>&1); rc=$?
	h_is "--since '$bad': exit 1" "$rc" 1
done
h_like "...named" "$out" '\+2026-01-01: a time'
h_check "--since 2026-01-01T01:00 still fine" ctl status --member alice --since 2026-01-01T01:00

# More than 10000 messages: the newest 10000 are listed (oldest first), and
# standard error says how many there are. 10005 older entries, without
# message records (skipped in the listing), go into the recent index.
awk 'BEGIN { for (i = 1; i <= 10005; i++) printf "ZADD relay:{m:alice}:recent %d OLD%05d\n", 1000 + i, i }' |
    h_redis_cli >/dev/null
out=$(ctl --json status --member alice 2>"$H_TMP/status.err")
h_is "over 10000: the newest are listed" "$(fx_jget 'sorted(m["queue_id"] for m in d)' <<<"$out")" "$(printf '%s\n' "$q1" "$q2" | sort | "$H_PYTHON" -c 'import json,sys; print(json.dumps([l.strip() for l in sys.stdin]))')"
h_like "over 10000: said on stderr" "$(cat "$H_TMP/status.err")" 'the newest 10000 of 10007 messages; narrow with --since'
# audit3 F4: --until pages back to what the newest 10000 leave out
h_like "F4 ...and the --until that lists the older ones" "$(cat "$H_TMP/status.err")" 'list older ones with --until 1008$'
for i in 1 2 3; do
	h_redis_cli HSET "relay:{m:alice}:msg:OLD0000$i" accepted $((1000 + i)) sender "old$i@alice.example" rcpts '[]' >/dev/null
done
out=$(ctl --json status --member alice --until 1008 2>"$H_TMP/status.err"); rc=$?
h_is "F4 --until: the older messages, oldest first" "$rc:$(fx_jget '[m["queue_id"] for m in d]' <<<"$out")" '0:["OLD00001", "OLD00002", "OLD00003"]'
h_is "F4 ...nothing said: the range is complete" "$(cat "$H_TMP/status.err")" ""
out=$(ctl --json status --member alice --since 1002 --until 1002)
h_is "F4 --since and --until: both bounds" "$(fx_jget '[m["queue_id"] for m in d]' <<<"$out")" '["OLD00002"]'
out=$(ctl status "$q1" --until 1d 2>&1); rc=$?
h_is "F4 --until without --member: exit 1" "$rc" 1
# audit3 F15: --since takes the time as relayctl prints it
t=$(ctl status --member alice --since 1001 --until 1001 | awk '{ print $1 " " $2 }')
h_is "F15 the printed time" "$t" "1970-01-01 00:16:41Z"
out=$(ctl --json status --member alice --since "$t" --until "$t"); rc=$?
h_is "F15 --since/--until with the printed time: exit 0" "$rc:$(fx_jget '[m["queue_id"] for m in d]' <<<"$out")" '0:["OLD00001"]'
out=$(ctl --json status --member alice --since 1970-01-01T00:16:41Z --until 1970-01-01T00:16:41Z); rc=$?
h_is "F15 ...and ISO 8601 with Z" "$rc:$(fx_jget 'len(d)' <<<"$out")" 0:1

# A message refused at end of data after relay-milter recorded it (the
# record as relay-milter and relay-tracker's `rejected` event leave it:
# `rejected`, `final`, `ended`, no r:ADDRESS field): never queued, so its
# recipients are "rejected", not "queued".
now=$(date +%s)
h_redis_cli HSET 'relay:{m:alice}:msg:4jREJECTED01' domain alice.example \
    sender a@alice.example rcpts '["r1@dest.example","r2@dest.example"]' \
    message_id '<rej@alice.example>' accepted "$now" rejected "$now" \
    final "$now" ended "$now" >/dev/null
h_redis_cli SET 'relay:{q:4jREJECTED01}:qid' alice >/dev/null
out=$(ctl --json status 4jREJECTED01); rc=$?
h_is "refused at end of data: exit 0, rejected set" "$rc:$(fx_jget 'd["rejected"] > 0' <<<"$out")" 0:true
h_is "... every recipient rejected, none queued" \
    "$(fx_jget '[(r["address"], r["status"]) for r in d["recipients"]]' <<<"$out")" \
    '[["r1@dest.example", "rejected"], ["r2@dest.example", "rejected"]]'
h_like "... in words too" "$(ctl status 4jREJECTED01)" 'r1@dest\.example +rejected'
h_redis_cli ZADD 'relay:{m:alice}:recent' "$now" 4jREJECTED01 >/dev/null
h_like "... and in the member's listing, not as other" "$(ctl status --member alice)" \
    '4jREJECTED01 +a@alice\.example +sent 0, bounced 0, deferred 0, other 0, rejected 2 \(never queued\)'
h_done
