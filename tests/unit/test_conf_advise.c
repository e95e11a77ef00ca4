/*
 * NAME
 *	test_conf_advise - relay.conf's warnings: a valid file with a
 *	milter, policy or socketmap socket on every address, or a
 *	milter.record_ttl shorter than Postfix's queue lifetime, loads with
 *	a "FILE:LINE: key: warning: why" line in conf->warnings, as does a
 *	secret set in a file other users can read or write; the
 *	defaults, loopback and unix sockets have none; daemon_log_warnings
 *	logs only the lines of its own section
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "conf.h"
#include "conf_fixture.h"
#include "daemon.h"
#include "log.h"

/* warnings_of - the warnings of text, which must load (static copy) */
static const char *
warnings_of(const char *text)
{
	static char	 buf[8192];
	struct relay_conf *c = good_text(text);

	snprintf(buf, sizeof(buf), "%s", c->warnings);
	conf_free(c);
	return buf;
}

/* count - how many times needle is in s */
static int
count(const char *s, const char *needle)
{
	int	 n = 0;

	for (; (s = strstr(s, needle)) != NULL; s++)
		n++;
	return n;
}

static void
defaults_and_the_example_have_no_warnings(void **state)
{
	struct relay_conf *c = conf_defaults();
	char		*example = slurp("contrib/relay.conf.example");

	assert_string_equal(c->warnings, "");
	conf_free(c);
	assert_string_equal(warnings_of(""), "");
	assert_string_equal(warnings_of(example), "");
	free(example);
}

static void
milter_socket_on_every_address_is_a_warning(void **state)
{
	static const struct { const char *spec; int warns; } cases[] = {
		{ "inet:8891", 1 },
		{ "inet:8891@0.0.0.0", 1 },
		{ "inet6:8891", 1 },
		{ "inet6:8891@::", 1 },
		{ "inet6:8891@[::]", 1 },
		{ "inet6:8891@[0::0]", 1 },
		{ "inet6:8891@0:0:0:0:0:0:0:0", 1 },
		{ "inet:8891@127.0.0.1", 0 },
		{ "inet:8891@localhost", 0 },
		{ "inet6:8891@::1", 0 },
		{ "inet6:8891@[::1]", 0 },
		{ "inet:8891@192.0.2.7", 0 },
		{ "unix:/run/relay/milter.sock", 0 },
		{ "local:/run/relay/milter.sock", 0 },
	};
	char	 text[256], want[256];
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *w;

		snprintf(text, sizeof(text), "# line 1\nmilter = {\n"
		    "  socket = \"%s\";\n};\n", cases[i].spec);
		w = warnings_of(text);
		snprintf(want, sizeof(want), "t.conf:3: milter.socket: warning: "
		    "\"%s\" listens on every address of this host: whoever "
		    "reaches the port can get any member's DKIM signatures",
		    cases[i].spec);
		if (count(w, want) != cases[i].warns || count(w, "warning:") !=
		    cases[i].warns)
			fail_msg("%s: expected %d warning(s), got:\n%s",
			    cases[i].spec, cases[i].warns, w);
	}
}

static void
policy_and_socketmap_on_every_address_are_warnings(void **state)
{
	const char *w = warnings_of(
	    "policyd = {\n"
	    "  listen = [ \"unix:/run/relay/policy.sock\",\n"
	    "    \"inet:127.0.0.1:20100\", \"inet:0.0.0.0:20101\",\n"
	    "    \"inet:[::1]:20102\", \"inet:[::]:20103\" ];\n"
	    "  socketmap = [ \"inet:::1:20120\", \"inet:::0:20121\",\n"
	    "    \"inet:192.0.2.1:20122\" ];\n"
	    "};\n");

	has(w, "t.conf:2: policyd.listen: warning: \"inet:0.0.0.0:20101\" "
	    "listens on every address of this host: whoever reaches the port "
	    "can spend any member's warming and queue caps; bind 127.0.0.1, "
	    "::1 or the address only your Postfix nodes reach\n");
	has(w, "t.conf:2: policyd.listen: warning: \"inet:[::]:20103\" "
	    "listens on every address");
	has(w, "t.conf:5: policyd.socketmap: warning: \"inet:::0:20121\" "
	    "listens on every address of this host: whoever reaches the port "
	    "can read the forward-to address of every enrolled domain");
	assert_int_equal(count(w, "warning:"), 3);
}

static void
record_ttl_shorter_than_the_queue_lifetime_is_a_warning(void **state)
{
	static const struct { const char *ttl, *said; } cases[] = {
		{ "\"1m\"", "1m" },
		{ "\"4d\"", "4d" },
		{ "\"119h\"", "119h" },
		{ "431999", "431999s" },
		{ "\"5d\"", NULL },
		{ "\"90d\"", NULL },
		{ "432000", NULL },
	};
	char	 text[128], want[256];
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *w;

		snprintf(text, sizeof(text), "milter = { record_ttl = %s; };\n",
		    cases[i].ttl);
		w = warnings_of(text);
		if (cases[i].said == NULL) {
			if (w[0] != '\0')
				fail_msg("%s: no warning expected, got:\n%s",
				    cases[i].ttl, w);
			continue;
		}
		snprintf(want, sizeof(want), "t.conf:1: milter.record_ttl: "
		    "warning: %s is shorter than Postfix's default "
		    "maximal_queue_lifetime (5d): for mail deferred longer, "
		    "relay-tracker finds no record and its outcome is lost",
		    cases[i].said);
		has(w, want);
		assert_int_equal(count(w, "warning:"), 1);
	}
}

/* loaded_as - the warnings of main (text) at mode, inc (text) at imode */
static const char *
loaded_as(const char *text, mode_t mode, const char *inc, mode_t imode)
{
	static char	 buf[8192];
	struct relay_conf *c = NULL;
	const char	*path;

	if (inc != NULL)
		assert_int_equal(chmod(put("inc/secret.conf", inc), imode), 0);
	assert_int_equal(chmod(path = put("t.conf", text), mode), 0);
	if (conf_load(path, &c, errbuf, sizeof(errbuf)) != 0)
		fail_msg("does not load:\n%s\n%s", text, errbuf);
	snprintf(buf, sizeof(buf), "%s", c->warnings);
	conf_free(c);
	return buf;
}

static void
a_secret_others_can_read_or_write_is_a_warning(void **state)
{
	static const char both[] = "# secrets\n"
	    "redis = { password = \"pw\"; };\n"
	    "unsubscribe = { domain = \"u.example\";\n"
	    "  hmac_key = \"0123456789abcdef0123456789abcdef\"; };\n";
	char	 want[512];
	const char *w;

	/* 0640 and 0600 (README): nothing; without a secret: nothing */
	assert_string_equal(loaded_as(both, 0640, NULL, 0), "");
	assert_string_equal(loaded_as(both, 0600, NULL, 0), "");
	assert_string_equal(loaded_as("redis = { password = \"\"; };\n",
	    0644, NULL, 0), "");
	assert_string_equal(loaded_as("redis = { db = 2; };\n", 0666, NULL,
	    0), "");
	/* readable (also group-writable: group is fine), each secret */
	w = loaded_as(both, 0664, NULL, 0);
	snprintf(want, sizeof(want), "t.conf:2: redis.password: warning: "
	    "every user of this host can read %s/t.conf (mode 0664), which "
	    "sets this secret: chmod o-rwx %s/t.conf\n", tmpdir, tmpdir);
	has(w, want);
	has(w, "t.conf:4: unsubscribe.hmac_key: warning: every user of this "
	    "host can read ");
	assert_int_equal(count(w, "warning:"), 2);
	/* writable only */
	w = loaded_as(both, 0602, NULL, 0);
	has(w, "t.conf:2: redis.password: warning: every user of this host "
	    "can write ");
	has(w, "(mode 0602)");
	assert_int_equal(count(w, "warning:"), 2);
	/* an @include'd file that sets the secret: that file and its line */
	w = loaded_as("milter = { record_ttl = \"5d\"; };\n"
	    "@include \"inc/secret.conf\"\n", 0600,
	    "# the secret\nredis = { password = \"pw\"; };\n", 0644);
	snprintf(want, sizeof(want), "%s/inc/secret.conf:2: redis.password: "
	    "warning: every user of this host can read %s/inc/secret.conf "
	    "(mode 0644)", tmpdir, tmpdir);
	has(w, want);
	assert_int_equal(count(w, "warning:"), 1);
	/* the main file readable, the secret's own file not: nothing */
	assert_string_equal(loaded_as("milter = { record_ttl = \"5d\"; };\n"
	    "@include \"inc/secret.conf\"\n", 0644,
	    "# the secret\nredis = { password = \"pw\"; };\n", 0640), "");
}

/*
 * previous_hmac_key the same as hmac_key: a warning (the old key's
 * tokens no longer verify); a different one: none; it is a secret too
 */
static void
previous_hmac_key_equal_to_the_key_warns(void **state)
{
	static const char same[] = "unsubscribe = {\n"
	    "  hmac_key = \"0123456789abcdef0123456789abcdef\";\n"
	    "  previous_hmac_key = \"0123456789abcdef0123456789abcdef\";\n"
	    "};\n";
	static const char other[] = "unsubscribe = {\n"
	    "  hmac_key = \"0123456789abcdef0123456789abcdef\";\n"
	    "  previous_hmac_key = \"fedcba9876543210fedcba9876543210\";\n"
	    "};\n";
	const char *w;

	(void)state;
	w = loaded_as(same, 0640, NULL, 0);
	has(w, "/t.conf:3: unsubscribe.previous_hmac_key: warning: the same "
	    "as unsubscribe.hmac_key: tokens made with the key before it no "
	    "longer verify; set it to that key, or remove it\n");
	assert_int_equal(count(w, "warning:"), 1);
	assert_string_equal(loaded_as(other, 0640, NULL, 0), "");
	w = loaded_as(other, 0644, NULL, 0);
	has(w, "t.conf:3: unsubscribe.previous_hmac_key: warning: every user "
	    "of this host can read ");
	assert_int_equal(count(w, "warning:"), 2);
}

static void
a_file_with_errors_reports_errors_only(void **state)
{
	has(bad_text("milter = { socket = \"inet:8891\"; record_ttl = \"1d\";\n"
	    "  nosuch = 1; };\n"), "t.conf:2: milter.nosuch");
	assert_null(strstr(errbuf, "warning"));
}

/* logged - what daemon_log_warnings(c, sec) writes to stderr */
static char *
logged(const struct relay_conf *c, const char *sec)
{
	static char	 buf[4096];
	FILE		*tmp = tmpfile();
	int		 saved = dup(2);
	size_t		 n;

	assert_non_null(tmp);
	fflush(stderr);
	dup2(fileno(tmp), 2);
	daemon_log_warnings(c, sec);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	n = fread(buf, 1, sizeof(buf) - 1, tmp);
	buf[n] = '\0';
	fclose(tmp);
	return buf;
}

static void
each_daemon_logs_its_own_sections_warnings(void **state)
{
	struct relay_conf *c = conf_defaults();
	const char	*out;

	free(c->warnings);
	c->warnings = strdup(
	    "/etc/relay/relay.conf:3: milter.socket: warning: M1\n"
	    "/etc/relay/relay.conf:9: policyd.listen: warning: P1\n"
	    "/etc/relay/relay.conf: milter.record_ttl: warning: M2\n"
	    "/tmp/a: milter.x: warning: b/t.conf:4: policyd.socketmap: "
	    "warning: P2\n"
	    "/etc/relay/relay.conf:5: milterx.y: warning: none\n"
	    "/etc/relay/relay.conf:6: policyd.listen: warning: P3 cut");
	assert_non_null(c->warnings);
	log_open("test", 1);
	/* logged as warnings, without the second "warning:" */
	out = logged(c, "milter");
	has(out, "warning: /etc/relay/relay.conf:3: milter.socket: M1\n");
	has(out, "warning: /etc/relay/relay.conf: milter.record_ttl: M2\n");
	assert_int_equal(count(out, "\n"), 2);
	assert_int_equal(count(out, "warning"), 2);
	out = logged(c, "policyd");
	has(out, "warning: /etc/relay/relay.conf:9: policyd.listen: P1\n");
	has(out, "warning: /tmp/a: milter.x: warning: b/t.conf:4: "
	    "policyd.socketmap: P2\n");
	has(out, "warning: /etc/relay/relay.conf:6: policyd.listen: P3 cut\n");
	assert_int_equal(count(out, "\n"), 3);
	assert_null(strstr(out, "M1"));
	assert_string_equal(logged(c, "tracker"), "");
	conf_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults_and_the_example_have_no_warnings),
		cmocka_unit_test(milter_socket_on_every_address_is_a_warning),
		cmocka_unit_test(policy_and_socketmap_on_every_address_are_warnings),
		cmocka_unit_test(record_ttl_shorter_than_the_queue_lifetime_is_a_warning),
		cmocka_unit_test(a_secret_others_can_read_or_write_is_a_warning),
		cmocka_unit_test(previous_hmac_key_equal_to_the_key_warns),
		cmocka_unit_test(a_file_with_errors_reports_errors_only),
		cmocka_unit_test(each_daemon_logs_its_own_sections_warnings),
	};

	if (fixture_begin() != 0)
		return 1;
	return fixture_end(cmocka_run_group_tests(tests, NULL, NULL));
}
