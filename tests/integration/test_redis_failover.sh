#!/bin/bash
# test_redis_failover.sh - a Redis failover the connections outlive: the
# primary is turned into a replica (REPLICAOF, as Sentinel or a managed
# Redis does it) while the programs keep their connections to it, and the
# one address they connect to (here a socket path, as a DNS name or a proxy
# that keeps its old sessions) leads to the new primary. Every write then
# met READONLY: relay-milter and relay-policyd answered 451 4.4.2 to every
# message and relay-tracker retried its batch for ever, until restarted.
# Now a READONLY reply replaces the connection (and every other one of the
# process); while the address still leads to a replica, each connect asks
# HELLO for the role, and a replica is a failed attempt (451, never 5xx,
# one redis=down line, a growing backoff); once it leads to the primary,
# mail flows again without a restart, the milter's script that met
# READONLY is sent again on the new connection (no 451 for that message),
# and so are relay-policyd's requests that met it or were waiting behind it
# (no 451 for them),
# the tracker's outcomes land in the new primary, and the fact cache
# follows (a suppression made on the new primary is honoured). A replica
# that serves nothing while its link is down (MASTERDOWN) is the same.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init redis_failover
h_need_root
h_need redis-server redis-cli postfix swaks dovecot
fx_suite_bins
CLIENT=$B/tests/integration/policyd_client
[[ -x $CLIENT ]] || h_bail "policyd_client not built"

# Redis A (the harness's) and B, its replica; the programs connect to
# $ADDR, a symbolic link to the primary's socket
fx_start_replica
link_up() { "r$1" INFO replication | grep -q 'master_link_status:up'; }
ADDR=$H_TMP/primary.sock
ln -s "$A_SOCK" "$ADDR"
# switch NEW - NEW becomes the primary, the other its replica; the
# address is not moved (point ADDR)
switch() {
	local new=$1 old=a port=$B_PORT
	[[ $new == a ]] && old=b port=$A_PORT
	"r$new" REPLICAOF NO ONE >/dev/null
	"r$old" REPLICAOF 127.0.0.1 "$port" >/dev/null
	h_wait_for 10 link_up "$old" || h_bail "$old does not replicate $new"
}
point() { ln -sfn "$([[ $1 == a ]] && echo "$A_SOCK" || echo "$B_SOCK")" "$ADDR"; }
# follow NEW - a switch the address follows at once, in Sentinel's order:
# NEW promoted, the address moved to it, the old primary made its replica
follow() {
	local new=$1 old=a port=$B_PORT
	[[ $new == a ]] && old=b port=$A_PORT
	"r$new" REPLICAOF NO ONE >/dev/null
	point "$new"
	"r$old" REPLICAOF 127.0.0.1 "$port" >/dev/null
	h_wait_for 10 link_up "$old" || h_bail "$old does not replicate $new"
}

h_start_sink
FX_REDIS="socket = \"$ADDR\";"
PPORT=$(h_port)
fx_suite_conf fo "inet:127.0.0.1:$PPORT"
ctl() { "$CTL" -c "$FX_CONF" "$@"; }
h_check "member add" ctl member add fay --did did:web:fay.example
KEY=$(ctl apikey create fay 2>/dev/null)
# warm.test is in its warming tier (relay-policyd writes a charge per
# recipient); old.test is past it (relay-policyd only reads)
h_check "domain add warm.test" ctl domain add warm.test --member fay
h_check "domain add old.test" ctl domain add old.test --member fay
ra HSET 'relay:{d:warm.test}:domain' verified_at $(($(date +%s) - 3600)) >/dev/null
ra HSET 'relay:{d:old.test}:domain' verified_at $(($(date +%s) - 40 * 86400)) >/dev/null

fx_start_suite

send() {	# send FROM TO - one message as fay; prints swaks' output
	h_swaks --server "127.0.0.1:$SUB_PORT" --auth PLAIN --auth-user fay \
	    --auth-password="$KEY" --from "$1" --to "$2" \
	    --header "Subject: failover to $2" 2>&1
}
# sent_in R QID - relay-tracker wrote QID's recipient sent in Redis R
sent_in() {
	"r$1" HGETALL "relay:{m:fay}:msg:$2" 2>/dev/null | grep -q '"status":"sent"'
}
# retry N FROM TO - send until queued, at most N times, 0.3 s apart;
# prints the tries and the last output
retry() {
	local i out
	for ((i = 1; i <= $1; i++)); do
		out=$(send "$2" "$3")
		[[ $out == *'250 2.0.0 Ok: queued'* ]] && break
		sleep 0.3
	done
	printf '%s\n%s\n' "$i" "$out"
}

# --- A is the primary
out=$(send news@warm.test one@rcpt.test)
h_like "A primary: queued" "$out" '250 2\.0\.0 Ok: queued'
q1=$(h_queued_id "$out")
h_check "A primary: delivered" h_wait_sink 1 20
h_check "A primary: the tracker's status sent, in A" \
    h_wait_for 10 sent_in a $q1

# --- B promoted, A turned into its replica, the address still at A: every
# program finds a replica there. old.test first: relay-policyd only reads
# (A answers), relay-milter's write at end of data meets READONLY
switch b
out=$(send news@old.test two@rcpt.test)
h_like "address at a replica: 451 4.4.2 (relay-milter)" "$out" '<\*\* 451 4\.4\.2 '
h_like "... at end of data" "$out" '<-  354 '
h_unlike "... never 5xx" "$out" '<\*\* 5[0-9][0-9] '
h_unlike "... nothing queued" "$out" 'Ok: queued'
h_is "relay-milter: one redis=replica line" \
    "$(grep -c 'redis=replica' "$H_LOG/milter.log")" 1
h_like "... then the replica refused at connect, in its tempfail line" \
    "$(grep 'action=tempfail' "$H_LOG/milter.log" | tail -1)" \
    'is a replica \(read-only\), not the primary'
out=$(ctl suppress add fay x@rcpt.test 2>&1)
h_is "relayctl: a write to the replica is a backend error (exit 2)" "$?" 2
h_like "... which says to use the primary" "$out" \
    "READONLY .*\\(a replica: relay.conf's redis section must lead to the primary\\)"
# relay-policyd (asked directly: relay-milter refuses at MAIL FROM now)
ask() { "$CLIENT" ask "$PPORT" RCPT fay news@warm.test "$1@rcpt.test"; }
h_like "a warming charge: 451 4.4.2 (relay-policyd)" "$(ask c1)" '^action=451 4\.4\.2 '
h_like "... READONLY drops its connection, the request sent again" \
    "$(grep 'redis=replica' "$H_LOG/policyd.log")" \
    'reason="READONLY .*action=reconnect'
h_like "... to the replica again, refused at connect" \
    "$(h_wait_log 'redis=down' 10 "$H_LOG/policyd.log")" \
    'reason=".* is a replica \(read-only\), not the primary"'
h_is "... one verdict line for it" \
    "$(grep -c 'domain=warm.test verdict=451' "$H_LOG/policyd.log")" 1
for i in 2 3 4 5 6; do
	a[$i]=$(ask "c$i")
	sleep 0.2
done
h_like "... its next connects find the replica: 451" "${a[6]}" '^action=451 4\.4\.2 '
h_check "... said in the verdict lines" h_wait_log_count \
    'state=RCPT .*verdict=451 reason=redis_unavailable' 5 10 "$H_LOG/policyd.log"
h_is "... one redis=down line for the whole time" \
    "$(grep -c 'redis=down' "$H_LOG/policyd.log")" 1
h_is "... no redis=up while the address leads to a replica" \
    "$(grep -c 'redis=up' "$H_LOG/policyd.log")" 1

# --- the address moved to B: mail flows again, nothing restarted
point b
r=$(retry 10 news@warm.test three@rcpt.test)
h_like "... relay-policyd charged it on B" \
    "$(grep 'state=RCPT' "$H_LOG/policyd.log" | tail -1)" 'verdict=DUNNO reason=charged'
h_like "address at the new primary: queued again" "$r" '250 2\.0\.0 Ok: queued'
q3=$(h_queued_id "$r")
h_check "... delivered" h_wait_sink 2 20
h_check "... its status sent, in B" h_wait_for 10 sent_in b $q3
h_check "relay-policyd says redis=up again" \
    h_wait_log 'redis=up failed_attempts=[1-9]' 10 "$H_LOG/policyd.log"
for d in milter policyd tracker; do
	h_check "$d never restarted" h_daemon_alive "$d"
done

# --- a switch the address follows at once (A back, ADDR at A): the
# milter's write meets READONLY on B and is sent again on a new connection
# to A, so the message is queued at the first try (old.test: relay-policyd
# only reads, which B still answers)
switch a
point a
n=$(grep -c 'action=tempfail' "$H_LOG/milter.log")
out=$(send news@old.test four@rcpt.test)
h_like "switch followed at once: queued at the first try" "$out" '250 2\.0\.0 Ok: queued'
q4=$(h_queued_id "$out")
h_is "... no tempfail from relay-milter" "$(grep -c 'action=tempfail' "$H_LOG/milter.log")" "$n"
h_is "... a second redis=replica line" "$(grep -c 'redis=replica' "$H_LOG/milter.log")" 2
h_check "... its status sent, in A" h_wait_for 10 sent_in a $q4
h_like "relay-tracker said READONLY once per switch" \
    "$(grep -c 'redis=replica' "$H_LOG/tracker.log")" '^[12]$'

# relay-policyd, still on B: ten requests at once; the first charge meets
# READONLY there, and it and the requests waiting behind it are sent again
# on a new connection to A (tier 1: 20 an hour, 2 charged so far)
n=$(grep -c 'verdict=451' "$H_LOG/policyd.log")
before=$(ra ZCARD 'relay:{d:warm.test}:warm')
out=$("$CLIENT" burst "$PPORT" 10 fay news@warm.test)
h_like "switch followed at once: relay-policyd charges all ten" "$out" \
    '^DUNNO=10 451=0 other=0 '
h_is "... no 451 from relay-policyd" \
    "$(grep -c 'verdict=451' "$H_LOG/policyd.log")" "$n"
h_is "... a second redis=replica line" \
    "$(grep -c 'redis=replica' "$H_LOG/policyd.log")" 2
h_is "... the ten charges in A" "$(ra ZCARD 'relay:{d:warm.test}:warm')" \
    $((before + 10))

# the fact cache follows the primary: a suppression made on A now is
# honoured, and one removed is too
out=$(send news@old.test five@rcpt.test)
h_like "five@ queued before its suppression" "$out" '250 2\.0\.0 Ok: queued'
h_check "suppress five@ on the new primary" ctl suppress add fay five@rcpt.test
out=$(send news@old.test five@rcpt.test)
h_like "... refused: 550 5.7.1" "$out" '<\*\* 550 5\.7\.1 '
h_check "suppress remove five@" ctl suppress remove fay five@rcpt.test
out=$(send news@old.test five@rcpt.test)
h_like "... queued again" "$out" '250 2\.0\.0 Ok: queued'
h_like "the subscriber followed the primary" "$(cat "$H_LOG/milter.log")" \
    'fact cache off: .*READONLY.*following the primary'

# --- five switches under load, each followed at once, 1 s apart (more
# than redis.reconnect_max_ms, the move's window): relay-policyd answers
# every request, none 451 (without the moves: about 200 per switch at full
# speed, the requests of the reconnect's backoff). load.test is in its
# last tier (1000 an hour); at most 750 requests.
h_check "domain add load.test" ctl domain add load.test --member fay
ra HSET 'relay:{d:load.test}:domain' verified_at $(($(date +%s) - 13 * 86400)) >/dev/null
n=$(grep -c 'verdict=451' "$H_LOG/policyd.log")
m=$(grep -c 'redis=replica' "$H_LOG/policyd.log")
: >"$H_TMP/bursts"
(
	for ((i = 0; i < 150; i++)); do
		[[ -e $H_TMP/stop ]] && break
		"$CLIENT" burst "$PPORT" 5 fay news@load.test >>"$H_TMP/bursts"
		sleep 0.08
	done
) &
lp=$!
for t in b a b a b; do
	sleep 1
	follow $t
done
sleep 0.5
touch "$H_TMP/stop"
wait $lp
h_like "under load: every request answered DUNNO" \
    "$(awk '{ split($1, d, "="); split($2, f, "="); split($3, o, "=");
	dunno += d[2]; defer += f[2]; other += o[2] }
	END { print NR, dunno, defer, other }' "$H_TMP/bursts")" \
    '^([1-9][0-9]*) [1-9][0-9]* 0 0$'
h_is "... as many answers as requests" "$(awk '{ split($1, d, "=");
	dunno += d[2] } END { print dunno == 5 * NR }' "$H_TMP/bursts")" 1
h_is "... no 451 in relay-policyd's log" \
    "$(grep -c 'verdict=451' "$H_LOG/policyd.log")" "$n"
h_is "... one move per switch" \
    "$(grep -c 'redis=replica' "$H_LOG/policyd.log")" $((m + 5))
h_check "... relay-policyd never restarted" h_daemon_alive policyd
follow a

# --- MASTERDOWN: A, the primary at the address, made the replica of a
# primary that is not there, serving nothing meanwhile
# (replica-serve-stale-data no), B promoted and the address moved to it:
# the reads meet MASTERDOWN, which replaces the connections as READONLY
rb REPLICAOF NO ONE >/dev/null
ra CONFIG SET replica-serve-stale-data no >/dev/null
ra REPLICAOF 127.0.0.1 "$(h_port)" >/dev/null
point b
h_like "A answers MASTERDOWN" "$(ra GET x 2>&1)" '^MASTERDOWN '
r=$(retry 10 news@old.test six@rcpt.test)
h_like "MASTERDOWN: queued again" "$r" '250 2\.0\.0 Ok: queued'
h_like "... within a few tries" "$(head -1 <<<"$r")" '^[1-5]$'
h_like "... relay-milter said so" "$(grep 'redis=replica' "$H_LOG/milter.log" | tail -1)" \
    'reason="MASTERDOWN '
h_done
