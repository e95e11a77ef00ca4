/*
 * NAME
 *	policyd_dcache - what relay-policyd last read of a sender domain
 * DESCRIPTION
 *	A bounded map from a sender's domain (exactly as enrolled) to the
 *	facts its warming caps are computed from: the owning member, the
 *	domain's verified_at, and that member's own per_hour/per_day. With
 *	them relay-policyd charges a recipient in the same round trip that
 *	reads the member hash, instead of reading first and charging after.
 *
 *	Nothing here is trusted: policyd_warm.lua checks owner and
 *	verified_at against the domain hash before it charges and answers
 *	"changed" otherwise, and the member's caps are checked against the
 *	member hash read in the same round trip (policyd_policy.c). Entries
 *	expire after PD_DCACHE_TTL seconds only to bound memory; when the
 *	map is full, expired entries go first, then all of them.
 */
#ifndef RELAY_POLICYD_DCACHE_H
#define RELAY_POLICYD_DCACHE_H

#include <stddef.h>
#include <time.h>

#define PD_DCACHE_TTL		60
#define PD_DCACHE_MAX		16384
#define PD_DCACHE_NAME_MAX	256

struct pd_dcache_ent {
	char		 member[PD_DCACHE_NAME_MAX];
	long long	 verified_at;
	long long	 per_hour;	/* the member's own; -1: relay.conf's */
	long long	 per_day;
};

struct pd_dcache;

struct pd_dcache *pd_dcache_new(size_t max, int ttl_s);
void	 pd_dcache_free(struct pd_dcache *);
/* pd_dcache_get - 1 and *out when DOMAIN is known and fresh, else 0 */
int	 pd_dcache_get(struct pd_dcache *, const char *domain, time_t now,
	    struct pd_dcache_ent *out);
/* pd_dcache_put - remember (or refresh) DOMAIN's facts as of now */
void	 pd_dcache_put(struct pd_dcache *, const char *domain,
	    const struct pd_dcache_ent *, time_t now);
/* pd_dcache_del - forget DOMAIN (its facts changed) */
void	 pd_dcache_del(struct pd_dcache *, const char *domain);
/* pd_dcache_count - entries held, fresh or not */
size_t	 pd_dcache_count(const struct pd_dcache *);

#endif
