/*
 * NAME
 *	test_bounce - bounce classes (seed 004) and what an event changes
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bounce.h"
#include "metrics.h"
#include "ratewin.h"
#include "stats.h"

static void
classes_of_the_seed_table(void **state)
{
	static const struct { const char *dsn; enum bounce_class c; } t[] = {
		{ "5.1.1", BOUNCE_HARD }, { "5.1.10", BOUNCE_HARD },
		{ "5.1.0", BOUNCE_HARD },
		{ "4.2.2", BOUNCE_SOFT }, { "4.2.0", BOUNCE_SOFT },
		{ "5.7.1", BOUNCE_POLICY }, { "5.7.26", BOUNCE_POLICY },
		{ "4.4.1", BOUNCE_TECHNICAL }, { "5.4.4", BOUNCE_TECHNICAL },
		{ "4.4.7", BOUNCE_TECHNICAL },
		/* not in the table: fall back on the first digit */
		{ "2.0.0", BOUNCE_NONE }, { "2.6.0", BOUNCE_NONE },
		/* the subject decides: the mailbox (x.2.x) is soft */
		{ "5.2.2", BOUNCE_SOFT }, { "5.2.1", BOUNCE_SOFT },
		/* a receiver's transient policy is policy, never soft */
		{ "4.7.1", BOUNCE_POLICY }, { "4.7.0", BOUNCE_POLICY },
		/* nothing about the recipient: a blocklist without an
		 * enhanced code, too big, protocol, content, the relay's own
		 * resolver: never suppressed */
		{ "5.0.0", BOUNCE_OTHER }, { "5.3.4", BOUNCE_OTHER },
		{ "5.5.2", BOUNCE_OTHER }, { "5.6.7", BOUNCE_OTHER },
		{ "4.3.0", BOUNCE_OTHER }, { "4.0.0", BOUNCE_OTHER },
		{ "4.1.8", BOUNCE_OTHER }, { "4.5.3", BOUNCE_OTHER },
		/* the sender's address, a message too long */
		{ "5.1.7", BOUNCE_OTHER }, { "5.1.8", BOUNCE_OTHER },
		{ "5.2.3", BOUNCE_OTHER }, { "5.1.70", BOUNCE_HARD },
		/* garbage is "other", never a hard bounce */
		{ "", BOUNCE_OTHER }, { "5.1", BOUNCE_OTHER },
		{ "5.1.1.1", BOUNCE_OTHER }, { "3.1.1", BOUNCE_OTHER },
		{ "5.1.x", BOUNCE_OTHER }, { "5.1111.1", BOUNCE_OTHER },
		{ "51.1.1", BOUNCE_OTHER }, { "5..1", BOUNCE_OTHER },
		/* RFC 3463: subject and detail have 1 to 3 digits */
		{ "5.1.100", BOUNCE_HARD }, { "5.1.1000", BOUNCE_OTHER },
		{ "5.1.", BOUNCE_OTHER }, { "5.1", BOUNCE_OTHER },
		{ "5.001.1", BOUNCE_HARD },
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (bounce_classify(t[i].dsn) != t[i].c)
			fail_msg("%s: got %d want %d", t[i].dsn,
			    bounce_classify(t[i].dsn), t[i].c);
	}
	assert_int_equal(bounce_classify(NULL), BOUNCE_OTHER);
	assert_string_equal(bounce_class_name(BOUNCE_HARD), "hard");
	assert_string_equal(bounce_class_name(BOUNCE_TECHNICAL), "technical");
	assert_string_equal(bounce_class_name(BOUNCE_NONE), "");
}

/* Replies as Postfix's smtp client logs them (the text in parentheses). */
static void
classes_from_the_reply(void **state)
{
	static const struct {
		const char *dsn, *reply;
		enum bounce_class c;
	} t[] = {
		/* the sender refused: never the recipient's fault */
		{ "5.1.7", "host gmail-smtp-in.l.google.com[142.250.1.26] said: "
		  "553-5.1.7 The sender address <x> is not a valid RFC 5321 "
		  "address. (in reply to MAIL FROM command)", BOUNCE_OTHER },
		{ "5.1.1", "host mx[192.0.2.1] said: 550 5.1.1 <news@a.example>:"
		  " sender unknown (in reply to MAIL FROM command)",
		  BOUNCE_OTHER },
		{ "5.1.0", "host mx[192.0.2.1] said: 550 5.1.0 <news@a.example>:"
		  " Sender address rejected: undeliverable address (in reply "
		  "to RCPT TO command)", BOUNCE_OTHER },
		{ "4.2.0", "host mx[192.0.2.1] said: 450 4.2.0 <news@a.example>:"
		  " Sender address rejected: Domain not found (in reply to "
		  "RCPT TO command)", BOUNCE_OTHER },
		/* greylisting is the receiver's policy */
		{ "4.2.0", "host mx[192.0.2.1] said: 450 4.2.0 <r@b.example>: "
		  "Recipient address rejected: Greylisted, see "
		  "http://postgrey.schweikert.ch/ (in reply to RCPT TO command)",
		  BOUNCE_POLICY },
		/* the word in the host name or an address is no greylisting */
		{ "5.2.2", "host mx.b.example[192.0.2.1] said: 552 5.2.2 "
		  "<greylist@b.example>: Mailbox full (in reply to RCPT TO "
		  "command)", BOUNCE_SOFT },
		{ "4.2.2", "host greylist.b.example[192.0.2.1] said: 452 4.2.2 "
		  "<a@b.example>: Mailbox full (in reply to RCPT TO command)",
		  BOUNCE_SOFT },
		/* no enhanced code (logged 5.0.0): the words decide */
		{ "5.0.0", "host mta7.am0.yahoodns.net[67.195.204.72] said: 554 "
		  "delivery error: dd This user doesn't have a yahoo.com account"
		  " (r@yahoo.com) [0] (in reply to end of DATA command)",
		  BOUNCE_HARD },
		{ "5.0.0", "host mx[192.0.2.1] said: 550 No Such User Here "
		  "(in reply to RCPT TO command)", BOUNCE_HARD },
		{ "5.0.0", "host mx[192.0.2.1] said: 554 5.7.1 Service "
		  "unavailable; Client host [198.51.100.7] blocked using "
		  "zen.spamhaus.org (in reply to RCPT TO command)", BOUNCE_OTHER },
		{ "5.0.0", "host mx[192.0.2.1] said: 550 no such user (in reply "
		  "to MAIL FROM command)", BOUNCE_OTHER },
		/* words about the sender or the content, not the recipient */
		{ "5.0.0", "host mx[192.0.2.1] said: 550 <x@alice.test>: Sender "
		  "address rejected: Domain does not exist (in reply to RCPT TO "
		  "command)", BOUNCE_OTHER },
		{ "5.0.0", "host mx[192.0.2.1] said: 554 Message rejected: it "
		  "doesn't have a Date header (in reply to end of DATA command)",
		  BOUNCE_OTHER },
		{ "5.0.0", "host mx[192.0.2.1] said: 550 sender domain does not "
		  "exist (in reply to RCPT TO command)", BOUNCE_OTHER },
		/* the host name and the address may hold any word */
		{ "5.0.0", "host mx.sendersystems.example[192.0.2.1] said: 550 "
		  "<bob@x.example>: Recipient address rejected: User unknown in "
		  "virtual mailbox table (in reply to RCPT TO command)",
		  BOUNCE_HARD },
		{ "5.0.0", "host mx[192.0.2.1] said: 550 <newsender@x.example>: "
		  "mailbox does not exist (in reply to RCPT TO command)",
		  BOUNCE_HARD },
		{ "5.0.0", "host mx[192.0.2.1] said: 550 No such user here. "
		  "Please check the address or contact the sender's postmaster "
		  "(in reply to RCPT TO command)", BOUNCE_HARD },
		/* content refused after DATA: no recipient word */
		{ "5.0.0", "host mx[192.0.2.1] said: 554 Message rejected: "
		  "sending domain does not exist in DNS (in reply to end of DATA "
		  "command)", BOUNCE_OTHER },
		{ "5.0.0", "host mx[192.0.2.1] said: 550 Message refused: the "
		  "Reply-To domain does not exist (in reply to end of DATA "
		  "command)", BOUNCE_OTHER },
		/* the codes alone where the words add nothing */
		{ "5.1.1", "host mx[192.0.2.1] said: 550 5.1.1 <r@b.example>: "
		  "Recipient address rejected: User unknown (in reply to RCPT "
		  "TO command)", BOUNCE_HARD },
		{ "4.2.2", "host mx[192.0.2.1] said: 452 4.2.2 Mailbox full "
		  "(in reply to RCPT TO command)", BOUNCE_SOFT },
		{ "5.1.1", NULL, BOUNCE_HARD },
		{ "5.1.1", "", BOUNCE_HARD },
		/* a 5.0.0 reply: the host name before "said: " is no word */
		{ "5.0.0", "host user.mailbox.example[192.0.2.1] said: 550 "
		  "Message refused: the Reply-To domain does not exist (in "
		  "reply to end of DATA command)", BOUNCE_OTHER },
		/* no "said: " (no reply of a server): the whole text */
		{ "5.0.0", "connect to mx.example[192.0.2.1]:25: Connection "
		  "refused", BOUNCE_OTHER },
		{ "5.0.0", "unknown user: \"bob\"", BOUNCE_HARD },
		/* a recipient word in the quoted address names no recipient */
		{ "5.0.0", "host mx[192.0.2.1] said: 554 <account@b.example>: "
		  "Message refused: the Reply-To domain does not exist (in "
		  "reply to end of DATA command)", BOUNCE_OTHER },
		/* "doesn't have a" is the recipient's only with "account" */
		{ "5.0.0", "host mx[192.0.2.1] said: 550 this message doesn't "
		  "have a valid signature (in reply to RCPT TO command)",
		  BOUNCE_OTHER },
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (bounce_classify_reply(t[i].dsn, t[i].reply) != t[i].c)
			fail_msg("%zu %s: got %d want %d", i, t[i].dsn,
			    bounce_classify_reply(t[i].dsn, t[i].reply), t[i].c);
}

static void
what_an_event_changes(void **state)
{
	struct bounce_action a;

	(void)state;
	bounce_decide(MAILLOG_ST_SENT, BOUNCE_NONE, &a);
	assert_int_equal(a.outcome, BOUNCE_OUT_SENT);
	assert_true(a.soft_reset);
	assert_false(a.suppress_hard || a.soft_step);

	bounce_decide(MAILLOG_ST_BOUNCED, BOUNCE_HARD, &a);
	assert_int_equal(a.outcome, BOUNCE_OUT_BOUNCED);
	assert_true(a.suppress_hard);
	assert_false(a.soft_step || a.soft_reset);

	/* policy and technical bounces count against the member only */
	bounce_decide(MAILLOG_ST_BOUNCED, BOUNCE_POLICY, &a);
	assert_int_equal(a.outcome, BOUNCE_OUT_BOUNCED);
	assert_false(a.suppress_hard || a.soft_step);
	bounce_decide(MAILLOG_ST_BOUNCED, BOUNCE_TECHNICAL, &a);
	assert_false(a.suppress_hard || a.soft_step);

	/* a deferral is not final; a soft one is one more in the row */
	bounce_decide(MAILLOG_ST_DEFERRED, BOUNCE_SOFT, &a);
	assert_int_equal(a.outcome, BOUNCE_OUT_NONE);
	assert_true(a.soft_step);
	bounce_decide(MAILLOG_ST_DEFERRED, BOUNCE_TECHNICAL, &a);
	assert_int_equal(a.outcome, BOUNCE_OUT_NONE);
	assert_false(a.soft_step || a.suppress_hard || a.soft_reset);

	/* a hard code on a deferral (soft_bounce = yes) suppresses nothing */
	bounce_decide(MAILLOG_ST_DEFERRED, BOUNCE_HARD, &a);
	assert_false(a.suppress_hard);

	bounce_decide(MAILLOG_ST_EXPIRED, BOUNCE_SOFT, &a);
	assert_int_equal(a.outcome, BOUNCE_OUT_BOUNCED);
	assert_true(a.soft_step);
	bounce_decide(MAILLOG_ST_NONE, BOUNCE_HARD, &a);
	assert_int_equal(a.outcome, BOUNCE_OUT_NONE);
	assert_false(a.suppress_hard);
}

static void
window_label_and_bucket(void **state)
{
	char	 b[16];

	(void)state;
	ratewin_label(86400, b, sizeof(b));
	assert_string_equal(b, "24h");
	ratewin_label(7 * 86400, b, sizeof(b));
	assert_string_equal(b, "7d");
	ratewin_label(3600, b, sizeof(b));
	assert_string_equal(b, "1h");
	ratewin_label(90 * 60, b, sizeof(b));
	assert_string_equal(b, "90m");
	ratewin_label(45, b, sizeof(b));
	assert_string_equal(b, "45s");
	{
		static const struct { int s; const char *l; } t[] = {
			{ 2 * 86400, "2d" }, { 3 * 86400, "3d" },
			{ 2 * 86400 + 3600, "49h" }, { 60, "1m" },
			{ 90, "90s" }, { 120, "2m" }, { 59, "59s" },
			{ 0, "0s" }, { 7200, "2h" }, { 3660, "61m" },
		};
		size_t	 i;

		for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
			ratewin_label(t[i].s, b, sizeof(b));
			if (strcmp(b, t[i].l) != 0)
				fail_msg("%d: %s want %s", t[i].s, b, t[i].l);
		}
	}
	assert_int_equal(ratewin_bucket_s(86400), 3600);
	assert_int_equal(ratewin_bucket_s(3600), 150);
	assert_int_equal(ratewin_bucket_s(600), 60);
}

/* the first 32 hex digits of SHA-256 of
 * "4jY2qP0xqBz1bY3J|full@dest.example||Nov 23 10:53:37|16355|0.65|deferred|4.2.2" */
#define ID_L1 "6ded569c77ca127607234ceac5cf4f75"

static void
event_ids_are_stable_and_per_attempt(void **state)
{
	static const char *l1 = "Nov 23 10:53:37 relay-pf postfix-pf/smtp[16355]: "
	    "4jY2qP0xqBz1bY3J: to=<full@dest.example>, relay=127.0.0.1[127.0.0.1]"
	    ":46633, delay=0.65, delays=0.47/0.12/0.04/0.02, dsn=4.2.2, "
	    "status=deferred (host said: 452 4.2.2 mailbox full)";
	static const char *l2 = "Nov 23 10:53:52 relay-pf postfix-pf/smtp[16355]: "
	    "4jY2qP0xqBz1bY3J: to=<full@dest.example>, relay=127.0.0.1[127.0.0.1]"
	    ":46633, delay=15, delays=15/0/0/0, dsn=4.2.2, "
	    "status=deferred (host said: 452 4.2.2 mailbox full)";
	struct maillog_event ev;
	char	 a[33], b[33], c[33];

	(void)state;
	assert_int_equal(maillog_parse(l1, strlen(l1), &ev), MAILLOG_DELIVERY);
	bounce_event_id(&ev, a);
	assert_int_equal(maillog_parse(l1, strlen(l1), &ev), MAILLOG_DELIVERY);
	bounce_event_id(&ev, b);
	assert_string_equal(a, b);
	assert_int_equal(strlen(a), 32);
	assert_int_equal(maillog_parse(l2, strlen(l2), &ev), MAILLOG_DELIVERY);
	bounce_event_id(&ev, c);
	assert_string_not_equal(a, c);
	/*
	 * The id is kept in Redis (an event seen twice counts once): it does
	 * not change between versions. SHA-256 of
	 * "qid|to|orig_to|stamp|pid|delay|status|dsn", its first 32 digits.
	 */
	assert_string_equal(a, ID_L1);
}

/* the metrics' labels are these status and class names: each counted */
static void
class_names_are_the_metrics_labels(void **state)
{
	enum bounce_class c;
	char		 want[160], *t;
	size_t		 len;

	(void)state;
	stats_init("tracker");
	for (c = BOUNCE_HARD; c <= BOUNCE_OTHER; c++)
		stats_delivery(maillog_status_name(MAILLOG_ST_BOUNCED),
		    bounce_class_name(c));
	stats_delivery(maillog_status_name(MAILLOG_ST_SENT),
	    bounce_class_name(BOUNCE_NONE));
	t = metrics_render(stats_registry(), &len);
	for (c = BOUNCE_HARD; c <= BOUNCE_OTHER; c++) {
		snprintf(want, sizeof(want), "relay_tracker_deliveries_total{"
		    "daemon=\"tracker\",status=\"bounced\",class=\"%s\"} 1\n",
		    bounce_class_name(c));
		if (strstr(t, want) == NULL)
			fail_msg("expected \"%s\" in:\n%s", want, t);
	}
	assert_non_null(strstr(t, "status=\"sent\",class=\"none\"} 1\n"));
	free(t);
	stats_stop();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(classes_of_the_seed_table),
		cmocka_unit_test(classes_from_the_reply),
		cmocka_unit_test(what_an_event_changes),
		cmocka_unit_test(window_label_and_bucket),
		cmocka_unit_test(event_ids_are_stable_and_per_attempt),
		cmocka_unit_test(class_names_are_the_metrics_labels),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
