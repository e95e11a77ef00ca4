#!/bin/bash
# test_policyd_charges.sh - what a recipient costs, end to end, through a
# private Postfix asking relay-policyd (RCPT) and relay-milter: a recipient
# on the member's suppression list is not charged (relay-policyd sees it in
# the same round trip as the member; relay-milter refuses it), on the slow
# path and the fast path alike; a sender whose local part is quoted,
# "q b"@d (Postfix sends it unquoted) or "" (sent as "@d"), is charged to
# its domain; a message refused at end of data, or abandoned after RCPT
# (QUIT, RSET), or tempfailed after its record was written (a short WAIT:
# relay-milter takes the record back), gives its charges back
# (relay-milter, through the session's charges hash), an accepted one
# keeps them; a recipient
# given three times in one message is recorded once but charged three
# times (Postfix would deliver repeats with other DSN parameters again,
# and relay-policyd cannot see those); the cap still holds exactly. A
# recipient Postfix refuses after the policy service charged it (a check
# after check_policy_service) gives its charge back when the message is
# recorded (relay-milter: more charges than RCPTs it let through).
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init policyd_charges
h_need_root
h_need redis-server postfix swaks dovecot
h_need_ipv6
fx_policyd_bins

fx_start_replica	# (Redis A, REDIS_SOCK; B its replica)
h_start_sink
PPORT=$(h_port)
FX_UNSUB='domain = "unsub.relay.test"; hmac_key = "test-hmac-key-0123456789abcdef0123456789";'
FX_WARMING='tiers = ( { days = 2; per_hour = 5; per_day = 10; } );'
FX_POLICYD="listen = [ \"inet:127.0.0.1:$PPORT\" ]; socketmap = [ ];"
fx_milter_unix
fx_conf
NOW=$(date +%s)
fx_member alice
for d in alice.test b.test c.test d.test e.test f.test; do
	fx_domain "$d" alice --verified-at $((NOW - 3600))
done
fx_passwd alice key-a
for i in 1 2 3; do fx_suppress alice "gone$i@dest.test"; done
fx_suppress alice '"q b"@dest.test'
h_start_daemon policyd "$PD" -f -c "$FX_CONF"
h_wait_port "$PPORT" 10 || h_bail "relay-policyd did not listen"
fx_start_milter_unix
PF_MAIN_EXTRA="smtpd_sender_restrictions =
    check_policy_service { inet:127.0.0.1:$PPORT, policy_context=mail }
smtpd_recipient_restrictions =
    check_policy_service { inet:127.0.0.1:$PPORT, policy_context=rcpt },
    check_recipient_access inline:{ refused@dest.test=REJECT }, permit
smtpd_policy_service_default_action = 451 4.4.2 Queue full or transient submission error
inet_protocols = ipv4, ipv6"
FX_SUB_OPTS="$FX_SUB_OPTS
  -o smtpd_delay_reject=no"
# the same submission service on ::1 too: Postfix names an IPv6 client to
# a milter as "IPv6:::1", to a policy service as "::1"
FX_SUB6_PORT=$(h_port)
fx_start_submission
FX_USER=alice FX_PASS=key-a
LOG=$H_LOG/policyd.log

warm() { h_redis_cli ZCARD "relay:{d:$1}:warm"; }

# --- suppressed: not charged (the first RCPT reads the domain: slow path;
# the next ones use the cached facts: fast path) ----------------------------
out=$(fx_send a@alice.test gone1@dest.test,gone2@dest.test,gone3@dest.test,'"q b"@dest.test' 2>&1)
h_is "four suppressed recipients: four 550 5.7.1" \
    "$(grep -c '<\** *550 5.7.1' <<<"$out")" 4
h_is "relay-policyd said so, four times" \
    "$(grep -c 'context=rcpt .*reason=suppressed' "$LOG")" 4
h_is "nothing charged" "$(warm alice.test)" 0

out=$(fx_send a@alice.test ok@dest.test 2>&1)
h_like "the next recipient is accepted" "$out" '250 2\.0\.0 Ok: queued'
h_is "and charged" "$(warm alice.test)" 1

# --- quoted local parts of the sender --------------------------------------
out=$(fx_send '"q b"@alice.test' ok2@dest.test --header 'From: "q b"@alice.test' 2>&1)
h_like "sender \"q b\"@alice.test is accepted" "$out" '250 2\.0\.0 Ok: queued'
h_is "and charged to alice.test" "$(warm alice.test)" 2
out=$(fx_send '""@alice.test' ok3@dest.test --header 'From: ""@alice.test' 2>&1)
h_like "sender \"\"@alice.test is accepted" "$out" '250 2\.0\.0 Ok: queued'
h_is "and charged to alice.test" "$(warm alice.test)" 3
h_unlike "policyd found every sender's domain" "$(cat "$LOG")" 'no_sender_domain'

# --- refused at end of data, abandoned: the charges are given back --------
out=$(fx_send a@b.test ok1@dest.test,ok2@dest.test \
    --header "From: x@notenrolled.example" 2>&1)
h_like "From: of a domain not enrolled: 550 5.1.0" "$out" '<\*\* 550 5\.1\.0'
h_is "its two recipients' charges are given back" "$(warm b.test)" 0
h_like "... relay-milter says so" "$(cat "$H_LOG/milter.log")" \
    'stage=eom member=alice refunded=2'
h_is "... and the session's charges hash is gone" \
    "$(h_redis_cli --scan --pattern 'relay:{m:alice}:charges:*' | wc -l)" 0
out=$(fx_send a@c.test ok1@dest.test,ok2@dest.test --quit-after RCPT 2>&1)
h_like "two recipients accepted, then QUIT" "$out" 'QUIT'
h_wait_log 'stage=close member=alice refunded=2' 10 "$H_LOG/milter.log"
h_is "their charges are given back when the session ends" "$(warm c.test)" 0
# RSET after RCPT, then a message in the same session: the first
# transaction's charges are given back at the second MAIL FROM, before the
# second is charged
rc=0
out=$(/usr/bin/python3 - "$SUB_PORT" 2>&1 <<'PYEOF'
import smtplib, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=30)
s.ehlo("client.test")
s.login("alice", "key-a")
s.mail("a@c.test")
for r in ("r1@dest.test", "r2@dest.test", "r3@dest.test"):
    print("rcpt", s.rcpt(r)[0])
print("rset", s.rset()[0])
s.mail("a@c.test")
print("rcpt", s.rcpt("r4@dest.test")[0])
print("data", s.data(b"From: a@c.test\r\nTo: r4@dest.test\r\n"
                     b"Subject: after rset\r\n\r\nhello\r\n")[0])
s.quit()
PYEOF
) || rc=$?
h_is "three RCPTs, RSET, one message: sent" "$rc:$(grep -c '^rcpt 250' <<<"$out"):$(grep -c '^data 250' <<<"$out")" "0:4:1"
h_is "only the message's recipient stays charged" "$(warm c.test)" 1
h_like "... the aborted three given back at the next MAIL FROM" \
    "$(cat "$H_LOG/milter.log")" 'stage=mail member=alice refunded=3'
h_is "... and nothing is left to give back" \
    "$(h_redis_cli --scan --pattern 'relay:{m:alice}:charges:*' | wc -l)" 0
out=$(/usr/bin/python3 - "$FX_SUB6_PORT" 2>&1 <<'PYEOF'
import smtplib, sys
s = smtplib.SMTP("::1", int(sys.argv[1]), timeout=30)
s.ehlo("client.test")
s.login("alice", "key-a")
s.mail("a@c.test")
for r in ("r5@dest.test", "r6@dest.test"):
    print("rcpt", s.rcpt(r)[0])
print("data", s.data(b"From: x@notenrolled.example\r\nTo: r5@dest.test\r\n"
                     b"Subject: v6\r\n\r\nhello\r\n")[0])
s.quit()
PYEOF
)
h_like "over IPv6, two RCPTs, then refused at end of data" "$out" \
    '^rcpt 250
rcpt 250
data 550$'
h_is "... their charges given back too" "$(warm c.test)" 1
h_is "... as relay-milter says" \
    "$(grep -c 'stage=eom member=alice refunded=2' "$H_LOG/milter.log")" 2

# --- one address three times in one message (To, Cc and Bcc, as Python's
# smtplib.send_message sends it): Postfix delivers one copy, relay-milter
# records one, relay-policyd charges each RCPT --------------------------------
out=$(fx_send a@d.test dup@dest.test,Dup@dest.test,DUP@dest.test 2>&1)
h_like "three RCPTs of one address: queued" "$out" '250 2\.0\.0 Ok: queued'
h_is "each RCPT charged" "$(warm d.test)" 3
qid=$(h_queued_id "$out")
h_is "relay-milter recorded one recipient" \
    "$(h_redis_cli HGET "relay:{m:alice}:msg:$qid" rcpts)" '["dup@dest.test"]'
h_is "... and the three charges, for relay-tracker should Postfix refuse it" \
    "$(h_redis_cli HGET "relay:{m:alice}:msg:$qid" charges |
    grep -o '"relay:{d:d\.test}:warm"' | wc -l)" 3
out=$(fx_send a@d.test dup@dest.test 2>&1)
h_like "the address in the next message" "$out" '250 2\.0\.0 Ok: queued'
h_is "is charged again" "$(warm d.test)" 4

# --- the cap of 5 per hour still holds ---------------------------------------
out=$(fx_send a@alice.test more1@dest.test,more2@dest.test 2>&1)
h_like "the fourth and fifth recipients in the hour are accepted" "$out" '250 2\.0\.0 Ok: queued'
out=$(fx_send a@alice.test most@dest.test 2>&1)
h_like "the sixth: 451 4.7.1" "$out" '<\** *451 4\.7\.1'
out=$(fx_send a@alice.test gone1@dest.test 2>&1)
h_like "a suppressed one past the cap: 550 5.7.1, not 451" "$out" '<\** *550 5\.7\.1'
h_is "five charged in all" "$(warm alice.test)" 5
h_check "seven messages at the sink" h_wait_sink 7 30
h_is "no more than seven" "$(h_sink_count)" 7

# --- a record taken back: redis.wait_replicas = 1 and the replica paused,
# relay-milter answers 451 and takes its record back; the charges hash the
# record script deleted is written again, and given back ----------------------
n=$(grep -c 'reload=ok' "$H_LOG/milter.log")
FX_REDIS="socket = \"$REDIS_SOCK\"; wait_replicas = 1; wait_ms = 300;"
fx_conf
kill -USR1 "$(h_daemon_pid milter)"
h_wait_log_count 'reload=ok' $((n + 1)) 10 "$H_LOG/milter.log" ||
    h_bail "relay-milter did not reload"
kill -STOP "$(h_daemon_pid redisb)"
out=$(fx_send a@e.test w1@dest.test,w2@dest.test 2>&1)
kill -CONT "$(h_daemon_pid redisb)"
h_like "the replica silent: 451 4.4.2 at end of data" "$out" \
    '<\*\* 451 4\.4\.2 '
h_is "... both recipients' charges given back" "$(warm e.test)" 0
h_is "... as relay-milter says" \
    "$(grep -c 'stage=eom member=alice refunded=2' "$H_LOG/milter.log")" 3
h_is "... and nothing is left to give back" \
    "$(h_redis_cli --scan --pattern 'relay:{m:alice}:charges:*' | wc -l)" 0
out=$(fx_send a@e.test w1@dest.test,w2@dest.test 2>&1)
h_like "the replica back: the retry is accepted" "$out" \
    '250 2\.0\.0 Ok: queued'
h_is "... and charged once" "$(warm e.test)" 2
h_check "eight messages at the sink" h_wait_sink 8 30

# --- a recipient refused by a Postfix check after the policy service
# (check_recipient_access): charged by relay-policyd, never seen by
# relay-milter; its charge is given back when the message is recorded -----
out=$(fx_send a@f.test x1@dest.test,refused@dest.test,x2@dest.test 2>&1)
h_like "a recipient refused after the policy service: 554" "$out" \
    '<\** *554 5\.7\.1 <refused@dest\.test>'
h_like "... the others' message queued" "$out" '250 2\.0\.0 Ok: queued'
h_is "... only they stay charged" "$(warm f.test)" 2
h_like "... relay-milter gives the third charge back" \
    "$(cat "$H_LOG/milter.log")" 'stage=eom member=alice rcpt_cmds=2 refunded=1'
out=$(fx_send a@f.test refused@dest.test,x3@dest.test,x3@dest.test 2>&1)
h_like "refused first, then one address twice: queued" "$out" \
    '250 2\.0\.0 Ok: queued'
h_is "... both RCPTs of the address stay charged" "$(warm f.test)" 4
h_check "ten messages at the sink" h_wait_sink 10 30
h_done
