/*
 * NAME
 *	test_policyd_noscript - what relay-policyd does with a NOSCRIPT
 *	reply: load and send again, send again, or let it stand
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "policyd_noscript.h"

#define NOSCRIPT "NOSCRIPT No matching script. Please use EVAL."

static const struct {
	const char	*name;
	const char	*err;
	int		 script, resent, loaded;
	enum pd_noscript_next want;
} cases[] = {
	{ "an answer is kept", NULL, 1, 0, 0, PD_NOSCRIPT_DONE },
	{ "another error reply is kept", "BUSY Redis is busy", 1, 0, 0,
	    PD_NOSCRIPT_DONE },
	{ "an error reply to the resent command is kept", "NOPERM no", 1, 1,
	    1, PD_NOSCRIPT_DONE },
	{ "NOSCRIPT to a plain command is kept", NOSCRIPT, 0, 0, 0,
	    PD_NOSCRIPT_DONE },
	{ "first NOSCRIPT: load, then send again", NOSCRIPT, 1, 0, 0,
	    PD_NOSCRIPT_LOAD },
	{ "first NOSCRIPT after another's load: send again", NOSCRIPT, 1, 0,
	    1, PD_NOSCRIPT_RESEND },
	{ "NOSCRIPT to the resent command: fail", NOSCRIPT, 1, 1, 1,
	    PD_NOSCRIPT_FAIL },
	{ "NOSCRIPT to the resent command, loaded again since: fail",
	    NOSCRIPT, 1, 1, 0, PD_NOSCRIPT_FAIL },
	{ "a NOSCRIPT prefix only counts at the start", "ERR NOSCRIPT", 1, 0,
	    0, PD_NOSCRIPT_DONE },
};

static void
each_reply_gets_its_next_step(void **state)
{
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum pd_noscript_next got = pd_noscript_next(cases[i].err,
		    cases[i].script, cases[i].resent, cases[i].loaded);

		if (got != cases[i].want)
			fail_msg("%s: got %d, want %d", cases[i].name, (int)got,
			    (int)cases[i].want);
	}
}

static void
never_more_than_one_resend(void **state)
{
	enum pd_noscript_next n;
	int	 sends = 1, resent = 0;

	(void)state;
	/* A Redis that answers NOSCRIPT for ever: one resend, then 451. */
	while (sends < 10) {
		n = pd_noscript_next(NOSCRIPT, 1, resent, 0);
		if (n != PD_NOSCRIPT_LOAD && n != PD_NOSCRIPT_RESEND)
			break;
		sends++;
		resent = 1;
	}
	assert_int_equal(sends, 2);
	assert_int_equal(n, PD_NOSCRIPT_FAIL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(each_reply_gets_its_next_step),
		cmocka_unit_test(never_more_than_one_resend),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
