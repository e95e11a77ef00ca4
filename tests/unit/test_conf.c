/*
 * NAME
 *	test_conf - relay.conf loading: defaults, good files, and every kind
 *	of mistake reported as FILE:LINE: key: why
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "conf.h"
#include "conf_table.h"

static char errbuf[8192];

/* data - path of a fixture in tests/unit/data */
static const char *
data(const char *name)
{
	static char	 path[4096];
	const char	*top = getenv("RELAY_TOP_SRCDIR");

	snprintf(path, sizeof(path), "%s/tests/unit/data/%s", top ? top : ".",
	    name);
	return path;
}

/* load_bad - a file that must fail; returns the error text */
static const char *
load_bad(const char *name)
{
	struct relay_conf *c = (void *)1;

	assert_int_equal(conf_load(data(name), &c, errbuf, sizeof(errbuf)), -1);
	assert_null(c);
	return errbuf;
}

/* has - the error text contains s */
static void
has(const char *text, const char *s)
{
	if (strstr(text, s) == NULL)
		fail_msg("expected \"%s\" in:\n%s", s, text);
}

static void
defaults_are_sane(void **state)
{
	struct relay_conf *c = conf_defaults();

	assert_string_equal(c->redis.host, "127.0.0.1");
	assert_int_equal(c->redis.port, 6379);
	assert_int_equal(c->redis.timeout_ms, 500);
	assert_int_equal(c->tracker.soft_bounce_limit, 3);
	assert_int_equal(c->suspension.window_s, 86400);
	assert_int_equal(c->suspension.min_volume, 100);
	assert_true(c->suspension.warn_rate == 5.0);
	assert_true(c->suspension.suspend_rate == 10.0);
	assert_int_equal(c->policyd.nlisten, 1);
	assert_string_equal(c->policyd.listen[0], "inet:127.0.0.1:20100");
	/* The default warming schedule reaches full rate at day 14. */
	assert_true(c->warming.ntiers > 1);
	assert_int_equal(c->warming.tiers[c->warming.ntiers - 1].days, 14);
	conf_free(c);
	conf_free(NULL);
}

static void
example_file_loads_and_equals_the_defaults(void **state)
{
	const char	*top = getenv("RELAY_TOP_SRCDIR");
	char		 path[4096];
	struct relay_conf *c, *d = conf_defaults();
	char		*a = NULL, *b = NULL;
	size_t		 alen, blen;
	FILE		*fa, *fb;

	snprintf(path, sizeof(path), "%s/contrib/relay.conf.example",
	    top ? top : ".");
	if (conf_load(path, &c, errbuf, sizeof(errbuf)) != 0)
		fail_msg("example does not load:\n%s", errbuf);
	/* Same values as the built-in defaults: the example documents them. */
	free(c->path);
	c->path = strdup(d->path);
	fa = open_memstream(&a, &alen);
	fb = open_memstream(&b, &blen);
	conf_dump(c, fa);
	conf_dump(d, fb);
	fclose(fa);
	fclose(fb);
	assert_string_equal(a, b);
	free(a);
	free(b);
	conf_free(c);
	conf_free(d);
}

static void
example_file_and_man_page_name_every_setting(void **state)
{
	const char	*top = getenv("RELAY_TOP_SRCDIR");
	const char	*files[] = { "contrib/relay.conf.example", "doc/relay.conf.5" };
	char		 path[4096], *text, needle[128];
	size_t		 i, f;
	long		 n;
	FILE		*fp;

	for (f = 0; f < 2; f++) {
		snprintf(path, sizeof(path), "%s/%s", top ? top : ".", files[f]);
		if ((fp = fopen(path, "r")) == NULL)
			fail_msg("cannot open %s", path);
		fseek(fp, 0, SEEK_END);
		n = ftell(fp);
		rewind(fp);
		text = calloc(1, (size_t)n + 1);
		assert_int_equal(fread(text, 1, (size_t)n, fp), (size_t)n);
		fclose(fp);
		for (i = 0; i < conf_ndecls; i++) {
			snprintf(needle, sizeof(needle), f == 0 ? "  %s = " :
			    "%s", conf_decls[i].name);
			if (strstr(text, needle) == NULL)
				fail_msg("%s does not document %s.%s", files[f],
				    conf_decls[i].section, conf_decls[i].name);
		}
		free(text);
	}
}

static void
minimal_file_keeps_defaults(void **state)
{
	struct relay_conf *c;

	assert_int_equal(conf_load(data("good-minimal.conf"), &c, errbuf,
	    sizeof(errbuf)), 0);
	assert_string_equal(c->redis.socket, "/tmp/redis.sock");
	assert_int_equal(c->redis.port, 6379);
	assert_string_equal(c->milter.socket, "inet:20101@127.0.0.1");
	conf_free(c);
}

static void
full_file_sets_every_type(void **state)
{
	struct relay_conf *c;

	if (conf_load(data("good-full.conf"), &c, errbuf, sizeof(errbuf)) != 0)
		fail_msg("%s", errbuf);
	assert_string_equal(c->redis.host, "::1");
	assert_int_equal(c->redis.db, 2);
	assert_int_equal(c->milter.timeout_s, 60);
	assert_int_equal(c->milter.record_ttl_s, 2 * 86400);
	assert_int_equal(c->policyd.nlisten, 1);
	assert_string_equal(c->policyd.listen[0], "unix:/run/relay/policy.sock");
	assert_int_equal(c->warming.ntiers, 1);
	assert_int_equal(c->warming.tiers[0].per_day, 10);
	assert_int_equal(c->warming.standard_per_day, 100000);
	assert_int_equal(c->suspension.window_s, 12 * 3600);
	assert_true(c->suspension.warn_rate == 2.0);
	assert_true(c->suspension.suspend_rate == 7.5);
	assert_false(c->dkim.ed25519);
	/* Domains are normalised on load. */
	assert_string_equal(c->unsubscribe.domain, "unsub.example.com");
	conf_free(c);
}

static void
unknown_key_names_file_line_and_suggests(void **state)
{
	const char *e = load_bad("bad-unknown-key.conf");

	has(e, "bad-unknown-key.conf:2: redis.hots: unknown setting "
	    "(did you mean redis.host?)");
}

static void
unknown_section_is_reported(void **state)
{
	const char *e = load_bad("bad-section.conf");

	has(e, "bad-section.conf:1: redsi: unknown section (did you mean redis?)");
}

static void
wrong_types_are_each_reported(void **state)
{
	const char *e = load_bad("bad-types.conf");

	has(e, "bad-types.conf:2: redis.port: expected an integer, got a string");
	has(e, "bad-types.conf:6: milter.tcp_quickack: expected true or false");
	has(e, "bad-types.conf:9: suspension.window: expected a duration");
}

static void
out_of_range_values_name_the_bounds(void **state)
{
	const char *e = load_bad("bad-range.conf");

	has(e, "bad-range.conf:2: redis.port: must be between 1 and 65535 "
	    "(got 70000)");
	has(e, "bad-range.conf:6: suspension.warn_rate: must be between 0 and "
	    "100 (got 150)");
}

static void
syntax_error_has_a_line(void **state)
{
	const char *e = load_bad("bad-syntax.conf");

	has(e, "bad-syntax.conf:3: syntax:");
}

static void
tiers_are_validated(void **state)
{
	const char *e = load_bad("bad-tiers.conf");

	has(e, "warming.tiers: tier 2: days (2) must be greater than the tier "
	    "before (4)");
	has(e, "warming.tiers[3].extra: unknown setting");
	has(e, "warming.tiers: tier 3: per_hour (900) is larger than per_day (800)");
}

static void
cross_checks_are_reported(void **state)
{
	const char *e = load_bad("bad-cross.conf");

	has(e, "bad-cross.conf:2: suspension.warn_rate: larger than suspend_rate");
	has(e, "unsubscribe.hmac_key: required when unsubscribe.domain is set");
	has(e, "bad-cross.conf:9: dns.nameserver: not an IPv4 or IPv6 address");
	has(e, "policyd.listen: expected unix:/path or inet:HOST:PORT "
	    "(got \"tcp:127.0.0.1:1\")");
}

static void
missing_file_is_an_error(void **state)
{
	struct relay_conf *c;

	assert_int_equal(conf_load("/nonexistent/relay.conf", &c, errbuf,
	    sizeof(errbuf)), -1);
	has(errbuf, "/nonexistent/relay.conf: file: cannot read");
}

static void
tiny_error_buffer_is_safe(void **state)
{
	struct relay_conf *c;
	char	 small[16];

	assert_int_equal(conf_load(data("bad-types.conf"), &c, small,
	    sizeof(small)), -1);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_int_equal(conf_load(data("bad-types.conf"), &c, NULL, 0), -1);
}

static void
dump_masks_secrets(void **state)
{
	struct relay_conf *c;
	char	*text = NULL;
	size_t	 len;
	FILE	*fp;

	assert_int_equal(conf_load(data("good-full.conf"), &c, errbuf,
	    sizeof(errbuf)), 0);
	fp = open_memstream(&text, &len);
	conf_dump(c, fp);
	fclose(fp);
	assert_null(strstr(text, "s3cret"));
	assert_null(strstr(text, "0123456789abcdef0123"));
	assert_non_null(strstr(text, "password = \"********\";"));
	free(text);
	conf_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults_are_sane),
		cmocka_unit_test(example_file_loads_and_equals_the_defaults),
		cmocka_unit_test(example_file_and_man_page_name_every_setting),
		cmocka_unit_test(minimal_file_keeps_defaults),
		cmocka_unit_test(full_file_sets_every_type),
		cmocka_unit_test(unknown_key_names_file_line_and_suggests),
		cmocka_unit_test(unknown_section_is_reported),
		cmocka_unit_test(wrong_types_are_each_reported),
		cmocka_unit_test(out_of_range_values_name_the_bounds),
		cmocka_unit_test(syntax_error_has_a_line),
		cmocka_unit_test(tiers_are_validated),
		cmocka_unit_test(cross_checks_are_reported),
		cmocka_unit_test(missing_file_is_an_error),
		cmocka_unit_test(tiny_error_buffer_is_safe),
		cmocka_unit_test(dump_masks_secrets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
