/*
 * NAME
 *	test_listen - listen_check: the listen and socketmap settings
 *	relay-policyd accepts, and for each one refused the setting at
 *	fault and a clear reason (conf_load puts them in its FILE:LINE
 *	message); listen_milter: the milter.socket specs libmilter can open,
 *	and which of them listen on every address
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
#include "listen.h"

static const struct {
	const char	*name;
	const char	*listen[3];
	const char	*socketmap[3];
	const char	*error;		/* NULL: accepted; else a part of it */
	int		 bad;		/* the index at fault */
} cases[] = {
	{ "inet and unix", { "inet:127.0.0.1:7133", "unix:/run/p.sock", 0 },
	    { "inet:[::1]:7134", 0 }, NULL, 0 },
	{ "bare IPv6", { "inet:::1:7133", 0 }, { 0 }, NULL, 0 },
	{ "socketmap only", { 0 }, { "inet:127.0.0.1:7134", 0 }, NULL, 0 },
	{ "two ports of one address", { "inet:127.0.0.1:7133", 0 },
	    { "inet:127.0.0.1:7134", 0 }, NULL, 0 },
	{ "nothing at all (relay-policyd refuses it itself)", { 0 }, { 0 },
	    NULL, 0 },
	{ "a host name", { "inet:localhost:7133", 0 }, { 0 },
	    "inet:localhost:7133: HOST must be a numeric", 0 },
	{ "port 0", { "inet:127.0.0.1:0", 0 }, { 0 }, "PORT must be 1-65535", 0 },
	{ "port 70000", { "inet:127.0.0.1:70000", 0 }, { 0 }, "PORT must be", 0 },
	{ "port with junk", { "inet:127.0.0.1:71x", 0 }, { 0 }, "PORT must be", 0 },
	{ "no port", { "inet:127.0.0.1", 0 }, { 0 }, "expected inet:HOST:PORT", 0 },
	{ "relative unix path", { "unix:p.sock", 0 }, { 0 },
	    "unix:p.sock: not an absolute path", 0 },
	{ "bad socketmap after a good listen", { "inet:127.0.0.1:7133", 0 },
	    { "inet:127.0.0.1:0", 0 }, "PORT must be", 1 },
	{ "unknown kind", { "tcp:1.2.3.4:5", 0 }, { 0 },
	    "expected unix:/path or inet:HOST:PORT", 0 },
	{ "same address in listen and socketmap", { "inet:127.0.0.1:7133", 0 },
	    { "inet:127.0.0.1:7133", 0 }, "\"inet:127.0.0.1:7133\" is also "
	    "policyd.listen[0] = \"inet:127.0.0.1:7133\": the same address", 1 },
	{ "same address, two spellings", { "inet:[::1]:7133", 0 },
	    { "inet:0:0:0:0:0:0:0:1:7133", 0 }, "the same address", 1 },
	{ "wildcard and loopback on one port", { "inet:0.0.0.0:7133", 0 },
	    { "inet:127.0.0.1:7133", 0 }, "the same address", 1 },
	{ "IPv6 wildcard takes IPv4", { "inet:127.0.0.1:7133", 0 },
	    { "inet:[::]:7133", 0 }, "the same address", 1 },
	{ "same unix path twice", { "unix:/run/p.sock", "unix:/run/p.sock", 0 },
	    { 0 }, "\"unix:/run/p.sock\" is also policyd.listen[0]", 1 },
};

static int
count(const char *const *v)
{
	int	 n = 0;

	while (n < 3 && v[n] != NULL)
		n++;
	return n;
}

static void
settings_are_checked_as_a_whole(void **state)
{
	size_t	 i;
	char	 err[512];

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct conf_policyd cp;
		int	 rc, bad = -1;

		memset(&cp, 0, sizeof(cp));
		cp.listen = (char **)cases[i].listen;
		cp.nlisten = count(cases[i].listen);
		cp.socketmap = (char **)cases[i].socketmap;
		cp.nsocketmap = count(cases[i].socketmap);
		err[0] = '\0';
		rc = listen_check(&cp, &bad, err, sizeof(err));
		if (cases[i].error == NULL) {
			if (rc != 0)
				fail_msg("%s: refused: %s", cases[i].name, err);
		} else if (rc != -1 || strstr(err, cases[i].error) == NULL ||
		    bad != cases[i].bad) {
			fail_msg("%s: rc %d, index %d, error \"%s\", wanted %d, "
			    "\"%s\"", cases[i].name, rc, bad, err, cases[i].bad,
			    cases[i].error);
		}
	}
}

/*
 * What libmilter 8.17 did with each (relay-milter started on it): opened
 * it, listening where "every" says, or failed with only "cannot open the
 * milter socket" after a config check that had passed (the IPv6 address
 * under inet:, the IPv4 one under inet6:, an empty or unclosed host); and
 * [0::0] listened on every address without the warning.
 */
static const struct {
	const char	*spec;
	const char	*error;		/* NULL: accepted; else a part of it */
	int		 every;
} milter_cases[] = {
	{ "unix:/run/relay/milter.sock", NULL, 0 },
	{ "local:/run/relay/milter.sock", NULL, 0 },
	{ "unix:milter.sock", "expected unix:/path, inet:PORT@HOST", 0 },
	{ "inet:20101@127.0.0.1", NULL, 0 },
	{ "inet:20101@[127.0.0.1]", NULL, 0 },
	{ "inet:20101@localhost", NULL, 0 },
	{ "inet6:20101@::1", NULL, 0 },
	{ "inet6:20101@[::1]", NULL, 0 },
	{ "inet6:20101@[::ffff:127.0.0.1]", NULL, 0 },
	{ "inet6:20101@localhost", NULL, 0 },
	{ "inet:20101", NULL, 1 },
	{ "inet6:20101", NULL, 1 },
	{ "inet:20101@0.0.0.0", NULL, 1 },
	{ "inet6:20101@::", NULL, 1 },
	{ "inet6:20101@[::]", NULL, 1 },
	{ "inet6:20101@[0::0]", NULL, 1 },
	{ "inet6:20101@0:0:0:0:0:0:0:0", NULL, 1 },
	{ "inet:20101@::1", "an IPv6 address needs inet6: "
	    "(inet6:PORT@[::1]), inet: takes IPv4 ones (got "
	    "\"inet:20101@::1\")", 0 },
	{ "inet:20101@[::1]", "an IPv6 address needs inet6:", 0 },
	{ "inet6:20101@127.0.0.1", "an IPv4 address needs inet: "
	    "(inet:PORT@127.0.0.1), inet6: takes IPv6 ones", 0 },
	{ "inet6:20101@[127.0.0.1]", "an IPv4 address needs inet:", 0 },
	{ "inet6:20101@", "expected unix:/path", 0 },
	{ "inet:20101@", "expected unix:/path", 0 },
	{ "inet6:20101@[::1", "expected unix:/path", 0 },
	{ "inet6:20101@::1]", "expected unix:/path", 0 },
	{ "inet6:20101@[localhost]", "expected unix:/path", 0 },
	{ "inet6:@::1", "expected unix:/path", 0 },
	{ "inet6:0@::1", "expected unix:/path", 0 },
	{ "inet6:65536@::1", "expected unix:/path", 0 },
	{ "inet6:65535@::1", NULL, 0 },
	{ "inet6: 20101@::1", "expected unix:/path", 0 },
	{ "inet6:20101x::1", "expected unix:/path", 0 },
	{ "tcp:20101@127.0.0.1", "expected unix:/path", 0 },
};

static void
milter_specs_as_libmilter_opens_them(void **state)
{
	size_t	 i;
	char	 err[512];
	int	 rc, every;

	(void)state;
	for (i = 0; i < sizeof(milter_cases) / sizeof(milter_cases[0]); i++) {
		err[0] = '\0';
		every = -1;
		rc = listen_milter(milter_cases[i].spec, &every, err,
		    sizeof(err));
		if (milter_cases[i].error == NULL) {
			if (rc != 0 || every != milter_cases[i].every)
				fail_msg("%s: rc %d every %d (wanted %d): %s",
				    milter_cases[i].spec, rc, every,
				    milter_cases[i].every, err);
		} else if (rc != -1 || strstr(err, milter_cases[i].error) ==
		    NULL)
			fail_msg("%s: rc %d, error \"%s\", wanted \"%s\"",
			    milter_cases[i].spec, rc, err,
			    milter_cases[i].error);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(settings_are_checked_as_a_whole),
		cmocka_unit_test(milter_specs_as_libmilter_opens_them),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
