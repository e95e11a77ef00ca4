#!/usr/bin/python3
"""milter_hold.py - one milter session held open in the middle of a message.

Usage: milter_hold.py --addr inet:HOST:PORT --dir DIR [--user U]
           [--from A] [--rcpt A] [--wait S]

Negotiates as Postfix 3 does, sends MAIL (as --user), RCPT and the
headers, then writes DIR/held and waits (at most --wait seconds, default
20) for DIR/go to appear; then sends the body and EOM, reads the answers,
sends QUIT and closes. Prints one line: "eom=c signatures=N" when EOM was
answered 'c' after N DKIM-Signature insertions, "eom=X ..." for another
answer, "eom=none why" when the connection ended without one. Exit 0 when
EOM was answered 'c', else 1. Every wait is bounded.
"""
import argparse
import os
import socket
import struct
import sys
import time

OFFER_PROTOCOL = 0x1FFFFF
OFFER_ACTIONS = 0x1FF


def packet(cmd, data=b""):
    return struct.pack(">I", len(data) + 1) + cmd + data


def macros(stage, pairs):
    return packet(b"D", stage + b"".join(k + b"\0" + v + b"\0"
                                         for k, v in pairs))


def read_exact(s, n):
    b = b""
    while len(b) < n:
        got = s.recv(n - len(b))
        if not got:
            raise EOFError("connection closed")
        b += got
    return b


def reply(s):
    n = struct.unpack(">I", read_exact(s, 4))[0]
    b = read_exact(s, n)
    return b[:1], b[1:]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--addr", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--user", default="alice")
    ap.add_argument("--from", dest="mfrom", default="a@alice.test")
    ap.add_argument("--rcpt", default="r@rcpt.test")
    ap.add_argument("--wait", type=float, default=20)
    a = ap.parse_args()
    host, port = a.addr[len("inet:"):].rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=30)
    s.sendall(packet(b"O", struct.pack(">III", 6, OFFER_ACTIONS,
                                       OFFER_PROTOCOL)))
    c, data = reply(s)
    if c != b"O":
        print("eom=none negotiation answered %r" % c)
        return 1
    pflags = struct.unpack(">I", data[8:12])[0]
    mfrom, rcpt = a.mfrom.encode(), a.rcpt.encode()
    s.sendall(macros(b"M", [(b"{auth_authen}", a.user.encode())]) +
              packet(b"M", b"<" + mfrom + b">\0"))
    c, _ = reply(s)
    if c != b"c":
        print("eom=none MAIL answered %r" % c)
        return 1
    s.sendall(macros(b"R", [(b"{rcpt_addr}", rcpt)]) +
              packet(b"R", b"<" + rcpt + b">\0"))
    c, _ = reply(s)
    if c != b"c":
        print("eom=none RCPT answered %r" % c)
        return 1
    lead = b" " if pflags & 0x100000 else b""
    for name, value in ((b"From", b"<" + mfrom + b">"),
                        (b"To", b"<" + rcpt + b">"),
                        (b"Subject", b"held"),
                        (b"Message-ID", b"<held@alice.test>")):
        s.sendall(packet(b"L", name + b"\0" + lead + value + b"\0"))
        if not pflags & 0x80:           # SMFIP_NR_HDR not taken
            reply(s)
    open(os.path.join(a.dir, "held"), "w").close()
    go = os.path.join(a.dir, "go")
    for _ in range(int(a.wait * 20)):
        if os.path.exists(go):
            break
        time.sleep(0.05)
    nsig = 0
    try:
        s.sendall(packet(b"B", b"a body line\r\n"))
        if not pflags & 0x80000:        # SMFIP_NR_BODY not taken
            reply(s)
        s.sendall(macros(b"E", [(b"i", b"HELD1")]) + packet(b"E"))
        while True:
            c, data = reply(s)
            if c in (b"h", b"i"):       # a header added or inserted
                nsig += b"DKIM-Signature" in data
                continue
            break
    except (EOFError, OSError) as e:
        print("eom=none %s" % e)
        return 1
    print("eom=%s signatures=%d %s" % (c.decode(errors="replace"), nsig,
                                      data[:80].decode(errors="replace")))
    try:
        s.sendall(packet(b"Q"))
        s.close()
    except OSError:
        pass
    return 0 if c == b"c" else 1


if __name__ == "__main__":
    sys.exit(main())
