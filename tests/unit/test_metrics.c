/*
 * NAME
 *	test_metrics - the metrics registry and its Prometheus text, the
 *	scrape server's pure parts (address check, request judging), the
 *	suite's series (stats) and relay.conf's metrics settings
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <netinet/in.h>

#include "conditions.h"
#include "conf.h"
#include "metrics.h"
#include "metrics_http.h"
#include "stats.h"

/* render - the registry as text (a static copy, valid until the next call) */
static const char *
render(const struct metrics *m)
{
	static char	 out[16384];
	size_t		 len;
	char		*t = metrics_render(m, &len);

	assert_int_equal(strlen(t), len);
	assert_true(len < sizeof(out));
	memcpy(out, t, len + 1);
	free(t);
	return out;
}

/* has - text contains s */
static void
has(const char *text, const char *s)
{
	if (strstr(text, s) == NULL)
		fail_msg("expected \"%s\" in:\n%s", s, text);
}

/* count - occurrences of s in text */
static int
count(const char *text, const char *s)
{
	int	 n = 0;

	for (; (text = strstr(text, s)) != NULL; text += strlen(s))
		n++;
	return n;
}

static void
empty_registry_renders_nothing(void **state)
{
	struct metrics *m = metrics_new();

	assert_string_equal(render(m), "");
	assert_string_equal(render(NULL), "");
	metrics_free(m);
	metrics_free(NULL);
}

static void
counters_share_one_help_and_type_per_family(void **state)
{
	struct metrics	*m = metrics_new();
	const char	*la[] = { "daemon", "policyd", "condition", "queue_full", NULL };
	const char	*lb[] = { "daemon", "policyd", "condition", "member_suspended", NULL };
	struct metric	*a = metrics_counter(m, "relay_decisions_total", "Decisions.", la);
	struct metric	*b = metrics_counter(m, "relay_decisions_total", "ignored", lb);
	struct metric	*c = metrics_counter(m, "relay_plain_total", "No labels.", NULL);

	assert_non_null(a);
	assert_non_null(b);
	metric_inc(a);
	metric_add(a, 4);
	metric_inc(b);
	metric_add(c, 7);
	assert_string_equal(render(m),
	    "# HELP relay_decisions_total Decisions.\n"
	    "# TYPE relay_decisions_total counter\n"
	    "relay_decisions_total{daemon=\"policyd\",condition=\"queue_full\"} 5\n"
	    "relay_decisions_total{daemon=\"policyd\",condition=\"member_suspended\"} 1\n"
	    "# HELP relay_plain_total No labels.\n"
	    "# TYPE relay_plain_total counter\n"
	    "relay_plain_total 7\n");
	metrics_free(m);
}

static void
counters_never_go_down_gauges_do(void **state)
{
	struct metrics	*m = metrics_new();
	struct metric	*c = metrics_counter(m, "c_total", "c", NULL);
	struct metric	*g = metrics_gauge(m, "g", "g", NULL);

	metric_add(c, 10);
	metric_add(c, -3);		/* ignored */
	metric_set(c, 4);		/* lower: ignored */
	assert_int_equal(metric_value(c), 10);
	metric_set(c, 12);
	assert_int_equal(metric_value(c), 12);
	metric_add(g, 3);
	metric_add(g, -5);
	assert_int_equal(metric_value(g), -2);
	metric_set(g, 9);
	has(render(m), "# TYPE g gauge\ng 9\n");
	metrics_free(m);
}

static void
histogram_buckets_are_cumulative_and_le_inclusive(void **state)
{
	struct metrics	*m = metrics_new();
	const double	 bounds[] = { 0.001, 0.01, 0.1 };
	const char	*l[] = { "daemon", "milter", NULL };
	struct metric	*h = metrics_histogram(m, "relay_redis_latency_seconds",
	    "Latency.", l, bounds, 3);

	assert_non_null(h);
	metric_observe(h, 0.0005);
	metric_observe(h, 0.001);	/* on the bound: that bucket */
	metric_observe(h, 0.05);
	metric_observe(h, 3);		/* only +Inf */
	assert_int_equal(metric_value(h), 4);
	assert_string_equal(render(m),
	    "# HELP relay_redis_latency_seconds Latency.\n"
	    "# TYPE relay_redis_latency_seconds histogram\n"
	    "relay_redis_latency_seconds_bucket{daemon=\"milter\",le=\"0.001\"} 2\n"
	    "relay_redis_latency_seconds_bucket{daemon=\"milter\",le=\"0.01\"} 2\n"
	    "relay_redis_latency_seconds_bucket{daemon=\"milter\",le=\"0.1\"} 3\n"
	    "relay_redis_latency_seconds_bucket{daemon=\"milter\",le=\"+Inf\"} 4\n"
	    "relay_redis_latency_seconds_sum{daemon=\"milter\"} 3.0515\n"
	    "relay_redis_latency_seconds_count{daemon=\"milter\"} 4\n");
	metrics_free(m);
}

static void
histogram_without_labels(void **state)
{
	struct metrics	*m = metrics_new();
	const double	 bounds[] = { 1 };
	struct metric	*h = metrics_histogram(m, "h_seconds", "h", NULL, bounds, 1);

	metric_observe(h, 0.5);
	has(render(m), "h_seconds_bucket{le=\"1\"} 1\n"
	    "h_seconds_bucket{le=\"+Inf\"} 1\nh_seconds_sum 0.5\n"
	    "h_seconds_count 1\n");
	metrics_free(m);
}

static void
label_values_and_help_are_escaped(void **state)
{
	struct metrics	*m = metrics_new();
	const char	*l[] = { "path", "a\\b\"c\nd", NULL };

	metric_inc(metrics_counter(m, "x_total", "line one\nback\\slash \"q\"", l));
	assert_string_equal(render(m),
	    "# HELP x_total line one\\nback\\\\slash \"q\"\n"
	    "# TYPE x_total counter\n"
	    "x_total{path=\"a\\\\b\\\"c\\nd\"} 1\n");
	metrics_free(m);
}

static void
bad_names_types_and_bounds_are_refused(void **state)
{
	struct metrics	*m = metrics_new();
	const char	*badl[] = { "9x", "v", NULL };
	const char	*reserved[] = { "__x", "v", NULL };
	const char	*le[] = { "le", "1", NULL };
	const char	*many[] = { "a", "1", "b", "2", "c", "3", "d", "4", "e", "5", NULL };
	const double	 down[] = { 1, 0.5 };

	assert_null(metrics_counter(m, "9starts_with_digit", "", NULL));
	assert_null(metrics_counter(m, "has-dash", "", NULL));
	assert_null(metrics_counter(m, "", "", NULL));
	assert_null(metrics_counter(m, "ok_total", "", badl));
	assert_null(metrics_counter(m, "ok_total", "", reserved));
	assert_null(metrics_counter(m, "ok_total", "", many));
	assert_null(metrics_histogram(m, "h", "", le, down, 0));
	assert_null(metrics_histogram(m, "h", "", NULL, down, 2));
	assert_non_null(metrics_counter(m, "ok_total", "", NULL));
	assert_null(metrics_gauge(m, "ok_total", "", NULL));	/* type clash */
	assert_null(metrics_counter(NULL, "x", "", NULL));
	/* NULL series: every update is a no-op */
	metric_inc(NULL);
	metric_add(NULL, 1);
	metric_set(NULL, 1);
	metric_observe(NULL, 1);
	assert_int_equal(metric_value(NULL), 0);
	metrics_free(m);
}

#define NTHREADS	4
#define NEACH		50000

struct hammer {
	struct metric	*c, *g, *h;
};

static void *
hammer(void *arg)
{
	struct hammer	*x = arg;
	int		 i;

	for (i = 0; i < NEACH; i++) {
		metric_inc(x->c);
		metric_add(x->g, 1);
		metric_add(x->g, -1);
		metric_observe(x->h, 0.25);
	}
	return NULL;
}

static void
threads_count_exactly_without_locks(void **state)
{
	struct metrics	*m = metrics_new();
	const double	 bounds[] = { 0.5 };
	struct hammer	 x;
	pthread_t	 t[NTHREADS];
	char		 want[256];
	int		 i;

	x.c = metrics_counter(m, "c_total", "c", NULL);
	x.g = metrics_gauge(m, "g", "g", NULL);
	x.h = metrics_histogram(m, "h", "h", NULL, bounds, 1);
	for (i = 0; i < NTHREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, hammer, &x), 0);
	for (i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(metric_value(x.c), NTHREADS * NEACH);
	assert_int_equal(metric_value(x.g), 0);
	snprintf(want, sizeof(want), "h_bucket{le=\"0.5\"} %d\n"
	    "h_bucket{le=\"+Inf\"} %d\nh_sum %d\nh_count %d\n", NTHREADS * NEACH,
	    NTHREADS * NEACH, NTHREADS * NEACH / 4, NTHREADS * NEACH);
	has(render(m), want);
	metrics_free(m);
}

static void
scrape_address_must_be_loopback(void **state)
{
	static const struct { const char *spec; int ok; const char *why; } cases[] = {
		{ "127.0.0.1:9101", 1, NULL },
		{ "127.4.5.6:1", 1, NULL },
		{ "[::1]:65535", 1, NULL },
		{ "0.0.0.0:9", 0, "not a loopback address" },
		{ "10.1.2.3:9101", 0, "not a loopback address" },
		{ "[::]:9101", 0, "not a loopback address" },
		{ "[::ffff:127.0.0.1]:9", 0, "not a loopback address" },
		{ "localhost:9101", 0, "IPv4 address or [IPv6]" },
		{ "::1:9101", 0, "IPv4 address or [IPv6]" },
		{ "127.0.0.1", 0, "HOST:PORT" },
		{ "127.0.0.1:0", 0, "port must be" },
		{ "127.0.0.1:65536", 0, "port must be" },
		{ "127.0.0.1:9x", 0, "port must be" },
		{ "127.0.0.1:", 0, "port must be" },
		{ ":9101", 0, "HOST:PORT" },
		{ "9101", 0, "HOST:PORT" },
	};
	struct sockaddr_storage ss;
	socklen_t	 sl;
	char		 why[256];
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = metrics_http_addr(cases[i].spec, &ss, &sl, why, sizeof(why));

		if (cases[i].ok && r != 0)
			fail_msg("%s refused: %s", cases[i].spec, why);
		if (!cases[i].ok) {
			if (r == 0)
				fail_msg("%s accepted", cases[i].spec);
			has(why, cases[i].why);
		}
	}
	assert_int_equal(metrics_http_addr("127.0.0.1:9101", &ss, &sl, why,
	    sizeof(why)), 0);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), 9101);
	assert_int_equal(sl, sizeof(struct sockaddr_in));
}

static void
requests_are_judged_by_method_and_path(void **state)
{
	static const struct { const char *req; int status; } cases[] = {
		{ "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 200 },
		{ "GET /metrics HTTP/1.0\r\n\r\n", 200 },
		{ "GET /metrics?name[]=x HTTP/1.1\r\n\r\n", 200 },
		{ "GET /metrics HTTP/1.1\n\n", 200 },
		{ "GET / HTTP/1.1\r\n\r\n", 404 },
		{ "GET /metricsx HTTP/1.1\r\n\r\n", 404 },
		{ "GET /metric HTTP/1.1\r\n\r\n", 404 },
		{ "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n", 405 },
		{ "HEAD /metrics HTTP/1.1\r\n\r\n", 200 },
		{ "HEAD /x HTTP/1.1\r\n\r\n", 404 },
		{ "HEADER /metrics HTTP/1.1\r\n\r\n", 405 },
		{ "head /metrics HTTP/1.1\r\n\r\n", 400 },
		{ "DELETE /x HTTP/1.1\r\n\r\n", 405 },
		{ "get /metrics HTTP/1.1\r\n\r\n", 400 },
		{ "GET /metrics\r\n\r\n", 400 },
		{ "GET /metrics HTTP/2.0\r\n\r\n", 400 },
		{ "GET metrics HTTP/1.1\r\n\r\n", 400 },
		{ "GET  /metrics HTTP/1.1\r\n\r\n", 400 },
		{ "\r\n\r\n", 400 },
		{ "GET /metrics HTTP/1.1\r\nHost: x\r\n", METRICS_HTTP_NEED },
		{ "GET /metr", METRICS_HTTP_NEED },
		{ "", METRICS_HTTP_NEED },
	};
	char	 big[64];
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = metrics_http_judge(cases[i].req, strlen(cases[i].req), 8192);

		if (r != cases[i].status)
			fail_msg("%zu: got %d, want %d", i, r, cases[i].status);
	}
	/* a HEAD's answer has no body, whatever its status */
	assert_true(metrics_http_is_head("HEAD /metrics HTTP/1.0\r\n", 24));
	assert_true(metrics_http_is_head("HEAD ", 5));
	assert_false(metrics_http_is_head("HEAD", 4));
	assert_false(metrics_http_is_head("HEADER / HTTP/1.0\r\n", 19));
	assert_false(metrics_http_is_head("GET /metrics HTTP/1.0\r\n", 23));
	/* a head that fills the buffer without ending: 431 */
	memset(big, 'A', sizeof(big));
	assert_int_equal(metrics_http_judge(big, sizeof(big), sizeof(big)), 431);
	assert_int_equal(metrics_http_judge(big, sizeof(big) - 1, sizeof(big)),
	    METRICS_HTTP_NEED);
}

static void
stats_series_of_each_daemon(void **state)
{
	const char	*t;

	stats_verdict(1, COND_QUEUE_FULL);	/* before init: nothing, no crash */
	assert_null(stats_registry());
	assert_true(stats_clock() == 0);
	stats_init("milter");
	stats_verdict(1, COND_QUEUE_FULL);
	stats_verdict(1, COND_QUEUE_FULL);
	stats_verdict(1, COND_RECIPIENT_SUPPRESSED);
	stats_accepted();
	stats_signature("v=1; a=rsa-sha256; c=relaxed/relaxed; d=x.test; b=AbC+/=");
	stats_signature("v=1; a=ed25519-sha256; c=relaxed/relaxed; d=x.test; b=Q");
	stats_signature("v=1; a=ed25519-sha256; d=x.test");
	stats_fact(1);
	stats_fact(1);
	stats_fact(0);
	stats_fact_invalidated();
	stats_conn(1);
	stats_conn(1);
	stats_conn(-1);
	stats_redis_error(STATS_REDIS_IO);
	stats_redis_done(stats_clock());
	stats_lines(STATS_LINE_READ, 5);	/* milter has no such series */
	t = render(stats_registry());
	has(t, "relay_decisions_total{daemon=\"milter\",condition=\"queue_full\"} 2\n");
	has(t, "relay_decisions_total{daemon=\"milter\",condition=\"recipient_suppressed\"} 1\n");
	has(t, "relay_decisions_total{daemon=\"milter\",condition=\"auth_failed\"} 0\n");
	assert_int_equal(count(t, "relay_decisions_total{"), COND__COUNT);
	has(t, "relay_messages_accepted_total{daemon=\"milter\"} 1\n");
	has(t, "relay_dkim_signatures_total{daemon=\"milter\",alg=\"rsa-sha256\"} 1\n");
	has(t, "relay_dkim_signatures_total{daemon=\"milter\",alg=\"ed25519-sha256\"} 2\n");
	has(t, "relay_fact_cache_lookups_total{daemon=\"milter\",result=\"hit\"} 2\n");
	has(t, "relay_fact_cache_lookups_total{daemon=\"milter\",result=\"miss\"} 1\n");
	has(t, "relay_fact_cache_invalidations_total{daemon=\"milter\"} 1\n");
	has(t, "relay_connections{daemon=\"milter\"} 1\n");
	has(t, "relay_redis_errors_total{daemon=\"milter\",kind=\"io\"} 1\n");
	has(t, "relay_redis_errors_total{daemon=\"milter\",kind=\"down\"} 0\n");
	has(t, "relay_redis_latency_seconds_count{daemon=\"milter\"} 1\n");
	assert_null(strstr(t, "relay_tracker_lines_total"));
	assert_null(strstr(t, "relay_policy_passed_total"));
	stats_stop();

	stats_init("tracker");
	stats_lines(STATS_LINE_READ, 5);
	stats_lines(STATS_LINE_SKIPPED, 2);
	stats_lines_total(STATS_LINE_TOO_LONG, 3);
	stats_lines_total(STATS_LINE_TOO_LONG, 1);	/* never lowers */
	t = render(stats_registry());
	has(t, "relay_tracker_lines_total{daemon=\"tracker\",result=\"read\"} 5\n");
	has(t, "relay_tracker_lines_total{daemon=\"tracker\",result=\"skipped\"} 2\n");
	has(t, "relay_tracker_lines_total{daemon=\"tracker\",result=\"too_long\"} 3\n");
	assert_null(strstr(t, "relay_connections"));
	assert_null(strstr(t, "relay_decisions_total"));	/* gives no replies */
	stats_stop();

	stats_init("tracker");
	stats_delivery("sent", "");
	stats_delivery("sent", NULL);
	stats_delivery("bounced", "hard");
	stats_delivery("deferred", "policy");
	stats_delivery("deferred", "nonsense");	/* not counted */
	stats_delivery("deferred", NULL);
	stats_delivery("expired", "hard");	/* not a delivery */
	stats_delivery(NULL, "hard");
	stats_expired();
	stats_suppressed("hard_bounce");
	stats_suppressed("unsubscribe");	/* not the tracker's */
	stats_rate(STATS_RATE_WARNING);
	stats_rate(STATS_RATE_SUSPENSION);
	stats_rate(STATS_RATE_SUSPENSION);
	t = render(stats_registry());
	has(t, "relay_tracker_deliveries_total{daemon=\"tracker\",status=\"sent\",class=\"none\"} 2\n");
	has(t, "relay_tracker_deliveries_total{daemon=\"tracker\",status=\"bounced\",class=\"hard\"} 1\n");
	has(t, "relay_tracker_deliveries_total{daemon=\"tracker\",status=\"deferred\",class=\"policy\"} 1\n");
	has(t, "relay_tracker_deliveries_total{daemon=\"tracker\",status=\"deferred\",class=\"hard\"} 0\n");
	/* every series from 0: sent/none, 5 classes each deferred, bounced */
	assert_int_equal(count(t, "relay_tracker_deliveries_total{"), 11);
	assert_null(strstr(t, "status=\"sent\",class=\"hard\""));
	assert_null(strstr(t, "status=\"bounced\",class=\"none\""));
	has(t, "relay_tracker_expired_total{daemon=\"tracker\"} 1\n");
	has(t, "relay_tracker_suppressions_total{daemon=\"tracker\",reason=\"hard_bounce\"} 1\n");
	has(t, "relay_tracker_suppressions_total{daemon=\"tracker\",reason=\"soft_bounce_limit\"} 0\n");
	assert_int_equal(count(t, "relay_tracker_suppressions_total{"), 2);
	has(t, "relay_tracker_bounce_rate_total{daemon=\"tracker\",action=\"warning\"} 1\n");
	has(t, "relay_tracker_bounce_rate_total{daemon=\"tracker\",action=\"suspension\"} 2\n");
	stats_stop();

	stats_init("policyd");
	stats_verdict(0, COND_QUEUE_FULL);	/* a pass */
	stats_verdict(1, COND_WARMING_RATE_LIMITED);
	t = render(stats_registry());
	has(t, "relay_policy_passed_total{daemon=\"policyd\"} 1\n");
	has(t, "relay_decisions_total{daemon=\"policyd\",condition=\"warming_rate_limited\"} 1\n");
	has(t, "relay_decisions_total{daemon=\"policyd\",condition=\"queue_full\"} 0\n");
	stats_stop();
	assert_null(stats_registry());
}

/* load_text - write text to a temp file and conf_load it */
static int
load_text(const char *text, char *path, size_t plen, char *err, size_t elen)
{
	struct relay_conf *c = NULL;
	const char	*tmp = getenv("TMPDIR");
	FILE		*f;
	int		 fd, r;

	snprintf(path, plen, "%s/test_metrics.XXXXXX", tmp ? tmp : "/tmp");
	assert_true((fd = mkstemp(path)) >= 0);
	assert_non_null(f = fdopen(fd, "w"));
	fputs(text, f);
	fclose(f);
	r = conf_load(path, &c, err, elen);
	unlink(path);
	if (r == 0) {
		assert_string_equal(c->milter.metrics, "127.0.0.1:9101");
		assert_string_equal(c->policyd.metrics, "[::1]:9102");
		assert_string_equal(c->tracker.metrics, "");
	}
	conf_free(c);
	return r;
}

static void
conf_refuses_a_scrape_port_off_loopback(void **state)
{
	char	 path[512], err[4096], want[600];
	struct relay_conf *d = conf_defaults();

	/* default: off everywhere */
	assert_string_equal(d->milter.metrics, "");
	assert_string_equal(d->policyd.metrics, "");
	assert_string_equal(d->tracker.metrics, "");
	conf_free(d);
	assert_int_equal(load_text("milter: {\n  metrics = \"127.0.0.1:9101\";\n};\n"
	    "policyd: { metrics = \"[::1]:9102\"; };\n", path, sizeof(path), err,
	    sizeof(err)), 0);
	assert_int_equal(load_text("# a comment\nmilter: {\n  metrics = \"0.0.0.0:9\";\n};\n"
	    "tracker: {\n metrics = \"192.0.2.1:80\"; };\n", path, sizeof(path),
	    err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:3: milter.metrics: not a loopback address", path);
	has(err, want);
	snprintf(want, sizeof(want), "%s:6: tracker.metrics: not a loopback address", path);
	has(err, want);
	assert_int_equal(load_text("policyd: { metrics = \"127.0.0.1\"; };\n",
	    path, sizeof(path), err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:1: policyd.metrics: expected HOST:PORT", path);
	has(err, want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(empty_registry_renders_nothing),
		cmocka_unit_test(counters_share_one_help_and_type_per_family),
		cmocka_unit_test(counters_never_go_down_gauges_do),
		cmocka_unit_test(histogram_buckets_are_cumulative_and_le_inclusive),
		cmocka_unit_test(histogram_without_labels),
		cmocka_unit_test(label_values_and_help_are_escaped),
		cmocka_unit_test(bad_names_types_and_bounds_are_refused),
		cmocka_unit_test(threads_count_exactly_without_locks),
		cmocka_unit_test(scrape_address_must_be_loopback),
		cmocka_unit_test(requests_are_judged_by_method_and_path),
		cmocka_unit_test(stats_series_of_each_daemon),
		cmocka_unit_test(conf_refuses_a_scrape_port_off_loopback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
