#!/bin/bash
# test_tracker_rollback.sh - Redis goes back in time while relay-tracker runs
# (a restart from an older RDB snapshot; without Postfix, the log written by
# the test in Postfix's format). A hard bounce and the `removed` of its
# message are logged and applied after the snapshot; Redis is killed and
# loads the snapshot; one new line follows. The tracker must read again from
# the position the snapshot holds, so the suppression, the end of the
# message (inflight, final status) and the bounce-rate outcome come back,
# counted once:
#  - position in Redis, the tracker running on (found at the reconnect);
#  - position in Redis, the tracker restarted after the rollback (control);
#  - tracker.state_file, running on (the position is in Redis too);
#  - tracker.state_file, restarted (the file is ahead: the older is taken);
#  - a rollback behind a connection that stays up (a proxy): found by the
#    compare-and-set of the next save;
#  - the position key deleted (FLUSHALL-like): said, saved again;
#  - a garbage, then an empty, tracker.state_file: a warning with the path
#    and the reason, and the unread rotated file is read.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init tracker_rollback
h_need redis-server
TRACKER=$H_BUILDDIR/policyd/relay-tracker
[[ -x $TRACKER ]] || h_bail "build policyd/relay-tracker first"

h_start_redis
pid=1000
# dl LOG QID TO DSN STATUS - one delivery attempt (a new one each time)
dl() {
	pid=$((pid + 1))
	printf '%s relay postfix/smtp[%d]: %s: to=<%s>, relay=mx[192.0.2.1]:25, delay=%d, delays=0/0/0/1, dsn=%s, status=%s (host mx[192.0.2.1] said: %s00 %s text (in reply to RCPT TO command))\n' \
	    "$(date '+%b %e %H:%M:%S')" "$pid" "$2" "$3" "$pid" "$4" "$5" "${4%%.*}" "$4" >>"$1"
}
removed() {
	printf '%s relay postfix/qmgr[9]: %s: removed\n' "$(date '+%b %e %H:%M:%S')" "$2" >>"$1"
}
sup() { h_redis_cli HEXISTS "relay:{m:$1}:suppress" "$2"; }
# pos NODE [STATE] - the saved offset (the state file's when given)
pos() {
	if [[ -n ${2:-} ]]; then
		sed -n 's/.* offset=\([0-9]*\) .*/\1/p' "$2" 2>/dev/null
	else
		h_redis_cli HGET "relay:{n:$1}:tracker_pos" offset
	fi
}
# caught_up LOG NODE [STATE]
caught_up() { [[ $(pos "$2" "${3:-}") == "$(stat -c %s "$1")" ]]; }
rstatus() { fx_rfield "$1" "$2" "$3" status; }

# rollback N MODE [restart] - the audit's reproduction, in its own log, node
# and member; MODE redis or file
rollback() {
	local n=$1 mode=$2 restart=${3:-} h=carol$1 node=node$1 log=$H_TMP/maillog$1
	local state= name="$2${3:+ $3}" tl=$H_LOG/tracker$1.log q=4QRB${1}0
	: >"$log"
	if [[ $mode == file ]]; then
		state=$H_TMP/tracker$n.state
		FX_TRACKER="maillog = \"$log\"; poll_ms = 50; node = \"$node\"; state_file = \"$state\";"
	else
		FX_TRACKER="maillog = \"$log\"; poll_ms = 50; node = \"$node\";"
	fi
	fx_conf "$H_TMP/relay$n.conf"
	fx_member "$h"
	fx_message "$h" ${q}1 c@$h.test gone@d.example
	fx_message "$h" ${q}2 c@$h.test ok@d.example
	h_start_daemon tracker$n "$TRACKER" -f -c "$FX_CONF"
	h_wait_log 'tracker: following' 10 "$tl" >/dev/null || h_bail "tracker$n did not start"
	dl "$log" ${q}2 ok@d.example 2.0.0 sent
	h_check "$name: first line applied, position saved" h_wait_for 10 caught_up "$log" "$node" "$state"
	h_redis_cli SAVE >/dev/null
	dl "$log" ${q}1 gone@d.example 5.1.1 bounced
	removed "$log" ${q}1
	h_check "$name: the hard bounce after the snapshot is applied" \
	    h_wait_for 10 bash -c "[[ \$(redis-cli -s '$REDIS_SOCK' HEXISTS 'relay:{m:$h}:suppress' gone@d.example) == 1 ]]"
	h_check "$name: caught up" h_wait_for 10 caught_up "$log" "$node" "$state"
	# Redis dies and comes back from the older snapshot (no AOF)
	h_restart_redis kill
	h_is "$name: Redis lost the suppression" "$(sup "$h" gone@d.example)" 0
	if [[ -n $restart ]]; then
		h_kill_daemon tracker$n
		mv "$tl" "$tl.1"
		h_start_daemon tracker$n "$TRACKER" -f -c "$FX_CONF"
	fi
	fx_message "$h" ${q}3 c@$h.test ok3@d.example
	dl "$log" ${q}3 ok3@d.example 2.0.0 sent
	h_check "$name: the new line is applied" \
	    h_wait_for 10 bash -c "redis-cli -s '$REDIS_SOCK' HGET 'relay:{m:$h}:msg:${q}3' r:ok3@d.example | grep -q sent"
	h_check "$name: caught up again" h_wait_for 10 caught_up "$log" "$node" "$state"
	h_is "$name: the bounce is applied again (suppressed)" "$(sup "$h" gone@d.example)" 1
	h_is "$name: message 01 no longer inflight" "$(h_redis_cli ZSCORE "relay:{m:$h}:inflight" ${q}1)" ""
	h_is "$name: message 01's recipient bounced" "$(rstatus "$h" ${q}1 gone@d.example)" bounced
	h_like "$name: message 01 is final" "$(h_redis_cli HGET "relay:{m:$h}:msg:${q}1" final)" '^[0-9]+$'
	h_is "$name: the bounce-rate window has the bounce, once" "$(fx_outcomes "$h" b)" 1
	h_is "$name: and the two deliveries, once each" "$(fx_outcomes "$h" s)" 2
	if [[ -n $restart && $mode == file ]]; then
		h_like "$name: the start-up says the two positions differ" \
		    "$(grep -m1 'saved positions differ' "$tl")" "state file .*offset [0-9]+.*Redis .*offset [0-9]+.*older"
	elif [[ -z $restart ]]; then
		h_like "$name: the tracker says Redis lost writes" \
		    "$(grep -m1 'Redis lost writes' "$tl")" "position went back from .*offset [0-9]+ to .*offset [0-9]+"
	fi
	h_stop_daemon tracker$n
}

rollback 1 redis
rollback 2 redis restart
rollback 3 file
rollback 4 file restart

# --- a rollback behind a connection that stays up: the save finds it -----
log=$H_TMP/maillog5
tl=$H_LOG/tracker5.log
: >"$log"
FX_TRACKER="maillog = \"$log\"; poll_ms = 50; node = \"node5\";"
fx_conf "$H_TMP/relay5.conf"
fx_member carol5
fx_message carol5 4QRB51 c@carol5.test gone@d.example
fx_message carol5 4QRB52 c@carol5.test ok@d.example
h_start_daemon tracker5 "$TRACKER" -f -c "$FX_CONF"
h_wait_log 'tracker: following' 10 "$tl" >/dev/null || h_bail "tracker5 did not start"
dl "$log" 4QRB52 ok@d.example 2.0.0 sent
h_check "cas: first line applied" h_wait_for 10 caught_up "$log" node5
mapfile -t old < <(h_redis_cli HGETALL 'relay:{n:node5}:tracker_pos')
dl "$log" 4QRB51 gone@d.example 5.1.1 bounced
h_check "cas: the bounce is applied" h_wait_for 10 bash -c "[[ \$(redis-cli -s '$REDIS_SOCK' HEXISTS 'relay:{m:carol5}:suppress' gone@d.example) == 1 ]]"
h_check "cas: caught up" h_wait_for 10 caught_up "$log" node5
# what a failover to a lagging replica behind a proxy would show: the
# bounce's writes undone, the position as before it
h_redis_cli DEL 'relay:{m:carol5}:applied' 'relay:{m:carol5}:suppress' \
    'relay:{m:carol5}:soft' >/dev/null
h_redis_cli HDEL 'relay:{m:carol5}:msg:4QRB51' r:gone@d.example rx >/dev/null
h_redis_cli HSET 'relay:{n:node5}:tracker_pos' "${old[@]}" >/dev/null
fx_message carol5 4QRB53 c@carol5.test ok3@d.example
dl "$log" 4QRB53 ok3@d.example 2.0.0 sent
h_check "cas: the save finds the position gone back" \
    h_wait_for 10 grep -q 'Redis lost writes' "$tl"
h_check "cas: the bounce is applied again" h_wait_for 10 bash -c "[[ \$(redis-cli -s '$REDIS_SOCK' HEXISTS 'relay:{m:carol5}:suppress' gone@d.example) == 1 ]]"
h_check "cas: caught up again" h_wait_for 10 caught_up "$log" node5
h_is "cas: the recipient bounced" "$(rstatus carol5 4QRB51 gone@d.example)" bounced
h_is "cas: the new line applied" "$(rstatus carol5 4QRB53 ok3@d.example)" sent

# --- the position key is deleted: a loss said, the position saved again ----
h_redis_cli DEL 'relay:{n:node5}:tracker_pos' >/dev/null
fx_message carol5 4QRB54 c@carol5.test ok4@d.example
dl "$log" 4QRB54 ok4@d.example 2.0.0 sent
line=$(h_wait_log 'position .*is missing' 10 "$tl")
h_like "missing: the loss is said, and that the tracker carries on" "$line" "carrying on from .*offset [0-9]+"
h_check "missing: the position is saved again" h_wait_for 10 caught_up "$log" node5
h_stop_daemon tracker5

# --- a garbage or empty tracker.state_file: said; the rotated file is read --
garbage() {
	local n=$1 what=$2 content=$3 log=$H_TMP/maillog$1 st=$H_TMP/tracker$1.state
	local tl=$H_LOG/tracker$1.log line
	printf '%s' "$content" >"$st"
	touch -d '-1 min' "$st"
	FX_TRACKER="maillog = \"$log\"; poll_ms = 50; node = \"node$n\"; state_file = \"$st\";"
	fx_conf "$H_TMP/relay$n.conf"
	fx_member carol$n
	fx_message carol$n 4QRB${n}1 c@carol$n.test gone@d.example
	fx_message carol$n 4QRB${n}2 c@carol$n.test ok@d.example
	# the line not read before the state file was spoilt is in the rotated file
	: >"$log.1"
	dl "$log.1" 4QRB${n}1 gone@d.example 5.1.1 bounced
	: >"$log"
	dl "$log" 4QRB${n}2 ok@d.example 2.0.0 sent
	h_start_daemon tracker$n "$TRACKER" -f -c "$FX_CONF"
	h_check "$what state file: caught up" h_wait_for 10 caught_up "$log" node$n "$st"
	line=$(grep -m1 'tracker.state_file' "$tl")
	h_like "$what state file: a warning names the file and the reason" "$line" "$st: .*$what"
	h_like "$what state file: and says the rotated files are read" "$(grep -m1 'follow: ' "$tl")" "reading .*maillog$n\\.1"
	h_is "$what state file: the rotated file's bounce is applied" "$(sup carol$n gone@d.example)" 1
	h_is "$what state file: the log's line too" "$(rstatus carol$n 4QRB${n}2 ok@d.example)" sent
	h_stop_daemon tracker$n
}
garbage 6 garbage 'not a position
'
garbage 7 empty ''

h_done
