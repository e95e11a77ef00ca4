/*
 * NAME
 *	test_tracker_follow - the log follower on real files: partial lines,
 *	rename and truncation rotation (copytruncate to the same size too),
 *	over-long lines however written, resuming, a reused inode, catching
 *	up through several rotated files, a compressed one, a copy
 * DESCRIPTION
 *	Each case works in its own temporary folder, removed afterwards.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
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

	struct dirent	*de;
	DIR		*d = opendir(fx->dir);
	char		 p[400];

	while (d != NULL && (de = readdir(d)) != NULL) {
		snprintf(p, sizeof(p), "%s/%s", fx->dir, de->d_name);
		if (de->d_name[0] != '.')
			unlink(p);
	}
	if (d != NULL)
		closedir(d);
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

/*
 * logrotate's create: the new file exists, empty, before the writer is
 * told to reopen; lines still go to the old one until then
 */
static void
create_rotation_waits_for_the_writer(void **state)
{
	struct fx	*fx = *state;
	struct follow	*f;
	struct follow_pos p;
	struct stat	 sb;
	int		 fd;

	append(fx->path, "a1\n");
	f = follow_open(fx->path, 1024, NULL);
	assert_string_equal(next(f, &p), "a1");
	assert_int_equal(rename(fx->path, fx->rotated), 0);
	assert_true((fd = open(fx->path, O_CREAT | O_WRONLY, 0600)) >= 0);
	close(fd);
	assert_null(next(f, &p));		/* the writer has not reopened */
	append(fx->rotated, "a2 written late\npart");
	assert_string_equal(next(f, &p), "a2 written late");
	assert_null(next(f, &p));		/* its writer may finish it */
	append(fx->rotated, "ial\n");
	assert_string_equal(next(f, &p), "partial");
	assert_int_equal(follow_stats(f)->rotations, 0);
	append(fx->path, "b1\n");		/* reopened: the new file */
	assert_string_equal(next(f, &p), "b1");
	assert_int_equal(stat(fx->path, &sb), 0);
	assert_int_equal(p.ino, (uint64_t)sb.st_ino);
	assert_int_equal(follow_stats(f)->rotations, 1);
	follow_free(f);
}

/*
 * a line stalled only when the follower saw it unfinished FOLLOW_STALL_MS
 * after it first did, not when it looked again only that late
 */
static void
a_line_stalls_only_when_seen_unfinished_that_long(void **state)
{
	struct fx	*fx = *state;
	struct follow	*f;
	struct follow_pos p;

	append(fx->path, "one\ntw");
	f = follow_open(fx->path, 1024, NULL);
	assert_string_equal(next(f, &p), "one");
	assert_null(next(f, &p));		/* first seen unfinished */
	usleep((FOLLOW_STALL_MS + 100) * 1000);
	append(fx->path, "o\n");
	assert_string_equal(next(f, &p), "two");
	assert_int_equal(follow_stalled(f), 0);	/* looked again late */
	append(fx->path, "thr");
	assert_null(next(f, &p));
	usleep((FOLLOW_STALL_MS + 100) * 1000);
	assert_null(next(f, &p));		/* still unfinished: stalled */
	append(fx->path, "ee\n");
	assert_string_equal(next(f, &p), "three");
	assert_int_equal(follow_stalled(f), 1);
	append(fx->path, "four\n");
	assert_string_equal(next(f, &p), "four");
	assert_int_equal(follow_stalled(f), 0);
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

/* rewrite - replace the content of path in place (same inode) */
static void
rewrite(const char *path, const char *s)
{
	FILE	*fp = fopen(path, "r+");

	assert_non_null(fp);
	assert_int_equal(ftruncate(fileno(fp), 0), 0);
	fputs(s, fp);
	fclose(fp);
}

static void
a_reused_inode_is_read_from_its_start(void **state)
{
	struct fx	*fx = *state;
	struct follow	*f;
	struct follow_pos p, saved;
	struct stat	 sb;

	/* position saved after the only line of the old file */
	append(fx->path, "Nov 22 11:57:25 relay postfix/qmgr[1]: OLD: removed\n");
	f = follow_open(fx->path, 1024, NULL);
	assert_non_null(next(f, &p));
	saved = p;
	follow_free(f);
	assert_true(saved.headlen > 0);
	/*
	 * while down: rotated, compressed, and a new log that got the same
	 * inode, already longer than the old offset
	 */
	rewrite(fx->path, "Nov 22 12:00:01 relay postfix/smtp[2]: NEW1: to=<a@b>\n"
	    "Nov 22 12:00:02 relay postfix/qmgr[3]: NEW1: removed\n");
	assert_int_equal(stat(fx->path, &sb), 0);
	assert_int_equal((uint64_t)sb.st_ino, saved.ino);
	assert_true(sb.st_size >= saved.off);
	f = follow_open(fx->path, 1024, &saved);
	assert_string_equal(next(f, &p),
	    "Nov 22 12:00:01 relay postfix/smtp[2]: NEW1: to=<a@b>");
	assert_int_equal(follow_stats(f)->truncations, 1);
	follow_free(f);
	/* an old saved position without the head: the newline check alone */
	saved.headlen = 0;
	f = follow_open(fx->path, 1024, &saved);
	assert_string_equal(next(f, &p),
	    "Nov 22 12:00:01 relay postfix/smtp[2]: NEW1: to=<a@b>");
	follow_free(f);
}

static void
the_same_file_resumes_with_its_head(void **state)
{
	struct fx	*fx = *state;
	struct follow	*f;
	struct follow_pos p, saved;
	char		 line[400];

	/* more than FOLLOW_HEAD_MAX bytes before the saved position */
	memset(line, 'a', sizeof(line) - 2);
	line[sizeof(line) - 2] = '\n';
	line[sizeof(line) - 1] = '\0';
	append(fx->path, line);
	append(fx->path, "second\n");
	f = follow_open(fx->path, 1024, NULL);
	assert_non_null(next(f, &p));
	saved = p;
	assert_int_equal(saved.headlen, FOLLOW_HEAD_MAX);
	follow_free(f);
	f = follow_open(fx->path, 1024, &saved);
	assert_string_equal(next(f, &p), "second");
	assert_int_equal(follow_stats(f)->truncations, 0);
	follow_free(f);
}

static void
copytruncate_to_the_same_size_is_noticed(void **state)
{
	struct fx	*fx = *state;
	struct follow	*f;
	struct follow_pos p;

	append(fx->path, "old line one\nold line two\n");
	f = follow_open(fx->path, 1024, NULL);
	assert_string_equal(next(f, &p), "old line one");
	assert_string_equal(next(f, &p), "old line two");
	assert_null(next(f, &p));
	/* copytruncate, and new lines up to exactly the old offset */
	rewrite(fx->path, "new line one\nnew line two\n");
	assert_string_equal(next(f, &p), "new line one");
	assert_string_equal(next(f, &p), "new line two");
	assert_int_equal(follow_stats(f)->truncations, 1);
	/* and past the old offset */
	rewrite(fx->path, "third gen one\nthird gen two and more\n");
	assert_string_equal(next(f, &p), "third gen one");
	assert_int_equal(follow_stats(f)->truncations, 2);
	follow_free(f);
}

static void
the_line_limit_is_the_same_for_one_write_or_two(void **state)
{
	struct fx	*fx = *state;
	struct follow	*f;
	struct follow_pos p;
	char		 big[5101], half[2600];

	memset(big, 'y', sizeof(big) - 2);
	big[sizeof(big) - 2] = '\n';
	big[sizeof(big) - 1] = '\0';
	/* a 5099-byte line in one write */
	append(fx->path, "short\n");
	append(fx->path, big);
	append(fx->path, "after\n");
	f = follow_open(fx->path, 512, NULL);
	assert_string_equal(next(f, &p), "short");
	assert_string_equal(next(f, &p), "after");
	assert_int_equal(follow_stats(f)->too_long, 1);
	/* the same line in two writes */
	memcpy(half, big, sizeof(half) - 1);
	half[sizeof(half) - 1] = '\0';
	append(fx->path, half);
	assert_null(next(f, &p));
	append(fx->path, big + sizeof(half) - 1);
	append(fx->path, "after2\n");
	assert_string_equal(next(f, &p), "after2");
	assert_int_equal(follow_stats(f)->too_long, 2);
	/* a line of exactly max_line bytes is kept */
	memset(half, 'z', 512);
	half[512] = '\n';
	half[513] = '\0';
	append(fx->path, half);
	assert_non_null(next(f, &p));
	assert_int_equal(follow_stats(f)->too_long, 2);
	follow_free(f);
}

/* in - the name of a file in the test folder, in one of four buffers */
static const char *
in(const struct fx *fx, const char *name)
{
	static char	 b[4][300];
	static int	 i;

	i = (i + 1) % 4;
	snprintf(b[i], sizeof(b[i]), "%s/%s", fx->dir, name);
	return b[i];
}

/* age - set the mtime of path to t (seconds): the order of rotation */
static void
age(const char *path, time_t t)
{
	struct timespec ts[2] = { { t, 0 }, { t, 0 } };

	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
}

/* rotate - logrotate's numbered rename: .1 to .2, the log to .1 */
static void
rotate(const struct fx *fx)
{
	struct stat	 sb;

	if (stat(in(fx, "maillog.1"), &sb) == 0)
		assert_int_equal(rename(in(fx, "maillog.1"),
		    in(fx, "maillog.2")), 0);
	assert_int_equal(rename(fx->path, in(fx, "maillog.1")), 0);
}

/* saved_after_first - the position after the first line of the log */
static void
saved_after_first(const struct fx *fx, struct follow_pos *saved)
{
	struct follow	*f = follow_open(fx->path, 1024, NULL);

	assert_non_null(next(f, saved));
	follow_free(f);
}

static void
two_rotations_while_stopped_are_read_in_order(void **state)
{
	struct fx	*fx = *state;
	struct follow	*f;
	struct follow_pos p, saved;

	append(fx->path, "a1\na2\n");
	saved_after_first(fx, &saved);
	age(fx->path, 1000);
	rotate(fx);
	append(fx->path, "b1\nb2\n");
	age(fx->path, 2000);
	rotate(fx);
	append(fx->path, "c1\n");
	f = follow_open(fx->path, 1024, &saved);
	assert_string_equal(follow_name(f), in(fx, "maillog.2"));
	assert_string_equal(next(f, &p), "a2");
	assert_string_equal(next(f, &p), "b1");
	assert_string_equal(follow_name(f), in(fx, "maillog.1"));
	assert_string_equal(next(f, &p), "b2");
	assert_string_equal(next(f, &p), "c1");
	assert_string_equal(follow_name(f), fx->path);
	assert_null(next(f, &p));
	assert_int_equal(follow_stats(f)->rotations, 2);
	follow_free(f);
}

static void
dated_names_are_read_in_order_and_compressed_skipped(void **state)
{
	struct fx	*fx = *state;
	struct follow	*f;
	struct follow_pos p, saved;

	append(fx->path, "a1\na2\n");
	saved_after_first(fx, &saved);
	assert_int_equal(rename(fx->path, in(fx, "maillog.20240101-000000")),
	    0);
	age(in(fx, "maillog.20240101-000000"), 1000);
	append(in(fx, "maillog.20231231-000000.gz"), "old, compressed\n");
	age(in(fx, "maillog.20231231-000000.gz"), 1500);
	append(in(fx, "maillog-20240102"), "b1\n");
	age(in(fx, "maillog-20240102"), 2000);
	append(in(fx, "maillog.state"), "not a log\n");
	append(fx->path, "c1\n");
	f = follow_open(fx->path, 1024, &saved);
	assert_string_equal(next(f, &p), "a2");
	assert_string_equal(next(f, &p), "b1");
	assert_string_equal(next(f, &p), "c1");
	assert_null(next(f, &p));
	follow_free(f);
}

static void
two_rotations_while_reading_are_read_in_order(void **state)
{
	struct fx	*fx = *state;
	struct follow	*f;
	struct follow_pos p;

	append(fx->path, "a1\n");
	f = follow_open(fx->path, 1024, NULL);
	assert_string_equal(next(f, &p), "a1");
	append(fx->path, "a2\n");
	age(fx->path, 1000);
	rotate(fx);
	append(fx->path, "b1\n");
	age(fx->path, 2000);
	rotate(fx);
	append(fx->path, "c1\n");
	assert_string_equal(next(f, &p), "a2");
	assert_string_equal(next(f, &p), "b1");
	assert_string_equal(next(f, &p), "c1");
	assert_null(next(f, &p));
	follow_free(f);
}

static void
a_compressed_file_of_the_position_reads_the_newer_ones(void **state)
{
	struct fx	*fx = *state;
	struct follow	*f;
	struct follow_pos p, saved;

	append(fx->path, "a1\na2\n");
	saved_after_first(fx, &saved);
	assert_true(saved.mtime_ns > 0);
	rotate(fx);
	append(fx->path, "b1\n");
	rotate(fx);
	append(fx->path, "c1\n");
	/* compressed (delaycompress): .2 is gone, a new .2.gz holds a2 */
	append(in(fx, "maillog.2.gz"), "\037\213 compressed a1 a2");
	assert_int_equal(unlink(in(fx, "maillog.2")), 0);
	f = follow_open(fx->path, 1024, &saved);
	assert_string_equal(follow_name(f), in(fx, "maillog.1"));
	assert_string_equal(next(f, &p), "b1");
	assert_string_equal(next(f, &p), "c1");
	assert_null(next(f, &p));
	follow_free(f);
	/* a position without an mtime (saved before): the log only */
	saved.mtime_ns = 0;
	f = follow_open(fx->path, 1024, &saved);
	assert_string_equal(next(f, &p), "c1");
	follow_free(f);
}

static void
copytruncate_while_stopped_resumes_in_the_copy(void **state)
{
	struct fx	*fx = *state;
	struct follow	*f;
	struct follow_pos p, saved;

	append(fx->path, "l1\nl2\n");
	saved_after_first(fx, &saved);
	append(in(fx, "maillog-20240101"), "l1\nl2\n");
	rewrite(fx->path, "n1\n");
	f = follow_open(fx->path, 1024, &saved);
	assert_string_equal(next(f, &p), "l2");
	assert_string_equal(next(f, &p), "n1");
	assert_null(next(f, &p));
	follow_free(f);
}

static void
copytruncate_while_behind_reads_the_rest_of_the_copy(void **state)
{
	struct fx	*fx = *state;
	struct follow	*f;
	struct follow_pos p;

	append(fx->path, "b1\nb2\n");
	f = follow_open(fx->path, 1024, NULL);
	assert_string_equal(next(f, &p), "b1");
	/* more lines, then copytruncate before they are read */
	append(fx->path, "b3\nb4\n");
	append(in(fx, "maillog.1"), "b1\nb2\nb3\nb4\n");
	rewrite(fx->path, "c1\n");
	assert_string_equal(next(f, &p), "b2");
	assert_string_equal(next(f, &p), "b3");
	assert_string_equal(next(f, &p), "b4");
	assert_string_equal(next(f, &p), "c1");
	assert_null(next(f, &p));
	assert_int_equal(follow_stats(f)->truncations, 1);
	follow_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(partial_lines_wait_for_their_newline, setup, teardown),
		cmocka_unit_test_setup_teardown(rename_rotation_reads_the_old_file_to_its_end, setup, teardown),
		cmocka_unit_test_setup_teardown(create_rotation_waits_for_the_writer, setup, teardown),
		cmocka_unit_test_setup_teardown(a_line_stalls_only_when_seen_unfinished_that_long, setup, teardown),
		cmocka_unit_test_setup_teardown(truncation_starts_again_at_zero, setup, teardown),
		cmocka_unit_test_setup_teardown(over_long_lines_are_skipped_and_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(resume_at_the_saved_position, setup, teardown),
		cmocka_unit_test_setup_teardown(resume_in_the_rotated_file_first, setup, teardown),
		cmocka_unit_test_setup_teardown(a_missing_file_is_waited_for, setup, teardown),
		cmocka_unit_test_setup_teardown(a_reused_inode_is_read_from_its_start, setup, teardown),
		cmocka_unit_test_setup_teardown(the_same_file_resumes_with_its_head, setup, teardown),
		cmocka_unit_test_setup_teardown(copytruncate_to_the_same_size_is_noticed, setup, teardown),
		cmocka_unit_test_setup_teardown(the_line_limit_is_the_same_for_one_write_or_two, setup, teardown),
		cmocka_unit_test_setup_teardown(two_rotations_while_stopped_are_read_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(dated_names_are_read_in_order_and_compressed_skipped, setup, teardown),
		cmocka_unit_test_setup_teardown(two_rotations_while_reading_are_read_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(a_compressed_file_of_the_position_reads_the_newer_ones, setup, teardown),
		cmocka_unit_test_setup_teardown(copytruncate_while_stopped_resumes_in_the_copy, setup, teardown),
		cmocka_unit_test_setup_teardown(copytruncate_while_behind_reads_the_rest_of_the_copy, setup, teardown),
	};

	log_open("test_tracker_follow", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
