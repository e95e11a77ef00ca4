/*
 * NAME
 *	test_policyd_dcache - relay-policyd's domain facts cache: hits,
 *	misses, expiry, forgetting, and the bound on its size
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "policyd_dcache.h"

#define NOW	1800000000

static struct pd_dcache_ent
ent(const char *member, long long verified_at)
{
	struct pd_dcache_ent e;

	memset(&e, 0, sizeof(e));
	snprintf(e.member, sizeof(e.member), "%s", member);
	e.verified_at = verified_at;
	e.per_hour = -1;
	e.per_day = 500;
	return e;
}

static void
put_then_get_returns_the_facts(void **state)
{
	struct pd_dcache *c = pd_dcache_new(10, 60);
	struct pd_dcache_ent e = ent("alice", 1700000000), got;

	(void)state;
	assert_int_equal(pd_dcache_get(c, "a.example", NOW, &got), 0);
	pd_dcache_put(c, "a.example", &e, NOW);
	assert_int_equal(pd_dcache_get(c, "a.example", NOW + 59, &got), 1);
	assert_string_equal(got.member, "alice");
	assert_int_equal(got.verified_at, 1700000000);
	assert_int_equal(got.per_hour, -1);
	assert_int_equal(got.per_day, 500);
	assert_int_equal(pd_dcache_get(c, "b.example", NOW, &got), 0);
	assert_int_equal(pd_dcache_get(c, "A.example", NOW, &got), 0);
	e = ent("bob", 0);
	pd_dcache_put(c, "a.example", &e, NOW + 10);
	assert_int_equal(pd_dcache_count(c), 1);
	assert_int_equal(pd_dcache_get(c, "a.example", NOW + 69, &got), 1);
	assert_string_equal(got.member, "bob");
	pd_dcache_free(c);
}

static void
entries_expire_after_the_ttl(void **state)
{
	struct pd_dcache *c = pd_dcache_new(10, 60);
	struct pd_dcache_ent e = ent("alice", 1), got;

	(void)state;
	pd_dcache_put(c, "a.example", &e, NOW);
	assert_int_equal(pd_dcache_get(c, "a.example", NOW + 60, &got), 0);
	assert_int_equal(pd_dcache_count(c), 0);
	pd_dcache_free(c);
}

static void
del_forgets_one_domain(void **state)
{
	struct pd_dcache *c = pd_dcache_new(10, 60);
	struct pd_dcache_ent e = ent("alice", 1), got;

	(void)state;
	pd_dcache_put(c, "a.example", &e, NOW);
	pd_dcache_put(c, "b.example", &e, NOW);
	pd_dcache_del(c, "a.example");
	pd_dcache_del(c, "never.example");
	assert_int_equal(pd_dcache_get(c, "a.example", NOW, &got), 0);
	assert_int_equal(pd_dcache_get(c, "b.example", NOW, &got), 1);
	assert_int_equal(pd_dcache_count(c), 1);
	pd_dcache_free(c);
}

static void
size_is_bounded(void **state)
{
	struct pd_dcache *c = pd_dcache_new(100, 60);
	struct pd_dcache_ent e = ent("alice", 1), got;
	char	 d[64];
	int	 i;

	(void)state;
	/* 50 that expire, then 200 more: the expired ones go first. */
	for (i = 0; i < 50; i++) {
		snprintf(d, sizeof(d), "old%d.example", i);
		pd_dcache_put(c, d, &e, NOW - 100);
	}
	for (i = 0; i < 50; i++) {
		snprintf(d, sizeof(d), "new%d.example", i);
		pd_dcache_put(c, d, &e, NOW);
	}
	assert_int_equal(pd_dcache_count(c), 100);
	pd_dcache_put(c, "one-more.example", &e, NOW);
	assert_int_equal(pd_dcache_count(c), 51);
	assert_int_equal(pd_dcache_get(c, "new49.example", NOW, &got), 1);
	for (i = 0; i < 200; i++) {
		snprintf(d, sizeof(d), "x%d.example", i);
		pd_dcache_put(c, d, &e, NOW);
		assert_true(pd_dcache_count(c) <= 100);
	}
	assert_int_equal(pd_dcache_get(c, "x199.example", NOW, &got), 1);
	pd_dcache_free(c);
}

static void
overlong_names_are_not_kept(void **state)
{
	struct pd_dcache *c = pd_dcache_new(10, 60);
	struct pd_dcache_ent e = ent("alice", 1), got;
	char	 d[PD_DCACHE_NAME_MAX + 8];

	(void)state;
	memset(d, 'a', sizeof(d) - 1);
	d[sizeof(d) - 1] = '\0';
	pd_dcache_put(c, d, &e, NOW);
	assert_int_equal(pd_dcache_count(c), 0);
	assert_int_equal(pd_dcache_get(c, d, NOW, &got), 0);
	pd_dcache_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(put_then_get_returns_the_facts),
		cmocka_unit_test(entries_expire_after_the_ttl),
		cmocka_unit_test(del_forgets_one_domain),
		cmocka_unit_test(size_is_bounded),
		cmocka_unit_test(overlong_names_are_not_kept),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
