/*
 * NAME
 *	stats - the suite's metric series and the one-line calls that count
 * DESCRIPTION
 *	One static set of series per process. Every pointer stays NULL
 *	until stats_init(), and metric_*() take NULL as a no-op: with
 *	metrics off a stats_* call is a function call and a test.
 *	Series are all made at stats_init() (each condition, each kind,
 *	each result from 0), so a scrape shows every series before its
 *	first event and rate() works from the start.
 * SEE ALSO
 *	stats.h, metrics.c, metrics_http.c
 */
#include <stdio.h>
#include <string.h>

#include "conditions.h"
#include "metrics.h"
#include "metrics_http.h"
#include "stats.h"

/* Redis round trips: 100 us to 5 s (redis.timeout_ms is at most 60 s). */
static const double redis_bounds[] = {
	0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
	0.1, 0.25, 0.5, 1, 2.5, 5
};

static const char *const redis_kinds[STATS_REDIS__COUNT] = {
	"io", "reply", "down"
};

static const char *const line_results[STATS_LINE__COUNT] = {
	"read", "event", "other", "skipped", "too_long"
};

/* policyd/maillog.c's status names, policyd/bounce.c's class names
   ("none" is a delivery's) */
#define NDLV	3
#define NCLASS	6
static const char *const dlv_statuses[NDLV] = {
	"sent", "deferred", "bounced"
};
static const char *const dlv_classes[NCLASS] = {
	"none", "hard", "soft", "policy", "technical", "other"
};

static const char *const supp_reasons[] = {
	"hard_bounce", "soft_bounce_limit"
};
#define NSUPP	(sizeof(supp_reasons) / sizeof(supp_reasons[0]))

static const char *const rate_actions[STATS_RATE__COUNT] = {
	"warning", "suspension"
};

static struct {
	struct metrics		*reg;
	struct metrics_http	*http;
	struct metric		*decisions[COND__COUNT];
	struct metric		*passed;
	struct metric		*sig_rsa, *sig_ed;
	struct metric		*fact_hit, *fact_miss, *fact_inval;
	struct metric		*conns;
	struct metric		*redis_err[STATS_REDIS__COUNT];
	struct metric		*redis_lat;
	struct metric		*lines[STATS_LINE__COUNT];
	struct metric		*dlv[NDLV][NCLASS];
	struct metric		*expired;
	struct metric		*supp[NSUPP];
	struct metric		*rate[STATS_RATE__COUNT];
} st;

/* tracker_series - relay-tracker's outcome series, every one from 0 */
static void
tracker_series(const char *daemon)
{
	const char	*l1[] = { "daemon", daemon, NULL };
	const char	*l2[] = { "daemon", daemon, NULL, NULL, NULL };
	const char	*l3[] = { "daemon", daemon, "status", NULL, "class",
			    NULL, NULL };
	const char	*help;
	size_t		 i, k;

	help = "Delivery attempts applied: sent (class none), deferred and "
	    "bounced by bounce class.";
	/* sent has the class none alone; deferred and bounced every other */
	for (i = 0; i < NDLV; i++)
		for (k = 0; k < NCLASS; k++) {
			if ((i == 0) != (k == 0))
				continue;
			l3[3] = dlv_statuses[i];
			l3[5] = dlv_classes[k];
			st.dlv[i][k] = metrics_counter(st.reg,
			    "relay_tracker_deliveries_total", help, l3);
			help = NULL;
		}
	st.expired = metrics_counter(st.reg, "relay_tracker_expired_total",
	    "Messages that left the queue with recipients not delivered.", l1);
	l2[2] = "reason";
	for (i = 0; i < NSUPP; i++) {
		l2[3] = supp_reasons[i];
		st.supp[i] = metrics_counter(st.reg,
		    "relay_tracker_suppressions_total", "Recipients suppressed "
		    "by a bounce, by reason.", l2);
	}
	l2[2] = "action";
	for (i = 0; i < STATS_RATE__COUNT; i++) {
		l2[3] = rate_actions[i];
		st.rate[i] = metrics_counter(st.reg,
		    "relay_tracker_bounce_rate_total", "Bounce rate judgements: "
		    "warning (crossed suspension.warn_rate), suspension (a "
		    "member suspended).", l2);
	}
}

void
stats_init(const char *daemon)
{
	const char	*l1[] = { "daemon", daemon, NULL };
	const char	*l2[] = { "daemon", daemon, NULL, NULL, NULL };
	size_t		 i;

	if (st.reg != NULL)
		return;
	st.reg = metrics_new();
	l2[2] = "condition";
	for (i = 0; i < COND__COUNT && strcmp(daemon, "tracker") != 0; i++) {
		l2[3] = cond_get((enum cond_id)i)->json;
		st.decisions[i] = metrics_counter(st.reg, "relay_decisions_total",
		    "Refusals and temporary failures given, by condition "
		    "(relay-suite conditions table).", l2);
	}
	if (strcmp(daemon, "policyd") == 0)
		st.passed = metrics_counter(st.reg, "relay_policy_passed_total",
		    "Policy requests answered DUNNO (nothing to refuse).", l1);
	if (strcmp(daemon, "milter") == 0) {
		st.passed = metrics_counter(st.reg,
		    "relay_messages_accepted_total",
		    "Messages the milter signed, recorded and accepted.", l1);
		l2[2] = "alg";
		l2[3] = "rsa-sha256";
		st.sig_rsa = metrics_counter(st.reg, "relay_dkim_signatures_total",
		    "DKIM signatures added to accepted messages, by algorithm.",
		    l2);
		l2[3] = "ed25519-sha256";
		st.sig_ed = metrics_counter(st.reg, "relay_dkim_signatures_total",
		    NULL, l2);
		l2[2] = "result";
		l2[3] = "hit";
		st.fact_hit = metrics_counter(st.reg,
		    "relay_fact_cache_lookups_total", "Fact cache lookups at "
		    "MAIL FROM and RCPT TO: hit (answered from memory), miss "
		    "(read from Redis); none while the cache is off.", l2);
		l2[3] = "miss";
		st.fact_miss = metrics_counter(st.reg,
		    "relay_fact_cache_lookups_total", NULL, l2);
		st.fact_inval = metrics_counter(st.reg,
		    "relay_fact_cache_invalidations_total", "Keys Redis said "
		    "changed (client-side caching invalidations).", l1);
	}
	if (strcmp(daemon, "tracker") != 0)
		st.conns = metrics_gauge(st.reg, "relay_connections",
		    "Client connections open now.", l1);
	l2[2] = "kind";
	for (i = 0; i < STATS_REDIS__COUNT; i++) {
		l2[3] = redis_kinds[i];
		st.redis_err[i] = metrics_counter(st.reg, "relay_redis_errors_total",
		    "Redis failures: io (connect, I/O, timeout), reply (an error "
		    "reply), down (not sent while waiting to reconnect).", l2);
	}
	st.redis_lat = metrics_histogram(st.reg, "relay_redis_latency_seconds",
	    "Time of one Redis round trip (a command, a pipeline or a batch).",
	    l1, redis_bounds, sizeof(redis_bounds) / sizeof(redis_bounds[0]));
	if (strcmp(daemon, "tracker") == 0) {
		l2[2] = "result";
		for (i = 0; i < STATS_LINE__COUNT; i++) {
			l2[3] = line_results[i];
			st.lines[i] = metrics_counter(st.reg,
			    "relay_tracker_lines_total", "Mail log lines: read "
			    "(all), event (a delivery, removal or expiry), other "
			    "(not of interest), skipped (not a Postfix line), "
			    "too_long (skipped for their length).", l2);
		}
		tracker_series(daemon);
	}
}

const struct metrics *
stats_registry(void)
{
	return st.reg;
}

int
stats_serve(const char *spec, const char *daemon, char *err, size_t errlen)
{
	if (spec == NULL || spec[0] == '\0')
		return 0;
	stats_init(daemon);
	if ((st.http = metrics_http_open(spec, st.reg, err, errlen)) == NULL)
		return -1;
	return 0;
}

int
stats_start(char *err, size_t errlen)
{
	if (st.http == NULL)
		return 0;
	return metrics_http_start(st.http, err, errlen);
}

void
stats_stop(void)
{
	metrics_http_free(st.http);
	metrics_free(st.reg);
	memset(&st, 0, sizeof(st));
}

void
stats_verdict(int refused, enum cond_id id)
{
	if (!refused)
		metric_inc(st.passed);
	else if ((unsigned)id < COND__COUNT)
		metric_inc(st.decisions[id]);
}

void
stats_accepted(void)
{
	metric_inc(st.passed);
}

void
stats_fact(int hit)
{
	metric_inc(hit ? st.fact_hit : st.fact_miss);
}

void
stats_fact_invalidated(void)
{
	metric_inc(st.fact_inval);
}

void
stats_signature(const char *v)
{
	/* base64 (b=, bh=) has no '-': only the a= tag can match */
	if (v == NULL)
		return;
	if (strstr(v, "a=ed25519-sha256") != NULL)
		metric_inc(st.sig_ed);
	else if (strstr(v, "a=rsa-sha256") != NULL)
		metric_inc(st.sig_rsa);
}

void
stats_conn(int delta)
{
	metric_add(st.conns, delta);
}

void
stats_redis_done(double t0)
{
	if (st.redis_lat != NULL && t0 > 0)
		metric_observe(st.redis_lat, metrics_now() - t0);
}

void
stats_redis_error(enum stats_redis_err kind)
{
	if ((unsigned)kind < STATS_REDIS__COUNT)
		metric_inc(st.redis_err[kind]);
}

void
stats_lines(enum stats_line r, uint64_t n)
{
	if ((unsigned)r < STATS_LINE__COUNT)
		metric_add(st.lines[r], (int64_t)n);
}

void
stats_lines_total(enum stats_line r, uint64_t total)
{
	if ((unsigned)r < STATS_LINE__COUNT)
		metric_set(st.lines[r], (int64_t)total);
}

void
stats_delivery(const char *status, const char *cls)
{
	size_t	 i, k;

	for (i = 0; status != NULL && i < NDLV; i++)
		if (strcmp(status, dlv_statuses[i]) == 0)
			break;
	if (status == NULL || i == NDLV)
		return;
	if (i == 0) {
		metric_inc(st.dlv[0][0]);	/* sent: class none */
		return;
	}
	for (k = 1; cls != NULL && k < NCLASS; k++)
		if (strcmp(cls, dlv_classes[k]) == 0) {
			metric_inc(st.dlv[i][k]);
			return;
		}
}

void
stats_expired(void)
{
	metric_inc(st.expired);
}

void
stats_suppressed(const char *reason)
{
	size_t	 i;

	for (i = 0; reason != NULL && i < NSUPP; i++)
		if (strcmp(reason, supp_reasons[i]) == 0)
			metric_inc(st.supp[i]);
}

void
stats_rate(enum stats_rate a)
{
	if ((unsigned)a < STATS_RATE__COUNT)
		metric_inc(st.rate[a]);
}

double
stats_clock(void)
{
	return st.reg != NULL ? metrics_now() : 0;
}
