/*
 * NAME
 *	test_conf_values - relay.conf's values: numbers past 32 bits, strings,
 *	durations, lists, bounds and tiers at their edges, and the rules
 *	between settings at theirs (test_conf: files, defaults, the example
 *	and the man page)
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
#include "conf_fixture.h"

/* listen_list - policyd.listen with n unix sockets */
static char *
listen_list(int n)
{
	char	*text = calloc(1, 64 + (size_t)n * 40), *p = text;
	int	 i;

	p += sprintf(p, "policyd = {\n  listen = [");
	for (i = 0; i < n; i++)
		p += sprintf(p, "%s\"unix:/run/relay/p%d.sock\"", i ? ", " : "", i);
	sprintf(p, "];\n};\n");
	return text;
}

static void
integers_over_32_bits_are_refused_not_wrapped(void **state)
{
	const char *e = bad_text(
	    "policyd: { queue_cap = 4294967296; };\n"
	    "redis: { port = 4294973597; }; dns: { port = 6301; };\n"
	    "testing: { clock_offset = 99999999999; };\n"
	    "suspension: { warn_rate = 4294967301; };\n"
	    "milter: { timeout = 0x10000001E; };\n"
	    "warming: { tiers = ( { days = 1; per_hour = 1; per_day = 5; },\n"
	    "  { days = 2; per_hour = 4294967297; per_day = 10; } ); };\n"
	    "tracker: { max_line = 4294983680; };\n"
	    "dkim = { key_cache = 99999999999999999999L; };\n");

	has(e, "t.conf:1: policyd.queue_cap: 4294967296 is out of range "
	    "(0..100000000)");
	has(e, "t.conf:2: redis.port: 4294973597 is out of range (1..65535)");
	has(e, "t.conf:3: testing.clock_offset: 99999999999 is out of range "
	    "(-315360000..315360000)");
	has(e, "t.conf:4: suspension.warn_rate: 4294967301 is out of range");
	has(e, "t.conf:5: milter.timeout: 0x10000001E is out of range (1..3600)");
	has(e, "t.conf:7: warming.tiers[2].per_hour: 4294967297 is out of range");
	has(e, "t.conf:8: tracker.max_line: 4294983680 is out of range");
	assert_null(strstr(e, "dns.port"));
	has(e, "t.conf:9: dkim.key_cache: 99999999999999999999L is out of range");
}

static void
big_numbers_in_strings_comments_or_with_L_are_fine(void **state)
{
	struct relay_conf *c = good_text(
	    "policyd: { queue_cap = 50L; max_line = 4096; }; "
	    "# queue_cap = 4294967296\n"
	    "tracker: { maillog = \"/var/log/x = 4294967296\"; max_line = 2048; };\n"
	    "/* redis: { port = 4294973597; }; */ redis: { port = 6301; };\n"
	    "testing = { clock_offset = -3600; };\n");

	assert_int_equal(c->policyd.queue_cap, 50);
	assert_int_equal(c->policyd.max_line, 4096);
	assert_int_equal(c->tracker.max_line, 2048);
	assert_int_equal(c->redis.port, 6301);
	assert_int_equal(c->testing.clock_offset_s, -3600);
	conf_free(c);
}

/* dns.nameserver: an IPv4 or IPv6 address, kept in canonical form */
static void
dns_nameserver_is_an_ip_address(void **state)
{
	static const struct {
		const char	*in;
		const char	*out;	/* NULL: refused */
	} t[] = {
		{ "192.0.2.53", "192.0.2.53" },
		{ "::1", "::1" },
		{ "[::1]", "::1" },
		{ "2001:DB8:0:0::53", "2001:db8::53" },
		{ "[2001:db8::53]", "2001:db8::53" },
		{ "ns.example", NULL },
		{ "[192.0.2.53]", NULL },
		{ "[::1]:53", NULL },
		{ "127.0.0.1:53", NULL },
		{ "[::1", NULL },
		{ "::1]", NULL },
		{ "[]", NULL },
	};
	struct relay_conf *c;
	char	 text[128], err[128];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(text, sizeof(text), "dns = {\n  nameserver = \"%s\";"
		    "\n};\n", t[i].in);
		snprintf(err, sizeof(err), "t.conf:2: dns.nameserver: not an "
		    "IPv4 or IPv6 address (got \"%s\"", t[i].in);
		c = load_case(t[i].in, text, t[i].out ? NULL : err);
		if (c != NULL)
			assert_string_equal(c->dns.nameserver, t[i].out);
		conf_free(c);
	}
}

static void
string_lists_hold_at_most_64_entries(void **state)
{
	struct relay_conf *c;
	char	*text;

	text = listen_list(64);
	c = good_text(text);
	assert_int_equal(c->policyd.nlisten, 64);
	conf_free(c);
	free(text);
	text = listen_list(66);
	has(bad_text(text), "t.conf:2: policyd.listen: at most 64 entries "
	    "(got 66)");
	free(text);
}

static void
strings_are_validated(void **state)
{
	struct relay_conf *c;

	has(bad_text("relayctl = {\n  spf_include = \"not a domain\";\n};\n"),
	    "t.conf:2: relayctl.spf_include: not a domain name");
	has(bad_text("relayctl = { spf_include = \"localhost\"; };\n"),
	    "relayctl.spf_include: not a domain name");
	has(bad_text("tracker = {\n  maillog = \"\";\n};\n"),
	    "t.conf:2: tracker.maillog: must not be empty");
	{	/* unsubscribe.https_url: at most CONF_HTTPS_URL_MAX */
		char	 text[CONF_HTTPS_URL_MAX + 100];
		int	 n;

		n = snprintf(text, sizeof(text), "unsubscribe = { https_url = "
		    "\"https://relay.test/u/");
		memset(text + n, 'u', CONF_HTTPS_URL_MAX - 21);
		snprintf(text + n + CONF_HTTPS_URL_MAX - 21, 10, "\"; };\n");
		c = good_text(text);
		assert_int_equal(strlen(c->unsubscribe.https_url),
		    CONF_HTTPS_URL_MAX);
		conf_free(c);
		snprintf(text + n + CONF_HTTPS_URL_MAX - 21, 10, "u\"; };\n");
		has(bad_text(text), "t.conf:1: unsubscribe.https_url: too long: "
		    "at most 400 characters (got 401;");
	}
	c = good_text("relayctl = { spf_include = \"_SPF.Relay.Example.\"; };\n");
	assert_string_equal(c->relayctl.spf_include, "_spf.relay.example");
	conf_free(c);
	has(bad_text("relayctl = {\n  mx_host = \"mx relay\";\n};\n"),
	    "t.conf:2: relayctl.mx_host: not a domain name");
	c = good_text("relayctl = { mx_host = \"MX.Relay.Example.\"; };\n");
	assert_string_equal(c->relayctl.mx_host, "mx.relay.example");
	conf_free(c);
	has(bad_text("tracker = {\n  content_filters = [\"192.0.2.1\", "
	    "\"amavis.lan\"];\n};\n"), "t.conf:2: tracker.content_filters: "
	    "element 2: not an IP address (got \"amavis.lan\"");
	c = good_text("tracker = { content_filters = [\"192.0.2.1\", "
	    "\"2001:db8::1\"]; };\n");
	assert_int_equal(c->tracker.ncontent_filters, 2);
	assert_string_equal(c->tracker.content_filters[1], "2001:db8::1");
	conf_free(c);
	/*
	 * relay-tracker compares a filter with the address as Postfix logs
	 * it, relay=HOST[2001:db8::25]:10024: canonical, lower case. Kept
	 * as written, "2001:DB8:0::25" never matched, and the filter's hops
	 * were not followed.
	 */
	c = good_text("tracker = { content_filters = [\"2001:DB8:0:0::25\", "
	    "\"::FFFF:192.0.2.1\"]; };\n");
	assert_string_equal(c->tracker.content_filters[0], "2001:db8::25");
	assert_string_equal(c->tracker.content_filters[1], "::ffff:192.0.2.1");
	conf_free(c);
	c = good_text("tracker = { content_filters = [\"[2001:db8::26]\"]; };\n");
	assert_string_equal(c->tracker.content_filters[0], "2001:db8::26");
	conf_free(c);
	c = good_text("tracker = { content_filters = []; };\n");
	assert_int_equal(c->tracker.ncontent_filters, 0);
	conf_free(c);
}

static void
durations_take_only_digits_and_a_unit(void **state)
{
	const char	*bad[] = { "1e2", " 30", "30 ", "0x10", "1.5h", "-5",
	    "+5", "30 s", "", "s", "5ms", "10x" };
	const char	*good[] = { "3600", "3600s", "60m", "1h", "1d", "2w" };
	const int	 secs[] = { 3600, 3600, 3600, 3600, 86400, 14 * 86400 };
	char		 text[256];
	struct relay_conf *c;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "milter = {\n  timeout = \"%s\";\n};\n",
		    bad[i]);
		has(bad_text(text), "t.conf:2: milter.timeout: expected a duration");
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(text, sizeof(text), "suspension = { window = \"%s\"; };\n",
		    good[i]);
		c = good_text(text);
		assert_int_equal(c->suspension.window_s, secs[i]);
		conf_free(c);
	}
}

/* Declared bounds and tier values exactly at their limits and one past. */
static void
bounds_and_tiers_at_their_edges(void **state)
{
	static const struct {
		const char	*name;
		const char	*text;
		const char	*err;	/* NULL: loads */
	} t[] = {
		{ "an integer at its maximum", "policyd = { max_attrs = 1000; "
		  "};\n", NULL },
		{ "an integer one over its maximum", "policyd = { max_attrs = "
		  "1001; };\n", "policyd.max_attrs: must be between 10 and 1000" },
		{ "an integer at its minimum", "policyd = { max_attrs = 10; "
		  "};\n", NULL },
		{ "a double at its maximum", "suspension = { warn_rate = 100; "
		  "suspend_rate = 100; };\n", NULL },
		{ "tier values at 1000000000", "warming = { tiers = ( { days = "
		  "1; per_hour = 1000000000; per_day = 1000000000; } ); };\n",
		  NULL },
		{ "a tier value of 1000000001", "warming = { tiers = ( { days = "
		  "1; per_hour = 1; per_day = 1000000001; } ); };\n",
		  "warming.tiers[1].per_day" },
		{ "a tier's days of 0", "warming = { tiers = ( { days = 0; "
		  "per_hour = 1; per_day = 1; } ); };\n", "warming.tiers[1].days" },
		{ "a tier's per_hour equal to per_day", "warming = { tiers = ( "
		  "{ days = 1; per_hour = 50; per_day = 50; } ); };\n", NULL },
		{ "a tier without days", "warming = { tiers = ( { per_hour = 1; "
		  "per_day = 1; } ); };\n", "warming.tiers[1].days: missing" },
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		conf_free(load_case(t[i].name, t[i].text, t[i].err));
}

static void
bounce_rates_must_be_above_zero(void **state)
{
	has(bad_text("suspension = {\n  warn_rate = 0;\n  suspend_rate = 0;\n};\n"),
	    "t.conf:3: suspension.suspend_rate: must be between 0.1 and 100 "
	    "(got 0)");
	has(errbuf, "t.conf:2: suspension.warn_rate: must be between 0.1");
	has(bad_text("warming = {\n  standard_per_hour = 500;\n"
	    "  standard_per_day = 100;\n};\n"),
	    "t.conf:2: warming.standard_per_hour: larger than standard_per_day");
}

/* a rule broken by the setting written, the other left at its default:
 * the line of the one written */
static void
rules_point_at_what_was_written(void **state)
{
	(void)state;
	has(bad_text("suspension = {\n  suspend_rate = 2.0;\n};\n"),
	    "t.conf:2: suspension.warn_rate: larger than suspend_rate");
	has(bad_text("redis = {\n  reconnect_max_ms = 50;\n};\n"),
	    "t.conf:2: redis.reconnect_min_ms: larger than");
	has(bad_text("redis = {\n  timeout_ms = 100;\n  wait_replicas = 1;\n"
	    "};\n"), "t.conf:2: redis.wait_ms: not below");
	/* both written: the first named */
	has(bad_text("redis = {\n  reconnect_max_ms = 50;\n"
	    "  reconnect_min_ms = 60;\n};\n"),
	    "t.conf:3: redis.reconnect_min_ms: larger than");
}

static void
rules_at_their_edges(void **state)
{
	static const struct {
		const char	*name;
		const char	*text;
		const char	*err;	/* NULL: loads */
	} t[] = {
		{ "reconnect min = max", "redis = { reconnect_min_ms = 500; "
		  "reconnect_max_ms = 500; };\n", NULL },
		{ "reconnect min > max", "redis = { reconnect_min_ms = 501; "
		  "reconnect_max_ms = 500; };\n", "redis.reconnect_min_ms" },
		{ "WAIT below the timeout", "redis = { wait_replicas = 1; "
		  "wait_ms = 499; };\n", NULL },
		{ "WAIT as long as the timeout", "redis = { wait_replicas = 1; "
		  "wait_ms = 500; };\n", "redis.wait_ms" },
		{ "WAIT past a shorter timeout", "redis = { timeout_ms = 100; "
		  "wait_replicas = 2; };\n", "redis.wait_ms" },
		{ "no WAIT: its time unchecked", "redis = { wait_replicas = 0; "
		  "wait_ms = 5000; };\n", NULL },
		{ "standard caps equal", "warming = { standard_per_hour = 100; "
		  "standard_per_day = 100; };\n", NULL },
		{ "standard per day unlimited", "warming = { standard_per_hour "
		  "= 500; standard_per_day = 0; };\n", NULL },
		{ "standard per hour unlimited", "warming = { standard_per_hour "
		  "= 0; standard_per_day = 5; };\n", NULL },
		{ "warn rate = suspend rate", "suspension = { warn_rate = 5; "
		  "suspend_rate = 5; };\n", NULL },
		{ "milter port 65535", "milter = { socket = "
		  "\"inet:65535@127.0.0.1\"; };\n", NULL },
		{ "milter port 65536", "milter = { socket = "
		  "\"inet:65536@127.0.0.1\"; };\n", "milter.socket" },
		{ "milter port 1", "milter = { socket = \"inet:1@127.0.0.1\"; "
		  "};\n", NULL },
		{ "milter port 0", "milter = { socket = \"inet:0@127.0.0.1\"; "
		  "};\n", "milter.socket" },
		{ "milter inet6", "milter = { socket = \"inet6:20101@::1\"; "
		  "};\n", NULL },
		{ "milter inet6 without a port", "milter = { socket = "
		  "\"inet6:@::1\"; };\n", "milter.socket" },
		{ "milter inet6 in brackets", "milter = { socket = "
		  "\"inet6:20101@[::1]\"; };\n", NULL },
		{ "milter inet with an IPv6 address", "milter = {\n  socket = "
		  "\"inet:20101@::1\";\n};\n", "t.conf:2: milter.socket: an "
		  "IPv6 address needs inet6: (inet6:PORT@[::1])" },
		{ "milter inet with [::1]", "milter = { socket = "
		  "\"inet:20101@[::1]\"; };\n", "milter.socket: an IPv6" },
		{ "milter inet6 with an IPv4 address", "milter = { socket = "
		  "\"inet6:20101@127.0.0.1\"; };\n", "milter.socket: an IPv4 "
		  "address needs inet: (inet:PORT@127.0.0.1)" },
		{ "milter inet6 unclosed bracket", "milter = { socket = "
		  "\"inet6:20101@[::1\"; };\n", "milter.socket: expected" },
		{ "milter inet6 nothing after @", "milter = { socket = "
		  "\"inet6:20101@\"; };\n", "milter.socket: expected" },
		{ "milter local:", "milter = { socket = \"local:/run/m.sock\"; "
		  "};\n", NULL },
		{ "milter unix: relative", "milter = { socket = \"unix:m.sock\"; "
		  "};\n", "milter.socket" },
		{ "milter port then garbage", "milter = { socket = "
		  "\"inet:20101x127.0.0.1\"; };\n", "milter.socket" },
		{ "spf_include with '_'", "relayctl = { spf_include = "
		  "\"_spf.Relay.example\"; };\n", NULL },
		{ "spf_include after a space", "relayctl = { spf_include = "
		  "\" _spf.relay.example\"; };\n", "relayctl.spf_include" },
		{ "spf_include after a tab", "relayctl = { spf_include = "
		  "\"\\t_spf.relay.example\"; };\n", "relayctl.spf_include" },
	};
	struct relay_conf *c;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		c = load_case(t[i].name, t[i].text, t[i].err);
		if (c != NULL && strstr(t[i].text, "spf_include") != NULL)
			assert_string_equal(c->relayctl.spf_include,
			    "_spf.relay.example");
		conf_free(c);
	}
}

/*
 * redis.host: what hiredis can connect to. An IPv6 address in brackets,
 * as policyd.listen and the metrics ports write it, was passed to
 * getaddrinfo() as it stood: "Name or service not known" at every
 * connect, after a config check that had said nothing.
 */
static void
redis_host_takes_ipv6_with_or_without_brackets(void **state)
{
	static const struct {
		const char	*in;
		const char	*out;	/* NULL: refused */
	} t[] = {
		{ "::1", "::1" },
		{ "[::1]", "::1" },
		{ "[2001:DB8::6379]", "2001:db8::6379" },
		{ "0:0:0:0:0:0:0:1", "::1" },
		{ "127.0.0.1", "127.0.0.1" },
		{ "redis.internal", "redis.internal" },
		{ "localhost", "localhost" },
		{ "[::1]:6379", NULL },
		{ "127.0.0.1:6379", NULL },
		{ "redis.internal:6379", NULL },
		{ "[redis.internal]", NULL },
		{ "[127.0.0.1]", NULL },
		{ "[::1", NULL },
	};
	struct relay_conf *c;
	char	 text[128], err[160];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(text, sizeof(text), "redis = {\n  host = \"%s\";\n"
		    "};\n", t[i].in);
		snprintf(err, sizeof(err), "t.conf:2: redis.host: not an IP "
		    "address or host name (got \"%s\"); an IPv6 address is "
		    "written \"::1\" or \"[::1]\", the port goes in redis.port",
		    t[i].in);
		c = load_case(t[i].in, text, t[i].out ? NULL : err);
		if (c != NULL)
			assert_string_equal(c->redis.host, t[i].out);
		conf_free(c);
	}
	/* with a socket, host is not used */
	c = good_text("redis = { socket = \"/run/r.sock\"; host = \"[::1]:1\"; };\n");
	conf_free(c);
}

static void
redis_user_is_a_setting(void **state)
{
	struct relay_conf *c = conf_defaults();
	char	*text = NULL;
	size_t	 len;
	FILE	*fp;

	assert_string_equal(c->redis.user, "");
	conf_free(c);
	c = good_text("redis = { user = \"relay\"; password = \"pw\"; };\n");
	assert_string_equal(c->redis.user, "relay");
	fp = open_memstream(&text, &len);
	conf_dump(c, fp);
	fclose(fp);
	has(text, "  user = \"relay\";\n");
	free(text);
	conf_free(c);
	has(bad_text("redis = {\n  user = \"relay\";\n};\n"),
	    "t.conf:2: redis.user: set, but redis.password is empty");
	has(bad_text("redis = { user = \"a b\"; password = \"pw\"; };\n"),
	    "redis.user: no spaces or control characters");
}

static void
redis_sentinels_name_the_primary(void **state)
{
	struct relay_conf *c;
	char	*text = NULL;
	size_t	 len;
	FILE	*fp;

	(void)state;
	c = good_text("redis = { sentinels = [ \"10.0.0.5:26379\", "
	    "\"[::1]:26380\", \"s3.example\" ];\n"
	    "  sentinel_master = \"mymaster\";\n"
	    "  sentinel_password = \"spw\"; };\n");
	assert_int_equal(c->redis.nsentinels, 3);
	assert_string_equal(c->redis.sentinels[1], "[::1]:26380");
	assert_string_equal(c->redis.sentinel_master, "mymaster");
	fp = open_memstream(&text, &len);
	conf_dump(c, fp);
	fclose(fp);
	has(text, "  sentinel_master = \"mymaster\";\n");
	has(text, "  sentinel_password = \"********\";\n");
	free(text);
	conf_free(c);
	has(bad_text("redis = {\n  sentinels = [ \"10.0.0.5:26379\" ];\n};\n"),
	    "t.conf:2: redis.sentinels: set, but redis.sentinel_master is "
	    "empty");
	has(bad_text("redis = {\n  sentinel_master = \"m\";\n};\n"),
	    "t.conf:2: redis.sentinel_master: set, but redis.sentinels is "
	    "empty");
	has(bad_text("redis = { sentinel_master = \"m\";\n"
	    "  sentinels = [ \"10.0.0.5:26379\", \"10.0.0.6:0\" ]; };\n"),
	    "t.conf:2: redis.sentinels: not HOST:PORT (got \"10.0.0.6:0\"");
	has(bad_text("redis = { sentinel_master = \"m\";\n"
	    "  sentinels = [ \"[::1\" ]; };\n"),
	    "redis.sentinels: not HOST:PORT (got \"[::1\"");
	has(bad_text("redis = { sentinel_master = \"m\"; socket = \"/r.sock\";\n"
	    "  sentinels = [ \"10.0.0.5\" ]; };\n"),
	    "t.conf:2: redis.sentinels: set with redis.socket");
	has(bad_text("redis = { sentinel_master = \"a b\";\n"
	    "  sentinels = [ \"10.0.0.5\" ]; };\n"),
	    "redis.sentinel_master: no spaces or control characters");
}

static void
values_of_the_wrong_shape_name_what_they_are(void **state)
{
	char	 tiers[2048], *p = tiers;
	int	 i;

	has(bad_text("redis = { host = 5; };\n"),
	    "t.conf:1: redis.host: expected a string, got an integer");
	has(bad_text("redis = { port = 1.5; };\n"),
	    "t.conf:1: redis.port: expected an integer, got a number with a "
	    "fraction");
	has(bad_text("redis = { timeout_ms = true; };\n"),
	    "redis.timeout_ms: expected an integer, got true/false");
	has(bad_text("redis = { port = [ 1 ]; };\n"),
	    "redis.port: expected an integer, got an array");
	has(bad_text("redis = { port = ( 1 ); };\n"),
	    "redis.port: expected an integer, got a list");
	has(bad_text("redis = { port = { }; };\n"),
	    "redis.port: expected an integer, got a group");
	has(bad_text("policyd = { listen = 5; };\n"),
	    "t.conf:1: policyd.listen: expected a string or a list of strings, "
	    "got an integer");
	has(bad_text("policyd = {\n  listen = ( \"inet:127.0.0.1:9\", 5 );\n};\n"),
	    "policyd.listen: element 2: expected a string, got an integer");
	has(bad_text("warming = { tiers = 5; };\n"),
	    "t.conf:1: warming.tiers: expected a list of groups");
	has(bad_text("warming = {\n  tiers = ( 5 );\n};\n"),
	    "warming.tiers: tier 1: expected a group { days; per_hour; "
	    "per_day; }, got an integer");
	p += sprintf(p, "warming = { tiers = (");
	for (i = 0; i < CONF_MAX_TIERS + 1; i++)
		p += sprintf(p, "%s { days = %d; per_hour = 1; per_day = 1; }",
		    i ? "," : "", i + 1);
	sprintf(p, " ); };\n");
	has(bad_text(tiers), "warming.tiers: at most 16 tiers (got 17)");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(integers_over_32_bits_are_refused_not_wrapped),
		cmocka_unit_test(big_numbers_in_strings_comments_or_with_L_are_fine),
		cmocka_unit_test(dns_nameserver_is_an_ip_address),
		cmocka_unit_test(string_lists_hold_at_most_64_entries),
		cmocka_unit_test(strings_are_validated),
		cmocka_unit_test(durations_take_only_digits_and_a_unit),
		cmocka_unit_test(bounds_and_tiers_at_their_edges),
		cmocka_unit_test(bounce_rates_must_be_above_zero),
		cmocka_unit_test(rules_at_their_edges),
		cmocka_unit_test(rules_point_at_what_was_written),
		cmocka_unit_test(redis_host_takes_ipv6_with_or_without_brackets),
		cmocka_unit_test(redis_user_is_a_setting),
		cmocka_unit_test(redis_sentinels_name_the_primary),
		cmocka_unit_test(values_of_the_wrong_shape_name_what_they_are),
	};

	if (fixture_begin() != 0)
		return 1;
	return fixture_end(cmocka_run_group_tests(tests, NULL, NULL));
}
