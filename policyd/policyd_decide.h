/*
 * NAME
 *	policyd_decide - relay-policyd's decisions, pure
 * DESCRIPTION
 *	Functions of (facts read from Redis, relay.conf, now) to a verdict;
 *	no I/O. The event loop (policyd_policy.c) reads the facts, calls
 *	these, charges the warming window with the script policyd_warm.lua
 *	and writes the action.
 *
 *	Stages: at MAIL FROM (and every later request of an authenticated
 *	session) a suspended member gets member_suspended with the stored
 *	reason; at MAIL FROM the queue cap is checked (queue_full when the
 *	member already has Q or more messages in flight, so at most Q are);
 *	at RCPT each recipient is charged to the sender's domain under the
 *	caps of its warming tier (warming_rate_limited when a window is
 *	full). Anything that could not be read is queue_full, never DUNNO.
 *
 *	Tiers: tier i (1-based) applies while the domain's age, counted from
 *	verified_at, is under tiers[i].days days; an unverified domain
 *	(verified_at 0) is as young as can be. After the last tier the
 *	member's own per_hour/per_day (member hash) or warming.standard_*
 *	apply; 0 means unlimited.
 */
#ifndef RELAY_POLICYD_DECIDE_H
#define RELAY_POLICYD_DECIDE_H

#include <stddef.h>
#include <time.h>

#include "conditions.h"
#include "conf.h"
#include "policyd_rval.h"

#define PD_REASON_MAX	256
#define PD_DETAIL_MAX	512

/* The member's hash (HMGET fields in PD_MEMBER_FIELDS order). */
struct pd_member {
	int		 exists;
	int		 suspended;
	char		 reason[PD_REASON_MAX];
	long long	 queue_cap;	/* -1: relay.conf's */
	long long	 per_hour;	/* -1: relay.conf's */
	long long	 per_day;
	long long	 queued;	/* -1: not read */
};

/* The fields pd_member_from expects, in order, for HMGET. */
extern const char *const pd_member_fields[];
extern const size_t pd_member_nfields;

/* A domain hash (HMGET fields in PD_DOMAIN_FIELDS order). */
struct pd_domain {
	int		 exists;
	char		 member[PD_REASON_MAX];
	long long	 verified_at;
	int		 subdomains;
};

extern const char *const pd_domain_fields[];
extern const size_t pd_domain_nfields;

struct pd_caps {
	int		 tier;		/* 1..ntiers, 0: standard caps */
	long long	 per_hour;	/* 0: unlimited */
	long long	 per_day;
	long long	 age_s;
};

/* What policyd_warm.lua answered. */
#define PD_WARM_CHANGED	3	/* the domain's facts changed: not charged */
struct pd_warm {
	int		 over;		/* 0 charged, 1 hour full, 2 day full, 3 */
	long long	 hour_count;	/* in the window, after the charge */
	long long	 day_count;
	long long	 retry_ms;	/* until the full window has room */
};

struct pd_verdict {
	int		 dunno;		/* 1: no objection */
	enum cond_id	 cond;		/* when !dunno */
	char		 detail[PD_DETAIL_MAX];
	const char	*why;		/* short reason for the log line */
};

/*
 * pd_member_from - facts from the HMGET reply (pd_member_fields) and the
 * ZCOUNT reply of the inflight set (may be NULL when not asked). -1 when
 * a reply is not what was asked for (then the facts are unusable).
 */
int	 pd_member_from(const struct rval *hmget, const struct rval *zcount,
	    struct pd_member *m);
/* pd_domain_from - facts from one HMGET reply (pd_domain_fields) */
int	 pd_domain_from(const struct rval *hmget, struct pd_domain *d);

/*
 * pd_domain_pick - which of the sender domain's chain (addr_domain_chain,
 * common/addr.h) is the enrolled domain: the nearest record decides, as
 * in relay-milter: itself, or a parent that allows subdomains. Returns its
 * index, or -1 (none, or the nearest is a parent that does not allow
 * them: relay-milter refuses the sender).
 */
int	 pd_domain_pick(const struct pd_domain *d, size_t n);

/* pd_tier - the caps that apply to a domain of this age */
void	 pd_tier(const struct conf_warming *w, const struct pd_member *m,
	    long long verified_at, time_t now, struct pd_caps *c);

/* pd_decide_member - suspension (and with check_queue, the queue cap) */
void	 pd_decide_member(const struct pd_member *m, int check_queue,
	    const struct relay_conf *cf, struct pd_verdict *v);

/* pd_warm_from - the script's reply {over, hour, day, retry_ms}; 0 or -1 */
int	 pd_warm_from(const struct rval *r, struct pd_warm *w);
/* pd_decide_warm - the verdict for a charge */
void	 pd_decide_warm(const struct pd_caps *c, const struct pd_warm *w,
	    struct pd_verdict *v);

/* pd_verdict_dunno / pd_verdict_fail - the two simple verdicts */
void	 pd_verdict_dunno(struct pd_verdict *v, const char *why);
void	 pd_verdict_fail(struct pd_verdict *v, const char *why);

/* pd_action - the text after "action=": DUNNO or "CODE DSN TEXT[: DETAIL]" */
size_t	 pd_action(const struct pd_verdict *v, char *buf, size_t len);

/* pd_retry_s - whole seconds to wait for retry_ms (at least 1) */
long long pd_retry_s(long long retry_ms);

#endif
