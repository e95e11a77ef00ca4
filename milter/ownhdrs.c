/*
 * NAME
 *	ownhdrs - the header fields relay-milter adds to a member's message
 * DESCRIPTION
 *	See ownhdrs.h.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ownhdrs.h"

/*
 * dot_atom - lower-case letters, digits, '-', '_' and '.' (no dot first,
 * last or twice): every domain addr.c lets through, an RFC 5322 dot-atom
 */
static int
dot_atom(const char *s)
{
	size_t	 i, n = strlen(s);

	if (n == 0 || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] == '.' && s[i + 1] == '.')
			return 0;
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' &&
		    s[i] <= '9') || s[i] == '-' || s[i] == '_' || s[i] == '.'))
			return 0;
	}
	return 1;
}

int
ownhdrs_msgid(struct ownhdrs *o, time_t now, const char *hex,
    const char *domain)
{
	struct tm	 tm;
	int		 n;

	o->msgid[0] = '\0';
	if (strlen(hex) != OWNHDRS_RANDOM_HEX ||
	    strspn(hex, "0123456789abcdef") != OWNHDRS_RANDOM_HEX ||
	    !dot_atom(domain) || gmtime_r(&now, &tm) == NULL)
		return -1;
	n = snprintf(o->msgid, sizeof(o->msgid),
	    "<%04d%02d%02d%02d%02d%02d.%s@%s>", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, hex,
	    domain);
	if (n < 0 || (size_t)n >= sizeof(o->msgid)) {
		o->msgid[0] = '\0';
		return -1;
	}
	return 0;
}

int
ownhdrs_date(struct ownhdrs *o, time_t now)
{
	static const char *const day[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
	    "Fri", "Sat" };
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm	 tm;

	o->date[0] = '\0';
	/* names of our own: strftime's %a and %b follow the locale */
	if (gmtime_r(&now, &tm) == NULL || tm.tm_wday < 0 || tm.tm_wday > 6 ||
	    tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_year + 1900 > 9999)
		return -1;
	snprintf(o->date, sizeof(o->date), "%s, %02d %s %04d %02d:%02d:%02d "
	    "+0000", day[tm.tm_wday], tm.tm_mday, mon[tm.tm_mon],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	return 0;
}

/* put - one field into out[*n] when its value is set */
static void
put(struct hdr *out, size_t *n, const char *name, const char *value)
{
	if (value[0] == '\0')
		return;
	out[*n].name = (char *)name;
	out[*n].value = (char *)value;
	(*n)++;
}

size_t
ownhdrs_fields(const struct ownhdrs *o, struct hdr out[OWNHDRS_MAX])
{
	size_t	 n = 0;

	put(out, &n, "Message-ID", o->msgid);
	put(out, &n, "Date", o->date);
	put(out, &n, "List-Unsubscribe", o->lu);
	put(out, &n, "List-Unsubscribe-Post", o->post);
	return n;
}
