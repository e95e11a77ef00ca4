/*
 * NAME
 *	test_policyd_listen - pl_check: the listen and socketmap settings
 *	relay-policyd accepts, and a clear message naming the setting for
 *	each one it refuses
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
#include "policyd_listen.h"

static const struct {
	const char	*name;
	const char	*listen[3];
	const char	*socketmap[3];
	const char	*error;		/* NULL: accepted; else a part of it */
} cases[] = {
	{ "inet and unix", { "inet:127.0.0.1:7133", "unix:/run/p.sock" },
	    { "inet:[::1]:7134" }, NULL },
	{ "bare IPv6", { "inet:::1:7133" }, { 0 }, NULL },
	{ "socketmap only", { 0 }, { "inet:127.0.0.1:7134" }, NULL },
	{ "two ports of one address", { "inet:127.0.0.1:7133" },
	    { "inet:127.0.0.1:7134" }, NULL },
	{ "nothing to listen on", { 0 }, { 0 },
	    "both empty, nothing to listen on" },
	{ "a host name", { "inet:localhost:7133" }, { 0 },
	    "policyd.listen[0]: inet:localhost:7133: HOST must be a numeric" },
	{ "port 0", { "inet:127.0.0.1:0" }, { 0 }, "PORT must be 1-65535" },
	{ "port 70000", { "inet:127.0.0.1:70000" }, { 0 }, "PORT must be" },
	{ "port with junk", { "inet:127.0.0.1:71x" }, { 0 }, "PORT must be" },
	{ "no port", { "inet:127.0.0.1" }, { 0 }, "expected inet:HOST:PORT" },
	{ "relative unix path", { "unix:p.sock" }, { 0 },
	    "policyd.listen[0]: unix:p.sock: not an absolute path" },
	{ "unknown kind", { "tcp:1.2.3.4:5" }, { 0 },
	    "expected unix:/path or inet:HOST:PORT" },
	{ "same address in listen and socketmap", { "inet:127.0.0.1:7133" },
	    { "inet:127.0.0.1:7133" }, "policyd.listen[0] = \"inet:127.0.0.1:7133\" "
	    "and policyd.socketmap[0] = \"inet:127.0.0.1:7133\": the same address" },
	{ "same address, two spellings", { "inet:[::1]:7133" },
	    { "inet:0:0:0:0:0:0:0:1:7133" }, "the same address" },
	{ "wildcard and loopback on one port", { "inet:0.0.0.0:7133" },
	    { "inet:127.0.0.1:7133" }, "the same address" },
	{ "IPv6 wildcard takes IPv4", { "inet:127.0.0.1:7133" },
	    { "inet:[::]:7133" }, "the same address" },
	{ "same unix path twice", { "unix:/run/p.sock", "unix:/run/p.sock" },
	    { 0 }, "policyd.listen[0] = \"unix:/run/p.sock\" and policyd.listen[1]" },
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
		int	 rc;

		memset(&cp, 0, sizeof(cp));
		cp.listen = (char **)cases[i].listen;
		cp.nlisten = count(cases[i].listen);
		cp.socketmap = (char **)cases[i].socketmap;
		cp.nsocketmap = count(cases[i].socketmap);
		err[0] = '\0';
		rc = pl_check(&cp, err, sizeof(err));
		if (cases[i].error == NULL) {
			if (rc != 0)
				fail_msg("%s: refused: %s", cases[i].name, err);
		} else if (rc != -1 || strstr(err, cases[i].error) == NULL) {
			fail_msg("%s: rc %d, error \"%s\", wanted \"%s\"",
			    cases[i].name, rc, err, cases[i].error);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(settings_are_checked_as_a_whole),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
