#!/bin/bash
# test_metrics.sh - the Prometheus scrape ports of relay-milter,
# relay-policyd and relay-tracker (relay.conf: milter/policyd/tracker
# .metrics). The milter and policyd sit in front of a private Postfix's
# submission service (Dovecot AUTH), the tracker follows a log the test
# writes in Postfix's format. Each port is scraped before and after
# traffic, and the counters must move by exactly what was sent: policy
# requests passed and refused (member_suspended), a message accepted and
# signed twice (rsa-sha256 + ed25519-sha256), a suppressed recipient
# (recipient_suppressed), log lines read/event/other/skipped/too_long,
# the tracker's deliveries by status and bounce class, an expiry, hard
# bounce suppressions and a bounce-rate warning and suspension,
# Redis round trips in each latency histogram, Redis errors and
# queue_full once Redis is gone. Also: the text format, 404/405/431, HEAD
# (no body), silent clients holding up neither a scrape nor a SIGTERM,
# relay.conf refusing a scrape port off loopback with file:line, and a
# scrape port in use refused at start without -f (exit 71, stderr).
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init metrics
h_need_root
h_need redis-server postfix swaks dovecot curl
B=$H_BUILDDIR
CLIENT=$B/tests/integration/policyd_client
for p in milter/relay-milter policyd/relay-policyd policyd/relay-tracker \
    tests/integration/policyd_client; do
	[[ -x $B/$p ]] || h_bail "$p not built"
done

h_start_redis
h_start_sink
MPORT=$(h_port) PPORT=$(h_port) MM=$(h_port) PM=$(h_port) TM=$(h_port)
LOG=$H_TMP/maillog
: >"$LOG"
FX_MILTER="socket = \"inet:$MPORT@127.0.0.1\"; metrics = \"127.0.0.1:$MM\";"
FX_POLICYD="listen = [ \"inet:127.0.0.1:$PPORT\" ]; socketmap = [ ]; metrics = \"127.0.0.1:$PM\";"
FX_TRACKER="maillog = \"$LOG\"; node = \"m\"; poll_ms = 50; max_line = 512; metrics = \"127.0.0.1:$TM\";"
FX_SUSPENSION='min_volume = 2; warn_rate = 30.0; suspend_rate = 60.0;'
fx_conf
chmod 0644 "$FX_CONF"

# --- relay.conf refuses a scrape port that is not on loopback, with file:line
for d in milter policyd tracker; do
	bad=$H_TMP/bad-$d.conf
	sed "/^$d: /s/metrics = \"127\\.0\\.0\\.1:[0-9]*\"/metrics = \"0.0.0.0:9\"/" \
	    "$FX_CONF" >"$bad"
	line=$(grep -n "^$d: " "$bad" | cut -d: -f1)
	case $d in
	milter) prog=$B/milter/relay-milter ;;
	policyd) prog=$B/policyd/relay-policyd ;;
	tracker) prog=$B/policyd/relay-tracker ;;
	esac
	out=$(timeout 10 "$prog" -f -c "$bad" 2>&1)
	rc=$?
	h_is "$d: refuses metrics = 0.0.0.0:9 (exit 78)" "$rc" 78
	h_like "$d: the error names file:line and the key" "$out" \
	    "$bad:$line: $d\\.metrics: not a loopback address"
done

fx_member alice
fx_domain alice.test alice
fx_passwd alice key-a
fx_suppress alice blocked@rcpt.test
fx_member bob
fx_domain bob.test bob
fx_suspend bob "testing" admin
fx_message alice 4jMETRICS0001 a@alice.test ok1@rcpt.test
fx_message alice 4jMETRICS0002 a@alice.test ok2@rcpt.test
fx_member carol
fx_domain carol.test carol
fx_message carol 4jMETRICS0003 c@carol.test ok3@rcpt.test
fx_message carol 4jMETRICS0004 c@carol.test gone4@rcpt.test
fx_message carol 4jMETRICS0005 c@carol.test gone5@rcpt.test
fx_message carol 4jMETRICS0006 c@carol.test later6@rcpt.test

h_start_daemon milter "$B/milter/relay-milter" -f -c "$FX_CONF"
h_start_daemon policyd "$B/policyd/relay-policyd" -f -c "$FX_CONF"
h_start_daemon tracker "$B/policyd/relay-tracker" -f -c "$FX_CONF"
for p in "$MPORT" "$PPORT" "$MM" "$PM" "$TM"; do
	h_wait_port "$p" 10 || h_bail "port $p did not open"
done

# --- without -f, a scrape port in use is exit 71 and a line on stderr: it
# is bound before the daemon detaches (the running ones hold these ports)
CONF=$FX_CONF SAVED_P=$FX_POLICYD SAVED_T=$FX_TRACKER
FX_POLICYD="listen = [ \"inet:127.0.0.1:$(h_port)\" ]; socketmap = [ ]; metrics = \"127.0.0.1:$PM\"; pid_file = \"$H_TMP/bg-policyd.pid\";"
FX_TRACKER="maillog = \"$LOG\"; node = \"m\"; metrics = \"127.0.0.1:$TM\"; pid_file = \"$H_TMP/bg-tracker.pid\";"
fx_conf "$H_TMP/bg.conf"
for d in policyd tracker; do
	case $d in
	policyd) prog=$B/policyd/relay-policyd busy=$PM ;;
	tracker) prog=$B/policyd/relay-tracker busy=$TM ;;
	esac
	out=$(timeout 10 "$prog" -c "$FX_CONF" 2>&1 </dev/null)
	rc=$?
	h_is "$d: without -f, metrics port in use: exit 71" "$rc" 71
	h_like "$d: ... and the reason on stderr" "$out" \
	    "^relay-$d: metrics 127\\.0\\.0\\.1:$busy: .*Address already in use"
	# one that did start in the background: stopped here
	pid=$(cat "$H_TMP/bg-$d.pid" 2>/dev/null)
	[[ -n $pid ]] && grep -qs relay- "/proc/$pid/cmdline" && kill "$pid"
done
FX_CONF=$CONF FX_POLICYD=$SAVED_P FX_TRACKER=$SAVED_T

PF_MAIN_EXTRA="smtpd_milters = inet:127.0.0.1:$MPORT
non_smtpd_milters =
milter_default_action = tempfail
smtpd_sender_restrictions =
    check_policy_service { inet:127.0.0.1:$PPORT, policy_context=mail }
smtpd_recipient_restrictions =
    check_policy_service { inet:127.0.0.1:$PPORT, policy_context=rcpt }, permit
smtpd_policy_service_default_action = 451 4.4.2 Queue full or transient submission error"
FX_SUB_OPTS="  -o smtpd_delay_reject=no"
fx_start_submission

# scrape PORT [PATH] - the body; exit status of curl
scrape() { curl -sS --max-time 5 "http://127.0.0.1:$1${2:-/metrics}"; }
# raw PORT REQUEST - the answer's head on one line, CR LF as spaces,
# then " body=N", N the bytes after the head
raw() {
	"$H_PYTHON" -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(sys.argv[2].encode().decode("unicode_escape").encode())
d = b""
while True:
    r = s.recv(65536)
    if not r:
        break
    d += r
h, _, b = d.partition(b"\r\n\r\n")
print(h.decode().replace("\r\n", " "), "body=%d" % len(b))' "$@"
}
# ms_since T0 - milliseconds since T0 (date +%s%N)
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }
# val TEXT SERIES - the value of one series (exact name and labels), or "none"
val() {
	awk -v s="$2" 'index($0, s " ") == 1 { v = substr($0, length(s) + 2) }
	    END { print (v == "" ? "none" : v) }' <<<"$1"
}
# delta NAME BEFORE AFTER SERIES WANT - the series moved by exactly WANT
delta() {
	local a b
	a=$(val "$2" "$4")
	b=$(val "$3" "$4")
	if [[ $a == none || $b == none ]]; then
		h_fail "$1" "series $4 missing (before $a, after $b)"
	else
		h_is "$1" "$((b - a))" "$5"
	fi
}
# rose NAME BEFORE AFTER SERIES - the series went up
rose() {
	local a b
	a=$(val "$2" "$4")
	b=$(val "$3" "$4")
	if [[ $a == none || $b == none ]] || ((b <= a)); then
		h_fail "$1" "series $4: before $a, after $b"
	else
		h_ok "$1"
	fi
}
# wellformed TEXT - every line is a comment or NAME{LABELS} VALUE, each
# family's HELP and TYPE come before its samples, _count equals +Inf
wellformed() {
	"$H_PYTHON" -c '
import re, sys
t = sys.stdin.read()
typed = {}
sample = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*=\"(\\.|[^\"\\])*\",?)*\})? (-?[0-9.e+-]+|\+Inf)$")
inf, cnt = {}, {}
for ln in t.splitlines():
    if ln.startswith("# HELP "):
        continue
    if ln.startswith("# TYPE "):
        _, _, n, ty = ln.split(" ")
        typed[n] = ty
        continue
    m = sample.match(ln)
    if not m:
        sys.exit("bad line: " + ln)
    n = m.group(1)
    base = re.sub(r"_(bucket|sum|count)$", "", n) if n not in typed else n
    if base not in typed:
        sys.exit("no TYPE before " + ln)
    lab = re.sub(r",?le=\"[^\"]*\"", "", m.group(2) or "")
    if n.endswith("_bucket") and "le=\"+Inf\"" in ln:
        inf[base + lab] = m.group(5)
    if n.endswith("_count") and typed.get(base) == "histogram":
        cnt[base + lab] = m.group(5)
if not typed or inf != cnt:
    sys.exit("histogram _count differs from +Inf: %r %r" % (inf, cnt))
' <<<"$1"
}

# --- the ports answer, in the text format
for pair in milter:$MM policyd:$PM tracker:$TM; do
	d=${pair%%:*} port=${pair#*:}
	hdr=$(curl -sS --max-time 5 -D - -o "$H_TMP/$d.0" "http://127.0.0.1:$port/metrics" | tr -d '\r')
	h_like "$d: GET /metrics is 200" "$hdr" '^HTTP/1\.0 200 OK'
	h_like "$d: Content-Type text/plain; version=0.0.4" "$hdr" \
	    $'\nContent-Type: text/plain; version=0\\.0\\.4'
	h_check "$d: well-formed text format" wellformed "$(cat "$H_TMP/$d.0")"
	h_is "$d: another path is 404" \
	    "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$port/other")" 404
	h_is "$d: POST is 405" \
	    "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -d x "http://127.0.0.1:$port/metrics")" 405
	ans=$(raw "$port" 'HEAD /metrics HTTP/1.0\r\n\r\n')
	h_like "$d: HEAD is 200 with a Content-Length and no body" "$ans" \
	    "^HTTP/1\\.0 200 OK.*Content-Length: [1-9][0-9]* .* body=0\$"
done
big=$(head -c 9000 /dev/zero | tr '\0' a)
h_is "a request head over 8 KiB is 431" \
    "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H "X-Big: $big" "http://127.0.0.1:$PM/metrics")" 431
# clients that send nothing do not hold up a scrape (each would take 5 s)
exec 7<>"/dev/tcp/127.0.0.1/$PM" 8<>"/dev/tcp/127.0.0.1/$PM"
t0=$(date +%s%N)
h_is "behind two silent clients, a scrape answers" \
    "$(curl -s -o /dev/null -w '%{http_code}' --max-time 15 \
    "http://127.0.0.1:$PM/metrics")" 200
ms=$(ms_since "$t0")
exec 7>&- 8>&-
if ((ms < 2000)); then
	h_ok "... at once ($ms ms)"
else
	h_fail "... at once" "$ms ms: the silent clients held it up"
fi
l='daemon="milter"'
h_is "milter: every condition listed from 0" \
    "$(grep -c "^relay_decisions_total{$l,condition=\"[a-z_]*\"} 0$" "$H_TMP/milter.0")" \
    "$(grep -c '^relay_decisions_total{' "$H_TMP/milter.0")"

# --- policyd: one request passes, one member is suspended (521)
P0=$(scrape "$PM")
ans=$("$CLIENT" ask "$PPORT" MAIL alice a@alice.test x@rcpt.test)
h_is "policy request for alice: DUNNO" "$ans" "action=DUNNO"
ans=$("$CLIENT" ask "$PPORT" MAIL bob b@bob.test x@rcpt.test)
h_like "policy request for bob: 521" "$ans" '^action=521 5\.7\.1 '
P1=$(scrape "$PM")
l='daemon="policyd"'
delta "policyd: relay_policy_passed_total +1" "$P0" "$P1" "relay_policy_passed_total{$l}" 1
delta "policyd: member_suspended +1" "$P0" "$P1" \
    "relay_decisions_total{$l,condition=\"member_suspended\"}" 1
delta "policyd: queue_full unchanged" "$P0" "$P1" \
    "relay_decisions_total{$l,condition=\"queue_full\"}" 0
rose "policyd: Redis latency histogram count rose" "$P0" "$P1" \
    "relay_redis_latency_seconds_count{$l}"
h_is "policyd: no client connection left open" "$(val "$P1" "relay_connections{$l}")" 0

# --- milter: one message signed twice, one recipient suppressed
M0=$(scrape "$MM")
export FX_USER=alice FX_PASS=key-a
out=$(fx_send a@alice.test ok@rcpt.test --header "Subject: metrics" 2>&1)
h_like "message from alice queued" "$out" '250 2\.0\.0 Ok: queued'
out=$(fx_send a@alice.test blocked@rcpt.test --header "Subject: metrics" 2>&1)
h_like "suppressed recipient refused" "$out" '550 5\.7\.1 .*Recipient suppressed'
h_check "the message reached the sink" h_wait_sink 1 20
M1=$(scrape "$MM")
l='daemon="milter"'
delta "milter: relay_messages_accepted_total +1" "$M0" "$M1" "relay_messages_accepted_total{$l}" 1
delta "milter: rsa-sha256 signatures +1" "$M0" "$M1" \
    "relay_dkim_signatures_total{$l,alg=\"rsa-sha256\"}" 1
delta "milter: ed25519-sha256 signatures +1" "$M0" "$M1" \
    "relay_dkim_signatures_total{$l,alg=\"ed25519-sha256\"}" 1
delta "milter: recipient_suppressed +1" "$M0" "$M1" \
    "relay_decisions_total{$l,condition=\"recipient_suppressed\"}" 1
delta "milter: from_not_allowed unchanged" "$M0" "$M1" \
    "relay_decisions_total{$l,condition=\"from_not_allowed\"}" 0
rose "milter: Redis latency histogram count rose" "$M0" "$M1" \
    "relay_redis_latency_seconds_count{$l}"
delta "milter: no Redis errors" "$M0" "$M1" "relay_redis_errors_total{$l,kind=\"io\"}" 0
rose "milter: fact cache hits rose (the second MAIL FROM)" "$M0" "$M1" \
    "relay_fact_cache_lookups_total{$l,result=\"hit\"}"
h_check "milter: connections back to 0 when the sessions end" h_wait_for 10 \
    bash -c "[ \"\$(curl -s 'http://127.0.0.1:$MM/metrics' | grep '^relay_connections{')\" = 'relay_connections{daemon=\"milter\"} 0' ]"
P2=$(scrape "$PM")
l='daemon="policyd"'
delta "policyd: Postfix's 2 MAIL + 2 RCPT requests passed" "$P1" "$P2" "relay_policy_passed_total{$l}" 4
c=$(val "$P2" "relay_connections{$l}")
h_like "policyd: Postfix keeps its policy connection open (gauge $c)" "$c" '^[1-9][0-9]*$'

# --- tracker: 5 lines: 2 deliveries, a Postfix line of no interest,
# a line that is not Postfix's, and one longer than max_line (512) plus
# the tracker's read buffer (it skips what it cannot hold)
T0=$(scrape "$TM")
now=$(date '+%b %e %H:%M:%S')
{
	for q in 1 2; do
		printf '%s relay postfix-pf/smtp[900%d]: 4jMETRICS000%d: to=<ok%d@rcpt.test>, relay=127.0.0.1[127.0.0.1]:25, delay=0.1, delays=0.05/0/0.01/0.03, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as S%d)\n' \
		    "$now" "$q" "$q" "$q" "$q"
	done
	printf '%s relay postfix-pf/smtpd[9010]: connect from localhost[127.0.0.1]\n' "$now"
	printf 'this is not a postfix log line\n'
	printf '%s relay postfix-pf/smtpd[9011]: warning: %s\n' "$now" "$(head -c 200000 /dev/zero | tr '\0' x)"
} >>"$LOG"
l='daemon="tracker"'
h_check "tracker: 5 lines read" h_wait_for 10 bash -c \
    "curl -s 'http://127.0.0.1:$TM/metrics' | grep -qx 'relay_tracker_lines_total{$l,result=\"read\"} $(($(val "$T0" "relay_tracker_lines_total{$l,result=\"read\"}") + 5))'"
h_check "tracker: both messages now sent" h_wait_for 10 bash -c \
    "[ \"\$(redis-cli -s '$REDIS_SOCK' HGET 'relay:{m:alice}:msg:4jMETRICS0002' r:ok2@rcpt.test | grep -c '\"sent\"')\" = 1 ]"
T1=$(scrape "$TM")
delta "tracker: read +5" "$T0" "$T1" "relay_tracker_lines_total{$l,result=\"read\"}" 5
delta "tracker: event +2" "$T0" "$T1" "relay_tracker_lines_total{$l,result=\"event\"}" 2
delta "tracker: other +1" "$T0" "$T1" "relay_tracker_lines_total{$l,result=\"other\"}" 1
delta "tracker: skipped +1" "$T0" "$T1" "relay_tracker_lines_total{$l,result=\"skipped\"}" 1
delta "tracker: too_long +1" "$T0" "$T1" "relay_tracker_lines_total{$l,result=\"too_long\"}" 1
rose "tracker: Redis latency histogram count rose" "$T0" "$T1" \
    "relay_redis_latency_seconds_count{$l}"
delta "tracker: 2 deliveries sent" "$T0" "$T1" \
    "relay_tracker_deliveries_total{$l,status=\"sent\",class=\"none\"}" 2

# --- tracker outcomes: carol's message delivered, two hard bounces
# (suppressed; the rate crosses warn_rate 30% at 1 of 2, suspend_rate 60%
# at 2 of 3, min_volume 2), a policy deferral that then expires, and one
# line logged twice (applied once)
# dline QID RCPT DSN STATUS REPLY - a delivery line of smtp(8)
dline() {
	printf '%s relay postfix-pf/smtp[%d]: %s: to=<%s>, %s, delay=%d, %s, ' \
	    "$now" "$RANDOM" "$1" "$2" 'relay=mx.rcpt.test[127.0.0.1]:25' \
	    "$RANDOM" 'delays=0.05/0/0.01/0.03'
	printf 'dsn=%s, status=%s (%s)\n' "$3" "$4" "$5"
}
said='host mx.rcpt.test[127.0.0.1] said:'
unknown='Recipient address rejected: User unknown (in reply to RCPT TO command)'
{
	dline 4jMETRICS0003 ok3@rcpt.test 2.0.0 sent '250 2.0.0 Ok: queued as S4'
	b=$(dline 4jMETRICS0004 gone4@rcpt.test 5.1.1 bounced \
	    "$said 550 5.1.1 <gone4@rcpt.test>: $unknown")
	printf '%s\n%s\n' "$b" "$b"
	dline 4jMETRICS0006 later6@rcpt.test 4.7.1 deferred \
	    "$said 450 4.7.1 Try again later (in reply to RCPT TO command)"
	dline 4jMETRICS0005 gone5@rcpt.test 5.1.1 bounced \
	    "$said 550 5.1.1 <gone5@rcpt.test>: $unknown"
	printf '%s relay postfix-pf/qmgr[9030]: %s: from=<%s>, %s\n' "$now" \
	    4jMETRICS0006 c@carol.test 'status=expired, returned to sender'
} >>"$LOG"
h_check "tracker: carol's 6 lines read" h_wait_for 10 bash -c \
    "curl -s 'http://127.0.0.1:$TM/metrics' | grep -qx 'relay_tracker_lines_total{$l,result=\"read\"} $(($(val "$T1" "relay_tracker_lines_total{$l,result=\"read\"}") + 6))'"
h_check "tracker: carol's expiry applied" h_wait_for 10 bash -c \
    "curl -s 'http://127.0.0.1:$TM/metrics' | grep -qx 'relay_tracker_expired_total{$l} 1'"
T1b=$(scrape "$TM")
delta "tracker: sent +1" "$T1" "$T1b" \
    "relay_tracker_deliveries_total{$l,status=\"sent\",class=\"none\"}" 1
delta "tracker: bounced hard +2 (the line logged twice counts once)" \
    "$T1" "$T1b" \
    "relay_tracker_deliveries_total{$l,status=\"bounced\",class=\"hard\"}" 2
delta "tracker: deferred policy +1" "$T1" "$T1b" \
    "relay_tracker_deliveries_total{$l,status=\"deferred\",class=\"policy\"}" 1
delta "tracker: deferred soft unchanged" "$T1" "$T1b" \
    "relay_tracker_deliveries_total{$l,status=\"deferred\",class=\"soft\"}" 0
delta "tracker: suppressions hard_bounce +2" "$T1" "$T1b" \
    "relay_tracker_suppressions_total{$l,reason=\"hard_bounce\"}" 2
delta "tracker: bounce rate warning +1" "$T1" "$T1b" \
    "relay_tracker_bounce_rate_total{$l,action=\"warning\"}" 1
delta "tracker: bounce rate suspension +1" "$T1" "$T1b" \
    "relay_tracker_bounce_rate_total{$l,action=\"suspension\"}" 1
h_is "tracker: ... and carol is suspended" \
    "$(h_redis_cli HGET 'relay:{m:carol}:member' suspend_reason)" \
    "auto: bounce rate 66.7% (2/3) over 24h"
T1=$T1b

# --- Redis gone: errors counted, policyd answers queue_full
h_stop_redis
ans=$("$CLIENT" ask "$PPORT" MAIL alice a@alice.test x@rcpt.test)
h_like "Redis down: policy answer 451 4.4.2" "$ans" '^action=451 4\.4\.2 '
P3=$(scrape "$PM")
l='daemon="policyd"'
delta "policyd: queue_full +1" "$P2" "$P3" "relay_decisions_total{$l,condition=\"queue_full\"}" 1
printf '%s relay postfix-pf/smtp[9020]: 4jMETRICS0001: to=<ok1@rcpt.test>, relay=127.0.0.1[127.0.0.1]:25, delay=0.1, delays=0.05/0/0.01/0.03, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as S3)\n' \
    "$now" >>"$LOG"
l='daemon="tracker"'
h_check "tracker: Redis errors counted while Redis is down" h_wait_for 10 bash -c \
    "[ \"\$(curl -s 'http://127.0.0.1:$TM/metrics' | awk '/^relay_redis_errors_total\\{$l,kind=\"(io|down)\"\\}/ { n += \$2 } END { print n + 0 }')\" -gt 0 ]"
T2=$(scrape "$TM")
h_is "tracker: still scrapeable while Redis is down" "$(val "$T2" "relay_tracker_lines_total{$l,result=\"read\"}")" \
    "$(($(val "$T1" "relay_tracker_lines_total{$l,result=\"read\"}") + 1))"

for d in milter policyd tracker; do
	h_check "$d still runs" h_daemon_alive "$d"
done
# SIGTERM: each stops its scrape thread and exits 0 (relay-milter's exit
# status belongs to libmilter's signal thread: test_milter_* check it)
h_stop_daemon milter
for d in policyd tracker; do
	# a silent scrape client does not hold up the stop (it would 5 s)
	[[ $d == policyd ]] && port=$PM || port=$TM
	exec 7<>"/dev/tcp/127.0.0.1/$port"
	sleep 0.2
	t0=$(date +%s%N)
	h_stop_daemon "$d"
	h_is "$d exits 0 on SIGTERM" "$?" 0
	ms=$(ms_since "$t0")
	exec 7>&-
	if ((ms < 2500)); then
		h_ok "$d: a silent scrape client does not delay it ($ms ms)"
	else
		h_fail "$d: a silent scrape client does not delay it" "$ms ms"
	fi
done
h_done
