/*
 * NAME
 *	test_conf_diff - what a reload changed: strings, lists, redis.*, and
 *	the restart_needed= list
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "conf_diff.h"

static void
strings_take_null_as_empty(void **state)
{
	(void)state;
	assert_int_equal(conf_diff_str(NULL, NULL), 0);
	assert_int_equal(conf_diff_str(NULL, ""), 0);
	assert_int_equal(conf_diff_str("a", "a"), 0);
	assert_int_equal(conf_diff_str("a", NULL), 1);
	assert_int_equal(conf_diff_str("a", "b"), 1);
}

static void
lists_differ_in_length_content_or_order(void **state)
{
	char	*a[] = { "unix:/a", "inet:127.0.0.1:1" };
	char	*b[] = { "unix:/a", "inet:127.0.0.1:1" };
	char	*c[] = { "inet:127.0.0.1:1", "unix:/a" };

	(void)state;
	assert_int_equal(conf_diff_list(a, 2, b, 2), 0);
	assert_int_equal(conf_diff_list(a, 0, NULL, 0), 0);
	assert_int_equal(conf_diff_list(a, 2, b, 1), 1);
	assert_int_equal(conf_diff_list(a, 2, c, 2), 1);
}

static void
every_redis_setting_counts(void **state)
{
	char		*s1[] = { "10.0.0.5:26379" };
	char		*s2[] = { "10.0.0.5:26379", "10.0.0.6:26379" };
	struct conf_redis a = { "/run/redis.sock", "127.0.0.1", 6379, "",
	    "pw1", 0, 500, 100, 5000, s1, 1, "mymaster", "", 0, 200 };
	struct conf_redis b;

	(void)state;
	b = a;
	assert_int_equal(conf_diff_redis(&a, &b), 0);
	b.password = "pw2";
	assert_int_equal(conf_diff_redis(&a, &b), 1);
	b = a;
	b.password = NULL;
	a.password = "";
	assert_int_equal(conf_diff_redis(&a, &b), 0);
	b = a; b.db = 1;
	assert_int_equal(conf_diff_redis(&a, &b), 1);
	b = a; b.socket = "/other.sock";
	assert_int_equal(conf_diff_redis(&a, &b), 1);
	b = a; b.user = "relay";
	assert_int_equal(conf_diff_redis(&a, &b), 1);
	b = a; b.port = 6380;
	assert_int_equal(conf_diff_redis(&a, &b), 1);
	b = a; b.timeout_ms = 600;
	assert_int_equal(conf_diff_redis(&a, &b), 1);
	assert_int_equal(conf_diff_redis_link(&a, &b), 0);
	b = a; b.user = "relay";
	assert_int_equal(conf_diff_redis_link(&a, &b), 1);
	b = a; b.reconnect_max_ms = 1000;
	assert_int_equal(conf_diff_redis(&a, &b), 1);
	/* the sentinels name another server: a new connection */
	b = a; b.sentinels = s2; b.nsentinels = 2;
	assert_int_equal(conf_diff_redis_link(&a, &b), 1);
	b = a; b.sentinel_master = "other";
	assert_int_equal(conf_diff_redis_link(&a, &b), 1);
	b = a; b.sentinel_password = "spw";
	assert_int_equal(conf_diff_redis_link(&a, &b), 1);
	/* but WAIT's settings need no new connection: read at each use */
	b = a; b.wait_replicas = 1; b.wait_ms = 300;
	assert_int_equal(conf_diff_redis(&a, &b), 0);
}

static void
notes_make_a_comma_list_cut_at_the_buffer(void **state)
{
	char	 buf[32] = "";
	char	 small[12] = "";

	(void)state;
	conf_diff_note(buf, sizeof(buf), 0, "a.b");
	assert_string_equal(buf, "");
	conf_diff_note(buf, sizeof(buf), 1, "policyd.listen");
	conf_diff_note(buf, sizeof(buf), 1, "daemon.user");
	assert_string_equal(buf, "policyd.listen,daemon.user");
	conf_diff_note(small, sizeof(small), 1, "policyd.listen");
	assert_string_equal(small, "policyd.lis");
	conf_diff_note(small, sizeof(small), 1, "x");
	assert_string_equal(small, "policyd.lis");
	conf_diff_note(small, 0, 1, "x");
}

static void
daemon_settings_are_noted_together(void **state)
{
	struct relay_conf a, b;
	char		 buf[64] = "";

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.daemon.user = "relay";
	b.daemon.user = "relay";
	conf_diff_note_daemon(buf, sizeof(buf), &a, &b);
	assert_string_equal(buf, "");
	b.daemon.user = "other";
	b.daemon.group = "mail";
	conf_diff_note_daemon(buf, sizeof(buf), &a, &b);
	assert_string_equal(buf, "daemon.user,daemon.group");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(strings_take_null_as_empty),
		cmocka_unit_test(lists_differ_in_length_content_or_order),
		cmocka_unit_test(every_redis_setting_counts),
		cmocka_unit_test(notes_make_a_comma_list_cut_at_the_buffer),
		cmocka_unit_test(daemon_settings_are_noted_together),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
