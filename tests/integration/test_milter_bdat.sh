#!/bin/bash
# test_milter_bdat.sh - mail sent with BDAT (RFC 3030 CHUNKING, which
# Postfix announces by default and Outlook, Exchange and some sending
# libraries use instead of DATA): the checks and the signing are the same
# as for DATA, whatever the chunk boundaries cut (a header line, a CR
# from its LF, a body line that starts with "."), with the whole
# transaction pipelined, with bare LF line ends, and a refusal at end of
# data is the reply to "BDAT n LAST".
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init milter_bdat
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
fx_domain bob.test bob
fx_suppress alice gone@rcpt.test unsubscribe
fx_start_milter_inet
fx_passwd alice key-alice
fx_start_submission

# A client of its own: smtplib has no BDAT. One line per reply:
# "STEP CODE TEXT". Each transaction is a list of (step, bytes to send,
# replies to read); "pipelined" sends a whole transaction in one write.
cat >"$H_BIN/bdat.py" <<'PYEOF'
import base64, socket, sys
port = int(sys.argv[1])
s = socket.create_connection(("127.0.0.1", port), timeout=30)
f = s.makefile("rb")
def reply():
    lines = []
    while True:
        l = f.readline()
        if not l:
            raise SystemExit("connection closed")
        lines.append(l.decode(errors="replace").rstrip("\r\n"))
        if l[3:4] != b"-":
            return lines
def say(step, lines):
    print("%s %s" % (step, " ".join(lines)))
say("greeting", reply())
s.sendall(b"EHLO bdat.test\r\n"); ehlo = reply()
say("ehlo", [l for l in ehlo if "CHUNKING" in l] or ["no CHUNKING"])
tok = base64.b64encode(b"\0alice\0key-alice")
s.sendall(b"AUTH PLAIN " + tok + b"\r\n"); say("auth", reply())

def bdat(chunk, last=False):
    return b"BDAT %d%s\r\n" % (len(chunk), b" LAST" if last else b"") + chunk

def tx(name, mfrom, rcpts, chunks, pipelined=False):
    """chunks: the message cut into BDAT chunks; the last is sent LAST"""
    cmds = [("mail", b"MAIL FROM:<%s>\r\n" % mfrom.encode())]
    cmds += [("rcpt " + r, b"RCPT TO:<%s>\r\n" % r.encode()) for r in rcpts]
    cmds += [("bdat%d" % i, bdat(c, i == len(chunks) - 1))
             for i, c in enumerate(chunks)]
    if pipelined:
        s.sendall(b"".join(c for _, c in cmds))
        for step, _ in cmds:
            say(name + "." + step, reply())
        return
    for step, c in cmds:
        s.sendall(c)
        r = reply()
        say(name + "." + step, r)
        if step == "mail" and not r[0].startswith("250"):
            s.sendall(b"RSET\r\n"); reply(); return

msg = (b"From: Alice <a@alice.test>\r\nTo: r1@rcpt.test\r\n"
       b"Subject: b-chunks\r\nMessage-ID: <b-chunks@bdat.test>\r\n\r\n"
       b"first line\r\n.a line that starts with a dot\r\n.\r\n"
       b"last line\r\n")
# cut inside the From: line, between the CR and LF of the blank line,
# and just before the line that is a single "."
i = msg.index(b"\r\n\r\n") + 3
j = msg.index(b".\r\nlast")
tx("t1", "a@alice.test", ["r1@rcpt.test"],
   [msg[:9], msg[9:i], msg[i:j], msg[j:], b""])
tx("t2", "a@alice.test", ["r2@rcpt.test"],
   [b"From: a@alice.test\r\nTo: r2@rcpt.test\r\nSubject: b-piped\r\n"
    b"Message-ID: <b-piped@bdat.test>\r\n\r\npipelined body\r\n"],
   pipelined=True)
tx("t3", "a@alice.test", ["gone@rcpt.test", "r3@rcpt.test"],
   [b"From: x@bob.test\r\nSubject: b-foreign\r\n\r\nbody\r\n"])
tx("t4", "a@alice.test", ["gone@rcpt.test", "r4@rcpt.test"],
   [b"From: a@alice.test\nTo: r4@rcpt.test\nSubject: b-barelf\n"
    b"Message-ID: <b-barelf@bdat.test>\n\nbare LF\nline ends\n"])
tx("t5", "x@bob.test", ["r5@rcpt.test"], [b"From: x@bob.test\r\n\r\nx\r\n"])
s.sendall(b"QUIT\r\n"); say("quit", reply())
PYEOF
out=$(/usr/bin/python3 "$H_BIN/bdat.py" "$SUB_PORT" 2>&1)
h_diag "$out"
h_like "the submission service announces CHUNKING" "$out" $'(^|\n)ehlo 250[- ]CHUNKING'
h_like "AUTH PLAIN as alice" "$out" $'(^|\n)auth 235'
h_like "t1: four chunks and an empty LAST: the chunks 250" "$out" $'(^|\n)t1\\.bdat2 250 2\\.0\\.0 Ok: [0-9]+ bytes'
h_like "t1: BDAT 0 LAST: queued" "$out" $'(^|\n)t1\\.bdat4 250 2\\.0\\.0 Ok: [0-9]+ bytes queued as'
h_like "t2: pipelined MAIL, RCPT, BDAT LAST: queued" "$out" $'(^|\n)t2\\.bdat0 250 2\\.0\\.0 Ok: [0-9]+ bytes queued as'
h_like "t3: the suppressed recipient 550 5.7.1 at RCPT" "$out" $'(^|\n)t3\\.rcpt gone@rcpt\\.test 550 5\\.7\\.1'
h_like "t3: another member's From:, 550 5.1.0 is BDAT LAST's reply" "$out" $'(^|\n)t3\\.bdat0 550 5\\.1\\.0 .*bob\\.test'
h_like "t4: bare LF line ends: queued" "$out" $'(^|\n)t4\\.bdat0 250 2\\.0\\.0 Ok: [0-9]+ bytes queued as'
h_like "t5: another member's domain at MAIL: 550 5.1.0" "$out" $'(^|\n)t5\\.mail 550 5\\.1\\.0 .*bob\\.test'
h_like "the session goes on to QUIT" "$out" $'(^|\n)quit 221'

verify() { fx_dkim_verify "$1" alice.test; }
flat() { tr -d '\r\n\t ' <"$1"; }
for s in chunks piped barelf; do
	f=$(h_sink_await "^Subject: b-$s.?\$")
	h_check "b-$s arrived" test -n "$f"
	h_like "b-$s: signed d=alice.test" "$(flat "$f")" 'd=alice\.test;'
	h_is "b-$s: both signatures verify" "$(verify "$f")" $'pass\npass'
	h_is "b-$s: List-Unsubscribe (one recipient)" "$(grep -c '^List-Unsubscribe:' "$f")" 1
done
f=$(h_sink_await '^Subject: b-chunks.?$')
h_like "b-chunks: the body's dot lines arrive as sent (no dot-stuffing in BDAT)" \
    "$(tr -d '\r' <"$f")" $'\nfirst line\n\\.a line that starts with a dot\n\\.\nlast line'
h_is "b-foreign never arrives: three messages in all" "$(h_sink_count)" 3

qid_of() { sed -n "s/^$1 250 2\\.0\\.0 Ok: [0-9]* bytes queued as \\([A-Za-z0-9]*\\).*/\\1/p" <<<"$out"; }
q1=$(qid_of t1.bdat4) q4=$(qid_of t4.bdat0)
h_is "t1's record: recipients" "$(h_redis_cli HGET "relay:{m:alice}:msg:$q1" rcpts)" '["r1@rcpt.test"]'
h_is "t1's record: message id" "$(h_redis_cli HGET "relay:{m:alice}:msg:$q1" message_id)" '<b-chunks@bdat.test>'
h_is "t4's record: message id (bare LF headers)" "$(h_redis_cli HGET "relay:{m:alice}:msg:$q4" message_id)" '<b-barelf@bdat.test>'
h_done
