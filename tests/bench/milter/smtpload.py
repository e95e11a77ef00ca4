#!/usr/bin/python3
"""smtpload.py - authenticated SMTP load for the relay-milter benchmark.

Usage: smtpload.py HOST:PORT USER PASS FROM TO SESSIONS COUNT SIZE

Like Postfix's smtp-source (-s SESSIONS -m COUNT -l SIZE), which cannot
AUTH: relay-milter checks and signs only authenticated mail. SESSIONS
connections send COUNT messages in all, each connection several messages
(EHLO and AUTH PLAIN once, then MAIL/RCPT/DATA per message, one command at
a time). Prints "sent=N failed=N seconds=S". Loopback only; bounded.
"""
import asyncio
import base64
import sys
import time


async def reply(r):
    while True:
        line = await asyncio.wait_for(r.readline(), 30)
        if not line:
            raise ConnectionError("closed")
        if line[3:4] != b'-':
            return int(line[:3])


async def session(host, port, auth, frm, to, n, body, stats):
    r, w = await asyncio.open_connection(host, port)
    try:
        await reply(r)
        w.write(b'EHLO load.test\r\n')
        await reply(r)
        w.write(b'AUTH PLAIN ' + auth + b'\r\n')
        if await reply(r) != 235:
            raise RuntimeError("auth failed")
        for _ in range(n):
            w.write(b'MAIL FROM:<' + frm + b'>\r\n')
            ok = await reply(r) == 250
            w.write(b'RCPT TO:<' + to + b'>\r\n')
            ok = await reply(r) == 250 and ok
            w.write(b'DATA\r\n')
            if await reply(r) != 354:
                stats['failed'] += 1
                w.write(b'RSET\r\n')
                await reply(r)
                continue
            w.write(body)
            ok = await reply(r) == 250 and ok
            stats['sent' if ok else 'failed'] += 1
        w.write(b'QUIT\r\n')
        await reply(r)
    finally:
        w.close()


def message(frm, to, size):
    head = (b'From: Bench <' + frm + b'>\r\nTo: <' + to + b'>\r\n'
            b'Subject: relay-milter benchmark\r\nMIME-Version: 1.0\r\n'
            b'Content-Type: text/plain; charset=us-ascii\r\n\r\n')
    line = b'The quick brown fox jumps over the lazy dog 0123456789 ABCDEFGHIJ\r\n'
    body = b''
    while len(head) + len(body) < size:
        body += line
    return head + body + b'.\r\n'


async def main():
    hp, user, pw, frm, to, s, count, size = sys.argv[1:9]
    host, port = hp.rsplit(':', 1)
    s, count, size = int(s), int(count), int(size)
    auth = base64.b64encode(b'\0' + user.encode() + b'\0' + pw.encode())
    body = message(frm.encode(), to.encode(), size)
    stats = {'sent': 0, 'failed': 0}
    per = [count // s + (1 if i < count % s else 0) for i in range(s)]
    t0 = time.monotonic()
    await asyncio.gather(*(session(host, int(port), auth, frm.encode(),
                                   to.encode(), n, body, stats)
                           for n in per if n > 0))
    print("sent=%d failed=%d seconds=%.3f" % (stats['sent'], stats['failed'],
                                             time.monotonic() - t0))


asyncio.run(main())
