#!/bin/bash
# test_milter_dbswitch.sh - a reload that moves relay-milter to another
# Redis database (redis.db; the same holds for redis.host): a session that
# began before it keeps its connection, to the old database, and what it
# reads there must not go into the fact cache the new sessions answer from
# (their subscriber tracks the new database). One milter connection held
# across the reload (the milter protocol spoken from Python, one process),
# then a new one: a recipient suppressed in the new database only is
# refused to the new session, 550 5.7.1, and not to the old one, which
# reads neither into the cache nor from it.
# The DKIM key cache follows the same rule: both databases hold
# alice.test under the same selector and enrollment time but with other
# keys; a message signed by the new session verifies with the new
# database's public keys, and one signed by the old session afterwards
# with the old one's (python3-dkim, dkim_verify.py).
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init milter_dbswitch
h_need_root
h_need redis-server
fx_need_milter

h_start_redis
fx_milter_inet
fx_conf
cp "$FX_CONF" "$H_TMP/db0.conf"
sed 's/^redis: { /redis: { db = 1; /' "$H_TMP/db0.conf" >"$H_TMP/db1.conf"
h_check "the second config names database 1" grep -q 'db = 1;' "$H_TMP/db1.conf"
# database 0: alice and alice.test; database 1: the same, and
# victim@rcpt.test on alice's suppression list
fx_member alice
fx_domain alice.test alice
h_redis_cli() { redis-cli -s "$REDIS_SOCK" -n 1 "$@"; }
fx_member alice
fx_domain alice.test alice
fx_suppress alice victim@rcpt.test unsubscribed
# database 1's own DKIM keys, under the same selector
K1=$H_TMP/keys1
install -d -m 0700 "$K1"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$K1/rsa.pem" 2>/dev/null &&
openssl pkey -in "$K1/rsa.pem" -pubout -outform DER -out "$K1/rsa.pub.der" 2>/dev/null &&
openssl genpkey -algorithm ED25519 -out "$K1/ed25519.pem" 2>/dev/null &&
openssl pkey -in "$K1/ed25519.pem" -pubout -outform DER -out "$K1/ed25519.pub.der" 2>/dev/null ||
    h_bail "openssl could not make the second keys"
h_redis_cli -x HSET 'relay:{d:alice.test}:dkim' rs1:rsa <"$K1/rsa.pem" >/dev/null
h_redis_cli -x HSET 'relay:{d:alice.test}:dkim' rs1:ed25519 <"$K1/ed25519.pem" >/dev/null
h_redis_cli() { redis-cli -s "$REDIS_SOCK" "$@"; }
# ... and the same enrollment time in both
C=$(h_redis_cli HGET 'relay:{d:alice.test}:domain' created)
for n in 0 1; do
	redis-cli -s "$REDIS_SOCK" -n $n HSET 'relay:{d:alice.test}:domain' created "$C" >/dev/null
	redis-cli -s "$REDIS_SOCK" -n $n HSET 'relay:{d:alice.test}:dkim' rs1:created "$C" >/dev/null
done
h_is "both databases: selector rs1, created $C" \
    "$(redis-cli -s "$REDIS_SOCK" -n 1 HMGET 'relay:{d:alice.test}:domain' selector created | paste -sd' ')" "rs1 $C"
h_isnt_key() { ! cmp -s "$FX_KEYDIR/rsa.pem" "$K1/rsa.pem"; }
fx__keys
h_check "... with other keys" h_isnt_key
# keys DIR - dkim_verify.py's --key options for the public keys in DIR
keys() {
	printf -- '--key=rs1r._domainkey.alice.test=v=DKIM1; k=rsa; p=%s\n' \
	    "$(base64 -w0 <"$1/rsa.pub.der")"
	printf -- '--key=rs1e._domainkey.alice.test=v=DKIM1; k=ed25519; p=%s\n' \
	    "$(tail -c 32 "$1/ed25519.pub.der" | base64 -w0)"
}
# verify FILE DIR - both signatures of FILE, with the keys in DIR
verify() {
	local -a k
	mapfile -t k < <(keys "$2")
	"$H_PYTHON" "$H_LIBDIR/dkim_verify.py" --expect 2 "${k[@]}" <"$1" 2>&1
}

h_start_daemon milter "$H_BUILDDIR/milter/relay-milter" -f -d -c "$FX_CONF"
h_wait_port "$MPORT" 20 || h_bail "relay-milter did not listen"
h_check "the fact cache is on" h_wait_log 'fact cache on' 10 "$H_LOG/milter.log"

out=$("$H_PYTHON" - "$MPORT" "$(h_daemon_pid milter)" "$H_LOG/milter.log" \
    "$H_TMP/db1.conf" "$FX_CONF" "$H_TMP" <<'PY' 2>&1
import os, shutil, signal, socket, struct, sys, time
port, pid, log, newconf, conf, tmp = int(sys.argv[1]), int(sys.argv[2]), *sys.argv[3:]

def pkt(c, data=b""):
    return struct.pack(">I", len(data) + 1) + c + data

class Session:
    def __init__(self):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=20)
        self.s.sendall(pkt(b"O", struct.pack(">III", 6, 0x1FF, 0x1FFFFF)))
        self.pf = struct.unpack(">I", self.read()[1][8:12])[0]
    def read(self):
        n = struct.unpack(">I", self.recv(4))[0]
        b = self.recv(n)
        return b[:1], b[1:]
    def recv(self, n):
        b = b""
        while len(b) < n:
            c = self.s.recv(n - len(b))
            if not c:
                raise EOFError("milter closed the connection")
            b += c
        return b
    def rcpt(self):
        """MAIL as alice, RCPT victim@rcpt.test, abort: the RCPT answer"""
        self.s.sendall(pkt(b"D", b"M{auth_authen}\0alice\0"))
        self.s.sendall(pkt(b"M", b"<a@alice.test>\0"))
        c, d = self.read()
        if c != b"c":
            return "MAIL " + (c + d).decode(errors="replace")
        self.s.sendall(pkt(b"D", b"R{rcpt_addr}\0victim@rcpt.test\0"))
        self.s.sendall(pkt(b"R", b"<victim@rcpt.test>\0"))
        c, d = self.read()
        self.s.sendall(pkt(b"A"))
        return (c + d).decode(errors="replace").rstrip("\0")
    def sign(self, name):
        """a message from alice, signed: written to tmp/name.eml"""
        self.s.sendall(pkt(b"D", b"M{auth_authen}\0alice\0"))
        self.s.sendall(pkt(b"M", b"<a@alice.test>\0"))
        c, d = self.read()
        if c != b"c":
            return "MAIL " + (c + d).decode(errors="replace")
        self.s.sendall(pkt(b"D", b"R{rcpt_addr}\0r@rcpt.test\0"))
        self.s.sendall(pkt(b"R", b"<r@rcpt.test>\0"))
        c, d = self.read()
        if c != b"c":
            return "RCPT " + (c + d).decode(errors="replace")
        lead = b" " if self.pf & 0x100000 else b""      # SMFIP_HDR_LEADSPC
        hdrs = [(b"From", b"<a@alice.test>"), (b"To", b"<r@rcpt.test>"),
                (b"Subject", name.encode()),
                (b"Message-ID", b"<" + name.encode() + b"@alice.test>")]
        for n, v in hdrs:
            self.s.sendall(pkt(b"L", n + b"\0" + lead + v + b"\0"))
            if not self.pf & 0x80:                      # SMFIP_NR_HDR
                self.read()
        body = b"a body line\r\n"
        self.s.sendall(pkt(b"B", body))
        if not self.pf & 0x80000:                       # SMFIP_NR_BODY
            self.read()
        self.s.sendall(pkt(b"D", b"Ei\0" + name.encode() + b"\0"))
        self.s.sendall(pkt(b"E"))
        sigs, added = [], []        # inserted at the top; appended (Date)
        while True:
            c, d = self.read()
            if c not in (b"h", b"i"):
                break
            if c == b"i":
                d = d[4:]
            n, v = d.split(b"\0")[:2]
            field = n + b":" + (v if lead else b" " + v)
            (sigs if n == b"DKIM-Signature" else added).append(field)
        lines = sigs + [n + b": " + v for n, v in hdrs] + added
        with open(os.path.join(tmp, name + ".eml"), "wb") as f:
            f.write(b"\r\n".join(lines) + b"\r\n\r\n" + body)
        return "%s signatures=%d" % (c.decode(errors="replace"), len(sigs))
    def close(self):
        self.s.sendall(pkt(b"Q"))
        self.s.close()

def count(text):
    with open(log, errors="replace") as f:
        return f.read().count(text)

old = Session()
print("old session, database 0:", old.rcpt())
print("old session signs, database 0:", old.sign("k-before"))
subs = count("fact cache on")
shutil.copy(newconf, conf)
os.kill(pid, signal.SIGUSR1)
for _ in range(200):
    if count("reload=ok") >= 1 and count("fact cache on") > subs:
        break
    time.sleep(0.1)
else:
    print("no reload within 20 s")
print("old session after the reload:", old.rcpt())
new = Session()
print("new session, database 1:", new.rcpt())
print("old session after the new one read database 1:", old.rcpt())
print("new session signs, database 1:", new.sign("k-new"))
print("old session signs, database 0:", old.sign("k-old"))
old.close()
new.close()
PY
)
h_diag "$out"
h_like "the old session reads database 0: the recipient goes on" "$out" \
    'old session, database 0: c'
h_like "the new session refuses the recipient suppressed in database 1" \
    "$out" 'new session, database 1: y550 5\.7\.1'
h_like "... and the old session, after the reload, still reads database 0" \
    "$out" 'old session after the reload: c'
h_like "... not the new one's facts from the cache: the recipient goes on" \
    "$out" 'old session after the new one read database 1: c'
h_like "signed before the reload" "$out" 'old session signs, database 0: c signatures=2'
h_is "... both signatures verify with database 0's keys" \
    "$(verify "$H_TMP/k-before.eml" "$FX_KEYDIR")" $'pass a=ed25519-sha256 d=alice.test s=rs1e\npass a=rsa-sha256 d=alice.test s=rs1r'
h_like "signed by the new session" "$out" 'new session signs, database 1: c signatures=2'
h_is "... with database 1's keys (the key cache did not answer with database 0's)" \
    "$(verify "$H_TMP/k-new.eml" "$K1")" $'pass a=ed25519-sha256 d=alice.test s=rs1e\npass a=rsa-sha256 d=alice.test s=rs1r'
h_like "signed by the old session after that" "$out" 'old session signs, database 0: c signatures=2'
h_is "... with database 0's keys still" \
    "$(verify "$H_TMP/k-old.eml" "$FX_KEYDIR")" $'pass a=ed25519-sha256 d=alice.test s=rs1e\npass a=rsa-sha256 d=alice.test s=rs1r'
h_like "the reload was applied" \
    "$(cat "$H_LOG/milter.log")" 'reload=ok'
h_stop_daemon milter 20
h_done
