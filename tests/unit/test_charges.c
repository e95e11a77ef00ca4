/*
 * NAME
 *	test_charges - which values of a charges hash (or of a record's
 *	charges) name a warming set a charge may be taken out of
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "charges.h"

/* W - charges_warm_key of a string literal */
#define W(s)	charges_warm_key((s), sizeof(s) - 1)

/* charges are taken out of warming sets only */
static void
only_warm_sets_are_refunded_from(void **state)
{
	(void)state;
	assert_int_equal(W("relay:{d:example.com}:warm"), 1);
	assert_int_equal(W("relay:{d:a}:warm"), 1);
	/* another kind of key, or none */
	assert_int_equal(W("relay:{d:example.com}:domain"), 0);
	assert_int_equal(W("relay:{m:alice}:warm"), 0);
	assert_int_equal(W("relay:{d:}:warm"), 0);
	assert_int_equal(W("relay:{d:example.com}:warmer"), 0);
	assert_int_equal(W("x"), 0);
	assert_int_equal(W(""), 0);
	/* a tag that would escape or name two slots */
	assert_int_equal(W("relay:{d:a}:x{d:b}:warm"), 0);
	assert_int_equal(W("relay:{d:a b}:warm"), 0);
	assert_int_equal(charges_warm_key("relay:{d:a\0b}:warm", 18), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(only_warm_sets_are_refunded_from),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
