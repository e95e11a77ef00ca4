/*
 * NAME
 *	policyd_decide - suspension, queue cap, warming tiers: pure verdicts
 * DESCRIPTION
 *	Facts come in as rvals copied from Redis replies; the verdicts go out
 *	as a condition and a detail text. Every reply text is built with
 *	cond_format(): no code is spelled here.
 * SEE ALSO
 *	policyd_decide.h, common/conditions.c, common/lua/policyd_warm.lua
 */
#include <stdio.h>
#include <string.h>

#include "policyd_decide.h"
#include "tier.h"

const char *const pd_member_fields[] = {
	"did", "suspended", "suspend_reason", "queue_cap", "per_hour",
	"per_day",
};
const size_t pd_member_nfields =
    sizeof(pd_member_fields) / sizeof(pd_member_fields[0]);

const char *const pd_domain_fields[] = {
	"member", "verified_at", "subdomains",
};
const size_t pd_domain_nfields =
    sizeof(pd_domain_fields) / sizeof(pd_domain_fields[0]);

/* opt_int - an optional numeric field: nil is dflt, garbage is -2 */
static long long
opt_int(const struct rval *r, long long dflt)
{
	long long v;

	if (r == NULL || r->type == RVAL_NIL ||
	    (r->type == RVAL_STR && r->len == 0))
		return dflt;
	if (rval_int(r, &v) < 0 || v < 0)
		return -2;
	return v;
}

int
pd_member_from(const struct rval *hmget, const struct rval *zcount,
    struct pd_member *m)
{
	const struct rval *did, *susp, *reason;

	memset(m, 0, sizeof(*m));
	m->queued = -1;
	if (hmget == NULL || hmget->type != RVAL_ARRAY ||
	    hmget->nel != pd_member_nfields)
		return -1;
	did = rval_at(hmget, 0);
	susp = rval_at(hmget, 1);
	reason = rval_at(hmget, 2);
	m->exists = (did != NULL && did->type == RVAL_STR) ||
	    (susp != NULL && susp->type == RVAL_STR);
	/* anything but "0" or empty, a value holding a NUL too: fail safe */
	m->suspended = susp != NULL && susp->type == RVAL_STR &&
	    susp->len > 0 && !(susp->len == 1 && susp->str[0] == '0');
	if (reason != NULL && reason->type == RVAL_STR)
		snprintf(m->reason, sizeof(m->reason), "%s", reason->str);
	m->queue_cap = opt_int(rval_at(hmget, 3), -1);
	m->per_hour = opt_int(rval_at(hmget, 4), -1);
	m->per_day = opt_int(rval_at(hmget, 5), -1);
	if (m->queue_cap == -2 || m->per_hour == -2 || m->per_day == -2)
		return -1;
	if (zcount != NULL && rval_int(zcount, &m->queued) < 0)
		return -1;
	return 0;
}

int
pd_domain_from(const struct rval *hmget, struct pd_domain *d)
{
	const struct rval *member;
	long long v;

	memset(d, 0, sizeof(*d));
	if (hmget == NULL || hmget->type != RVAL_ARRAY ||
	    hmget->nel != pd_domain_nfields)
		return -1;
	member = rval_at(hmget, 0);
	if (rval_badstr(member) || (member != NULL &&
	    member->len >= sizeof(d->member)))
		return -1;	/* never compared as its prefix */
	if (rval_str(member) == NULL || member->len == 0)
		return 0;	/* not enrolled */
	d->exists = 1;
	snprintf(d->member, sizeof(d->member), "%s", member->str);
	if ((v = opt_int(rval_at(hmget, 1), 0)) < 0)
		return -1;
	d->verified_at = v;
	d->subdomains = opt_int(rval_at(hmget, 2), 0) == 1;
	return 0;
}

int
pd_domain_pick(const struct pd_domain *d, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (d[i].exists)
			return i == 0 || d[i].subdomains ? (int)i : -1;
	return -1;
}

void
pd_tier(const struct conf_warming *w, const struct pd_member *m,
    long long verified_at, time_t now, struct pd_caps *c)
{
	struct tier	 t;

	tier_of(w, verified_at, now, &t);
	memset(c, 0, sizeof(*c));
	c->tier = t.tier;
	c->age_s = t.age_s;
	c->per_hour = t.per_hour;
	c->per_day = t.per_day;
	if (t.tier == 0 && m != NULL && m->per_hour >= 0)
		c->per_hour = m->per_hour;
	if (t.tier == 0 && m != NULL && m->per_day >= 0)
		c->per_day = m->per_day;
}

void
pd_verdict_dunno(struct pd_verdict *v, const char *why)
{
	memset(v, 0, sizeof(*v));
	v->dunno = 1;
	v->why = why;
}

void
pd_verdict_fail(struct pd_verdict *v, const char *why)
{
	memset(v, 0, sizeof(*v));
	v->cond = COND_QUEUE_FULL;
	v->why = why;
}

void
pd_decide_member(const struct pd_member *m, int check_queue,
    const struct relay_conf *cf, struct pd_verdict *v)
{
	long long cap;

	if (!m->exists) {
		/* Authenticated but no record: never pass it unchecked. */
		pd_verdict_fail(v, "member_unknown");
		return;
	}
	if (m->suspended) {
		memset(v, 0, sizeof(*v));
		v->cond = COND_MEMBER_SUSPENDED;
		v->why = "suspended";
		snprintf(v->detail, sizeof(v->detail), "%s",
		    m->reason[0] ? m->reason : "see your account");
		return;
	}
	if (check_queue) {
		cap = m->queue_cap >= 0 ? m->queue_cap : cf->policyd.queue_cap;
		if (m->queued < 0) {
			pd_verdict_fail(v, "queue_unknown");
			return;
		}
		if (cap > 0 && m->queued >= cap) {
			memset(v, 0, sizeof(*v));
			v->cond = COND_QUEUE_FULL;
			v->why = "queue_cap";
			snprintf(v->detail, sizeof(v->detail),
			    "%lld messages queued, cap %lld", m->queued, cap);
			return;
		}
	}
	pd_verdict_dunno(v, "ok");
}

int
pd_warm_from(const struct rval *r, struct pd_warm *w)
{
	long long v[4];
	size_t	 i;

	memset(w, 0, sizeof(*w));
	if (r == NULL || r->type != RVAL_ARRAY || r->nel != 4)
		return -1;
	for (i = 0; i < 4; i++)
		if (rval_int(rval_at(r, i), &v[i]) < 0 || v[i] < 0)
			return -1;
	if (v[0] > PD_WARM_CHANGED)
		return -1;
	w->over = (int)v[0];
	w->hour_count = v[1];
	w->day_count = v[2];
	w->retry_ms = v[3];
	return 0;
}

long long
pd_retry_s(long long retry_ms)
{
	long long s = (retry_ms + 999) / 1000;

	return s < 1 ? 1 : s;
}

void
pd_decide_warm(const struct pd_caps *c, const struct pd_warm *w,
    struct pd_verdict *v)
{
	char	 who[32];

	if (w->over == 0) {
		pd_verdict_dunno(v, "charged");
		return;
	}
	memset(v, 0, sizeof(*v));
	v->cond = COND_WARMING_RATE_LIMITED;
	v->why = w->over == 1 ? "hour_cap" : "day_cap";
	if (c->tier > 0)
		snprintf(who, sizeof(who), "tier %d", c->tier);
	else
		snprintf(who, sizeof(who), "standard rate");
	snprintf(v->detail, sizeof(v->detail), "%s allows %lld per %s, "
	    "retry in %lld s", who,
	    w->over == 1 ? c->per_hour : c->per_day,
	    w->over == 1 ? "hour" : "day", pd_retry_s(w->retry_ms));
}

size_t
pd_action(const struct pd_verdict *v, char *buf, size_t len)
{
	if (v->dunno)
		return (size_t)snprintf(buf, len, "DUNNO");
	return cond_format(v->cond, v->detail[0] ? v->detail : NULL, buf, len);
}
