#!/bin/bash
# test_unsub.sh - relay-unsub as Postfix's pipe transport for
# unsub+TOKEN@unsub.relay.test: a real message with a valid token suppresses
# its sender for the member (reason unsubscribe); a token made for another
# recipient and a forged one are refused (5.1.1, nothing suppressed); a
# token whose case a mailer changed still works; with Redis down the
# message is deferred (4.3.0) and delivered once Redis is back.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init unsub
h_need_root
h_need redis-server postfix swaks
UNSUB=$H_BUILDDIR/policyd/relay-unsub
[[ -x $UNSUB ]] || h_bail "build policyd/relay-unsub first"

h_start_redis
h_start_sink
FX_UNSUB='domain = "unsub.relay.test"; hmac_key = "test-hmac-key-0123456789abcdef0123456789";'
fx_conf
chmod 0644 "$FX_CONF"
fx_member dave
# The lines of contrib/postfix/unsub.cf, with this test's paths.
PF_MAIN_EXTRA='relay_domains = unsub.relay.test
transport_maps = inline:{ unsub.relay.test=unsub: }
recipient_delimiter = +
unsub_destination_recipient_limit = 1'
PF_MASTER_EXTRA="unsub     unix  -       n       n       -       -       pipe
  flags=Rq user=nobody argv=$UNSUB -c $FX_CONF -- \${extension} \${sender}"
h_start_postfix

reason() { fx_suppress_reason dave "$1"; }

tok=$("$UNSUB" -c "$FX_CONF" -t dave Reader@ISP.example)
h_like "token for dave and reader" "$tok" '^dave\.[a-z2-7]{16}$'

# a valid token through Postfix
out=$(h_swaks --from reader@isp.example --to "unsub+$tok@unsub.relay.test" \
    --header 'Subject: unsubscribe' 2>&1)
h_like "accepted by Postfix" "$out" 'queued as'
line=$(h_wait_log "to=<unsub\+$tok@unsub.relay.test>.*status=" 20)
h_like "delivered via the pipe" "$line" 'relay=unsub, .*dsn=2\.0\.0, status=sent'
h_is "recipient suppressed" "$(reason reader@isp.example)" unsubscribe

# the same token from another sender: refused
out=$(h_swaks --from mallory@isp.example --to "unsub+$tok@unsub.relay.test" 2>&1)
line=$(h_wait_log "to=<unsub\+$tok@unsub.relay.test>.*status=bounced" 20)
h_like "token of another recipient bounced 5.1.1" "$line" 'dsn=5\.1\.1, status=bounced .*unknown unsubscribe token'
h_is "other sender not suppressed" "$(h_redis_cli HEXISTS 'relay:{m:dave}:suppress' mallory@isp.example)" 0

# a forged MAC: refused
good=$("$UNSUB" -c "$FX_CONF" -t dave reader2@isp.example)
last=${good: -1}
[[ $last == a ]] && repl=b || repl=a
forged=${good%?}$repl
out=$(h_swaks --from reader2@isp.example --to "unsub+$forged@unsub.relay.test" 2>&1)
line=$(h_wait_log "to=<unsub\+$forged@unsub.relay.test>.*status=" 20)
h_like "forged token bounced 5.1.1" "$line" 'dsn=5\.1\.1, status=bounced'
h_is "forged: not suppressed" "$(h_redis_cli HEXISTS 'relay:{m:dave}:suppress' reader2@isp.example)" 0
# a token that looks like an option is only a (bad) token: "--" comes first
out=$(h_swaks --from reader2@isp.example --to "unsub+-cx@unsub.relay.test" 2>&1)
line=$(h_wait_log "to=<unsub\+-cx@unsub.relay.test>.*status=" 20)
h_like "a token like an option: a bad token (5.1.1), not an option" "$line" 'dsn=5\.1\.1, status=bounced'
# a token naming another member: refused
other=eve.${good#dave.}
out=$(h_swaks --from reader2@isp.example --to "unsub+$other@unsub.relay.test" 2>&1)
line=$(h_wait_log "to=<unsub\+$other@unsub.relay.test>.*status=" 20)
h_like "token moved to another member bounced" "$line" 'dsn=5\.1\.1, status=bounced'
h_is "no suppression for eve" "$(h_redis_cli EXISTS 'relay:{m:eve}:suppress')" 0

# the real token upper-cased by a mail client still works
up=${good^^}
out=$(h_swaks --from reader2@isp.example --to "unsub+$up@unsub.relay.test" 2>&1)
line=$(h_wait_log "to=<unsub\+$up@unsub.relay.test>.*status=" 20)
h_like "upper-cased token delivered" "$line" 'status=sent'
h_is "upper-cased token suppressed" "$(reason reader2@isp.example)" unsubscribe

# an existing suppression keeps its reason
fx_suppress dave reader3@isp.example hard_bounce
t3=$("$UNSUB" -c "$FX_CONF" -t dave reader3@isp.example)
out=$(h_swaks --from reader3@isp.example --to "unsub+$t3@unsub.relay.test" 2>&1)
line=$(h_wait_log "to=<unsub\+$t3@unsub.relay.test>.*status=" 20)
h_like "already suppressed: delivered" "$line" 'status=sent'
h_is "already suppressed: reason kept" "$(reason reader3@isp.example)" hard_bounce

# Redis down: deferred 4.3.0, then delivered after Redis is back
t4=$("$UNSUB" -c "$FX_CONF" -t dave reader4@isp.example)
h_stop_redis
out=$(h_swaks --from reader4@isp.example --to "unsub+$t4@unsub.relay.test" 2>&1)
line=$(h_wait_log "to=<unsub\+$t4@unsub.relay.test>.*status=" 20)
h_like "Redis down: deferred" "$line" 'dsn=4\.3\.0, status=deferred .*token store unavailable'
h_restart_redis
# (no persistence: the member is written again; relay-unsub suppresses
# only for a member that exists)
fx_member dave
h_pf_flush
h_check "Redis back: delivered" h_wait_log "to=<unsub\+$t4@unsub.relay.test>.*status=sent" 30
h_is "Redis back: suppressed" "$(reason reader4@isp.example)" unsubscribe

# exit codes without Postfix
rc=0; "$UNSUB" -c "$FX_CONF" "$tok" '' </dev/null >/dev/null || rc=$?
h_is "null sender: EX_NOUSER" "$rc" 67
rc=0; "$UNSUB" -c /nonexistent "$tok" r@x.example </dev/null >/dev/null 2>&1 || rc=$?
h_is "unreadable config: EX_TEMPFAIL" "$rc" 75
rc=0; "$UNSUB" -c "$FX_CONF" "$tok" </dev/null >/dev/null || rc=$?
h_is "missing argument: EX_TEMPFAIL" "$rc" 75
h_done
