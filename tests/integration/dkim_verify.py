#!/usr/bin/python3
"""dkim_verify.py - verify every DKIM-Signature of a message, independently.

Usage: dkim_verify.py [--dns HOST:PORT] [--key NAME=TXT]... [--expect N] <msg

Uses python3-dkim (not libopendkim, which signed it), so a pass here is an
independent check. Public keys come from --key (NAME is the full DNS name,
e.g. rs1r._domainkey.example.com, TXT the record's value) or from a DNS
server on loopback (--dns 127.0.0.1:PORT or [::1]:PORT, the harness's
unbound). Prints
one line per signature, "pass|fail a=ALG d=DOMAIN s=SELECTOR", and exits 0
only when there is at least one signature (exactly N with --expect) and
every one of them verifies; 1 otherwise, 2 on a usage error.
"""
import argparse
import sys

import dkim


def dns_lookup(server, port):
    import dns.resolver

    res = dns.resolver.Resolver(configure=False)
    res.nameservers = [server]
    res.port = port
    res.lifetime = 5

    def lookup(name, timeout=5):
        if isinstance(name, bytes):
            name = name.decode()
        try:
            ans = res.resolve(name.rstrip("."), "TXT")
        except Exception:  # NXDOMAIN, timeout: the signature fails
            return None
        for rr in ans:
            return b"".join(rr.strings)
        return None

    return lookup


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dns")
    ap.add_argument("--key", action="append", default=[])
    ap.add_argument("--expect", type=int)
    a = ap.parse_args()

    keys = {}
    for k in a.key:
        name, _, txt = k.partition("=")
        keys[name.rstrip(".").lower()] = txt.encode()
    remote = None
    if a.dns:
        host, _, port = a.dns.rpartition(":")
        remote = dns_lookup(host.strip("[]"), int(port))

    def dnsfunc(name, timeout=5):
        if isinstance(name, bytes):
            name = name.decode()
        n = name.rstrip(".").lower()
        if n in keys:
            return keys[n]
        return remote(n) if remote else None

    msg = sys.stdin.buffer.read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    d = dkim.DKIM(msg)
    sigs = [v for (h, v) in d.headers if h.lower() == b"dkim-signature"]
    ok = len(sigs) > 0 and (a.expect is None or len(sigs) == a.expect)
    for i, sig in enumerate(sigs):
        tags = dkim.util.parse_tag_value(b"".join(sig.split()))
        try:
            good = d.verify(idx=i, dnsfunc=dnsfunc)
        except dkim.DKIMException as e:
            good = False
            print("# %s" % e)
        ok = ok and good
        print("%s a=%s d=%s s=%s" % (
            "pass" if good else "fail",
            tags.get(b"a", b"?").decode().strip(),
            tags.get(b"d", b"?").decode().strip(),
            tags.get(b"s", b"?").decode().strip()))
    if not sigs:
        print("fail: no DKIM-Signature")
    elif a.expect is not None and len(sigs) != a.expect:
        print("fail: %d signatures, expected %d" % (len(sigs), a.expect))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
