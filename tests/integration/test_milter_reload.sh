#!/bin/bash
# test_milter_reload.sh - relay-milter reloads relay.conf on SIGUSR1
# (libmilter takes SIGHUP as stop): a changed key applies to the next
# session without a restart; a bad file keeps the old config and logs
# file:line; a key read only at start is named in the log; new Redis
# settings apply (pooled connections are dropped); after SCRIPT FLUSH the
# end-of-data record is still written. Through the private
# Postfix, as in test_milter_enroll.sh.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init milter_reload
h_need_root
h_need redis-server postfix swaks dovecot openssl
fx_need_milter

h_start_redis
h_start_sink --crlf
fx_milter_inet
FX_DKIM='ed25519 = true;'
fx_conf
fx_member alice
fx_domain alice.test alice
fx_domain edbad.test alice

fx_start_milter_inet
PID=$(h_daemon_pid milter)

FX_SUB_OPTS="$FX_SUB_OPTS
  -o milter_mail_macros={auth_authen}
  -o milter_end_of_data_macros=i"
fx_passwd alice key-alice
fx_start_submission
FX_USER=alice FX_PASS=key-alice

sunk() { h_sink_await "^Subject: $1.?\$"; }
# reloaded N - the milter logged its Nth reload line
reloaded() { h_wait_for 5 bash -c "(( \$(grep -c 'reload=' '$H_LOG/milter.log') >= $1 ))"; }
nsig() { grep -c '^DKIM-Signature:' "$1"; }

out=$(fx_send a@alice.test r@rcpt.test --header 'Subject: r-before' 2>&1)
h_like "before: accepted" "$out" '<-  250 2\.0\.0 Ok: queued as'
f=$(sunk r-before)
h_is "before: rsa and ed25519 signatures" "$(nsig "$f")" 2

# dkim.ed25519 = false, SIGUSR1: the next session signs with rsa only.
FX_DKIM='ed25519 = false;'
fx_conf
kill -USR1 "$PID"
h_check "reload logged" reloaded 1
h_like "... as ok with the new value" "$(grep 'reload=' "$H_LOG/milter.log" | tail -1)" 'reload=ok ed25519=0'
out=$(fx_send a@alice.test r@rcpt.test --header 'Subject: r-after' 2>&1)
h_like "after: accepted" "$out" '<-  250 2\.0\.0 Ok: queued as'
f=$(sunk r-after)
h_is "after: one signature (rsa only)" "$(nsig "$f")" 1
h_like "... rsa-sha256" "$(grep '^DKIM-Signature:' "$f")" 'a=rsa-sha256'
h_is "same process" "$(h_daemon_pid milter)" "$PID"
h_check "still running" kill -0 "$PID"
# ...and a domain's Ed25519 key, not used, is not read: a damaged one
# does not hold its mail back
h_redis_cli HSET 'relay:{d:edbad.test}:dkim' rs1:ed25519 'not a key' >/dev/null
out=$(fx_send a@edbad.test r@rcpt.test --header 'From: a@edbad.test' --header 'Subject: r-edbad' 2>&1)
h_like "ed25519 off, the domain's Ed25519 key damaged: accepted" "$out" '<-  250 2\.0\.0 Ok: queued as'
f=$(sunk r-edbad)
h_like "... signed rsa-sha256 alone" "$(grep '^DKIM-Signature:' "$f")" 'a=rsa-sha256'

# A typo: the old config stays (rsa only), the log names file:line.
cp "$FX_CONF" "$H_TMP/good.conf"
sed -i 's/^dkim: {.*/dkim: { ed25519 = flase; };/' "$FX_CONF"
line=$(grep -n '^dkim:' "$FX_CONF" | cut -d: -f1)
kill -USR1 "$PID"
h_check "bad file: reload logged" reloaded 2
h_like "... as failed, with file:line" "$(grep 'reload=' "$H_LOG/milter.log" | tail -1)" \
    "reload=failed errors=.*relay\\.conf:$line"
out=$(fx_send a@alice.test r@rcpt.test --header 'Subject: r-bad' 2>&1)
h_like "bad file: mail still flows" "$out" '<-  250 2\.0\.0 Ok: queued as'
f=$(sunk r-bad)
h_is "... under the old config (rsa only)" "$(nsig "$f")" 1
h_check "... same process, still running" kill -0 "$PID"

# A key read only at start: applied keys apply, the log says what needs a restart.
cp "$H_TMP/good.conf" "$FX_CONF"
sed -i "s/^milter: {.*/milter: { socket = \"inet:$(h_port)@127.0.0.1\"; metrics = \"127.0.0.1:$(h_port)\"; };/" "$FX_CONF"
kill -USR1 "$PID"
h_check "socket changed: reload logged" reloaded 3
h_like "... names milter.socket and milter.metrics as needing a restart" \
    "$(grep 'reload=' "$H_LOG/milter.log" | tail -1)" 'reload=ok .*restart_needed=milter.socket,milter.metrics'
out=$(fx_send a@alice.test r@rcpt.test --header 'Subject: r-sock' 2>&1)
h_like "... still serving the old socket" "$out" '<-  250 2\.0\.0 Ok: queued as'

# New Redis settings: a socket where no Redis is, then the right one back.
cp "$H_TMP/good.conf" "$FX_CONF"
sed -i "s|socket = \"$REDIS_SOCK\"|socket = \"$H_TMP/no-redis.sock\"|" "$FX_CONF"
kill -USR1 "$PID"
h_check "redis moved: reload logged" reloaded 4
out=$(fx_send a@alice.test r@rcpt.test --header 'Subject: r-noredis' 2>&1)
h_like "... the next session uses it: 451 4.4.2" "$out" '<\*\* 451 4\.4\.2 '
cp "$H_TMP/good.conf" "$FX_CONF"
kill -USR1 "$PID"
h_check "redis back: reload logged" reloaded 5
out=$(fx_send a@alice.test r@rcpt.test --header 'Subject: r-back' 2>&1)
h_like "... mail flows again" "$out" '<-  250 2\.0\.0 Ok: queued as'

# SCRIPT FLUSH (say, a failover to a replica that never loaded them): the
# end-of-data pipeline meets NOSCRIPT, loads the scripts again and writes
# the record and its queue id index one by one.
h_redis_cli SCRIPT FLUSH >/dev/null
out=$(fx_send a@alice.test r@rcpt.test --header 'Subject: r-flush' 2>&1)
h_like "after SCRIPT FLUSH: accepted" "$out" '<-  250 2\.0\.0 Ok: queued as'
qid=$(h_queued_id "$out")
h_is "... its queue id index written" "$(h_redis_cli GET "relay:{q:$qid}:qid")" alice
h_is "... and its record" "$(h_redis_cli HGET "relay:{m:alice}:msg:$qid" sender)" a@alice.test
h_is "one process throughout" "$(h_daemon_pid milter)" "$PID"
h_check "... alive" kill -0 "$PID"
h_done
