/*
 * NAME
 *	test_policyd_move - when relay-policyd sends the requests waiting on
 *	a connection to a server turned replica again on a new connection
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "policyd_move.h"

static const struct {
	const char	*name;
	int64_t		 now, last;
	int		 window, want;
} windows[] = {
	{ "the first move", 1000, 0, 5000, 1 },
	{ "the first move, early after start", 10, 0, 5000, 1 },
	{ "a move within the window: no", 5999, 1000, 5000, 0 },
	{ "a move just at the window's end", 6000, 1000, 5000, 1 },
	{ "a move long after", 90000, 1000, 5000, 1 },
	{ "two at the same time: the second waits", 1000, 1000, 500, 0 },
};

static void
one_move_per_window(void **state)
{
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(windows) / sizeof(windows[0]); i++) {
		int got = pd_move_ok(windows[i].now, windows[i].last,
		    windows[i].window);

		if (got != windows[i].want)
			fail_msg("%s: got %d, want %d", windows[i].name, got,
			    windows[i].want);
	}
}

static const struct {
	const char	*name;
	int		 reported, failed, moved, want;
} batches[] = {
	{ "waiting, sent whole, never moved: goes", 0, 0, 0, 1 },
	{ "answered already (its timer fired): stays", 1, 0, 0, 0 },
	{ "a command not sent: stays, fails", 0, 1, 0, 0 },
	{ "moved once: its answer stands", 0, 0, 1, 0 },
	{ "answered and moved: stays", 1, 0, 1, 0 },
};

static void
a_batch_moves_once(void **state)
{
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(batches) / sizeof(batches[0]); i++) {
		int got = pd_batch_moves(batches[i].reported,
		    batches[i].failed, batches[i].moved);

		if (got != batches[i].want)
			fail_msg("%s: got %d, want %d", batches[i].name, got,
			    batches[i].want);
	}
}

static void
a_replica_for_ever_moves_once_per_window(void **state)
{
	int64_t	 now, last = 0;
	int	 moves = 0;

	(void)state;
	/* READONLY on every connection, a request every 10 ms for 10 s */
	for (now = 1; now <= 10000; now += 10)
		if (pd_move_ok(now, last, 500)) {
			moves++;
			last = now;
		}
	assert_int_equal(moves, 20);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(one_move_per_window),
		cmocka_unit_test(a_batch_moves_once),
		cmocka_unit_test(a_replica_for_ever_moves_once_per_window),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
