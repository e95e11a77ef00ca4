/*
 * NAME
 *	test_tracker_retry - which Redis error replies relay-tracker retries,
 *	and the backoff of the position save
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "tracker_retry.h"

static void
server_conditions_are_temporary(void **state)
{
	static const char *const t[] = {
		"OOM command not allowed when used memory > 'maxmemory'.",
		"OOM command not allowed when used memory > 'maxmemory'. "
		    "script: 5f2c, on @user_script:31.",
		"READONLY You can't write against a read only replica.",
		"LOADING Redis is loading the dataset in memory",
		"BUSY Redis is busy running a script.",
		"NOPERM this user has no permissions to run the 'get' command",
		/* Redis 7.0's words for a command the ACL denies in a script */
		"ERR The user executing the script can't run this command or "
		    "subcommand script: cf0c21475caba7ef8faef18c7256e67fb9c853d7, "
		    "on @user_script:1.",
		"ERR The user executing the script can't access at least one "
		    "of the keys mentioned in the command script: 5f2c, on "
		    "@user_script:12.",
		"NOPERM this user has no permissions to access one of the keys "
		    "used as arguments",
		"MASTERDOWN Link with MASTER is down",
		"MISCONF Redis is configured to save RDB snapshots",
		"NOSCRIPT No matching script.",
		"CLUSTERDOWN The cluster is down",
		/* Redis 6 nests the code of a command inside the script */
		"ERR Error running script (call to f_5f2c): @user_script:31: "
		    "@user_script: 31: -OOM command not allowed when used memory",
		"ERR Error running script (call to f_5f2c): @user_script:12: "
		    "@user_script: 12: -READONLY You can't write",
		/* something unknown: retry */
		"ERR max number of clients reached",
		"SOMETHINGNEW we have never seen this",
		/* a longer word that starts with a code is not that code */
		"WRONGTYPES are not a code we know",
		"",
		NULL,
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (tracker_retry_reply(t[i]) != TRACKER_REPLY_TEMP)
			fail_msg("not temporary: %s", t[i] ? t[i] : "(null)");
}

static void
the_scripts_own_errors_are_told_apart(void **state)
{
	static const char *const t[] = {
		"ERR user_script:57: attempt to perform arithmetic on a nil "
		    "value script: 5f2c, on @user_script:57.",
		"ERR Error running script (call to f_5f2c): @user_script:57: "
		    "user_script:57: attempt to compare nil with number",
		"ERR Wrong number of args calling Redis command from script "
		    "script: 5f2c, on @user_script:40.",
		/* a hyphen in the text is no nested code ("-key " is none) */
		"ERR user_script:5: bad argument #2 to 'hget' (string "
		    "expected, got no-key value) script: 5f2c, on "
		    "@user_script:5.",
		"ERR Error running script (call to f_5f2c): @user_script:9: "
		    "user_script:9: -OOMISH is no code of a server condition",
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (tracker_retry_reply(t[i]) != TRACKER_REPLY_SCRIPT)
			fail_msg("not the script's own: %s", t[i]);
}

static void
a_key_of_the_wrong_type_is_the_events_failure(void **state)
{
	static const char *const t[] = {
		"WRONGTYPE Operation against a key holding the wrong kind of "
		    "value",
		/* Redis 7.0, HINCRBY on a corrupted :soft inside the script */
		"WRONGTYPE Operation against a key holding the wrong kind of "
		    "value script: 5f2c, on @user_script:171.",
		/* Redis 6 nests it */
		"ERR Error running script (call to f_5f2c): @user_script:171: "
		    "WRONGTYPE Operation against a key holding the wrong kind",
		/* the code alone */
		"WRONGTYPE",
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (tracker_retry_reply(t[i]) != TRACKER_REPLY_DATA)
			fail_msg("not the event's data: %s", t[i]);
}

static void
the_save_backoff_doubles_to_a_cap(void **state)
{
	(void)state;
	assert_int_equal(tracker_retry_delay_ms(0), 200);
	assert_int_equal(tracker_retry_delay_ms(1), 200);
	assert_int_equal(tracker_retry_delay_ms(2), 400);
	assert_int_equal(tracker_retry_delay_ms(3), 800);
	assert_int_equal(tracker_retry_delay_ms(8), 25600);
	assert_int_equal(tracker_retry_delay_ms(9), 30000);
	assert_int_equal(tracker_retry_delay_ms(1000000), 30000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(server_conditions_are_temporary),
		cmocka_unit_test(the_scripts_own_errors_are_told_apart),
		cmocka_unit_test(a_key_of_the_wrong_type_is_the_events_failure),
		cmocka_unit_test(the_save_backoff_doubles_to_a_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
