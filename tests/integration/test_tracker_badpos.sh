#!/bin/bash
# test_tracker_badpos.sh - relay-tracker starting while its saved position
# in Redis cannot be read (the key of the wrong type): it waits, says why,
# reads nothing; it neither starts from the log's end (the lines not yet
# applied would be lost) nor takes the key for "no position". Once the key
# is mended it starts and applies the lines logged meanwhile.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init tracker_badpos
h_need redis-server
TRACKER=$H_BUILDDIR/policyd/relay-tracker
[[ -x $TRACKER ]] || h_bail "build policyd/relay-tracker first"

h_start_redis
LOG=$H_TMP/maillog
: >"$LOG"
FX_TRACKER="maillog = \"$LOG\"; poll_ms = 50;"
fx_conf
TLOG=$H_LOG/tracker.log
POS='relay:{n:default}:tracker_pos'
# dl QID TO - one delivery, sent
dl() {
	printf '%s relay postfix/smtp[77]: %s: to=<%s>, relay=mx[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 ok)\n' \
	    "$(date '+%b %e %H:%M:%S')" "$1" "$2" >>"$LOG"
}
status() { h_redis_cli HGET "relay:{m:alice}:msg:$1" "r:$2"; }

fx_member alice
fx_message alice 4jBADPOS0001 a@alice.test one@d.example
fx_message alice 4jBADPOS0002 a@alice.test two@d.example
dl 4jBADPOS0001 one@d.example
h_redis_cli SET "$POS" junk >/dev/null
h_start_daemon tracker "$TRACKER" -f -c "$FX_CONF"
line=$(h_wait_log 'cannot read the saved position' 10 "$TLOG")
h_like "position of the wrong type: it waits, saying why" "$line" 'retrying every 0\.5 s\): .*WRONGTYPE'
dl 4jBADPOS0002 two@d.example
sleep 1
h_check "...still running" h_daemon_alive tracker
h_unlike "...follows nothing yet" "$(cat "$TLOG")" 'tracker: following'
h_is "...applies nothing" "$(status 4jBADPOS0001 one@d.example)$(status 4jBADPOS0002 two@d.example)" ""
h_is "...and leaves the key as it is" "$(h_redis_cli GET "$POS")" junk

h_redis_cli DEL "$POS" >/dev/null
h_check "key mended: it starts" h_wait_log 'tracker: following' 10 "$TLOG"
h_check "...the line logged before the start is applied" \
    h_wait_for 10 bash -c "[[ \$(redis-cli -s '$REDIS_SOCK' HGET 'relay:{m:alice}:msg:4jBADPOS0001' r:one@d.example) == *sent* ]]"
h_check "...and the one logged while it waited" \
    h_wait_for 10 bash -c "[[ \$(redis-cli -s '$REDIS_SOCK' HGET 'relay:{m:alice}:msg:4jBADPOS0002' r:two@d.example) == *sent* ]]"
h_check "...its position saved at the log's end" \
    h_wait_for 10 bash -c "[[ \$(redis-cli -s '$REDIS_SOCK' HGET '$POS' offset) == $(stat -c %s "$LOG") ]]"
h_stop_daemon tracker 10
h_is "relay-tracker exits 0" "$?" 0
h_done
