#!/bin/bash
# test_tracker_rotate.sh - relay-tracker catches up through every rotated
# file after a stop, without Postfix (the log is written by the test in
# Postfix's format, in a folder of its own):
#  - two numbered rotations while stopped (position in what is now
#    maillog.2, unread lines after it, then maillog.1 and a new maillog):
#    every line of every file applied exactly once, in order, so the
#    statuses are set, hard bounces suppressed and `removed` lines empty
#    the member's inflight set;
#  - the same with dated names (logrotate dateext, then Postfix's
#    "postfix logrotate" suffix), a compressed old file and a file of the
#    tracker's own beside them (neither read);
#  - the file of the position rotated and gzipped while stopped: one
#    warning names the .gz and says its lines are lost, the new file is
#    read from its start, and the start-up line gives the real offset;
#  - logrotate's create while running: lines written to the renamed file
#    after the new, empty one appeared are read before the new file's.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init tracker_rotate
h_need redis-server gzip
TRACKER=$H_BUILDDIR/policyd/relay-tracker
[[ -x $TRACKER ]] || h_bail "build policyd/relay-tracker first"

h_start_redis
mkdir -p "$H_TMP/logs"
LOG=$H_TMP/logs/maillog
STATE=$H_TMP/tracker.state
: >"$LOG"
FX_TRACKER="maillog = \"$LOG\"; poll_ms = 50; state_file = \"$STATE\";"
fx_conf
fx_member dave
N=20		# messages per file
pid=1000
nhard=0

# line QID TEXT - one Postfix log line for a queue id
line() {
	pid=$((pid + 1))
	printf '%s relay postfix/%s[%d]: %s: %s\n' "$(date '+%b %e %H:%M:%S')" \
	    "${3:-smtp}" "$pid" "$1" "$2" >>"$LOG"
}
rcpt() { (($2 % 4 == 0)) && echo "bounce-${1,,}$2@dest.example" || echo "ok-${1,,}$2@dest.example"; }
qid() { printf '4jROT%s%03d' "$1" "$2"; }
# batch TAG FROM TO - messages FROM..TO-1 of TAG: recorded, delivered
# (every 4th a hard bounce), removed
batch() {
	local i q r
	for ((i = $2; i < $3; i++)); do
		q=$(qid "$1" "$i")
		r=$(rcpt "$1" "$i")
		fx_message dave "$q" d@dave.test "$r" || h_bail "record $q"
		if ((i % 4 == 0)); then
			nhard=$((nhard + 1))
			line "$q" "to=<$r>, relay=mx[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (host mx[192.0.2.1] said: 550 5.1.1 no such user (in reply to RCPT TO command))"
		else
			line "$q" "to=<$r>, relay=mx[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 Ok)"
		fi
		line "$q" removed qmgr
	done
}
# done_once TAG FROM TO - prints how many of those messages have their
# recipient's status from exactly one attempt and left the inflight set
done_once() {
	local i q n=0
	for ((i = $2; i < $3; i++)); do
		q=$(qid "$1" "$i")
		h_redis_cli HGET "relay:{m:dave}:msg:$q" "r:$(rcpt "$1" "$i")" |
		    grep -q '"attempts":1[,}]' || continue
		[[ -z $(h_redis_cli ZSCORE 'relay:{m:dave}:inflight' "$q") ]] &&
		    n=$((n + 1))
	done
	echo "$n"
}
caught_up() {
	local ino off
	[[ -s $STATE ]] || return 1
	read -r ino off < <(sed -n 's/^dev=[0-9]* ino=\([0-9]*\) offset=\([0-9]*\) .*/\1 \2/p' "$STATE")
	[[ $ino == "$(stat -c %i "$LOG" 2>/dev/null)" &&
	    $off == "$(stat -c %s "$LOG")" ]]
}
# run NAME - start the tracker, wait until it has read the log to its end
run() {
	h_start_daemon "$1" "$TRACKER" -f -c "$FX_CONF"
	h_check "$1: caught up" h_wait_for 20 caught_up
}
# tick - let the next file have a later mtime than the last one
tick() { sleep 0.05; }

# --- 1. two numbered rotations while stopped ------------------------------
batch A 0 10
run tracker1
h_stop_daemon tracker1
h_is "before the stop: the first 10 applied" "$(done_once A 0 10)" 10
batch A 10 $N			# after the saved position, in the same file
tick
mv "$LOG" "$LOG.1"
batch B 0 $N
tick
mv "$LOG.1" "$LOG.2"
mv "$LOG" "$LOG.1"
batch C 0 $N
run tracker2
h_stop_daemon tracker2
T2=$H_LOG/tracker2.log
h_is "numbered: the lines before the position not again" "$(done_once A 0 10)" 10
h_is "numbered: the rest of maillog.2 applied once" "$(done_once A 10 $N)" $((N - 10))
h_is "numbered: maillog.1 applied once" "$(done_once B 0 $N)" $N
h_is "numbered: the new maillog applied once" "$(done_once C 0 $N)" $N
h_like "resumed in maillog.2" "$(cat "$T2")" "resuming in rotated file .*/logs/+maillog\\.2"
h_like "then maillog.1" "$(cat "$T2")" "maillog\\.2 read to its end, reading the newer rotated file .*/logs/maillog\\.1"
h_like "the start-up line gives the file and offset resumed at" "$(cat "$T2")" "following .*/logs/maillog\\.2 from offset [1-9]"
h_like "no unknown lines" "$(cat "$T2")" 'exit lines=[0-9]+ unknown=0 '
h_is "inflight empty" "$(h_redis_cli ZCARD 'relay:{m:dave}:inflight')" 0
h_is "every hard bounce suppressed" "$(h_redis_cli HLEN 'relay:{m:dave}:suppress')" "$nhard"

# --- 2. dated names, a compressed old file, a file that is not a log ------
rm -f "$LOG.1" "$LOG.2"
batch D 0 10
run tracker3
h_stop_daemon tracker3
batch D 10 $N
echo "old, compressed" | gzip >"$LOG-20240101.gz"
touch -d '1 hour ago' "$LOG-20240101.gz"
tick
mv "$LOG" "$LOG-20240102"	# logrotate dateext
batch E 0 $N
tick
mv "$LOG" "$LOG.20240102-120000"	# postfix logrotate, not compressed yet
batch F 0 $N
echo "dev=1 ino=2 offset=3" >"$LOG.state"	# not a rotated log
run tracker4
h_stop_daemon tracker4
T4=$H_LOG/tracker4.log
h_is "dated: the lines before the position not again" "$(done_once D 0 10)" 10
h_is "dated: the rest of maillog-20240102 applied once" "$(done_once D 10 $N)" $((N - 10))
h_is "dated: maillog.20240102-120000 applied once" "$(done_once E 0 $N)" $N
h_is "dated: the new maillog applied once" "$(done_once F 0 $N)" $N
h_like "dated: in order" "$(cat "$T4")" "maillog-20240102 read to its end, reading the newer rotated file .*/logs/maillog\\.20240102-120000"
h_unlike "the compressed file and the state file not read" "$(cat "$T4")" 'maillog(-20240101\.gz|\.state)'
h_like "dated: no unknown lines" "$(cat "$T4")" 'exit lines=[0-9]+ unknown=0 '
h_is "inflight empty again" "$(h_redis_cli ZCARD 'relay:{m:dave}:inflight')" 0
h_is "every hard bounce suppressed again" "$(h_redis_cli HLEN 'relay:{m:dave}:suppress')" "$nhard"

# --- 3. the file of the position rotated and gzipped while stopped --------
rm -f "$LOG"-2024* "$LOG".2024* "$LOG.state"
batch G 0 10
run tracker5
h_stop_daemon tracker5
batch G 10 $N
lost=$nhard
batch G $N $((N + 1))		# one line more: a hard bounce
lost=$((nhard - lost))
mv "$LOG" "$LOG.20240103-000000"
gzip "$LOG.20240103-000000"
batch H 0 $N
run tracker6
h_stop_daemon tracker6
T6=$H_LOG/tracker6.log
h_is "gzipped: its lines are lost (still inflight)" "$(done_once G 10 $((N + 1)))" 0
h_is "gzipped: the new maillog applied once" "$(done_once H 0 $N)" $N
h_is "one warning" "$(grep -c 'are lost' "$T6")" 1
h_like "it names the compressed file" "$(grep 'are lost' "$T6")" "lines after offset [1-9][0-9]* are lost \\(compressed files are not read: maillog\\.20240103-000000\\.gz; rotate with delaycompress\\); reading .*/logs/maillog from its start"
h_like "the start-up line gives offset 0 of the new file" "$(grep 'tracker: following' "$T6")" "following .*/logs/maillog from offset 0\$"
h_unlike "no other offset said" "$(grep 'following' "$T6")" 'from offset [1-9]'
h_is "inflight: the lost messages only" "$(h_redis_cli ZCARD 'relay:{m:dave}:inflight')" $((N + 1 - 10))
h_diag "hard bounces in the lost lines: $lost (not suppressed)"

# --- 4. logrotate's create while running ----------------------------------
# The new maillog is made, empty, before postrotate tells the writer to
# reopen: lines still written to the renamed file are read, then the new
# file's once the writer wrote there.
run tracker7
batch I 0 5
all5() { [[ $(done_once "$1" 0 5) == 5 ]]; }
h_check "running: the lines applied" h_wait_for 10 all5 I
ROT=$LOG.20240104-000000
mv "$LOG" "$ROT"
: >"$LOG"
sleep 0.5		# polls of 50 ms find the new file, empty
LOG=$ROT batch J 0 5	# the writer not told to reopen yet
h_check "lines the writer put in the renamed file: applied" \
    h_wait_for 10 all5 J
batch K 0 5		# it reopened
h_check "... then the new file's" h_wait_for 10 all5 K
h_is "one switch, when the new file had a line" \
    "$(grep -c 'was rotated, reading the new file' "$H_LOG/tracker7.log")" 1
h_stop_daemon tracker7
h_done
