/*
 * NAME
 *	test_dsn - the bounce reader (policyd/dsn.c): delivery status
 *	notifications as Postfix and Exchange write them, several
 *	recipients, successes, RFC 6533 ones, reports that are not bounces,
 *	encodings, damaged and truncated input
 * DESCRIPTION
 *	A table of whole messages with struct dsn expected (the first two
 *	recipient groups field by field), each run as written and, when
 *	marked, with "\r\n" line ends. One field at a time, the limits and
 *	the odd bytes: test_dsn_fields.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dsn.h"
#include "dsn_cases.h"

#define NO(why)	{ -1, why, "", "", 0, "", 0, 0, \
    { { NULL, NULL, NULL, NULL, NULL } } }

#define NOTDSN	"not a delivery status report"
#define NORCPT	"delivery-status part without recipients"

/* What Postfix sends back for a recipient the next hop refused. */
static const char postfix_dsn[] =
    "Return-Path: <>\n"
    "Received: by relay.example (Postfix)\n"
    "\tid 4ABCDEF013; Mon,  3 Mar 2025 10:00:01 +0000 (UTC)\n"
    "Date: Mon,  3 Mar 2025 10:00:01 +0000 (UTC)\n"
    "From: MAILER-DAEMON@relay.example (Mail Delivery System)\n"
    "Subject: Undelivered Mail Returned to Sender\n"
    "To: a@alice.test\n"
    "Auto-Submitted: auto-replied\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/report; report-type=delivery-status;\n"
    "\tboundary=\"4ABCDEF013.1741000001/relay.example\"\n"
    "Content-Transfer-Encoding: 8bit\n"
    "Message-Id: <20250303100001.4ABCDEF013@relay.example>\n"
    "\n"
    "This is a MIME-encapsulated message.\n"
    "\n"
    "--4ABCDEF013.1741000001/relay.example\n"
    "Content-Description: Notification\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "Content-Transfer-Encoding: 8bit\n"
    "\n"
    "This is the mail system at host relay.example.\n"
    "\n"
    "I'm sorry to have to inform you that your message could not\n"
    "be delivered to one or more recipients. It's attached below.\n"
    "\n"
    "<gone@rcpt.test>: host mx.rcpt.test[192.0.2.25] said: 550 5.1.1\n"
    "    <gone@rcpt.test>: Recipient address rejected: User unknown in\n"
    "    virtual mailbox table (in reply to RCPT TO command)\n"
    "\n"
    "--4ABCDEF013.1741000001/relay.example\n"
    "Content-Description: Delivery report\n"
    "Content-Type: message/delivery-status\n"
    "\n"
    "Reporting-MTA: dns; relay.example\n"
    "X-Postfix-Queue-ID: 4ABCDEF012\n"
    "X-Postfix-Sender: rfc822; a@alice.test\n"
    "Arrival-Date: Mon,  3 Mar 2025 09:59:58 +0000 (UTC)\n"
    "\n"
    "Final-Recipient: rfc822; gone@rcpt.test\n"
    "Original-Recipient: rfc822;gone@rcpt.test\n"
    "Action: failed\n"
    "Status: 5.1.1\n"
    "Remote-MTA: dns; mx.rcpt.test\n"
    "Diagnostic-Code: smtp; 550 5.1.1 <gone@rcpt.test>: Recipient address "
    "rejected: User unknown in virtual mailbox table\n"
    "\n"
    "--4ABCDEF013.1741000001/relay.example\n"
    "Content-Description: Undelivered Message Headers\n"
    "Content-Type: text/rfc822-headers\n"
    "Content-Transfer-Encoding: 8bit\n"
    "\n"
    "Return-Path: <a@alice.test>\n"
    "Received: from client.alice.test (client.alice.test [192.0.2.7])\n"
    "\tby relay.example (Postfix) with ESMTPS id 4ABCDEF012\n"
    "\tfor <gone@rcpt.test>; Mon,  3 Mar 2025 09:59:58 +0000 (UTC)\n"
    "From: Alice <a@alice.test>\n"
    "To: gone@rcpt.test\n"
    "Subject: hello\n"
    "Message-ID: <20250303095958.4ABCDEF012@relay.example>\n"
    "Date: Mon, 3 Mar 2025 09:59:57 +0000\n"
    "\n"
    "--4ABCDEF013.1741000001/relay.example--\n";

/* An Exchange Online style NDR: CRLF, a base64 delivery-status part. */
static const char exchange_dsn[] =
    "Received: from EXCH01.contoso.test (2001:db8::1) by\r\n"
    " EXCH02.contoso.test with Microsoft SMTP Server; Mon, 3 Mar 2025\r\n"
    " 10:00:05 +0000\r\n"
    "From: postmaster@contoso.test\r\n"
    "To: <bounce+77@relay.example>\r\n"
    "Date: Mon, 3 Mar 2025 10:00:05 +0000\r\n"
    "Content-Type: multipart/report; report-type=delivery-status;\r\n"
    "\tboundary=\"a6d1e2f3-bb00-4c1e-9f00-0123456789ab\"\r\n"
    "Content-Language: en-US\r\n"
    "Message-ID: <a1b2c3d4@EXCH01.contoso.test>\r\n"
    "In-Reply-To: <orig.77@relay.example>\r\n"
    "Subject: Undeliverable: Spring sale\r\n"
    "Auto-Submitted: auto-replied\r\n"
    "X-MS-Exchange-Message-Is-Ndr:\r\n"
    "MIME-Version: 1.0\r\n"
    "\r\n"
    "--a6d1e2f3-bb00-4c1e-9f00-0123456789ab\r\n"
    "Content-Type: multipart/alternative; differentiator=\"x\";\r\n"
    "\tboundary=\"alt-1\"\r\n"
    "\r\n"
    "--alt-1\r\n"
    "Content-Type: text/plain; charset=\"us-ascii\"\r\n"
    "\r\n"
    "Your message to bob@contoso.test couldn't be delivered.\r\n"
    "--alt-1\r\n"
    "Content-Type: text/html; charset=\"us-ascii\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "<html><body>Your message couldn=3Dt be delivered.</body></html>\r\n"
    "--alt-1--\r\n"
    "\r\n"
    "--a6d1e2f3-bb00-4c1e-9f00-0123456789ab\r\n"
    "Content-Type: message/delivery-status\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "UmVwb3J0aW5nLU1UQTogZG5zO0VYQ0gwMS5jb250"
    "b3NvLnRlc3QNClJlY2VpdmVkLUZyb20tTVRB\r\n"
    "OiBkbnM7bWFpbC5yZWxheS5leGFtcGxlDQpBcnJp"
    "dmFsLURhdGU6IE1vbiwgMyBNYXIgMjAyNSAx\r\n"
    "MDowMDowMCArMDAwMA0KDQpPcmlnaW5hbC1SZWNp"
    "cGllbnQ6IHJmYzgyMjtib2JAY29udG9zby50\r\n"
    "ZXN0DQpGaW5hbC1SZWNpcGllbnQ6IHJmYzgyMjti"
    "b2JAY29udG9zby50ZXN0DQpBY3Rpb246IGZh\r\n"
    "aWxlZA0KU3RhdHVzOiA1LjEuMTANCkRpYWdub3N0"
    "aWMtQ29kZTogc210cDs1NTAgNS4xLjEwIFJF\r\n"
    "U09MVkVSLkFEUi5SZWNpcGllbnROb3RGb3VuZDsg"
    "UmVjaXBpZW50IG5vdA0KIGZvdW5kIGJ5IFNN\r\n"
    "VFAgYWRkcmVzcyBsb29rdXANClJlbW90ZS1NVEE6"
    "IGRucztFWENIMDEuY29udG9zby50ZXN0DQpY\r\n"
    "LURpc3BsYXktTmFtZTogQm9iDQpYLVN1cHBsZW1l"
    "bnRhcnktSW5mbzogPEVYQ0gwMS5jb250b3Nv\r\n"
    "LnRlc3QgIzUuMS4xMCBzbXRwOzU1MCA1LjEuMTA+DQoNCg==\r\n"
    "\r\n"
    "--a6d1e2f3-bb00-4c1e-9f00-0123456789ab\r\n"
    "Content-Type: message/rfc822\r\n"
    "\r\n"
    "Received: from mail.relay.example (192.0.2.10) by EXCH01.contoso.test\r\n"
    "From: Shop <news@shop.example>\r\n"
    "To: <bob@contoso.test>\r\n"
    "Subject: Spring sale\r\n"
    "Message-ID: <orig.77@relay.example>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "Spring is here.\r\n"
    "\r\n"
    "--a6d1e2f3-bb00-4c1e-9f00-0123456789ab--\r\n";

/*
 * A report around a delivery-status body ds and a third part; REPORT_P's
 * Content-Type has the parameters params (RFC 2231's, say) instead.
 */
#define REPORT_P(params, ds, third) \
    "From: MAILER-DAEMON@mx.example\n" \
    "Content-Type: multipart/report; " params "\n" \
    "\n" \
    "--=_r\n" \
    "Content-Type: text/plain\n" \
    "\n" \
    "Delivery failed.\n" \
    "--=_r\n" \
    ds \
    "--=_r\n" \
    third \
    "\n--=_r--\n"
#define REPORT(rtype, ds, third) \
    REPORT_P(rtype "boundary=\"=_r\"", ds, third)
#define RT	"report-type=delivery-status; "
#define DS(body) "Content-Type: message/delivery-status\n\n" body "\n"
#define HDRS(mid) "Content-Type: text/rfc822-headers\n\n" \
    "From: a@alice.test\nMessage-ID: " mid "\n"
#define PERMSG	"Reporting-MTA: dns; mx.example\n" \
    "Arrival-Date: Mon, 3 Mar 2025 10:00:00 +0000\n"
#define GONE	"Final-Recipient: rfc822; gone@rcpt.test\n" \
    "Action: failed\nStatus: 5.1.1\n" \
    "Diagnostic-Code: smtp; 550 5.1.1 User unknown\n"
#define GONE_W	{ "gone@rcpt.test", "", "failed", "5.1.1", \
    "550 5.1.1 User unknown" }
#define MID	"<m1.2025@relay.example>"
/* a DSN of mx.example for gone@rcpt.test, with the original */
#define OK1(mid)	{ 0, "", "mx.example", "", 1, mid, 1, 1, { GONE_W } }

static const struct tcase cases[] = {
	{ "postfix bounce: notification, delivery report, headers",
	  postfix_dsn, 1,
	  { 0, "", "relay.example", "4ABCDEF012", 1,
	  "<20250303095958.4ABCDEF012@relay.example>", 1, 1,
	  { { "gone@rcpt.test", "gone@rcpt.test", "failed", "5.1.1",
	  "550 5.1.1 <gone@rcpt.test>: Recipient address rejected: User "
	  "unknown in virtual mailbox table" } } } },
	{ "exchange NDR: CRLF, base64 delivery-status, folded diagnostic",
	  exchange_dsn, 0,
	  { 0, "", "EXCH01.contoso.test", "", 1, "<orig.77@relay.example>",
	  1, 1, { { "bob@contoso.test", "bob@contoso.test", "failed",
	  "5.1.10", "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient "
	  "not found by SMTP address lookup" } } } },
	{ "two recipients, one failed, one delayed; blank lines of white "
	  "space, several in a row",
	  REPORT(RT, DS(PERMSG "  \n\n\t\n" GONE " \n \n"
	  "final-recipient: RFC822; <Slow@Rcpt.Test>\n"
	  "ORIGINAL-RECIPIENT: rfc822; slow@rcpt.test\n"
	  "Action: delayed\nStatus: 4.4.7\nWill-Retry-Until: x\n"
	  "Diagnostic-Code: smtp; 451 4.4.7 Try again later\n\n\n"),
	  HDRS(MID)), 1,
	  { 0, "", "mx.example", "", 1, MID, 2, 2, { GONE_W,
	  { "slow@rcpt.test", "slow@rcpt.test", "delayed", "4.4.7",
	  "451 4.4.7 Try again later" } } } },
	{ "success notification (NOTIFY=SUCCESS)",
	  REPORT(RT, DS("Reporting-MTA: dns; relay.example\n"
	  "X-Postfix-Queue-ID: 9F1E2D3C\n\n"
	  "Final-Recipient: rfc822; bob@rcpt.test\n"
	  "Original-Recipient: rfc822; bob@rcpt.test\n"
	  "Action: delivered\nStatus: 2.0.0\nRemote-MTA: dns; mx.rcpt.test\n"
	  "Diagnostic-Code: smtp; 250 2.0.0 Ok: queued as 7A6B5C\n"),
	  HDRS(MID)), 1,
	  { 0, "", "relay.example", "9F1E2D3C", 1, MID, 1, 1,
	  { { "bob@rcpt.test", "bob@rcpt.test", "delivered", "2.0.0",
	  "250 2.0.0 Ok: queued as 7A6B5C" } } } },
	{ "RFC 6533: global-delivery-status, utf-8 addresses, "
	  "global-headers",
	  REPORT(RT, "Content-Type: message/global-delivery-status\n\n"
	  "Reporting-MTA: dns; mx.example\n\n"
	  "Final-Recipient: utf-8; j\xc3\xbcrgen@m\xc3\xbcnchen.test\n"
	  "Original-Recipient: UTF-8;<J\xc3\xbcrgen@M\xc3\xbcnchen.test>\n"
	  "Action: failed\nStatus: 5.1.1\n"
	  "Diagnostic-Code: smtp; 550 5.1.1 Unbekannter Empf\xc3\xa4nger\n\n",
	  "Content-Type: message/global-headers\n\n"
	  "Message-ID: <u8@relay.example>\n"), 1,
	  { 0, "", "mx.example", "", 1, "<u8@relay.example>", 1, 1,
	  { { "j\xc3\xbcrgen@xn--mnchen-3ya.test",
	  "j\xc3\xbcrgen@xn--mnchen-3ya.test", "failed", "5.1.1",
	  "550 5.1.1 Unbekannter Empf\xc3\xa4nger" } } } },
	{ "report-type=global-delivery-status",
	  REPORT("report-type=global-delivery-status; ", DS(PERMSG "\n" GONE),
	  HDRS(MID)), 0, OK1(MID) },
	{ "report without report-type but with a delivery-status part",
	  REPORT("", DS(PERMSG "\n" GONE), HDRS(MID)), 1, OK1(MID) },
	{ "report-type in odd case, quoted",
	  REPORT("Report-Type=\"Delivery-Status\"; ", DS(PERMSG "\n" GONE),
	  HDRS(MID)), 0, OK1(MID) },
	{ "boundary and report-type in RFC 2231 sections, extended",
	  REPORT_P("report-type*=us-ascii''delivery-status;\n"
	  " boundary*0*=us-ascii'en'%3D; boundary*1=\"_r\"",
	  DS(PERMSG "\n" GONE), HDRS(MID)), 1, OK1(MID) },
	{ "per-message and recipient fields in one block",
	  REPORT(RT, DS(PERMSG GONE), HDRS(MID)), 1, OK1(MID) },
	{ "no per-message block",
	  REPORT(RT, DS("\n" GONE), HDRS(MID)), 1,
	  { 0, "", "", "", 1, MID, 1, 1, { GONE_W } } },
	{ "a block without Final-, Original-Recipient or Action is no "
	  "recipient",
	  REPORT(RT, DS(PERMSG "\nRemote-MTA: dns; x.example\nStatus: 5.0.0\n"
	  "\n" GONE "\nX-Unknown: 1\n"), HDRS(MID)), 1, OK1(MID) },
	{ "a recipient with only Action",
	  REPORT(RT, DS(PERMSG "\nAction: failed\n"), HDRS(MID)), 0,
	  { 0, "", "mx.example", "", 1, MID, 1, 1,
	  { { "", "", "failed", "", "" } } } },
	{ "quoted-printable delivery-status part, message/rfc822 original",
	  REPORT(RT, "Content-Type: message/delivery-status\n"
	  "Content-Transfer-Encoding: quoted-printable\n\n"
	  "Reporting-MTA: dns; mx.ex=\nample\n\n"
	  "Final-Recipient: rfc822; gone=40rcpt.test\nAction: failed\n"
	  "Status: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 User =\n"
	  "unknown\n", "Content-Type: message/rfc822\n\n"
	  "Message-ID: (c) <q@relay.example>\n\nbody\n"), 1,
	  OK1("<q@relay.example>") },
	{ "the original before the delivery-status part; second ones "
	  "ignored",
	  REPORT(RT, HDRS(MID) "--=_r\n" DS(PERMSG "\n" GONE) "--=_r\n"
	  DS(PERMSG "\nFinal-Recipient: rfc822; x@y.test\n"),
	  HDRS("<second@relay.example>")), 1, OK1(MID) },
	{ "without the original",
	  REPORT(RT, DS(PERMSG "\n" GONE), "Content-Type: text/plain\n\nx\n"),
	  1, { 0, "", "mx.example", "", 0, "", 1, 1, { GONE_W } } },
	{ "original without Message-ID",
	  REPORT(RT, DS(PERMSG "\n" GONE), "Content-Type: text/rfc822-headers"
	  "\n\nSubject: x\n"), 1,
	  { 0, "", "mx.example", "", 1, "", 1, 1, { GONE_W } } },
	{ "a bounce forwarded inside multipart/mixed",
	  "Content-Type: multipart/mixed; boundary=out\n\n"
	  "--out\nContent-Type: text/plain\n\nsee below\n"
	  "--out\n"
	  "Content-Type: multipart/report; report-type=delivery-status;\n"
	  " boundary=in\n\n"
	  "--in\n" DS(PERMSG "\n" GONE) "--in\n" HDRS(MID) "\n--in--\n"
	  "--out--\n", 1, OK1(MID) },
	{ "truncated: no close delimiter, cut inside the second recipient",
	  "Content-Type: multipart/report; report-type=delivery-status; "
	  "boundary=t\n\n--t\nContent-Type: text/plain\n\nfailed\n--t\n"
	  "Content-Type: message/delivery-status\n\n" PERMSG "\n" GONE "\n"
	  "Final-Recipient: rfc822; next@rcpt.test\nAction: del", 1,
	  { 0, "", "mx.example", "", 0, "", 2, 2, { GONE_W,
	  { "next@rcpt.test", "", "", "", "" } } } },
	{ "truncated inside the delivery-status part's header",
	  "Content-Type: multipart/report; report-type=delivery-status; "
	  "boundary=t\n\n--t\nContent-Type: message/delivery-status\n", 1,
	  NO(NORCPT) },
	{ "delivery-status part with the per-message block only",
	  REPORT(RT, DS(PERMSG "\n\n"), HDRS(MID)), 1, NO(NORCPT) },
	{ "delivery-status part that is empty",
	  REPORT(RT, DS(""), HDRS(MID)), 1, NO(NORCPT) },
	{ "delivery status report without a delivery-status part",
	  REPORT(RT, "Content-Type: text/plain\n\nx\n", HDRS(MID)), 1,
	  NO("a delivery status report without a delivery-status part") },
	{ "feedback report (ARF)",
	  REPORT("report-type=feedback-report; ",
	  "Content-Type: message/feedback-report\n\nFeedback-Type: abuse\n\n",
	  HDRS(MID)), 1, NO("a feedback report, not a bounce") },
	{ "feedback report with a delivery-status part in it",
	  REPORT("report-type=feedback-report; ", DS(PERMSG "\n" GONE),
	  HDRS(MID)), 0, NO("a feedback report, not a bounce") },
	{ "read receipt",
	  REPORT("report-type=disposition-notification; ",
	  "Content-Type: message/disposition-notification\n\n"
	  "Reporting-UA: mua.example; Mail\n"
	  "Final-Recipient: rfc822; bob@rcpt.test\n"
	  "Disposition: manual-action/MDN-sent-manually; displayed\n\n",
	  HDRS(MID)), 1, NO("a read receipt, not a bounce") },
	{ "report of another type",
	  REPORT("report-type=x-vendor; ", DS(PERMSG "\n" GONE), HDRS(MID)),
	  0, NO("a multipart/report of another type, not a bounce") },
	{ "report without report-type or delivery-status part",
	  REPORT("", "Content-Type: text/plain\n\nx\n", HDRS(MID)), 0,
	  NO("a multipart/report of another type, not a bounce") },
	{ "the first report decides",
	  "Content-Type: multipart/mixed; boundary=m\n\n"
	  "--m\n"
	  "Content-Type: multipart/report; report-type=feedback-report; "
	  "boundary=f\n\n--f\nContent-Type: text/plain\n\nx\n--f--\n"
	  "--m\n"
	  "Content-Type: multipart/report; report-type=delivery-status; "
	  "boundary=d\n\n--d\n" DS(PERMSG "\n" GONE) "--d--\n"
	  "--m--\n", 0, NO("a feedback report, not a bounce") },
	{ "qmail bounce: plain text, no MIME",
	  "Return-Path: <>\n"
	  "From: MAILER-DAEMON@mx.example\n"
	  "To: a@alice.test\n"
	  "Subject: failure notice\n"
	  "\n"
	  "Hi. This is the qmail-send program at mx.example.\n"
	  "I'm afraid I wasn't able to deliver your message to the "
	  "following addresses.\n"
	  "This is a permanent error; I've given up. Sorry it didn't work "
	  "out.\n"
	  "\n"
	  "<gone@rcpt.test>:\n"
	  "Sorry, no mailbox here by that name. (#5.1.1)\n"
	  "\n"
	  "--- Below this line is a copy of the message.\n"
	  "\n"
	  "Return-Path: <a@alice.test>\n"
	  "Message-ID: " MID "\n", 1, NO(NOTDSN) },
	{ "a delivery-status part outside a report",
	  "Content-Type: multipart/mixed; boundary=m\n\n--m\n"
	  DS(PERMSG "\n" GONE) "--m\n" HDRS(MID) "--m--\n", 1, NO(NOTDSN) },
	{ "a top-level message/delivery-status",
	  DS(PERMSG "\n" GONE), 1, NO(NOTDSN) },
	{ "a report without boundary is not opened",
	  "Content-Type: multipart/report; report-type=delivery-status\n\n"
	  "--=_r\n" DS(PERMSG "\n" GONE), 0, NO(NOTDSN) },
	{ "empty input", "", 0, NO("the message is empty") },
	{ "only an empty line", "\n", 1, NO(NOTDSN) },
};

static void
messages_give_their_fields(void **state)
{
	(void)state;
	dsn_cases_run(dsn_parse, cases, sizeof(cases) / sizeof(cases[0]));
}

/* why may be NULL; NULL input is empty; the struct is cleared on -1. */
static void
why_and_cleared_struct(void **state)
{
	static struct dsn	 zero;
	struct dsn		*d = malloc(sizeof(*d));
	const char		*why = "x";

	(void)state;
	assert_non_null(d);
	memset(d, 0x5a, sizeof(*d));
	assert_int_equal(dsn_parse(NULL, 5, d, &why), -1);
	assert_string_equal(why, "the message is empty");
	assert_memory_equal(d, &zero, sizeof(zero));
	memset(d, 0x5a, sizeof(*d));
	assert_int_equal(dsn_parse("x", 1, d, NULL), -1);
	assert_memory_equal(d, &zero, sizeof(zero));
	assert_int_equal(dsn_parse(postfix_dsn, strlen(postfix_dsn), d,
	    NULL), 0);
	assert_int_equal(d->is_dsn, 1);
	free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(messages_give_their_fields),
		cmocka_unit_test(why_and_cleared_struct),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
