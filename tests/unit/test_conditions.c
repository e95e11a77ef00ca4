/*
 * NAME
 *	test_conditions - the reply table: codes, texts, formatting
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "conditions.h"

/* The table of DESIGN.md, row by row. */
static const struct {
	enum cond_id	 id;
	const char	*json, *code, *dsn;
} expected[] = {
	{ COND_AUTH_FAILED, "auth_failed", "535", "5.7.8" },
	{ COND_WARMING_RATE_LIMITED, "warming_rate_limited", "451", "4.7.1" },
	{ COND_QUEUE_FULL, "queue_full", "451", "4.4.2" },
	{ COND_FROM_NOT_ALLOWED, "from_not_allowed", "550", "5.1.0" },
	{ COND_RECIPIENT_SUPPRESSED, "recipient_suppressed", "550", "5.7.1" },
	{ COND_MEMBER_SUSPENDED, "member_suspended", "521", "5.7.1" },
};

static void
every_row_matches_the_design_table(void **state)
{
	size_t	 i;

	assert_int_equal(cond_count(), sizeof(expected) / sizeof(expected[0]));
	for (i = 0; i < cond_count(); i++) {
		const struct cond *c = cond_get(expected[i].id);

		assert_int_equal(c->id, expected[i].id);
		assert_string_equal(c->json, expected[i].json);
		assert_string_equal(c->code, expected[i].code);
		assert_string_equal(c->dsn, expected[i].dsn);
		assert_true(strlen(c->text) > 0);
		assert_true(strlen(c->meaning) > 0);
		/* The enhanced code's class is the reply code's first digit. */
		assert_int_equal(c->code[0], c->dsn[0]);
		assert_ptr_equal(cond_by_json(c->json), c);
	}
}

static void
lookup_by_unknown_json_code_is_null(void **state)
{
	assert_null(cond_by_json("no_such_code"));
	assert_null(cond_by_json(""));
}

static void
out_of_range_id_falls_back_to_a_temporary_reply(void **state)
{
	const struct cond *c = cond_get((enum cond_id)99);

	assert_string_equal(c->code, "451");
	/* the first id past the table too */
	c = cond_get(COND__COUNT);
	assert_ptr_equal(c, cond_get(COND_QUEUE_FULL));
	assert_true(cond_is_temporary(COND__COUNT));
	assert_true(cond_is_temporary(COND_QUEUE_FULL));
	assert_false(cond_is_temporary(COND_FROM_NOT_ALLOWED));
}

static void
format_with_and_without_detail(void **state)
{
	char	 buf[256];

	cond_format(COND_MEMBER_SUSPENDED, "auto: bounce rate 12.3% (37/300) over 24h",
	    buf, sizeof(buf));
	assert_string_equal(buf, "521 5.7.1 Member suspended: auto: bounce rate "
	    "12.3% (37/300) over 24h");
	cond_format(COND_FROM_NOT_ALLOWED, NULL, buf, sizeof(buf));
	assert_string_equal(buf, "550 5.1.0 From address not allowed");
	cond_text(COND_RECIPIENT_SUPPRESSED, "", buf, sizeof(buf));
	assert_string_equal(buf, "Recipient suppressed");
}

static void
detail_cannot_inject_a_second_line(void **state)
{
	char	 buf[256];

	cond_format(COND_MEMBER_SUSPENDED, "x\r\n250 ok\tthen", buf, sizeof(buf));
	assert_null(strchr(buf, '\r'));
	assert_null(strchr(buf, '\n'));
	assert_null(strchr(buf, '\t'));
	assert_string_equal(buf, "521 5.7.1 Member suspended: x  250 ok then");
}

static void
format_truncates_and_reports_needed_length(void **state)
{
	char	 buf[12];
	size_t	 need;

	need = cond_format(COND_QUEUE_FULL, "redis down", buf, sizeof(buf));
	assert_int_equal(strlen(buf), sizeof(buf) - 1);
	assert_int_equal(need, strlen("451 4.4.2 Queue full or transient "
	    "submission error: redis down"));
	need = cond_format(COND_QUEUE_FULL, NULL, NULL, 0);
	assert_int_equal(need, strlen("451 4.4.2 Queue full or transient "
	    "submission error"));
}

/* Exactly the controls (below 0x20, and DEL) become spaces; printable
 * octets at the edges of that range stay; a control that is the last octet
 * a buffer holds is blanked too. */
static void
only_controls_are_blanked_to_the_last_octet(void **state)
{
	static const struct {
		const char	*name;
		const char	*detail;
		const char	*want;	/* after "Recipient suppressed: " */
	} t[] = {
		{ "space, ! and ~ stay", " !~", " !~" },
		{ "unit separator and DEL go", "a\x1f" "b\x7f" "c", "a b c" },
		{ "NUL-free high octets stay", "\xc3\xa9", "\xc3\xa9" },
		{ "a control as the last octet", "ab\n", "ab " },
	};
	char	 buf[128], want[128];
	size_t	 i, len;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(want, sizeof(want), "Recipient suppressed: %s",
		    t[i].want);
		/* exactly the room the text needs: its last octet is kept */
		len = strlen(want) + 1;
		memset(buf, 'x', sizeof(buf));
		assert_int_equal(cond_text(COND_RECIPIENT_SUPPRESSED,
		    t[i].detail, buf, len), strlen(want));
		if (strcmp(buf, want) != 0)
			fail_msg("%s: '%s'", t[i].name, buf);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_row_matches_the_design_table),
		cmocka_unit_test(lookup_by_unknown_json_code_is_null),
		cmocka_unit_test(out_of_range_id_falls_back_to_a_temporary_reply),
		cmocka_unit_test(format_with_and_without_detail),
		cmocka_unit_test(detail_cannot_inject_a_second_line),
		cmocka_unit_test(only_controls_are_blanked_to_the_last_octet),
		cmocka_unit_test(format_truncates_and_reports_needed_length),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
