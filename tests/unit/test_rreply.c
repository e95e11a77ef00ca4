/*
 * NAME
 *	test_rreply - what Redis's replies say about the server: error codes
 *	(also inside a script's error), READONLY and MASTERDOWN, HELLO's role
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "rreply.h"

static void
codes_are_found_at_the_start_or_after_a_dash(void **state)
{
	(void)state;
	assert_true(rreply_has_code("BUSY Redis is busy", "BUSY"));
	assert_true(rreply_has_code("BUSY", "BUSY"));
	assert_true(rreply_has_code("ERR Error running script (call to "
	    "f_5f2c): @user_script:12: @user_script: 12: -BUSY x", "BUSY"));
	assert_true(rreply_has_code("script ctl_create: BUSY x", "BUSY"));
	assert_true(rreply_has_code("Redis: SET: BUSY x", "BUSY"));
	assert_false(rreply_has_code("script x: BUSYNESS y", "BUSY"));
	assert_false(rreply_has_code("BUSYNESS is not it", "BUSY"));
	assert_false(rreply_has_code("ERR not BUSY at all", "BUSY"));
	assert_false(rreply_has_code("ERR x -BUSYNESS y", "BUSY"));
	assert_false(rreply_has_code("", "BUSY"));
	assert_false(rreply_has_code(NULL, "BUSY"));
}

static void
a_replica_in_every_form_redis_says_it(void **state)
{
	static const char *const yes[] = {
		"READONLY You can't write against a read only replica.",
		/* Redis 7: the code of the command that failed in a script */
		"READONLY You can't write against a read only replica. "
		    "script: 55c1d39c68b9d07d8881c5cf6a1781917183b4f2, on "
		    "@user_script:44.",
		/* Redis 6: nested in the script's error */
		"ERR Error running script (call to f_5f2c): @user_script:12: "
		    "@user_script: 12: -READONLY You can't write against a "
		    "read only slave.",
		/* replica-serve-stale-data no, the link to the primary down */
		"MASTERDOWN Link with MASTER is down and "
		    "replica-serve-stale-data is set to 'no'.",
	};
	static const char *const no[] = {
		"NOSCRIPT No matching script.",
		"OOM command not allowed when used memory > 'maxmemory'.",
		"ERR the word READONLY alone is not the code",
		"READONLYX not this one either",
		"",
		NULL,
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!rreply_replica(yes[i]))
			fail_msg("not a replica: %s", yes[i]);
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (rreply_replica(no[i]))
			fail_msg("a replica: %s", no[i] ? no[i] : "(null)");
}

/* a HELLO reply: names and values, strings unless a value is an integer */
struct fake {
	redisReply	 top;
	redisReply	 el[16];
	redisReply	*ptr[16];
};

static redisReply *
hello(struct fake *f, const char *const *kv, size_t n)
{
	size_t	 i;

	memset(f, 0, sizeof(*f));
	f->top.type = REDIS_REPLY_ARRAY;
	f->top.elements = n;
	f->top.element = f->ptr;
	for (i = 0; i < n; i++) {
		f->ptr[i] = &f->el[i];
		if (kv[i] == NULL) {
			f->el[i].type = REDIS_REPLY_INTEGER;
			f->el[i].integer = 7;
			continue;
		}
		f->el[i].type = REDIS_REPLY_STRING;
		f->el[i].str = (char *)kv[i];
		f->el[i].len = strlen(kv[i]);
	}
	return &f->top;
}

static void
the_role_from_hello(void **state)
{
	static const char *const primary[] = { "server", "redis", "version",
	    "7.0.15", "proto", NULL, "id", NULL, "mode", "standalone",
	    "role", "master", "modules" };
	static const char *const replica[] = { "server", "redis", "role",
	    "replica" };
	static const char *const slave[] = { "role", "slave" };
	static const char *const sentinel[] = { "role", "sentinel" };
	static const char *const none[] = { "server", "redis", "mode",
	    "standalone" };
	static const char *const odd[] = { "server", "redis", "role" };
	static const char *const number[] = { "role", NULL };
	/* a value that happens to be "role" is not the name */
	static const char *const shifted[] = { "x", "role", "replica", "y" };
	struct fake	 f;
	redisReply	 err;

	(void)state;
	assert_int_equal(rreply_role(hello(&f, primary, 13)),
	    RREPLY_ROLE_PRIMARY);
	assert_int_equal(rreply_role(hello(&f, replica, 4)),
	    RREPLY_ROLE_REPLICA);
	assert_int_equal(rreply_role(hello(&f, slave, 2)), RREPLY_ROLE_REPLICA);
	assert_int_equal(rreply_role(hello(&f, sentinel, 2)),
	    RREPLY_ROLE_UNKNOWN);
	assert_int_equal(rreply_role(hello(&f, none, 4)), RREPLY_ROLE_UNKNOWN);
	assert_int_equal(rreply_role(hello(&f, odd, 3)), RREPLY_ROLE_UNKNOWN);
	assert_int_equal(rreply_role(hello(&f, number, 2)),
	    RREPLY_ROLE_UNKNOWN);
	assert_int_equal(rreply_role(hello(&f, shifted, 4)),
	    RREPLY_ROLE_UNKNOWN);
	assert_int_equal(rreply_role(hello(&f, NULL, 0)), RREPLY_ROLE_UNKNOWN);
	/* Redis 5 has no HELLO; an ACL may deny it */
	memset(&err, 0, sizeof(err));
	err.type = REDIS_REPLY_ERROR;
	err.str = (char *)"ERR unknown command `HELLO`";
	err.len = strlen(err.str);
	assert_int_equal(rreply_role(&err), RREPLY_ROLE_UNKNOWN);
	assert_int_equal(rreply_role(NULL), RREPLY_ROLE_UNKNOWN);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(codes_are_found_at_the_start_or_after_a_dash),
		cmocka_unit_test(a_replica_in_every_form_redis_says_it),
		cmocka_unit_test(the_role_from_hello),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
