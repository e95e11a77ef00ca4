/*
 * ratewin - the suspension window's buckets and label; see ratewin.h
 */
#include <stdio.h>

#include "ratewin.h"

int
ratewin_bucket_s(int window_s)
{
	int	 b = window_s / 24;

	return b < 60 ? 60 : b;
}

void
ratewin_label(int window_s, char *buf, size_t len)
{
	if (window_s >= 2 * 86400 && window_s % 86400 == 0)
		snprintf(buf, len, "%dd", window_s / 86400);
	else if (window_s >= 3600 && window_s % 3600 == 0)
		snprintf(buf, len, "%dh", window_s / 3600);
	else if (window_s >= 60 && window_s % 60 == 0)
		snprintf(buf, len, "%dm", window_s / 60);
	else
		snprintf(buf, len, "%ds", window_s);
}
