/*
 * NAME
 *	test_tracker_rotated - which names are rotated copies of the log,
 *	and which one is read after another (pure, no files)
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "tracker_rotated.h"

#define S	1000000000LL	/* a second in ns */

static void
names_of_rotated_copies(void **state)
{
	static const struct {
		const char	*name;
		enum rot_kind	 want;
	} cases[] = {
		{ "mail.log.1", ROT_PLAIN },
		{ "mail.log.12", ROT_PLAIN },
		{ "mail.log-20240101", ROT_PLAIN },
		{ "mail.log.20240101-120000", ROT_PLAIN },	/* postfix logrotate */
		{ "mail.log-2024-01-01", ROT_PLAIN },
		{ "mail.log.2.gz", ROT_COMPRESSED },
		{ "mail.log-20240101.xz", ROT_COMPRESSED },
		{ "mail.log.20240101-120000.gz", ROT_COMPRESSED },
		{ "mail.log.3.bz2", ROT_COMPRESSED },
		{ "mail.log.4.zst", ROT_COMPRESSED },
		{ "mail.log", ROT_NONE },		/* the log itself */
		{ "mail.log.", ROT_NONE },
		{ "mail.log.state", ROT_NONE },		/* not a digit */
		{ "mail.log.tmp", ROT_NONE },
		{ "mail.log-old", ROT_NONE },
		{ "mail.log1", ROT_NONE },		/* no separator */
		{ "mail.logs.1", ROT_NONE },
		{ "other.log.1", ROT_NONE },
		{ "mail.lo", ROT_NONE },
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (rot_kind("mail.log", cases[i].name) != cases[i].want)
			fail_msg("%s: %d, want %d", cases[i].name,
			    (int)rot_kind("mail.log", cases[i].name),
			    (int)cases[i].want);
	assert_int_equal(rot_kind("", "x.1"), ROT_NONE);
}

static void
newer_is_by_mtime_then_name(void **state)
{
	struct rot_file a = { "mail.log.1", 5 * S, 1, 11, 0 };
	struct rot_file b = { "mail.log.2", 5 * S, 1, 12, 0 };
	struct rot_file c = { "mail.log.2", 6 * S, 1, 12, 0 };
	struct rot_file d1 = { "mail.log-20240101", 5 * S, 1, 13, 0 };
	struct rot_file d2 = { "mail.log-20240102", 5 * S, 1, 14, 0 };
	struct rot_file n10 = { "mail.log.10", 5 * S, 1, 15, 0 };
	struct rot_file anon = { NULL, 5 * S, 1, 16, 0 };

	(void)state;
	assert_true(rot_newer(&c, &a));		/* mtime first */
	assert_false(rot_newer(&a, &c));
	assert_true(rot_newer(&a, &b));		/* a tie: .1 after .2 */
	assert_false(rot_newer(&b, &a));
	assert_true(rot_newer(&b, &n10));	/* numbers, not strings */
	assert_true(rot_newer(&d2, &d1));	/* dates ascending */
	assert_false(rot_newer(&d1, &d2));
	assert_true(rot_newer(&a, &anon));	/* a tie with no name: newer */
	assert_false(rot_newer(&anon, &a));
}

/* walk - the names read after start, in order, joined by spaces */
static void
walk(const struct rot_file *v, size_t n, const struct rot_file *start,
    char *out, size_t size)
{
	struct rot_file	 done = *start;
	size_t		 len = 0, steps;
	long		 i;

	out[0] = '\0';
	for (steps = 0; steps <= n; steps++) {
		if ((i = rot_next(v, n, &done)) < 0)
			return;
		len += (size_t)snprintf(out + len, size - len, "%s%s",
		    len > 0 ? " " : "", v[i].name);
		done = v[i];
	}
	fail_msg("the walk did not end");
}

static void
numbered_files_are_read_oldest_first(void **state)
{
	/* listed in directory order, not age order */
	const struct rot_file v[] = {
		{ "mail.log.1", 30 * S, 1, 101, 0 },
		{ "mail.log.3.gz", 10 * S, 1, 103, 1 },
		{ "mail.log.2", 20 * S, 1, 102, 0 },
		{ "mail.log.4.gz", 5 * S, 1, 104, 1 },
	};
	char	 got[256];

	(void)state;
	/* resumed in .2: .1 next, then the log */
	walk(v, 4, &v[2], got, sizeof(got));
	assert_string_equal(got, "mail.log.1");
	/* resumed in .1: the log at once */
	walk(v, 4, &v[0], got, sizeof(got));
	assert_string_equal(got, "");
	/* the saved file gone, its mtime known: the later ones, in order */
	{
		struct rot_file gone = { NULL, 15 * S, 1, 999, 0 };

		walk(v, 4, &gone, got, sizeof(got));
		assert_string_equal(got, "mail.log.2 mail.log.1");
	}
}

static void
ties_follow_the_rotation_names(void **state)
{
	/* three rotations within one timestamp step */
	const struct rot_file v[] = {
		{ "mail.log.1", 7 * S, 1, 201, 0 },
		{ "mail.log.3", 7 * S, 1, 203, 0 },
		{ "mail.log.2", 7 * S, 1, 202, 0 },
	};
	const struct rot_file d[] = {
		{ "mail.log-20240103", 7 * S, 1, 303, 0 },
		{ "mail.log-20240101", 7 * S, 1, 301, 0 },
		{ "mail.log-20240102", 7 * S, 1, 302, 0 },
	};
	char	 got[256];

	(void)state;
	walk(v, 3, &v[1], got, sizeof(got));
	assert_string_equal(got, "mail.log.2 mail.log.1");
	walk(d, 3, &d[1], got, sizeof(got));
	assert_string_equal(got, "mail.log-20240102 mail.log-20240103");
}

static void
the_done_file_and_compressed_ones_are_never_next(void **state)
{
	/* the open file, renamed, with an mtime in the future of another */
	const struct rot_file v[] = {
		{ "mail.log.20240102-000000", 50 * S, 1, 401, 0 },
		{ "mail.log.20240103-000000.gz", 60 * S, 1, 402, 1 },
	};
	struct rot_file	 done = { NULL, 40 * S, 1, 401, 0 };

	(void)state;
	/* same inode as done: itself, even with a later mtime */
	assert_int_equal(rot_next(v, 2, &done), -1);
	assert_int_equal(rot_next(v, 0, &done), -1);
	done.ino = 400;
	assert_int_equal(rot_next(v, 2, &done), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names_of_rotated_copies),
		cmocka_unit_test(newer_is_by_mtime_then_name),
		cmocka_unit_test(numbered_files_are_read_oldest_first),
		cmocka_unit_test(ties_follow_the_rotation_names),
		cmocka_unit_test(the_done_file_and_compressed_ones_are_never_next),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
