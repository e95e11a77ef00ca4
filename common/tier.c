/*
 * NAME
 *	tier - which warming tier a domain is in
 * SEE ALSO
 *	tier.h, relay.conf(5) warming, common/SCHEMA.md (warming windows)
 */
#include <limits.h>
#include <string.h>

#include "tier.h"

/* plus_days - at + days, saturated: verified_at is whatever Redis holds */
static long long
plus_days(long long at, int days)
{
	long long s = (long long)days * 86400;

	return at > LLONG_MAX - s ? LLONG_MAX : at + s;
}

void
tier_of(const struct conf_warming *w, long long verified_at, time_t now,
    struct tier *t)
{
	int	 i;

	memset(t, 0, sizeof(*t));
	t->ntiers = w->ntiers;
	t->age_s = verified_at > 0 && (long long)now > verified_at ?
	    (long long)now - verified_at : 0;
	for (i = 0; i < w->ntiers; i++) {
		if (t->age_s < (long long)w->tiers[i].days * 86400) {
			t->tier = i + 1;
			t->per_hour = w->tiers[i].per_hour;
			t->per_day = w->tiers[i].per_day;
			t->until = verified_at > 0 ?
			    plus_days(verified_at, w->tiers[i].days) : 0;
			return;
		}
	}
	t->tier = 0;
	t->per_hour = w->standard_per_hour;
	t->per_day = w->standard_per_day;
	t->until = verified_at > 0 && w->ntiers > 0 ? plus_days(verified_at,
	    w->tiers[w->ntiers - 1].days) : verified_at;
}
