/*
 * NAME
 *	rates - member show's bounce and complaint rates (pure)
 * DESCRIPTION
 *	relay-tracker counts each final outcome into the member's
 *	relay:{m:H}:outcomes hash (s:START delivered, b:START bounced, one
 *	field per bucket, since: when the window began) and relay-unsub -r
 *	each complaint into relay:{m:H}:complaints (c:START); their Lua
 *	scripts judge the rates when they count. rates_sum() reads the same
 *	buckets the way those scripts do, so that the figures relayctl shows
 *	are the ones the next event will be judged on: the buckets that
 *	started within the window, none when an unsuspend (the member's
 *	window_start) is newer than the hash's since (the scripts drop such
 *	buckets at their next count).
 *
 *	rates_judge() fills one rate with the thresholds of relay.conf's
 *	suspension section: the bounce rate is bounced of all outcomes, the
 *	complaint rate complaints of the recipients delivered; neither is
 *	judged under suspension.min_volume.
 * SEE ALSO
 *	common/lua/tracker_event.lua, common/lua/unsub_complaint_count.lua,
 *	cmd_member.c, relayctl(8)
 */
#ifndef RELAY_CTL_RATES_H
#define RELAY_CTL_RATES_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

struct rate {
	long long	 count;		/* bounced, or complaints */
	long long	 total;		/* outcomes, or delivered */
	double		 pct;		/* 100 * count / total; 0 without total */
	int		 judged;	/* total >= min_volume and > 0 */
	double		 warn;		/* percent; 0: never */
	double		 suspend;	/* percent; 0: never */
	long long	 min_volume;
};

/*
 * rates_sum - the sum of the buckets named `prefix` ("s:", "b:", "c:") in
 * hash (an HGETALL as a JSON object of strings) that started after
 * now - window_s; 0 when window_start is newer than the hash's since
 */
long long rates_sum(json_t *hash, const char *prefix, time_t now,
	    int window_s, long long window_start);
/* rates_judge - one rate from its figures and thresholds */
void	 rates_judge(struct rate *, long long count, long long total,
	    double warn, double suspend, long long min_volume);
/*
 * rates_text - "1.2% (3/250) over 24h; warns at 5.0%, suspends at
 * 10.0%", with `decimals` digits after the point (1 for bounces, 2 for
 * complaints, as the suspension texts); "none over 24h" without total;
 * "...; not judged under 100" below min_volume
 */
void	 rates_text(const struct rate *, int decimals, const char *window,
	    char *buf, size_t len);

#endif /* RELAY_CTL_RATES_H */
