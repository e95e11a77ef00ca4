#!/usr/bin/python3
"""sinkd.py - loopback SMTP sink for the relay-suite integration tests.

Usage:  /usr/bin/python3 sinkd.py [--host 127.0.0.1|::1] [--port N] [--crlf]
                                 [--no-8bitmime] DUMPDIR

Listens on loopback only, 127.0.0.1 (the default) or ::1 (port N; 0, the
default, lets the kernel pick one) and prints one line "READY HOST PORT"
on stdout once it accepts
connections, so a harness can read the port from its log (no race between
choosing a port and binding it). SIGTERM or SIGINT stop it (exit 0).

Every accepted message is stored as DUMPDIR/NNNNN.eml (00000, 00001, ...),
written to a hidden temporary file and renamed, so a reader never sees half
a message. Prepended to the message as received:

    X-Sink-Mail-From: <envelope sender>
    X-Sink-Rcpt-To: <recipient>          (one line per accepted recipient)

Line endings are stored as LF (easy to grep; dkimpy accepts LF or CRLF);
--crlf keeps them as they came over the wire. --no-8bitmime leaves
8BITMIME (and SMTPUTF8) out of the EHLO reply, as a few receivers still do:
Postfix then converts 8-bit mail to 7-bit unless told not to.

The reply to RCPT TO is picked by the recipient's local part (prefix,
case-insensitive):

    bounce*  550 5.1.1 <addr>: Recipient address rejected: no such user
    full*    452 4.2.2 <addr>: mailbox full
    policy*  550 5.7.1 <addr>: Recipient address rejected by policy
    tech*    451 4.4.1 <addr>: no answer from host
    defer*   451 4.2.0 <addr>: try again later
    other    250 2.1.5 Ok

Supports EHLO/HELO, MAIL, RCPT, DATA (dot-unstuffing), RSET, NOOP, QUIT,
VRFY (252), PIPELINING, any number of messages per connection and many
concurrent connections. Standard library only (asyncio streams). One log
line per transaction goes to stdout.
"""

import argparse
import asyncio
import os
import re
import signal
import sys

MAX_LINE = 1 << 20          # longest command or data line we accept
HOSTNAME = "sink.test"

# (prefix, reply format); first match wins
RCPT_RULES = (
    ("bounce", "550 5.1.1 <{a}>: Recipient address rejected: no such user"),
    ("full", "452 4.2.2 <{a}>: mailbox full"),
    ("policy", "550 5.7.1 <{a}>: Recipient address rejected by policy"),
    ("tech", "451 4.4.1 <{a}>: no answer from host"),
    ("defer", "451 4.2.0 <{a}>: try again later"),
)

PATH_RE = re.compile(r"^\s*<([^>]*)>(.*)$")


class Sink:
    """Shared state: where messages go and the next message number."""

    def __init__(self, dumpdir, crlf, eightbit=True):
        self.dumpdir = dumpdir
        self.crlf = crlf
        self.eightbit = eightbit
        self.seq = 0
        self.conns = 0

    def store(self, mail_from, rcpts, lines):
        """store - write one message atomically; returns its sequence name"""
        name = "%05d" % self.seq
        self.seq += 1
        eol = b"\r\n" if self.crlf else b"\n"
        head = [b"X-Sink-Mail-From: <" + mail_from.encode("utf-8", "replace") + b">"]
        for r in rcpts:
            head.append(b"X-Sink-Rcpt-To: <" + r.encode("utf-8", "replace") + b">")
        body = eol.join(head + lines) + eol
        tmp = os.path.join(self.dumpdir, "." + name + ".tmp")
        with open(tmp, "wb") as f:
            f.write(body)
        os.rename(tmp, os.path.join(self.dumpdir, name + ".eml"))
        return name


def log(msg):
    print(msg, flush=True)


def parse_path(arg, keyword):
    """parse_path - "FROM:<a@b> SIZE=1" -> "a@b" or None when malformed"""
    if not arg.upper().startswith(keyword):
        return None
    m = PATH_RE.match(arg[len(keyword):])
    if not m:
        return None
    return m.group(1)


def rcpt_reply(addr):
    local = addr.split("@", 1)[0].lower()
    for prefix, fmt in RCPT_RULES:
        if local.startswith(prefix):
            return fmt.format(a=addr)
    return None


async def read_data(reader):
    """read_data - DATA lines up to the lone dot, dot-unstuffed, EOL removed"""
    lines = []
    while True:
        raw = await reader.readline()
        if not raw:
            return None                     # connection lost mid-message
        line = raw[:-2] if raw.endswith(b"\r\n") else raw.rstrip(b"\n")
        if line == b".":
            return lines
        if line.startswith(b"."):
            line = line[1:]
        lines.append(line)


async def session(sink, reader, writer):
    sink.conns += 1
    cid = sink.conns
    peer = writer.get_extra_info("peername")

    async def reply(text):
        writer.write(text.encode("utf-8", "replace") + b"\r\n")
        await writer.drain()

    mail_from = None
    rcpts = []
    try:
        await reply("220 %s ESMTP relay-suite test sink" % HOSTNAME)
        while True:
            raw = await reader.readline()
            if not raw:
                break
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb, _, arg = line.partition(" ")
            verb = verb.upper()
            if verb == "EHLO":
                mail_from, rcpts = None, []
                if sink.eightbit:
                    await reply("250-%s\r\n250-PIPELINING\r\n"
                                "250-SIZE 104857600\r\n250-8BITMIME\r\n"
                                "250-ENHANCEDSTATUSCODES\r\n250 SMTPUTF8"
                                % HOSTNAME)
                else:
                    await reply("250-%s\r\n250-PIPELINING\r\n"
                                "250-SIZE 104857600\r\n"
                                "250 ENHANCEDSTATUSCODES" % HOSTNAME)
            elif verb == "HELO":
                mail_from, rcpts = None, []
                await reply("250 %s" % HOSTNAME)
            elif verb == "MAIL":
                addr = parse_path(arg, "FROM:")
                if addr is None:
                    await reply("501 5.5.4 Syntax: MAIL FROM:<address>")
                elif mail_from is not None:
                    await reply("503 5.5.1 Error: nested MAIL command")
                else:
                    mail_from, rcpts = addr, []
                    await reply("250 2.1.0 Ok")
            elif verb == "RCPT":
                addr = parse_path(arg, "TO:")
                if mail_from is None:
                    await reply("503 5.5.1 Error: need MAIL command")
                elif addr is None:
                    await reply("501 5.5.4 Syntax: RCPT TO:<address>")
                else:
                    bad = rcpt_reply(addr)
                    log("conn=%d rcpt=<%s> reply=%s" % (cid, addr, bad or "250"))
                    if bad:
                        await reply(bad)
                    else:
                        rcpts.append(addr)
                        await reply("250 2.1.5 Ok")
            elif verb == "DATA":
                if mail_from is None:
                    await reply("503 5.5.1 Error: need MAIL command")
                elif not rcpts:
                    await reply("554 5.5.1 Error: no valid recipients")
                else:
                    await reply("354 End data with <CR><LF>.<CR><LF>")
                    lines = await read_data(reader)
                    if lines is None:
                        log("conn=%d lost connection in DATA" % cid)
                        break
                    name = sink.store(mail_from, rcpts, lines)
                    log("conn=%d stored=%s.eml from=<%s> nrcpt=%d"
                        % (cid, name, mail_from, len(rcpts)))
                    mail_from, rcpts = None, []
                    await reply("250 2.0.0 Ok: queued as SINK%s" % name)
            elif verb == "RSET":
                mail_from, rcpts = None, []
                await reply("250 2.0.0 Ok")
            elif verb == "NOOP":
                await reply("250 2.0.0 Ok")
            elif verb == "VRFY":
                await reply("252 2.0.0 Cannot VRFY user")
            elif verb == "QUIT":
                await reply("221 2.0.0 Bye")
                break
            else:
                await reply("502 5.5.2 Error: command not recognized")
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    except ValueError:                      # line longer than MAX_LINE
        try:
            await reply("500 5.5.0 Error: line too long")
        except ConnectionError:
            pass
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except (ConnectionError, OSError):
            pass
    del peer


async def main():
    ap = argparse.ArgumentParser(description="loopback SMTP sink for tests")
    ap.add_argument("--host", choices=("127.0.0.1", "::1"),
                    default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--crlf", action="store_true")
    ap.add_argument("--no-8bitmime", dest="eightbit", action="store_false")
    ap.add_argument("dumpdir")
    args = ap.parse_args()
    os.makedirs(args.dumpdir, exist_ok=True)

    sink = Sink(args.dumpdir, args.crlf, args.eightbit)
    server = await asyncio.start_server(
        lambda r, w: session(sink, r, w), args.host, args.port,
        limit=MAX_LINE, reuse_address=True, backlog=256)
    port = server.sockets[0].getsockname()[1]

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    log("READY %s %d" % (args.host, port))
    async with server:
        await stop.wait()
    log("stopping: %d connections, %d messages" % (sink.conns, sink.seq))


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except OSError as e:
        print("sinkd: %s" % e, file=sys.stderr)
        sys.exit(1)
    sys.exit(0)
