#!/usr/bin/python3
"""soak_account.py - the accounting of tests/integration/test_soak.sh.

Usage: soak_account.py --sink DIR --sink-log FILE --replies FILE...
           --domain DOMAIN=MEMBER... [--suppressed ADDR...] [--warm DOMAIN]
           [--status MEMBER=JSONFILE...] [--outcomes MEMBER=SENT:BOUNCED...]

Reads what the load clients saw (smtpload's reply logs: MESSAGE-ID RESULT
SENDER STAGE CODE OK-RCPTS REJECTED-RCPTS REPLY, TAB-separated), what the sink
stored (sinkd.py: one .eml per delivery, X-Sink-Mail-From and
X-Sink-Rcpt-To first; its log has one "rcpt=<A> reply=CODE" line per
refused recipient), and what the tracker recorded (relayctl --json status
--member H, and the sums of relay:{m:H}:outcomes), and prints one
"name=integer" line per figure. The test compares them; this script
decides nothing. A delivery pair is (Message-ID, recipient).

Figures:
  sent accepted tempfail rejected errors   client totals
  eod_unknown        connection lost after the final dot (maybe queued)
  expected_pairs     recipients of accepted messages the sink accepts
                     (not bounce*)
  sink_files sink_pairs ndr   deliveries, pairs, null-sender notices
  missing            expected pairs not at the sink
  duplicates         pairs stored more than once
  unexpected         pairs of messages the clients did not see accepted
                     (an eod_unknown message may arrive: not counted)
  unsigned           deliveries without a DKIM-Signature d= sender domain
  unenrolled         deliveries whose envelope or From: domain is not
                     enrolled, or not under the member of the other
  warm_accepted warm_sink   recipients of the warming domain accepted by
                     the clients / delivered
  suppressed_refused suppressed_delivered
  mail_refused       messages refused at MAIL FROM with a 5xx
  sink_bounces       recipients the sink refused with 5xx (its log)
  per member M: sink_sent_M, accepted_bounce_M, tracker_sent_M,
  tracker_bounced_M, tracker_pending_M (recipients of an accepted
  message's record with no final status), orphan_records_M (records of
  messages the clients saw refused, never delivered: the milter wrote the
  record at end of data and then Postfix did not queue the message, e.g.
  the milter was killed before it answered), status_missing_M (accepted
  messages of M with no record), outcome_sent_M, outcome_bounced_M
"""
import argparse
import collections
import email.parser
import email.policy
import json
import os
import re
import sys

DTAG = re.compile(r"(?:^|;)\s*d\s*=\s*([^;\s]+)")
SINK_REFUSED = re.compile(r"rcpt=<([^>]*)> reply=5")


def domain_of(addr):
    addr = addr.strip().strip("<>").lower()
    return addr.rpartition("@")[2] if "@" in addr else ""


def read_replies(paths):
    msgs = {}
    for p in paths:
        with open(p, encoding="utf-8", errors="replace") as f:
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if len(parts) < 8:
                    continue
                mid, sender, res, stage, code, ok, rej = parts[:7]
                msgs[mid] = {
                    "sdom": domain_of(sender), "result": res, "stage": stage, "code": code,
                    "ok": [] if ok == "-" else ok.split(","),
                    "rej": [] if rej == "-" else
                    [r.rpartition("=") for r in rej.split(",")],
                }
    return msgs


def read_sink(d):
    hp = email.parser.BytesHeaderParser(policy=email.policy.compat32)
    for name in sorted(os.listdir(d)):
        if not name.endswith(".eml"):
            continue
        with open(os.path.join(d, name), "rb") as f:
            data = f.read()
        head = data.split(b"\n\n", 1)[0].replace(b"\r\n", b"\n")
        yield name, hp.parsebytes(head + b"\n\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sink", required=True)
    ap.add_argument("--sink-log", required=True)
    ap.add_argument("--replies", nargs="+", required=True)
    ap.add_argument("--domain", action="append", default=[])
    ap.add_argument("--suppressed", action="append", default=[])
    ap.add_argument("--warm", default="")
    ap.add_argument("--status", action="append", default=[])
    ap.add_argument("--outcomes", action="append", default=[])
    a = ap.parse_args()

    owner = dict(x.lower().split("=", 1) for x in a.domain)
    members = sorted(set(owner.values()))
    supp = set(x.lower() for x in a.suppressed)
    out = collections.OrderedDict()
    diag = []

    msgs = read_replies(a.replies)
    for k in ("accepted", "tempfail", "rejected", "error"):
        out[k if k != "error" else "errors"] = sum(
            1 for m in msgs.values() if m["result"] == k)
    out["sent"] = len(msgs)
    out["eod_unknown"] = sum(1 for m in msgs.values()
                             if m["result"] == "error" and m["stage"] == "EOD")
    expected = set()
    accepted_bounce = collections.Counter()
    warm_accepted = 0
    mail_refused = 0
    supp_refused = 0
    for mid, m in msgs.items():
        if m["stage"] == "MAIL" and m["result"] == "rejected":
            mail_refused += 1
        for addr, _, code in m["rej"]:
            if addr.lower() in supp and code.startswith("5"):
                supp_refused += 1
        if m["result"] != "accepted":
            continue
        for r in m["ok"]:
            if r.lower().startswith("bounce"):
                accepted_bounce[mid] += 1
            else:
                expected.add((mid, r.lower()))
    out["expected_pairs"] = len(expected)

    pairs = collections.Counter()
    by_member_sink = collections.Counter()
    ndr = unsigned = unenrolled = warm_sink = supp_delivered = files = 0
    for name, h in read_sink(a.sink):
        files += 1
        sender = (h.get("X-Sink-Mail-From") or "").strip()
        if sender == "<>":
            ndr += 1
            continue
        sdom = domain_of(sender)
        fdom = domain_of(re.sub(r".*<", "<", h.get("From") or ""))
        mid = (h.get("Message-ID") or "").strip()
        rcpts = [r.strip().strip("<>").lower()
                 for r in h.get_all("X-Sink-Rcpt-To") or []]
        if sdom not in owner or fdom not in owner or owner[sdom] != owner[fdom]:
            unenrolled += 1
            diag.append("unenrolled: %s from %s / %s" % (name, sender, fdom))
        dset = set()
        for sig in h.get_all("DKIM-Signature") or []:
            m = DTAG.search(re.sub(r"\s+", "", sig))
            if m:
                dset.add(m.group(1).lower())
        if sdom not in dset:
            unsigned += 1
            diag.append("unsigned: %s d=%s" % (name, ",".join(dset)))
        for r in rcpts:
            pairs[(mid, r)] += 1
            if sdom == a.warm:
                warm_sink += 1
            if r in supp:
                supp_delivered += 1
                diag.append("suppressed delivered: %s %s" % (name, r))
            if sdom in owner:
                by_member_sink[owner[sdom]] += 1
    out["sink_files"] = files
    out["sink_pairs"] = sum(pairs.values())
    out["ndr"] = ndr
    missing = expected - set(pairs)
    out["missing"] = len(missing)
    for p in sorted(missing)[:10]:
        diag.append("missing: %s %s (%s)" % (p[0], p[1], msgs[p[0]]["code"]))
    dups = [p for p, n in pairs.items() if n > 1]
    out["duplicates"] = len(dups)
    for p in dups[:10]:
        diag.append("duplicate: %s %s x%d" % (p[0], p[1], pairs[p]))
    unexp = [p for p in pairs if p not in expected and not (
        p[0] in msgs and msgs[p[0]]["result"] == "error"
        and msgs[p[0]]["stage"] == "EOD")]
    out["unexpected"] = len(unexp)
    for p in unexp[:10]:
        diag.append("unexpected: %s %s %s" % (p[0], p[1],
                    msgs.get(p[0], {}).get("result", "unknown to clients")))
    out["unsigned"] = unsigned
    out["unenrolled"] = unenrolled
    out["warm_accepted"] = sum(
        len(m["ok"]) for m in msgs.values() if m["result"] == "accepted"
        and m["sdom"] == a.warm)
    out["warm_sink"] = warm_sink
    out["suppressed_refused"] = supp_refused
    out["suppressed_delivered"] = supp_delivered
    out["mail_refused"] = mail_refused
    with open(a.sink_log, encoding="utf-8", errors="replace") as f:
        out["sink_bounces"] = sum(1 for line in f if SINK_REFUSED.search(line))

    # the tracker's side, per member
    status = dict(x.split("=", 1) for x in a.status)
    outcomes = dict(x.split("=", 1) for x in a.outcomes)
    for mem in members:
        out["sink_sent_" + mem] = by_member_sink[mem]
        mids_of = set(mid for mid, m in msgs.items()
                      if m["result"] == "accepted"
                      and owner.get(m["sdom"]) == mem)
        out["accepted_bounce_" + mem] = sum(accepted_bounce[x]
                                            for x in mids_of)
        if mem in status:
            with open(status[mem]) as f:
                recs = json.load(f)
            sent = bounced = pending = orphans = 0
            seen = set()
            for r in recs:
                mid = r.get("message_id", "")
                seen.add(mid)
                m = msgs.get(mid, {})
                taken = m.get("result") == "accepted" or (
                    m.get("result") == "error" and m.get("stage") == "EOD")
                sts = [rc.get("status") for rc in r.get("recipients", [])]
                sent += sts.count("sent")
                bounced += sts.count("bounced")
                if taken:
                    pending += sum(1 for x in sts
                                   if x not in ("sent", "bounced"))
                elif not r.get("final") and all(x == "queued" for x in sts):
                    orphans += 1
                    diag.append("orphan record: %s %s (client: %s %s %s)" % (
                        r.get("queue_id"), mid, m.get("result"),
                        m.get("stage"), m.get("code")))
            out["tracker_sent_" + mem] = sent
            out["tracker_bounced_" + mem] = bounced
            out["tracker_pending_" + mem] = pending
            out["orphan_records_" + mem] = orphans
            out["status_missing_" + mem] = len(mids_of - seen)
            for x in sorted(mids_of - seen)[:5]:
                diag.append("no record: %s" % x)
        if mem in outcomes:
            s, _, b = outcomes[mem].partition(":")
            out["outcome_sent_" + mem] = int(s or 0)
            out["outcome_bounced_" + mem] = int(b or 0)
    for k, v in out.items():
        print("%s=%d" % (k, v))
    for d in diag[:40]:
        print("# " + d, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
