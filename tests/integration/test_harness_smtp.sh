#!/bin/bash
# test_harness_smtp.sh - proves the integration harness (lib.sh): Redis on a
# unix socket, the SMTP sink, and a private Postfix relaying to the sink.
# Sends one message that must arrive, one that must bounce (5.1.1) and one
# that must be deferred, and checks the maillog lines the tracker will read.
# Run: RELAY_TOP_SRCDIR=. bash tests/integration/test_harness_smtp.sh
#      (or through tests/run-tests.sh / make check)

. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
set -u

h_init harness_smtp
h_need_root
h_need postfix postqueue redis-server redis-cli swaks /usr/bin/python3

# Redis: unix socket, plus TCP and an append-only file for the fault helpers
h_start_redis tcp persist
h_is "redis answers PING on the unix socket" "$(h_redis_cli ping)" PONG
h_is "SET through the socket" "$(h_redis_cli set relay:it:probe 'hello world')" OK
h_is "GET returns the value" "$(h_redis_cli get relay:it:probe)" "hello world"
h_is "redis answers on 127.0.0.1:REDIS_PORT too" \
    "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" get relay:it:probe)" "hello world"
h_kill_redis
h_check_not "after h_kill_redis nothing answers" h_redis_cli ping
h_restart_redis
h_is "after h_restart_redis the data is still there (persist)" \
    "$(h_redis_cli get relay:it:probe)" "hello world"

# Sink and Postfix
h_start_sink
h_like "sink listens on a loopback port" "$SINK_PORT" '^[0-9]+$'
h_start_postfix
h_check "Postfix smtpd listens on 127.0.0.1:$PF_SMTPD_PORT" h__listening "$PF_SMTPD_PORT"
h_like "Postfix writes its log file" "$(h_wait_log 'daemon started' 10)" "postfix-pf/master"

# 1. accepted and delivered
out=$(h_swaks --from a@member.example --to ok@dest.example \
    --header 'Message-ID: <harness-1@member.example>' \
    --header 'Subject: harness test 1' --body 'hello from the harness' 2>&1)
h_like "Postfix accepts the message" "$out" '250 2\.0\.0 Ok: queued as [0-9A-Za-z]+'
qid=$(h_queued_id "$out")
h_check "the sink got one message" h_wait_sink 1 20
f=$(h_sink_find '^Message-ID: <harness-1@member\.example>$')
h_like "the stored message has the Message-ID" "$f" '/[0-9]{5}\.eml$'
if [[ -n $f ]]; then
	h_check "the sink recorded the envelope sender" grep -qx 'X-Sink-Mail-From: <a@member.example>' "$f"
	h_check "the sink recorded the envelope recipient" grep -qx 'X-Sink-Rcpt-To: <ok@dest.example>' "$f"
	h_check "the body arrived" grep -qx 'hello from the harness' "$f"
else
	h_fail "the sink recorded the envelope sender"
	h_fail "the sink recorded the envelope recipient"
	h_fail "the body arrived"
fi
h_like "maillog: status=sent for that queue id" \
    "$(h_wait_log "${qid:-NOQID}: to=<ok@dest\\.example>.*status=sent" 20)" \
    'relay=127\.0\.0\.1\[127\.0\.0\.1\]:[0-9]+, .*dsn=2\.0\.0, status=sent \(250 2\.0\.0 Ok: queued as SINK'
# swaks adds its own "Message-Id" too, so cleanup logs two message-id= lines
# for this queue id (notes, pitfall 15): look for ours.
h_like "maillog: cleanup logs our message-id" \
    "$(h_wait_log "${qid:-NOQID}: message-id=<harness-1@member\\.example>" 5)" \
    'postfix-pf/cleanup\[[0-9]+\]: [0-9A-Za-z]+: message-id=<harness-1@member\.example>'

# 2. bounced by the sink (550 5.1.1) -> bounced, and an NDR to the sender
out=$(h_swaks --from a@member.example --to bounce@dest.example \
    --header 'Message-ID: <harness-2@member.example>' 2>&1)
h_like "Postfix accepts the message to bounce@" "$out" '250 2\.0\.0 Ok: queued as'
line=$(h_wait_log 'to=<bounce@dest\.example>.*status=bounced' 20)
h_like "maillog: bounce@ is status=bounced with dsn=5.1.1" "$line" \
    'dsn=5\.1\.1, status=bounced \(host 127\.0\.0\.1\[127\.0\.0\.1\] said: 550 5\.1\.1 <bounce@dest\.example>'
h_like "maillog: a non-delivery notification is sent" \
    "$(h_wait_log 'sender non-delivery notification: [0-9A-Za-z]+' 10)" 'non-delivery notification'
h_check "the NDR reaches the sink" h_wait_sink 2 20

# 3. deferred by the sink (451 4.2.0) -> deferred, stays queued
out=$(h_swaks --from a@member.example --to defer@dest.example 2>&1)
h_like "Postfix accepts the message to defer@" "$out" '250 2\.0\.0 Ok: queued as'
line=$(h_wait_log 'to=<defer@dest\.example>.*status=deferred' 20)
h_like "maillog: defer@ is status=deferred with dsn=4.2.0" "$line" \
    'dsn=4\.2\.0, status=deferred \(host 127\.0\.0\.1\[127\.0\.0\.1\] said: 451 4\.2\.0'
h_check_not "the deferred message is still queued" h_pf_queue_empty
h_check "postsuper -d ALL empties the queue" h_pf postsuper -d ALL
h_check "the queue is empty" h_wait_queue_empty 5

# 4. a second instance beside the first (for two-node tests)
h_start_postfix b
h_is "h_start_postfix b makes b the current instance" "$PF_DIR" "$PF_DIR_B"
h_unlike "the two instances have their own ports" "$PF_SMTPD_PORT_B" "^$PF_SMTPD_PORT_PF\$"
out=$(h_swaks --from a@member.example --to ok@dest.example \
    --header 'Message-ID: <harness-b@member.example>' 2>&1)
h_like "instance b accepts a message" "$out" '250 2\.0\.0 Ok: queued as'
h_like "instance b logs into its own maillog" \
    "$(h_wait_log 'to=<ok@dest\.example>.*status=sent' 20 "$PF_MAILLOG_B")" 'postfix-b/smtp\['
h_check "the sink has it" h_wait_sink 3 20
h_is "instance pf's maillog has no line of b" "$(h_log_count 'postfix-b/' "$PF_MAILLOG_PF")" 0
h_pf_use pf
h_is "h_pf_use pf switches back" "$PF_SMTPD_PORT" "$PF_SMTPD_PORT_PF"

# 5. h_start_daemon / h_stop_daemon with a program of ours (a second sink)
p2=$(h_port)
h_start_daemon sink2 /usr/bin/python3 "$H_LIBDIR/sinkd.py" --port "$p2" "$H_TMP/sink2"
h_check "the daemon listens on its port" h_wait_port "$p2" 10
h_check "h_daemon_alive" h_daemon_alive sink2
h_stop_daemon sink2
h_is "h_stop_daemon returns its exit status (0 on SIGTERM)" "$?" 0
h_check_not "it is gone" h_daemon_alive sink2
h_like "its output went to \$H_LOG/sink2.log" "$(cat "$H_LOG/sink2.log")" "^READY 127\.0\.0\.1 $p2"

h_done
