/*
 * NAME
 *	test_arf - the complaint report reader (policyd/arf.c, mime.c):
 *	ARF reports as providers send them, forwards, bounces that are not
 *	complaints, encodings, folding, redaction, damaged and hostile input
 * DESCRIPTION
 *	A table of whole messages with every field of struct arf expected,
 *	each run as written and, when marked, with "\r\n" line ends; then
 *	the limits (long lines, ARF_INPUT_MAX, ARF_DEPTH_MAX) and the why
 *	buffer. mime.c's decoders alone: test_mime.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arf.h"
#include "mime.h"
#include "crlf.h"

/* fields not checked by a case are given as NULL */
struct want {
	int		 rc;
	const char	*why;
	int		 is_arf;
	const char	*ftype;
	const char	*rcpt;
	int		 have;
	const char	*msgid;
	const char	*to;
	const char	*mailto;
	const char	*https;
};

struct tcase {
	const char	*name;
	const char	*msg;
	size_t		 len;		/* 0: strlen(msg) */
	int		 crlf;		/* also run with "\r\n" line ends */
	struct want	 w;
};

#define OK(arf, ft, rc, mid, to, mt, hs) \
	{ 0, "", arf, ft, rc, 1, mid, to, mt, hs }
#define ERR(why, arf, ft, rc) \
	{ -1, why, arf, ft, rc, 0, "", "", "", "" }

#define NOORIG	"no original message in the report"

/* A Yahoo-style report, as a complaint arrives (abridged signatures). */
static const char yahoo[] =
    "Return-Path: <feedback@arf.mail.yahoo.example>\n"
    "Received: from mta1.arf.mail.yahoo.example (98.136.0.1)\n"
    "\tby mx.relay.example with ESMTPS; Mon, 3 Mar 2025 10:00:02 +0000\n"
    "Date: Mon, 3 Mar 2025 10:00:00 +0000\n"
    "From: Yahoo! Mail AntiSpam Feedback <feedback@arf.mail.yahoo.example>\n"
    "Subject: FW: Spring sale\n"
    "To: complaints@relay.example\n"
    "Message-ID: <report.1709460000@arf.mail.yahoo.example>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/report; report-type=feedback-report;\n"
    "\tboundary=\"----=_Part_1234_5678.1709460000000\"\n"
    "\n"
    "------=_Part_1234_5678.1709460000000\n"
    "Content-Type: text/plain; charset=us-ascii\n"
    "Content-Transfer-Encoding: 7bit\n"
    "\n"
    "This is an email abuse report for an email message from\n"
    "relay.example on Mon, 3 Mar 2025 09:58:01 +0000\n"
    "\n"
    "------=_Part_1234_5678.1709460000000\n"
    "Content-Type: message/feedback-report\n"
    "\n"
    "Feedback-Type: abuse\n"
    "User-Agent: Yahoo!-Mail-Feedback/2.0\n"
    "Version: 0.1\n"
    "Original-Mail-From: <bounce+abc@relay.example>\n"
    "Original-Rcpt-To: <Jane.Doe@yahoo.example>\n"
    "Received-Date: Mon, 3 Mar 2025 09:58:01 +0000\n"
    "Reported-Domain: shop.example\n"
    "Authentication-Results: mta1000.mail.yahoo.example from=shop.example;\n"
    "  domainkeys=neutral (no sig); from=shop.example; dkim=pass (ok)\n"
    "\n"
    "------=_Part_1234_5678.1709460000000\n"
    "Content-Type: message/rfc822\n"
    "\n"
    "Received: from mail.relay.example (EHLO mail.relay.example) "
    "(192.0.2.10)\n"
    "  by mta1000.mail.yahoo.example with SMTPS; Mon, 03 Mar 2025 "
    "09:58:01 +0000\n"
    "DKIM-Signature: v=1; a=rsa-sha256; d=shop.example; s=s1;\n"
    "\th=from:to:subject; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;\n"
    "\tb=dGhpcyBpcyBub3QgYSByZWFsIHNpZ25hdHVyZQ==\n"
    "From: Shop <news@shop.example>\n"
    "To: jane.doe@yahoo.example\n"
    "Subject: Spring sale\n"
    "Message-ID: <20250303095800.ABC123@relay.example>\n"
    "List-Unsubscribe: <mailto:unsub+shop.k3j4h5g6f7d8s9a0@unsub.relay"
    ".example>,\n"
    " <https://unsub.relay.example/u/c2hvcABqYW5lQHlhaG9vLmNvbQ.Xy12_-ab>\n"
    "List-Unsubscribe-Post: List-Unsubscribe=One-Click\n"
    "Date: Mon, 3 Mar 2025 09:58:00 +0000\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain\n"
    "\n"
    "Hello Jane, spring is here.\n"
    "\n"
    "------=_Part_1234_5678.1709460000000--\n";

/* The original's header most cases use. */
#define ORIG_HEAD \
    "Received: from mail.relay.example (192.0.2.10)\n" \
    "\tby mx.provider.example; Mon, 3 Mar 2025 09:58:01 +0000\n" \
    "From: Shop <news@shop.example>\n" \
    "Subject: Spring sale\n" \
    "Message-ID: <m1.2025@relay.example>\n" \
    "List-Unsubscribe: <mailto:unsub+shop.Tok1@unsub.relay.example>\n"
#define ORIG	ORIG_HEAD "To: jane@provider.example\n"
#define MID	"<m1.2025@relay.example>"
#define MT	"unsub+shop.Tok1@unsub.relay.example"
#define JANE	"jane@provider.example"

#define FB(rcpt) "Feedback-Type: abuse\nUser-Agent: test/1.0\nVersion: 1\n" \
    "Original-Rcpt-To: " rcpt "\n"
#define FBPART(fb) "Content-Type: message/feedback-report\n\n" fb "\n"
#define RFC822(hdr) "Content-Type: message/rfc822\n\n" hdr "\nbody\n"
#define HDRS(hdr) "Content-Type: text/rfc822-headers\n\n" hdr

/* An ARF report: param is the boundary as written, b as it is. */
#define ARF2(param, b, fbpart, third) \
    "From: fbl@provider.example\n" \
    "To: complaints@relay.example\n" \
    "MIME-Version: 1.0\n" \
    "Content-Type: multipart/report; report-type=feedback-report;\n" \
    "\tboundary=" param "\n" \
    "\n" \
    "This is a MIME message.\n" \
    "--" b "\n" \
    "Content-Type: text/plain\n" \
    "\n" \
    "An abuse report.\n" \
    "--" b "\n" \
    fbpart \
    "--" b "\n" \
    third \
    "\n--" b "--\n" \
    "epilogue\n"
#define ARF(b, fb, third)	ARF2("\"" b "\"", b, FBPART(fb), third)
#define ARFO(hdr)		ARF("b1", FB("jane@provider.example"), \
    RFC822(hdr))

static const char b64_orig[] =
    "UmVjZWl2ZWQ6IGZyb20gbWFpbC5yZWxheS5leGFtcGxlICgxOTIuMC4yLjEwKQpGcm9t"
    "OiBTaG9w\n"
    "IDxuZXdzQHNob3AuZXhhbXBsZT4KVG86ICJCb2IiIDxCb2JASG90bWFpbC5FeGFtcGxl"
    "PgpTdWJq\n"
    "ZWN0OiBXZWVrbHkgZGVhbHMKTWVzc2FnZS1JRDogPGI2NC40MkByZWxheS5leGFtcGxl"
    "PgpMaXN0\n"
    "LVVuc3Vic2NyaWJlOiA8bWFpbHRvOnVuc3ViK3Nob3AuYjY0dG9rQHVuc3ViLnJlbGF5"
    "LmV4YW1w\n"
    "bGU+CgpIZWxsbyBCb2IK\n";

static const char nul_msg[] =
    "Content-Type: multipart/mixed; boundary=nb\n"
    "\n"
    "--nb\n"
    "Content-Type: text/plain\n"
    "\n"
    "bin\0ary\0\n"
    "--nb\n"
    "Content-Type: message/rfc822\n"
    "\n"
    "Subject: a\0b\n"
    "To: jane@provider.example\0\n"
    "Message-ID: <nul.1@relay.example>\n"
    "\n"
    "\0\0\0\n"
    "--nb--\n";

static const struct tcase cases[] = {
	{ "yahoo report, message/rfc822 original", yahoo, 0, 1,
	  OK(1, "abuse", "jane.doe@yahoo.example",
	  "<20250303095800.ABC123@relay.example>", "jane.doe@yahoo.example",
	  "unsub+shop.k3j4h5g6f7d8s9a0@unsub.relay.example",
	  "https://unsub.relay.example/u/"
	  "c2hvcABqYW5lQHlhaG9vLmNvbQ.Xy12_-ab") },
	{ "text/rfc822-headers original, rfc822; prefix, upper case type",
	  ARF("=_aol_1", "Feedback-Type: Abuse\nOriginal-Rcpt-To: rfc822; "
	  "Jane.Doe@AOL.example\nOriginal-Rcpt-To: other@aol.example\n",
	  HDRS(ORIG_HEAD "To: Jane Doe <Jane.Doe@aol.example>\n")), 0, 1,
	  OK(1, "abuse", "jane.doe@aol.example", MID, "jane.doe@aol.example",
	  MT, "") },
	{ "base64 original",
	  ARF("b64", FB("bob@hotmail.example"),
	  "Content-Type: message/rfc822\n"
	  "Content-Transfer-Encoding: BASE64\n\n" "%B64%"), 0, 1,
	  OK(1, "abuse", "bob@hotmail.example", "<b64.42@relay.example>",
	  "bob@hotmail.example", "unsub+shop.b64tok@unsub.relay.example",
	  "") },
	{ "quoted-printable headers, soft breaks and a real fold",
	  ARF("qp", FB("jane@provider.example"),
	  "Content-Type: text/rfc822-headers\n"
	  "Content-Transfer-Encoding: quoted-printable\n\n"
	  "Message-ID: <qp=3D7@relay.=  \nexample>\n"
	  "To: jane@provider.example\n"
	  "List-Unsubscribe: <https://unsub.relay.exa=\nmple/u?t=3DAbC&x=3D1>"
	  ",\n\t<mailto:unsub+shop.QpTok@unsub.relay.example>\n"), 0, 1,
	  OK(1, "abuse", JANE, "<qp=7@relay.example>", JANE,
	  "unsub+shop.QpTok@unsub.relay.example",
	  "https://unsub.relay.example/u?t=AbC&x=1") },
	{ "quoted boundary with special characters",
	  ARF("=_a'()+_,-./:=? b", FB(JANE), RFC822(ORIG)), 0, 1,
	  OK(1, "abuse", JANE, MID, JANE, MT, "") },
	{ "quoted boundary with a quoted pair",
	  ARF2("\"x\\\"y\" ; x=1", "x\"y", FBPART(FB(JANE)), RFC822(ORIG)),
	  0, 0, OK(1, "abuse", JANE, MID, JANE, MT, "") },
	{ "unquoted boundary with '=', delimiters with trailing blanks "
	  "(so the close line is none)",
	  ARF2("----=_Part_9 (c)", "----=_Part_9 \t", FBPART(FB(JANE)),
	  RFC822(ORIG)), 0, 1, OK(1, "abuse", JANE, MID, JANE, MT, "") },
	{ "Content-Type in odd case, comments, quoted report-type",
	  "Content-Type: Multipart/Report (x) ; Report-Type=\"Feedback-"
	  "Report\";\n boundary=bb;\n\n--bb\n" FBPART(FB(JANE))
	  "--bb\n" RFC822(ORIG) "--bb--\n", 0, 1,
	  OK(1, "abuse", JANE, MID, JANE, MT, "") },
	{ "a second List-Unsubscribe field is ignored",
	  ARFO(ORIG_HEAD "To: jane@provider.example\n"
	  "List-Unsubscribe: <https://unsub.relay.example/u/AbC.dEf>,\n"
	  "\t<mailto:unsub+shop.Tok2@unsub.relay.example>\n"
	  "X: y\n"), 0, 1,
	  OK(1, "abuse", JANE, MID, JANE, MT, "") },
	{ "folded List-Unsubscribe, https first, comments",
	  ARFO("To: jane@provider.example\n"
	  "List-Unsubscribe: (one) <https://unsub.relay.example/u/AbC.dEf>"
	  ",\n\t<mailto:unsub+shop.Tok2@unsub.relay.example> (two)\n"
	  "List-Unsubscribe: <mailto:second@relay.example>\n"), 0, 1,
	  OK(1, "abuse", JANE, "", JANE,
	  "unsub+shop.Tok2@unsub.relay.example",
	  "https://unsub.relay.example/u/AbC.dEf") },
	{ "List-Unsubscribe schemes in upper case, folded, comment",
	  ARFO("list-unsubscribe:(unsubscribe)<MAILTO:unsub+shop.Tok3@"
	  "unsub.relay.example>,\n <HTTPS://unsub.relay.example/u/x>,"
	  "<https://second.example/>\n"), 0, 1,
	  OK(1, "abuse", JANE, "", "", "unsub+shop.Tok3@unsub.relay.example",
	  "HTTPS://unsub.relay.example/u/x") },
	{ "mailto with ?subject= and %2B, case kept",
	  ARFO("List-Unsubscribe: <mailto:unsub%2BShop.MiXeD@Unsub.Relay"
	  ".Example?subject=unsubscribe&body=stop%20it>\n"), 0, 1,
	  OK(1, "abuse", JANE, "", "", "unsub+Shop.MiXeD@Unsub.Relay.Example",
	  "") },
	{ "mailto list, bad escapes and non-addresses are skipped",
	  ARFO("List-Unsubscribe: <mailto:?subject=x>, <mailto:a%zz@b.example>"
	  ", <mailto:x%40>, <mailto:%00a@b.example>, <mailto:a%20b@c.example>"
	  ", <ftp://x.example/>, garbage, <mailto:ok@list.example,"
	  "other@list.example>, <http://plain.example/>\n"), 0, 1,
	  OK(1, "abuse", JANE, "", "", "ok@list.example", "") },
	{ "only a whole https:// URI of printable ASCII counts",
	  ARFO("List-Unsubscribe: <https://>, <http://a.example/>, <https:x>"
	  ", <https://b.example/\x80>, <https://ok.example/u?a=b>\n"), 0, 1,
	  OK(1, "abuse", JANE, "", "", "", "https://ok.example/u?a=b") },
	{ "a fold inside a URI is white space to ignore",
	  ARFO("List-Unsubscribe: <https://unsub.relay.example/u/\n"
	  " averylongtoken>, < mailto:unsub+t@u.example >\n"), 0, 1,
	  OK(1, "abuse", JANE, "", "", "unsub+t@u.example",
	  "https://unsub.relay.example/u/averylongtoken") },
	{ "control character in List-Unsubscribe",
	  ARFO("List-Unsubscribe: <mailto:unsub+t@u.example>, \001"
	  "<https://x.example/>\n" "To: jane@provider.example\n"), 0, 1,
	  OK(1, "abuse", JANE, "", JANE, "", "") },
	{ "unterminated URI",
	  ARFO("List-Unsubscribe: <https://x.example/a, <mailto:a@b.example\n"),
	  0, 1, OK(1, "abuse", JANE, "", "", "", "") },
	{ "redacted To and Original-Rcpt-To",
	  ARF("r1", FB("xxxxx"),
	  RFC822(ORIG_HEAD "To: redacted\n")), 0, 1,
	  OK(1, "abuse", "", MID, "", MT, "") },
	{ "redacted as addresses with x's",
	  ARF("r2", FB("rfc822;redacted@provider.example"),
	  RFC822(ORIG_HEAD "To: <xxxxxxxx@provider.example>\n")), 0, 1,
	  OK(1, "abuse", "", MID, "", MT, "") },
	{ "redacted domain, starred local part",
	  ARF("r3", FB("jane@xxxxx.xxx"),
	  RFC822(ORIG_HEAD "To: ***.***@provider.example\n")), 0, 0,
	  OK(1, "abuse", "", MID, "", MT, "") },
	{ "short x addresses are not redactions",
	  ARF("r4", FB("x@x-ray.example"),
	  RFC822(ORIG_HEAD "To: xx@provider.example\n")), 0, 0,
	  OK(1, "abuse", "x@x-ray.example", MID, "xx@provider.example", MT,
	  "") },
	{ "two To addresses",
	  ARFO(ORIG_HEAD "To: jane@provider.example, joe@provider.example\n"),
	  0, 1, OK(1, "abuse", JANE, MID, "", MT, "") },
	{ "undisclosed recipients group",
	  ARFO(ORIG_HEAD "To: undisclosed-recipients:;\n"), 0, 1,
	  OK(1, "abuse", JANE, MID, "", MT, "") },
	{ "To folded with display name and comment",
	  ARFO("To: \"Doe, Jane\"\n (home)\n\t<Jane@Provider.Example>\n"), 0, 1,
	  OK(1, "abuse", JANE, "", JANE, "", "") },
	{ "missing Message-ID",
	  ARFO("To: jane@provider.example\n"), 0, 1,
	  OK(1, "abuse", JANE, "", JANE, "", "") },
	{ "Message-ID with comments, folded",
	  ARFO("Message-ID: (id)\n <a.b@c.example> (trailing)\n"), 0, 1,
	  OK(1, "abuse", JANE, "<a.b@c.example>", "", "", "") },
	{ "Message-ID without brackets",
	  ARFO("Message-ID: a.b@c.example\n"), 0, 1,
	  OK(1, "abuse", JANE, "", "", "", "") },
	{ "Message-ID with a space inside",
	  ARFO("Message-ID: <a b@c.example>\n"), 0, 1,
	  OK(1, "abuse", JANE, "", "", "", "") },
	{ "Message-ID empty; a second field is ignored",
	  ARFO("Message-ID: <>\nMessage-ID: <x@y>\n"), 0, 1,
	  OK(1, "abuse", JANE, "", "", "", "") },
	{ "non-ARF forward with an attached message/rfc822",
	  "From: abuse-desk@isp.example\n"
	  "Subject: Fwd: spam\n"
	  "Content-Type: multipart/mixed; boundary=\"fwd\"\n"
	  "\n"
	  "--fwd\n"
	  "Content-Type: text/plain\n"
	  "\n"
	  "We received a complaint about the attached message.\n"
	  "--fwd\n"
	  "Content-Type: message/rfc822; name=\"spam.eml\"\n"
	  "Content-Disposition: attachment\n"
	  "\n" ORIG "\nbody\n"
	  "--fwd--\n", 0, 1,
	  OK(0, "", "", MID, JANE, MT, "") },
	{ "top-level message/rfc822",
	  "Content-Type: message/rfc822\n\n" ORIG, 0, 1,
	  OK(0, "", "", MID, JANE, MT, "") },
	{ "multipart/digest: a part without Content-Type is a message",
	  "Content-Type: multipart/digest; boundary=d\n\n--d\n\n" ORIG
	  "\n--d--\n", 0, 1, OK(0, "", "", MID, JANE, MT, "") },
	{ "delivery status report is not a complaint",
	  "From: MAILER-DAEMON@mx.provider.example\n"
	  "Content-Type: multipart/report; report-type=delivery-status;\n"
	  "\tboundary=\"dsn\"\n\n"
	  "--dsn\nContent-Type: text/plain\n\nUndeliverable.\n"
	  "--dsn\nContent-Type: message/delivery-status\n\n"
	  "Reporting-MTA: dns; mx.provider.example\n\n"
	  "Final-Recipient: rfc822; jane@provider.example\nAction: failed\n"
	  "--dsn\n" RFC822(ORIG) "--dsn--\n", 0, 1,
	  ERR("a delivery status report, not a complaint", 0, "", "") },
	{ "disposition notification is not a complaint",
	  "Content-Type: multipart/report; report-type=disposition-"
	  "notification; boundary=m\n\n--m\n" RFC822(ORIG) "--m--\n", 0, 0,
	  ERR("a read receipt (disposition notification), not a complaint",
	  0, "", "") },
	{ "report without report-type and without feedback part",
	  "Content-Type: multipart/report; boundary=m\n\n--m\n" RFC822(ORIG)
	  "--m--\n", 0, 0,
	  ERR("a multipart/report other than a feedback report, not a "
	  "complaint", 0, "", "") },
	{ "report without report-type but with a feedback part",
	  "Content-Type: multipart/report; boundary=m\n\n--m\n"
	  FBPART("Feedback-Type: fraud\n") "--m\n" RFC822(ORIG) "--m--\n",
	  0, 0, OK(1, "fraud", "", MID, JANE, MT, "") },
	{ "plain message without attachment",
	  "From: someone@isp.example\nSubject: stop\n\n" ORIG, 0, 1,
	  ERR(NOORIG, 0, "", "") },
	{ "nested multipart/mixed containing the report",
	  "Content-Type: multipart/mixed; boundary=outer\n\n"
	  "--outer\nContent-Type: text/plain\n\nforwarded report\n"
	  "--outer\nContent-Type: multipart/alternative; boundary=alt\n\n"
	  "--alt\nContent-Type: text/plain\n\nx\n--alt--\n"
	  "--outer\n"
	  "Content-Type: multipart/report; report-type=feedback-report;\n"
	  " boundary=inner\n\n"
	  "--inner\n" FBPART(FB("rfc822;<Jane@Provider.example>"))
	  "--inner\n" RFC822(ORIG) "--inner--\n"
	  "--outer\n" RFC822("Message-ID: <later@x.example>\n")
	  "--outer--\n", 0, 1, OK(1, "abuse", JANE, MID, JANE, MT, "") },
	{ "feedback part after the original, base64 feedback part",
	  "Content-Type: multipart/report; report-type=feedback-report; "
	  "boundary=z\n\n--z\n" RFC822(ORIG) "--z\n"
	  "Content-Type: message/feedback-report\n"
	  "Content-Transfer-Encoding: base64\n\n"
	  "RmVlZGJhY2stVHlwZTogbm90LXNwYW0KT3JpZ2luYWwtUmNwdC1UbzogamFuZUBw\n"
	  "cm92aWRlci5leGFtcGxlCg==\n--z--\n", 0, 1,
	  OK(1, "not-spam", JANE, MID, JANE, MT, "") },
	{ "a second feedback part is ignored",
	  "Content-Type: multipart/report; report-type=feedback-report; "
	  "boundary=z\n\n--z\n" FBPART(FB(JANE)) "--z\n"
	  FBPART("Feedback-Type: fraud\nOriginal-Rcpt-To: x@y.example\n")
	  "--z\n" RFC822(ORIG) "--z--\n", 0, 1,
	  OK(1, "abuse", JANE, MID, JANE, MT, "") },
	{ "a headers part that ends at the delimiter",
	  "Content-Type: multipart/mixed; boundary=h\n\n--h\n"
	  "Content-Type: text/rfc822-headers\n\n\n"
	  "To: jane@provider.example\n--h--\n", 0, 1,
	  OK(0, "", "", "", JANE, "", "") },
	{ "the epilogue after the close delimiter is ignored",
	  "Content-Type: multipart/mixed; boundary=m\n\n--m\n"
	  "Content-Type: text/plain\n\nx\n--m--  \n"
	  "--m\n" RFC822(ORIG), 0, 1, ERR(NOORIG, 0, "", "") },
	{ "feedback report without the original",
	  ARF2("f", "f", FBPART(FB(JANE)), "Content-Type: text/plain\n\nx\n"),
	  0, 1, ERR(NOORIG, 1, "abuse", JANE) },
	{ "missing close delimiter (truncated input)",
	  "Content-Type: multipart/report; report-type=feedback-report; "
	  "boundary=t\n\n--t\n" FBPART(FB(JANE)) "--t\n"
	  "Content-Type: message/rfc822\n\n" ORIG "\nthe body is cut he",
	  0, 1, OK(1, "abuse", JANE, MID, JANE, MT, "") },
	{ "truncated inside the original's header",
	  "Content-Type: multipart/report; report-type=feedback-report; "
	  "boundary=t\n\n--t\n" FBPART(FB(JANE)) "--t\n"
	  "Content-Type: message/rfc822\n\nMessage-ID: <cut@x.example>\n"
	  "To: jane@provider.exa", 0, 1,
	  OK(1, "abuse", JANE, "<cut@x.example>", "jane@provider.exa", "",
	  "") },
	{ "a boundary that never occurs",
	  "Content-Type: multipart/mixed; boundary=\"never\"\n\n"
	  "--other\n" RFC822(ORIG) "--other--\n", 0, 1,
	  ERR(NOORIG, 0, "", "") },
	{ "a boundary only as a prefix of lines",
	  "Content-Type: multipart/mixed; boundary=ab\n\n"
	  "--abc\n" RFC822(ORIG) "--ab-\n", 0, 1, ERR(NOORIG, 0, "", "") },
	{ "multipart without boundary",
	  "Content-Type: multipart/mixed\n\n--\n" RFC822(ORIG), 0, 0,
	  ERR(NOORIG, 0, "", "") },
	{ "unparseable Content-Type is text/plain",
	  "Content-Type: multipart\n\n--b\n" RFC822(ORIG), 0, 0,
	  ERR(NOORIG, 0, "", "") },
	{ "of two Content-Type fields the first counts",
	  "Content-Type: text/plain\nContent-Type: message/rfc822\n\n" ORIG,
	  0, 0, ERR(NOORIG, 0, "", "") },
	{ "empty input", "", 0, 0, ERR("the report is empty", 0, "", "") },
	{ "only an empty line", "\n", 0, 1, ERR(NOORIG, 0, "", "") },
	{ "NUL bytes in the input", nul_msg, sizeof(nul_msg) - 1, 1,
	  OK(0, "", "", "<nul.1@relay.example>", "", "", "") },
	{ "mbox From line and a header without empty line",
	  "From fbl@provider.example Mon Mar  3 10:00:00 2025\n"
	  "Content-Type: message/rfc822\n\n"
	  "From news@shop.example Mon Mar  3 09:58:00 2025\n"
	  ">From: x\n" "  continuation of nothing\n" ORIG, 0, 1,
	  OK(0, "", "", MID, JANE, MT, "") },
	{ "empty original part counts as found",
	  "Content-Type: multipart/mixed; boundary=e\n\n--e\n"
	  "Content-Type: message/rfc822\n\n--e--\n", 0, 1,
	  OK(0, "", "", "", "", "", "") },
	{ "Feedback-Type that is not a token, long Original-Rcpt-To junk",
	  ARF("g", "Feedback-Type: abuse; x\nOriginal-Rcpt-To: rfc822; "
	  "not an address\n", RFC822(ORIG)), 0, 1,
	  OK(1, "", "", MID, JANE, MT, "") },
	{ "Feedback-Type too long",
	  ARF("g", "Feedback-Type: abcdefghijklmnopqrstuvwxyz012345\n",
	  RFC822(ORIG)), 0, 0, OK(1, "", "", MID, JANE, MT, "") },
	{ "Feedback-Type of 31 octets",
	  ARF("g", "Feedback-Type: abcdefghijklmnopqrstuvwxyz01234\n",
	  RFC822(ORIG)), 0, 0,
	  OK(1, "abcdefghijklmnopqrstuvwxyz01234", "", MID, JANE, MT, "") },
};

/* expand - the case's message, "%B64%" replaced by the base64 original */
static char *
expand(const struct tcase *c, size_t *n)
{
	const char	*at;
	char		*m;
	size_t		 len = c->len ? c->len : strlen(c->msg), pre;

	if (c->len == 0 && (at = strstr(c->msg, "%B64%")) != NULL) {
		pre = (size_t)(at - c->msg);
		*n = len - 5 + strlen(b64_orig);
		m = malloc(*n + 1);
		assert_non_null(m);
		memcpy(m, c->msg, pre);
		memcpy(m + pre, b64_orig, strlen(b64_orig));
		memcpy(m + pre + strlen(b64_orig), at + 5, len - pre - 5 + 1);
		return m;
	}
	m = malloc(len + 1);
	assert_non_null(m);
	memcpy(m, c->msg, len);
	m[len] = '\0';
	*n = len;
	return m;
}

#define SAME(field, w) \
	((w) == NULL || strcmp(a.field, (w)) == 0)

/* run - one message against what is wanted */
static void
run(const char *name, const char *msg, size_t len, const struct want *w)
{
	struct arf	 a;
	char		 why[256];
	int		 rc;

	memset(&a, 0x5a, sizeof(a));
	rc = arf_parse(msg, len, &a, why, sizeof(why));
	if (rc != w->rc || strcmp(why, w->why) != 0 || a.is_arf != w->is_arf ||
	    a.have_original != w->have || !SAME(feedback_type, w->ftype) ||
	    !SAME(original_rcpt, w->rcpt) || !SAME(message_id, w->msgid) ||
	    !SAME(to, w->to) || !SAME(unsub_mailto, w->mailto) ||
	    !SAME(unsub_https, w->https))
		fail_msg("%s: rc %d why '%s' is_arf %d ftype '%s' rcpt '%s' "
		    "have %d msgid '%s' to '%s' mailto '%s' https '%s'", name,
		    rc, why, a.is_arf, a.feedback_type, a.original_rcpt,
		    a.have_original, a.message_id, a.to, a.unsub_mailto,
		    a.unsub_https);
}

static void
reports_give_their_fields(void **state)
{
	size_t	 i, n, cn;
	char	*m, *c;
	char	 name[300];

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		m = expand(&cases[i], &n);
		run(cases[i].name, m, n, &cases[i].w);
		if (cases[i].crlf) {
			c = crlf(m, n, &cn);
			snprintf(name, sizeof(name), "%s (CRLF)",
			    cases[i].name);
			run(name, c, cn, &cases[i].w);
			free(c);
		}
		free(m);
	}
}

/* build - a report whose original's header holds hdr (heap) */
static char *
build(const char *hdr, size_t *n)
{
	static const char head[] = "Content-Type: multipart/report; "
	    "report-type=feedback-report; boundary=L\n\n--L\n"
	    "Content-Type: message/feedback-report\n\nFeedback-Type: abuse\n"
	    "\n--L\nContent-Type: message/rfc822\n\n";
	static const char tail[] = "\nbody\n--L--\n";
	char	*m;

	*n = strlen(head) + strlen(hdr) + strlen(tail);
	m = malloc(*n + 1);
	assert_non_null(m);
	snprintf(m, *n + 1, "%s%s%s", head, hdr, tail);
	return m;
}

/* fill - a heap string: pre, k copies of c, post */
static char *
fill(const char *pre, size_t k, char c, const char *post)
{
	size_t	 a = strlen(pre), b = strlen(post);
	char	*s = malloc(a + k + b + 1);

	assert_non_null(s);
	memcpy(s, pre, a);
	memset(s + a, c, k);
	memcpy(s + a + k, post, b + 1);
	return s;
}

static void
long_header_lines(void **state)
{
	static const struct {
		const char	*pre;
		size_t		 k;
		const char	*post;
		const char	*msgid, *to, *https, *mailto;
	} lc[] = {
		/* 998 octets with the brackets: kept; 999: too long */
		{ "Message-ID: <", ARF_MSGID_MAX - 16, "@relay.example>\n",
		  "*", "", "", "" },
		{ "Message-ID: <", ARF_MSGID_MAX - 15, "@relay.example>\n",
		  "", "", "", "" },
		/* an https URI of ARF_URI_MAX octets and one more */
		{ "List-Unsubscribe: <https://u.example/", ARF_URI_MAX - 18,
		  ">\n", "", "", "*", "" },
		{ "List-Unsubscribe: <https://u.example/", ARF_URI_MAX - 17,
		  ">\n", "", "", "", "" },
		/* a mailto address of ADDR_MAX octets; one more: the next */
		{ "List-Unsubscribe: <mailto:", ADDR_MAX - 10,
		  "@x.example?subject=a>\n", "", "", "", "*" },
		{ "List-Unsubscribe: <mailto:", ADDR_MAX - 9,
		  "@x.example>, <mailto:y@x.example>\n", "", "", "",
		  "y@x.example" },
		/* a 300 KB Subject and To */
		{ "Subject: ", 300 * 1024, "\nTo: jane@provider.example\n", "",
		  JANE, "", "" },
		{ "To: jane@provider.example (", 300 * 1024, ")\n", "", "",
		  "", "" },
		{ "X-Folded: a", 100 * 1024, "\n\t\n \nTo: j@p.example\n", "",
		  "j@p.example", "", "" },
	};
	struct arf	 a;
	char		 why[128], *h, *m;
	const char	*want;
	size_t		 i, n;

	(void)state;
	for (i = 0; i < sizeof(lc) / sizeof(lc[0]); i++) {
		h = fill(lc[i].pre, lc[i].k, 'a', lc[i].post);
		m = build(h, &n);
		assert_int_equal(arf_parse(m, n, &a, why, sizeof(why)), 0);
		assert_int_equal(a.have_original, 1);
		/* "*": the value as written in the header, without < > */
		want = lc[i].msgid;
		if (strcmp(want, "*") == 0)
			assert_int_equal(strlen(a.message_id), ARF_MSGID_MAX);
		else
			assert_string_equal(a.message_id, want);
		assert_string_equal(a.to, lc[i].to);
		if (strcmp(lc[i].https, "*") == 0)
			assert_int_equal(strlen(a.unsub_https), ARF_URI_MAX);
		else
			assert_string_equal(a.unsub_https, lc[i].https);
		if (strcmp(lc[i].mailto, "*") == 0)
			assert_int_equal(strlen(a.unsub_mailto), ADDR_MAX);
		else
			assert_string_equal(a.unsub_mailto, lc[i].mailto);
		free(m);
		free(h);
	}
}

/* A boundary of MIME_BOUNDARY_MAX octets works; a longer one is none. */
static void
long_boundary(void **state)
{
	char		 b[MIME_BOUNDARY_MAX + 2], m[1024], why[128];
	struct arf	 a;
	int		 n, len;

	(void)state;
	for (len = MIME_BOUNDARY_MAX; len <= MIME_BOUNDARY_MAX + 1; len++) {
		memset(b, 'b', (size_t)len);
		b[len] = '\0';
		n = snprintf(m, sizeof(m), "Content-Type: multipart/mixed; "
		    "boundary=\"%s\"\n\n--%s\nContent-Type: message/rfc822"
		    "\n\nTo: j@p.example\n", b, b);
		assert_true(n > 0 && (size_t)n < sizeof(m));
		assert_int_equal(arf_parse(m, (size_t)n, &a, why, sizeof(why)),
		    len == MIME_BOUNDARY_MAX ? 0 : -1);
		assert_string_equal(a.to, len == MIME_BOUNDARY_MAX ?
		    "j@p.example" : "");
	}
}

/* Only the first ARF_INPUT_MAX bytes count. */
static void
input_limit(void **state)
{
	static const char head[] = "Content-Type: multipart/mixed; "
	    "boundary=q\n\n";
	static const char part[] = "--q\nContent-Type: message/rfc822\n\n"
	    "Message-ID: <big@x.example>\n\n";
	size_t	 n = ARF_INPUT_MAX + 4096, hl = strlen(head);
	char	*m = malloc(n), why[128];
	struct arf a;

	(void)state;
	assert_non_null(m);
	memset(m, 'x', n);
	memcpy(m, head, hl);
	memcpy(m + hl, part, strlen(part));
	assert_int_equal(arf_parse(m, n, &a, why, sizeof(why)), 0);
	assert_string_equal(a.message_id, "<big@x.example>");

	/* the part's header is cut by the limit: as if it were not there */
	memset(m, '\n', n);
	memcpy(m, head, hl);
	memcpy(m + ARF_INPUT_MAX - 10, part, strlen(part));
	assert_int_equal(arf_parse(m, n, &a, why, sizeof(why)), -1);
	assert_string_equal(why, NOORIG);
	/* and the same bytes up to the limit only find it */
	assert_int_equal(arf_parse(m + ARF_INPUT_MAX - 10 - hl - 1,
	    hl + 1 + strlen(part), &a, why, sizeof(why)), -1);
	memcpy(m + ARF_INPUT_MAX - 10 - hl - 1, head, hl);
	assert_int_equal(arf_parse(m + ARF_INPUT_MAX - 10 - hl - 1,
	    hl + 1 + strlen(part), &a, why, sizeof(why)), 0);
	assert_string_equal(a.message_id, "<big@x.example>");
	free(m);
}

/* Multipart levels deeper than ARF_DEPTH_MAX are not opened. */
static void
depth_limit(void **state)
{
	char		 m[8192], why[128];
	struct arf	 a;
	size_t		 levels, i, o;

	(void)state;
	for (levels = ARF_DEPTH_MAX; levels <= ARF_DEPTH_MAX + 1; levels++) {
		o = 0;
		for (i = 0; i < levels; i++)
			o += (size_t)snprintf(m + o, sizeof(m) - o,
			    "Content-Type: multipart/mixed; boundary=l%zu\n"
			    "\n--l%zu\n", i, i);
		o += (size_t)snprintf(m + o, sizeof(m) - o,
		    "Content-Type: message/rfc822\n\nTo: j@p.example\n\n");
		for (i = levels; i-- > 0;)
			o += (size_t)snprintf(m + o, sizeof(m) - o,
			    "--l%zu--\n", i);
		if (levels == ARF_DEPTH_MAX) {
			assert_int_equal(arf_parse(m, o, &a, why, sizeof(why)),
			    0);
			assert_string_equal(a.to, "j@p.example");
		} else {
			assert_int_equal(arf_parse(m, o, &a, why, sizeof(why)),
			    -1);
			assert_string_equal(why, NOORIG);
		}
	}
}

/* why may be NULL or short; the struct is cleared even then. */
static void
why_buffer_and_cleared_struct(void **state)
{
	struct arf	 a;
	char		 why[8];

	(void)state;
	memset(&a, 0x5a, sizeof(a));
	assert_int_equal(arf_parse(NULL, 5, &a, NULL, 0), -1);
	assert_int_equal(a.is_arf, 0);
	assert_int_equal(a.have_original, 0);
	assert_string_equal(a.feedback_type, "");
	assert_string_equal(a.original_rcpt, "");
	assert_string_equal(a.message_id, "");
	assert_string_equal(a.to, "");
	assert_string_equal(a.unsub_mailto, "");
	assert_string_equal(a.unsub_https, "");
	memset(why, 'x', sizeof(why));
	assert_int_equal(arf_parse("x", 1, &a, why, sizeof(why)), -1);
	assert_string_equal(why, "no orig");
	memset(why, 'x', sizeof(why));
	assert_int_equal(arf_parse("x", 1, &a, why, 1), -1);
	assert_int_equal(why[0], '\0');
	assert_int_equal(why[1], 'x');
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reports_give_their_fields),
		cmocka_unit_test(long_header_lines),
		cmocka_unit_test(long_boundary),
		cmocka_unit_test(input_limit),
		cmocka_unit_test(depth_limit),
		cmocka_unit_test(why_buffer_and_cleared_struct),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
