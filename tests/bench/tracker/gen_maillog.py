#!/usr/bin/python3
"""gen_maillog.py - a realistic Postfix maillog for the relay-tracker bench.

Usage: gen_maillog.py LINES MAILLOG RECORDS.resp [RCPTS]

Writes about LINES lines in the format of Postfix 3.7's postlogd (the same
lines as shared/notes/sample-maillog.txt): per message smtpd connect,
client=, cleanup message-id=, qmgr from=, smtpd disconnect, one delivery
line per recipient and attempt (smtp; 84% sent, 6% hard 5.1.1, 3% policy
5.7.1, 7% deferred 4.2.2 / 4.4.1 with a later retry), qmgr removed; plus
a bounce notification with its own queue id now and then. 90% of the
messages belong to one of 50 members: their relay-milter records
(SCHEMA.md step 4) are written to RECORDS.resp in the Redis protocol, for
"redis-cli --pipe". The rest are inbound mail without a record.

With RCPTS > 1 every message is a member's, with RCPTS recipients, each
delivered once (the cost of a line must not grow with the message's
recipient count).
"""
import random
import sys

ALPHA = "0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz"


def resp(*args):
    out = ["*%d\r\n" % len(args)]
    for a in args:
        b = str(a)
        out.append("$%d\r\n%s\r\n" % (len(b.encode()), b))
    return "".join(out)


def multi(want, path, rpath, nr):
    """messages of nr recipients each: all sent, then removed"""
    rnd = random.Random(nr)
    t0 = 1763900000
    n = lines = 0
    with open(path, "w") as log, open(rpath, "w") as rec:
        while lines < want:
            n += 1
            sec = n * nr // 200
            s = t0 + sec
            stamp = "Nov 23 %02d:%02d:%02d relay postfix/" % ((s // 3600) % 24, (s // 60) % 60, s % 60)
            qid = "4jY" + "".join(rnd.choice(ALPHA) for _ in range(9)) + "z1b" + ALPHA[n % 52]
            member = "m%02d" % (n % 50)
            rcpts = ["r%d.%d@dest%d.example" % (n, i, i % 40) for i in range(nr)]
            rec.write(resp("HSET", "relay:{m:%s}:msg:%s" % (member, qid),
                           "domain", member + ".example", "sender",
                           "news@%s.example" % member, "rcpts",
                           "[" + ",".join('"%s"' % r for r in rcpts) + "]",
                           "message_id", "<%d@%s.example>" % (n, member),
                           "accepted", t0 + sec))
            rec.write(resp("EXPIRE", "relay:{m:%s}:msg:%s" % (member, qid), 86400))
            rec.write(resp("SET", "relay:{q:%s}:qid" % qid, member, "EX", 86400))
            rec.write(resp("ZADD", "relay:{m:%s}:inflight" % member, t0 + sec, qid))
            log.write("%sqmgr[999]: %s: from=<news@%s.example>, size=2000, nrcpt=%d (queue active)\n" % (stamp, qid, member, nr))
            for i, r in enumerate(rcpts):
                log.write("%ssmtp[%d]: %s: to=<%s>, relay=mx.dest.example[192.0.2.1]:25, delay=0.5, delays=0.01/0/0.02/0.4, dsn=2.0.0, status=sent (250 2.0.0 Ok)\n" % (stamp, 20000 + i % 100, qid, r))
            log.write("%sqmgr[999]: %s: removed\n" % (stamp, qid))
            lines += nr + 2
    print("lines=%d messages=%d" % (lines, n))


def main():
    want, path, rpath = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    if len(sys.argv) > 4 and int(sys.argv[4]) > 1:
        multi(want, path, rpath, int(sys.argv[4]))
        return
    rnd = random.Random(42)
    t0 = 1763900000
    n = lines = 0
    pending = []            # (due line count, qid, rcpt, member) retries
    with open(path, "w") as log, open(rpath, "w") as rec:
        def w(sec, text):
            nonlocal lines
            s = t0 + sec
            hh, mm, ss = (s // 3600) % 24, (s // 60) % 60, s % 60
            log.write("Nov 23 %02d:%02d:%02d relay postfix/%s\n" % (hh, mm, ss, text))
            lines += 1
        while lines < want:
            n += 1
            sec = n // 20
            qid = "4jY" + "".join(rnd.choice(ALPHA) for _ in range(9)) + "z1b" + ALPHA[n % 52]
            member = "m%02d" % (n % 50)
            rcpt = "user%d@dest%d.example" % (rnd.randrange(200000), rnd.randrange(40))
            ours = rnd.random() < 0.9
            pid = 10000 + n % 5000
            if ours:
                rec.write(resp("HSET", "relay:{m:%s}:msg:%s" % (member, qid),
                               "domain", member + ".example", "sender",
                               "news@%s.example" % member, "rcpts",
                               '["%s"]' % rcpt, "message_id",
                               "<%d@%s.example>" % (n, member),
                               "accepted", t0 + sec))
                rec.write(resp("EXPIRE", "relay:{m:%s}:msg:%s" % (member, qid), 86400))
                rec.write(resp("SET", "relay:{q:%s}:qid" % qid, member, "EX", 86400))
                rec.write(resp("ZADD", "relay:{m:%s}:inflight" % member, t0 + sec, qid))
            w(sec, "submission/smtpd[%d]: connect from localhost[127.0.0.1]" % pid)
            w(sec, "submission/smtpd[%d]: %s: client=localhost[127.0.0.1], sasl_method=PLAIN, sasl_username=%s" % (pid, qid, member))
            w(sec, "cleanup[%d]: %s: message-id=<%d@%s.example>" % (pid + 1, qid, n, member))
            w(sec, "qmgr[999]: %s: from=<news@%s.example>, size=%d, nrcpt=1 (queue active)" % (qid, member, 2000 + n % 3000))
            w(sec, "submission/smtpd[%d]: disconnect from localhost[127.0.0.1] ehlo=1 auth=1 mail=1 rcpt=1 data=1 quit=1 commands=6" % pid)
            r = rnd.random()
            relay = "relay=mx.dest.example[192.0.2.%d]:25, delay=0.%02d, delays=0.01/0/0.02/0.%02d" % (n % 250, n % 100, n % 90)
            if r < 0.84:
                w(sec, "smtp[%d]: %s: to=<%s>, %s, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as %X)" % (pid + 2, qid, rcpt, relay, n))
                w(sec, "qmgr[999]: %s: removed" % qid)
            elif r < 0.90:
                w(sec, "smtp[%d]: %s: to=<%s>, %s, dsn=5.1.1, status=bounced (host mx.dest.example[192.0.2.1] said: 550 5.1.1 <%s>: Recipient address rejected: no such user (in reply to RCPT TO command))" % (pid + 2, qid, rcpt, relay, rcpt))
                ndr = "4jZ" + "".join(rnd.choice(ALPHA) for _ in range(13))
                w(sec, "cleanup[%d]: %s: message-id=<%s@relay.example>" % (pid + 1, ndr, ndr))
                w(sec, "bounce[%d]: %s: sender non-delivery notification: %s" % (pid + 3, qid, ndr))
                w(sec, "qmgr[999]: %s: removed" % qid)
            elif r < 0.93:
                w(sec, "smtp[%d]: %s: to=<%s>, %s, dsn=5.7.1, status=bounced (host mx.dest.example[192.0.2.1] said: 550 5.7.1 Message rejected by policy (in reply to end of DATA command))" % (pid + 2, qid, rcpt, relay))
                w(sec, "qmgr[999]: %s: removed" % qid)
            else:
                dsn, txt = ("4.2.2", "452 4.2.2 <%s>: mailbox full" % rcpt) if r < 0.965 else ("4.4.1", "451 4.4.1 no answer from host")
                w(sec, "smtp[%d]: %s: to=<%s>, %s, dsn=%s, status=deferred (host mx.dest.example[192.0.2.1] said: %s (in reply to RCPT TO command))" % (pid + 2, qid, rcpt, relay, dsn, txt))
                pending.append((lines + 2000, qid, rcpt, pid))
            while pending and pending[0][0] <= lines:
                _, q2, r2, p2 = pending.pop(0)
                w(sec, "smtp[%d]: %s: to=<%s>, relay=mx.dest.example[192.0.2.9]:25, delay=%d, delays=%d/0/0.02/0.01, dsn=2.0.0, status=sent (250 2.0.0 Ok)" % (p2 + 4, q2, r2, 300 + n % 50, 300 + n % 50))
                w(sec, "qmgr[999]: %s: removed" % q2)
    print("lines=%d messages=%d" % (lines, n))


main()
