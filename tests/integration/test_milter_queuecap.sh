#!/bin/bash
# test_milter_queuecap.sh - the member's queue cap is exact at end of data.
# relay-policyd checks the cap at MAIL FROM, but sessions opened side by
# side all pass that check before any of them reaches end of data; so
# relay-milter's record script checks it again, one script at a time, and
# the messages past the cap get 451 4.4.2 (queue_full) there, leaving
# nothing recorded or indexed. No tracker runs here, so every accepted
# message stays in flight.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init milter_queuecap
h_need_root
h_need redis-server postfix swaks dovecot
fx_need_milter

h_start_redis
h_start_sink
fx_milter_unix
fx_conf
fx_member alice
fx_domain alice.test alice
h_redis_cli HSET 'relay:{m:alice}:member' queue_cap 2 >/dev/null
fx_start_milter_unix
fx_passwd alice key-alice
fx_start_submission
FX_USER=alice FX_PASS=key-alice

# --- one after another: the third is refused at end of data
for i in 1 2 3; do
	out[$i]=$(fx_send a@alice.test "r$i@rcpt.test" --header "Subject: seq $i" \
	    --header "Message-ID: <seq-$i@alice.test>" 2>&1)
done
h_like "1st: queued" "${out[1]}" '<-  250 2\.0\.0 Ok: queued'
h_like "2nd: queued" "${out[2]}" '<-  250 2\.0\.0 Ok: queued'
h_like "3rd, cap 2 reached: 451 4.4.2 at end of data, with the figures" "${out[3]}" \
    '<\*\* 451 4\.4\.2 Queue full or transient submission error: 2 messages queued, cap 2'
h_is "...in flight: 2" "$(h_redis_cli ZCARD 'relay:{m:alice}:inflight')" 2
h_is "...the refused message's Message-ID is not indexed" \
    "$(h_redis_cli --scan --pattern 'relay:{x:*' | wc -l)" 2
h_is "...nor its queue id" "$(h_redis_cli --scan --pattern 'relay:{q:*' | wc -l)" 2
h_like "...logged with the condition" "$(cat "$H_LOG/milter.log")" \
    'stage=eom member=alice addr=a@alice.test action=reject condition=queue_full detail="?2 messages queued, cap 2'

# --- side by side: 6 sessions pass RCPT TO, then all send their data
h_redis_cli DEL 'relay:{m:alice}:inflight' >/dev/null
h_redis_cli HSET 'relay:{m:alice}:member' queue_cap 3 >/dev/null
codes=$("$H_PYTHON" - "$SUB_PORT" <<'PY'
import base64, smtplib, sys, threading
port = int(sys.argv[1])
n = 6
barrier = threading.Barrier(n, timeout=30)
codes = [None] * n
def one(i):
    s = smtplib.SMTP("127.0.0.1", port, timeout=30)
    s.ehlo("t.test")
    s.docmd("AUTH", "PLAIN " + base64.b64encode(b"\0alice\0key-alice").decode())
    s.docmd("MAIL", "FROM:<a@alice.test>")
    s.docmd("RCPT", "TO:<p%d@rcpt.test>" % i)
    barrier.wait()
    code, _ = s.data(("From: a@alice.test\r\nTo: p%d@rcpt.test\r\n"
                      "Subject: par %d\r\n\r\nbody\r\n" % (i, i)).encode())
    codes[i] = code
    s.quit()
ts = [threading.Thread(target=one, args=(i,)) for i in range(n)]
for t in ts: t.start()
for t in ts: t.join(60)
print(" ".join(sorted(str(c) for c in codes)))
PY
)
h_is "6 sessions side by side, cap 3: exactly 3 queued, 3 refused 451" "$codes" "250 250 250 451 451 451"
h_is "...in flight: 3" "$(h_redis_cli ZCARD 'relay:{m:alice}:inflight')" 3

# --- after SCRIPT FLUSH (NOSCRIPT: the writes go again one by one)
before=$(h_redis_cli --scan --pattern 'relay:{q:*' | wc -l)
h_redis_cli SCRIPT FLUSH >/dev/null
out=$(fx_send a@alice.test r7@rcpt.test --header "Subject: flushed" \
    --header "Message-ID: <flushed@alice.test>" 2>&1)
h_like "scripts flushed, cap reached: 451 4.4.2" "$out" '<\*\* 451 4\.4\.2 '
h_is "...its queue id key taken back too" "$(h_redis_cli --scan --pattern 'relay:{q:*' | wc -l)" "$before"
h_is "...in flight: still 3" "$(h_redis_cli ZCARD 'relay:{m:alice}:inflight')" 3
h_redis_cli HSET 'relay:{m:alice}:member' queue_cap 4 >/dev/null
h_redis_cli SCRIPT FLUSH >/dev/null
out=$(fx_send a@alice.test r8@rcpt.test --header "Subject: flushed 2" 2>&1)
h_like "scripts flushed, under the cap: queued" "$out" '<-  250 2\.0\.0 Ok: queued'
h_is "...recorded once: in flight 4" "$(h_redis_cli ZCARD 'relay:{m:alice}:inflight')" 4

# --- relay.conf's cap when the member has none of its own
h_redis_cli HDEL 'relay:{m:alice}:member' queue_cap >/dev/null
out=$(fx_send a@alice.test r9@rcpt.test --header "Subject: default cap" 2>&1)
h_like "no cap of its own: relay.conf's policyd.queue_cap (1000) lets it go" "$out" '<-  250 2\.0\.0 Ok: queued'

# --- a suspended member, on a service with the milter lines and no policy
# lines (a provider's 465 copy: audit6 F4): refused at end of data with
# the reason, nothing recorded
inflight=$(h_redis_cli ZCARD 'relay:{m:alice}:inflight')
fx_suspend alice "auto: bounce rate 40.0% (40/100) over 24h" auto
out=$(fx_send a@alice.test r10@rcpt.test --header "Subject: suspended" \
    --header "Message-ID: <suspended@alice.test>" 2>&1)
h_like "suspended member, milter only: 521 5.7.1 with the reason" "$out" \
    '<\*\* 521 5\.7\.1 Member suspended: auto: bounce rate 40\.0% \(40/100\) over 24h'
h_is "...nothing in flight added" "$(h_redis_cli ZCARD 'relay:{m:alice}:inflight')" "$inflight"
h_is "...its Message-ID not indexed" \
    "$(h_redis_cli EXISTS "relay:{x:$(printf '%s' '<suspended@alice.test>' | sha256sum | cut -d' ' -f1)}:msgid")" 0
h_redis_cli HSET 'relay:{m:alice}:member' suspended 0 >/dev/null
out=$(fx_send a@alice.test r11@rcpt.test --header "Subject: unsuspended" 2>&1)
h_like "unsuspended: queued again" "$out" '<-  250 2\.0\.0 Ok: queued'

# --- milter_record.lua on its own, at its edges (record_ttl 3600, a fixed
# now): what the cap counts, the trim, the same queue id again, a member's
# own cap of 0 over relay.conf's
fx_member qc
rec() {	# rec QID CONF_CAP - the reply on one line
	h_redis_cli --eval "$H_SRCDIR/common/lua/milter_record.lua" \
	    "relay:{m:qc}:msg:$1" "relay:{m:qc}:inflight" "relay:{m:qc}:recent" \
	    "relay:{m:qc}:member" , "$1" "$T" 86400 qc.test a@qc.test "" 3600 \
	    "$2" r@rcpt.test | tr '\n' ' '
}
T=1800000000
h_redis_cli HSET 'relay:{m:qc}:member' queue_cap 2 >/dev/null
h_redis_cli ZADD 'relay:{m:qc}:inflight' $((T - 3601)) stale $((T - 3600)) edge \
    $((T - 3599)) young >/dev/null
h_is "cap 2, one entry younger than record_ttl, one exactly that old: recorded" \
    "$(rec QC1 0)" "1 "
h_is "... the entry older than record_ttl trimmed, the one exactly that old kept" \
    "$(h_redis_cli ZRANGE 'relay:{m:qc}:inflight' 0 -1 | tr '\n' ' ')" "edge young QC1 "
h_is "2 counted: the next is over the cap" "$(rec QC2 0)" "0 2 2 "
h_is "the same queue id again is not another message: recorded" "$(rec QC1 0)" "1 "
h_redis_cli HSET 'relay:{m:qc}:member' queue_cap 0 >/dev/null
h_is "the member's own queue_cap 0 (no cap) over relay.conf's cap 1: recorded" \
    "$(rec QC3 1)" "1 "
# suspended written by hand as other than 1: suspended, as relay-policyd
# reads it (only empty or 0 is not)
h_redis_cli HSET 'relay:{m:qc}:member' suspended yes suspend_reason hand >/dev/null
h_is "suspended=yes: refused as suspended" "$(rec QC5 0)" "2 hand "
h_redis_cli HSET 'relay:{m:qc}:member' suspended 0 >/dev/null
h_is "suspended=0: recorded" "$(rec QC5 0)" "1 "
# the member removed while a message was in flight (relayctl member remove
# between MAIL FROM and end of data): nothing written, no key made again
# that no owner would delete
h_redis_cli DEL 'relay:{m:qc}:member' 'relay:{m:qc}:inflight' \
    'relay:{m:qc}:recent' 'relay:{m:qc}:msg:QC4' >/dev/null
h_is "member removed: refused as the end of its sending rights" \
    "$(rec QC4 0)" "2 the account was removed "
h_is "... nothing written" "$(h_redis_cli EXISTS 'relay:{m:qc}:inflight' \
    'relay:{m:qc}:recent' 'relay:{m:qc}:msg:QC4')" 0
# milter_msgid.lua: a sender giving every message the same Message-ID
# renews the index's TTL each time; the index stays bounded (here 3)
mid() { h_redis_cli --eval "$H_SRCDIR/common/lua/milter_msgid.lua" \
    'relay:{x:reused}:msgid' , "qc $1" 60 3; }
for i in 1 2 3 4 5; do mid "Q$i" >/dev/null; done
h_is "a reused Message-ID's index stays at its bound" \
    "$(h_redis_cli SCARD 'relay:{x:reused}:msgid')" 3
h_is "... the newest entry in it" \
    "$(h_redis_cli SISMEMBER 'relay:{x:reused}:msgid' 'qc Q5')" 1
h_is "... an entry already there makes no room" "$(mid Q5)" 3
h_done
