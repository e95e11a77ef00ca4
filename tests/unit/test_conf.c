/*
 * NAME
 *	test_conf - relay.conf loading: defaults, good files, and every kind
 *	of mistake reported as FILE:LINE: key: why
 */
#include <sys/stat.h>
#include <sys/wait.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "conf.h"
#include "conf_table.h"

static char errbuf[8192];
static char tmpdir[] = "/tmp/test_conf.XXXXXX";

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

/* put - write text to tmpdir/name (sub-directories made); its path */
static const char *
put(const char *name, const char *text)
{
	static char	 path[4][4096];
	static int	 turn;
	char		*p, *slash;
	FILE		*fp;

	p = path[turn++ % 4];
	snprintf(p, 4096, "%s/%s", tmpdir, name);
	for (slash = strchr(p + strlen(tmpdir) + 1, '/'); slash != NULL;
	    slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(p, 0700);
		*slash = '/';
	}
	if ((fp = fopen(p, "w")) == NULL)
		fail_msg("cannot write %s", p);
	fputs(text, fp);
	fclose(fp);
	return p;
}

/* bad_text - text as a file that must fail; the error text */
static const char *
bad_text(const char *text)
{
	struct relay_conf *c = (void *)1;

	assert_int_equal(conf_load(put("t.conf", text), &c, errbuf,
	    sizeof(errbuf)), -1);
	assert_null(c);
	return errbuf;
}

/* good_text - text as a file that must load */
static struct relay_conf *
good_text(const char *text)
{
	struct relay_conf *c = NULL;

	if (conf_load(put("t.conf", text), &c, errbuf, sizeof(errbuf)) != 0)
		fail_msg("does not load:\n%s\n%s", text, errbuf);
	return c;
}

/* slurp - a file of the source tree, NUL-terminated; roff's \- read as - */
static char *
slurp(const char *rel)
{
	const char	*top = getenv("RELAY_TOP_SRCDIR");
	char		 path[4096], *text, *r, *w;
	long		 n;
	FILE		*fp;

	snprintf(path, sizeof(path), "%s/%s", top ? top : ".", rel);
	if ((fp = fopen(path, "r")) == NULL)
		fail_msg("cannot open %s", path);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	text = calloc(1, (size_t)n + 1);
	assert_int_equal(fread(text, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	for (r = w = text; *r != '\0'; r++)
		if (!(r[0] == '\\' && r[1] == '-'))
			*w++ = *r;
	*w = '\0';
	return text;
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
	/*
	 * Postfix's sockets are unix sockets in /run/relay (0750 relay:relay,
	 * the sockets 0660): on loopback TCP any local user could act as
	 * Postfix, claim a member's login, get its signatures and spend its
	 * caps. The socketmap stays on loopback: chrooted cleanup and
	 * trivial-rewrite cannot reach /run/relay.
	 */
	assert_string_equal(c->milter.socket, "unix:/run/relay/milter.sock");
	assert_int_equal(c->policyd.nlisten, 1);
	assert_string_equal(c->policyd.listen[0], "unix:/run/relay/policy.sock");
	assert_int_equal(c->policyd.nsocketmap, 1);
	assert_string_equal(c->policyd.socketmap[0], "inet:127.0.0.1:20120");
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
	const char	*files[] = { "contrib/relay.conf.example", "doc/relay.conf.5" };
	char		*text, needle[128];
	size_t		 i, f;

	for (f = 0; f < 2; f++) {
		text = slurp(files[f]);
		for (i = 0; i < conf_ndecls; i++) {
			char	*from = text, *to = NULL;

			/* In the example, inside its own section = { ... }; */
			snprintf(needle, sizeof(needle), "\n%s = {\n",
			    conf_decls[i].section);
			if (f == 0 && (from = strstr(text, needle)) != NULL &&
			    (to = strstr(from, "\n};")) != NULL)
				*to = '\0';
			snprintf(needle, sizeof(needle), f == 0 ? "  %s = " :
			    "%s", conf_decls[i].name);
			if (from == NULL || strstr(from, needle) == NULL)
				fail_msg("%s does not document %s.%s", files[f],
				    conf_decls[i].section, conf_decls[i].name);
			if (to != NULL)
				*to = '\n';
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
	assert_string_equal(c->milter.socket, "unix:/run/relay/milter.sock");
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
	assert_string_equal(c->milter.socket, "inet:20101@127.0.0.1");
	assert_string_equal(c->policyd.listen[0], "inet:127.0.0.1:20100");
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
	has(e, "bad-range.conf:6: suspension.warn_rate: must be between 0.1 and "
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
	has(e, "bad-cross.conf:9: dns.nameserver: not an IPv4 address");
	has(e, "bad-cross.conf:12: policyd.listen: tcp:127.0.0.1:1: expected "
	    "unix:/path or inet:HOST:PORT");
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

static void
a_directory_is_not_a_config_file(void **state)
{
	struct relay_conf *c;

	assert_int_equal(conf_load(tmpdir, &c, errbuf, sizeof(errbuf)), -1);
	has(errbuf, ": file: cannot read: Is a directory");
}

/*
 * a FIFO (nobody writes to it) is refused at once, not waited on: in a
 * child, which SIGALRM ends should the load block
 */
static void
a_fifo_is_not_a_config_file(void **state)
{
	struct relay_conf *c;
	char	 path[4096];
	pid_t	 pid;
	int	 st;

	snprintf(path, sizeof(path), "%s/fifo.conf", tmpdir);
	assert_int_equal(mkfifo(path, 0600), 0);
	if ((pid = fork()) == 0) {
		alarm(10);
		_exit(conf_load(path, &c, errbuf, sizeof(errbuf)) == -1 &&
		    strstr(errbuf, "fifo.conf: file: not a regular file") !=
		    NULL ? 0 : 1);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	unlink(path);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* an empty path, and an error line longer than the line buffer */
static void
odd_paths_give_bounded_errors(void **state)
{
	struct relay_conf *c = (void *)1;
	char	 name[1200];
	size_t	 i;

	assert_int_equal(conf_load("", &c, errbuf, sizeof(errbuf)), -1);
	assert_null(c);
	/* a file name of 1100 octets (directories of 100): the line is cut */
	for (i = 0; i < 11; i++)
		memset(name + i * 101, 'd', 100), name[i * 101 + 100] = '/';
	snprintf(name + 11 * 101, sizeof(name) - 11 * 101, "t.conf");
	c = (void *)1;
	assert_int_equal(conf_load(put(name, "nosuchkey = 1;\n"), &c, errbuf,
	    sizeof(errbuf)), -1);
	assert_null(c);
	assert_true(strlen(errbuf) < 1024);
	assert_non_null(strstr(errbuf, "/dddd"));
}

static void
dns_nameserver_must_be_ipv4(void **state)
{
	struct relay_conf *c;

	has(bad_text("dns = {\n  nameserver = \"::1\";\n};\n"),
	    "t.conf:2: dns.nameserver: not an IPv4 address (got \"::1\")");
	c = good_text("dns = { nameserver = \"192.0.2.53\"; };\n");
	assert_string_equal(c->dns.nameserver, "192.0.2.53");
	conf_free(c);
}

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
include_is_relative_to_the_including_file(void **state)
{
	struct relay_conf *c;
	const char	*main_path;
	char		 want[8192];

	put("inc/part.conf", "redis = { port = 6390; };\n");
	main_path = put("inc/main.conf", "# main\n@include \"part.conf\"\n");
	/* The working directory is not inc/. */
	if (conf_load(main_path, &c, errbuf, sizeof(errbuf)) != 0)
		fail_msg("%s", errbuf);
	assert_int_equal(c->redis.port, 6390);
	conf_free(c);
	/* An error inside the include names the include's path. */
	put("inc/part.conf", "redis = {\n  port = 0;\n};\n");
	assert_int_equal(conf_load(main_path, &c, errbuf, sizeof(errbuf)), -1);
	snprintf(want, sizeof(want), "%s/inc/part.conf:2: redis.port:", tmpdir);
	has(errbuf, want);
	/* A missing include is named. */
	main_path = put("inc/main.conf", "\n@include \"nope.conf\"\n");
	assert_int_equal(conf_load(main_path, &c, errbuf, sizeof(errbuf)), -1);
	snprintf(want, sizeof(want), "%s/inc/main.conf:2: @include: cannot open "
	    "\"%s/inc/nope.conf\": No such file or directory", tmpdir, tmpdir);
	has(errbuf, want);
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

/* The rules between settings and of the milter socket, at their edges:
 * equal values pass, 0 (unlimited) passes, one past a bound does not. */
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
		if (t[i].err == NULL) {
			c = NULL;
			if (conf_load(put("t.conf", t[i].text), &c, errbuf,
			    sizeof(errbuf)) != 0)
				fail_msg("%s: %s", t[i].name, errbuf);
			if (strstr(t[i].text, "spf_include") != NULL)
				assert_string_equal(c->relayctl.spf_include,
				    "_spf.relay.example");
			conf_free(c);
		} else {
			c = (void *)1;
			if (conf_load(put("t.conf", t[i].text), &c, errbuf,
			    sizeof(errbuf)) != -1 || c != NULL ||
			    strstr(errbuf, t[i].err) == NULL)
				fail_msg("%s: loads, or not for %s: %s",
				    t[i].name, t[i].err, errbuf);
		}
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
	struct relay_conf *c;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (t[i].err == NULL) {
			c = NULL;
			if (conf_load(put("t.conf", t[i].text), &c, errbuf,
			    sizeof(errbuf)) != 0)
				fail_msg("%s: %s", t[i].name, errbuf);
			conf_free(c);
		} else {
			c = (void *)1;
			if (conf_load(put("t.conf", t[i].text), &c, errbuf,
			    sizeof(errbuf)) != -1 || c != NULL ||
			    strstr(errbuf, t[i].err) == NULL)
				fail_msg("%s: loads, or not for %s: %s",
				    t[i].name, t[i].err, errbuf);
		}
	}
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

/* range_of - a declaration's bounds as relay.conf(5) writes them */
static void
range_of(const struct conf_decl *d, char *buf, size_t len)
{
	static const struct { const char *u; double s; } units[] = {
		{ "d", 86400 }, { "h", 3600 }, { "m", 60 }, { "s", 1 } };
	double	 v[2] = { d->min, d->max };
	char	 part[2][48];
	size_t	 i, k;

	for (i = 0; i < 2; i++) {
		if (d->type != CONF_DURATION) {
			snprintf(part[i], sizeof(part[i]), "%.10g", v[i]);
			continue;
		}
		for (k = 0; k < 3 && (v[i] == 0 || v[i] / units[k].s !=
		    (double)(long long)(v[i] / units[k].s)); k++)
			;
		snprintf(part[i], sizeof(part[i]), "%.10g%s", v[i] / units[k].s,
		    units[k].u);
	}
	snprintf(buf, len, "Range %s..%s.", part[0], part[1]);
}

static void
man_page_gives_every_range(void **state)
{
	char	*man = slurp("doc/relay.conf.5"), *sec, *entry, *end;
	char	 needle[256], want[160], saved;
	size_t	 i;

	for (i = 0; i < conf_ndecls; i++) {
		const struct conf_decl *d = &conf_decls[i];

		if (d->type != CONF_INT && d->type != CONF_DURATION &&
		    d->type != CONF_PERCENT && d->type != CONF_STRLIST)
			continue;
		snprintf(needle, sizeof(needle), ".SH \"SECTION %s\"\n", d->section);
		if ((sec = strstr(man, needle)) == NULL)
			fail_msg("relay.conf.5 has no section %s", d->section);
		snprintf(needle, sizeof(needle), "\n.B %s\n", d->name);
		if ((entry = strstr(sec, needle)) == NULL)
			fail_msg("relay.conf.5: no entry %s.%s", d->section, d->name);
		entry += strlen(needle);
		end = entry + strcspn(entry, "");
		if (strstr(entry, "\n.TP") != NULL)
			end = strstr(entry, "\n.TP");
		if (strstr(entry, "\n.SH") != NULL && strstr(entry, "\n.SH") < end)
			end = strstr(entry, "\n.SH");
		if (d->type == CONF_STRLIST)
			snprintf(want, sizeof(want), "At most %.0f entries.", d->max);
		else
			range_of(d, want, sizeof(want));
		saved = *end;
		*end = '\0';
		if (strstr(entry, want) == NULL)
			fail_msg("relay.conf.5: %s.%s does not say \"%s\":\n%s",
			    d->section, d->name, want, entry);
		*end = saved;
	}
	/* config show prints the values and masks secrets; check does not. */
	assert_null(strstr(man, "Masked by\n.BR \"relayctl config check\""));
	free(man);
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
		cmocka_unit_test(integers_over_32_bits_are_refused_not_wrapped),
		cmocka_unit_test(big_numbers_in_strings_comments_or_with_L_are_fine),
		cmocka_unit_test(a_directory_is_not_a_config_file),
		cmocka_unit_test(a_fifo_is_not_a_config_file),
		cmocka_unit_test(odd_paths_give_bounded_errors),
		cmocka_unit_test(dns_nameserver_must_be_ipv4),
		cmocka_unit_test(string_lists_hold_at_most_64_entries),
		cmocka_unit_test(include_is_relative_to_the_including_file),
		cmocka_unit_test(strings_are_validated),
		cmocka_unit_test(durations_take_only_digits_and_a_unit),
		cmocka_unit_test(bounds_and_tiers_at_their_edges),
		cmocka_unit_test(bounce_rates_must_be_above_zero),
		cmocka_unit_test(rules_at_their_edges),
		cmocka_unit_test(redis_user_is_a_setting),
		cmocka_unit_test(man_page_gives_every_range),
	};
	int	 rc;
	char	 cmd[512];

	if (mkdtemp(tmpdir) == NULL)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		rc = rc ? rc : 1;
	return rc;
}
