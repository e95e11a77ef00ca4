/*
 * NAME
 *	test_conf - relay.conf loading: defaults, good files, and every kind
 *	of mistake reported as FILE:LINE: key: why (values at their edges:
 *	test_conf_values)
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
#include "conf_fixture.h"

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
	assert_string_equal(c->unsubscribe.previous_hmac_key,
	    "fedcba9876543210fedcba9876543210");
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
	has(e, "bad-cross.conf:9: dns.nameserver: not an IPv4 or IPv6 address");
	has(e, "bad-cross.conf:12: policyd.listen: tcp:127.0.0.1:1: expected "
	    "unix:/path or inet:HOST:PORT");
}

static void
return_path_needs_the_unsubscribe_domain(void **state)
{
	const char *e = load_bad("bad-return-path.conf");

	has(e, "bad-return-path.conf:2: unsubscribe.return_path: needs "
	    "unsubscribe.domain: the bounces come back there");
}

static void
the_previous_hmac_key_is_checked(void **state)
{
	const char *e = load_bad("bad-previous-key.conf");

	has(e, "bad-previous-key.conf:2: unsubscribe.previous_hmac_key: needs "
	    "unsubscribe.hmac_key: the key tokens are made with");
	e = load_bad("bad-previous-short.conf");
	has(e, "bad-previous-short.conf:3: unsubscribe.previous_hmac_key: too "
	    "short: at least 32 characters (the old hmac_key)");
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
	assert_null(strstr(text, "fedcba9876543210fedc"));
	assert_non_null(strstr(text, "password = \"********\";"));
	assert_non_null(strstr(text, "previous_hmac_key = \"********\";"));
	free(text);
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
 * refused_in_child - conf_load(path) fails naming want, in a child: the
 * bugs this guards against: libconfig's exit(), a wait for ever
 */
static int
refused_in_child(const char *path, const char *want)
{
	struct relay_conf *c;
	pid_t	 pid;
	int	 st;

	if ((pid = fork()) == 0) {
		alarm(10);
		_exit(conf_load(path, &c, errbuf, sizeof(errbuf)) == -1 &&
		    strstr(errbuf, want) != NULL ? 0 : 1);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return 0;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* a FIFO (nobody writes to it) is refused at once, not waited on */
static void
a_fifo_is_not_a_config_file(void **state)
{
	char	 path[4096];

	snprintf(path, sizeof(path), "%s/fifo.conf", tmpdir);
	assert_int_equal(mkfifo(path, 0600), 0);
	if (!refused_in_child(path, "fifo.conf: file: not a regular file"))
		fail_msg("a FIFO was not refused at once");
	unlink(path);
}

/*
 * an @include naming a directory or nothing is an error at its line
 * (libconfig 1.5 exit()ed inside the load, which stopped a daemon that
 * reloaded), also in an included file; an absolute name says what to
 * write instead
 */
static void
includes_that_name_no_file(void **state)
{
	struct relay_conf *c;
	const char	*m;
	char		 want[8192];

	put("incd/sub/x.conf", "redis = { port = 6390; };\n");
	m = put("incd/main.conf", "# main\n\n@include \"sub\"\n");
	snprintf(want, sizeof(want), "%s/incd/main.conf:3: @include: cannot "
	    "read \"%s/incd/sub\": Is a directory", tmpdir, tmpdir);
	if (!refused_in_child(m, want))
		fail_msg("directory: want %s", want);
	m = put("incd/main.conf", "@include \"\"\n");
	snprintf(want, sizeof(want), "main.conf:1: @include: cannot read");
	if (!refused_in_child(m, want))
		fail_msg("empty name: want %s", want);
	/* one level down: the included file's line */
	put("incd/part.conf", "redis = { port = 6390; };\n \t@include \"sub\"\n");
	m = put("incd/main.conf", "@include \"part.conf\"\n");
	snprintf(want, sizeof(want), "%s/incd/part.conf:2: @include: cannot "
	    "read", tmpdir);
	if (!refused_in_child(m, want))
		fail_msg("nested: want %s", want);
	snprintf(want, sizeof(want), "@include \"%s/incd/part.conf\"\n",
	    tmpdir);
	m = put("incd/main.conf", want);
	if (!refused_in_child(m, "main.conf:1: @include: \"/"))
		fail_msg("absolute: %s", errbuf);
	/* in a comment or a string: no include */
	m = put("incd/main.conf", "/* @include \"sub\" */\n# @include \"sub\"\n"
	    "@include \"sub/x.conf\"\n");
	if (conf_load(m, &c, errbuf, sizeof(errbuf)) != 0)
		fail_msg("%s", errbuf);
	assert_int_equal(c->redis.port, 6390);
	conf_free(c);
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

/* The rules between settings and of the milter socket, at their edges:
 * equal values pass, 0 (unlimited) passes, one past a bound does not. */
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
		cmocka_unit_test(return_path_needs_the_unsubscribe_domain),
		cmocka_unit_test(the_previous_hmac_key_is_checked),
		cmocka_unit_test(missing_file_is_an_error),
		cmocka_unit_test(tiny_error_buffer_is_safe),
		cmocka_unit_test(dump_masks_secrets),
		cmocka_unit_test(a_directory_is_not_a_config_file),
		cmocka_unit_test(a_fifo_is_not_a_config_file),
		cmocka_unit_test(odd_paths_give_bounded_errors),
		cmocka_unit_test(include_is_relative_to_the_including_file),
		cmocka_unit_test(includes_that_name_no_file),
		cmocka_unit_test(man_page_gives_every_range),
	};

	if (fixture_begin() != 0)
		return 1;
	return fixture_end(cmocka_run_group_tests(tests, NULL, NULL));
}
