/*
 * NAME
 *	test_arfsig - which DKIM signers (d=) of a complaint report
 *	unsubscribe.complaint_signers trusts: a listed domain and the
 *	domains below it, in any case; never a name that only ends in the
 *	same letters
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "arfsig.h"

static void
listed_domains_and_those_below_them(void **state)
{
	char *const	 list[] = { (char *)"yahoo.com", (char *)"fbl.example" };

	(void)state;
	assert_int_equal(arfsig_listed("yahoo.com", list, 2), 1);
	assert_int_equal(arfsig_listed("YAHOO.com", list, 2), 1);
	assert_int_equal(arfsig_listed("fbl.yahoo.com", list, 2), 1);
	assert_int_equal(arfsig_listed("a.b.fbl.example", list, 2), 1);
	/* the same ending, another domain */
	assert_int_equal(arfsig_listed("notyahoo.com", list, 2), 0);
	assert_int_equal(arfsig_listed("yahoo.com.evil.test", list, 2), 0);
	assert_int_equal(arfsig_listed("ahoo.com", list, 2), 0);
	assert_int_equal(arfsig_listed("com", list, 2), 0);
	assert_int_equal(arfsig_listed("", list, 2), 0);
	/* an empty list trusts nobody (the caller does not check then) */
	assert_int_equal(arfsig_listed("yahoo.com", list, 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(listed_domains_and_those_below_them),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
