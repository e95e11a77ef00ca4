#!/bin/bash
# test_tracker_restart.sh - relay-tracker loses nothing and counts nothing
# twice across kill -9 mid-stream, a rotation by rename while it is down
# (resumed in the renamed file), "postfix logrotate" (rename + gzip) while it
# runs, a truncation while it runs, a second kill -9, and Redis going away
# while lines arrive (the batch is retried): 68 messages, the counts in Redis
# exact. The position is kept in a state file here.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init tracker_restart
h_need_root
h_need redis-server postfix swaks
TRACKER=$H_BUILDDIR/policyd/relay-tracker
[[ -x $TRACKER ]] || h_bail "build policyd/relay-tracker first"

h_start_redis persist
h_start_sink
PF_MAIN_EXTRA='smtpd_data_restrictions = check_client_access inline:{ {127.0.0.1 = HOLD} }'
h_start_postfix
STATE=$H_TMP/tracker.state
FX_TRACKER="maillog = \"$PF_MAILLOG\"; poll_ms = 50; state_file = \"$STATE\";"
fx_conf
fx_member carol

send() {
	local out
	out=$(h_swaks --from "$1" --to "$2" --header "Subject: restart" 2>&1)
	[[ $out =~ queued\ as\ ([0-9A-Za-z]+) ]] || return 1
	echo "${BASH_REMATCH[1]}"
}
outcomes() {
	h_redis_cli HGETALL "relay:{m:$1}:outcomes" |
	    awk -v p="$2:" 'NR % 2 == 1 { k = $0; next } index(k, p) == 1 { n += $0 } END { print n + 0 }'
}
caught_up() {
	local ino off
	[[ -s $STATE ]] || return 1
	read -r ino off < <(sed -n 's/^dev=[0-9]* ino=\([0-9]*\) offset=\([0-9]*\) .*/\1 \2/p' "$STATE")
	[[ $ino == "$(stat -c %i "$PF_MAILLOG" 2>/dev/null)" &&
	    $off == "$(stat -c %s "$PF_MAILLOG")" ]]
}
# out_of_queue - nothing left but held messages (released ones delivered)
out_of_queue() {
	local q
	q=$(postqueue -c "$PF_DIR" -j 2>/dev/null) || return 1
	! grep -v '"queue_name": *"hold"' <<<"$q" | grep -q .
}
# release_slow FROM TO - one message every 0.2 s: a stream to kill into
release_slow() {
	local i
	for ((i = $1; i < $2; i++)); do
		h_pf postsuper -H "${QIDS[$i]}" >/dev/null 2>&1
		h_pf_flush
		sleep 0.2
	done
}
applied_over() {
	(($(h_redis_cli ZCARD 'relay:{m:carol}:applied') > $1))
}
# release FROM TO - let the held messages FROM..TO-1 go
release() {
	local i
	for ((i = $1; i < $2; i++)); do
		h_pf postsuper -H "${QIDS[$i]}" >/dev/null 2>&1
	done
	h_pf_flush
}

# 68 messages, held: every 4th a hard bounce, every 4th a policy bounce
QIDS=()
nsent=0 nhard=0 npol=0
for ((i = 0; i < 68; i++)); do
	case $((i % 4)) in
	0) r=bounce-$i; nhard=$((nhard + 1)) ;;
	1) r=policy-$i; npol=$((npol + 1)) ;;
	*) r=ok-$i; nsent=$((nsent + 1)) ;;
	esac
	q=$(send c@carol.test "$r@dest.example") || h_bail "message $i not queued"
	fx_message carol "$q" c@carol.test "$r@dest.example"
	QIDS+=("$q")
done
h_diag "expect sent=$nsent hard=$nhard policy=$npol"

# 1. running, then kill -9 while the second batch streams in
h_start_daemon tracker "$TRACKER" -f -c "$FX_CONF"
release 0 10
h_check "batch 1 delivered" h_wait_for 20 out_of_queue
h_check "tracker applied some" h_wait_for 20 test -s "$STATE"
release_slow 10 30 &
rel=$!
# kill as soon as the tracker has applied part of the second batch
h_wait_for 10 applied_over 12
h_kill_daemon tracker
wait "$rel"
n=$(h_redis_cli ZCARD 'relay:{m:carol}:applied')
h_diag "applied when killed: $n of 30 released"
h_like "killed mid-stream (some of batch 2 applied, not all)" "$n" '^(1[3-9]|2[0-5])$'

h_check "batch 2 delivered" h_wait_for 20 out_of_queue

# 2. while it is down: rotation by rename (no compression), new file
mv "$PF_MAILLOG" "$PF_MAILLOG.1"
h_pf_reload
release 30 40
h_check "batch 3 delivered" h_wait_for 20 out_of_queue
h_check "new log file" test -s "$PF_MAILLOG"

# 3. restart: the rest of the renamed file first, then the new one
h_start_daemon tracker "$TRACKER" -f -c "$FX_CONF"
h_check "caught up after restart" h_wait_for 20 caught_up
h_is "applied after restart: 40" "$(h_redis_cli ZCARD 'relay:{m:carol}:applied')" 40
h_like "resumed in the rotated file" "$(cat "$H_LOG/tracker.log")" 'resuming in rotated file .*postfix-pf\.maillog\.1'

# 4. postfix logrotate (rename + gzip) while it runs
h_check "postfix logrotate" h_pf postfix logrotate
release 40 50
h_check "batch 4 delivered" h_wait_for 20 out_of_queue
h_check "caught up after logrotate" h_wait_for 20 caught_up
h_is "applied: 50" "$(h_redis_cli ZCARD 'relay:{m:carol}:applied')" 50

# 5. truncation while it runs
: >"$PF_MAILLOG"
release 50 56
h_check "batch 5 delivered" h_wait_for 20 out_of_queue
h_check "caught up after truncation" h_wait_for 20 caught_up
h_is "applied: 56" "$(h_redis_cli ZCARD 'relay:{m:carol}:applied')" 56
cp "$H_LOG/tracker.log" "$H_LOG/tracker-run2.log"

# 6. kill -9 again mid-stream, restart at once
release_slow 56 62 &
rel=$!
h_wait_for 10 applied_over 57
h_kill_daemon tracker
wait "$rel"
n=$(h_redis_cli ZCARD 'relay:{m:carol}:applied')
h_diag "applied when killed again: $n of 62 released"
h_like "killed mid-stream again" "$n" '^(5[89]|60)$'
h_start_daemon tracker "$TRACKER" -f -c "$FX_CONF"
h_check "batch 6 delivered" h_wait_for 20 out_of_queue
h_check "caught up after the second kill" h_wait_for 20 caught_up

# 7. Redis stops while lines arrive: the batch waits and is applied after
h_stop_redis
release 62 68
h_check "batch 7 delivered" h_wait_for 20 out_of_queue
h_check "queue empty" h_wait_queue_empty 20
sleep 0.5
h_check "tracker still runs without Redis" h_daemon_alive tracker
h_restart_redis
h_check "caught up at the end" h_wait_for 30 caught_up
h_like "Redis outage logged" "$(cat "$H_LOG/tracker.log")" 'Redis unavailable, retrying'
h_is "one line for the outage" "$(grep -c 'Redis unavailable, retrying' "$H_LOG/tracker.log")" 1
h_like "its end logged" "$(cat "$H_LOG/tracker.log")" 'Redis available again after [1-9][0-9]* failed tries in [0-9]+ ms'
h_stop_daemon tracker

h_is "exact: applied events" "$(h_redis_cli ZCARD 'relay:{m:carol}:applied')" 68
h_is "exact: sent in the window" "$(outcomes carol s)" "$nsent"
h_is "exact: bounced in the window" "$(outcomes carol b)" $((nhard + npol))
h_is "exact: hard bounces suppressed" "$(h_redis_cli HLEN 'relay:{m:carol}:suppress')" "$nhard"
h_is "exact: inflight empty" "$(h_redis_cli ZCARD 'relay:{m:carol}:inflight')" 0
bad=0
for q in "${QIDS[@]}"; do
	a=$(h_redis_cli HGETALL "relay:{m:carol}:msg:$q" | grep -c '"attempts":1[,}]')
	[[ $a == 1 ]] || { bad=$((bad + 1)); h_diag "$q: $(h_redis_cli HGETALL "relay:{m:carol}:msg:$q" | tr '\n' ' ')"; }
done
h_is "every recipient exactly one attempt" "$bad" 0
h_like "run 2 saw the logrotate" "$(cat "$H_LOG/tracker-run2.log")" 'postfix-pf\.maillog was rotated'
h_like "run 2 saw the truncation" "$(cat "$H_LOG/tracker-run2.log")" 'postfix-pf\.maillog was truncated'
h_like "last run: no unknown lines" "$(cat "$H_LOG/tracker.log")" 'exit lines=[0-9]+ unknown=0 '
h_done
