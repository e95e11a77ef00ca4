/*
 * NAME
 *	test_daemon - daemon_pidfile: the pid written whole, a file of its
 *	own renamed over the path (no temporary left behind), a write that
 *	fails (RLIMIT_FSIZE 0: EFBIG) leaves the old file as it was, not
 *	empty, and every failure returns -1 with errno set.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "daemon.h"

static char dir[64];

static int
setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/test_daemon.XXXXXX");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	DIR		*d;
	struct dirent	*e;
	char		 p[PATH_MAX];

	if ((d = opendir(dir)) != NULL) {
		while ((e = readdir(d)) != NULL)
			if (e->d_name[0] != '.') {
				snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
				unlink(p);
			}
		closedir(d);
	}
	return rmdir(dir);
}

/* slurp - the file's text (static buffer), "" when it cannot be read */
static const char *
slurp(const char *path)
{
	static char	 buf[128];
	FILE		*f = fopen(path, "r");
	size_t		 n = 0;

	if (f != NULL) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return buf;
}

/* entries - the names in dir, but . and .. */
static int
entries(void)
{
	DIR		*d = opendir(dir);
	struct dirent	*e;
	int		 n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void
writes_the_pid_and_nothing_else(void **state)
{
	char	 p[PATH_MAX], want[32];
	struct stat st;
	FILE	*f;

	snprintf(p, sizeof(p), "%s/d.pid", dir);
	snprintf(want, sizeof(want), "%ld\n", (long)getpid());
	assert_int_equal(daemon_pidfile(p), 0);
	assert_string_equal(slurp(p), want);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(entries(), 1);		/* no temporary left */
	/* over an old one (a previous run's) */
	f = fopen(p, "w");
	assert_non_null(f);
	fputs("99999999\n", f);
	fclose(f);
	assert_int_equal(daemon_pidfile(p), 0);
	assert_string_equal(slurp(p), want);
	assert_int_equal(entries(), 1);
}

static void
empty_path_is_a_no_op(void **state)
{
	assert_int_equal(daemon_pidfile(""), 0);
	assert_int_equal(daemon_pidfile(NULL), 0);
	assert_int_equal(entries(), 0);
}

static void
missing_directory_says_why(void **state)
{
	char	 p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/nonexistent/d.pid", dir);
	errno = 0;
	assert_int_equal(daemon_pidfile(p), -1);
	assert_int_equal(errno, ENOENT);
}

static void
failed_write_keeps_the_old_file(void **state)
{
	char		 p[PATH_MAX];
	struct rlimit	 old, zero;
	FILE		*f;
	int		 r, e;

	snprintf(p, sizeof(p), "%s/d.pid", dir);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs("4242\n", f);
	fclose(f);
	/* every write past offset 0 fails with EFBIG (not a signal) */
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	zero = old;
	zero.rlim_cur = 0;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &zero), 0);
	errno = 0;
	r = daemon_pidfile(p);
	e = errno;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
	assert_int_equal(r, -1);
	assert_int_equal(e, EFBIG);
	assert_string_equal(slurp(p), "4242\n");
	assert_int_equal(entries(), 1);		/* no temporary left */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(writes_the_pid_and_nothing_else,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(empty_path_is_a_no_op, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(missing_directory_says_why,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(failed_write_keeps_the_old_file,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
