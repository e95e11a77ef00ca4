/*
 * NAME
 *	test_qsbmf - the qmail bounce reader (policyd/qsbmf.c): qmail-send's
 *	own failures, remote refusals with and without an enhanced code,
 *	multiline replies, several recipients, the break and the original,
 *	encodings, messages that are not QSBMF, damaged input
 * DESCRIPTION
 *	A table of whole messages with struct dsn expected (the first two
 *	recipients field by field), each run as written and, when marked,
 *	with "\r\n" line ends.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "qsbmf.h"
#include "dsn_cases.h"

#define NO(why)	{ -1, why, "", "", 0, "", 0, 0, \
    { { NULL, NULL, NULL, NULL, NULL } } }
/* a recipient as QSBMF gives it: no Original-Recipient, failed */
#define Q(final, status, diag)	{ final, "", "failed", status, diag }
#define NOTQ	"not a qmail bounce (QSBMF)"

#define HEAD \
    "Return-Path: <>\n" \
    "Date: 6 Dec 2026 20:00:00 -0000\n" \
    "From: MAILER-DAEMON@mx.dest.example\n" \
    "To: b+alice.4ABC.aaaaaaaaaaaa@unsub.relay.test\n" \
    "Subject: failure notice\n\n"
#define HI \
    "Hi. This is the qmail-send program at mx.dest.example.\n" \
    "I'm afraid I wasn't able to deliver your message to the following " \
    "addresses.\nThis is a permanent error; I've given up. Sorry it " \
    "didn't work out.\n\n"
#define NOBODY \
    "<nobody@dest.example>:\nSorry, no mailbox here by that name. " \
    "(#5.1.1)\n\n"
#define NOBODY_DIAG "Sorry, no mailbox here by that name. (#5.1.1)"
#define BREAK	"--- Below this line is a copy of the message.\n\n"
#define ORIG \
    "Return-Path: <b+alice.4ABC.aaaaaaaaaaaa@unsub.relay.test>\n" \
    "From: a@alice.test\nMessage-ID: <m1@alice.test>\n\nHello.\n"
#define MID	"<m1@alice.test>"
#define MTA	"mx.dest.example"

static const struct tcase cases[] = {
	{ "qmail-local: no mailbox", HEAD HI NOBODY BREAK ORIG, 1,
	  { 0, "", MTA, "", 1, MID, 1, 1,
	    { Q("nobody@dest.example", "5.1.1", NOBODY_DIAG) } } },
	{ "qmail-remote: the remote host's enhanced code",
	  HEAD HI "<User@Remote.EXAMPLE>:\n"
	  "192.0.2.7 does not like recipient.\n"
	  "Remote host said: 550 5.1.1 <user@remote.example>... User "
	  "unknown\nGiving up on 192.0.2.7.\n\n" BREAK ORIG, 1,
	  { 0, "", MTA, "", 1, MID, 1, 1,
	    { Q("user@remote.example", "5.1.1",
	        "192.0.2.7 does not like recipient. Remote host said: 550 "
	        "5.1.1 <user@remote.example>... User unknown Giving up on "
	        "192.0.2.7.") } } },
	{ "a reply without an enhanced code: its class as X.0.0",
	  HEAD HI "<x@dest.example>:\n192.0.2.7 does not like recipient.\n"
	  "Remote host said: 550 No such user here\n\n" BREAK ORIG, 0,
	  { 0, "", MTA, "", 1, MID, 1, 1,
	    { Q("x@dest.example", "5.0.0", "192.0.2.7 does not like "
	        "recipient. Remote host said: 550 No such user here") } } },
	{ "a multiline reply: 552-5.2.2",
	  HEAD HI "<full@dest.example>:\n"
	  "Remote host said: 552-5.2.2 The email account is over quota.\n"
	  "552 5.2.2 Try again later.\n\n" BREAK ORIG, 1,
	  { 0, "", MTA, "", 1, MID, 1, 1,
	    { Q("full@dest.example", "5.2.2", "Remote host said: "
	        "552-5.2.2 The email account is over quota. 552 5.2.2 Try "
	        "again later.") } } },
	{ "an enhanced code of another class than the reply's",
	  HEAD HI "<x@dest.example>:\nRemote host said: 550 4.2.2 odd\n\n"
	  BREAK ORIG, 0,
	  { 0, "", MTA, "", 1, MID, 1, 1,
	    { Q("x@dest.example", "5.0.0",
	        "Remote host said: 550 4.2.2 odd") } } },
	{ "qmail's code wins over the reply's; the last one",
	  HEAD HI "<t@dest.example>:\n"
	  "Connected to 192.0.2.7 but connection died. (#4.4.2)\n"
	  "Remote host said: 451 4.3.0 later\n"
	  "I'm not going to try again; this message has been in the queue "
	  "too long. (#5.4.7)\n\n" BREAK ORIG, 0,
	  { 0, "", MTA, "", 1, MID, 1, 1,
	    { Q("t@dest.example", "5.4.7", "Connected to 192.0.2.7 but "
	        "connection died. (#4.4.2) Remote host said: 451 4.3.0 later "
	        "I'm not going to try again; this message has been in the "
	        "queue too long. (#5.4.7)") } } },
	{ "malformed qmail codes are not codes",
	  HEAD HI "<t@dest.example>:\nx (#5.1) y (#5.1.1.1) (#6.1.1) (#5.1.1"
	  "\n\n" BREAK ORIG, 0,
	  { 0, "", MTA, "", 1, MID, 1, 1,
	    { Q("t@dest.example", "",
	        "x (#5.1) y (#5.1.1.1) (#6.1.1) (#5.1.1") } } },
	{ "two recipients, the break, nothing read after it",
	  HEAD HI NOBODY "<host@nowhere.example>:\n"
	  "Sorry, I couldn't find any host named nowhere.example. (#5.1.2)"
	  "\n\n" BREAK "<late@dest.example>:\nnot a paragraph (#5.1.1)\n\n"
	  ORIG, 1,
	  { 0, "", MTA, "", 1, "", 2, 2,
	    { Q("nobody@dest.example", "5.1.1", NOBODY_DIAG),
	      Q("host@nowhere.example", "5.1.2", "Sorry, I couldn't find "
	        "any host named nowhere.example. (#5.1.2)") } } },
	{ "the original headers only",
	  HEAD HI NOBODY
	  "--- Enclosed are the original headers of the message.\n\n"
	  "Message-ID: <h@alice.test>\nSubject: hi\n", 1,
	  { 0, "", MTA, "", 1, "<h@alice.test>", 1, 1,
	    { Q("nobody@dest.example", "5.1.1", NOBODY_DIAG) } } },
	{ "no break: truncated, still a bounce",
	  HEAD HI NOBODY, 1,
	  { 0, "", MTA, "", 0, "", 1, 1,
	    { Q("nobody@dest.example", "5.1.1", NOBODY_DIAG) } } },
	{ "a break with nothing after it",
	  HEAD HI NOBODY "--- Below this line is a copy of the message.\n", 0,
	  { 0, "", MTA, "", 0, "", 1, 1,
	    { Q("nobody@dest.example", "5.1.1", NOBODY_DIAG) } } },
	{ "<>: and a first line of another form still count",
	  HEAD HI "<>:\nthe null address (#5.1.1)\n\n"
	  "<broken@dest.example\nno colon\n\n" BREAK ORIG, 0,
	  { 0, "", MTA, "", 1, MID, 2, 2,
	    { Q("", "5.1.1", "the null address (#5.1.1)"),
	      Q("", "", "no colon") } } },
	{ "an address that does not normalise",
	  HEAD HI "<a b@@dest.example>:\nbad (#5.1.1)\n\n" BREAK ORIG, 0,
	  { 0, "", MTA, "", 1, MID, 1, 1,
	    { Q("", "5.1.1", "bad (#5.1.1)") } } },
	{ "white space lines part paragraphs; other paragraphs ignored",
	  HEAD "\n\n" HI "Some other words.\n \t\n" NOBODY BREAK ORIG, 1,
	  { 0, "", MTA, "", 1, MID, 1, 1,
	    { Q("nobody@dest.example", "5.1.1", NOBODY_DIAG) } } },
	{ "a host name that is not one",
	  HEAD "Hi. This is the qmail-send program at <mx>.\n\n" NOBODY, 0,
	  { 0, "", "", "", 0, "", 1, 1,
	    { Q("nobody@dest.example", "5.1.1", NOBODY_DIAG) } } },
	{ "no host named",
	  HEAD "Hi. This is the mailer.\n\n" NOBODY, 0,
	  { 0, "", "", "", 0, "", 1, 1,
	    { Q("nobody@dest.example", "5.1.1", NOBODY_DIAG) } } },
	{ "in base64",
	  "Subject: failure notice\nContent-Transfer-Encoding: base64\n\n"
	  "SGkuIFRoaXMgaXMgdGhlIHFtYWlsLXNlbmQgcHJvZ3JhbSBhdCBteC5kZXN0LmV4"
	  "YW1wbGUuCkkn\n"
	  "bSBhZnJhaWQgSSB3YXNuJ3QgYWJsZSB0byBkZWxpdmVyIHlvdXIgbWVzc2FnZSB0"
	  "byB0aGUgZm9s\n"
	  "bG93aW5nIGFkZHJlc3Nlcy4KCjxiNjRAZGVzdC5leGFtcGxlPjoKU29ycnksIG5v"
	  "IG1haWxib3gg\n"
	  "aGVyZSBieSB0aGF0IG5hbWUuICgjNS4xLjEpCgotLS0gQmVsb3cgdGhpcyBsaW5l"
	  "IGlzIGEgY29w\n"
	  "eSBvZiB0aGUgbWVzc2FnZS4KCk1lc3NhZ2UtSUQ6IDxiNjRAYWxpY2UudGVzdD4K"
	  "CmJvZHkK\n", 0,
	  { 0, "", MTA, "", 1, "<b64@alice.test>", 1, 1,
	    { Q("b64@dest.example", "5.1.1", NOBODY_DIAG) } } },
	{ "text/plain said so",
	  "Content-Type: text/plain; charset=us-ascii\n"
	  "Subject: failure notice\n\n" HI NOBODY BREAK ORIG, 0,
	  { 0, "", MTA, "", 1, MID, 1, 1,
	    { Q("nobody@dest.example", "5.1.1", NOBODY_DIAG) } } },
	{ "the introduction alone", HEAD HI BREAK ORIG, 1,
	  NO("a qmail bounce without recipients") },
	{ "another body", HEAD "Hello.\n\n" NOBODY BREAK ORIG, 1, NO(NOTQ) },
	{ "the words, not at the start",
	  HEAD "Note: Hi. This is the qmail-send program.\n\n" NOBODY, 0,
	  NO(NOTQ) },
	{ "in lower case", HEAD "hi. this is the qmail-send program.\n\n"
	  NOBODY, 0, NO(NOTQ) },
	{ "text/html",
	  "Content-Type: text/html\n\n" HI NOBODY, 0, NO(NOTQ) },
	{ "a multipart",
	  "Content-Type: multipart/mixed; boundary=b\n\n--b\n\n" HI NOBODY
	  "--b--\n", 0, NO(NOTQ) },
	{ "the header only", HEAD, 0, NO(NOTQ) },
	{ "empty input", "", 0, NO("the message is empty") },
};

static void
messages_give_their_fields(void **state)
{
	(void)state;
	dsn_cases_run(qsbmf_parse, cases, sizeof(cases) / sizeof(cases[0]));
}

/*
 * More recipients than are kept: all counted, the first DSN_RCPTS_MAX
 * kept; a long explanation cut; NULL input and a NULL why.
 */
static void
limits(void **state)
{
	struct dsn	*d = malloc(sizeof(*d));
	char		*m = malloc(64 * 1024);
	size_t		 o, i;
	const char	*why = "x";

	(void)state;
	assert_non_null(d);
	assert_non_null(m);
	o = (size_t)snprintf(m, 64 * 1024, "%s", HEAD HI);
	for (i = 0; i < DSN_RCPTS_MAX + 6; i++)
		o += (size_t)snprintf(m + o, 64 * 1024 - o,
		    "<r%zu@dest.example>:\nno (#5.1.1)\n\n", i);
	o += (size_t)snprintf(m + o, 64 * 1024 - o, "<long@dest.example>:\n");
	for (i = 0; i < 200; i++)
		o += (size_t)snprintf(m + o, 64 * 1024 - o, "word ");
	o += (size_t)snprintf(m + o, 64 * 1024 - o, "(#5.2.2)\n\n");
	assert_int_equal(qsbmf_parse(m, o, d, &why), 0);
	assert_string_equal(why, "");
	assert_int_equal(d->nrcpt, DSN_RCPTS_MAX);
	assert_int_equal(d->nrcpt_seen, DSN_RCPTS_MAX + 7);
	assert_string_equal(d->rcpt[DSN_RCPTS_MAX - 1].final_rcpt,
	    "r63@dest.example");
	assert_int_equal(qsbmf_parse(m, o, d, NULL), 0);
	assert_int_equal(qsbmf_parse(NULL, 5, d, &why), -1);
	assert_string_equal(why, "the message is empty");
	/* the last one: its explanation cut, its code past the cut lost */
	o = (size_t)snprintf(m, 64 * 1024, "%s", HEAD HI
	    "<long@dest.example>:\n");
	for (i = 0; i < 200; i++)
		o += (size_t)snprintf(m + o, 64 * 1024 - o, "word ");
	o += (size_t)snprintf(m + o, 64 * 1024 - o, "(#5.2.2)\n\n");
	assert_int_equal(qsbmf_parse(m, o, d, NULL), 0);
	assert_int_equal(strlen(d->rcpt[0].diag), DSN_DIAG_MAX - 1);
	assert_string_equal(d->rcpt[0].status, "");
	free(m);
	free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(messages_give_their_fields),
		cmocka_unit_test(limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
