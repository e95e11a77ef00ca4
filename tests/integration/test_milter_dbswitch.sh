#!/bin/bash
# test_milter_dbswitch.sh - a reload that moves relay-milter to another
# Redis database (redis.db; the same holds for redis.host): a session that
# began before it keeps its connection, to the old database, and what it
# reads there must not go into the fact cache the new sessions answer from
# (their subscriber tracks the new database). One milter connection held
# across the reload (the milter protocol spoken from Python, one process),
# then a new one: a recipient suppressed in the new database only is
# refused to the new session, 550 5.7.1.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init milter_dbswitch
h_need_root
h_need redis-server
[[ -x $H_BUILDDIR/milter/relay-milter ]] || h_skip_all "relay-milter not built"

h_start_redis
MPORT=$(h_port)
FX_MILTER="socket = \"inet:$MPORT@127.0.0.1\";"
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
h_redis_cli() { redis-cli -s "$REDIS_SOCK" "$@"; }

h_start_daemon milter "$H_BUILDDIR/milter/relay-milter" -f -d -c "$FX_CONF"
h_wait_port "$MPORT" 20 || h_bail "relay-milter did not listen"
h_check "the fact cache is on" h_wait_log 'fact cache on' 10 "$H_LOG/milter.log"

out=$("$H_PYTHON" - "$MPORT" "$(h_daemon_pid milter)" "$H_LOG/milter.log" \
    "$H_TMP/db1.conf" "$FX_CONF" <<'PY' 2>&1
import os, shutil, signal, socket, struct, sys, time
port, pid, log, newconf, conf = int(sys.argv[1]), int(sys.argv[2]), *sys.argv[3:]

def pkt(c, data=b""):
    return struct.pack(">I", len(data) + 1) + c + data

class Session:
    def __init__(self):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=20)
        self.s.sendall(pkt(b"O", struct.pack(">III", 6, 0x1FF, 0x1FFFFF)))
        self.read()
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
    def close(self):
        self.s.sendall(pkt(b"Q"))
        self.s.close()

def count(text):
    with open(log, errors="replace") as f:
        return f.read().count(text)

old = Session()
print("old session, database 0:", old.rcpt())
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
old.close()
new.close()
PY
)
h_diag "$out"
h_like "the old session reads database 0: the recipient goes on" "$out" \
    'old session, database 0: c'
h_like "the new session refuses the recipient suppressed in database 1" \
    "$out" 'new session, database 1: y550 5\.7\.1'
h_like "the reload was applied" \
    "$(cat "$H_LOG/milter.log")" 'reload=ok'
h_stop_daemon milter 20
h_done
