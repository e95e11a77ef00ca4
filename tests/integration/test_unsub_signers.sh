#!/bin/bash
# test_unsub_signers.sh - unsubscribe.complaint_signers: with the list
# set, relay-unsub -r takes a complaint report only when a DKIM signature
# of a listed domain (or one below it) verifies over the whole report, the
# key looked up at relay.conf's resolver (unbound here, as relayctl's
# checks ask it); an unsigned report, one signed by another domain, one
# altered after signing or signed over part of its body (l=) is ignored
# (exit 0, logged, nobody suppressed); with the resolver gone the report
# is deferred (exit 75) and taken when it is back. A list element that is
# not a domain is a relay.conf error. Reports are signed by python3-dkim,
# relay-unsub runs as Postfix's pipe would run it, report on stdin.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init unsub_signers
h_need redis-server unbound unbound-control openssl script
UNSUB=$H_BUILDDIR/policyd/relay-unsub
[[ -x $UNSUB ]] || h_bail "build policyd/relay-unsub first"
/usr/bin/python3 -c 'import dkim, nacl' 2>/dev/null ||
    h_skip_all "python3-dkim or python3-nacl missing"

# keys: fbl.test (listed) signs as s1, and as s1 for sub.fbl.test; the
# same key published for evil.test, which is not listed
openssl genrsa -out "$H_TMP/fbl.key" 2048 2>/dev/null
pub=$(openssl rsa -in "$H_TMP/fbl.key" -pubout -outform DER 2>/dev/null |
    base64 -w0)
txt() {	# txt NAME - a zone line, the key in 200-octet strings
	local s='' i
	for ((i = 0; i < ${#pub}; i += 200)); do
		s+=" \"${pub:i:200}\""
	done
	printf '%s 300 IN TXT "v=DKIM1; k=rsa; p="%s\n' "$1" "$s"
}
# and an Ed25519 key of fbl.test's as e1 (RFC 8463: the seed, base64,
# is what python3-dkim signs with; p= is the public key, base64)
read -r edseed edpub < <(/usr/bin/python3 -c '
import base64, nacl.signing
k = nacl.signing.SigningKey.generate()
print(base64.b64encode(bytes(k)).decode(),
      base64.b64encode(bytes(k.verify_key)).decode())')
printf '%s\n' "$edseed" >"$H_TMP/fbl.ed"
fz=$(h_zone_file fbl.test)
ez=$(h_zone_file evil.test)
{ txt s1._domainkey; txt s1._domainkey.sub
  printf 'e1._domainkey 300 IN TXT "v=DKIM1; k=ed25519; p=%s"\n' "$edpub"
} >>"$fz"
txt s1._domainkey >>"$ez"
h_start_unbound fbl.test "$fz" evil.test "$ez"
h_start_redis
FX_UNSUB='domain = "unsub.relay.test"; hmac_key = "test-hmac-key-0123456789abcdef0123456789"; complaint_signers = [ "FBL.test" ];'
FX_DNS="nameserver = \"127.0.0.1\"; port = $DNS_PORT; timeout_ms = 500;"
fx_conf
fx_member alice
for i in 1 2 3 4 5 6 7 8 9 10 11; do
	fx_message alice "4jSIG0000$((i + 10))" a@alice.test "r$i@rcpt.test" "<m$i@alice.test>"
done
reason() { fx_suppress_reason alice "$1"; }

# report N [OPTION...] - an ARF report about message N, on stdout:
# --sign D[/S] (DKIM-signed as d=D, s=S or s1; more than one: each signs,
# the last on top), --sel S (the selector instead of s1), --length (with
# l=), --sha1 (rsa-sha1), --ed25519 (ed25519-sha256: with --sign
# fbl.test/e1), --tamper (the body altered after signing),
# --append (text added after an l= signature)
report() {
	/usr/bin/python3 - "$H_TMP/fbl.key" "$H_TMP/fbl.ed" "$@" <<'PYEOF'
import sys, dkim
key = open(sys.argv[1], "rb").read()
edkey = open(sys.argv[2], "rb").read().strip()
n = sys.argv[3]
args = sys.argv[4:]
sign = []
sel = b"s1"
length = tamper = append = False
alg = b"rsa-sha256"
while args:
    a = args.pop(0)
    if a == "--sign":
        sign.append(args.pop(0))   # D, or D/SELECTOR
    elif a == "--sel":
        sel = args.pop(0).encode()
    elif a == "--length":
        length = True
    elif a == "--sha1":
        alg = b"rsa-sha1"
    elif a == "--ed25519":
        alg = b"ed25519-sha256"
    elif a == "--tamper":
        tamper = True
    elif a == "--append":
        append = True
msg = ("From: <staff@fbl.test>\r\n"
       "To: <fbl@unsub.relay.test>\r\n"
       "Subject: FW: m%s\r\n"
       "Date: Mon, 07 Dec 2026 10:00:00 +0000\r\n"
       "Message-ID: <report%s@fbl.test>\r\n"
       "MIME-Version: 1.0\r\n"
       "Content-Type: multipart/report; report-type=feedback-report;\r\n"
       " boundary=\"b1\"\r\n"
       "\r\n"
       "--b1\r\n"
       "Content-Type: text/plain\r\n"
       "\r\n"
       "This is an email abuse report.\r\n"
       "--b1\r\n"
       "Content-Type: message/feedback-report\r\n"
       "\r\n"
       "Feedback-Type: abuse\r\n"
       "User-Agent: fbl/1.0\r\n"
       "Version: 1\r\n"
       "Original-Rcpt-To: r%s@rcpt.test\r\n"
       "\r\n"
       "--b1\r\n"
       "Content-Type: text/rfc822-headers\r\n"
       "\r\n"
       "From: a@alice.test\r\n"
       "To: r%s@rcpt.test\r\n"
       "Subject: m%s\r\n"
       "Message-ID: <m%s@alice.test>\r\n"
       "\r\n"
       "--b1--\r\n") % (n, n, n, n, n, n)
msg = msg.encode()
for d in sign:
    d, _, s = d.partition("/")
    k = edkey if alg == b"ed25519-sha256" else key
    sig = dkim.sign(msg, s.encode() or sel, d.encode(), k, length=length,
                    signature_algorithm=alg,
                    include_headers=[b"from", b"to", b"subject", b"date",
                                     b"message-id", b"content-type"])
    msg = sig + msg
if tamper:
    msg = msg.replace(b"This is an email abuse report.",
                      b"This is an email abuse report!")
if append:
    msg += b"--b1--\r\nmore text after the signed part\r\n"
sys.stdout.buffer.write(msg.replace(b"\r\n", b"\n"))
PYEOF
}
# take N [OPTION...] - relay-unsub -r on report N; prints "RC: OUTPUT"
take() {
	local out rc=0
	out=$(report "$@" | "$UNSUB" -c "$FX_CONF" -r 2>>"$H_LOG/unsub.err") || rc=$?
	printf '%s: %s\n' "$rc" "$out"
}

h_like "signed by the listed domain (any case in relay.conf): taken" \
    "$(take 1 --sign fbl.test)" '^0: complaint report suppressed: '
h_is "...its recipient suppressed" "$(reason r1@rcpt.test)" complaint
h_like "unsigned: ignored, exit 0" "$(take 2)" \
    '^0: complaint report ignored: no DKIM signature \(unsubscribe\.complaint_signers is set\)$'
h_is "...nobody suppressed" "$(reason r2@rcpt.test)" ""
h_like "signed by a domain not listed (its key published): ignored" \
    "$(take 3 --sign evil.test)" \
    '^0: complaint report ignored: no DKIM signature of a complaint_signers domain \(1 of other domains\)$'
h_is "...nobody suppressed" "$(reason r3@rcpt.test)" ""
h_like "signed, then altered: ignored" "$(take 4 --sign fbl.test --tamper)" \
    '^0: complaint report ignored: the DKIM signature of a complaint_signers domain does not verify$'
h_is "...nobody suppressed" "$(reason r4@rcpt.test)" ""
h_like "signed rsa-sha1 by the listed domain: ignored (RFC 8301)" \
    "$(take 4 --sign fbl.test --sha1)" \
    '^0: complaint report ignored: the DKIM signature of a complaint_signers domain is rsa-sha1, which RFC 8301 forbids$'
h_is "...nobody suppressed" "$(reason r4@rcpt.test)" ""
h_like "signed ed25519-sha256 by the listed domain: taken (RFC 8463)" \
    "$(take 11 --sign fbl.test/e1 --ed25519)" \
    '^0: complaint report suppressed: '
h_is "...its recipient suppressed" "$(reason r11@rcpt.test)" complaint
h_like "signed by a domain below the listed one: taken" \
    "$(take 5 --sign sub.fbl.test)" '^0: complaint report suppressed: '
h_is "...its recipient suppressed" "$(reason r5@rcpt.test)" complaint
# (its log line goes to standard error when that is a terminal: script's pty)
report 6 --sign fbl.test --length >"$H_TMP/r6.eml"
out=$(script -qec "'$UNSUB' -c '$FX_CONF' -r <'$H_TMP/r6.eml'; echo rc=\$?" \
    /dev/null | tr -d '\r')
h_like "signed with l= over the whole body: taken" "$out" \
    '^complaint report suppressed: .*rc=0$'
h_like "...the signer logged" "$out" \
    'event=complaint result=suppressed .*signer=fbl\.test'
h_like "signed with l=, then more body: ignored" \
    "$(take 7 --sign fbl.test --length --append)" \
    '^0: complaint report ignored: the DKIM signature of a complaint_signers domain does not verify$'
h_is "...nobody suppressed" "$(reason r7@rcpt.test)" ""

h_like "signed by the listed domain with a selector it has no key at: ignored" \
    "$(take 9 --sign fbl.test --sel s9)" \
    '^0: complaint report ignored: the DKIM signature of a complaint_signers domain does not verify$'
h_like "...signed by another domain, and by the listed one: taken" \
    "$(take 9 --sign evil.test --sign fbl.test)" '^0: complaint report suppressed: '
h_is "...its recipient suppressed" "$(reason r9@rcpt.test)" complaint
h_like "ten signatures of the listed domain, the good one last: ignored (8 keys looked up, no more)" \
    "$(take 10 --sign fbl.test $(printf -- '--sign fbl.test/s9 %.0s' 1 2 3 4 5 6 7 8 9))" \
    '^0: complaint report ignored: the DKIM signature of a complaint_signers domain does not verify$'
h_like "...eight, the good one last: taken" \
    "$(take 10 --sign fbl.test $(printf -- '--sign fbl.test/s9 %.0s' 1 2 3 4 5 6 7))" \
    '^0: complaint report suppressed: '

h_stop_unbound
h_like "the resolver gone: deferred, exit 75" "$(take 8 --sign fbl.test)" \
    '^75: complaint report deferred: the DKIM key of a complaint_signers domain could not be looked up \(dns\)$'
h_is "...nobody suppressed yet" "$(reason r8@rcpt.test)" ""
h_start_unbound fbl.test "$fz" evil.test "$ez"
sed -i "s/port = [0-9]*;/port = $DNS_PORT;/" "$FX_CONF"
h_like "...the resolver back: taken" "$(take 8 --sign fbl.test)" \
    '^0: complaint report suppressed: '
h_is "...its recipient suppressed" "$(reason r8@rcpt.test)" complaint

# a list element that is not a domain: FILE:LINE and what is wrong; the
# report is deferred (Postfix tries again once relay.conf is mended)
sed -i 's/complaint_signers = \[ "FBL.test" \]/complaint_signers = [ "fbl.test", "not a domain" ]/' "$FX_CONF"
out=$(printf 'x\n' | "$UNSUB" -c "$FX_CONF" -r 2>&1); rc=$?
h_is "relay.conf: a signer that is not a domain: exit 75" "$rc" 75
h_like "...said with file and line" "$out" \
    "$FX_CONF:[0-9]+: unsubscribe\\.complaint_signers: element 2: not a domain name \\(got \"not a domain\"\\)"
h_done
