/*
 * NAME
 *	test_ctl_rates - member show's bounce and complaint rates: the
 *	window's buckets as the tracker's scripts count them, the judgement
 *	and the text
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "rates.h"

#define NOW	1795000000	/* 2026-11-18 11:06:40Z */
#define DAY	86400

/* hash - a JSON object of string fields from "k=v" pairs, NULL-ended */
static json_t *
hash(const char *kv, ...)
{
	json_t		*o = json_object();
	va_list		 ap;
	const char	*s;
	char		 k[64];
	const char	*eq;

	va_start(ap, kv);
	for (s = kv; s != NULL; s = va_arg(ap, const char *)) {
		eq = strchr(s, '=');
		assert_non_null(eq);
		snprintf(k, sizeof(k), "%.*s", (int)(eq - s), s);
		json_object_set_new(o, k, json_string(eq + 1));
	}
	va_end(ap);
	return o;
}

static void
sum_counts_the_buckets_that_started_within_the_window(void **state)
{
	char	 in[32], edge[32], out[32], bin[32];
	json_t	*h;

	(void)state;
	/* a bucket is in while its start is after now - window */
	snprintf(in, sizeof(in), "s:%d=7", NOW - 3600);
	snprintf(edge, sizeof(edge), "s:%d=100", NOW - DAY);
	snprintf(out, sizeof(out), "s:%d=50", NOW - DAY - 3600);
	snprintf(bin, sizeof(bin), "b:%d=3", NOW - DAY + 1);
	h = hash("since=0", in, edge, out, bin, "s:x=9", "s:=4", NULL);
	assert_int_equal(rates_sum(h, "s:", NOW, DAY, 0), 7);
	assert_int_equal(rates_sum(h, "b:", NOW, DAY, 0), 3);
	assert_int_equal(rates_sum(h, "c:", NOW, DAY, 0), 0);
	/* a wider window takes the older buckets in */
	assert_int_equal(rates_sum(h, "s:", NOW, 7 * DAY, 0), 157);
	json_decref(h);
}

static void
sum_ignores_malformed_counts_and_missing_hashes(void **state)
{
	char	 a[32], b[32], c[32];
	json_t	*h;

	(void)state;
	snprintf(a, sizeof(a), "c:%d=2", NOW - 60);
	snprintf(b, sizeof(b), "c:%d=x", NOW - 120);
	snprintf(c, sizeof(c), "c:%d=-5", NOW - 180);
	h = hash(a, b, c, NULL);
	assert_int_equal(rates_sum(h, "c:", NOW, DAY, 0), 2);
	json_object_set_new(h, "c:1794999000", json_integer(4));
	assert_int_equal(rates_sum(h, "c:", NOW, DAY, 0), 2);
	json_decref(h);
	h = json_object();
	assert_int_equal(rates_sum(h, "s:", NOW, DAY, 0), 0);
	json_decref(h);
	assert_int_equal(rates_sum(NULL, "s:", NOW, DAY, 0), 0);
}

static void
sum_is_zero_after_an_unsuspend_the_scripts_have_not_seen(void **state)
{
	char	 a[32];
	json_t	*h;

	(void)state;
	snprintf(a, sizeof(a), "b:%d=40", NOW - 600);
	/* window_start newer than since: the next count drops the buckets */
	h = hash("since=1794990000", a, NULL);
	assert_int_equal(rates_sum(h, "b:", NOW, DAY, 1794990001), 0);
	/* since caught up (the script reset the window): counted again */
	assert_int_equal(rates_sum(h, "b:", NOW, DAY, 1794990000), 40);
	assert_int_equal(rates_sum(h, "b:", NOW, DAY, 0), 40);
	json_decref(h);
	/* without a since field, any unsuspend makes the hash stale */
	h = hash(a, NULL);
	assert_int_equal(rates_sum(h, "b:", NOW, DAY, 1), 0);
	json_decref(h);
}

static void
judge_needs_min_volume_and_a_total(void **state)
{
	struct rate	 r;

	(void)state;
	rates_judge(&r, 3, 250, 5.0, 10.0, 100);
	assert_true(r.judged);
	assert_true(r.pct > 1.199 && r.pct < 1.201);
	rates_judge(&r, 3, 99, 5.0, 10.0, 100);
	assert_false(r.judged);
	rates_judge(&r, 0, 0, 5.0, 10.0, 1);
	assert_false(r.judged);
	assert_true(r.pct == 0);
	rates_judge(&r, 1, 100, 0.1, 0, 100);
	assert_true(r.judged);
	assert_int_equal(r.count, 1);
	assert_int_equal(r.total, 100);
}

static void
text_says_rate_window_and_thresholds(void **state)
{
	struct rate	 r;
	char		 b[200];

	(void)state;
	rates_judge(&r, 3, 250, 5.0, 10.0, 100);
	rates_text(&r, 1, "24h", b, sizeof(b));
	assert_string_equal(b, "1.2% (3/250) over 24h; warns at 5.0%, "
	    "suspends at 10.0%");
	rates_judge(&r, 1, 250, 0.1, 0.5, 100);
	rates_text(&r, 2, "7d", b, sizeof(b));
	assert_string_equal(b, "0.40% (1/250) over 7d; warns at 0.10%, "
	    "suspends at 0.50%");
	/* 0 in relay.conf: never */
	rates_judge(&r, 1, 250, 0, 0, 100);
	rates_text(&r, 2, "24h", b, sizeof(b));
	assert_string_equal(b, "0.40% (1/250) over 24h; never warns, "
	    "never suspends");
	rates_judge(&r, 3, 40, 5.0, 10.0, 100);
	rates_text(&r, 1, "24h", b, sizeof(b));
	assert_string_equal(b, "7.5% (3/40) over 24h; not judged under 100");
	rates_judge(&r, 0, 0, 5.0, 10.0, 100);
	rates_text(&r, 1, "24h", b, sizeof(b));
	assert_string_equal(b, "none over 24h");
	/* complaints, with nothing delivered in the window (an unsuspend) */
	rates_judge(&r, 2, 0, 0.1, 0.5, 100);
	rates_text(&r, 2, "24h", b, sizeof(b));
	assert_string_equal(b, "(2/0) over 24h; not judged under 100");
	/* a short buffer is cut, never overrun */
	rates_judge(&r, 3, 250, 5.0, 10.0, 100);
	rates_text(&r, 1, "24h", b, 8);
	assert_string_equal(b, "1.2% (3");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sum_counts_the_buckets_that_started_within_the_window),
		cmocka_unit_test(sum_ignores_malformed_counts_and_missing_hashes),
		cmocka_unit_test(sum_is_zero_after_an_unsuspend_the_scripts_have_not_seen),
		cmocka_unit_test(judge_needs_min_volume_and_a_total),
		cmocka_unit_test(text_says_rate_window_and_thresholds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
