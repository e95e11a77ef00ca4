/*
 * NAME
 *	test_rswitch - which replies on Sentinel's +switch-master
 *	subscription move the connections, and where to
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "rswitch.h"
#include "reply_fixture.h"

/* check - the message (kind, channel, payload) for master "relay" */
static int
check(const char *kind, const char *channel, const char *payload,
    char *from, char *to)
{
	redisReply	 top, el[3], *ptr[3];

	memset(&top, 0, sizeof(top));
	top.type = REDIS_REPLY_ARRAY;
	top.element = ptr;
	top.elements = 3;
	ptr[0] = reply_str(&el[0], kind);
	ptr[1] = reply_str(&el[1], channel);
	ptr[2] = reply_str(&el[2], payload);
	return rswitch_message(&top, "relay", from, 300, to, 300);
}

static void
a_switch_of_our_primary(void **state)
{
	char	 from[300], to[300];

	(void)state;
	assert_int_equal(check("message", "+switch-master",
	    "relay 127.0.0.1 6379 127.0.0.1 6380", from, to), 1);
	assert_string_equal(from, "127.0.0.1:6379");
	assert_string_equal(to, "127.0.0.1:6380");
	/* IPv6 addresses come bare: bracketed here, as rconn names them */
	assert_int_equal(check("message", "+switch-master",
	    "relay ::1 6379 2001:db8::7 26380", from, to), 1);
	assert_string_equal(from, "[::1]:6379");
	assert_string_equal(to, "[2001:db8::7]:26380");
	/* names, as Sentinel gives them with resolve-hostnames */
	assert_int_equal(check("message", "+switch-master",
	    "relay redis-a.example 6379 redis-b.example 6379", from, to), 1);
	assert_string_equal(to, "redis-b.example:6379");
}

static void
everything_else_moves_nothing(void **state)
{
	static const struct {
		const char *kind, *channel, *payload;
	} other[] = {
		{ "subscribe", "+switch-master", "1" },
		{ "message", "+switch-master",
		    "other 127.0.0.1 6379 127.0.0.1 6380" },
		{ "message", "+switch-master",
		    "relay2 127.0.0.1 6379 127.0.0.1 6380" },
		{ "message", "+sdown", "relay 127.0.0.1 6379 127.0.0.1 6380" },
		{ "pmessage", "+switch-master",
		    "relay 127.0.0.1 6379 127.0.0.1 6380" },
		{ "message", "+switch-master",
		    "relay 127.0.0.1 6379 127.0.0.1" },
		{ "message", "+switch-master",
		    "relay 127.0.0.1 6379 127.0.0.1 6380 x" },
		{ "message", "+switch-master",
		    "relay 127.0.0.1 6379 127.0.0.1 0" },
		{ "message", "+switch-master",
		    "relay 127.0.0.1 6379 127.0.0.1 65536" },
		{ "message", "+switch-master",
		    "relay 127.0.0.1 6379 127.0.0.1 63x0" },
		{ "message", "+switch-master", "" },
	};
	char	 from[300], to[300];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(other) / sizeof(other[0]); i++)
		if (check(other[i].kind, other[i].channel, other[i].payload,
		    from, to) != 0)
			fail_msg("taken: %s %s \"%s\"", other[i].kind,
			    other[i].channel, other[i].payload);
}

static void
replies_of_other_shapes(void **state)
{
	redisReply	 top, el[3], *ptr[3], err;
	char		 from[300], to[300];

	(void)state;
	assert_int_equal(rswitch_message(NULL, "relay", from, sizeof(from), to,
	    sizeof(to)), 0);
	reply_str(&err, "ERR unknown command");
	err.type = REDIS_REPLY_ERROR;
	assert_int_equal(rswitch_message(&err, "relay", from, sizeof(from), to,
	    sizeof(to)), 0);
	memset(&top, 0, sizeof(top));
	top.type = REDIS_REPLY_ARRAY;
	top.element = ptr;
	ptr[0] = reply_str(&el[0], "message");
	ptr[1] = reply_str(&el[1], "+switch-master");
	ptr[2] = reply_str(&el[2], "relay 127.0.0.1 6379 127.0.0.1 6380");
	top.elements = 2;
	assert_int_equal(rswitch_message(&top, "relay", from, sizeof(from), to,
	    sizeof(to)), 0);
	top.elements = 3;
	el[2].type = REDIS_REPLY_INTEGER;
	assert_int_equal(rswitch_message(&top, "relay", from, sizeof(from), to,
	    sizeof(to)), 0);
	/* an address longer than the caller's buffer: not taken */
	el[2].type = REDIS_REPLY_STRING;
	assert_int_equal(rswitch_message(&top, "relay", from, sizeof(from), to,
	    8), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_switch_of_our_primary),
		cmocka_unit_test(everything_else_moves_nothing),
		cmocka_unit_test(replies_of_other_shapes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
