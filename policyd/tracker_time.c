/*
 * NAME
 *	tracker_time - the time of a mail log line
 * DESCRIPTION
 *	Reads the two stamp forms of maillog.h into Unix seconds. ISO 8601
 *	with a zone is computed without the C library (days from the civil
 *	date); local times go through mktime(), so the result follows the
 *	process's time zone, as Postfix's stamps follow the node's.
 * INVARIANTS
 *	No field out of its range converts: a day the month does not have
 *	is refused, never carried into the next month. The result of
 *	tracker_time() is never after now.
 * SEE ALSO
 *	tracker_time.h, maillog.c (which copies the stamp)
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "tracker_time.h"

struct civil {
	int	 y, mon, d, h, mi, s;
};

/* num - exactly n digits at *p into *v; advances *p; 0 or -1 */
static int
num(const char **p, int n, int *v)
{
	int	 i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		*v = *v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	return 0;
}

/* mdays - the days of month mon (1-12) of year y */
static int
mdays(int y, int mon)
{
	static const int n[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };

	if (mon == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return 29;
	return n[mon - 1];
}

/* valid - every field in its range (a leap second reads as :59) */
static int
valid(struct civil *c)
{
	if (c->s == 60)
		c->s = 59;
	if (c->y < 1970 || c->y > 9999 || c->mon < 1 || c->mon > 12 ||
	    c->d < 1 || c->d > mdays(c->y, c->mon) || c->h > 23 ||
	    c->mi > 59 || c->s > 59)
		return -1;
	return 0;
}

/* utc - seconds since 1970 of a valid civil time in UTC */
static time_t
utc(const struct civil *c)
{
	long long	 y = c->y - (c->mon <= 2);
	long long	 era = y / 400, yoe = y - era * 400;
	long long	 doy = (153 * (c->mon > 2 ? c->mon - 3 : c->mon + 9) + 2) /
			    5 + c->d - 1;
	long long	 days = era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 +
			    doy - 719468;

	return (time_t)(days * 86400 + c->h * 3600 + c->mi * 60 + c->s);
}

/* local - a valid civil time in the local zone; 0 or -1 */
static int
local(const struct civil *c, time_t *t)
{
	struct tm	 tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = c->y - 1900;
	tm.tm_mon = c->mon - 1;
	tm.tm_mday = c->d;
	tm.tm_hour = c->h;
	tm.tm_min = c->mi;
	tm.tm_sec = c->s;
	tm.tm_isdst = -1;
	*t = mktime(&tm);
	/* a local time a DST gap skips may move by an hour, not a day */
	if (tm.tm_year != c->y - 1900 || tm.tm_mon != c->mon - 1 ||
	    tm.tm_mday != c->d)
		return -1;
	return 0;
}

/* hms - "hh:mm:ss" at *p */
static int
hms(const char **p, struct civil *c)
{
	if (num(p, 2, &c->h) < 0 || *(*p)++ != ':' || num(p, 2, &c->mi) < 0 ||
	    *(*p)++ != ':' || num(p, 2, &c->s) < 0)
		return -1;
	return 0;
}

/* iso - "YYYY-MM-DDThh:mm:ss[.frac][Z|+hh:mm|+hhmm]" */
static int
iso(const char *p, time_t *t)
{
	struct civil	 c;
	int		 oh, om = 0, sign;

	if (num(&p, 4, &c.y) < 0 || *p++ != '-' || num(&p, 2, &c.mon) < 0 ||
	    *p++ != '-' || num(&p, 2, &c.d) < 0 || *p++ != 'T' ||
	    hms(&p, &c) < 0)
		return -1;
	if (*p == '.' || *p == ',') {
		if (!isdigit((unsigned char)*++p))
			return -1;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (valid(&c) < 0)
		return -1;
	if (*p == '\0')
		return local(&c, t);
	if (*p == 'Z' && p[1] == '\0') {
		*t = utc(&c);
		return 0;
	}
	if (*p != '+' && *p != '-')
		return -1;
	sign = *p++ == '-' ? -1 : 1;
	if (num(&p, 2, &oh) < 0 || oh > 23)
		return -1;
	if (*p == ':')
		p++;
	if (*p != '\0' && (num(&p, 2, &om) < 0 || om > 59))
		return -1;
	if (*p != '\0')
		return -1;
	*t = utc(&c) - sign * (time_t)(oh * 3600 + om * 60);
	return 0;
}

/* rfc3164 - "Mmm dd hh:mm:ss" (the day may be space-padded), no year */
static int
rfc3164(const char *p, time_t now, time_t *t)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	struct civil	 c;
	struct tm	 tm;
	time_t		 v;
	int		 i, y;

	for (c.mon = 0, i = 0; i < 12; i++)
		if (strncasecmp(p, months + 3 * i, 3) == 0)
			c.mon = i + 1;
	if (c.mon == 0 || p[3] != ' ')
		return -1;
	for (p += 3; *p == ' '; p++)
		;
	if (num(&p, isdigit((unsigned char)p[0]) &&
	    isdigit((unsigned char)p[1]) ? 2 : 1, &c.d) < 0 ||
	    *p != ' ')
		return -1;
	while (*p == ' ')
		p++;
	if (hms(&p, &c) < 0 || *p != '\0')
		return -1;
	if (localtime_r(&now, &tm) == NULL)
		return -1;
	/*
	 * The latest year that does not put the line more than
	 * TRACKER_TIME_AHEAD_S after now: next year for a line of a node
	 * ahead at New Year, the year before for last December's lines.
	 */
	for (y = tm.tm_year + 1900 + 1; y >= tm.tm_year + 1900 - 1; y--) {
		c.y = y;
		if (valid(&c) == 0 && local(&c, &v) == 0 &&
		    v <= now + TRACKER_TIME_AHEAD_S) {
			*t = v;
			return 0;
		}
	}
	return -1;
}

int
tracker_time_parse(const char *stamp, time_t now, time_t *t)
{
	if (stamp == NULL)
		return -1;
	if (isdigit((unsigned char)stamp[0]))
		return iso(stamp, t);
	return rfc3164(stamp, now, t);
}

time_t
tracker_time(const char *stamp, time_t now)
{
	time_t	 t;

	if (tracker_time_parse(stamp, now, &t) < 0 || t > now)
		return now;
	return t;
}
