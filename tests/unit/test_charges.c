/*
 * NAME
 *	test_charges - which values of a charges hash (or of a record's
 *	charges) name a warming set a charge may be taken out of; which
 *	charges of an accepted message are beyond its RCPTs
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

/* P - charges_pick over a literal array; the count it returns */
#define P(keep, ...)	pick((int[]){ __VA_ARGS__ },			\
	    sizeof((int[]){ __VA_ARGS__ }) / sizeof(int), (keep), NULL)

static size_t
pick(int *on, size_t n, size_t keep, const char *want)
{
	size_t	 i, r = charges_pick(on, n, keep);

	for (i = 0; want != NULL && i < n; i++)
		assert_int_equal(on[i], want[i] - '0');
	return r;
}

/* beyond keep live charges, the others are marked to be taken out */
static void
excess_charges_are_picked(void **state)
{
	int	 a[] = { 1, 0, 1, 1, 0, 1 }, b[] = { 0, 1, 1 }, c[] = { 1, 1 };

	(void)state;
	/* a charge no longer in its set counts for nothing */
	assert_int_equal(pick(a, 6, 2, "000101"), 2);
	assert_int_equal(pick(b, 3, 0, "011"), 2);
	assert_int_equal(pick(c, 2, 2, "00"), 0);
	/* no more live ones than kept: nothing */
	assert_int_equal(P(3, 1, 0, 1), 0);
	assert_int_equal(P(1, 0, 0, 0), 0);
	assert_int_equal(P(0, 0), 0);
	assert_int_equal(charges_pick(NULL, 0, 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(only_warm_sets_are_refunded_from),
		cmocka_unit_test(excess_charges_are_picked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
