/*
 * NAME
 *	tier - which warming tier a domain is in
 * DESCRIPTION
 *	A verified domain is in tier i (1-based) of relay.conf's
 *	warming.tiers while its age (now - verified_at) is under that tier's
 *	days, and past warming (tier 0, the standard caps) after the last.
 *	One function, used by relay-policyd to charge (pd_tier, which puts
 *	a member's own standard caps over relay.conf's) and by relayctl to
 *	show a domain's state. A domain not yet verified (verified_at 0)
 *	counts as age 0: tier 1 (relay-milter refuses its mail anyway).
 */
#ifndef RELAY_TIER_H
#define RELAY_TIER_H

#include <time.h>

#include "conf.h"

struct tier {
	int		 tier;		/* 1..ntiers, 0: past warming */
	int		 ntiers;
	long long	 per_hour;	/* the tier's caps, or the standard */
	long long	 per_day;	/* ones of relay.conf; 0: unlimited */
	long long	 age_s;
	long long	 until;		/* the tier's end (tier 0: when warming
					   ended), 0 when not verified */
};

void	 tier_of(const struct conf_warming *w, long long verified_at,
	    time_t now, struct tier *t);

#endif
