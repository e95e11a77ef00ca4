/*
 * NAME
 *	test_log_tz - log_open() reads the time zone before any thread
 *	starts. glibc keeps the zone's name in a string it frees and
 *	copies again on every mktime() (TZ unset), and makes it on the
 *	first time function of the process: when that was a thread's first
 *	log line (gmtime_r in the stamp), relay-tracker's mktime() freed
 *	what the thread had allocated, behind a lock of glibc's that
 *	ThreadSanitizer does not see. A process of its own: the zone is
 *	read once per process.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <cmocka.h>

#include "log.h"

static atomic_int logged;

static void *
first_line(void *arg)
{
	(void)arg;
	log_msg(LOG_INFO, "test_log_tz: the thread's first line");
	/* relaxed: no happens-before edge for ThreadSanitizer to see */
	atomic_store_explicit(&logged, 1, memory_order_relaxed);
	return NULL;
}

static void
zone_is_read_before_threads(void **state)
{
	struct timespec	 nap = { 0, 1000000 };
	struct tm	 tm;
	pthread_t	 t;
	int		 i;

	(void)state;
	log_open("test_log_tz", 1);
	assert_int_equal(pthread_create(&t, NULL, first_line, NULL), 0);
	for (i = 0; i < 5000 &&
	    !atomic_load_explicit(&logged, memory_order_relaxed); i++)
		nanosleep(&nap, NULL);
	assert_true(atomic_load_explicit(&logged, memory_order_relaxed));
	/* what relay-tracker does for a syslog time stamp */
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = 126;
	tm.tm_mon = 11;
	tm.tm_mday = 7;
	tm.tm_isdst = -1;
	assert_true(mktime(&tm) != (time_t)-1);
	assert_int_equal(pthread_join(t, NULL), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(zone_is_read_before_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
