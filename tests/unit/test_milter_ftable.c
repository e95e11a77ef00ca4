/*
 * test_milter_ftable - the storage of relay-milter's fact cache
 * (milter/ftable.c): lookups by key and field, dropping a key drops all
 * its fields and nothing else, the sequence number a reader compares,
 * and a full table starting cold.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ftable.h"

static void
test_get_put(void **state)
{
	struct ftable	*t = ftable_new(100);
	int		 v = 0, w = 42;
	unsigned char	 b = 9;

	(void)state;
	assert_int_equal(ftable_get(t, "k", "", &v, sizeof(v)), 0);
	ftable_put(t, "k", "", &w, sizeof(w));
	assert_int_equal(ftable_get(t, "k", "", &v, sizeof(v)), 1);
	assert_int_equal(v, 42);
	/* another field, another key with the same field, a size mismatch */
	assert_int_equal(ftable_get(t, "k", "x", &v, sizeof(v)), 0);
	assert_int_equal(ftable_get(t, "k2", "", &v, sizeof(v)), 0);
	assert_int_equal(ftable_get(t, "k", "", &b, 1), 0);
	assert_int_equal(b, 9);
	/* replace in place */
	w = 7;
	ftable_put(t, "k", "", &w, sizeof(w));
	assert_int_equal(ftable_count(t), 1);
	assert_int_equal(ftable_get(t, "k", "", &v, sizeof(v)), 1);
	assert_int_equal(v, 7);
	/* key and field do not run together: "ab"+"c" is not "a"+"bc" */
	b = 1;
	ftable_put(t, "ab", "c", &b, 1);
	assert_int_equal(ftable_get(t, "a", "bc", &b, 1), 0);
	assert_int_equal(ftable_get(t, "ab", "c", &b, 1), 1);
	ftable_free(t);
}

static void
test_drop(void **state)
{
	struct ftable	*t = ftable_new(1000);
	unsigned char	 one = 1, v;
	char		 f[32];
	unsigned long	 s0;
	int		 i;

	(void)state;
	for (i = 0; i < 200; i++) {
		snprintf(f, sizeof(f), "rcpt%d@example.test", i);
		ftable_put(t, "relay:{m:alice}:suppress", f, &one, 1);
		ftable_put(t, "relay:{m:bob}:suppress", f, &one, 1);
	}
	ftable_put(t, "relay:{d:alice.test}:domain", "", &one, 1);
	assert_int_equal(ftable_count(t), 401);
	s0 = ftable_seq(t);
	/* the key's length is given: an invalidation's key is not NUL-ended */
	ftable_drop(t, "relay:{m:alice}:suppressXYZ", 24);
	assert_int_equal(ftable_count(t), 201);
	assert_true(ftable_seq(t) > s0);
	assert_int_equal(ftable_get(t, "relay:{m:alice}:suppress",
	    "rcpt5@example.test", &v, 1), 0);
	assert_int_equal(ftable_get(t, "relay:{m:bob}:suppress",
	    "rcpt5@example.test", &v, 1), 1);
	assert_int_equal(ftable_get(t, "relay:{d:alice.test}:domain", "", &v,
	    1), 1);
	/* a key not held: nothing goes, the sequence still moves */
	s0 = ftable_seq(t);
	ftable_drop(t, "relay:{d:other.test}:domain", 27);
	assert_int_equal(ftable_count(t), 201);
	assert_int_equal(ftable_seq(t), s0 + 1);
	/* dropped keys can be filled again */
	ftable_put(t, "relay:{m:alice}:suppress", "x@y.test", &one, 1);
	assert_int_equal(ftable_get(t, "relay:{m:alice}:suppress", "x@y.test",
	    &v, 1), 1);
	s0 = ftable_seq(t);
	ftable_clear(t);
	assert_int_equal(ftable_count(t), 0);
	assert_int_equal(ftable_seq(t), s0 + 1);
	assert_int_equal(ftable_get(t, "relay:{m:bob}:suppress",
	    "rcpt5@example.test", &v, 1), 0);
	ftable_free(t);
}

static void
test_full(void **state)
{
	struct ftable	*t = ftable_new(10);
	char		 k[32];
	int		 i, v;
	unsigned long	 c0 = ftable_clears(t), s0 = ftable_seq(t);

	(void)state;
	for (i = 0; i < 10; i++) {
		snprintf(k, sizeof(k), "key%d", i);
		ftable_put(t, k, "", &i, sizeof(i));
	}
	assert_int_equal(ftable_count(t), 10);
	assert_int_equal(ftable_clears(t), c0);
	/* the eleventh: everything goes first, then it is kept */
	i = 10;
	ftable_put(t, "key10", "", &i, sizeof(i));
	assert_int_equal(ftable_count(t), 1);
	assert_int_equal(ftable_clears(t), c0 + 1);
	assert_true(ftable_seq(t) > s0);
	assert_int_equal(ftable_get(t, "key3", "", &v, sizeof(v)), 0);
	assert_int_equal(ftable_get(t, "key10", "", &v, sizeof(v)), 1);
	assert_int_equal(v, 10);
	/* replacing a value held does not count as a new entry */
	for (i = 0; i < 100; i++)
		ftable_put(t, "key10", "", &i, sizeof(i));
	assert_int_equal(ftable_count(t), 1);
	ftable_free(t);
}

static void
test_many(void **state)
{
	struct ftable	*t = ftable_new(100000);
	char		 k[48];
	int		 i, v, bad = 0;

	(void)state;
	for (i = 0; i < 50000; i++) {
		snprintf(k, sizeof(k), "relay:{d:d%d.test}:domain", i);
		ftable_put(t, k, "", &i, sizeof(i));
	}
	for (i = 0; i < 50000; i += 2) {
		snprintf(k, sizeof(k), "relay:{d:d%d.test}:domain", i);
		ftable_drop(t, k, strlen(k));
	}
	assert_int_equal(ftable_count(t), 25000);
	for (i = 0; i < 50000; i++) {
		snprintf(k, sizeof(k), "relay:{d:d%d.test}:domain", i);
		if (ftable_get(t, k, "", &v, sizeof(v)) != (i % 2) ||
		    (i % 2 && v != i))
			bad++;
	}
	assert_int_equal(bad, 0);
	ftable_free(t);
	ftable_free(NULL);
}

/* ftable_clear empties every bucket, the first and the last too: rounds of
 * 64 keys in a table of 64 buckets; a new table's counters start at 0, and
 * overwriting a value of the same size keeps the other entries. */
static void
test_clear_every_bucket(void **state)
{
	struct ftable	*t = ftable_new(64);
	char		 k[48];
	int		 r, i, v, left = 0;

	(void)state;
	assert_int_equal(ftable_seq(t), 0);
	assert_int_equal(ftable_clears(t), 0);
	for (r = 0; r < 16; r++) {
		for (i = 0; i < 64; i++) {
			snprintf(k, sizeof(k), "relay:{d:r%di%d.test}:domain",
			    r, i);
			ftable_put(t, k, "", &i, sizeof(i));
		}
		assert_int_equal(ftable_count(t), 64);
		ftable_clear(t);
		assert_int_equal(ftable_count(t), 0);
		for (i = 0; i < 64; i++) {
			snprintf(k, sizeof(k), "relay:{d:r%di%d.test}:domain",
			    r, i);
			left += ftable_get(t, k, "", &v, sizeof(v));
		}
	}
	assert_int_equal(left, 0);
	assert_int_equal(ftable_seq(t), 16);
	assert_int_equal(ftable_clears(t), 16);
	ftable_drop(t, "k", 1);
	assert_int_equal(ftable_seq(t), 17);
	assert_int_equal(ftable_clears(t), 16);
	/* the same size again: in place, the others stay, no clear */
	i = 1;
	ftable_put(t, "k1", "", &i, sizeof(i));
	ftable_put(t, "k2", "", &i, sizeof(i));
	i = 2;
	ftable_put(t, "k1", "", &i, sizeof(i));
	assert_int_equal(ftable_count(t), 2);
	assert_int_equal(ftable_clears(t), 16);
	assert_int_equal(ftable_get(t, "k2", "", &v, sizeof(v)), 1);
	assert_int_equal(ftable_get(t, "k1", "", &v, sizeof(v)), 1);
	assert_int_equal(v, 2);
	ftable_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_put),
		cmocka_unit_test(test_drop),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_clear_every_bucket),
	};

	return cmocka_run_group_tests_name("milter_ftable", tests, NULL, NULL);
}
