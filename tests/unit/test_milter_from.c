/*
 * test_milter_from - the From: header parser (milter/from.c), table-driven:
 * ordinary forms, the hostile forms of issue 3, and limits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "from.h"

struct tcase {
	const char	*name;
	const char	*value;
	int		 want;		/* FROM_OK or FROM_E* */
	const char	*addr;		/* expected address when FROM_OK */
};

static const struct tcase cases[] = {
	/* ordinary */
	{ "bare addr-spec", "a@alice.test", FROM_OK, "a@alice.test" },
	{ "leading space", "  a@alice.test  ", FROM_OK, "a@alice.test" },
	{ "angle only", "<a@alice.test>", FROM_OK, "a@alice.test" },
	{ "display name", "Alice Example <a@alice.test>", FROM_OK, "a@alice.test" },
	{ "upper case normalised", "A <Bob.Smith@Alice.TEST>", FROM_OK, "bob.smith@alice.test" },
	{ "dotted local part", "first.last@alice.test", FROM_OK, "first.last@alice.test" },
	{ "atext specials", "a+tag!#$%&'*/=?^_`{|}~-x@alice.test", FROM_OK,
	  "a+tag!#$%&'*/=?^_`{|}~-x@alice.test" },
	{ "subdomain", "x <n@mail.alice.test>", FROM_OK, "n@mail.alice.test" },
	{ "trailing comma (empty element)", "a@alice.test,", FROM_OK, "a@alice.test" },
	{ "leading empty elements", ", ,a@alice.test", FROM_OK, "a@alice.test" },
	/* quoted strings with specials inside */
	{ "quoted name with <>", "\"Evil <x@other.test>\" <a@alice.test>", FROM_OK, "a@alice.test" },
	{ "quoted name with comma", "\"Doe, John\" <a@alice.test>", FROM_OK, "a@alice.test" },
	{ "quoted name with @", "\"a@other.test\" <a@alice.test>", FROM_OK, "a@alice.test" },
	{ "quoted name with escaped quote", "\"say \\\"hi\\\" <x@y.test>\" <a@alice.test>",
	  FROM_OK, "a@alice.test" },
	{ "quoted name with backslash-paren", "\"a\\(b\" <a@alice.test>", FROM_OK, "a@alice.test" },
	{ "quoted local part", "\"john doe\"@alice.test", FROM_OK, "\"john doe\"@alice.test" },
	/* comments */
	{ "comment after", "a@alice.test (Alice)", FROM_OK, "a@alice.test" },
	{ "comment with address", "a@alice.test (b@other.test)", FROM_OK, "a@alice.test" },
	{ "comment with <addr>", "(<b@other.test>) <a@alice.test>", FROM_OK, "a@alice.test" },
	{ "nested comment", "(x (y <b@other.test>) z) a@alice.test", FROM_OK, "a@alice.test" },
	{ "comment inside addr", "<a(c)@(d)alice.test>", FROM_OK, "a@alice.test" },
	{ "comment escaped paren", "(a \\) <b@o.test>) a@alice.test", FROM_OK, "a@alice.test" },
	/* RFC 2047 encoded words are opaque atoms */
	{ "encoded word name", "=?utf-8?B?QWxpY2U=?= <a@alice.test>", FROM_OK, "a@alice.test" },
	{ "encoded word hiding address", "=?utf-8?Q?b=40other=2Etest?= <a@alice.test>",
	  FROM_OK, "a@alice.test" },
	{ "encoded words quoted", "\"=?utf-8?Q?a_<b@c.test>?=\" <a@alice.test>", FROM_OK, "a@alice.test" },
	{ "utf-8 display name", "J\xc3\xbcrgen <a@alice.test>", FROM_OK, "a@alice.test" },
	/* folding */
	{ "folded before angle", "Alice\r\n <a@alice.test>", FROM_OK, "a@alice.test" },
	{ "folded LF only", "Alice\n\t<a@alice.test>", FROM_OK, "a@alice.test" },
	{ "folded inside quoted name", "\"Ali\r\n ce\" <a@alice.test>", FROM_OK, "a@alice.test" },
	/* groups (RFC 6854) */
	{ "group of one", "Team: a@alice.test;", FROM_OK, "a@alice.test" },
	{ "group of one with name", "Team: Alice <a@alice.test> ;", FROM_OK, "a@alice.test" },
	{ "empty group", "undisclosed-recipients:;", FROM_ENOADDR, NULL },
	{ "group of two", "Team: a@alice.test, b@alice.test;", FROM_EMANY, NULL },
	{ "group then address", "T: a@alice.test;, b@other.test", FROM_EMANY, NULL },
	{ "unclosed group", "Team: a@alice.test", FROM_EGROUP, NULL },
	{ "nested group", "A: B: a@alice.test;;", FROM_EGROUP, NULL },
	{ "group without name", ": a@alice.test;", FROM_ESYNTAX, NULL },
	/* missing or several addresses */
	{ "empty", "", FROM_ENOADDR, NULL },
	{ "white space only", " \r\n\t", FROM_ENOADDR, NULL },
	{ "comment only", "(nobody)", FROM_ENOADDR, NULL },
	{ "empty angle", "<>", FROM_ENOADDR, NULL },
	{ "two addresses", "a@alice.test, b@other.test", FROM_EMANY, NULL },
	{ "two angle addresses", "A <a@alice.test>, B <b@other.test>", FROM_EMANY, NULL },
	{ "second hidden after name", "<a@alice.test>, \"x\" <b@other.test>", FROM_EMANY, NULL },
	/* garbage and tricks */
	{ "name without address", "Alice", FROM_ENOAT, NULL },
	{ "unquoted comma in name", "Doe, John <a@alice.test>", FROM_ENOAT, NULL },
	{ "addr-spec then angle", "a@alice.test <b@other.test>", FROM_ESYNTAX, NULL },
	{ "angle then addr", "<a@alice.test> b@other.test", FROM_ESYNTAX, NULL },
	{ "two ats", "a@b.test@alice.test", FROM_ESYNTAX, NULL },
	{ "two angles", "<<a@alice.test>>", FROM_ESYNTAX, NULL },
	{ "words before @", "John Smith@alice.test", FROM_EADDR, NULL },
	{ "unterminated quote", "\"Alice <a@alice.test>", FROM_EUNTERM, NULL },
	{ "unterminated comment", "(Alice <a@alice.test>", FROM_EUNTERM, NULL },
	{ "unterminated angle", "Alice <a@alice.test", FROM_EUNTERM, NULL },
	{ "angle without at", "Alice <alice>", FROM_ENOAT, NULL },
	{ "stray close paren", "a@alice.test)", FROM_ESYNTAX, NULL },
	{ "stray backslash", "\\a@alice.test", FROM_ESYNTAX, NULL },
	{ "source route", "<@relay.test:a@alice.test>", FROM_EROUTE, NULL },
	{ "empty local part", "@alice.test", FROM_EADDR, NULL },
	{ "empty domain", "a@", FROM_EADDR, NULL },
	{ "trailing dot domain part", "a@alice.test.", FROM_EADDR, NULL },
	{ "double dot local", "a..b@alice.test", FROM_EADDR, NULL },
	{ "leading dot local", ".a@alice.test", FROM_EADDR, NULL },
	{ "trailing dot local", "a.@alice.test", FROM_EADDR, NULL },
	{ "single-label domain", "a@localhost", FROM_EADDR, NULL },
	{ "domain literal", "a@[192.0.2.1]", FROM_EADDR, NULL },
	{ "unterminated literal", "a@[192.0.2.1", FROM_EUNTERM, NULL },
	{ "semicolon outside group", "a@alice.test;", FROM_ESYNTAX, NULL },
	{ "control character", "Al\x01ice <a@alice.test>", FROM_ECTRL, NULL },
	{ "control in quoted", "\"Al\x1b\" <a@alice.test>", FROM_ECTRL, NULL },
	{ "DEL character", "a\x7f@alice.test", FROM_ECTRL, NULL },
	{ "deep comments", "((((((((((((((((((x))))))))))))))))) a@alice.test", FROM_ETOOLONG, NULL },
	/* edges (mutation pass 2): the character classes at their bounds */
	{ "atext 0x80 (first non-ASCII byte)", "J\x80 <a@alice.test>", FROM_OK, "a@alice.test" },
	{ "atext z and Z", "zZ <z@alice.test>", FROM_OK, "z@alice.test" },
	{ "atext 0 and 9", "09 <a09@alice.test>", FROM_OK, "a09@alice.test" },
	{ "control 0x1f (last control)", "Al\x1fice <a@alice.test>", FROM_ECTRL, NULL },
	{ "control 0x1f in comment", "(x\x1f) a@alice.test", FROM_ECTRL, NULL },
	/* comments: the nesting limit exactly, quoted pairs */
	{ "comments nested exactly the limit", "((((((((((((((((x)))))))))))))))) a@alice.test",
	  FROM_OK, "a@alice.test" },
	{ "comments nested one over the limit", "(((((((((((((((((x))))))))))))))))) a@alice.test",
	  FROM_ETOOLONG, NULL },
	{ "comment quoted pair of a control", "(a\\\x01) a@alice.test", FROM_ECTRL, NULL },
	{ "comment quoted pair of 0x1f", "(\\\x1f) a@alice.test", FROM_ECTRL, NULL },
	{ "comment ends in a backslash", "a@alice.test (x\\", FROM_EUNTERM, NULL },
	/* quoted strings and domain literals */
	{ "empty quoted name", "\"\" <a@alice.test>", FROM_OK, "a@alice.test" },
	{ "quoted name holding [", "\"[x\" <a@alice.test>", FROM_OK, "a@alice.test" },
	{ "quoted pair of a control", "\"a\\\x01\" <a@alice.test>", FROM_ECTRL, NULL },
	{ "quoted string ends in a backslash", "\"a\\", FROM_EUNTERM, NULL },
	{ "domain literal holding [", "a@[192.0[2.1]", FROM_ESYNTAX, NULL },
	{ "domain literal as a name", "[x] <a@alice.test>", FROM_ESYNTAX, NULL },
	{ "domain literal alone", "[x]", FROM_ESYNTAX, NULL },
	{ "domain literal after an address", "a@alice.test, [x]", FROM_ESYNTAX, NULL },
	/* lists and groups */
	{ "leading semicolon", ";a@alice.test", FROM_ESYNTAX, NULL },
	{ "two mailboxes in a group without a comma", "G: a@alice.test b@other.test;",
	  FROM_ESYNTAX, NULL },
};

static void
test_table(void **state)
{
	size_t i;
	int bad = 0;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct tcase *c = &cases[i];
		struct from_result r;
		int got = from_parse(c->value, strlen(c->value), &r);

		if (got != c->want) {
			print_error("%s: %s: got %d (%s), want %d\n", c->name,
			    c->value, got, from_strerror(got), c->want);
			bad++;
			continue;
		}
		if (c->want == FROM_OK) {
			assert_string_equal(r.addr, c->addr);
			assert_string_equal(r.domain, strrchr(c->addr, '@') + 1);
			assert_int_equal(r.naddr, 1);
		} else {
			assert_string_equal(r.addr, "");
			assert_string_equal(r.domain, "");
		}
	}
	assert_int_equal(bad, 0);
}

/* An embedded NUL is a control character, not the end of the value. */
static void
test_nul_inside(void **state)
{
	static const char v[] = "a@alice.test\0b@other.test";
	struct from_result r;

	(void)state;
	assert_int_equal(from_parse(v, sizeof(v) - 1, &r), FROM_ECTRL);
}

/* Only len bytes are read: no NUL terminator needed. */
static void
test_not_terminated(void **state)
{
	char v[12];
	struct from_result r;

	(void)state;
	memcpy(v, "a@alice.testXXXX", sizeof(v));
	assert_int_equal(from_parse(v, sizeof(v), &r), FROM_OK);
	assert_string_equal(r.addr, "a@alice.test");
}

static void
test_too_long(void **state)
{
	size_t n = FROM_VALUE_MAX + 1, i;
	char *v = malloc(n);
	struct from_result r;

	(void)state;
	assert_non_null(v);
	for (i = 0; i < n; i++)
		v[i] = 'x';
	assert_int_equal(from_parse(v, n, &r), FROM_ETOOLONG);
	/* A long display name below the limit is fine. */
	memcpy(v + 20000, " <a@alice.test>", 15);
	assert_int_equal(from_parse(v, 20015, &r), FROM_OK);
	assert_string_equal(r.addr, "a@alice.test");
	free(v);
}

static void
test_long_local_part(void **state)
{
	char v[700];
	struct from_result r;

	(void)state;
	memset(v, 'a', 600);
	memcpy(v + 600, "@alice.test", 12);
	assert_int_equal(from_parse(v, strlen(v), &r), FROM_ETOOLONG);
	memset(v, 'a', 65);
	memcpy(v + 65, "@alice.test", 12);
	assert_int_equal(from_parse(v, strlen(v), &r), FROM_EADDR);
	assert_int_equal(r.addr_err, ADDR_ETOOLONG);
}

/*
 * A part (local part, domain, domain literal) of 511 octets is kept and
 * refused by addr.c (too long); one of 512 does not fit its buffer.
 */
static const struct {
	const char	*name;
	const char	*pre, *post;	/* around n octets of 'x' */
	size_t		 n;
	int		 want;
} parts[] = {
	{ "local part of 511", "", "@alice.test", 511, FROM_EADDR },
	{ "local part of 512", "", "@alice.test", 512, FROM_ETOOLONG },
	{ "angle local part of 511", "<", "@alice.test>", 511, FROM_EADDR },
	{ "angle local part of 512", "<", "@alice.test>", 512, FROM_ETOOLONG },
	{ "domain of 511", "a@", "", 511, FROM_EADDR },
	{ "domain of 512", "a@", "", 512, FROM_ETOOLONG },
	{ "domain of 510 and a dot", "a@", ".", 510, FROM_EADDR },
	{ "domain of 511 and a dot", "a@", ".", 511, FROM_ETOOLONG },
	{ "domain literal of 510 (512 with [])", "a@[", "]", 510, FROM_ETOOLONG },
	{ "domain literal of 509 (511 with [])", "a@[", "]", 509, FROM_EADDR },
};

static void
test_part_limits(void **state)
{
	char v[700];
	struct from_result r;
	size_t i, a, b;
	int got;

	(void)state;
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		a = strlen(parts[i].pre);
		b = strlen(parts[i].post);
		memcpy(v, parts[i].pre, a);
		memset(v + a, 'x', parts[i].n);
		memcpy(v + a + parts[i].n, parts[i].post, b);
		got = from_parse(v, a + parts[i].n + b, &r);
		if (got != parts[i].want)
			fail_msg("%s: got %d (%s), want %d", parts[i].name, got,
			    from_strerror(got), parts[i].want);
	}
}

/* Bytes after len are never read: an escape or a quoted pair cut by len. */
static void
test_cut_by_len(void **state)
{
	struct from_result r;

	(void)state;
	assert_int_equal(from_parse("(a\\\x01) a@alice.test", 3, &r), FROM_EUNTERM);
	assert_int_equal(from_parse("\"a\\\x01\" <a@alice.test>", 3, &r),
	    FROM_EUNTERM);
}

/* A value of exactly FROM_VALUE_MAX bytes is parsed. */
static void
test_value_max(void **state)
{
	size_t n = FROM_VALUE_MAX;
	char *v = malloc(n);
	struct from_result r;

	(void)state;
	assert_non_null(v);
	memset(v, 'x', n);
	memcpy(v + n - 15, " <a@alice.test>", 15);
	assert_int_equal(from_parse(v, n, &r), FROM_OK);
	assert_string_equal(r.addr, "a@alice.test");
	free(v);
}

static void
test_strerror(void **state)
{
	int e;

	(void)state;
	for (e = FROM_OK; e >= FROM_EGROUP; e--)
		assert_true(strncmp(from_strerror(e), "From", 4) == 0 ||
		    e == FROM_OK);
	assert_string_equal(from_strerror(-99), "From: header not understood");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_nul_inside),
		cmocka_unit_test(test_not_terminated),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_long_local_part),
		cmocka_unit_test(test_part_limits),
		cmocka_unit_test(test_cut_by_len),
		cmocka_unit_test(test_value_max),
		cmocka_unit_test(test_strerror),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
