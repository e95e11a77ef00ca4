/*
 * NAME
 *	test_tracker_time - the time of a mail log line: both stamp forms,
 *	the missing year, the time zone, the clamp to now, and stamps that
 *	do not convert
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <cmocka.h>

#include "tracker_time.h"

#define NOW		1796452200	/* 2026-12-05 06:30:00 UTC */
#define NEWYEAR		1798765200	/* 2027-01-01 01:00:00 UTC */
#define EVE		1798761540	/* 2026-12-31 23:59:00 UTC */
#define MAR2028		1835524800	/* 2028-03-01 12:00:00 UTC */
#define JAN2027		1799539200	/* 2027-01-10 00:00:00 UTC */
#define JUL2026		1783184400	/* 2026-07-04 17:00:00 UTC */

struct tcase {
	const char	*tz;
	time_t		 now;
	const char	*stamp;
	time_t		 want;		/* tracker_time_parse's answer */
	int		 ok;		/* 0: does not convert */
};

static void
zone(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

static void
run(const struct tcase *t, size_t n)
{
	time_t	 got;
	size_t	 i;
	int	 r;

	for (i = 0; i < n; i++) {
		zone(t[i].tz);
		got = 0;
		r = tracker_time_parse(t[i].stamp, t[i].now, &got);
		if (t[i].ok && r != 0)
			fail_msg("%s (TZ %s): does not convert", t[i].stamp,
			    t[i].tz);
		if (!t[i].ok && r == 0)
			fail_msg("%s (TZ %s): converts to %lld", t[i].stamp,
			    t[i].tz, (long long)got);
		if (t[i].ok && got != t[i].want)
			fail_msg("%s (TZ %s): %lld, want %lld (%+lld s)",
			    t[i].stamp, t[i].tz, (long long)got,
			    (long long)t[i].want,
			    (long long)(got - t[i].want));
	}
}

static void
syslog_stamps_are_local_time_of_this_year(void **state)
{
	static const struct tcase t[] = {
		{ "UTC0", NOW, "Dec  5 06:00:00", NOW - 1800, 1 },
		{ "UTC0", NOW, "Dec 5 06:00:00", NOW - 1800, 1 },
		{ "UTC0", NOW, "Dec  2 06:30:00", NOW - 3 * 86400, 1 },
		{ "UTC0", NOW, "Nov 22 11:57:24", NOW - 12 * 86400 -
		    18 * 3600 - 32 * 60 - 36, 1 },
		{ "UTC0", NOW, "dec  5 06:30:00", NOW, 1 },
		/* 5 h west of UTC: 01:00 there is 06:00 UTC */
		{ "XYZ+5", NOW, "Dec  5 01:00:00", NOW - 1800, 1 },
		/* summer time of a zone with DST rules */
		{ "EST5EDT,M3.2.0,M11.1.0", JUL2026, "Jul  4 13:00:00",
		    JUL2026, 1 },
		{ "EST5EDT,M3.2.0,M11.1.0", NOW, "Dec  5 01:30:00", NOW, 1 },
		/* a leap second reads as :59 */
		{ "UTC0", NOW, "Dec  5 06:29:60", NOW - 1, 1 },
	};

	(void)state;
	run(t, sizeof(t) / sizeof(t[0]));
}

static void
the_missing_year_is_the_latest_not_far_ahead(void **state)
{
	static const struct tcase t[] = {
		/* last December's line read on New Year's night */
		{ "UTC0", NEWYEAR, "Dec 31 23:00:00", NEWYEAR - 7200, 1 },
		/* a node 70 s ahead at New Year: next year's line */
		{ "UTC0", EVE, "Jan  1 00:00:10", EVE + 70, 1 },
		/* less than a day ahead is still this year (clamped by
		 * tracker_time); more is last year's line */
		{ "UTC0", NOW, "Dec  6 06:00:00", NOW + 86400 - 1800, 1 },
		{ "UTC0", NOW, "Dec 10 06:00:00", NOW - 360 * 86400 - 1800, 1 },
		/* Feb 29 of a leap year, read the day after */
		{ "UTC0", MAR2028, "Feb 29 12:00:00", MAR2028 - 86400, 1 },
		/* Feb 29 in no year it could be */
		{ "UTC0", JAN2027, "Feb 29 12:00:00", 0, 0 },
	};

	(void)state;
	run(t, sizeof(t) / sizeof(t[0]));
}

static void
iso_stamps_with_and_without_a_zone(void **state)
{
	static const struct tcase t[] = {
		{ "XYZ+5", NOW, "2026-12-05T06:00:00Z", NOW - 1800, 1 },
		{ "XYZ+5", NOW, "2026-12-05T06:00:00.123456+00:00",
		    NOW - 1800, 1 },
		{ "UTC0", NOW, "2026-12-05T07:00:00+01:00", NOW - 1800, 1 },
		{ "UTC0", NOW, "2026-12-05T01:00:00-0500", NOW - 1800, 1 },
		{ "UTC0", NOW, "2026-12-05T11:30:00+05:30", NOW - 1800, 1 },
		{ "UTC0", NOW, "2026-12-05T06:00:00,5Z", NOW - 1800, 1 },
		/* no zone: local time */
		{ "XYZ+5", NOW, "2026-12-05T01:00:00", NOW - 1800, 1 },
		{ "UTC0", NOW, "2026-12-05T06:00:00", NOW - 1800, 1 },
		/* a year is given: no guessing */
		{ "UTC0", NOW, "2025-12-05T06:30:00Z", NOW - 365 * 86400, 1 },
		{ "UTC0", NOW, "2028-02-29T00:00:00Z", 1835395200, 1 },
	};

	(void)state;
	run(t, sizeof(t) / sizeof(t[0]));
}

/* The calendar and clock at their edges, in ISO stamps (the year given):
 * each month's last day and the day after, Feb 29 of 2000, 2100, 2024,
 * 1900, the first and last years, hours, minutes, a leap second, the
 * largest zone offsets. */
static void
calendar_edges_in_iso_stamps(void **state)
{
	static const struct tcase t[] = {
		{ "UTC0", NOW, "2026-01-31T12:00:00Z", 1769860800, 1 },
		{ "UTC0", NOW, "2026-01-32T12:00:00Z", 0, 0 },
		{ "UTC0", NOW, "2026-02-28T12:00:00Z", 1772280000, 1 },
		{ "UTC0", NOW, "2026-02-29T12:00:00Z", 0, 0 },
		{ "UTC0", NOW, "2026-03-31T12:00:00Z", 1774958400, 1 },
		{ "UTC0", NOW, "2026-03-32T12:00:00Z", 0, 0 },
		{ "UTC0", NOW, "2026-04-30T12:00:00Z", 1777550400, 1 },
		{ "UTC0", NOW, "2026-04-31T12:00:00Z", 0, 0 },
		{ "UTC0", NOW, "2026-05-31T12:00:00Z", 1780228800, 1 },
		{ "UTC0", NOW, "2026-05-32T12:00:00Z", 0, 0 },
		{ "UTC0", NOW, "2026-06-30T12:00:00Z", 1782820800, 1 },
		{ "UTC0", NOW, "2026-06-31T12:00:00Z", 0, 0 },
		{ "UTC0", NOW, "2026-07-31T12:00:00Z", 1785499200, 1 },
		{ "UTC0", NOW, "2026-07-32T12:00:00Z", 0, 0 },
		{ "UTC0", NOW, "2026-08-31T12:00:00Z", 1788177600, 1 },
		{ "UTC0", NOW, "2026-08-32T12:00:00Z", 0, 0 },
		{ "UTC0", NOW, "2026-09-30T12:00:00Z", 1790769600, 1 },
		{ "UTC0", NOW, "2026-09-31T12:00:00Z", 0, 0 },
		{ "UTC0", NOW, "2026-10-31T12:00:00Z", 1793448000, 1 },
		{ "UTC0", NOW, "2026-10-32T12:00:00Z", 0, 0 },
		{ "UTC0", NOW, "2026-11-30T12:00:00Z", 1796040000, 1 },
		{ "UTC0", NOW, "2026-11-31T12:00:00Z", 0, 0 },
		{ "UTC0", NOW, "2026-12-31T12:00:00Z", 1798718400, 1 },
		{ "UTC0", NOW, "2026-12-32T12:00:00Z", 0, 0 },
		{ "UTC0", NOW, "2000-02-29T12:00:00Z", 951825600, 1 },
		{ "UTC0", NOW, "2100-02-29T12:00:00Z", 0, 0 },
		{ "UTC0", NOW, "2024-02-29T12:00:00Z", 1709208000, 1 },
		{ "UTC0", NOW, "1900-02-29T12:00:00Z", 0, 0 },
		{ "UTC0", NOW, "1970-01-01T00:00:00Z", 0, 1 },
		{ "UTC0", NOW, "1969-12-31T23:59:59Z", 0, 0 },
		{ "UTC0", NOW, "9999-12-31T23:59:59Z", 253402300799, 1 },
		{ "UTC0", NOW, "2026-00-10T12:00:00Z", 0, 0 },
		{ "UTC0", NOW, "2026-13-10T12:00:00Z", 0, 0 },
		{ "UTC0", NOW, "2026-12-05T23:59:59Z", 1796515199, 1 },
		{ "UTC0", NOW, "2026-12-05T24:00:00Z", 0, 0 },
		{ "UTC0", NOW, "2026-12-05T12:60:00Z", 0, 0 },
		{ "UTC0", NOW, "2026-12-05T12:00:60Z", 1796472059, 1 },
		{ "UTC0", NOW, "2026-12-05T12:00:61Z", 0, 0 },
		{ "UTC0", NOW, "2026-12-05T23:00:00+23:00", 1796428800, 1 },
		{ "UTC0", NOW, "2026-12-05T23:00:00+24:00", 0, 0 },
		{ "UTC0", NOW, "2026-12-05T12:59:00+00:59", 1796472000, 1 },
		{ "UTC0", NOW, "2026-12-05T12:59:00+00:60", 0, 0 },
	};

	(void)state;
	run(t, sizeof(t) / sizeof(t[0]));
}

static void
stamps_that_do_not_convert(void **state)
{
	static const struct tcase t[] = {
		{ "UTC0", NOW, "", 0, 0 },
		{ "UTC0", NOW, "Xyz  5 06:00:00", 0, 0 },
		{ "UTC0", NOW, "Dec 32 06:00:00", 0, 0 },
		{ "UTC0", NOW, "Nov 31 06:00:00", 0, 0 },
		{ "UTC0", NOW, "Dec  0 06:00:00", 0, 0 },
		{ "UTC0", NOW, "Dec  5 24:00:00", 0, 0 },
		{ "UTC0", NOW, "Dec  5 06:60:00", 0, 0 },
		{ "UTC0", NOW, "Dec  5 06:00", 0, 0 },
		{ "UTC0", NOW, "Dec  5 06:00:00 x", 0, 0 },
		{ "UTC0", NOW, "Dec", 0, 0 },
		{ "UTC0", NOW, "Dec  ", 0, 0 },
		{ "UTC0", NOW, "December 5 06:00:00", 0, 0 },
		{ "UTC0", NOW, "2026-13-01T00:00:00Z", 0, 0 },
		{ "UTC0", NOW, "2026-02-29T00:00:00Z", 0, 0 },
		{ "UTC0", NOW, "2026-12-05 06:00:00", 0, 0 },
		{ "UTC0", NOW, "2026-12-05T06:00:00+24:00", 0, 0 },
		{ "UTC0", NOW, "2026-12-05T06:00:00+01:60", 0, 0 },
		{ "UTC0", NOW, "2026-12-05T06:00:00+1", 0, 0 },
		{ "UTC0", NOW, "2026-12-05T06:00:00.Z", 0, 0 },
		{ "UTC0", NOW, "2026-12-05T06:00:00Zx", 0, 0 },
		{ "UTC0", NOW, "1969-12-31T23:59:59Z", 0, 0 },
		{ "UTC0", NOW, "2026-12-5T06:00:00Z", 0, 0 },
	};

	(void)state;
	run(t, sizeof(t) / sizeof(t[0]));
	assert_int_equal(tracker_time_parse(NULL, NOW, &(time_t){ 0 }), -1);
}

static void
the_event_time_is_never_after_now(void **state)
{
	(void)state;
	zone("UTC0");
	/* in the past: the line's own time */
	assert_int_equal((long long)tracker_time("Dec  2 06:30:00", NOW),
	    (long long)(NOW - 3 * 86400));
	/* a node whose clock runs an hour ahead: now */
	assert_int_equal((long long)tracker_time("Dec  5 07:30:00", NOW),
	    (long long)NOW);
	assert_int_equal((long long)tracker_time("2026-12-05T06:30:01Z", NOW),
	    (long long)NOW);
	/* does not convert: now */
	assert_int_equal((long long)tracker_time("Xyz  5 10:00:00", NOW),
	    (long long)NOW);
	assert_int_equal((long long)tracker_time("", NOW), (long long)NOW);
	assert_int_equal((long long)tracker_time(NULL, NOW), (long long)NOW);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(syslog_stamps_are_local_time_of_this_year),
		cmocka_unit_test(the_missing_year_is_the_latest_not_far_ahead),
		cmocka_unit_test(iso_stamps_with_and_without_a_zone),
		cmocka_unit_test(calendar_edges_in_iso_stamps),
		cmocka_unit_test(stamps_that_do_not_convert),
		cmocka_unit_test(the_event_time_is_never_after_now),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
