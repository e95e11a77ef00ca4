/*
 * NAME
 *	test_tracker_recheck - the queue of refusals looked up once more
 * DESCRIPTION
 *	Built with RECHECK_MAX 8, so a full queue and the ring's wrap are
 *	reached.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "maillog.h"
#include "tracker_apply.h"
#include "tracker_recheck.h"

static struct tracker_item
item(int n)
{
	struct tracker_item it;

	memset(&it, 0, sizeof(it));
	it.ev.kind = MAILLOG_REJECTED;
	snprintf(it.ev.qid, sizeof(it.ev.qid), "4jREJ%07d", n);
	it.pos.off = n;
	it.recheck = 2;
	return it;
}

/* nothing before it is due; then the copies, whole, in the order put */
static void
due_in_order(void **state)
{
	struct recheck	*rq = recheck_new();
	struct tracker_item it, out[RECHECK_MAX];

	(void)state;
	assert_int_equal(recheck_take(rq, INT64_MAX, out, RECHECK_MAX), 0);
	it = item(1);
	assert_int_equal(recheck_put(rq, &it, 1000), 0);
	it = item(2);
	assert_int_equal(recheck_put(rq, &it, 1500), 0);
	it.ev.qid[0] = 'X';	/* a copy was kept, not the caller's item */
	assert_int_equal(recheck_count(rq), 2);
	assert_int_equal(recheck_take(rq, 999, out, RECHECK_MAX), 0);
	assert_int_equal(recheck_take(rq, 1000, out, RECHECK_MAX), 1);
	assert_string_equal(out[0].ev.qid, "4jREJ0000001");
	assert_int_equal(out[0].pos.off, 1);
	assert_int_equal(out[0].recheck, 2);
	assert_int_equal(recheck_count(rq), 1);
	assert_int_equal(recheck_take(rq, 1499, out, RECHECK_MAX), 0);
	assert_int_equal(recheck_take(rq, 5000, out, RECHECK_MAX), 1);
	assert_string_equal(out[0].ev.qid, "4jREJ0000002");
	assert_int_equal(recheck_count(rq), 0);
	recheck_free(rq);
}

/* a full queue refuses the newest and counts it; take honours max */
static void
full_and_max(void **state)
{
	struct recheck	*rq = recheck_new();
	struct tracker_item it, out[RECHECK_MAX];
	int		 i;

	(void)state;
	for (i = 0; i < RECHECK_MAX; i++) {
		it = item(i);
		assert_int_equal(recheck_put(rq, &it, i), 0);
	}
	it = item(99);
	assert_int_equal(recheck_put(rq, &it, 0), -1);
	assert_int_equal(recheck_put(rq, &it, 0), -1);
	assert_int_equal(recheck_dropped(rq), 2);
	assert_int_equal(recheck_count(rq), RECHECK_MAX);
	assert_int_equal(recheck_take(rq, INT64_MAX, out, 3), 3);
	assert_string_equal(out[2].ev.qid, "4jREJ0000002");
	assert_int_equal(recheck_take(rq, INT64_MAX, out, RECHECK_MAX),
	    RECHECK_MAX - 3);
	assert_string_equal(out[0].ev.qid, "4jREJ0000003");
	assert_int_equal(recheck_count(rq), 0);
	recheck_free(rq);
}

/* round after round past the ring's end: nothing lost, nothing repeated */
static void
wraps_around(void **state)
{
	struct recheck	*rq = recheck_new();
	struct tracker_item it, out[RECHECK_MAX];
	int		 put = 0, got = 0, round;
	size_t		 k, j;

	(void)state;
	for (round = 0; round < 10; round++) {
		while (recheck_count(rq) < RECHECK_MAX - 2) {
			it = item(put);
			assert_int_equal(recheck_put(rq, &it, put), 0);
			put++;
		}
		k = recheck_take(rq, put - 3, out, RECHECK_MAX);
		for (j = 0; j < k; j++) {
			assert_int_equal(out[j].pos.off, got);
			got++;
		}
		assert_int_equal(recheck_count(rq), 2);
	}
	assert_int_equal(recheck_dropped(rq), 0);
	recheck_free(rq);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(due_in_order),
		cmocka_unit_test(full_and_max),
		cmocka_unit_test(wraps_around),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
