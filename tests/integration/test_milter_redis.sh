#!/bin/bash
# test_milter_redis.sh - relay-milter when Redis fails: every stage answers
# 451 4.4.2 (queue_full) and logs what failed, the client keeps its message
# (nothing queued), and once Redis is back mail flows again without
# restarting the milter. The milter listens on a unix socket here (the
# enrollment test uses TCP).
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init milter_redis
h_need_root
h_need redis-server postfix swaks dovecot openssl
fx_need_milter

h_start_redis persist
h_start_sink
fx_milter_unix
fx_conf
fx_member alice
fx_domain alice.test alice
fx_suppress alice gone@rcpt.test

fx_start_milter_unix
# Postfix connects through the group (here postfix: fx_milter_unix), no
# one else: whoever connects can sign as any member.
h_is "socket writable for Postfix's group alone" \
    "$(stat -c '%A %G' "$MSOCK")" 'srw-rw---- postfix'
fx_passwd alice key-alice
fx_start_submission
FX_USER=alice FX_PASS=key-alice
pid=$(h_daemon_pid milter)

out=$(fx_send a@alice.test r@rcpt.test --header 'Subject: before' 2>&1)
h_like "accepted while Redis runs" "$out" '<-  250 2\.0\.0 Ok: queued'
h_check "delivered" h_wait_sink 1 20

h_kill_redis
out=$(fx_send a@alice.test r@rcpt.test --header 'Subject: during' 2>&1)
h_like "Redis down: MAIL FROM -> 451 4.4.2" "$out" '<\*\* 451 4\.4\.2 '
h_unlike "Redis down: never 5xx" "$out" '<\*\* 5[0-9][0-9] '
h_unlike "Redis down: not queued" "$out" 'queued as'
h_check "Redis down: queue empty" h_pf_queue_empty
h_like "log line says Redis failed" "$(cat "$H_LOG/milter.log")" 'stage=mail .*action=tempfail failed=redis why='
h_check "milter survives" h_daemon_alive milter

h_restart_redis
# The connection comes back on the first message after the backoff.
ok=
for i in 1 2 3 4 5 6 7 8 9 10; do
	out=$(fx_send a@alice.test r@rcpt.test --header "Subject: after-$i" 2>&1)
	if [[ $out =~ '<-  250 2.0.0 Ok: queued' ]]; then
		ok=$i
		break
	fi
	sleep 0.5
done
h_check "Redis back: accepted again (try ${ok:-none})" test -n "$ok"
h_check "delivered after recovery" h_wait_sink 2 20
h_is "same milter process" "$(h_daemon_pid milter)" "$pid"
out=$(fx_send a@alice.test gone@rcpt.test 2>&1)
h_like "suppression works again" "$out" '<\*\* 550 5\.7\.1 '

# A write that fails at the end of data (a key of the wrong type): the
# message is tempfailed, not accepted without its record.
h_redis_cli SET 'relay:{m:alice}:inflight' broken >/dev/null
n=$(h_sink_count)
out=$(fx_send a@alice.test r@rcpt.test --header 'Subject: norecord' 2>&1)
h_like "record write fails -> 451 4.4.2 at end of data" "$out" '<\*\* 451 4\.4\.2 '
h_like "logged at eom" "$(cat "$H_LOG/milter.log")" 'stage=eom .*action=tempfail failed=redis'
h_redis_cli DEL 'relay:{m:alice}:inflight' >/dev/null
out=$(fx_send a@alice.test r@rcpt.test --header 'Subject: recorded' 2>&1)
h_like "and accepted once it can be written" "$out" '<-  250 2\.0\.0 Ok: queued'
h_check "only that one delivered" h_wait_sink $((n + 1)) 20
sleep 1
h_is "the tempfailed one never left" "$(h_sink_count)" $((n + 1))

# Redis full (maxmemory, noeviction): the record is written whole or not
# at all, so a tempfailed message leaves no inflight entry that would count
# against the queue cap for milter.record_ttl.
msgs() { h_redis_cli --scan --pattern 'relay:{m:alice}:msg:*' | wc -l; }
inf0=$(h_redis_cli ZCARD 'relay:{m:alice}:inflight')
msg0=$(msgs)
h_redis_cli CONFIG SET maxmemory-policy noeviction >/dev/null
h_redis_cli CONFIG SET maxmemory 1 >/dev/null
out=$(fx_send a@alice.test r@rcpt.test --header 'Subject: full' 2>&1)
h_redis_cli CONFIG SET maxmemory 0 >/dev/null
h_like "Redis full: 451 4.4.2 at end of data" "$out" '<\*\* 451 4\.4\.2 '
h_is "... no inflight entry left behind" "$(h_redis_cli ZCARD 'relay:{m:alice}:inflight')" "$inf0"
h_is "... no message record left behind" "$(msgs)" "$msg0"
# The same at the script: a queue id reused by the member (its old record
# there) used to let the first write, a DEL, through a full Redis, and the
# whole script with it (Redis lets a script that has written go on).
h_redis_cli HSET 'relay:{m:alice}:msg:4jOOMREUSE01' domain old.test >/dev/null
h_redis_cli CONFIG SET maxmemory 1 >/dev/null
out=$(h_redis_cli --eval "$H_SRCDIR/common/lua/milter_record.lua" \
    'relay:{m:alice}:msg:4jOOMREUSE01' 'relay:{m:alice}:inflight' \
    'relay:{m:alice}:recent' 'relay:{m:alice}:member' , 4jOOMREUSE01 \
    "$(date +%s)" 86400 alice.test a@alice.test '<oom@x>' 604800 1000 \
    r@rcpt.test 2>&1)
h_redis_cli CONFIG SET maxmemory 0 >/dev/null
h_like "record script, Redis full, queue id reused: refused" "$out" 'OOM'
h_is "... no inflight entry" "$(h_redis_cli ZSCORE 'relay:{m:alice}:inflight' 4jOOMREUSE01)" ""
h_is "... the old record untouched" "$(h_redis_cli HGET 'relay:{m:alice}:msg:4jOOMREUSE01' domain)" old.test
out=$(fx_send a@alice.test r@rcpt.test --header 'Subject: room again' 2>&1)
h_like "room again: accepted" "$out" '<-  250 2\.0\.0 Ok: queued'

# Redis emptied (restarted without its data): a member's domains are
# gone, but so is relay:schema. The login still succeeds here (a
# passwd-file, as a session that logged in before, or Dovecot's cache):
# its mail is deferred, 451 4.4.2, until the data is restored, not
# refused with a 5xx; once a program sets relay:schema on the new Redis
# (it is acknowledged as new), an unknown domain is refused again.
h_redis_cli FLUSHALL >/dev/null
out=$(fx_send a@alice.test r@rcpt.test --header 'Subject: emptied' 2>&1)
h_like "Redis emptied: MAIL FROM -> 451 4.4.2, not 550 5.1.0" "$out" '<\*\* 451 4\.4\.2 '
h_unlike "... never 5xx" "$out" '<\*\* 5[0-9][0-9] '
h_check "... logged with the reason" h_wait_log 'no relay-suite data in Redis \(relay:schema is missing' 10 "$H_LOG/milter.log"
h_redis_cli SET relay:schema 1 >/dev/null
out=$(fx_send a@alice.test r@rcpt.test --header 'Subject: acknowledged' 2>&1)
h_like "relay:schema set again: an unknown domain is 550 5.1.0" "$out" '<\*\* 550 5\.1\.0 '
fx_member alice
fx_domain alice.test alice
out=$(fx_send a@alice.test r@rcpt.test --header 'Subject: restored' 2>&1)
h_like "... and accepted once enrolled again" "$out" '<-  250 2\.0\.0 Ok: queued'

# Redis stopped (clean shutdown this time).
h_stop_redis
out=$(fx_send a@alice.test r@rcpt.test 2>&1)
h_like "Redis stopped: 451 4.4.2" "$out" '<\*\* 451 4\.4\.2 '
h_is "nothing queued" "$(h_pf postqueue -j | wc -l)" 0
h_check "milter still runs" h_daemon_alive milter
h_stop_daemon milter 20
h_is "milter exits 0 on SIGTERM" "$?" 0
h_like "unix socket: no TCP options" "$(grep 'relay-milter stopping' "$H_LOG/milter.log")" 'tcp_nodelay=0 tcp_quickack=0'
h_done
