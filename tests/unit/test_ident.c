/*
 * NAME
 *	test_ident - member handles and DIDs
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "ident.h"

static void
handles(void **state)
{
	static const struct { const char *in, *out; } ok[] = {
		{ "alice", "alice" }, { "Alice", "alice" }, { "a", "a" },
		{ "bob-2_x", "bob-2_x" }, { "9lives", "9lives" },
		{ "abcdefghijklmnopqrstuvwxyz012345", "abcdefghijklmnopqrstuvwxyz012345" },
	};
	static const char *bad[] = { "", "-alice", "_a", "a.b", "a b", "a@b",
	    "a{b}", "abcdefghijklmnopqrstuvwxyz0123456", "caf\xc3\xa9", "a\r\n" };
	char		 out[64];
	const char	*why;
	size_t		 i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (ident_handle_norm(ok[i].in, out, sizeof(out), &why) != 0)
			fail_msg("%s refused: %s", ok[i].in, why);
		assert_string_equal(out, ok[i].out);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		snprintf(out, sizeof(out), "stale");
		if (ident_handle_norm(bad[i], out, sizeof(out), &why) == 0)
			fail_msg("\"%s\" accepted", bad[i]);
		assert_non_null(why);
		/* nothing half-copied (or left over) to be logged as a member */
		assert_string_equal(out, "");
	}
}

static void
dids(void **state)
{
	static const char *ok[] = { "did:plc:abcdefghijklmnopqrstuvwx",
	    "did:plc:234567abcdefghijklmnopqr", "did:web:example.com",
	    "did:web:example.com:user:alice" };
	static const char *bad[] = { "", "did:plc:", "did:plc:short",
	    "did:plc:ABCDEFGHIJKLMNOPQRSTUVWX", "did:plc:abcdefghijklmnopqrstuvwx1",
	    "did:plc:abcdefghijklmnopqrstuvw0", "did:web:", "did:web:Example.com",
	    "did:web:localhost", "did:web:example.com:", "did:key:z6Mk",
	    "plc:abcdefghijklmnopqrstuvwx", "did:web:exa mple.com" };
	const char	*why;
	size_t		 i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (ident_did_check(ok[i], &why) != 0)
			fail_msg("%s refused: %s", ok[i], why);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (ident_did_check(bad[i], &why) == 0)
			fail_msg("\"%s\" accepted", bad[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(handles),
		cmocka_unit_test(dids),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
