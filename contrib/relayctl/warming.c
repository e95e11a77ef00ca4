/*
 * NAME
 *	warming - a domain's warming state for relayctl domain show
 * DESCRIPTION
 *	The tier comes from tier.c, the function relay-policyd charges by.
 * SEE ALSO
 *	ctl.h, common/tier.h
 */
#include <stdio.h>

#include "ctl.h"
#include "tier.h"

/* caps - a cap for people: the number, or "unlimited" for 0 */
static void
caps(char *buf, size_t len, long long n)
{
	if (n > 0)
		snprintf(buf, len, "%lld", n);
	else
		snprintf(buf, len, "unlimited");
}

json_t *
ctl_warming_json(struct ctl *c, long long verified_at)
{
	struct tier	 t;

	if (verified_at <= 0)
		return json_null();
	tier_of(&c->conf->warming, verified_at, c->now, &t);
	return json_pack("{s:i, s:i, s:I, s:I, s:I}", "tier", t.tier,
	    "tiers", t.ntiers, "per_hour", (json_int_t)t.per_hour, "per_day",
	    (json_int_t)t.per_day, "until", (json_int_t)t.until);
}

const char *
ctl_warming_text(const json_t *w)
{
	static char	 buf[256];
	char		 h[32], dy[32];
	json_int_t	 ph, pd;

	if (!json_is_object(w))
		return "starts when the domain is verified";
	ph = json_integer_value(json_object_get(w, "per_hour"));
	pd = json_integer_value(json_object_get(w, "per_day"));
	caps(h, sizeof(h), ph);
	caps(dy, sizeof(dy), pd);
	if (json_integer_value(json_object_get(w, "tier")) == 0)
		snprintf(buf, sizeof(buf), "over since %s; standard caps %s "
		    "per hour, %s per day (or the member's own limits)",
		    ctl_time(json_integer_value(json_object_get(w, "until"))),
		    h, dy);
	else
		snprintf(buf, sizeof(buf), "tier %lld of %lld until %s: %s "
		    "per hour, %s per day",
		    (long long)json_integer_value(json_object_get(w, "tier")),
		    (long long)json_integer_value(json_object_get(w, "tiers")),
		    ctl_time(json_integer_value(json_object_get(w, "until"))),
		    h, dy);
	return buf;
}

