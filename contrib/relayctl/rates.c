/*
 * rates - member show's bounce and complaint rates (pure); see rates.h
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rates.h"

/* field_num - a decimal field of hash, 0 when absent or not a number */
static long long
field_num(json_t *hash, const char *field)
{
	const char	*s = json_string_value(json_object_get(hash, field));
	char		*end;
	long long	 v;

	if (s == NULL)
		return 0;
	v = strtoll(s, &end, 10);
	return end == s || *end != '\0' ? 0 : v;
}

long long
rates_sum(json_t *hash, const char *prefix, time_t now, int window_s,
    long long window_start)
{
	const char	*k;
	json_t		*v;
	const char	*s;
	char		*end;
	long long	 start, n, sum = 0;
	size_t		 plen = strlen(prefix);

	if (!json_is_object(hash) || window_start > field_num(hash, "since"))
		return 0;
	json_object_foreach(hash, k, v) {
		if (strncmp(k, prefix, plen) != 0)
			continue;
		start = strtoll(k + plen, &end, 10);
		if (end == k + plen || *end != '\0' ||
		    start <= (long long)now - window_s)
			continue;
		if ((s = json_string_value(v)) == NULL)
			continue;
		n = strtoll(s, &end, 10);
		if (end != s && *end == '\0' && n > 0)
			sum += n;
	}
	return sum;
}

void
rates_judge(struct rate *r, long long count, long long total, double warn,
    double suspend, long long min_volume)
{
	memset(r, 0, sizeof(*r));
	r->count = count;
	r->total = total;
	r->pct = total > 0 ? (double)count * 100 / (double)total : 0;
	r->judged = total > 0 && total >= min_volume;
	r->warn = warn;
	r->suspend = suspend;
	r->min_volume = min_volume;
}

/* threshold - "warns at 5.0%" or "never warns" */
static void
threshold(char *buf, size_t len, const char *verb, double pct, int dec)
{
	if (pct > 0)
		snprintf(buf, len, "%s at %.*f%%", verb, dec, pct);
	else
		snprintf(buf, len, "never %s", verb);
}

void
rates_text(const struct rate *r, int decimals, const char *window,
    char *buf, size_t len)
{
	char	 w[48], s[48];

	if (r->total <= 0 && r->count <= 0) {
		snprintf(buf, len, "none over %s", window);
		return;
	}
	if (r->total <= 0) {
		snprintf(buf, len, "(%lld/0) over %s; not judged under %lld",
		    r->count, window, r->min_volume);
		return;
	}
	if (!r->judged) {
		snprintf(buf, len, "%.*f%% (%lld/%lld) over %s; not judged "
		    "under %lld", decimals, r->pct, r->count, r->total, window,
		    r->min_volume);
		return;
	}
	threshold(w, sizeof(w), "warns", r->warn, decimals);
	threshold(s, sizeof(s), "suspends", r->suspend, decimals);
	snprintf(buf, len, "%.*f%% (%lld/%lld) over %s; %s, %s", decimals,
	    r->pct, r->count, r->total, window, w, s);
}
