/*
 * NAME
 *	test_addr - unit tests for address and domain normalisation
 * DESCRIPTION
 *	Table driven: every row of a table is one cmocka test with its own
 *	name, so a TAP line says which input broke. Each successful row is
 *	also normalised a second time (the result must be a fixed point)
 *	and, for addresses, compared with what addr_split() gives.
 * SEE ALSO
 *	common/addr.c, tests/fuzz/fuzz_addr.c
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "addr.h"

/* Long names built from literals, so the tables stay readable. */
#define A10	"aaaaaaaaaa"
#define A60	A10 A10 A10 A10 A10 A10
#define A61	A60 "a"
#define A62	A60 "aa"
#define A63	A60 "aaa"
#define A64	A60 "aaaa"
#define A65	A60 "aaaaa"
#define D189	A63 "." A63 "." A61		/* 189 octets */
#define D190	A63 "." A63 "." A62		/* 190 octets */
#define D253	A63 "." A63 "." A63 "." A61	/* 253 octets */
#define D254	A63 "." A63 "." A63 "." A62	/* 254 octets */
#define U52	"üüüüüüüüüüüüüüüüüüüüüüüüüü" "üüüüüüüüüüüüüüüüüüüüüüüüüü"
#define U60	U52 "üüüüüüüü"

struct norm_case {
	const char	*in;
	int		 rc;
	const char	*want;		/* normalised form when rc == 0 */
};

struct within_case {
	const char	*domain;
	const char	*parent;
	int		 want;
};

struct domain_of_case {
	const char	*in;
	const char	*want;
};

/* run_addr_case - one addr_norm row, plus fixed point and addr_split */
static void
run_addr_case(void **state)
{
	const struct norm_case *c = *state;
	char	 out[ADDR_BUFSIZE], again[ADDR_BUFSIZE];
	char	 local[ADDR_BUFSIZE], domain[ADDR_BUFSIZE], joined[2 * ADDR_BUFSIZE];
	int	 rc;

	memset(out, 'x', sizeof(out));
	rc = addr_norm(c->in, out, sizeof(out));
	assert_int_equal(rc, c->rc);
	assert_int_equal(addr_split(c->in, local, sizeof(local), domain,
	    sizeof(domain)), c->rc);
	if (rc != ADDR_OK) {
		assert_string_equal(out, "");
		assert_string_equal(local, "");
		assert_string_equal(domain, "");
		return;
	}
	assert_string_equal(out, c->want);
	assert_true(strlen(out) <= ADDR_MAX);
	assert_int_equal(addr_norm(out, again, sizeof(again)), ADDR_OK);
	assert_string_equal(again, out);
	snprintf(joined, sizeof(joined), "%s@%s", local, domain);
	assert_string_equal(joined, out);
	assert_true(strlen(local) <= ADDR_LOCAL_MAX);
	assert_string_equal(addr_domain_of(out), domain);
}

/* run_domain_case - one addr_domain_norm row, plus fixed point */
static void
run_domain_case(void **state)
{
	const struct norm_case *c = *state;
	char	 out[ADDR_BUFSIZE], again[ADDR_BUFSIZE];
	int	 rc;

	memset(out, 'x', sizeof(out));
	rc = addr_domain_norm(c->in, out, sizeof(out));
	assert_int_equal(rc, c->rc);
	if (rc != ADDR_OK) {
		assert_string_equal(out, "");
		return;
	}
	assert_string_equal(out, c->want);
	assert_true(strlen(out) <= ADDR_DOMAIN_MAX);
	assert_int_equal(addr_domain_norm(out, again, sizeof(again)), ADDR_OK);
	assert_string_equal(again, out);
	assert_int_equal(addr_domain_within(out, out), 1);
}

/* run_within_case - one addr_domain_within row */
static void
run_within_case(void **state)
{
	const struct within_case *c = *state;

	assert_int_equal(addr_domain_within(c->domain, c->parent), c->want);
}

/* run_domain_of_case - one addr_domain_of row */
static void
run_domain_of_case(void **state)
{
	const struct domain_of_case *c = *state;

	assert_string_equal(addr_domain_of(c->in), c->want);
}

#define ADDR(name, in, rc, want) { "addr: " name, run_addr_case, NULL, NULL, \
	&(struct norm_case){ in, rc, want } }
#define DOM(name, in, rc, want) { "domain: " name, run_domain_case, NULL, \
	NULL, &(struct norm_case){ in, rc, want } }
#define WITHIN(name, d, p, want) { "within: " name, run_within_case, NULL, \
	NULL, &(struct within_case){ d, p, want } }
#define DOMOF(name, in, want) { "domain_of: " name, run_domain_of_case, \
	NULL, NULL, &(struct domain_of_case){ in, want } }

/* test_norm_buffer_sizes - exact fit succeeds, one octet less is ESPACE */
static void
test_norm_buffer_sizes(void **state)
{
	char	 out[ADDR_BUFSIZE];
	size_t	 len = strlen("user@example.com");

	(void)state;
	assert_int_equal(addr_norm("User@Example.com", out, len + 1), ADDR_OK);
	assert_string_equal(out, "user@example.com");
	memset(out, 'x', sizeof(out));
	assert_int_equal(addr_norm("User@Example.com", out, len),
	    ADDR_ESPACE);
	assert_string_equal(out, "");
	assert_int_equal(addr_norm("user@example.com", NULL, 0), ADDR_ESPACE);
	assert_int_equal(addr_domain_norm("Example.com", out, 12), ADDR_OK);
	assert_string_equal(out, "example.com");
	memset(out, 'x', sizeof(out));
	assert_int_equal(addr_domain_norm("Example.com", out, 11),
	    ADDR_ESPACE);
	assert_string_equal(out, "");
	assert_int_equal(addr_domain_norm("example.com", NULL, 0),
	    ADDR_ESPACE);
	/* Invalid input is reported as such, whatever the buffer. */
	assert_int_equal(addr_norm("user", out, 1), ADDR_ENOAT);
}

/* test_split_outputs - either output may be NULL; short buffers fail */
static void
test_split_outputs(void **state)
{
	char	 local[ADDR_BUFSIZE], domain[ADDR_BUFSIZE];

	(void)state;
	assert_int_equal(addr_split("<\"A B\"@Bücher.example>", local,
	    sizeof(local), domain, sizeof(domain)), ADDR_OK);
	assert_string_equal(local, "\"a b\"");
	assert_string_equal(domain, "xn--bcher-kva.example");
	assert_int_equal(addr_split("User@Example.com", NULL, 0, domain,
	    sizeof(domain)), ADDR_OK);
	assert_string_equal(domain, "example.com");
	assert_int_equal(addr_split("User@Example.com", local, sizeof(local),
	    NULL, 0), ADDR_OK);
	assert_string_equal(local, "user");
	assert_int_equal(addr_split("User@Example.com", NULL, 0, NULL, 0),
	    ADDR_OK);
	assert_int_equal(addr_split("user@example.com", local, 4, domain,
	    sizeof(domain)), ADDR_ESPACE);
	assert_int_equal(addr_split("user@example.com", local, sizeof(local),
	    domain, 11), ADDR_ESPACE);
	assert_string_equal(local, "");
	assert_string_equal(domain, "");
}

/* test_in_place - the input buffer may also be the output buffer */
static void
test_in_place(void **state)
{
	char	 buf[ADDR_BUFSIZE];

	(void)state;
	snprintf(buf, sizeof(buf), "<\"A B\"@B\xc3\xbc" "cher.Example.>");
	assert_int_equal(addr_norm(buf, buf, sizeof(buf)), ADDR_OK);
	assert_string_equal(buf, "\"a b\"@xn--bcher-kva.example");
	snprintf(buf, sizeof(buf), " Mail.Example.COM. ");
	assert_int_equal(addr_domain_norm(buf, buf, sizeof(buf)), ADDR_OK);
	assert_string_equal(buf, "mail.example.com");
	snprintf(buf, sizeof(buf), "\xc3\x9f.DE");
	assert_int_equal(addr_domain_norm(buf, buf, sizeof(buf)), ADDR_OK);
	assert_string_equal(buf, "xn--zca.de");
	snprintf(buf, sizeof(buf), "User@Example.com");
	assert_int_equal(addr_split(buf, buf, sizeof(buf), NULL, 0), ADDR_OK);
	assert_string_equal(buf, "user");
	snprintf(buf, sizeof(buf), "user@localhost");
	assert_int_equal(addr_norm(buf, buf, sizeof(buf)), ADDR_ESINGLE);
	assert_string_equal(buf, "");
}

/* test_null_input - NULL is "nothing there", never a crash */
static void
test_null_input(void **state)
{
	char	 out[ADDR_BUFSIZE];

	(void)state;
	assert_int_equal(addr_norm(NULL, out, sizeof(out)), ADDR_EEMPTY);
	assert_int_equal(addr_domain_norm(NULL, out, sizeof(out)),
	    ADDR_EEMPTY);
	assert_int_equal(addr_split(NULL, out, sizeof(out), NULL, 0),
	    ADDR_EEMPTY);
}

/*
 * test_path - an envelope path as a client sends it and Postfix accepts it
 * gives the mailbox Postfix delivers to (so no spelling of a suppressed
 * address slips past the milter's check)
 */
static void
test_path(void **state)
{
	static const struct { const char *in; int rc; const char *out; } t[] = {
		{ "<gone@rcpt.test>", ADDR_OK, "gone@rcpt.test" },
		{ "gone@rcpt.test", ADDR_OK, "gone@rcpt.test" },
		{ "< gone@rcpt.test >", ADDR_OK, "gone@rcpt.test" },
		{ " <\tgone@rcpt.test> ", ADDR_OK, "gone@rcpt.test" },
		{ "<@a.example:gone@rcpt.test>", ADDR_OK, "gone@rcpt.test" },
		{ "<@a.example: gone@rcpt.test>", ADDR_OK, "gone@rcpt.test" },
		{ "<@a.example,@[192.0.2.1]:gone@rcpt.test>", ADDR_OK,
		    "gone@rcpt.test" },
		{ "<@a.example:\"go:ne\"@rcpt.test>", ADDR_OK,
		    "\"go:ne\"@rcpt.test" },
		{ "<\"a:b\"@rcpt.test>", ADDR_OK, "\"a:b\"@rcpt.test" },
		{ "<>", ADDR_OK, "" },
		{ "< >", ADDR_OK, "" },
		{ "<@a.example gone@rcpt.test>", ADDR_ESYNTAX, "" },
		{ "<@a.example>", ADDR_ESYNTAX, "" },
		{ "<gone@rcpt.test", ADDR_ESYNTAX, "" },
		{ "<@\"x\":gone@rcpt.test>", ADDR_ESYNTAX, "" },
	};
	char	 out[ADDR_BUFSIZE], small[4];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int rc = addr_path(t[i].in, out, sizeof(out));

		if (rc != t[i].rc || strcmp(out, t[i].out) != 0)
			fail_msg("%s: rc %d \"%s\", want %d \"%s\"", t[i].in, rc,
			    out, t[i].rc, t[i].out);
	}
	assert_int_equal(addr_path("<gone@rcpt.test>", small, sizeof(small)),
	    ADDR_ESPACE);
	assert_string_equal(small, "");
	assert_int_equal(addr_path(NULL, out, sizeof(out)), ADDR_EEMPTY);
	/* what the milter then compares with the suppression list */
	assert_int_equal(addr_path("< @A.example:Gone@RCPT.test. >", out,
	    sizeof(out)), ADDR_OK);
	assert_int_equal(addr_norm(out, out, sizeof(out)), ADDR_OK);
	assert_string_equal(out, "gone@rcpt.test");
}

/*
 * test_internal - Postfix's internal form (policy requests: the local part
 * never quoted) gives what addr_norm gives for the form a client writes,
 * so relay-policyd and relay-milter name one recipient alike
 */
static void
test_internal(void **state)
{
	static const struct { const char *internal, *external; } same[] = {
		{ "a@example.com", "<a@example.com>" },
		{ "A.B@Example.COM.", "a.b@example.com" },
		{ "q b@alice.test", "\"q b\"@alice.test" },
		{ "q@b@Alice.Test", "\"q@b\"@alice.test" },
		{ "x>, y@dest.example", "\"x>, y\"@dest.example" },
		{ "a\"b@x.example", "\"a\\\"b\"@x.example" },
		{ "AB@x.example", "\"AB\"@x.example" },
		{ "\xc3\xbc@b\xc3\xbc" "cher.example",
		    "\xc3\xbc@xn--bcher-kva.example" },
	};
	char	 a[ADDR_BUFSIZE], b[ADDR_BUFSIZE];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		assert_int_equal(addr_internal_norm(same[i].internal, a,
		    sizeof(a)), ADDR_OK);
		assert_int_equal(addr_norm(same[i].external, b, sizeof(b)),
		    ADDR_OK);
		if (strcmp(a, b) != 0)
			fail_msg("%s -> %s, but %s -> %s", same[i].internal, a,
			    same[i].external, b);
	}
	assert_int_equal(addr_internal_norm("", a, sizeof(a)), ADDR_EEMPTY);
	assert_int_equal(addr_internal_norm(NULL, a, sizeof(a)), ADDR_EEMPTY);
	assert_int_equal(addr_internal_norm("nodomain", a, sizeof(a)),
	    ADDR_ENOAT);
	assert_string_equal(a, "");
	/* <""@example.com> reaches a policy service as "@example.com" */
	assert_int_equal(addr_internal_norm("@Example.com", a, sizeof(a)),
	    ADDR_OK);
	assert_int_equal(addr_norm("\"\"@example.com", b, sizeof(b)), ADDR_OK);
	assert_string_equal(a, b);
	assert_int_equal(addr_internal_norm("a@localhost", a, sizeof(a)),
	    ADDR_ESINGLE);
	assert_int_equal(addr_internal_norm(
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "@example.com", a, sizeof(a)), ADDR_ETOOLONG);
}

/* test_strerror - one distinct sentence per code, something for others */
static void
test_strerror(void **state)
{
	const char	*seen[10];
	int		 code, i;

	(void)state;
	for (code = ADDR_OK; code >= ADDR_ESPACE; code--) {
		seen[-code] = addr_strerror(code);
		assert_non_null(seen[-code]);
		assert_true(strlen(seen[-code]) > 0);
		assert_null(strpbrk(seen[-code], "\r\n"));
		for (i = 0; i < -code; i++)
			assert_string_not_equal(seen[i], seen[-code]);
	}
	assert_string_equal(addr_strerror(ADDR_ESINGLE),
	    "domain has only one label");
	assert_non_null(addr_strerror(-100));
	assert_non_null(addr_strerror(1));
}

/*
 * One array, so that TAP sees one plan; the prefix of each name says
 * which function the row exercises.
 */
/* Edges of the letters (A, Z, a, z) and of a quoted local part's length
 * once its '"' and '\' are escaped again: exactly ADDR_LOCAL_MAX fits. */
static void
test_letter_and_quoting_edges(void **state)
{
	static const struct { const char *in, *want; } t[] = {
		{ "Zed@ZOO.Example", "zed@zoo.example" },
		{ "az@AZ.example", "az@az.example" },
		{ "\"a b\\\"c\"@x.example", "\"a b\\\"c\"@x.example" },
		{ "\"a\\\\b c\"@x.example", "\"a\\\\b c\"@x.example" },
	};
	char	 in[256], want[256], out[ADDR_BUFSIZE];
	size_t	 i, k;
	int	 rc;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		rc = addr_norm(t[i].in, out, sizeof(out));
		if (rc != ADDR_OK || strcmp(out, t[i].want) != 0)
			fail_msg("%s: %d %s", t[i].in, rc, out);
	}
	/* content " " + 3 '"' + k 'x': quoted again it takes k + 4 + 3 + 2 */
	for (k = ADDR_LOCAL_MAX - 9; k <= ADDR_LOCAL_MAX - 8; k++) {
		snprintf(in, sizeof(in), "\" \\\"\\\"\\\"%.*s\"@x.example",
		    (int)k, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
		rc = addr_norm(in, out, sizeof(out));
		if (k + 9 <= ADDR_LOCAL_MAX) {
			snprintf(want, sizeof(want), "%s", in);
			if (rc != ADDR_OK || strcmp(out, want) != 0)
				fail_msg("%zu: %d %s", k, rc, out);
		} else if (rc != ADDR_ETOOLONG)
			fail_msg("%zu: %d, not too long", k, rc);
	}
}

static void
test_domain_chain(void **state)
{
	char	 c[ADDR_CHAIN_MAX][ADDR_BUFSIZE];
	size_t	 n;

	(void)state;
	n = addr_domain_chain("a.b.alice.test", c, ADDR_CHAIN_MAX);
	assert_int_equal(n, 3);
	assert_string_equal(c[0], "a.b.alice.test");
	assert_string_equal(c[1], "b.alice.test");
	assert_string_equal(c[2], "alice.test");
	assert_int_equal(addr_domain_chain("alice.test", c, 8), 1);
	assert_int_equal(addr_domain_chain("test", c, 8), 0);
	/* more than max: the count says so (the caller refuses), max kept */
	snprintf(c[4], sizeof(c[4]), "untouched");
	n = addr_domain_chain("a.b.c.d.e.f.g.h.i.j.k", c, 4);
	assert_int_equal(n, 10);
	assert_string_equal(c[3], "d.e.f.g.h.i.j.k");
	assert_string_equal(c[4], "untouched");	/* nothing past max */
	/* 9 labels below an enrolled domain: all its parents are looked at */
	n = addr_domain_chain("x1.x2.x3.x4.x5.x6.x7.x8.x9.sub.test", c,
	    ADDR_CHAIN_MAX);
	assert_int_equal(n, 10);
	assert_string_equal(c[n - 1], "sub.test");
	/* the deepest that is looked at whole, and one label more */
	n = addr_domain_chain("l15.l14.l13.l12.l11.l10.l9.l8.l7.l6.l5.l4.l3."
	    "l2.l1.sub.test", c, ADDR_CHAIN_MAX);
	assert_int_equal(n, ADDR_CHAIN_MAX);
	assert_string_equal(c[n - 1], "sub.test");
	assert_int_equal(addr_domain_chain("l16.l15.l14.l13.l12.l11.l10.l9.l8."
	    "l7.l6.l5.l4.l3.l2.l1.sub.test", c, ADDR_CHAIN_MAX),
	    ADDR_CHAIN_MAX + 1);
}

static const struct CMUnitTest tests[] = {
	DOM("plain name", "example.com", ADDR_OK, "example.com"),
	DOM("upper case is lowered", "Mail.EXAMPLE.Com", ADDR_OK,
	    "mail.example.com"),
	DOM("one trailing dot removed", "example.com.", ADDR_OK,
	    "example.com"),
	DOM("two trailing dots", "example.com..", ADDR_ELABEL, NULL),
	DOM("surrounding white space trimmed", " \t example.com.\r\n",
	    ADDR_OK, "example.com"),
	DOM("digits and hyphens inside labels", "123.a-b.a--b.example",
	    ADDR_OK, "123.a-b.a--b.example"),
	DOM("single-character labels", "a.b", ADDR_OK, "a.b"),
	DOM("empty string", "", ADDR_EEMPTY, NULL),
	DOM("only white space", " \t ", ADDR_EEMPTY, NULL),
	DOM("the root alone", ".", ADDR_ELABEL, NULL),
	DOM("leading dot", ".example.com", ADDR_ELABEL, NULL),
	DOM("double dot", "example..com", ADDR_ELABEL, NULL),
	DOM("one label", "localhost", ADDR_ESINGLE, NULL),
	DOM("one label with trailing dot", "com.", ADDR_ESINGLE, NULL),
	DOM("label of 63 octets", A63 ".example", ADDR_OK, A63 ".example"),
	DOM("label of 64 octets", A64 ".example", ADDR_ELABEL, NULL),
	DOM("domain of 253 octets", D253, ADDR_OK, D253),
	DOM("domain of 253 octets and trailing dot", D253 ".", ADDR_OK, D253),
	DOM("domain of 254 octets", D254, ADDR_ETOOLONG, NULL),
	DOM("leading hyphen", "-a.example", ADDR_ELABEL, NULL),
	DOM("trailing hyphen", "a-.example", ADDR_ELABEL, NULL),
	DOM("hyphen at end of TLD", "example.com-", ADDR_ELABEL, NULL),
	DOM("underscore", "a_b.example", ADDR_ESYNTAX, NULL),
	DOM("underscore label", "_dmarc.example.com", ADDR_ESYNTAX, NULL),
	DOM("space inside", "exa mple.com", ADDR_ESYNTAX, NULL),
	DOM("CR LF inside", "example.com\r\nMAIL FROM:<x@y>", ADDR_ESYNTAX,
	    NULL),
	DOM("control byte", "exam\x01ple.com", ADDR_ESYNTAX, NULL),
	DOM("DEL byte", "example.com\x7f", ADDR_ESYNTAX, NULL),
	DOM("an address is not a domain", "user@example.com", ADDR_ESYNTAX,
	    NULL),
	DOM("slash", "example.com/x", ADDR_ESYNTAX, NULL),
	DOM("IPv4 literal", "[192.0.2.1]", ADDR_ELITERAL, NULL),
	DOM("IPv6 literal", "[IPv6:2001:db8::1]", ADDR_ELITERAL, NULL),
	DOM("unclosed literal", "[192.0.2.1", ADDR_ESYNTAX, NULL),
	DOM("empty literal", "[]", ADDR_ESYNTAX, NULL),
	DOM("bare IPv4 address", "1.2.3.4", ADDR_ESYNTAX, NULL),
	DOM("bare IPv4 address, trailing dot", "192.0.2.1.", ADDR_ESYNTAX,
	    NULL),
	DOM("all-digit TLD", "example.123", ADDR_ESYNTAX, NULL),
	DOM("IDN U-label", "bücher.example", ADDR_OK,
	    "xn--bcher-kva.example"),
	DOM("IDN mixed case", "Bücher.Example", ADDR_OK,
	    "xn--bcher-kva.example"),
	DOM("IDN upper-case non-ASCII", "BÜCHER.example", ADDR_OK,
	    "xn--bcher-kva.example"),
	DOM("IDN sharp s is non-transitional", "straße.de", ADDR_OK,
	    "xn--strae-oqa.de"),
	DOM("IDN CJK", "日本語.jp", ADDR_OK, "xn--wgv71a119e.jp"),
	DOM("IDN ideographic full stop", "ü。com", ADDR_OK, "xn--tda.com"),
	DOM("IDN full-width letters map to ASCII", "ｅｘａｍｐｌｅ.com",
	    ADDR_OK, "example.com"),
	DOM("IDN full-width underscore", "a＿b.example", ADDR_ESYNTAX, NULL),
	DOM("IDN label of 52 non-ASCII letters", U52 ".example", ADDR_OK,
	    "xn--tda" A10 A10 A10 A10 A10 "a"
	    ".example"),
	DOM("IDN label whose A-label is over 63", U60 ".example", ADDR_ELABEL,
	    NULL),
	DOM("IDN double hyphen in positions 3-4", "bücher.ab--cd.example",
	    ADDR_ELABEL, NULL),
	DOM("IDN leading hyphen", "-bücher.example", ADDR_ELABEL, NULL),
	DOM("IDN empty label", "bücher..example", ADDR_ELABEL, NULL),
	DOM("IDN emoji is disallowed", "💩.la", ADDR_EIDNA, NULL),
	DOM("IDN zero width joiner", "\xe2\x80\x8d.com", ADDR_EIDNA, NULL),
	DOM("invalid UTF-8", "\xff.example", ADDR_EIDNA, NULL),
	DOM("truncated UTF-8", "b\xc3.example", ADDR_EIDNA, NULL),
	DOM("A-label given", "xn--bcher-kva.example", ADDR_OK,
	    "xn--bcher-kva.example"),
	DOM("A-label in upper case", "XN--BCHER-KVA.EXAMPLE", ADDR_OK,
	    "xn--bcher-kva.example"),
	DOM("A-label prefix only", "xn--.example", ADDR_EIDNA, NULL),
	DOM("A-label bad punycode", "xn--zz.example", ADDR_EIDNA, NULL),
	DOM("A-label of nothing", "xn--a.example", ADDR_EIDNA, NULL),
	DOM("A-label of ASCII", "xn--abc-.example", ADDR_EIDNA, NULL),
	DOM("A-label of a disallowed emoji", "xn--ls8h.la", ADDR_EIDNA, NULL),
	DOM("bad A-label beside a U-label", "bücher.xn--zz.example",
	    ADDR_EIDNA, NULL),
	DOM("A-label as TLD", "example.xn--p1ai", ADDR_OK,
	    "example.xn--p1ai"),
	DOM("raw input over 1024 octets", A63 "." A63 "." A63 "." A63 "."
	    A63 "." A63 "." A63 "." A63 "." A63 "." A63 "." A63 "." A63 "."
	    A63 "." A63 "." A63 "." A63 "." A63, ADDR_ETOOLONG, NULL),

	ADDR("plain address", "user@example.com", ADDR_OK, "user@example.com"),
	ADDR("upper case is lowered", "User.Name@Example.COM", ADDR_OK,
	    "user.name@example.com"),
	ADDR("angle brackets removed", "<user@example.com>", ADDR_OK,
	    "user@example.com"),
	ADDR("trailing dot in domain", "user@example.com.", ADDR_OK,
	    "user@example.com"),
	ADDR("plus tag kept", "first.last+tag@example.com", ADDR_OK,
	    "first.last+tag@example.com"),
	ADDR("every atext character", "!#$%&'*+-/=?^_`{|}~@example.com",
	    ADDR_OK, "!#$%&'*+-/=?^_`{|}~@example.com"),
	ADDR("percent hack is just atext", "user%other@example.com", ADDR_OK,
	    "user%other@example.com"),
	ADDR("IDN domain", "user@Bücher.Example", ADDR_OK,
	    "user@xn--bcher-kva.example"),
	ADDR("IDN domain in brackets", "<User@BÜCHER.example.>", ADDR_OK,
	    "user@xn--bcher-kva.example"),
	ADDR("UTF-8 local part (RFC 6531)", "pelé@example.com", ADDR_OK,
	    "pelé@example.com"),
	ADDR("UTF-8 local part: only ASCII is lowered", "JOSÉ@example.com",
	    ADDR_OK, "josÉ@example.com"),
	ADDR("quoted with @ and space", "\"a@b c\"@example.com", ADDR_OK,
	    "\"a@b c\"@example.com"),
	ADDR("quoted in brackets", "<\"a>b\"@example.com>", ADDR_OK,
	    "\"a>b\"@example.com"),
	ADDR("quoted dot-atom loses its quotes", "\"John.Doe\"@example.com",
	    ADDR_OK, "john.doe@example.com"),
	ADDR("quoted escaped quote", "\"a\\\"b\"@example.com", ADDR_OK,
	    "\"a\\\"b\"@example.com"),
	ADDR("quoted escaped backslash", "\"a\\\\b\"@example.com", ADDR_OK,
	    "\"a\\\\b\"@example.com"),
	ADDR("quoted needless escape dropped", "\"a\\b\"@example.com", ADDR_OK,
	    "ab@example.com"),
	ADDR("quoted upper case lowered", "\"A \\\"B\"@X.Example", ADDR_OK,
	    "\"a \\\"b\"@x.example"),
	ADDR("quoted empty string", "\"\"@example.com", ADDR_OK,
	    "\"\"@example.com"),
	ADDR("quoted double dot keeps quotes", "\"a..b\"@example.com", ADDR_OK,
	    "\"a..b\"@example.com"),
	ADDR("quoted UTF-8", "\"ü ü\"@example.com", ADDR_OK,
	    "\"ü ü\"@example.com"),
	ADDR("null sender", "<>", ADDR_EEMPTY, NULL),
	ADDR("empty string", "", ADDR_EEMPTY, NULL),
	ADDR("local part of 64 octets", A64 "@example.com", ADDR_OK,
	    A64 "@example.com"),
	ADDR("local part of 65 octets", A65 "@example.com", ADDR_ETOOLONG,
	    NULL),
	ADDR("quoted 66 octets, 64 without quotes", "\"" A64 "\"@example.com",
	    ADDR_OK, A64 "@example.com"),
	ADDR("quoted 65 octets that must stay quoted", "\"" A62 " \"@x.example",
	    ADDR_ETOOLONG, NULL),
	ADDR("total of 254 octets", A64 "@" D189, ADDR_OK, A64 "@" D189),
	ADDR("total of 255 octets", A64 "@" D190, ADDR_ETOOLONG, NULL),
	ADDR("domain of 254 octets", "a@" D254, ADDR_ETOOLONG, NULL),
	ADDR("label of 64 octets", "a@" A64 ".example", ADDR_ELABEL, NULL),
	ADDR("CR LF injection", "a@b.com\r\nRCPT TO:<x@y>", ADDR_ESYNTAX, NULL),
	ADDR("trailing CR LF", "user@example.com\r\n", ADDR_ESYNTAX, NULL),
	ADDR("LF in local part", "us\ner@example.com", ADDR_ESYNTAX, NULL),
	ADDR("CR in quoted string", "\"a\r\nb\"@example.com", ADDR_ESYNTAX,
	    NULL),
	ADDR("escaped CR in quoted string", "\"a\\\r\"@example.com",
	    ADDR_ESYNTAX, NULL),
	ADDR("tab in quoted string", "\"a\tb\"@example.com", ADDR_ESYNTAX,
	    NULL),
	ADDR("control byte in local part", "\x01user@example.com",
	    ADDR_ESYNTAX, NULL),
	ADDR("DEL in local part", "user\x7f@example.com", ADDR_ESYNTAX, NULL),
	ADDR("escape byte in domain", "user@exam\x1bple.com", ADDR_ESYNTAX,
	    NULL),
	ADDR("leading space", " user@example.com", ADDR_ESYNTAX, NULL),
	ADDR("space before @", "user @example.com", ADDR_ESYNTAX, NULL),
	ADDR("space after @", "user@ example.com", ADDR_ESYNTAX, NULL),
	ADDR("space inside brackets", "< user@example.com>", ADDR_ESYNTAX,
	    NULL),
	ADDR("binary junk with @", "\xff\xfe\x80\x81@\xfa.com", ADDR_ESYNTAX,
	    NULL),
	ADDR("binary junk without @", "\x80\x80\x80", ADDR_ENOAT, NULL),
	ADDR("C1 control in local part", "\xc2\x85@example.com", ADDR_ESYNTAX,
	    NULL),
	ADDR("overlong UTF-8 slash", "\xc0\xaf@example.com", ADDR_ESYNTAX,
	    NULL),
	ADDR("UTF-8 surrogate", "\xed\xa0\x80@example.com", ADDR_ESYNTAX,
	    NULL),
	ADDR("truncated UTF-8", "ab\xc3@example.com", ADDR_ESYNTAX, NULL),
	ADDR("lone @", "@", ADDR_ESYNTAX, NULL),
	ADDR("no local part", "@example.com", ADDR_ESYNTAX, NULL),
	ADDR("no domain", "user@", ADDR_ESYNTAX, NULL),
	ADDR("no domain in brackets", "<user@>", ADDR_ESYNTAX, NULL),
	ADDR("two @ together", "user@@example.com", ADDR_ESYNTAX, NULL),
	ADDR("trailing @", "user@example.com@", ADDR_ESYNTAX, NULL),
	ADDR("no @", "user", ADDR_ENOAT, NULL),
	ADDR("no @ in brackets", "<postmaster>", ADDR_ENOAT, NULL),
	ADDR("quoted with no @ after", "\"a@b\"", ADDR_ENOAT, NULL),
	ADDR("unclosed bracket", "<user@example.com", ADDR_ESYNTAX, NULL),
	ADDR("unopened bracket", "user@example.com>", ADDR_ESYNTAX, NULL),
	ADDR("double brackets", "<<user@example.com>>", ADDR_ESYNTAX, NULL),
	ADDR("lone <", "<", ADDR_ESYNTAX, NULL),
	ADDR("unclosed quote", "\"user@example.com", ADDR_ESYNTAX, NULL),
	ADDR("stray quote", "user\"@example.com", ADDR_ESYNTAX, NULL),
	ADDR("escaped closing quote", "\"user\\\"@example.com", ADDR_ESYNTAX,
	    NULL),
	ADDR("text after quoted string", "\"a\"b@example.com", ADDR_ESYNTAX,
	    NULL),
	ADDR("quoted string in the middle", "a.\"b\"@example.com",
	    ADDR_ESYNTAX, NULL),
	ADDR("leading dot", ".user@example.com", ADDR_ESYNTAX, NULL),
	ADDR("trailing dot in local part", "user.@example.com", ADDR_ESYNTAX,
	    NULL),
	ADDR("double dot in local part", "us..er@example.com", ADDR_ESYNTAX,
	    NULL),
	ADDR("only dots", "..@example.com", ADDR_ESYNTAX, NULL),
	ADDR("comment", "user(comment)@example.com", ADDR_ESYNTAX, NULL),
	ADDR("source route", "<@a.example,@b.example:user@example.com>",
	    ADDR_ESYNTAX, NULL),
	ADDR("address literal", "user@[192.0.2.1]", ADDR_ELITERAL, NULL),
	ADDR("bare IPv4 domain", "user@192.0.2.1", ADDR_ESYNTAX, NULL),
	ADDR("one-label domain", "root@localhost", ADDR_ESINGLE, NULL),
	ADDR("underscore in domain", "user@a_b.example", ADDR_ESYNTAX, NULL),
	ADDR("leading hyphen in domain", "user@-x.example", ADDR_ELABEL, NULL),
	ADDR("bad A-label in domain", "user@xn--zz.example", ADDR_EIDNA, NULL),
	ADDR("empty label in domain", "user@example..com", ADDR_ELABEL, NULL),

	WITHIN("subdomain", "a.example.com", "example.com", 1),
	WITHIN("same domain", "example.com", "example.com", 1),
	WITHIN("deep subdomain", "a.b.c.example.com", "example.com", 1),
	WITHIN("under a TLD", "example.com", "com", 1),
	WITHIN("suffix without a dot", "badexample.com", "example.com", 0),
	WITHIN("suffix of one letter", "xample.com", "example.com", 0),
	WITHIN("parent within child", "example.com", "a.example.com", 0),
	WITHIN("parent as prefix", "example.com.evil.example", "example.com",
	    0),
	WITHIN("unrelated", "example.org", "example.com", 0),
	WITHIN("empty domain", "", "example.com", 0),
	WITHIN("empty parent", "example.com", "", 0),
	WITHIN("both empty", "", "", 0),
	WITHIN("NULL domain", NULL, "example.com", 0),
	WITHIN("NULL parent", "example.com", NULL, 0),

	DOMOF("plain address", "user@example.com", "example.com"),
	DOMOF("quoted local part with @", "\"a@b\"@example.com",
	    "example.com"),
	DOMOF("no @ gives empty string", "example.com", ""),
	DOMOF("NULL gives empty string", NULL, ""),

	cmocka_unit_test(test_norm_buffer_sizes),
	cmocka_unit_test(test_split_outputs),
	cmocka_unit_test(test_in_place),
	cmocka_unit_test(test_null_input),
	cmocka_unit_test(test_path),
	cmocka_unit_test(test_internal),
	cmocka_unit_test(test_strerror),
	cmocka_unit_test(test_letter_and_quoting_edges),
	cmocka_unit_test(test_domain_chain),
};

int
main(void)
{
	return cmocka_run_group_tests(tests, NULL, NULL) != 0;
}
