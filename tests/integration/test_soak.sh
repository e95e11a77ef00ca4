#!/bin/bash
# test_soak.sh - two Postfix nodes on one Redis, under load, with faults.
#
# Two private Postfix instances (nodes a and b) on loopback, each with its
# own relay-milter, relay-policyd and relay-tracker (one relay.conf per
# node: ports, tracker.node, its maillog), sharing one Redis (AOF, so data
# survives a kill -9) and one Dovecot (relay-checkpw: handle + API key),
# both relaying to one sink (sinkd.py, which stores every message with its
# envelope, and refuses bounce* recipients with 550 5.1.1).
#
# Members and domains: alice (alpha.test), bob (beta.test, bravo.test),
# carol (warm.test, verified an hour ago: warming tier 1, WARM_CAP
# recipients per hour), dave (enrolled nothing). Each node's smtpload runs
# one session per profile: alice to a fresh address plus a suppressed one;
# bob to a fresh address plus a fresh bounce* one (hard bounces); bob's
# second domain to two fresh addresses plus a suppressed one; carol into
# her cap; dave from an unenrolled domain; alice with bob's domain.
#
# During RELAY_SOAK_SECONDS (default 20) of load: Redis is killed (-9)
# and started again on the same data; then relay-policyd, relay-milter and
# relay-tracker of each node are killed (-9) and restarted, one at a time,
# in a cycle until the load ends. Afterwards, once both queues are empty
# and both trackers have read their logs to the end, the checks: every
# message a client saw accepted reached the sink exactly once per
# recipient (Message-ID accounting), nothing else did, everything at the
# sink is signed by the sender's domain and from an enrolled domain of the
# member, the warming domain got no more than its cap over both nodes,
# suppressed recipients got nothing, and the tracker's counts (message
# records and the bounce-rate window) equal the sink's. A table of the
# figures ends the output. `make soak` runs it for 300 s.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init soak
h_need_root
h_need redis-server postfix dovecot
fx_suite_bins tests/integration/smtpload
SOAK=${RELAY_SOAK_SECONDS:-20}
[[ $SOAK =~ ^[0-9]+$ ]] && ((SOAK >= 5)) || h_bail "RELAY_SOAK_SECONDS: a number >= 5"
WARM_CAP=30
NODES=(a b)

h_start_redis persist
h_start_sink
declare -A MPORT PPORT SUB KEY SUMMARY
for n in "${NODES[@]}"; do
	MPORT[$n]=$(h_port) PPORT[$n]=$(h_port) SUB[$n]=$(h_port)
done
FX_WARMING="tiers = ( { days = 1; per_hour = $WARM_CAP; per_day = 1000; } );"
# No automatic suspension: bob bounces half his recipients on purpose,
# and this test is about delivery accounting (test_suite_e2e covers it).
FX_SUSPENSION='min_volume = 100000000;'
for n in "${NODES[@]}"; do
	FX_MILTER="socket = \"inet:${MPORT[$n]}@127.0.0.1\";"
	FX_POLICYD="listen = [ \"inet:127.0.0.1:${PPORT[$n]}\" ]; socketmap = [ ];"
	FX_TRACKER="maillog = \"$H_LOG/postfix-$n.maillog\"; node = \"$n\"; poll_ms = 50;"
	fx_conf "$H_TMP/relay-$n.conf"
	chmod 0644 "$FX_CONF"
done

# --- members, domains, keys, suppressions
now=$(date +%s)
for m in alice bob carol dave; do
	fx_member "$m"
	KEY[$m]=$("$CTL" -c "$FX_CONF" apikey create "$m" 2>/dev/null) ||
	    h_bail "apikey create $m"
done
fx_domain alpha.test alice
fx_domain beta.test bob
fx_domain bravo.test bob
fx_domain warm.test carol --verified-at $((now - 3600))
fx_suppress alice sup1@dest.test
fx_suppress bob sup2@dest.test
DOMAINS=(alpha.test=alice beta.test=bob bravo.test=bob warm.test=carol)
SUPPRESSED=(sup1@dest.test sup2@dest.test)

# --- daemons: NAME is ROLE_NODE.GENERATION, so each incarnation keeps its log
declare -A GEN BIN=([milter]=milter/relay-milter [policyd]=policyd/relay-policyd
    [tracker]=policyd/relay-tracker)
cur() { echo "${1}_$2.${GEN[$1$2]}"; }
start_d() {	# start_d ROLE NODE - start it, wait until it listens
	GEN[$1$2]=$((${GEN[$1$2]:-0} + 1))
	h_start_daemon "$(cur "$1" "$2")" "$B/${BIN[$1]}" -f -c "$H_TMP/relay-$2.conf"
	case $1 in
	milter) h_wait_port "${MPORT[$2]}" 10 ;;
	policyd) h_wait_port "${PPORT[$2]}" 10 ;;
	esac
}
for n in "${NODES[@]}"; do
	start_d milter "$n" && start_d policyd "$n" ||
	    h_bail "the daemons of node $n did not listen"
done

fx_checkpw_dovecot

for n in "${NODES[@]}"; do
	PF_MAIN_EXTRA="$(fx_suite_main "inet:127.0.0.1:${MPORT[$n]}" \
	    "inet:127.0.0.1:${PPORT[$n]}")
smtpd_error_sleep_time = 0
smtpd_soft_error_limit = 100000
smtpd_hard_error_limit = 100000"
	PF_MASTER_EXTRA="$(fx_submission "${SUB[$n]}" "$n")
  -o smtpd_delay_reject=no"
	h_start_postfix "$n"
	h_wait_port "${SUB[$n]}" 10 || h_bail "submission of node $n did not listen"
	start_d tracker "$n"
done

# --- load: one session per profile on each node
profiles=(
	-P "alice:${KEY[alice]}:news@alpha.test:a%n@dest.test,sup1@dest.test"
	-P "bob:${KEY[bob]}:info@beta.test:b%n@dest.test,bounce-b%n@dest.test"
	-P "bob:${KEY[bob]}:hello@bravo.test:c%n@dest.test,d%n@other.test,sup2@dest.test"
	-P "carol:${KEY[carol]}:promo@warm.test:w%n@dest.test"
	-P "dave:${KEY[dave]}:x@unenrolled.test:e%n@dest.test"
	-P "alice:${KEY[alice]}:mallory@beta.test:f%n@dest.test"
)
for n in "${NODES[@]}"; do
	h_start_daemon "load_$n" "$B/tests/integration/smtpload" -s 6 -t "$SOAK" \
	    -l 2000 -w 20 -d 50 -i "soak$n" -o "$H_LOG/replies-$n.log" \
	    "${profiles[@]}" "127.0.0.1:${SUB[$n]}"
done
t0=$(date +%s)
t_end=$((t0 + SOAK))

# --- faults, one at a time, in a cycle until the load ends
faults=(redis policyd:a tracker:a milter:a policyd:b tracker:b milter:b)
# a fault takes about a second itself: the short run fits the cycle once
step=$(((SOAK - 2) / (2 * ${#faults[@]})))
((step > 5)) && step=5
((step < 1)) && step=1
nfault=0 fault_fail=0
i=0
sleep "$step"
while (($(date +%s) + step < t_end)); do
	f=${faults[i % ${#faults[@]}]}
	i=$((i + 1))
	if [[ $f == redis ]]; then
		h_kill_redis
		sleep 1
		h_restart_redis
	else
		role=${f%%:*} n=${f#*:}
		h_kill_daemon "$(cur "$role" "$n")"
		sleep 0.5
		start_d "$role" "$n" || {
			fault_fail=$((fault_fail + 1))
			h_diag "$role of node $n did not come back"
		}
	fi
	nfault=$((nfault + 1))
	h_diag "t+$(($(date +%s) - t0))s: killed -9 and restarted $f"
	sleep "$step"
done
h_check "every kind of fault injected at least once ($nfault faults)" \
    test "$nfault" -ge "${#faults[@]}"
h_is "every killed daemon came back" "$fault_fail" 0

for n in "${NODES[@]}"; do
	h_wait_for $((SOAK + 60)) bash -c "! kill -0 $(h_daemon_pid "load_$n") 2>/dev/null"
	h_stop_daemon "load_$n" 5
	h_is "smtpload on node $n ran to its end" "$?" 0
	SUMMARY[$n]=$(grep -m1 '^sent=' "$H_LOG/load_$n.log")
	h_like "node $n: summary line" "${SUMMARY[$n]}" '^sent=[0-9]+ accepted=[1-9][0-9]* '
done
for n in "${NODES[@]}"; do
	for role in milter policyd tracker; do
		h_check "$role of node $n still runs" h_daemon_alive "$(cur "$role" "$n")"
	done
done

# --- drain: both queues empty, both trackers at the end of their logs
for n in "${NODES[@]}"; do
	h_pf_use "$n"
	h_check "node $n: queue drained" h_wait_queue_empty 90
done
caught_up() {	# caught_up NODE - the tracker's position is the log's size
	local off size
	off=$(h_redis_cli HGET "relay:{n:$1}:tracker_pos" offset)
	size=$(stat -c %s "$H_LOG/postfix-$1.maillog")
	[[ -n $off && $off == "$size" ]]
}
for n in "${NODES[@]}"; do
	h_check "node $n: tracker read its log to the end" h_wait_for 30 caught_up "$n"
	# a stop looks up at once the refusals it was to look up again
	h_stop_daemon "$(cur tracker "$n")" 10
	h_is "node $n: tracker stopped cleanly" "$?" 0
	# refusals read before their record (since the last restart)
	l=$(grep -o ' late=[0-9]*' "$H_LOG/$(cur tracker "$n").log" | tail -1)
	l=${l#*=}
	late=$((${late:-0} + ${l:-0}))
done

# --- accounting
acc_args=()
for m in alice bob carol; do
	"$CTL" -c "$FX_CONF" --json status --member "$m" >"$H_TMP/status-$m.json" 2>"$H_LOG/status-$m.err"
	s=$(h_redis_cli HGETALL "relay:{m:$m}:outcomes" | awk '
	    NR % 2 == 1 { k = $0; next }
	    k ~ /^s:/ { s += $0 } k ~ /^b:/ { b += $0 }
	    END { printf "%d:%d", s, b }')
	acc_args+=(--status "$m=$H_TMP/status-$m.json" --outcomes "$m=$s")
done
for d in "${DOMAINS[@]}"; do acc_args+=(--domain "$d"); done
for r in "${SUPPRESSED[@]}"; do acc_args+=(--suppressed "$r"); done
"$H_PYTHON" "$H_LIBDIR/soak_account.py" --sink "$SINK_DIR" \
    --sink-log "$H_LOG/sink.log" --warm warm.test "${acc_args[@]}" \
    --replies "$H_LOG/replies-a.log" "$H_LOG/replies-b.log" \
    >"$H_TMP/account.txt" 2>"$H_LOG/account.err" ||
    h_bail "soak_account.py failed: $(tail -n 5 "$H_LOG/account.err")"
declare -A F
while IFS='=' read -r k v; do
	[[ $k =~ ^[a-z_]+$ && $v =~ ^[0-9]+$ ]] && F[$k]=$v
done <"$H_TMP/account.txt"
[[ -s $H_LOG/account.err ]] && h_diag "$(cat "$H_LOG/account.err")"
warm_z=$(h_redis_cli ZCARD 'relay:{d:warm.test}:warm')

h_check "the soak saw tempfails (faults reached the clients)" test "${F[tempfail]}" -gt 0
h_is "every accepted message reached the sink for each recipient (missing)" "${F[missing]}" 0
h_is "no message reached the sink twice (duplicates)" "${F[duplicates]}" 0
h_is "nothing reached the sink that no client saw accepted" "${F[unexpected]}" 0
h_is "nothing reached the sink unsigned by the sender's domain" "${F[unsigned]}" 0
h_is "nothing reached the sink from an unenrolled domain" "${F[unenrolled]}" 0
h_check "unenrolled senders were refused at MAIL FROM (${F[mail_refused]})" test "${F[mail_refused]}" -gt 0
h_check "warming domain: accepted ${F[warm_accepted]} <= cap $WARM_CAP" test "${F[warm_accepted]}" -le "$WARM_CAP"
h_check "warming domain: delivered ${F[warm_sink]} <= cap $WARM_CAP" test "${F[warm_sink]}" -le "$WARM_CAP"
h_check "warming domain: Redis window $warm_z <= cap $WARM_CAP" test "$warm_z" -le "$WARM_CAP"
h_check "warming domain: the cap was reached (at least $((WARM_CAP / 2)) delivered)" test "${F[warm_sink]}" -ge $((WARM_CAP / 2))
h_check "suppressed recipients were refused (${F[suppressed_refused]})" test "${F[suppressed_refused]}" -gt 0
h_is "suppressed recipients received nothing" "${F[suppressed_delivered]}" 0
tr_sent=0 tr_bounced=0 acc_bounced=0 orphans=0
for m in alice bob carol; do
	h_is "tracker records: $m's sent recipients = the sink's" \
	    "${F[tracker_sent_$m]}" "${F[sink_sent_$m]}"
	h_is "tracker window: $m's sent outcomes = the sink's" \
	    "${F[outcome_sent_$m]}" "${F[sink_sent_$m]}"
	h_is "tracker: $m's bounced = bounce recipients accepted" \
	    "${F[tracker_bounced_$m]}/${F[outcome_bounced_$m]}" \
	    "${F[accepted_bounce_$m]}/${F[accepted_bounce_$m]}"
	h_is "tracker: no recipient of an accepted message of $m left without a final status" \
	    "${F[tracker_pending_$m]}" 0
	h_is "tracker: a record for every accepted message of $m" "${F[status_missing_$m]}" 0
	tr_sent=$((tr_sent + ${F[tracker_sent_$m]:-0}))
	tr_bounced=$((tr_bounced + ${F[tracker_bounced_$m]:-0}))
	acc_bounced=$((acc_bounced + ${F[accepted_bounce_$m]:-0}))
	orphans=$((orphans + ${F[orphan_records_$m]:-0}))
done
h_is "sink refusals (bounces) = tracker's bounced" "${F[sink_bounces]}" "$tr_bounced"
# A milter killed between its record and its answer leaves a record of a
# message Postfix refused at end of data; the tracker reads that refusal.
h_is "no record left open of a message refused at end of data" "$orphans" 0

# An independent DKIM check of a few deliveries (python3-dkim).
keys=()
for d in "${DOMAINS[@]}"; do
	d=${d%%=*}
	keys+=(--key "rs1r._domainkey.$d=$(fx_dkim_txt "$d" rsa)"
	    --key "rs1e._domainkey.$d=$(fx_dkim_txt "$d" ed25519)")
done
nv=0 nbad=0
for f in $(grep -L '^X-Sink-Mail-From: <>' "$SINK_DIR"/*.eml | shuf -n 6 --random-source=/dev/zero); do
	nv=$((nv + 1))
	"$H_PYTHON" "$H_LIBDIR/dkim_verify.py" --expect 2 "${keys[@]}" <"$f" >"$H_TMP/dkim.out" 2>&1 || {
		nbad=$((nbad + 1))
		h_diag "$f: $(cat "$H_TMP/dkim.out")"
	}
done
h_check "python3-dkim verifies both signatures of $nv sampled deliveries" test "$nv" -gt 0 -a "$nbad" -eq 0

printf -v table '%-44s %10s\n' "soak: $SOAK s, 2 nodes, $nfault faults" "figure"
row() { printf -v r '%-44s %10s\n' "$1" "$2"; table+=$r; }
row "sent (messages tried, both clients)" "${F[sent]}"
row "accepted (250 after DATA)" "${F[accepted]}"
row "tempfailed (4xx)" "${F[tempfail]}"
row "rejected (5xx)" "${F[rejected]}"
row "errors (connection lost; after dot: ${F[eod_unknown]})" "${F[errors]}"
row "expected deliveries (message, recipient)" "${F[expected_pairs]}"
row "delivered at sink (message, recipient)" "${F[sink_pairs]}"
row "missing at sink" "${F[missing]}"
row "duplicates at sink" "${F[duplicates]}"
row "not accepted but delivered" "${F[unexpected]}"
row "unsigned at sink" "${F[unsigned]}"
row "unenrolled at sink" "${F[unenrolled]}"
row "bounce notices (null sender) at sink" "${F[ndr]}"
row "warming cap / accepted / delivered" "$WARM_CAP / ${F[warm_accepted]} / ${F[warm_sink]}"
row "suppressed refused / delivered" "${F[suppressed_refused]} / ${F[suppressed_delivered]}"
row "tracker sent / sink delivered" "$tr_sent / $((${F[sink_sent_alice]:-0} + ${F[sink_sent_bob]:-0} + ${F[sink_sent_carol]:-0}))"
row "tracker bounced / sink refused / accepted" "$tr_bounced / ${F[sink_bounces]} / $acc_bounced"
row "open records of refused messages" "$orphans"
row "refusals read before their record (late)" "$late"
h_diag "$table"
h_diag "node a: ${SUMMARY[a]}" "node b: ${SUMMARY[b]}"
h_done
