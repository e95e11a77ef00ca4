/*
 * NAME
 *	test_mime - the pieces of policyd/mime.c the complaint report reader
 *	is built on: base64 and quoted-printable decoding (damaged input
 *	included), Content-Transfer-Encoding and Content-Type reading (RFC
 *	2231 parameter sections too), and
 *	the walk through a message's MIME tree both report readers use
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

/* Content-Type parameters in RFC 2231 sections, extended or not */
static void
rfc2231_parameters(void **state)
{
	static const struct {
		const char	*in, *boundary, *report_type;
	} c[] = {
		/* sections, in order or not, quoted or not */
		{ "multipart/report; boundary*0=\"abc\"; boundary*1=\"=_d\"",
		    "abc=_d", "" },
		{ "multipart/mixed; boundary*1=def; boundary*0=abc",
		    "abcdef", "" },
		/* extended: the charset'language' prefix, %XX escapes */
		{ "multipart/mixed; boundary*=us-ascii'en'%3D_b%20x",
		    "=_b x", "" },
		{ "multipart/mixed; boundary*0*=''a%3D; boundary*1*=%3Db; "
		    "boundary*2=\"c\"", "a==bc", "" },
		{ "multipart/report; report-type*=us-ascii''Feedback-Report",
		    "", "feedback-report" },
		{ "multipart/report; report-type*0=delivery; "
		    "report-type*1=-status", "", "delivery-status" },
		/* the plain parameter comes first */
		{ "multipart/mixed; boundary*=''x; boundary=y", "y", "" },
		{ "multipart/mixed; boundary=y; boundary*0=x", "y", "" },
		/* a section missing, a bad escape, no prefix, a control
		   character, section numbers that are no numbers */
		{ "multipart/mixed; boundary*0=a; boundary*2=c", "", "" },
		{ "multipart/mixed; boundary*1=b", "", "" },
		{ "multipart/mixed; boundary*=''%3", "", "" },
		{ "multipart/mixed; boundary*=''%zz", "", "" },
		{ "multipart/mixed; boundary*=abc", "", "" },
		{ "multipart/mixed; boundary*=''a%0Ab", "", "" },
		{ "multipart/mixed; boundary*=''a%C3%A9", "", "" },
		{ "multipart/mixed; boundary*00=a", "", "" },
		{ "multipart/mixed; boundary*0x=a", "", "" },
		{ "multipart/mixed; boundary*16=a", "", "" },
		{ "multipart/mixed; boundary*0=\"\"", "", "" },
		{ "multipart/mixed; boundary*=''", "", "" },
		{ "multipart/mixed; boundaryx*=''a", "", "" },
		/* a report-type that does not make one is no report-type */
		{ "multipart/report; report-type*0=a; report-type*2=b", "",
		    "?" },
		{ "multipart/report; report-type*=''a%20b", "", "?" },
		/* a section seen twice: the first */
		{ "multipart/mixed; boundary*0=a; boundary*0=b", "a", "" },
	};
	struct mime_ctype	 ct;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		assert_int_equal(mime_ctype_parse(c[i].in, strlen(c[i].in),
		    &ct), 0);
		if (strcmp(ct.boundary, c[i].boundary) != 0 ||
		    strcmp(ct.report_type, c[i].report_type) != 0)
			fail_msg("%zu: boundary '%s', report-type '%s'", i,
			    ct.boundary, ct.report_type);
	}
}

/* what leaf() was given, one line per leaf: "t/s in_report" */
struct seen {
	char	 log[512];
	int	 stop_at;		/* the leaf that decides (from 1) */
	int	 n;
};

static int
leaf(void *arg, const struct mime_entity *e, int in_report)
{
	struct seen	*s = arg;
	size_t		 l = strlen(s->log);

	snprintf(s->log + l, sizeof(s->log) - l, "%s/%s %d;", e->ct.type,
	    e->ct.subtype, in_report);
	return ++s->n == s->stop_at;
}

/* walk - mime_walk() over msg seeking delivery-status reports */
static void
walk(const char *msg, int depth_max, int stop_at, struct mime_walk *w,
    struct seen *s)
{
	static const char *const types[] = { "delivery-status", NULL };

	memset(s, 0, sizeof(*s));
	memset(w, 0xff, sizeof(*w));		/* the results are reset */
	w->types = types;
	w->depth_max = depth_max;
	w->leaf = leaf;
	w->arg = s;
	s->stop_at = stop_at;
	mime_walk(w, msg, strlen(msg));
}

/*
 * mime_walk(): leaves in order, inside the report or not, a report found
 * by its report-type or by its part, another report ending the walk, the
 * depth limit, the default types, the leaf deciding.
 */
static void
mime_walk_tree(void **state)
{
	struct mime_walk w;
	struct seen	 s;
	static const char rep[] =
	    "Content-Type: multipart/mixed; boundary=o\n\n"
	    "--o\n\nfirst\n"
	    "--o\nContent-Type: multipart/report; boundary=r;"
	    " report-type=delivery-status\n\n"
	    "--r\n\ntext\n"
	    "--r\nContent-Type: message/delivery-status\n\nx\n"
	    "--r\nContent-Type: message/rfc822\n\ny\n--r--\n"
	    "--o\nContent-Type: text/html\n\nafter\n--o--\n";
	static const char unlabelled[] =
	    "Content-Type: multipart/report; boundary=r\n\n"
	    "--r\nContent-Type: message/delivery-status\n\nx\n--r--\n";
	static const char other[] =
	    "Content-Type: multipart/mixed; boundary=o\n\n"
	    "--o\n\nfirst\n"
	    "--o\nContent-Type: multipart/report; boundary=r;"
	    " report-type=feedback-report\n\n"
	    "--r\n\ntext\n--r--\n--o\n\nlast\n--o--\n";
	static const char digest[] =
	    "Content-Type: multipart/digest; boundary=d\n\n"
	    "--d\n\nx\n--d--\n";
	static const char deep[] =
	    "Content-Type: multipart/mixed; boundary=a\n\n--a\n"
	    "Content-Type: multipart/mixed; boundary=b\n\n--b\n\nx\n"
	    "--b--\n--a--\n";

	(void)state;
	walk(rep, 8, 0, &w, &s);
	assert_string_equal(s.log, "text/plain 0;text/plain 1;"
	    "message/delivery-status 1;message/rfc822 1;");
	assert_int_equal(w.in_report, 1);
	assert_int_equal(w.other, 0);
	assert_int_equal(w.stop, 1);		/* the report decided */
	walk(rep, 8, 2, &w, &s);
	assert_string_equal(s.log, "text/plain 0;text/plain 1;");
	walk(unlabelled, 8, 0, &w, &s);
	assert_string_equal(s.log, "message/delivery-status 1;");
	assert_int_equal(w.in_report, 1);
	walk(other, 8, 0, &w, &s);
	assert_string_equal(s.log, "text/plain 0;");
	assert_int_equal(w.in_report, 0);
	assert_int_equal(w.other, 1);
	assert_string_equal(w.other_type, "feedback-report");
	walk(digest, 8, 0, &w, &s);
	assert_string_equal(s.log, "message/rfc822 0;");
	walk(deep, 2, 0, &w, &s);
	assert_string_equal(s.log, "text/plain 0;");
	walk(deep, 1, 0, &w, &s);
	assert_string_equal(s.log, "");
	assert_int_equal(w.in_report, 0);
	assert_int_equal(w.other, 0);
	assert_string_equal(w.other_type, "");
	walk("plain body", 8, 0, &w, &s);
	assert_string_equal(s.log, "text/plain 0;");
}

/* what mime_first_fields handed over: "INDEX=VALUE;" each */
static void
collect(void *arg, size_t i, char *v, size_t n)
{
	char	*out = arg;

	snprintf(out + strlen(out), 256 - strlen(out), "%zu=%.*s;", i,
	    (int)n, v);
}

static void
first_fields(void **state)
{
	static const char *const names[] = { "Action", "Status", "X-None" };
	static const char hdr[] = "status: 5.1.1\r\nAction:\r\n failed\r\n"
	    "Other: x\r\nSTATUS: 4.0.0\r\nAction: delayed\r\n\r\n"
	    "Action: body\r\n";
	char	 out[256] = "";

	(void)state;
	/* the first of each, in their order, unfolded; repeats passed over;
	   the body is not read */
	assert_int_equal(mime_first_fields(hdr, sizeof(hdr) - 1, names, 3,
	    collect, out), 3);
	assert_string_equal(out, "1=5.1.1;0=failed;");
	out[0] = '\0';
	assert_int_equal(mime_first_fields("", 0, names, 3, collect, out), 0);
	assert_string_equal(out, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(mime_pieces),
		cmocka_unit_test(rfc2231_parameters),
		cmocka_unit_test(mime_walk_tree),
		cmocka_unit_test(first_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
