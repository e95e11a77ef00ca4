#!/bin/bash
# test_policyd_socketmap.sh - reply forwarding through relay-policyd's
# socketmap server and a real private Postfix: a reply to an enrolled
# domain reaches the sink at the domain's forward-to address; a domain
# without forward-to, unverified or unknown is not ours: inbound mail to it
# is refused (550 5.7.1 relay access denied, with the documented
# relay_domains_reject_code), and the relay's own mail to it (a member
# writing to its own domain, the bounce notice to a member's sender) goes
# to its MX, where it used to be refused or bounced as "User unknown in
# virtual alias table"; the documented unix socket under the queue
# directory, named relative to it (socketmap:unix:relay/...), works too;
# Redis down, or a Redis holding no relay data (relay:schema missing),
# gives 451 4.3.0 (TEMP), never a 5xx; malformed netstrings get PERM.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init policyd_socketmap
h_need_root
h_need redis-server postfix swaks
fx_policyd_bins

h_start_redis persist
h_start_sink
PPORT=$(h_port)
MPORT=$(h_port)
FX_UNSUB='domain = "unsub.relay.test"; hmac_key = "test-hmac-key-0123456789abcdef0123456789";'
FX_POLICYD="listen = [ \"inet:127.0.0.1:$PPORT\" ]; socketmap = [ \"inet:127.0.0.1:$MPORT\" ];
  request_timeout = \"2s\";"
fx_conf
h_start_daemon policyd "$PD" -f -c "$FX_CONF"
h_wait_port "$MPORT" 10 || h_bail "relay-policyd did not listen"

fx_member alice
fx_domain enrolled.example alice --forward owner@forward.example
fx_domain noforward.example alice
fx_domain late.example alice --unverified --forward owner@forward.example

# The lines of contrib/postfix/policyd.cf; mynetworks excludes 127.0.0.1 so
# that swaks is an outside sender on the plain smtpd port.
PF_MAIN_EXTRA="virtual_alias_domains = socketmap:inet:127.0.0.1:$MPORT:domains
virtual_alias_maps = socketmap:inet:127.0.0.1:$MPORT:forward
mynetworks = 127.0.0.2/32
relay_domains_reject_code = 550
smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination"
h_start_postfix

h_is "map domains: enrolled" "$("$CLIENT" map "$MPORT" domains enrolled.example)" \
    "OK enrolled.example"
h_is "map forward: any address of the domain" \
    "$("$CLIENT" map "$MPORT" forward anyone@enrolled.example)" "OK owner@forward.example"
h_is "map forward: @domain" "$("$CLIENT" map "$MPORT" forward @enrolled.example)" \
    "OK owner@forward.example"
h_is "map forward: no forward-to" "$("$CLIENT" map "$MPORT" forward x@noforward.example)" \
    "NOTFOUND "
h_is "map domains: unverified" "$("$CLIENT" map "$MPORT" domains late.example)" "NOTFOUND "
h_is "map domains: no forward-to" "$("$CLIENT" map "$MPORT" domains noforward.example)" "NOTFOUND "
h_is "unknown map: PERM" "$("$CLIENT" map "$MPORT" alias x@enrolled.example)" \
    "PERM unknown map (use domains or forward)"
out=$(printf '52:an-unknown-map-name-longer-than-thirty-one x.example,7:domains' | "$CLIENT" raw "$MPORT" -w 1)
h_is "a map name longer than ours: PERM unknown map, the connection kept" "$out" \
    "41:PERM unknown map (use domains or forward),[open]"
out=$(printf '12:domains x.example;' | "$CLIENT" raw "$MPORT" -w 2)
h_is "malformed netstring: PERM and closed" "$out" "24:PERM malformed netstring,[closed]"
h_check "malformed netstring logged" grep -q 'result=PERM error="malformed netstring" action=close' "$H_LOG/policyd.log"

out=$(printf '21:domains enrol' | "$CLIENT" raw "$MPORT" -w 5)
h_is "a netstring that never ends: PERM after request_timeout, closed" "$out" \
    "20:PERM request timeout,[closed]"
out=$(printf '9999:domains x' | "$CLIENT" raw "$MPORT" -w 2)
h_is "a netstring over the size limit: PERM, closed" "$out" "23:PERM netstring too long,[closed]"

out=$(h_swaks --from reader@isp.example --to Reply@Enrolled.Example --header 'Subject: re: hello' 2>&1)
h_like "reply to an enrolled domain accepted" "$out" '<-  250 2\.0\.0 Ok: queued'
h_check "the reply reaches the sink" h_wait_sink 1 20
h_check "... addressed to the forward-to address" h_sink_find '^X-Sink-Rcpt-To: <owner@forward\.example>'
h_check "Postfix logs the rewrite" h_wait_log 'to=<owner@forward\.example>, orig_to=<Reply@Enrolled\.Example>.*status=sent' 10

out=$(h_swaks --from reader@isp.example --to y@noforward.example 2>&1)
h_like "no forward-to: not ours, 550 relay access denied" "$out" \
    '<\*\* 550 5\.7\.1 <y@noforward\.example>: Relay access denied'
out=$(h_swaks --from reader@isp.example --to z@late.example 2>&1)
h_like "unverified domain: not ours, relay access denied" "$out" \
    '<\*\* 550 5\.7\.1 <z@late\.example>: Relay access denied'
# the relay's own mail to a domain without forward-to goes to its MX (the
# sink here): a member's message to its own domain, and the bounce notice
# to the sender of a message that bounced
printf 'Subject: own domain\n\nhello\n' |
    sendmail -C "$PF_DIR" -f news@noforward.example boss@noforward.example 2>/dev/null
h_check "mail to a domain without forward-to leaves for its MX" \
    h_wait_for 20 h_sink_find '^X-Sink-Rcpt-To: <boss@noforward\.example>'
printf 'Subject: will bounce\n\nhello\n' |
    sendmail -C "$PF_DIR" -f news@noforward.example bounce1@rcpt.example 2>/dev/null
h_check "the bounce notice reaches the sender's domain" \
    h_wait_for 20 h_sink_find '^X-Sink-Rcpt-To: <news@noforward\.example>'
h_unlike "nothing refused as unknown in the virtual alias table" \
    "$(cat "$PF_MAILLOG")" 'User unknown in virtual alias table'

# The documented alternative for hosts whose local users must not read the
# tables: a unix socket under the queue directory, named by a path relative
# to it (chrooted or not). The directory's group is postfix (setgid, so
# the 0660 socket's too), as /var/spool/postfix/relay's is relay.
install -d -m 2750 -g postfix "$PF_SPOOL/relay"
FX_POLICYD="listen = [ ]; socketmap = [ \"unix:$PF_SPOOL/relay/socketmap.sock\" ];"
fx_conf "$H_TMP/unix.conf"
h_start_daemon policyd_unix "$PD" -f -d -c "$H_TMP/unix.conf"
h_check "a socketmap under the queue directory" \
    h_wait_file "$PF_SPOOL/relay/socketmap.sock" 10
h_pf_set 'virtual_alias_domains = socketmap:unix:relay/socketmap.sock:domains' \
    'virtual_alias_maps = socketmap:unix:relay/socketmap.sock:forward'
h_pf_reload
out=$(h_swaks --from reader@isp.example --to Unix@Enrolled.Example 2>&1)
h_like "socketmap:unix:relay/...: a reply accepted" "$out" '<-  250 2\.0\.0 Ok: queued'
h_check "... forwarded" h_wait_log 'to=<owner@forward\.example>, orig_to=<Unix@Enrolled\.Example>.*status=sent' 20
h_check "... by the unix socket's relay-policyd" \
    grep -q 'map=forward key=unix@enrolled\.example result=OK' "$H_LOG/policyd_unix.log"
h_stop_daemon policyd_unix 10
h_pf_set "virtual_alias_domains = socketmap:inet:127.0.0.1:$MPORT:domains" \
    "virtual_alias_maps = socketmap:inet:127.0.0.1:$MPORT:forward"
h_pf_reload

# The domain record of the wrong type (Redis answers, with an error): the
# same temporary failure, never NOTFOUND (Postfix: 550 User unknown).
h_redis_cli RENAME 'relay:{d:enrolled.example}:domain' 'relay:{d:enrolled.example}:saved' >/dev/null
h_redis_cli SET 'relay:{d:enrolled.example}:domain' junk >/dev/null
h_is "domain record of the wrong type: forward -> TEMP" \
    "$("$CLIENT" map "$MPORT" forward wt@enrolled.example)" 'TEMP relay store unavailable'
h_is "...domains -> TEMP" \
    "$("$CLIENT" map "$MPORT" domains enrolled.example)" 'TEMP relay store unavailable'
out=$(h_swaks --from reader@isp.example --to wt@enrolled.example 2>&1)
h_like "...through Postfix: 451 4.3.0, not a 5xx" "$out" \
    '<\*\* 451 4\.3\.0 <wt@enrolled\.example>: Temporary lookup failure'
h_redis_cli DEL 'relay:{d:enrolled.example}:domain' >/dev/null
h_redis_cli RENAME 'relay:{d:enrolled.example}:saved' 'relay:{d:enrolled.example}:domain' >/dev/null
h_is "...mended: OK again" \
    "$("$CLIENT" map "$MPORT" forward wt@enrolled.example)" 'OK owner@forward.example'

h_kill_redis
out=$(h_swaks --from reader@isp.example --to again@enrolled.example 2>&1)
h_like "Redis down: 451 4.3.0 temporary lookup failure, not a 5xx" "$out" \
    '<\*\* 451 4\.3\.0 <again@enrolled\.example>: Temporary lookup failure'
h_check "Redis down: TEMP logged" grep -q 'result=TEMP value="relay store unavailable"' "$H_LOG/policyd.log"
h_restart_redis
h_check "Redis back: answers normal again" \
    h_wait_for 10 bash -c "\"$CLIENT\" map $MPORT forward again@enrolled.example | grep -qx 'OK owner@forward.example'"
h_check "relay-policyd still runs" h_daemon_alive policyd

# A Redis that lost every key (restarted without persistence, emptied):
# the lookups that would be NOTFOUND are TEMP while relay:schema is
# missing, so replies to enrolled domains are deferred (4xx) until the
# data is restored, not refused; an answer found is still OK.
h_redis_cli FLUSHALL >/dev/null
h_is "no relay data: map domains TEMP, not NOTFOUND" \
    "$("$CLIENT" map "$MPORT" domains enrolled.example)" \
    "TEMP no relay-suite data in Redis (relay:schema is missing: restarted without its data, or another database?)"
out=$(h_swaks --from reader@isp.example --to lost@enrolled.example 2>&1)
h_like "... a reply to an enrolled domain: 451 4.3.0, not 550" "$out" \
    '<\*\* 451 4\.3\.0 <lost@enrolled\.example>: Temporary lookup failure'
h_check "... logged as a warning with the reason" \
    grep -q 'map=domains key=enrolled.example result=TEMP value="no relay-suite data in Redis' "$H_LOG/policyd.log"
h_redis_cli HSET 'relay:{d:enrolled.example}:domain' member alice forward_to owner@forward.example verified_at 1700000000 >/dev/null
h_is "... a domain found is answered all the same" \
    "$("$CLIENT" map "$MPORT" forward x@enrolled.example)" "OK owner@forward.example"
h_redis_cli SET relay:schema 1 >/dev/null
h_is "relay:schema set again (a program met the new Redis): NOTFOUND" \
    "$("$CLIENT" map "$MPORT" domains other.example)" "NOTFOUND "
h_done
