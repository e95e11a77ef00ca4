/*
 * NAME
 *	test_mime - the pieces of policyd/mime.c the complaint report reader
 *	is built on: base64 and quoted-printable decoding (damaged input
 *	included), Content-Transfer-Encoding and Content-Type reading
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mime.h"

/* The decoders and the Content-Type reader of mime.c. */
static void
mime_pieces(void **state)
{
	static const struct {
		int		 cte;
		const char	*in, *out;
	} dc[] = {
		{ MIME_CTE_BASE64, "aGVs\nbG8=", "hello" },
		{ MIME_CTE_BASE64, "a G*V\r\nsbG8", "hello" },
		{ MIME_CTE_BASE64, "aGVsbG8=gar", "hello" },
		{ MIME_CTE_BASE64, "QQ", "A" },
		{ MIME_CTE_BASE64, "", "" },
		{ MIME_CTE_QP, "a=3Db=3db", "a=b=b" },
		{ MIME_CTE_QP, "soft=\r\nbreak= \t\nx", "softbreakx" },
		{ MIME_CTE_QP, "bad=zz=4", "bad=zz=4" },
		{ MIME_CTE_QP, "end=", "end" },
		{ MIME_CTE_IDENTITY, "as is=3D", "as is=3D" },
	};
	struct mime_ctype	 ct;
	char			*o;
	size_t			 i, n;

	(void)state;
	for (i = 0; i < sizeof(dc) / sizeof(dc[0]); i++) {
		o = mime_decode(dc[i].cte, dc[i].in, strlen(dc[i].in), &n);
		if (n != strlen(dc[i].out) || strcmp(o, dc[i].out) != 0)
			fail_msg("decode %zu: '%s'", i, o);
		free(o);
	}
	assert_int_equal(mime_cte_parse(" Base64 (x)", 11), MIME_CTE_BASE64);
	assert_int_equal(mime_cte_parse("quoted-printable", 16), MIME_CTE_QP);
	assert_int_equal(mime_cte_parse("8bit", 4), MIME_CTE_IDENTITY);
	assert_int_equal(mime_ctype_parse("text", 4, &ct), -1);
	assert_string_equal(ct.type, "");
	assert_int_equal(mime_ctype_parse("a/b; boundary=\"x", 16, &ct), 0);
	assert_string_equal(ct.boundary, "");
	assert_int_equal(mime_ctype_parse("a/b; boundary=\"x\r\n y\"", 22,
	    &ct), 0);
	assert_string_equal(ct.boundary, "x y");
	assert_int_equal(mime_ctype_parse("a/b; report-type=\"a b\"", 22,
	    &ct), 0);
	assert_string_equal(ct.report_type, "?");
	assert_int_equal(mime_ctype_parse("A/B;boundary=1;boundary=2;", 26,
	    &ct), 0);
	assert_string_equal(ct.type, "a");
	assert_string_equal(ct.subtype, "b");
	assert_string_equal(ct.boundary, "1");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(mime_pieces),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
