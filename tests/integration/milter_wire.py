#!/usr/bin/python3
"""milter_wire.py - talk the milter protocol to relay-milter as Postfix does,
but cut the bytes differently, and check every answer.

Usage: milter_wire.py --addr unix:PATH|inet:HOST:PORT --key NAME=TXT...
           [--split packet|all|bytes] [--body-size N] [--transactions N]
           [--pause-ms N] [--connections N] [--leadspc yes|no] [--user U]
           [--from A] [--rcpt A]

Each connection negotiates like Postfix 3 (protocol version 6, all actions,
all steps offered), then runs --transactions messages: the MAIL macros and
MAIL, RCPT, a macro packet before each header as Postfix sends them, the
headers, the body in chunks of at most 65535 bytes, the EOM macros ({i})
and EOM. How the packets go on the wire is --split:
  packet  one write per packet, waiting for each answer that is due;
  all     the whole transaction in one write, answers read afterwards;
  bytes   one write per byte, answers read as they are due.
Checks: the negotiation asks for {auth_authen} and the session's addresses
and ports at MAIL, {rcpt_addr} at RCPT and {i} at EOM and for no other
macros (smfi_setsymlist), and takes SMFIP_HDR_LEADSPC
when offered (--leadspc no: an MTA that does not offer it; the fields
relay-milter adds then come without their leading space); MAIL and RCPT answered 'c'
(continue); no answer to headers and body (SMFIP_NR_HDR/NR_BODY
negotiated); EOM answered with DKIM-Signature
insertions then 'c'; the message rebuilt from what was sent plus the
inserted headers verifies with python3-dkim (so every body byte reached
the signer intact). --pause-ms sleeps between transactions (longer than
milter.worker_wait_ms: the connection goes back to libmilter's
controller). --connections runs that many connections at once.
Prints "ok connections=N messages=N signatures=N" and exits 0, or prints
what failed and exits 1.
"""
import argparse
import socket
import struct
import sys
import threading
import time

import dkim

SMFIP_NR_HDR = 0x80
SMFIP_NR_BODY = 0x80000
SMFIP_HDR_LEADSPC = 0x100000
OFFER_PROTOCOL = 0x1FFFFF       # every step and no-reply flag of version 6
OFFER_ACTIONS = 0x1FF
SMFIF_SETSYMLIST = 0x100
WANT_MACROS = {    # MAIL (the login; the session: warming refunds), RCPT,
    # DATA (sent though the step is skipped), EOM
    2: "{auth_authen} {client_addr} {client_port} {daemon_addr} {daemon_port}",
    3: "{rcpt_addr}", 4: "i", 5: "i"}


def packet(cmd, data=b""):
    return struct.pack(">I", len(data) + 1) + cmd + data


def macros(stage, pairs=()):
    return packet(b"D", stage + b"".join(k + b"\0" + v + b"\0" for k, v in pairs))


class Conn:
    def __init__(self, addr, split):
        if addr.startswith("unix:"):
            self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.s.connect(addr[5:])
        else:
            host, _, port = addr[5:].rpartition(":")
            self.s = socket.create_connection((host, int(port)))
        self.s.settimeout(20)
        self.split = split
        self.pending = b""

    def send(self, data):
        if self.split == "all":
            self.pending += data
        elif self.split == "bytes":
            for i in range(len(data)):
                self.s.sendall(data[i:i + 1])
        else:
            self.s.sendall(data)

    def flush(self):
        if self.pending:
            self.s.sendall(self.pending)
            self.pending = b""

    def read_exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.s.recv(n - len(buf))
            if not chunk:
                raise EOFError("milter closed the connection")
            buf += chunk
        return buf

    def reply(self):
        (n,) = struct.unpack(">I", self.read_exact(4))
        body = self.read_exact(n)
        return body[:1], body[1:]


def rebuild(headers, inserted, body):
    msg = b"".join(n + b": " + v + b"\r\n" for n, v in inserted)
    msg += b"".join(n + b": " + v + b"\r\n" for n, v in headers)
    msg += b"\r\n" + body
    return msg.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def make_body(size, seq):
    line = b"line %d of message %d, with  two spaces and a tab\there \r\n"
    out, i = [], 0
    total = 0
    while total < size:
        piece = line % (i, seq)
        out.append(piece)
        total += len(piece)
        i += 1
    return b"".join(out)


def transaction(c, a, seq, keys):
    qid = a.qid.encode() if a.qid else \
        b"WIRE%dX%d" % (threading.get_ident() % 100000, seq)
    headers = [
        (b"From", b"Wire Test <" + a.mfrom.encode() + b">"),
        (b"To", b"<" + a.rcpt.encode() + b">"),
        (b"Subject", b"wire %d" % seq),
        (b"Date", b"Mon, 23 Nov 2026 12:00:00 +0000"),
        (b"Message-ID", b"<wire-%d-%s@test>" % (seq, qid)),
    ]
    body = make_body(a.body_size, seq)
    # MAIL and RCPT are answered: with --split all they go in the same write
    envelope = (
        ("MAIL", b"M", [(b"{auth_authen}", a.user.encode()), (b"i", qid)],
         a.mfrom),
        ("RCPT", b"R", [(b"{rcpt_addr}", a.rcpt.encode())], a.rcpt),
    )
    for what, cmd, pairs, addr in envelope:
        c.send(macros(cmd, pairs))
        c.send(packet(cmd, b"<" + addr.encode() + b">\0"))
        if c.split != "all":
            r = c.reply()
            if r[0] != b"c":
                return "%s answered %r %r" % (what, r[0], r[1])
    c.send(macros(b"T", [(b"i", qid)]))
    # under SMFIP_HDR_LEADSPC a value comes as written, its blank with it
    lead = b" " if a.leadspc == "yes" else b""
    for n, v in headers:
        c.send(macros(b"L"))
        c.send(packet(b"L", n + b"\0" + lead + v + b"\0"))
    c.send(macros(b"N"))
    for off in range(0, len(body), 65535):
        c.send(packet(b"B", body[off:off + 65535]))
    c.send(macros(b"E", [(b"i", qid)]))
    c.send(packet(b"E"))
    c.flush()
    if c.split == "all":
        for what in ("MAIL", "RCPT"):
            r = c.reply()
            if r[0] != b"c":
                return "%s answered %r %r" % (what, r[0], r[1])
    inserted = []
    for _ in range(20):
        cmd, data = c.reply()
        if cmd == b"i":
            idx = struct.unpack(">I", data[:4])[0]
            name, value = data[4:].split(b"\0")[:2]
            if value.startswith(b" ") != (a.leadspc == "yes"):
                return "%s inserted %s a leading space (LEADSPC %s)" % (
                    name.decode(), "with" if value.startswith(b" ")
                    else "without", a.leadspc)
            inserted.insert(0, (name, value.strip()))
            if idx != 0:
                return "header inserted at %d, not at the top" % idx
            continue
        if cmd == b"h":
            name, value = data.split(b"\0")[:2]
            headers.append((name, value.strip()))
            continue
        if cmd != b"c":
            return "EOM answered %r %r" % (cmd, data)
        break
    else:
        return "EOM: no final answer"
    sigs = [v for n, v in inserted if n.lower() == b"dkim-signature"]
    if not sigs:
        return "EOM: no DKIM-Signature inserted"
    msg = rebuild(headers, inserted, body)
    d = dkim.DKIM(msg)
    for i in range(len(sigs)):
        if not d.verify(idx=i, dnsfunc=lambda n, timeout=5: keys.get(
                (n.decode() if isinstance(n, bytes) else n).rstrip(".").lower())):
            return "signature %d does not verify (body %d bytes)" % (i, len(body))
    return len(sigs)


def macro_lists(data):
    """The macro lists after the three words of an OPTNEG reply (the
    milter's smfi_setsymlist calls): {stage number: "names"}."""
    lists = {}
    while len(data) >= 5:
        (stage,) = struct.unpack(">I", data[:4])
        end = data.find(b"\0", 4)
        if end < 0:
            lists["trailing bytes"] = data
            break
        lists[stage] = data[4:end].decode("ascii", "replace")
        data = data[end + 1:]
    if data:
        lists["trailing bytes"] = data
    return lists


def run_conn(a, keys, results, n):
    try:
        c = Conn(a.addr, a.split)
        offer = OFFER_PROTOCOL if a.leadspc == "yes" else \
            OFFER_PROTOCOL & ~SMFIP_HDR_LEADSPC
        c.s.sendall(packet(b"O", struct.pack(">III", 6, OFFER_ACTIONS,
                                              offer)))
        cmd, data = c.reply()
        if cmd != b"O" or len(data) < 12:
            results[n] = "negotiation answered %r" % cmd
            return
        _, actions, proto = struct.unpack(">III", data[:12])
        if proto & (SMFIP_NR_HDR | SMFIP_NR_BODY) != SMFIP_NR_HDR | SMFIP_NR_BODY:
            results[n] = "no-reply steps not negotiated: 0x%x" % proto
            return
        if bool(proto & SMFIP_HDR_LEADSPC) != (a.leadspc == "yes"):
            results[n] = "SMFIP_HDR_LEADSPC %s, offered %s" % (
                "taken" if proto & SMFIP_HDR_LEADSPC else "not taken",
                a.leadspc)
            return
        lists = macro_lists(data[12:])
        if not actions & SMFIF_SETSYMLIST or lists != WANT_MACROS:
            results[n] = "macro lists asked for: %r (actions 0x%x)" % (lists, actions)
            return
        nsig = 0
        for seq in range(a.transactions):
            if seq and a.pause_ms:
                time.sleep(a.pause_ms / 1000.0)
            r = transaction(c, a, n * 1000 + seq, keys)
            if isinstance(r, str):
                results[n] = "connection %d, message %d: %s" % (n, seq, r)
                return
            nsig += r
        c.s.sendall(packet(b"Q"))
        c.s.close()
        results[n] = nsig
    except Exception as e:  # noqa: BLE001 - reported, the run fails
        results[n] = "connection %d: %s: %s" % (n, type(e).__name__, e)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--addr", required=True)
    ap.add_argument("--key", action="append", default=[])
    ap.add_argument("--split", choices=("packet", "all", "bytes"),
                    default="packet")
    ap.add_argument("--body-size", type=int, default=2048)
    ap.add_argument("--transactions", type=int, default=1)
    ap.add_argument("--pause-ms", type=int, default=0)
    ap.add_argument("--connections", type=int, default=1)
    ap.add_argument("--qid", default="",
                    help="the queue id ({i}) of every transaction")
    ap.add_argument("--leadspc", choices=("yes", "no"), default="yes",
                    help="offer SMFIP_HDR_LEADSPC (Postfix does)")
    ap.add_argument("--user", default="alice")
    ap.add_argument("--from", dest="mfrom", default="a@alice.test")
    ap.add_argument("--rcpt", default="r@rcpt.test")
    a = ap.parse_args()
    keys = {}
    for k in a.key:
        name, _, txt = k.partition("=")
        keys[name.rstrip(".").lower()] = txt.encode()
    results = [None] * a.connections
    threads = [threading.Thread(target=run_conn, args=(a, keys, results, i))
               for i in range(a.connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    bad = [r for r in results if not isinstance(r, int)]
    if bad:
        for r in bad:
            print(r if r is not None else "a connection did not finish")
        return 1
    print("ok connections=%d messages=%d signatures=%d" % (
        a.connections, a.connections * a.transactions, sum(results)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
