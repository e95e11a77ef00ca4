/*
 * NAME
 *	parse - selectors, TXT strings, times, DKIM tags
 * DESCRIPTION
 *	Pure functions of their arguments; see parse.h. Tested by
 *	tests/unit/test_ctl_parse.c.
 * SEE ALSO
 *	parse.h, parse_import.c (the rows of a suppression import)
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parse.h"
#include "utf8.h"

/* sel_chars - 20 bits as 4 characters of the base32 alphabet [a-z2-7] */
static void
sel_chars(unsigned long v, char out[PARSE_SELECTOR_RAND + 1])
{
	static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";
	int	 i;

	for (i = PARSE_SELECTOR_RAND - 1; i >= 0; i--, v >>= 5)
		out[i] = b32[v & 31];
	out[PARSE_SELECTOR_RAND] = '\0';
}

int
parse_selector_new(const char *prefix, time_t now, const unsigned char *rnd,
    size_t rndlen, const char *cur, const char *next, char *out,
    size_t outlen)
{
	struct tm	 tm;
	char		 day[16], tail[PARSE_SELECTOR_RAND + 1];
	const char	*p;
	unsigned long	 v = 0;
	size_t		 i;
	int		 n, tries;

	for (p = prefix; *p; p++)
		if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) ||
		    *p == '-'))
			return -1;
	if (strlen(prefix) > PARSE_SELECTOR_PREFIX_MAX || rndlen < 3 ||
	    gmtime_r(&now, &tm) == NULL)
		return -1;
	strftime(day, sizeof(day), "%Y%m%d", &tm);
	for (i = 0; i < 3; i++)
		v = v << 8 | rnd[i];
	v &= 0xfffff;
	/* Equal to cur or next only by chance: step to the next value. */
	for (tries = 0; tries < 3; tries++, v = (v + 1) & 0xfffff) {
		sel_chars(v, tail);
		n = snprintf(out, outlen, "%s%s%s", prefix, day, tail);
		if (n < 0 || (size_t)n >= outlen)
			return -1;
		if ((cur == NULL || strcmp(out, cur) != 0) &&
		    (next == NULL || strcmp(out, next) != 0))
			return 0;
	}
	return -1;
}

size_t
parse_txt_split(const char *value, size_t chunk,
    void (*fn)(const char *s, size_t len, void *arg), void *arg)
{
	size_t	 len = strlen(value), off = 0, n = 0, k;

	if (chunk == 0)
		chunk = PARSE_TXT_CHUNK;
	do {
		k = len - off > chunk ? chunk : len - off;
		fn(value + off, k, arg);
		off += k;
		n++;
	} while (off < len);
	return n;
}

/* all_digits - s is one or more ASCII digits */
static int
all_digits(const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return n > 0;
}

/*
 * shape_ok - s has exactly the shape of pat, where 'd' stands for one
 * ASCII digit and any other character for itself. sscanf("%2d") alone
 * would also take blanks and signs ("2026- 1-01", "T+1:00").
 */
static int
shape_ok(const char *s, const char *pat)
{
	for (; *pat; s++, pat++)
		if (*pat == 'd' ? !isdigit((unsigned char)*s) : *s != *pat)
			return 0;
	return *s == '\0';
}

int
parse_since(const char *s, time_t now, time_t *out)
{
	size_t		 n = strlen(s);
	long long	 v, mult;
	struct tm	 tm;
	int		 hh = 0, mm = 0, ss = 0, y, mo, d, used = 0;
	char		 buf[24];

	if (n == 0 || n > 21)
		return -1;
	if (all_digits(s, n)) {
		errno = 0;
		v = strtoll(s, NULL, 10);
		if (errno == ERANGE || (long long)(time_t)v != v)
			return -1;
		*out = (time_t)v;
		return 0;
	}
	if (all_digits(s, n - 1)) {
		switch (s[n - 1]) {
		case 's': mult = 1; break;
		case 'm': mult = 60; break;
		case 'h': mult = 3600; break;
		case 'd': mult = 86400; break;
		default: return -1;
		}
		v = strtoll(s, NULL, 10);
		if (v > 3650LL * 86400 / mult)
			return -1;
		*out = now - (time_t)(v * mult);
		return 0;
	}
	/*
	 * A trailing Z (UTC, the only zone meant) after a time: the form
	 * relayctl prints, "2026-12-05 08:40:00Z", is taken back as is.
	 */
	if (n > 16 && s[n - 1] == 'Z') {
		memcpy(buf, s, n - 1);
		buf[n - 1] = '\0';
		s = buf;
		n--;
	}
	if (strlen(s) > 20)
		return -1;
	if (!shape_ok(s, "dddd-dd-dd") && !shape_ok(s, "dddd-dd-ddTdd:dd") &&
	    !shape_ok(s, "dddd-dd-dd dd:dd") &&
	    !shape_ok(s, "dddd-dd-ddTdd:dd:dd") &&
	    !shape_ok(s, "dddd-dd-dd dd:dd:dd"))
		return -1;
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &used) != 3 || used != 10)
		return -1;
	if (s[10] != '\0') {
		if (s[10] != 'T' && s[10] != ' ')
			return -1;
		used = 0;
		if (sscanf(s + 11, "%2d:%2d%n", &hh, &mm, &used) != 2 ||
		    used != 5)
			return -1;
		if (s[16] != '\0' && (sscanf(s + 16, ":%2d%n", &ss, &used) != 1 ||
		    used != 3 || s[19] != '\0'))
			return -1;
	}
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || hh > 23 ||
	    mm > 59 || ss > 60)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = hh;
	tm.tm_min = mm;
	tm.tm_sec = ss;
	*out = timegm(&tm);
	/* timegm() rolls 2026-02-30 over into March: refuse what moved. */
	if (gmtime_r(out, &tm) == NULL || tm.tm_year != y - 1900 ||
	    tm.tm_mon != mo - 1 || tm.tm_mday != d || tm.tm_hour != hh ||
	    tm.tm_min != mm || tm.tm_sec != ss)
		return -1;
	return 0;
}

/* is_ctrl - a C0 or C1 control character, or DEL, at p (k bytes) */
static int
is_ctrl(const unsigned char *p, size_t k)
{
	return p[0] < 0x20 || p[0] == 0x7f || utf8_is_c1(p, k);
}

size_t
parse_clean(char *dst, const char *src, size_t len, int flags)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)src;
	size_t		 i = 0, o = 0, k, j;

	while (i < len) {
		k = utf8_seq(p + i, len - i);
		if (k > 0 && p[i] != '\0' && !((flags & PARSE_CLEAN_CTRL) &&
		    is_ctrl(p + i, k))) {
			memcpy(dst + o, p + i, k);
			o += k;
			i += k;
			continue;
		}
		for (j = 0; j < (k ? k : 1); j++) {
			if (flags & PARSE_CLEAN_INJSON)
				dst[o++] = '\\';
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[p[i + j] >> 4];
			dst[o++] = hex[p[i + j] & 15];
		}
		i += k ? k : 1;
	}
	dst[o] = '\0';
	return o;
}

size_t
parse_utf8_cut(const char *s, size_t len, size_t max)
{
	size_t	 n, back;

	if (len <= max)
		return len;
	/* s[max] is the first byte left out: back up to its lead byte. */
	for (n = max, back = 0; n > 0 && back < 3 &&
	    ((unsigned char)s[n] & 0xc0) == 0x80; n--, back++)
		;
	return n;
}

/* tag_list_has - the colon-separated list (white space gone) holds item */
static int
tag_list_has(const char *list, const char *item)
{
	size_t	 l = strlen(item);
	const char *p;

	for (p = list; p != NULL; p = (p = strchr(p, ':')) ? p + 1 : NULL)
		if (strncmp(p, item, l) == 0 && (p[l] == '\0' || p[l] == ':'))
			return 1;
	return 0;
}

/*
 * next_tag - the next tag of a DKIM tag list at *p: its name (*nl octets,
 * blanks around it trimmed) and value (*v up to the ";", or NULL for a
 * tag without "="); 0 at the end
 */
static int
next_tag(const char **p, const char **name, size_t *nl, const char **v,
    size_t *vl)
{
	const char	*s = *p;

	while (*s == ' ' || *s == '\t' || *s == ';')
		s++;
	if (*s == '\0') {
		*p = s;
		return 0;
	}
	*name = s;
	while (*s != '\0' && *s != '=' && *s != ';')
		s++;
	*nl = (size_t)(s - *name);
	while (*nl > 0 && ((*name)[*nl - 1] == ' ' || (*name)[*nl - 1] == '\t'))
		(*nl)--;
	*v = NULL;
	*vl = 0;
	if (*s == '=') {
		*v = ++s;
		while (*s != '\0' && *s != ';')
			s++;
		*vl = (size_t)(s - *v);
	}
	*p = s;
	return 1;
}

int
parse_dkim_tag(const char *rec, const char *tag, char *out, size_t outlen)
{
	const char	*p = rec, *name, *v;
	size_t		 tl = strlen(tag), nl, vl, o, i;

	while (next_tag(&p, &name, &nl, &v, &vl)) {
		if (v == NULL || nl != tl || strncmp(name, tag, tl) != 0)
			continue;
		for (o = 0, i = 0; i < vl; i++) {
			if (isspace((unsigned char)v[i]))
				continue;
			if (o + 1 >= outlen)
				return -1;
			out[o++] = v[i];
		}
		out[o] = '\0';
		return 0;
	}
	return -1;
}

const char *
parse_dkim_invalid(const char *rec)
{
	const char	*p = rec, *name, *v, *seen[32];
	size_t		 n = 0, nl, vl, i, len[32];
	char		 val[64];

	while (next_tag(&p, &name, &nl, &v, &vl)) {
		if (nl == 0)
			continue;
		if (nl == 1 && *name == 'v' && n > 0)
			return "v= is not the first tag";
		for (i = 0; i < n && i < 32; i++)
			if (len[i] == nl && strncmp(seen[i], name, nl) == 0)
				return "a tag appears twice";
		if (n < 32) {
			seen[n] = name;
			len[n] = nl;
		}
		n++;
	}
	if (parse_dkim_tag(rec, "v", val, sizeof(val)) == 0 &&
	    strcmp(val, "DKIM1") != 0)
		return "v= is not DKIM1";
	if (parse_dkim_tag(rec, "h", val, sizeof(val)) == 0 &&
	    !tag_list_has(val, "sha256"))
		return "h= does not allow sha256, which the relay signs with";
	if (parse_dkim_tag(rec, "s", val, sizeof(val)) == 0 &&
	    !tag_list_has(val, "*") && !tag_list_has(val, "email"))
		return "s= does not allow email";
	return NULL;
}

int
parse_same_host(const char *a, const char *b)
{
	size_t	 la = strlen(a), lb = strlen(b);

	if (la > 0 && a[la - 1] == '.')
		la--;
	if (lb > 0 && b[lb - 1] == '.')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}
