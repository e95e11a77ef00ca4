/*
 * mime_param - RFC 2231 parameter values (pure); see mime_param.h
 */
#include <string.h>

#include "mime_param.h"

int
mime_2231_attr(const char *attr, const char *name, int *ext)
{
	size_t	 n = strlen(name);
	const char *p;
	int	 sec = 0;

	if (strncmp(attr, name, n) != 0 || attr[n] != '*')
		return -1;
	p = attr + n + 1;
	*ext = 0;
	if (*p == '\0') {		/* NAME*: one extended section */
		*ext = 1;
		return 0;
	}
	if (*p < '0' || *p > '9' || (*p == '0' && p[1] >= '0' &&
	    p[1] <= '9'))
		return -1;
	for (; *p >= '0' && *p <= '9'; p++)
		if ((sec = sec * 10 + (*p - '0')) >= MIME_2231_SECTIONS)
			return -1;
	if (*p == '*') {
		*ext = 1;
		p++;
	}
	return *p == '\0' ? sec : -1;
}

/* undo - val's %XX escapes into out (as long as val at most); 0 or -1 */
static int
undo(const char *val, char *out)
{
	int	 hi, lo;

	for (; *val != '\0'; val++) {
		if (*val != '%') {
			*out++ = *val;
			continue;
		}
		if ((hi = mime_hex((unsigned char)val[1])) < 0 ||
		    (lo = mime_hex((unsigned char)val[2])) < 0) {
			*out = '\0';
			return -1;
		}
		*out++ = (char)(hi << 4 | lo);
		val += 2;
	}
	*out = '\0';
	return 0;
}

void
mime_2231_add(struct mime_2231 *m, int sec, int ext, const char *val)
{
	char		*out;
	const char	*q;
	size_t		 i;

	if (sec < 0 || sec >= MIME_2231_SECTIONS || (m->have & 1u << sec))
		return;
	m->have |= 1u << sec;
	out = m->sec[sec];
	if (strlen(val) >= sizeof(m->sec[sec])) {
		m->bad = 1;
		return;
	}
	if (ext && sec == 0) {	/* charset'language'value */
		if ((q = strchr(val, '\'')) == NULL ||
		    (q = strchr(q + 1, '\'')) == NULL) {
			m->bad = 1;
			return;
		}
		val = q + 1;
	}
	if (!ext)
		memcpy(out, val, strlen(val) + 1);
	else if (undo(val, out) < 0) {
		out[0] = '\0';
		m->bad = 1;
		return;
	}
	for (i = 0; out[i] != '\0'; i++)
		if ((unsigned char)out[i] < 0x20 || (unsigned char)out[i] > 0x7e)
			m->bad = 1;
}

int
mime_2231_value(const struct mime_2231 *m, char *out, size_t outlen)
{
	size_t	 n = 0, k;
	int	 i, last = -1;

	out[0] = '\0';
	for (i = 0; i < MIME_2231_SECTIONS; i++)
		if (m->have & 1u << i)
			last = i;
	if (last < 0 || m->bad || m->have != (2u << last) - 1)
		return -1;	/* none, a bad one, one missing */
	for (i = 0; i <= last; i++) {
		k = strlen(m->sec[i]);
		if (n + k + 1 > outlen) {
			out[0] = '\0';
			return -1;
		}
		memcpy(out + n, m->sec[i], k);
		n += k;
	}
	out[n] = '\0';
	return n > 0 ? 0 : -1;
}
