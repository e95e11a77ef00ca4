/*
 * NAME
 *	tracker_time - the time of a mail log line (pure, but for the time
 *	zone)
 * DESCRIPTION
 *	tracker_time() turns the time stamp of a log line, as maillog_parse()
 *	copied it, into Unix seconds: the time an outcome happened, which
 *	dates the recipient's status and picks the bounce-rate bucket. A
 *	tracker that catches up after downtime must not count days-old
 *	bounces as if they happened now.
 *
 *	Two forms, those maillog.h reads:
 *
 *	    Nov 22 11:57:25		(RFC 3164: local time, no year)
 *	    2026-11-22T11:57:25.123456+01:00	(ISO 8601; "Z", "+hh:mm",
 *				"+hhmm" or no zone: local time)
 *
 *	Local time is the tracker's time zone (TZ): Postfix writes the
 *	node's local time, so both must run in the same zone. The missing
 *	year is the latest (of the year before now's, now's and the next)
 *	that does not put the line more than TRACKER_TIME_AHEAD_S after now:
 *	a December line read in January is of last year, a January line
 *	from a node whose clock is ahead at New Year is of the next.
 *
 *	A time after now is now: a line from a node whose clock runs ahead
 *	never dates an outcome in the future. A stamp that does not convert
 *	(an unknown month, a day the month does not have, a field out of
 *	range) is dated now as well.
 * SEE ALSO
 *	maillog.h, tracker_apply.c, tests/unit/test_tracker_time.c
 */
#ifndef RELAY_TRACKER_TIME_H
#define RELAY_TRACKER_TIME_H

#include <time.h>

#define TRACKER_TIME_AHEAD_S	86400

/*
 * tracker_time_parse - the time of stamp; 0, or -1 when it does not
 * convert (*t untouched). Not clamped: a time after now is returned as is.
 */
int	 tracker_time_parse(const char *stamp, time_t now, time_t *t);

/* tracker_time - the time of stamp, at most now; now when it does not convert */
time_t	 tracker_time(const char *stamp, time_t now);

#endif
