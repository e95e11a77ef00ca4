#!/bin/bash
# test_tracker_faults.sh - relay-tracker under faults, without Postfix (the
# log is written by the test in Postfix's format):
#  - a Redis error reply (OOM, NOPERM) is a temporary failure: the batch is
#    retried and the position not saved past it, then applied;
#  - a reused queue id: after `removed`, lines of another message with the
#    same id are ignored, and so is a recipient not of the message;
#  - bounce-window buckets written under another bucket width, or named by
#    the old bucket numbers, are trimmed by their start time;
#  - a soft failure counts once per message (Postfix's retries do not
#    suppress), three messages do; the soft count has a TTL;
#  - an unwritable state file: lines are applied on, the save is retried
#    and the failure logged once, with the path and the reason;
#  - a command the ACL denies inside the script (Redis 7.0: "ERR The user
#    executing the script can't run ...") is retried, not dropped;
#  - a key of the wrong type (the member's :soft, a queue id key) fails
#    that one event, logged, and the log goes on; the event id is not
#    marked applied by a script that failed;
#  - a queue id reused by the same member starts a fresh record;
#  - a delivery retried after its own `removed` (pipelined behind it) is
#    applied, not taken for another message's;
#  - catching up (one-shot runs over a log of their own, TZ 5 h west of
#    UTC): an outcome is dated by its line's stamp (the recipient's `at`,
#    the bucket), a line from the future or with a stamp that does not
#    convert is dated now, 3-day-old bounces are not counted in a 24 h
#    window nor suspended on, an outcome before window_start is not
#    counted; :applied has a TTL (status_ttl and a day);
#  - a member removed while its mail was in flight: its lines write
#    nothing (no key made again) and are logged event=skipped;
#  - a reused queue id that expires twice: both expiries apply;
#  - recipients addr_norm refuses (address literal, one-label domain, in
#    another case, recorded with or without angle brackets): status and
#    bounce rate, never suppressed or soft-counted.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init tracker_faults
h_need redis-server
TRACKER=$H_BUILDDIR/policyd/relay-tracker
[[ -x $TRACKER ]] || h_bail "build policyd/relay-tracker first"

h_start_redis
LOG=$H_TMP/maillog
STATE=$H_TMP/state/tracker.state
: >"$LOG"
FX_TRACKER="maillog = \"$LOG\"; poll_ms = 50; state_file = \"$STATE\";"
FX_SUSPENSION='window = "2h"; min_volume = 1000;'
fx_conf
TLOG=$H_LOG/tracker.log
pid=1000
# dl QID TO DSN STATUS [ORIG_TO] - one delivery attempt (a new one each time)
dl() {
	pid=$((pid + 1))
	local o=${5:+, orig_to=<$5>}
	printf '%s relay postfix/smtp[%d]: %s: to=<%s>%s, relay=mx[192.0.2.1]:25, delay=%d, delays=0/0/0/1, dsn=%s, status=%s (host mx[192.0.2.1] said: %s00 %s text (in reply to RCPT TO command))\n' \
	    "$(date '+%b %e %H:%M:%S')" "$pid" "$1" "$2" "$o" "$pid" "$3" "$4" "${3%%.*}" "$3" >>"$LOG"
}
removed() {
	printf '%s relay postfix/qmgr[9]: %s: removed\n' "$(date '+%b %e %H:%M:%S')" "$1" >>"$LOG"
}
sup() { h_redis_cli HEXISTS "relay:{m:$1}:suppress" "$2"; }
offset() { sed -n 's/.* offset=\([0-9]*\) .*/\1/p' "$STATE" 2>/dev/null; }
caught_up() { [[ $(offset) == "$(stat -c %s "$LOG")" ]]; }

# --- an unwritable state file (its folder is missing) -------------------
fx_member alice
fx_message alice 4jQIDSAVE001 a@alice.test ok@d.example
h_start_daemon tracker "$TRACKER" -f -c "$FX_CONF"
h_wait_log 'tracker: following' 10 "$TLOG" >/dev/null || h_bail "tracker did not start"
dl 4jQIDSAVE001 ok@d.example 2.0.0 sent
h_check "state file not writable: the line is applied all the same" \
    h_wait_for 10 bash -c "redis-cli -s '$REDIS_SOCK' HGET 'relay:{m:alice}:msg:4jQIDSAVE001' r:ok@d.example | grep -q sent"
line=$(h_wait_log 'cannot save the position' 10 "$TLOG")
h_like "the failure names the file and the reason" "$line" "state/tracker\\.state\\.tmp: No such file or directory"
fx_message alice 4jQIDSAVE002 a@alice.test ok2@d.example
dl 4jQIDSAVE002 ok2@d.example 2.0.0 sent
h_check "and the next lines too" \
    h_wait_for 10 bash -c "redis-cli -s '$REDIS_SOCK' HGET 'relay:{m:alice}:msg:4jQIDSAVE002' r:ok2@d.example | grep -q sent"
sleep 1
h_is "logged once per streak, not per try" "$(h_log_count 'cannot save the position' "$TLOG")" 1
mkdir -p "$H_TMP/state"
h_check "the save succeeds once the folder exists" h_wait_for 40 caught_up
h_check "and says so" h_wait_log 'position saved again' 5 "$TLOG"

# --- Redis error replies --------------------------------------------------
fx_message alice 4jQIDOOM0001 a@alice.test gone@d.example,nope@d.example
h_redis_cli CONFIG SET maxmemory 1 >/dev/null
before=$(offset)
dl 4jQIDOOM0001 gone@d.example 5.1.1 bounced
h_check "OOM: the tracker retries" h_wait_log 'Redis unavailable, retrying: .*OOM' 10 "$TLOG"
sleep 0.5
h_is "OOM: the position is not saved past the line" "$(offset)" "$before"
h_is "OOM: nothing suppressed yet" "$(sup alice gone@d.example)" 0
h_redis_cli CONFIG SET maxmemory 0 >/dev/null
h_check "OOM over: the line is applied" h_wait_for 10 bash -c "[ \"\$(redis-cli -s '$REDIS_SOCK' HEXISTS 'relay:{m:alice}:suppress' gone@d.example)\" = 1 ]"
h_check "and the position moves on" h_wait_for 10 caught_up

h_redis_cli ACL SETUSER default -get >/dev/null
before=$(offset)
dl 4jQIDOOM0001 nope@d.example 5.1.1 bounced
h_check "NOPERM on the queue id lookup: retried" h_wait_log 'retrying: queue id lookup: NOPERM' 10 "$TLOG"
sleep 0.5
h_is "NOPERM: the position is not saved past the line" "$(offset)" "$before"
h_redis_cli ACL SETUSER default +get >/dev/null
h_check "NOPERM over: applied" h_wait_for 10 bash -c "[ \"\$(redis-cli -s '$REDIS_SOCK' HEXISTS 'relay:{m:alice}:suppress' nope@d.example)\" = 1 ]"

# --- a reused queue id ----------------------------------------------------
fx_message alice A1B2C3D4E5 a@alice.test r1@d.example
dl A1B2C3D4E5 r1@d.example 2.0.0 sent
removed A1B2C3D4E5
# an inbound message got the same short queue id
dl A1B2C3D4E5 owner@forward.example 5.1.1 bounced x@enrolled.example
h_check "the line of the other message is ignored and logged" \
    h_wait_log 'A1B2C3D4E5 event=ignored .*left the queue' 10 "$TLOG"
h_is "reused qid: nobody suppressed in alice's list" "$(sup alice x@enrolled.example)$(sup alice owner@forward.example)" 00
h_like "the record ends with its message" "$(h_redis_cli HGET 'relay:{m:alice}:msg:A1B2C3D4E5' ended)" '^[0-9]+$'
# a recipient the message never had
fx_message alice 4jQIDRCPT001 a@alice.test r2@d.example
dl 4jQIDRCPT001 stranger@d.example 5.1.1 bounced
h_check "a recipient not of the message is ignored and logged" \
    h_wait_log '4jQIDRCPT001 event=ignored .*not a recipient' 10 "$TLOG"
h_is "stranger not suppressed" "$(sup alice stranger@d.example)" 0
# the message's recipient via orig_to (rewritten by a virtual alias) counts
dl 4jQIDRCPT001 inbox@elsewhere.example 5.1.1 bounced r2@d.example
h_check "orig_to that is a recipient: applied" h_wait_for 10 bash -c "[ \"\$(redis-cli -s '$REDIS_SOCK' HEXISTS 'relay:{m:alice}:suppress' r2@d.example)\" = 1 ]"
# relay-milter records a new message of alice under the same id: applied
sleep 1
fx_message alice A1B2C3D4E5 a@alice.test r9@d.example
dl A1B2C3D4E5 r9@d.example 5.1.1 bounced
h_check "a new record under the reused id is followed" h_wait_for 10 bash -c "[ \"\$(redis-cli -s '$REDIS_SOCK' HEXISTS 'relay:{m:alice}:suppress' r9@d.example)\" = 1 ]"

# --- a line its writer never finished (a full disk), then the next line
# (audit4 F10: the two were read as one, and the whole line was lost)
fx_message alice 4jQPARTB0001 a@alice.test partb@d.example
printf '%s relay postfix/smtp[7]: 4jQPARTA0001: to=<parta@d.exa' "$(date '+%b %e %H:%M:%S')" >>"$LOG"
# (the tracker sees it wait at the end of the file, over a second)
sleep 1.5
dl 4jQPARTB0001 partb@d.example 5.1.1 bounced
h_check "the line after an unfinished one is applied" h_wait_for 10 bash -c "[ \"\$(redis-cli -s '$REDIS_SOCK' HEXISTS 'relay:{m:alice}:suppress' partb@d.example)\" = 1 ]"
h_check "...and the fragment is said and skipped" h_wait_log 'skipped an unfinished log line.*4jQPARTA0001: to=<parta@d\.exa"' 10 "$TLOG"
# a whole line whose remote reply quotes a log line (re-audit 8 F1: it was
# cut there, and the quoted line applied to bob's message)
fx_member bob
fx_message bob 4jQQUOTB0001 b@bob.test victim@e.example
fx_message alice 4jQQUOTA0001 a@alice.test quoter@d.example
dl 4jQQUOTA0001 quoter@d.example 5.1.1 "bounced (host mx said: 550 5.1.1 see $(date '+%b %e %H:%M:%S') relay postfix/smtp[1]: 4jQQUOTB0001: to=<victim@e.example>, relay=mx[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced"
h_check "a reply quoting a log line: the line is the quoter's" h_wait_for 10 bash -c "[ \"\$(redis-cli -s '$REDIS_SOCK' HEXISTS 'relay:{m:alice}:suppress' quoter@d.example)\" = 1 ]"
h_is "...and not bob's" "$(sup bob victim@e.example)" 0

# --- bounce-window buckets of two widths in one key -------------------------
fx_member bob
now=$(date +%s)
K='relay:{m:bob}:outcomes'
# old style: bucket numbers (300 s wide); another width's start times
h_redis_cli HSET "$K" "b:$((now / 300))" 40 "s:$((now / 300))" 2 \
    "b:$((now - 7200 - 60))" 7 "b:$((now - 3000))" 3 "s:$((now - 100))" 1 >/dev/null
fx_message bob 4jQIDWIN0001 b@bob.test w@d.example
dl 4jQIDWIN0001 w@d.example 2.0.0 sent
h_check "the outcome is counted" h_wait_for 10 bash -c "redis-cli -s '$REDIS_SOCK' HGET 'relay:{m:bob}:msg:4jQIDWIN0001' r:w@d.example | grep -q sent"
fields=$(h_redis_cli HKEYS "$K" | sort | tr '\n' ' ')
bs=300	# 2 h / 24
h_unlike "old bucket numbers are trimmed" "$fields" "[sb]:$((now / 300)) "
h_unlike "a bucket older than the window is trimmed" "$fields" "b:$((now - 7200 - 60)) "
h_like "a bucket of another width inside the window stays" "$fields" "b:$((now - 3000)) "
n=$(h_redis_cli HKEYS "$K" | grep -c "^s:$(( $(date +%s) / bs * bs ))\$\|^s:$(( now / bs * bs ))\$")
h_is "the new field is named by its bucket's start time" "$n" 1

# --- soft bounces: once per message ----------------------------------------
fx_member carol
fx_message carol 4jQIDSOFT001 c@carol.test full@d.example
fx_message carol 4jQIDSOFT002 c@carol.test full@d.example
fx_message carol 4jQIDSOFT003 c@carol.test full@d.example
soft() { h_redis_cli HGET 'relay:{m:carol}:soft' full@d.example; }
for i in 1 2 3; do dl 4jQIDSOFT001 full@d.example 4.2.2 deferred; done
h_check "three deferrals of one message are applied" h_wait_for 10 bash -c \
    "redis-cli -s '$REDIS_SOCK' HGET 'relay:{m:carol}:msg:4jQIDSOFT001' r:full@d.example | grep -q '\"attempts\":3'"
h_is "one message's retries count once" "$(soft)" 1
h_is "and do not suppress" "$(sup carol full@d.example)" 0
ttl=$(h_redis_cli TTL 'relay:{m:carol}:soft')
h_check "the soft count has a TTL" test "$ttl" -gt 0
dl 4jQIDSOFT001 full@d.example 2.0.0 sent
h_check "delivered: the count restarts" h_wait_for 10 bash -c "[ -z \"\$(redis-cli -s '$REDIS_SOCK' HGET 'relay:{m:carol}:soft' full@d.example)\" ]"
fx_message carol 4jQIDSOFT004 c@carol.test full@d.example
for q in 4jQIDSOFT002 4jQIDSOFT003 4jQIDSOFT004; do
	dl $q full@d.example 4.2.2 deferred
	dl $q full@d.example 4.2.2 deferred
done
h_check "three messages each deferred: suppressed" h_wait_for 10 bash -c "[ \"\$(redis-cli -s '$REDIS_SOCK' HEXISTS 'relay:{m:carol}:suppress' full@d.example)\" = 1 ]"
h_is "counted three times" "$(soft)" 3
# one of them is delivered after all: the mailbox takes mail again, and
# the suppression its soft failures made is lifted (no other kind is)
dl 4jQIDSOFT002 full@d.example 2.0.0 sent
h_check "delivered after all: the soft-limit suppression is lifted" h_wait_for 10 bash -c "[ \"\$(redis-cli -s '$REDIS_SOCK' HEXISTS 'relay:{m:carol}:suppress' full@d.example)\" = 0 ]"
h_check "... logged as such" h_wait_log '4jQIDSOFT002 event=delivery .*unsuppressed=soft_bounce_limit' 10 "$TLOG"
h_is "... and the count restarts" "$(soft)" ""
sent_to() {	# sent_to QID RCPT - the delivery is applied
	h_wait_for 10 bash -c "redis-cli -s '$REDIS_SOCK' HGET 'relay:{m:carol}:msg:$1' r:$2 | grep -q '\"status\":\"sent\"'"
}
# an entry imported with that reason is the admin's: not lifted
h_redis_cli HSET 'relay:{m:carol}:suppress' imp@d.example '{"reason":"soft_bounce_limit","at":1}' >/dev/null
fx_message carol 4jQIDIMP0001 c@carol.test imp@d.example
dl 4jQIDIMP0001 imp@d.example 2.0.0 sent
h_check "a delivery to an imported soft-limit entry is applied" sent_to 4jQIDIMP0001 imp@d.example
h_is "... and leaves the imported entry" "$(sup carol imp@d.example)" 1
# one with a time (seen) but not the tracker's (by) stays too
h_redis_cli HSET 'relay:{m:carol}:suppress' adm@d.example \
    '{"reason":"soft_bounce_limit","at":1,"seen":1,"by":"admin"}' >/dev/null
fx_message carol 4jQIDIMP0002 c@carol.test adm@d.example
dl 4jQIDIMP0002 adm@d.example 2.0.0 sent
h_check "a delivery to another's soft-limit entry with a seen time is applied" \
    sent_to 4jQIDIMP0002 adm@d.example
h_is "... and leaves that entry" "$(sup carol adm@d.example)" 1
# relay-unsub -b's own (soft bounces by mail, by "bounce"): lifted
h_redis_cli HSET 'relay:{m:carol}:suppress' asy@d.example \
    '{"reason":"soft_bounce_limit","at":1,"seen":1,"by":"bounce"}' >/dev/null
fx_message carol 4jQIDASY0001 c@carol.test asy@d.example
dl 4jQIDASY0001 asy@d.example 2.0.0 sent
h_check "a delivery to relay-unsub's soft-limit entry is applied" \
    sent_to 4jQIDASY0001 asy@d.example
h_is "... and lifts it" "$(sup carol asy@d.example)" 0
# a delivery logged before the line that suppressed (a lagging node's
# tracker applies it late) lifts nothing
dl_at() {	# dl_at EPOCH QID RCPT DSN STATUS - dl, with the line's time
	pid=$((pid + 1))
	printf '%s relay postfix/smtp[%d]: %s: to=<%s>, relay=mx[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=%s, status=%s (host mx[192.0.2.1] said: %s00 %s text (in reply to RCPT TO command))\n' \
	    "$(date -d "@$1" '+%b %e %H:%M:%S')" "$pid" "$2" "$3" "$4" "$5" "${4%%.*}" "$4" >>"$LOG"
}
for q in 4jQIDLAG0001 4jQIDLAG0002 4jQIDLAG0003 4jQIDLAG0004; do
	fx_message carol $q c@carol.test lag@d.example
done
for q in 4jQIDLAG0001 4jQIDLAG0002 4jQIDLAG0003; do
	dl $q lag@d.example 4.2.2 deferred
done
h_check "three soft failures suppress lag@" h_wait_for 10 bash -c "[ \"\$(redis-cli -s '$REDIS_SOCK' HEXISTS 'relay:{m:carol}:suppress' lag@d.example)\" = 1 ]"
h_like "... an entry of the tracker's, with the line's time" \
    "$(h_redis_cli HGET 'relay:{m:carol}:suppress' lag@d.example)" '"by":"tracker".*"seen":[0-9]+|"seen":[0-9]+.*"by":"tracker"'
dl_at $(( $(date +%s) - 600 )) 4jQIDLAG0004 lag@d.example 2.0.0 sent
h_check "a delivery logged 10 minutes earlier is applied" sent_to 4jQIDLAG0004 lag@d.example
h_is "... and lifts nothing" "$(sup carol lag@d.example)" 1
fx_message carol 4jQIDHARD001 c@carol.test gone@d.example
fx_message carol 4jQIDHARD002 c@carol.test gone@d.example
dl 4jQIDHARD001 gone@d.example 5.1.1 bounced
h_check "a hard bounce suppresses" h_wait_for 10 bash -c "[ \"\$(redis-cli -s '$REDIS_SOCK' HEXISTS 'relay:{m:carol}:suppress' gone@d.example)\" = 1 ]"
dl 4jQIDHARD002 gone@d.example 2.0.0 sent
h_check "a later delivery is applied" h_wait_for 10 bash -c "redis-cli -s '$REDIS_SOCK' HGET 'relay:{m:carol}:msg:4jQIDHARD002' r:gone@d.example | grep -q '\"status\":\"sent\"'"
h_is "... and leaves the hard bounce's suppression" "$(sup carol gone@d.example)" 1

# --- ACL denial inside the script: temporary ------------------------------
fx_member dave
fx_message dave 4jQIDACL0001 d@dave.test acl@d.example
h_redis_cli ACL SETUSER default -hsetnx >/dev/null
before=$(offset)
dl 4jQIDACL0001 acl@d.example 5.1.1 bounced
h_check "ACL denial in the script: retried" h_wait_log "retrying: tracker_event: (ERR The user executing the script|NOPERM)" 10 "$TLOG"
sleep 0.5
h_is "ACL denial: the position is not saved past the line" "$(offset)" "$before"
h_is "ACL denial: not logged as the script's failure" "$(h_log_count '4jQIDACL0001 event=failed' "$TLOG")" 0
h_redis_cli ACL SETUSER default +hsetnx >/dev/null
h_check "ACL lifted: applied" h_wait_for 10 bash -c "[ \"\$(redis-cli -s '$REDIS_SOCK' HEXISTS 'relay:{m:dave}:suppress' acl@d.example)\" = 1 ]"
h_check "and the position moves on" h_wait_for 10 caught_up
# denied at the last command (the mark): retries do not count it again
fx_message dave 4jQIDACL0002 d@dave.test acl2@d.example
h_redis_cli ACL SETUSER default -zadd >/dev/null
dl 4jQIDACL0002 acl2@d.example 5.1.1 bounced
h_check "ACL denial of the mark: retried" h_wait_log_count "retrying: tracker_event: .*(zadd|ZADD)" 1 10 "$TLOG"
sleep 1
h_redis_cli ACL SETUSER default +zadd >/dev/null
h_check "then applied" h_wait_for 10 bash -c "redis-cli -s '$REDIS_SOCK' HGET 'relay:{m:dave}:msg:4jQIDACL0002' r:acl2@d.example | grep -q bounced"
h_like "once: one attempt" "$(h_redis_cli HGET 'relay:{m:dave}:msg:4jQIDACL0002' r:acl2@d.example)" '"attempts":1[,}]'
h_is "once: two bounces counted in all (acl@, acl2@)" \
    "$(h_redis_cli HGETALL 'relay:{m:dave}:outcomes' | paste - - | awk '$1 ~ /^b:/ { n += $2 } END { print n + 0 }')" 2
h_check "and the position moves on" h_wait_for 10 caught_up

# --- a key of the wrong type: that event fails, the log goes on ------------
fx_member erin
h_redis_cli SET 'relay:{m:erin}:soft' garbage >/dev/null
fx_message erin 4jQIDTYPE001 e@erin.test full@d.example
fx_message dave 4jQIDTYPE002 d@dave.test ok@d.example
dl 4jQIDTYPE001 full@d.example 4.2.2 deferred
dl 4jQIDTYPE002 ok@d.example 2.0.0 sent
h_check "WRONGTYPE in the script: the event is logged failed, with why" \
    h_wait_log '4jQIDTYPE001 event=failed .*WRONGTYPE' 10 "$TLOG"
h_check "the next event is applied" h_wait_for 10 bash -c "redis-cli -s '$REDIS_SOCK' HGET 'relay:{m:dave}:msg:4jQIDTYPE002' r:ok@d.example | grep -q sent"
h_check "the position moves on" h_wait_for 10 caught_up
h_is "the failed event is not marked applied" "$(h_redis_cli ZCARD 'relay:{m:erin}:applied')" 0
h_is "and not retried" "$(h_log_count '4jQIDTYPE001 event=failed' "$TLOG")" 1
h_redis_cli DEL 'relay:{m:erin}:soft' >/dev/null
h_redis_cli HSET 'relay:{q:4jQIDTYPE003}:qid' a b >/dev/null
fx_message dave 4jQIDTYPE004 d@dave.test ok4@d.example
dl 4jQIDTYPE003 z@d.example 2.0.0 sent
dl 4jQIDTYPE004 ok4@d.example 2.0.0 sent
h_check "WRONGTYPE on the queue id key: logged failed with the key" \
    h_wait_log '4jQIDTYPE003 event=failed .*key=relay:\{q:4jQIDTYPE003\}:qid .*WRONGTYPE' 10 "$TLOG"
h_check "the next event is applied" h_wait_for 10 bash -c "redis-cli -s '$REDIS_SOCK' HGET 'relay:{m:dave}:msg:4jQIDTYPE004' r:ok4@d.example | grep -q sent"
h_check "the position moves on" h_wait_for 10 caught_up
h_redis_cli DEL 'relay:{q:4jQIDTYPE003}:qid' >/dev/null

# --- the same member reuses a queue id: a fresh record ---------------------
# record H QID RCPT - relay-milter's own record of a message (milter_record.lua)
record() {
	h_redis_cli --eval "$H_SRCDIR/common/lua/milter_record.lua" \
	    "relay:{m:$1}:msg:$2" "relay:{m:$1}:inflight" "relay:{m:$1}:recent" \
	    "relay:{m:$1}:member" , \
	    "$2" "$(date +%s)" 86400 "${1}.test" "x@$1.test" "<$2@x>" \
	    3600 0 "$3" >/dev/null
	h_redis_cli SET "relay:{q:$2}:qid" "$1" EX 3600 >/dev/null
}
fx_member frank
record frank 4jQIDSAME001 full@d.example
dl 4jQIDSAME001 full@d.example 4.2.2 deferred
removed 4jQIDSAME001
h_check "the first message ends" h_wait_for 10 bash -c "[ -n \"\$(redis-cli -s '$REDIS_SOCK' HGET 'relay:{m:frank}:msg:4jQIDSAME001' ended)\" ]"
h_wait_for 10 caught_up
record frank 4jQIDSAME001 full@d.example
h_is "the new record carries nothing of the old" \
    "$(h_redis_cli HEXISTS 'relay:{m:frank}:msg:4jQIDSAME001' r:full@d.example)$(h_redis_cli HEXISTS 'relay:{m:frank}:msg:4jQIDSAME001' final)" 00
dl 4jQIDSAME001 full@d.example 4.2.2 deferred
h_check "the new message's soft failure counts again" h_wait_for 10 bash -c "[ \"\$(redis-cli -s '$REDIS_SOCK' HGET 'relay:{m:frank}:soft' full@d.example)\" = 2 ]"

# --- a delivery retried behind its own `removed` ---------------------------
fx_message frank 4jQIDORDER01 f@frank.test x@d.example
# the delivery fails (before any write), its `removed` in the same
# pipeline is run: the retried delivery is of the same message
n=$(h_log_count 'retrying: tracker_event: (ERR The user executing the script|NOPERM)' "$TLOG")
h_redis_cli ACL SETUSER default -zscore >/dev/null
main_log=$LOG LOG=$H_TMP/two
: >"$LOG"
dl 4jQIDORDER01 x@d.example 5.1.1 bounced
removed 4jQIDORDER01
LOG=$main_log
cat "$H_TMP/two" >>"$LOG"	# both lines in one read: one pipeline
h_check "the delivery is retried" h_wait_log_count "retrying: tracker_event: (ERR The user executing the script|NOPERM)" $((n + 1)) 10 "$TLOG"
h_check "while its removed is applied" h_wait_for 10 bash -c "[ -n \"\$(redis-cli -s '$REDIS_SOCK' HGET 'relay:{m:frank}:msg:4jQIDORDER01' ended)\" ]"
h_redis_cli ACL SETUSER default +zscore >/dev/null
h_check "the retried delivery is applied: suppressed" h_wait_for 10 bash -c "[ \"\$(redis-cli -s '$REDIS_SOCK' HEXISTS 'relay:{m:frank}:suppress' x@d.example)\" = 1 ]"
h_is "and not ignored" "$(h_log_count '4jQIDORDER01 event=ignored' "$TLOG")" 0
h_check "the position moves on" h_wait_for 10 caught_up
# a line after the removed (another message reusing the id) is still ignored
dl 4jQIDORDER01 y@d.example 5.1.1 bounced x@d.example
h_check "a later line of the reused id is ignored" h_wait_log '4jQIDORDER01 event=ignored .*left the queue' 10 "$TLOG"

# --- catching up: an outcome is dated by its log line ----------------------
# One-shot runs (-o) over a log of their own, with a 24 h window (buckets
# of 1 h) and a low min_volume, in a time zone 5 h west of UTC (the stamp
# is the Postfix node's local time).
LOG2=$H_TMP/maillog2
: >"$LOG2"
main_conf=$FX_CONF
FX_TRACKER="maillog = \"$LOG2\"; state_file = \"$H_TMP/state/t2.state\";"
FX_SUSPENSION='window = "24h"; min_volume = 4; warn_rate = 40.0; suspend_rate = 50.0;'
fx_conf "$H_TMP/relay2.conf"
CONF2=$FX_CONF FX_CONF=$main_conf
export TZ=XYZ+5
# stamp EPOCH - the syslog stamp of EPOCH, as Postfix writes it
stamp() { LC_ALL=C date -d "@$1" '+%b %e %H:%M:%S'; }
# dlt EPOCH QID TO DSN STATUS - a delivery line dated EPOCH (or a stamp)
dlt() {
	local s=$1
	[[ $s =~ ^[0-9]+$ ]] && s=$(stamp "$1")
	pid=$((pid + 1))
	printf '%s relay postfix/smtp[%d]: %s: to=<%s>, relay=mx[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=%s, status=%s (host mx[192.0.2.1] said: %s00 %s text (in reply to RCPT TO command))\n' \
	    "$s" "$pid" "$2" "$3" "$4" "$5" "${4%%.*}" "$4" >>"$LOG2"
}
# qmgr EPOCH QID FROM expired|removed - qmgr's expiry or removal line
qmgr() {
	if [[ $4 == expired ]]; then
		printf '%s relay postfix/qmgr[9]: %s: from=<%s>, status=expired, returned to sender\n' "$(stamp "$1")" "$2" "$3"
	else
		printf '%s relay postfix/qmgr[9]: %s: removed\n' "$(stamp "$1")" "$2"
	fi >>"$LOG2"
}
catchup() { "$TRACKER" -o -c "$CONF2" 2>&1; }
rjson() {
	h_redis_cli HGET "relay:{m:$1}:msg:$2" "r:$3" | /usr/bin/python3 -c 'import json,sys
s=sys.stdin.read().strip()
print(json.loads(s).get(sys.argv[1],"") if s else "")' "$4"
}
wsum() {
	h_redis_cli HGETALL "relay:{m:$1}:outcomes" | paste - - |
	    awk -v p="$2:" 'index($1, p) == 1 { n += $2 } END { print n + 0 }'
}
now=$(date +%s)
old=$((now - 3 * 86400)) hours2=$((now - 7200))
fx_member gina
for i in 1 2 3; do
	fx_message gina 4jQIDTIME00$i g@gina.test old$i@d.example
	dlt $old 4jQIDTIME00$i old$i@d.example 5.1.1 bounced
done
for i in 4 5; do
	fx_message gina 4jQIDTIME00$i g@gina.test ok$i@d.example
	dlt $hours2 4jQIDTIME00$i ok$i@d.example 2.0.0 sent
done
fx_message gina 4jQIDTIME006 g@gina.test fut@d.example
dlt $((now + 3600)) 4jQIDTIME006 fut@d.example 2.0.0 sent
fx_message gina 4jQIDTIME007 g@gina.test odd@d.example
dlt 'Xyz  5 10:00:00' 4jQIDTIME007 odd@d.example 2.0.0 sent
out=$(catchup)
end=$(date +%s)
h_is "3-day-old bounces are not in the window" "$(wsum gina b)" 0
h_is "and not suspended on" "$(h_redis_cli HGET 'relay:{m:gina}:member' suspended)" 0
h_is "but still suppressed (hard bounce)" "$(sup gina old1@d.example)" 1
h_is "the recipient's time is the line's" "$(rjson gina 4jQIDTIME001 old1@d.example at)" "$old"
h_is "an outcome 2 h old lands in its own (local time) bucket" \
    "$(h_redis_cli HGET 'relay:{m:gina}:outcomes' "s:$((hours2 / 3600 * 3600))")" 2
at=$(rjson gina 4jQIDTIME006 fut@d.example at)
h_check "a line from the future is dated now ($at)" test "$at" -ge "$now" -a "$at" -le "$end"
at=$(rjson gina 4jQIDTIME007 odd@d.example at)
h_check "a stamp that does not convert is dated now ($at)" test "$at" -ge "$now" -a "$at" -le "$end"
h_is "sent in the window: 2 h old, future, odd stamp" "$(wsum gina s)" 4
# an unsuspend's fresh window takes no outcome from before it
fx_member hilda
h_redis_cli HSET 'relay:{m:hilda}:member' window_start $((now - 600)) >/dev/null
fx_message hilda 4jQIDTIME008 h@hilda.test b8@d.example
fx_message hilda 4jQIDTIME009 h@hilda.test ok9@d.example
# (600 s of slack for skew between the admin's and the node's clocks)
dlt $((now - 1300)) 4jQIDTIME008 b8@d.example 5.1.1 bounced
dlt $((now - 60)) 4jQIDTIME009 ok9@d.example 2.0.0 sent
out=$(catchup)
h_is "an outcome before window_start is not counted" "$(wsum hilda b)/$(wsum hilda s)" 0/1
# ... and the 600 s of slack end exactly: an outcome at window_start - 600
# is counted, one a second before it is not
fx_message hilda 4jQIDTIME010 h@hilda.test edge@d.example
fx_message hilda 4jQIDTIME011 h@hilda.test edge2@d.example
dlt $((now - 1200)) 4jQIDTIME010 edge@d.example 2.0.0 sent
dlt $((now - 1201)) 4jQIDTIME011 edge2@d.example 5.1.1 bounced
out=$(catchup)
h_is "window_start - 600 counted, - 601 not" "$(wsum hilda b)/$(wsum hilda s)" 0/2

# --- the suspension at its edges (min_volume 4, suspend_rate 50%) ----------
# lena: 2 sent, 2 bounced: min_volume reached exactly, at suspend_rate
# exactly: suspended by the 4th. mona: 1 sent, 2 bounced (67% of 3, one
# short of min_volume): not suspended.
fx_member lena
fx_member mona
for i in 1 2 3 4; do fx_message lena 4jQIDEDGL00$i l@lena.test "l$i@d.example"; done
for i in 1 2 3; do fx_message mona 4jQIDEDGM00$i m@mona.test "m$i@d.example"; done
dlt $now 4jQIDEDGL001 l1@d.example 2.0.0 sent
dlt $now 4jQIDEDGL002 l2@d.example 2.0.0 sent
dlt $now 4jQIDEDGL003 l3@d.example 5.1.1 bounced
dlt $now 4jQIDEDGL004 l4@d.example 5.1.1 bounced
dlt $now 4jQIDEDGM001 m1@d.example 2.0.0 sent
dlt $now 4jQIDEDGM002 m2@d.example 5.1.1 bounced
dlt $now 4jQIDEDGM003 m3@d.example 5.1.1 bounced
out=$(catchup)
h_is "2 of 4 bounced, min_volume 4, suspend_rate 50%: suspended" \
    "$(h_redis_cli HGET 'relay:{m:lena}:member' suspended)" 1
h_is "... with the rate and the counts" \
    "$(h_redis_cli HGET 'relay:{m:lena}:member' suspend_reason)" "auto: bounce rate 50.0% (2/4) over 24h"
h_is "2 of 3 bounced, one short of min_volume: not suspended" \
    "$(h_redis_cli HGET 'relay:{m:mona}:member' suspended)" 0

# --- :applied has a TTL ----------------------------------------------------
ttl=$(h_redis_cli TTL 'relay:{m:gina}:applied')
h_check ":applied has a TTL past status_ttl ($ttl)" test "$ttl" -gt $((30 * 86400)) -a "$ttl" -le $((31 * 86400))

# --- a removed member's keys are not made again --------------------------
CTL=$H_BUILDDIR/contrib/relayctl/relayctl
fx_member hank
fx_message hank 4jQIDGONE001 h@hank.test gone@d.example
fx_message hank 4jQIDGONE002 h@hank.test soft@d.example
out=$("$CTL" -c "$main_conf" member remove hank 2>&1) || h_diag "$out"
dlt $now 4jQIDGONE001 gone@d.example 5.1.1 bounced
dlt $now 4jQIDGONE002 soft@d.example 4.2.2 deferred
qmgr $now 4jQIDGONE001 h@hank.test removed
out=$(catchup)
h_is "removed member: no key of it made again" \
    "$(h_redis_cli EXISTS 'relay:{m:hank}:suppress' 'relay:{m:hank}:soft' 'relay:{m:hank}:outcomes' 'relay:{m:hank}:applied' 'relay:{m:hank}:member' 'relay:{m:hank}:inflight')" 0
h_like "removed member: the event is logged skipped" "$out" '4jQIDGONE001 event=skipped .*why="?member removed'
h_is "removed member: the message status is not written" "$(h_redis_cli HEXISTS 'relay:{m:hank}:msg:4jQIDGONE001' r:gone@d.example)" 0
fx_member hank
h_is "added again: nothing suppressed" "$(h_redis_cli HLEN 'relay:{m:hank}:suppress')" 0
# the old member's message still in the queue: not the new member's
h_redis_cli HSET 'relay:{m:hank}:member' created $((now + 5)) >/dev/null
dlt $now 4jQIDGONE002 soft@d.example 5.1.1 bounced
out=$(catchup)
h_like "added again: the old member's bounce is skipped" "$out" '4jQIDGONE002 event=skipped .*why="?member removed'
h_is "... and suppresses nothing, counts nothing" \
    "$(h_redis_cli EXISTS 'relay:{m:hank}:suppress' 'relay:{m:hank}:outcomes')" 0

# --- a reused queue id expires twice ---------------------------------------
fx_member ivan
record ivan 4jQIDEXP0001 e@d.example
dlt $((now - 300)) 4jQIDEXP0001 e@d.example 4.4.1 deferred
qmgr $((now - 200)) 4jQIDEXP0001 x@ivan.test expired
qmgr $((now - 200)) 4jQIDEXP0001 x@ivan.test removed
out=$(catchup)
h_is "first expiry: expired" "$(rjson ivan 4jQIDEXP0001 e@d.example status)" expired
sleep 1
record ivan 4jQIDEXP0001 e@d.example
dlt $((now - 100)) 4jQIDEXP0001 e@d.example 4.4.1 deferred
qmgr $((now - 50)) 4jQIDEXP0001 x@ivan.test expired
qmgr $((now - 50)) 4jQIDEXP0001 x@ivan.test removed
out=$(catchup)
h_is "second message of the id: expired too" "$(rjson ivan 4jQIDEXP0001 e@d.example status)" expired
h_is "both expiries counted as bounced" "$(wsum ivan b)" 2

# --- recipients addr_norm refuses (address literal, one-label domain) -------
fx_member jack
fx_message jack 4jQIDLIT0001 j@jack.test placeholder@d.example
h_redis_cli HSET 'relay:{m:jack}:msg:4jQIDLIT0001' rcpts \
    '["bounce@[192.0.2.1]","Bounce@localhost","<old@[192.0.2.3]>"]' >/dev/null
dlt $now 4jQIDLIT0001 'bounce@[192.0.2.1]' 5.1.1 bounced
dlt $now 4jQIDLIT0001 bounce@localhost 5.1.1 bounced
dlt $now 4jQIDLIT0001 'old@[192.0.2.3]' 4.2.2 deferred
dlt $now 4jQIDLIT0001 'other@[192.0.2.9]' 5.1.1 bounced
out=$(catchup)
h_is "address literal: status" "$(rjson jack 4jQIDLIT0001 'bounce@[192.0.2.1]' status)" bounced
h_is "one-label domain, other case: status" "$(rjson jack 4jQIDLIT0001 Bounce@localhost status)" bounced
h_is "recorded with brackets: status" "$(rjson jack 4jQIDLIT0001 '<old@[192.0.2.3]>' status)" deferred
h_is "both bounces counted" "$(wsum jack b)" 2
h_is "never suppressed, no soft count" "$(h_redis_cli EXISTS 'relay:{m:jack}:suppress' 'relay:{m:jack}:soft')" 0
h_like "a literal not of the message is ignored" "$out" '4jQIDLIT0001 event=ignored .*not a recipient'
h_unlike "no recipient skipped as unparsable" "$out" 'does not parse'
# two recipients differing in case only: the exact one gets the status
fx_message jack 4jQIDLIT0002 j@jack.test placeholder@d.example
h_redis_cli HSET 'relay:{m:jack}:msg:4jQIDLIT0002' rcpts \
    '["Bob@localhost","bob@localhost"]' >/dev/null
dlt $now 4jQIDLIT0002 bob@localhost 5.1.1 bounced
out=$(catchup)
h_is "case twins: the exact recipient bounced" "$(rjson jack 4jQIDLIT0002 bob@localhost status)" bounced
h_is "... the other untouched (still queued)" "$(rjson jack 4jQIDLIT0002 Bob@localhost status)" queued

# --- a recipient's outcome is final once (audit6 F3, F6) ------------------
# A second final line for a recipient of the same message (an alias of the
# provider's that expanded it, or lines someone wrote into a syslog file,
# each with its own pid) changes nothing and counts nothing.
fx_member kate
fx_message kate 4jQIDONCE001 k@kate.test once@d.example
dlt $now 4jQIDONCE001 once@d.example 2.0.0 sent
for i in $(seq 20); do
	dlt $now 4jQIDONCE001 once@d.example 5.1.1 bounced
done
out=$(catchup)
h_is "final once: still sent" "$(rjson kate 4jQIDONCE001 once@d.example status)" sent
h_is "final once: one outcome counted" "$(wsum kate s) $(wsum kate b)" "1 0"
h_is "final once: not suppressed" "$(sup kate once@d.example)" 0
h_is "final once: not suspended" "$(h_redis_cli HGET 'relay:{m:kate}:member' suspended)" 0
h_like "final once: the later lines logged as ignored" "$out" '4jQIDONCE001 event=ignored .*already final'
unset TZ

h_is "tracker still running" "$(h_daemon_alive tracker && echo yes)" yes

# --- a state file that cannot be read at start: said once, not twice a second
: >"$H_TMP/state/notadir"
FX_TRACKER="maillog = \"$LOG2\"; poll_ms = 50; state_file = \"$H_TMP/state/notadir/t3.state\";"
fx_conf "$H_TMP/relay3.conf"
FX_CONF=$main_conf
h_start_daemon tracker3 "$TRACKER" -f -c "$H_TMP/relay3.conf"
sleep 2.5
h_is "unreadable state file: one warning in 2.5 s" "$(grep -c 'cannot read the saved position' "$H_LOG/tracker3.log")" 1
h_check "...still running, retrying" h_daemon_alive tracker3
h_stop_daemon tracker3 10
h_done
