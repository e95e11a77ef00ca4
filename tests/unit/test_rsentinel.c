/*
 * NAME
 *	test_rsentinel - redis.sentinels entries, and what a sentinel's
 *	SENTINEL get-master-addr-by-name reply says
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "rsentinel.h"
#include "reply_fixture.h"

static void
entries_are_host_and_port(void **state)
{
	static const struct {
		const char	*spec, *host;
		int		 port;
	} good[] = {
		{ "10.0.0.5:26380", "10.0.0.5", 26380 },
		{ "10.0.0.5", "10.0.0.5", RSENTINEL_PORT },
		{ "sentinel-1.example:1", "sentinel-1.example", 1 },
		{ "[::1]:26379", "::1", 26379 },
		{ "[2001:db8::5]", "2001:db8::5", RSENTINEL_PORT },
		{ "2001:db8::5", "2001:db8::5", RSENTINEL_PORT },
		{ "s:65535", "s", 65535 },
	};
	static const char *const bad[] = {
		"", ":26379", "h:", "h:0", "h:65536", "h:12x", "h:-1",
		"[::1", "[::1]x", "[::1]:", "[]:1", "h h:1", "h/x:1",
		"[::1]:99999",
	};
	char	 host[RSENTINEL_HOST_MAX], big[400];
	int	 port;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (rsentinel_spec(good[i].spec, host, sizeof(host),
		    &port) != 0)
			fail_msg("refused: %s", good[i].spec);
		assert_string_equal(host, good[i].host);
		assert_int_equal(port, good[i].port);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (rsentinel_spec(bad[i], host, sizeof(host), &port) == 0)
			fail_msg("taken: \"%s\"", bad[i]);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(rsentinel_spec(big, host, sizeof(host), &port), -1);
}

static void
the_reply_names_the_primary(void **state)
{
	redisReply	 top, el[3], *ptr[3], nil, err;
	char		 host[RSENTINEL_HOST_MAX], why[200];
	int		 port = 0;

	(void)state;
	memset(&top, 0, sizeof(top));
	top.type = REDIS_REPLY_ARRAY;
	top.element = ptr;
	ptr[0] = reply_str(&el[0], "10.0.0.7");
	ptr[1] = reply_str(&el[1], "6380");
	top.elements = 2;
	assert_int_equal(rsentinel_reply(&top, host, sizeof(host), &port, why,
	    sizeof(why)), 0);
	assert_string_equal(host, "10.0.0.7");
	assert_int_equal(port, 6380);
	/* not a port, or one element more or less: another shape */
	reply_str(&el[1], "63x0");
	assert_int_equal(rsentinel_reply(&top, host, sizeof(host), &port, why,
	    sizeof(why)), -1);
	assert_non_null(strstr(why, "another shape"));
	reply_str(&el[1], "6380");
	ptr[2] = reply_str(&el[2], "x");
	top.elements = 3;
	assert_int_equal(rsentinel_reply(&top, host, sizeof(host), &port, why,
	    sizeof(why)), -1);
	top.elements = 1;
	assert_int_equal(rsentinel_reply(&top, host, sizeof(host), &port, why,
	    sizeof(why)), -1);
	/* nil: no primary of that name */
	memset(&nil, 0, sizeof(nil));
	nil.type = REDIS_REPLY_NIL;
	assert_int_equal(rsentinel_reply(&nil, host, sizeof(host), &port, why,
	    sizeof(why)), 1);
	/* an error reply says why in its own words */
	reply_str(&err, "NOAUTH Authentication required.");
	err.type = REDIS_REPLY_ERROR;
	assert_int_equal(rsentinel_reply(&err, host, sizeof(host), &port, why,
	    sizeof(why)), -1);
	assert_string_equal(why, "NOAUTH Authentication required.");
	assert_int_equal(rsentinel_reply(NULL, host, sizeof(host), &port, why,
	    sizeof(why)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(entries_are_host_and_port),
		cmocka_unit_test(the_reply_names_the_primary),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
