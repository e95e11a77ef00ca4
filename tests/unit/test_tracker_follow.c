/*
 * NAME
 *	test_tracker_follow - the log follower on real files: partial lines,
 *	rename and truncation rotation, over-long lines, resuming
 * DESCRIPTION
 *	Each case works in its own temporary folder, removed afterwards.
 */
#include <sys/stat.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "log.h"
#include "tracker_follow.h"

struct fx {
	char	 dir[64];
	char	 path[128];
	char	 rotated[128];
};

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	snprintf(fx->dir, sizeof(fx->dir), "/tmp/test_tracker_follow.XXXXXX");
	if (mkdtemp(fx->dir) == NULL)
		return -1;
	snprintf(fx->path, sizeof(fx->path), "%s/maillog", fx->dir);
	snprintf(fx->rotated, sizeof(fx->rotated), "%s/maillog.1", fx->dir);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	unlink(fx->path);
	unlink(fx->rotated);
	rmdir(fx->dir);
	free(fx);
	return 0;
}

static void
append(const char *path, const char *s)
{
	FILE	*fp = fopen(path, "a");

	assert_non_null(fp);
	fputs(s, fp);
	fclose(fp);
}

/* next - the next line as a string, or NULL when there is none now */
static const char *
next(struct follow *f, struct follow_pos *pos)
{
	static char	 buf[4096];
	const char	*l;
	size_t		 n;

	if (follow_next(f, &l, &n, pos) != 1)
		return NULL;
	assert_true(n < sizeof(buf));
	memcpy(buf, l, n);
	buf[n] = '\0';
	return buf;
}

static void
partial_lines_wait_for_their_newline(void **state)
{
	struct fx	*fx = *state;
	struct follow	*f;
	struct follow_pos p;

	append(fx->path, "one\ntw");
	f = follow_open(fx->path, 1024, NULL);
	assert_string_equal(next(f, &p), "one");
	assert_int_equal(p.off, 4);
	assert_null(next(f, &p));
	append(fx->path, "o\nthree\n");
	assert_string_equal(next(f, &p), "two");
	assert_int_equal(p.off, 8);
	assert_string_equal(next(f, &p), "three");
	assert_int_equal(p.off, 14);
	assert_null(next(f, &p));
	assert_int_equal(follow_stats(f)->lines, 3);
	follow_free(f);
}

static void
rename_rotation_reads_the_old_file_to_its_end(void **state)
{
	struct fx	*fx = *state;
	struct follow	*f;
	struct follow_pos p;
	struct stat	 sb;

	append(fx->path, "a1\n");
	f = follow_open(fx->path, 1024, NULL);
	assert_string_equal(next(f, &p), "a1");
	assert_int_equal(rename(fx->path, fx->rotated), 0);
	assert_null(next(f, &p));		/* the new file is not there yet */
	append(fx->rotated, "a2 written late\npart");
	append(fx->path, "b1\n");
	assert_string_equal(next(f, &p), "a2 written late");
	assert_string_equal(next(f, &p), "part");	/* unterminated rest */
	assert_int_equal(stat(fx->path, &sb), 0);
	assert_int_equal(p.ino, (uint64_t)sb.st_ino);
	assert_int_equal(p.off, 0);
	assert_string_equal(next(f, &p), "b1");
	assert_int_equal(p.off, 3);
	assert_int_equal(follow_stats(f)->rotations, 1);
	follow_free(f);
}

static void
truncation_starts_again_at_zero(void **state)
{
	struct fx	*fx = *state;
	struct follow	*f;
	struct follow_pos p;

	append(fx->path, "first line\nsecond line\n");
	f = follow_open(fx->path, 1024, NULL);
	assert_string_equal(next(f, &p), "first line");
	assert_string_equal(next(f, &p), "second line");
	assert_int_equal(truncate(fx->path, 0), 0);
	append(fx->path, "x\n");
	assert_string_equal(next(f, &p), "x");
	assert_int_equal(p.off, 2);
	assert_int_equal(follow_stats(f)->truncations, 1);
	follow_free(f);
}

static void
over_long_lines_are_skipped_and_counted(void **state)
{
	struct fx	*fx = *state;
	struct follow	*f;
	struct follow_pos p;
	char		 big[200000];

	memset(big, 'x', sizeof(big) - 2);
	big[sizeof(big) - 2] = '\n';
	big[sizeof(big) - 1] = '\0';
	append(fx->path, "short\n");
	append(fx->path, big);
	append(fx->path, "after\n");
	f = follow_open(fx->path, 512, NULL);
	assert_string_equal(next(f, &p), "short");
	assert_string_equal(next(f, &p), "after");
	assert_int_equal(p.off, (int64_t)(6 + sizeof(big) - 1 + 6));
	assert_int_equal(follow_stats(f)->too_long, 1);
	assert_int_equal(follow_stats(f)->lines, 2);
	follow_free(f);
}

static void
resume_at_the_saved_position(void **state)
{
	struct fx	*fx = *state;
	struct follow	*f;
	struct follow_pos p, saved;

	append(fx->path, "l1\nl2\nl3\n");
	f = follow_open(fx->path, 1024, NULL);
	assert_string_equal(next(f, &p), "l1");
	assert_string_equal(next(f, &p), "l2");
	saved = p;
	follow_free(f);
	f = follow_open(fx->path, 1024, &saved);
	assert_string_equal(next(f, &p), "l3");
	assert_null(next(f, &p));
	follow_free(f);
	/* the file shrank while we were down: read it again from 0 */
	assert_int_equal(truncate(fx->path, 3), 0);
	f = follow_open(fx->path, 1024, &saved);
	assert_string_equal(next(f, &p), "l1");
	follow_free(f);
}

static void
resume_in_the_rotated_file_first(void **state)
{
	struct fx	*fx = *state;
	struct follow	*f;
	struct follow_pos p, saved;

	append(fx->path, "old1\nold2\n");
	f = follow_open(fx->path, 1024, NULL);
	assert_string_equal(next(f, &p), "old1");
	saved = p;
	follow_free(f);
	/* rotated while the tracker was down */
	assert_int_equal(rename(fx->path, fx->rotated), 0);
	append(fx->path, "new1\n");
	f = follow_open(fx->path, 1024, &saved);
	assert_string_equal(next(f, &p), "old2");
	assert_string_equal(next(f, &p), "new1");
	assert_null(next(f, &p));
	follow_free(f);
	/* and when the rotated file is gone (compressed): the new file only */
	unlink(fx->rotated);
	f = follow_open(fx->path, 1024, &saved);
	assert_string_equal(next(f, &p), "new1");
	follow_free(f);
}

static void
a_missing_file_is_waited_for(void **state)
{
	struct fx	*fx = *state;
	struct follow	*f;
	struct follow_pos p;

	f = follow_open(fx->path, 1024, NULL);
	assert_null(next(f, &p));
	append(fx->path, "hello\n");
	assert_string_equal(next(f, &p), "hello");
	follow_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(partial_lines_wait_for_their_newline, setup, teardown),
		cmocka_unit_test_setup_teardown(rename_rotation_reads_the_old_file_to_its_end, setup, teardown),
		cmocka_unit_test_setup_teardown(truncation_starts_again_at_zero, setup, teardown),
		cmocka_unit_test_setup_teardown(over_long_lines_are_skipped_and_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(resume_at_the_saved_position, setup, teardown),
		cmocka_unit_test_setup_teardown(resume_in_the_rotated_file_first, setup, teardown),
		cmocka_unit_test_setup_teardown(a_missing_file_is_waited_for, setup, teardown),
	};

	log_open("test_tracker_follow", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
