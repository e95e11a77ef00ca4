/*
 * NAME
 *	test_log - escaping of network bytes and key=value lines
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "log.h"

static const struct {
	const char	*name;
	const char	*in;
	size_t		 inlen;
	const char	*out;
} cases[] = {
	{ "plain text is kept", "hello", 5, "hello" },
	{ "CR LF become hex", "a\r\nb", 4, "a\\x0d\\x0ab" },
	{ "NUL inside is escaped", "a\0b", 3, "a\\x00b" },
	{ "quote and backslash", "\"\\", 2, "\\\"\\\\" },
	{ "high bytes are escaped", "\xc3\xa9", 2, "\\xc3\\xa9" },
	{ "DEL is escaped", "\x7f", 1, "\\x7f" },
	{ "empty", "", 0, "" },
};

static void
escape_table(void **state)
{
	char	 buf[128];
	size_t	 i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = log_escape(buf, sizeof(buf), cases[i].in, cases[i].inlen);
		if (strcmp(buf, cases[i].out) != 0)
			fail_msg("%s: got \"%s\" want \"%s\"", cases[i].name,
			    buf, cases[i].out);
		assert_int_equal(n, strlen(buf));
	}
}

static void
escape_cuts_at_whole_sequences(void **state)
{
	char	 buf[10];

	log_escape(buf, sizeof(buf), "\r\r\r\r\r\r", 6);
	/* Never half an escape: "\x0d..." fits, "\x0d\x" would not. */
	assert_string_equal(buf, "\\x0d...");
	log_escape(buf, sizeof(buf), "abcdefghijklmnop", 16);
	assert_string_equal(buf, "abcdef...");
}

static void
kv_line_has_qid_first_and_quotes_when_needed(void **state)
{
	struct logkv kv;

	logkv_init(&kv, "4jXSHS51kwz1bb8Y");
	logkv_str(&kv, "member", "alice");
	logkv_str(&kv, "reason", "bounce rate 12%");
	logkv_str(&kv, "from", "evil\r\nqid=forged");
	logkv_int(&kv, "count", 37);
	logkv_str(&kv, "empty", "");
	assert_string_equal(kv.buf, "qid=4jXSHS51kwz1bb8Y member=alice "
	    "reason=\"bounce rate 12%\" from=\"evil\\x0d\\x0aqid=forged\" "
	    "count=37 empty=\"\"");
}

static void
kv_without_qid_says_noqueue(void **state)
{
	struct logkv kv;

	logkv_init(&kv, NULL);
	assert_string_equal(kv.buf, "qid=NOQUEUE");
	logkv_init(&kv, "");
	assert_string_equal(kv.buf, "qid=NOQUEUE");
}

static void
kv_line_never_overflows(void **state)
{
	struct logkv kv;
	char	 big[5000];
	int	 i;

	memset(big, '\n', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	logkv_init(&kv, "Q");
	for (i = 0; i < 10; i++)
		logkv_str(&kv, "k", big);
	assert_true(kv.len < LOGKV_MAX);
	assert_int_equal(strlen(kv.buf), kv.len);
	assert_null(strchr(kv.buf, '\n'));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(escape_table),
		cmocka_unit_test(escape_cuts_at_whole_sequences),
		cmocka_unit_test(kv_line_has_qid_first_and_quotes_when_needed),
		cmocka_unit_test(kv_without_qid_says_noqueue),
		cmocka_unit_test(kv_line_never_overflows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
