/*
 * NAME
 *	test_policyd_decide - tier selection, suspension, queue cap, the
 *	warming verdict and its retry time, facts from Redis replies
 */
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "conf.h"
#include "policyd_decide.h"
#include "tier.h"

#define DAY	86400
#define NOW	1800000000

/* hmget - an HMGET reply from strings, NULL for nil */
static struct rval *
hmget(size_t n, const char *const *v)
{
	struct rval *r = rval_new_array(n);
	size_t	 i;

	for (i = 0; i < n; i++)
		r->el[i] = v[i] ? rval_new_str(v[i], strlen(v[i])) :
		    rval_new_nil();
	return r;
}

static void
tiers_follow_the_default_schedule(void **state)
{
	struct relay_conf *cf = conf_defaults();
	struct pd_caps	 c;
	static const struct { long long age; int tier; int ph, pd; } t[] = {
		{ 0, 1, 20, 100 }, { 2 * DAY - 1, 1, 20, 100 },
		{ 2 * DAY, 2, 50, 500 }, { 6 * DAY, 3, 200, 2000 },
		{ 9 * DAY, 4, 500, 5000 }, { 13 * DAY, 5, 1000, 10000 },
		{ 14 * DAY, 0, 0, 0 }, { 400 * DAY, 0, 0, 0 },
	};
	size_t	 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		pd_tier(&cf->warming, NULL, NOW - t[i].age, NOW, &c);
		assert_int_equal(c.tier, t[i].tier);
		assert_int_equal(c.per_hour, t[i].ph);
		assert_int_equal(c.per_day, t[i].pd);
	}
	/* Unverified and future verification times count as age 0. */
	pd_tier(&cf->warming, NULL, 0, NOW, &c);
	assert_int_equal(c.tier, 1);
	pd_tier(&cf->warming, NULL, NOW + 100, NOW, &c);
	assert_int_equal(c.tier, 1);
	assert_int_equal(c.age_s, 0);
	/* however far (Redis holds it): no overflow (UBSan) */
	pd_tier(&cf->warming, NULL, LLONG_MAX - 5, NOW, &c);
	assert_int_equal(c.tier, 1);
	conf_free(cf);
}

/* tier_of's until (relayctl warming shows it): the end of the current tier,
 * or when warming ended, saturated; 0 when the domain is not verified. */
static void
tier_until_is_the_end_of_the_tier(void **state)
{
	struct relay_conf *cf = conf_defaults();
	struct tier	 t;
	static const struct {
		const char	*name;
		long long	 verified_at;
		int		 tier;
		long long	 until;
	} c[] = {
		{ "one day old: tier 1 ends at day 2", NOW - DAY, 1,
		  NOW + DAY },
		{ "three days old: tier 2 ends at day 4", NOW - 3 * DAY, 2,
		  NOW + DAY },
		{ "exactly 4 days old: tier 3 ends at day 7", NOW - 4 * DAY, 3,
		  NOW + 3 * DAY },
		{ "past warming: it ended at the last tier's day 14",
		  NOW - 30 * DAY, 0, NOW - 16 * DAY },
		{ "not verified: tier 1, until 0", 0, 1, 0 },
		{ "a negative verified_at from Redis: as not verified", -5, 1,
		  0 },
		{ "verified 1 s after the epoch is verified", 1, 0,
		  1 + 14 * DAY },
		{ "far in the future: until saturates", LLONG_MAX - 5, 1,
		  LLONG_MAX },
		{ "just below saturation: no overflow, exact",
		  LLONG_MAX - 2 * DAY, 1, LLONG_MAX },
		{ "one second below saturation", LLONG_MAX - 2 * DAY - 1, 1,
		  LLONG_MAX - 1 },
	};
	size_t	 i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		tier_of(&cf->warming, c[i].verified_at, NOW, &t);
		if (t.tier != c[i].tier || t.until != c[i].until)
			fail_msg("%s: tier %d until %lld, want tier %d until "
			    "%lld", c[i].name, t.tier, t.until, c[i].tier,
			    c[i].until);
		assert_int_equal(t.ntiers, 5);
	}
	/* Verified 1 s after the epoch, one day later: in tier 1. */
	tier_of(&cf->warming, 1, 1 + DAY, &t);
	assert_int_equal(t.tier, 1);
	assert_int_equal(t.until, 1 + 2 * DAY);
	/* One tier: warming ended at its end. */
	cf->warming.ntiers = 1;
	tier_of(&cf->warming, NOW - 30 * DAY, NOW, &t);
	assert_int_equal(t.tier, 0);
	assert_int_equal(t.until, NOW - 28 * DAY);
	/* No tiers: past warming from verification on. */
	cf->warming.ntiers = 0;
	cf->warming.standard_per_hour = 9;
	tier_of(&cf->warming, NOW - 10, NOW, &t);
	assert_int_equal(t.tier, 0);
	assert_int_equal(t.until, NOW - 10);
	assert_int_equal(t.per_hour, 9);
	assert_int_equal(t.age_s, 10);
	tier_of(&cf->warming, 0, NOW, &t);
	assert_int_equal(t.until, 0);
	conf_free(cf);
}

static void
standard_caps_come_from_member_or_conf(void **state)
{
	struct relay_conf *cf = conf_defaults();
	struct pd_member m;
	struct pd_caps	 c;

	memset(&m, 0, sizeof(m));
	m.per_hour = m.per_day = -1;
	cf->warming.standard_per_hour = 5000;
	cf->warming.standard_per_day = 0;
	pd_tier(&cf->warming, &m, NOW - 30 * DAY, NOW, &c);
	assert_int_equal(c.tier, 0);
	assert_int_equal(c.per_hour, 5000);
	assert_int_equal(c.per_day, 0);
	m.per_hour = 7;
	m.per_day = 70;
	pd_tier(&cf->warming, &m, NOW - 30 * DAY, NOW, &c);
	assert_int_equal(c.per_hour, 7);
	assert_int_equal(c.per_day, 70);
	conf_free(cf);
}

static void
suspended_member_gets_521_with_reason(void **state)
{
	struct relay_conf *cf = conf_defaults();
	struct pd_member m;
	struct pd_verdict v;
	char		 act[600];

	memset(&m, 0, sizeof(m));
	m.exists = 1;
	m.suspended = 1;
	m.queued = 0;
	m.queue_cap = -1;
	snprintf(m.reason, sizeof(m.reason), "bounce rate 12.5%%\r\nX: y");
	pd_decide_member(&m, 1, cf, &v);
	pd_action(&v, act, sizeof(act));
	assert_string_equal(act,
	    "521 5.7.1 Member suspended: bounce rate 12.5%  X: y");
	conf_free(cf);
}

static void
queue_cap_is_at_most_q(void **state)
{
	struct relay_conf *cf = conf_defaults();
	struct pd_member m;
	struct pd_verdict v;
	char		 act[600];

	memset(&m, 0, sizeof(m));
	m.exists = 1;
	m.queue_cap = -1;
	cf->policyd.queue_cap = 3;
	m.queued = 2;
	pd_decide_member(&m, 1, cf, &v);
	assert_true(v.dunno);
	m.queued = 3;
	pd_decide_member(&m, 1, cf, &v);
	assert_false(v.dunno);
	pd_action(&v, act, sizeof(act));
	assert_string_equal(act, "451 4.4.2 Queue full or transient submission "
	    "error: 3 messages queued, cap 3");
	/* Not checked at RCPT; a member's own cap wins; 0 is no cap. */
	pd_decide_member(&m, 0, cf, &v);
	assert_true(v.dunno);
	m.queue_cap = 10;
	pd_decide_member(&m, 1, cf, &v);
	assert_true(v.dunno);
	m.queue_cap = 0;
	m.queued = 1000000;
	pd_decide_member(&m, 1, cf, &v);
	assert_true(v.dunno);
	/* Unknown member or unread queue: 4xx, never DUNNO. */
	m.queued = -1;
	pd_decide_member(&m, 1, cf, &v);
	assert_false(v.dunno);
	assert_int_equal(v.cond, COND_QUEUE_FULL);
	m.exists = 0;
	pd_decide_member(&m, 0, cf, &v);
	assert_int_equal(v.cond, COND_QUEUE_FULL);
	conf_free(cf);
}

static void
warm_verdict_names_tier_cap_and_retry(void **state)
{
	struct pd_caps	 c = { 2, 50, 500, 3 * DAY };
	struct pd_warm	 w = { 1, 50, 120, 1234567 };
	struct pd_verdict v;
	char		 act[600];

	pd_decide_warm(&c, &w, &v);
	pd_action(&v, act, sizeof(act));
	assert_string_equal(act, "451 4.7.1 Warming tier rate limit: tier 2 "
	    "allows 50 per hour, retry in 1235 s");
	w.over = 2;
	w.retry_ms = 1;
	pd_decide_warm(&c, &w, &v);
	pd_action(&v, act, sizeof(act));
	assert_string_equal(act, "451 4.7.1 Warming tier rate limit: tier 2 "
	    "allows 500 per day, retry in 1 s");
	c.tier = 0;
	pd_decide_warm(&c, &w, &v);
	pd_action(&v, act, sizeof(act));
	assert_string_equal(act, "451 4.7.1 Warming tier rate limit: standard "
	    "rate allows 500 per day, retry in 1 s");
	w.over = 0;
	pd_decide_warm(&c, &w, &v);
	pd_action(&v, act, sizeof(act));
	assert_string_equal(act, "DUNNO");
	assert_int_equal(pd_retry_s(0), 1);
	assert_int_equal(pd_retry_s(1000), 1);
	assert_int_equal(pd_retry_s(1001), 2);
}

/* pd_domain_from, case by case: a record without verified_at is enrolled
 * but unverified, an empty member is no enrollment, a member of exactly
 * the buffer's size is refused (never compared as its prefix). */
static void
domain_facts_case_by_case(void **state)
{
	static char exact[sizeof(((struct pd_domain *)0)->member) + 1];
	static const struct {
		const char	*name;
		const char	*v[3];		/* member, verified_at, subdomains */
		int		 rc, exists;
		long long	 verified_at;
		int		 subdomains;
	} t[] = {
		{ "verified, subdomains", { "alice", "1700000000", "1" }, 0, 1,
		  1700000000, 1 },
		{ "enrolled, not verified yet: no fields",
		  { "alice", NULL, NULL }, 0, 1, 0, 0 },
		{ "enrolled, verified_at 0", { "alice", "0", "0" }, 0, 1, 0, 0 },
		{ "verified_at 1", { "alice", "1", "" }, 0, 1, 1, 0 },
		{ "subdomains 2 is not 1", { "alice", "5", "2" }, 0, 1, 5, 0 },
		{ "garbage verified_at", { "alice", "soon", NULL }, -1, 0, 0, 0 },
		{ "negative verified_at", { "alice", "-5", NULL }, -1, 0, 0, 0 },
		{ "empty member: not enrolled", { "", "1700000000", "1" }, 0, 0,
		  0, 0 },
		{ "no member: not enrolled", { NULL, "1700000000", "1" }, 0, 0,
		  0, 0 },
		{ "member of exactly the buffer's size", { exact, "1", "1" },
		  -1, 0, 0, 0 },
	};
	struct pd_domain d;
	struct rval	*r;
	size_t	 i;
	int	 rc;

	(void)state;
	memset(exact, 'm', sizeof(exact) - 1);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		r = hmget(3, t[i].v);
		rc = pd_domain_from(r, &d);
		rval_free(r);
		if (rc != t[i].rc)
			fail_msg("%s: rc %d want %d", t[i].name, rc, t[i].rc);
		if (rc != 0)
			continue;
		if (d.exists != t[i].exists ||
		    d.verified_at != t[i].verified_at ||
		    d.subdomains != t[i].subdomains)
			fail_msg("%s: exists %d verified_at %lld subdomains %d",
			    t[i].name, d.exists, d.verified_at, d.subdomains);
		if (!d.exists && d.member[0] != '\0')
			fail_msg("%s: member %s", t[i].name, d.member);
	}
}

/* pd_member_from, case by case: any one field makes a member, a garbage
 * cap or queue count is refused (-1), a missing reason is empty. */
static void
member_facts_case_by_case(void **state)
{
	static const struct {
		const char	*name;
		const char	*v[6];	/* did suspended reason q/h/d caps */
		const char	*zcount;	/* NULL: an integer 2 */
		int		 rc, exists, suspended;
	} t[] = {
		{ "did only", { "did:plc:x", NULL, NULL, NULL, NULL, NULL },
		  NULL, 0, 1, 0 },
		{ "suspended only", { NULL, "1", NULL, NULL, NULL, NULL },
		  NULL, 0, 1, 1 },
		{ "suspended 0 only", { NULL, "0", NULL, NULL, NULL, NULL },
		  NULL, 0, 1, 0 },
		{ "garbage queue_cap", { "d", "0", NULL, "x", NULL, NULL },
		  NULL, -1, 0, 0 },
		{ "garbage per_hour", { "d", "0", NULL, NULL, "x", NULL },
		  NULL, -1, 0, 0 },
		{ "garbage per_day", { "d", "0", NULL, NULL, NULL, "lots" },
		  NULL, -1, 0, 0 },
		{ "negative per_day", { "d", "0", NULL, NULL, NULL, "-3" },
		  NULL, -1, 0, 0 },
		{ "per_hour -1 is no unset cap", { "d", "0", NULL, NULL, "-1",
		  NULL }, NULL, -1, 0, 0 },
		{ "garbage queue count", { "d", "0", NULL, NULL, NULL, NULL },
		  "many", -1, 0, 0 },
	};
	struct pd_member m;
	struct rval	*r, *z;
	size_t	 i;
	int	 rc;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		r = hmget(6, t[i].v);
		z = t[i].zcount ? rval_new_str(t[i].zcount,
		    strlen(t[i].zcount)) : rval_new_int(2);
		rc = pd_member_from(r, z, &m);
		rval_free(r);
		rval_free(z);
		if (rc != t[i].rc)
			fail_msg("%s: rc %d want %d", t[i].name, rc, t[i].rc);
		if (rc != 0)
			continue;
		if (m.exists != t[i].exists || m.suspended != t[i].suspended)
			fail_msg("%s: exists %d suspended %d", t[i].name,
			    m.exists, m.suspended);
		if (m.reason[0] != '\0' || m.queued != 2 ||
		    m.queue_cap != -1 || m.per_hour != -1 || m.per_day != -1)
			fail_msg("%s: reason '%s' queued %lld caps %lld %lld "
			    "%lld", t[i].name, m.reason, m.queued,
			    m.queue_cap, m.per_hour, m.per_day);
	}
}

/* The verdicts' log reasons, the reply's length, queue 0, tier 1. */
static void
verdict_reasons_and_reply_length(void **state)
{
	struct relay_conf *cf = conf_defaults();
	struct pd_member m;
	struct pd_verdict v;
	struct pd_caps	 c = { 1, 20, 100, DAY };
	struct pd_warm	 w = { 1, 20, 20, 5000 };
	char		 act[600];
	size_t		 n;

	memset(&m, 0, sizeof(m));
	pd_decide_member(&m, 1, cf, &v);
	assert_string_equal(v.why, "member_unknown");
	m.exists = 1;
	m.queue_cap = 3;
	m.queued = -1;
	pd_decide_member(&m, 1, cf, &v);
	assert_string_equal(v.why, "queue_unknown");
	/* nothing queued is a count, not an unread queue */
	m.queued = 0;
	pd_decide_member(&m, 1, cf, &v);
	assert_true(v.dunno);
	assert_string_equal(v.why, "ok");
	assert_string_equal(v.detail, "");
	assert_int_equal(pd_action(&v, act, sizeof(act)), 5);
	assert_string_equal(act, "DUNNO");
	pd_decide_warm(&c, &w, &v);
	assert_string_equal(v.why, "hour_cap");
	n = pd_action(&v, act, sizeof(act));
	assert_int_equal(n, strlen(act));
	assert_string_equal(act, "451 4.7.1 Warming tier rate limit: tier 1 "
	    "allows 20 per hour, retry in 5 s");
	w.over = 2;
	pd_decide_warm(&c, &w, &v);
	assert_string_equal(v.why, "day_cap");
	conf_free(cf);
}

static void
warm_reply_is_checked(void **state)
{
	struct rval	*r = rval_new_array(4);
	struct pd_warm	 w;

	r->el[0] = rval_new_int(1);
	r->el[1] = rval_new_int(20);
	r->el[2] = rval_new_int(20);
	r->el[3] = rval_new_int(3599000);
	assert_int_equal(pd_warm_from(r, &w), 0);
	assert_int_equal(w.over, 1);
	assert_int_equal(w.retry_ms, 3599000);
	rval_free(r->el[0]);
	r->el[0] = rval_new_int(PD_WARM_CHANGED);
	assert_int_equal(pd_warm_from(r, &w), 0);
	assert_int_equal(w.over, PD_WARM_CHANGED);
	rval_free(r->el[0]);
	r->el[0] = rval_new_int(4);
	assert_int_equal(pd_warm_from(r, &w), -1);
	rval_free(r->el[0]);
	r->el[0] = rval_new_err("ERR boom");
	assert_int_equal(pd_warm_from(r, &w), -1);
	rval_free(r->el[0]);
	r->el[0] = rval_new_int(1);
	/* a count that is no integer, or negative: refused */
	rval_free(r->el[1]);
	r->el[1] = rval_new_str("many", 4);
	assert_int_equal(pd_warm_from(r, &w), -1);
	rval_free(r->el[1]);
	r->el[1] = rval_new_int(-1);
	assert_int_equal(pd_warm_from(r, &w), -1);
	rval_free(r->el[1]);
	r->el[1] = rval_new_int(0);
	assert_int_equal(pd_warm_from(r, &w), 0);
	rval_free(r);
	assert_int_equal(pd_warm_from(NULL, &w), -1);
}

static void
member_and_domain_facts_from_replies(void **state)
{
	const char *mv[] = { "did:plc:x", "1", "because", NULL, "5", "" };
	const char *junk[] = { "did:plc:x", "0", NULL, "many", NULL, NULL };
	const char *none[] = { NULL, NULL, NULL, NULL, NULL, NULL };
	const char *dv[] = { "alice", "1700000000", "1" };
	struct rval	*r, *z = rval_new_int(4);
	struct pd_member m;
	struct pd_domain d;

	r = hmget(6, mv);
	assert_int_equal(pd_member_from(r, z, &m), 0);
	assert_true(m.exists && m.suspended);
	assert_string_equal(m.reason, "because");
	assert_int_equal(m.queue_cap, -1);
	assert_int_equal(m.per_hour, 5);
	assert_int_equal(m.per_day, -1);
	assert_int_equal(m.queued, 4);
	rval_free(r);
	r = hmget(6, junk);
	assert_int_equal(pd_member_from(r, NULL, &m), -1);
	rval_free(r);
	/* a suspended value holding a NUL still suspends (fail safe) */
	r = hmget(6, mv);
	rval_free(r->el[1]);
	r->el[1] = rval_new_str("1\0x", 3);
	assert_int_equal(pd_member_from(r, z, &m), 0);
	assert_true(m.suspended);
	rval_free(r->el[1]);
	r->el[1] = rval_new_str("0", 1);
	assert_int_equal(pd_member_from(r, z, &m), 0);
	assert_false(m.suspended);
	rval_free(r);
	r = hmget(6, none);
	assert_int_equal(pd_member_from(r, NULL, &m), 0);
	assert_false(m.exists);
	rval_free(r);
	r = hmget(3, dv);
	assert_int_equal(pd_member_from(r, NULL, &m), -1);	/* wrong shape */
	assert_int_equal(pd_domain_from(r, &d), 0);
	assert_true(d.exists && d.subdomains);
	assert_string_equal(d.member, "alice");
	assert_int_equal(d.verified_at, 1700000000);
	rval_free(r);
	/* a member that does not fit, or holds a NUL, is never its prefix */
	r = hmget(3, dv);
	rval_free(r->el[0]);
	r->el[0] = rval_new_str("alice\0x", 7);
	assert_int_equal(pd_domain_from(r, &d), -1);
	rval_free(r->el[0]);
	{
		char big[sizeof(d.member) + 8];

		memset(big, 'a', sizeof(big));
		r->el[0] = rval_new_str(big, sizeof(big));
		assert_int_equal(pd_domain_from(r, &d), -1);
		rval_free(r->el[0]);
		r->el[0] = rval_new_str(big, sizeof(d.member) - 1);
		assert_int_equal(pd_domain_from(r, &d), 0);
	}
	rval_free(r);
	rval_free(z);
}

static void
sender_domain_and_parents(void **state)
{
	struct pd_domain d[3];

	(void)state;
	/* d[0] the sender's domain, d[1] its parent, d[2] the grandparent */
	memset(d, 0, sizeof(d));
	assert_int_equal(pd_domain_pick(d, 3), -1);
	d[2].exists = 1;
	assert_int_equal(pd_domain_pick(d, 3), -1);	/* no subdomains */
	d[2].subdomains = 1;
	assert_int_equal(pd_domain_pick(d, 3), 2);
	/* the nearest record decides, as in relay-milter */
	d[1].exists = 1;
	assert_int_equal(pd_domain_pick(d, 3), -1);
	d[1].subdomains = 1;
	assert_int_equal(pd_domain_pick(d, 3), 1);
	d[0].exists = 1;
	assert_int_equal(pd_domain_pick(d, 3), 0);
	assert_int_equal(pd_domain_pick(d, 0), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tiers_follow_the_default_schedule),
		cmocka_unit_test(tier_until_is_the_end_of_the_tier),
		cmocka_unit_test(standard_caps_come_from_member_or_conf),
		cmocka_unit_test(suspended_member_gets_521_with_reason),
		cmocka_unit_test(queue_cap_is_at_most_q),
		cmocka_unit_test(warm_verdict_names_tier_cap_and_retry),
		cmocka_unit_test(warm_reply_is_checked),
		cmocka_unit_test(domain_facts_case_by_case),
		cmocka_unit_test(member_facts_case_by_case),
		cmocka_unit_test(verdict_reasons_and_reply_length),
		cmocka_unit_test(member_and_domain_facts_from_replies),
		cmocka_unit_test(sender_domain_and_parents),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
