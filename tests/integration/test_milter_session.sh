#!/bin/bash
# test_milter_session.sh - several transactions in one SMTP session, as
# mail clients and sending libraries keep a connection open: nothing
# relay-milter decided or built for one message carries over to the next
# (the sender's domain and its key, a refusal, a suppressed recipient, the
# From: header, List-Unsubscribe for one recipient, the queue-id record),
# after a 250, a 5xx at MAIL, RCPT or end of data, and an RSET.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init milter_session
h_need_root
h_need redis-server postfix dovecot openssl
fx_need_milter verify

h_start_redis
h_start_sink --crlf
fx_milter_inet
FX_UNSUB='domain = "unsub.relay.test"; hmac_key = "test-hmac-key-0123456789abcdef0123456789";'
fx_conf
fx_member alice
fx_member bob
fx_domain alice.test alice --listunsub
fx_domain plain.test alice --rsa-only
fx_domain bob.test bob
fx_suppress alice gone@rcpt.test hard_bounce
fx_start_milter_inet
fx_passwd alice key-alice
fx_start_submission

# One session, the transactions in order; one line per command's reply.
cat >"$H_BIN/session.py" <<'EOF'
import smtplib, sys
port = int(sys.argv[1])
def msg(frm, subj, to):
    return ("From: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s@session.test>\r\n"
            "\r\nbody of %s\r\n" % (frm, ", ".join(to), subj, subj, subj)).encode()
def say(step, reply):
    print("%s %d %s" % (step, reply[0], reply[1].decode(errors="replace").replace("\n", " ")))
s = smtplib.SMTP("127.0.0.1", port, timeout=30)
s.ehlo("session.test")
s.login("alice", "key-alice")
def tx(n, mfrom, rcpts, hfrom, subj):
    r = s.mail(mfrom); say(n + ".mail", r)
    if r[0] != 250:
        s.rset(); return
    ok = []
    for a in rcpts:
        r = s.rcpt(a); say(n + ".rcpt " + a, r)
        if r[0] == 250: ok.append(a)
    if not ok:
        s.rset(); return
    r = s.data(msg(hfrom, subj, rcpts)); say(n + ".data", r)
# 1 accepted; 2 another member's domain at MAIL; 3 a suppressed recipient
# beside a good one, then another member's From: at end of data; 4
# accepted again; 5 RSET in the middle, then a second domain of alice's
# with two recipients; 6 the null sender; 7 accepted after all of it
tx("t1", "a@alice.test", ["r1@rcpt.test"], "a@alice.test", "s-one")
tx("t2", "x@bob.test", ["r2@rcpt.test"], "x@bob.test", "s-two")
tx("t3", "a@alice.test", ["gone@rcpt.test", "r3@rcpt.test"], "x@bob.test", "s-three")
tx("t4", "a@alice.test", ["gone2@rcpt.test"], "a@alice.test", "s-four")
r = s.mail("a@alice.test"); say("t5.mail", r)
r = s.rcpt("r5@rcpt.test"); say("t5.rcpt", r)
r = s.rset(); say("t5.rset", r)
tx("t5b", "p@plain.test", ["r6@rcpt.test", "r7@rcpt.test"], "p@plain.test", "s-five")
tx("t6", "<>", ["r8@rcpt.test"], "a@alice.test", "s-six")
tx("t7", "a@alice.test", ["r9@rcpt.test"], "a@alice.test", "s-seven")
s.quit()
EOF
out=$(/usr/bin/python3 "$H_BIN/session.py" "$SUB_PORT" 2>&1)
h_diag "$out"
h_like "t1: accepted" "$out" $'(^|\n)t1\\.data 250 2\\.0\\.0 Ok: queued as'
h_like "t2: another member's domain, same session: 550 5.1.0 at MAIL" "$out" $'(^|\n)t2\\.mail 550 5\\.1\\.0 .*bob\\.test'
h_like "t3: the suppressed recipient 550 5.7.1" "$out" $'(^|\n)t3\\.rcpt gone@rcpt\\.test 550 5\\.7\\.1'
h_like "t3: the other recipient 250" "$out" $'(^|\n)t3\\.rcpt r3@rcpt\\.test 250'
h_like "t3: another member's From: 550 5.1.0 at end of data" "$out" $'(^|\n)t3\\.data 550 5\\.1\\.0 .*bob\\.test'
h_like "t4: a recipient not suppressed after one that was: 250" "$out" $'(^|\n)t4\\.rcpt gone2@rcpt\\.test 250'
h_like "t4: accepted after the refusals" "$out" $'(^|\n)t4\\.data 250 2\\.0\\.0 Ok: queued as'
h_like "t5: RSET" "$out" $'(^|\n)t5\\.rset 250'
h_like "t5b: alice's other domain after the RSET: accepted" "$out" $'(^|\n)t5b\\.data 250 2\\.0\\.0 Ok: queued as'
h_like "t6: the null sender, after accepted mail: 550 5.1.0" "$out" $'(^|\n)t6\\.mail 550 5\\.1\\.0'
h_like "t7: accepted at the end" "$out" $'(^|\n)t7\\.data 250 2\\.0\\.0 Ok: queued as'

# verify MSG - python3-dkim over each signature: one pass/fail line each
verify() { fx_dkim_verify "$1" alice.test plain.test/rsa; }
flat() { tr -d '\r\n\t ' <"$1"; }

for s in one four seven; do
	f=$(h_sink_await "^Subject: s-$s.?\$")
	h_check "s-$s arrived" test -n "$f"
	h_like "s-$s: signed d=alice.test" "$(flat "$f")" 'd=alice\.test;'
	h_is "s-$s: both signatures verify" "$(verify "$f")" $'pass\npass'
	h_is "s-$s: one List-Unsubscribe (one recipient)" "$(grep -c '^List-Unsubscribe:' "$f")" 1
done
f=$(h_sink_await '^Subject: s-five.?$')
h_like "s-five: signed with plain.test's key, not alice.test's" "$(flat "$f")" 'd=plain\.test;'
h_unlike "...no alice.test signature" "$(flat "$f")" 'd=alice\.test;'
h_is "...one rsa signature, verifies" "$(verify "$f")" pass
h_unlike "...no List-Unsubscribe (two recipients, and no opt-in)" "$(cat "$f")" 'List-Unsubscribe'
h_is "s-three and s-six never arrive: four messages in all" "$(h_sink_count)" 4

# the records: each accepted message's own sender, domain and recipients
qid_of() { sed -n "s/^$1\\.data 250 2\\.0\\.0 Ok: queued as \\([A-Za-z0-9]*\\).*/\\1/p" <<<"$out"; }
q1=$(qid_of t1) q4=$(qid_of t4) q5=$(qid_of t5b)
h_is "t1's record: sender" "$(h_redis_cli HGET "relay:{m:alice}:msg:$q1" sender)" a@alice.test
h_is "t1's record: recipients" "$(h_redis_cli HGET "relay:{m:alice}:msg:$q1" rcpts)" '["r1@rcpt.test"]'
h_is "t4's record: recipients (none of t3's)" "$(h_redis_cli HGET "relay:{m:alice}:msg:$q4" rcpts)" '["gone2@rcpt.test"]'
h_is "t5b's record: domain" "$(h_redis_cli HGET "relay:{m:alice}:msg:$q5" domain)" plain.test
h_is "t5b's record: recipients (not t5's r5)" "$(h_redis_cli HGET "relay:{m:alice}:msg:$q5" rcpts)" '["r6@rcpt.test","r7@rcpt.test"]'
h_is "t5b's record: message id" "$(h_redis_cli HGET "relay:{m:alice}:msg:$q5" message_id)" '<s-five@session.test>'
h_done
