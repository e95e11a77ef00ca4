/*
 * NAME
 *	test_complaint - what a complaint report lets relay-unsub -r check:
 *	the tokens of the reported message's List-Unsubscribe (only ours),
 *	the candidate recipients, the Message-ID, and reports that ask for
 *	nothing
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "complaint.h"

#define DOM	"unsub.relay.test"
#define URL	"https://unsub.relay.test/u/"

static struct arf a;
static struct complaint_plan p;

/* report - an ARF report's facts: abuse, and the given fields */
static void
report(const char *mailto, const char *https, const char *orcpt,
    const char *to, const char *msgid)
{
	memset(&a, 0, sizeof(a));
	a.is_arf = a.have_original = 1;
	strcpy(a.feedback_type, "abuse");
	strcpy(a.unsub_mailto, mailto);
	strcpy(a.unsub_https, https);
	strcpy(a.original_rcpt, orcpt);
	strcpy(a.to, to);
	strcpy(a.message_id, msgid);
}

static void
our_tokens_are_taken(void **state)
{
	(void)state;
	report("unsub+alice.abcdEFGH12345678@" DOM, URL "YWxp.TeC2", "", "",
	    "");
	complaint_plan(&a, DOM, URL, &p);
	assert_int_equal(p.act, 1);
	assert_string_equal(p.mail_token, "alice.abcdEFGH12345678");
	assert_string_equal(p.url_token, "YWxp.TeC2");
	assert_int_equal(p.ncand, 0);
	assert_null(p.msgid);
	/* the domain's case does not matter, the prefix's neither */
	report("UNSUB+alice.x@UNSUB.Relay.Test", "", "", "", "");
	complaint_plan(&a, DOM, URL, &p);
	assert_string_equal(p.mail_token, "alice.x");
}

static void
other_addresses_and_urls_are_not_ours(void **state)
{
	(void)state;
	report("unsub+alice.x@list.example", "https://list.example/u/x",
	    "", "", "<m@x>");
	complaint_plan(&a, DOM, URL, &p);
	assert_int_equal(p.act, 1);
	assert_string_equal(p.mail_token, "");
	assert_string_equal(p.url_token, "");
	assert_string_equal(p.msgid, "<m@x>");
	report("leave@" DOM, URL, "", "", "");
	complaint_plan(&a, DOM, URL, &p);
	assert_int_equal(p.act, 0);
	assert_string_equal(p.why, "no List-Unsubscribe of ours and no "
	    "Message-ID in the reported message");
	report("unsub+@" DOM, "", "", "", "");
	complaint_plan(&a, DOM, URL, &p);
	assert_int_equal(p.act, 0);
	/* without an unsubscribe domain or https_url, no token is ours */
	report("unsub+alice.x@" DOM, URL "tok", "", "", "");
	complaint_plan(&a, NULL, "", &p);
	assert_int_equal(p.act, 0);
	assert_string_equal(p.mail_token, "");
	assert_string_equal(p.url_token, "");
}

static void
candidates_are_distinct_report_first(void **state)
{
	(void)state;
	report("", "", "jane@example.com", "jane@example.com", "<m@x>");
	complaint_plan(&a, DOM, URL, &p);
	assert_int_equal(p.ncand, 1);
	assert_string_equal(p.cands[0], "jane@example.com");
	report("", "", "jane@example.com", "list@example.com", "<m@x>");
	complaint_plan(&a, DOM, URL, &p);
	assert_int_equal(p.ncand, 2);
	assert_string_equal(p.cands[0], "jane@example.com");
	assert_string_equal(p.cands[1], "list@example.com");
	report("", "", "", "list@example.com", "<m@x>");
	complaint_plan(&a, DOM, URL, &p);
	assert_int_equal(p.ncand, 1);
	assert_string_equal(p.cands[0], "list@example.com");
}

static void
a_not_spam_report_asks_for_nothing(void **state)
{
	(void)state;
	report("unsub+alice.x@" DOM, "", "jane@example.com", "", "<m@x>");
	strcpy(a.feedback_type, "not-spam");
	complaint_plan(&a, DOM, URL, &p);
	assert_int_equal(p.act, 0);
	assert_string_equal(p.why, "a not-spam report");
	/* other types (and a forward without one) are complaints */
	strcpy(a.feedback_type, "fraud");
	complaint_plan(&a, DOM, URL, &p);
	assert_int_equal(p.act, 1);
	a.feedback_type[0] = '\0';
	complaint_plan(&a, DOM, URL, &p);
	assert_int_equal(p.act, 1);
}

static void
an_over_long_url_token_is_not_taken(void **state)
{
	char	 u[ARF_URI_MAX + 1];

	(void)state;
	memset(u, 'A', sizeof(u) - 1);
	u[sizeof(u) - 1] = '\0';
	memcpy(u, URL, strlen(URL));
	report("", u, "", "", "<m@x>");
	complaint_plan(&a, DOM, URL, &p);
	assert_string_equal(p.url_token, "");
	assert_int_equal(p.act, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(our_tokens_are_taken),
		cmocka_unit_test(other_addresses_and_urls_are_not_ours),
		cmocka_unit_test(candidates_are_distinct_report_first),
		cmocka_unit_test(a_not_spam_report_asks_for_nothing),
		cmocka_unit_test(an_over_long_url_token_is_not_taken),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
