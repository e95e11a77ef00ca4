/*
 * NAME
 *	test_policyd_proto - the policy request parser: whole requests,
 *	partial input, every limit, garbage, and skipping a bad request
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "policyd_proto.h"

static const struct polproto_limits lim = { 64, 8, 256 };

#define REQ_RCPT \
	"request=smtpd_access_policy\n" \
	"protocol_state=RCPT\n" \
	"sasl_username=alice\n" \
	"sender=a@alice.test\n" \
	"recipient=r@dest.test\n" \
	"queue_id=\n" \
	"unknown_attr=ignored\n" \
	"\n"

static int
parse(const char *s, struct polreq *req, size_t *used)
{
	return polproto_parse(s, strlen(s), &lim, req, used);
}

static void
whole_request_gives_known_attributes(void **state)
{
	struct polreq	 req;
	size_t		 used;

	assert_int_equal(parse(REQ_RCPT "request=smtpd_access_policy\n", &req,
	    &used), POLPROTO_REQ);
	assert_int_equal(used, strlen(REQ_RCPT));
	assert_string_equal(req.attr[POLREQ_STATE], "RCPT");
	assert_string_equal(req.attr[POLREQ_SASL_USERNAME], "alice");
	assert_string_equal(req.attr[POLREQ_SENDER], "a@alice.test");
	assert_string_equal(req.attr[POLREQ_QUEUE_ID], "");
	assert_null(req.attr[POLREQ_INSTANCE]);
	assert_null(req.attr[POLREQ_POLICY_CONTEXT]);
	assert_int_equal(req.nattrs, 7);
	polreq_free(&req);
	polreq_free(&req);	/* reusable, NULL-safe */
	polreq_free(NULL);
}

static void
value_may_hold_equals_signs(void **state)
{
	struct polreq	 req;
	size_t		 used;

	assert_int_equal(parse("request=smtpd_access_policy\n"
	    "sender=a=b@c.test\npolicy_context=mail\n\n", &req, &used),
	    POLPROTO_REQ);
	assert_string_equal(req.attr[POLREQ_SENDER], "a=b@c.test");
	assert_string_equal(req.attr[POLREQ_POLICY_CONTEXT], "mail");
	polreq_free(&req);
}

static void
every_prefix_needs_more(void **state)
{
	struct polreq	 req;
	size_t		 used, n;

	for (n = 0; n < strlen(REQ_RCPT); n++) {
		assert_int_equal(polproto_parse(REQ_RCPT, n, &lim, &req, &used),
		    POLPROTO_MORE);
		assert_int_equal(used, 0);
	}
}

static void
limits_are_enforced_before_the_end(void **state)
{
	struct polreq	 req;
	size_t		 used;
	char		 buf[1024];

	/* A 65-byte line with no LF yet is already too long. */
	memset(buf, 'a', 65);
	buf[65] = '\0';
	assert_int_equal(parse(buf, &req, &used), POLPROTO_ELINE);
	assert_int_equal(used, 0);
	/* Nine attributes with a limit of eight. */
	strcpy(buf, "request=smtpd_access_policy\n");
	for (int i = 0; i < 8; i++)
		strcat(buf, "x=1\n");
	assert_int_equal(parse(buf, &req, &used), POLPROTO_EATTRS);
	/* Over 256 bytes in short lines. */
	buf[0] = '\0';
	for (int i = 0; i < 7; i++)
		strcat(buf, "abcdefghijklmnopqrstuvwxyz0123456789=1\n");
	assert_int_equal(parse(buf, &req, &used), POLPROTO_ESIZE);
}

static void
garbage_is_a_syntax_error_with_its_length(void **state)
{
	struct polreq	 req;
	size_t		 used;

	assert_int_equal(parse("hello world\n\nrequest=x\n", &req, &used),
	    POLPROTO_ESYNTAX);
	assert_int_equal(used, strlen("hello world\n\n"));
	assert_int_equal(parse("=value\n\n", &req, &used), POLPROTO_ESYNTAX);
	assert_int_equal(parse("\n", &req, &used), POLPROTO_ESYNTAX);
	assert_int_equal(used, 1);
	/* No request= attribute, or another kind of request. */
	assert_int_equal(parse("sender=a@b.test\n\n", &req, &used),
	    POLPROTO_ESYNTAX);
	assert_int_equal(parse("request=junk\n\n", &req, &used),
	    POLPROTO_ESYNTAX);
	assert_null(req.raw);
	/* A duplicated attribute we read. */
	assert_int_equal(parse("request=smtpd_access_policy\nsasl_username=a\n"
	    "sasl_username=b\n\n", &req, &used), POLPROTO_ESYNTAX);
	/* A NUL byte inside a line. */
	assert_int_equal(polproto_parse("request=smtpd\0x\n\n", 17, &lim, &req,
	    &used), POLPROTO_ESYNTAX);
}

static void
skip_finds_the_end_across_calls(void **state)
{
	int	 nl = 1, done = 0;

	assert_int_equal(polproto_skip("garbage\nmore", 12, &nl, &done), 12);
	assert_int_equal(done, 0);
	assert_int_equal(polproto_skip("\n\nnext=1\n", 9, &nl, &done), 2);
	assert_int_equal(done, 1);
	nl = 0;
	assert_int_equal(polproto_skip("x\n", 2, &nl, &done), 2);
	assert_int_equal(done, 0);
	assert_int_equal(polproto_skip("\n", 1, &nl, &done), 1);
	assert_int_equal(done, 1);
}

/* A person at telnet ends lines in CRLF: the same request. */
static void
crlf_lines_are_lines(void **state)
{
	static const char crlf[] = "request=smtpd_access_policy\r\n"
	    "protocol_state=RCPT\r\nsender=a@alice.test\r\n\r\n";
	struct polreq	 req;
	size_t		 used;
	int		 nl = 1, done = 0;

	(void)state;
	assert_int_equal(parse(crlf, &req, &used), POLPROTO_REQ);
	assert_int_equal(used, strlen(crlf));
	assert_string_equal(req.attr[POLREQ_REQUEST], "smtpd_access_policy");
	assert_string_equal(req.attr[POLREQ_STATE], "RCPT");
	assert_string_equal(req.attr[POLREQ_SENDER], "a@alice.test");
	assert_int_equal(req.nattrs, 3);
	polreq_free(&req);
	/* mixed, and one CR only is dropped */
	assert_int_equal(parse("request=smtpd_access_policy\n"
	    "sender=a\r\r\n\r\n", &req, &used), POLPROTO_REQ);
	assert_string_equal(req.attr[POLREQ_SENDER], "a\r");
	polreq_free(&req);
	/* every prefix needs more */
	for (size_t n = 0; n < strlen(crlf); n++)
		assert_int_equal(polproto_parse(crlf, n, &lim, &req, &used),
		    POLPROTO_MORE);
	/* a bad CRLF request is skipped to its end, the next one served */
	assert_int_equal(parse("hello\r\nworld\r\n\r\nrequest=x\r\n", &req,
	    &used), POLPROTO_ESYNTAX);
	assert_int_equal(used, strlen("hello\r\nworld\r\n\r\n"));
	assert_int_equal(parse("\r\n", &req, &used), POLPROTO_ESYNTAX);
	assert_int_equal(used, 2);
	assert_int_equal(polproto_skip("bad\r\n\r", 6, &nl, &done), 6);
	assert_int_equal(done, 0);
	assert_int_equal(polproto_skip("\nnext=1\r\n", 10, &nl, &done), 1);
	assert_int_equal(done, 1);
	/* a CR that is not at a line's start does not end a request */
	nl = 1;
	assert_int_equal(polproto_skip("x\r\r\nmore", 9, &nl, &done), 9);
	assert_int_equal(done, 0);
}

static void
errors_have_names(void **state)
{
	assert_string_equal(polproto_strerror(POLPROTO_ELINE), "line too long");
	assert_string_equal(polproto_strerror(POLPROTO_ESIZE),
	    "request too large");
	assert_string_equal(polproto_strerror(POLPROTO_EATTRS),
	    "too many attributes");
	assert_string_equal(polproto_strerror(POLPROTO_ESYNTAX),
	    "not a policy request");
}

/* Each broken rule is named in req.error, for the log line. */
static const struct {
	const char	*in;
	size_t		 len;	/* 0: strlen */
	const char	*error;
} rules[] = {
	{ "hello world\n\n", 0, "line without =" },
	{ "=value\n\n", 0, "empty attribute name" },
	{ "request=smtpd\0x\n\n", 17, "NUL byte" },
	{ "\n", 0, "empty request" },
	{ "sender=a@b.test\n\n", 0, "no request=smtpd_access_policy" },
	{ "request=junk\n\n", 0, "no request=smtpd_access_policy" },
	{ "request=smtpd_access_policy\nsender=a\nsender=b\n\n", 0,
	    "duplicated attribute" },
	/* Unknown attributes too, and the first one as well as the last. */
	{ "request=smtpd_access_policy\nfoo=1\nbar=2\nfoo=3\n\n", 0,
	    "duplicated attribute" },
	{ "request=smtpd_access_policy\nrequest=smtpd_access_policy\n\n", 0,
	    "duplicated attribute" },
};

static void
syntax_errors_name_the_rule(void **state)
{
	struct polreq	 req;
	size_t		 used, i, len;

	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		len = rules[i].len ? rules[i].len : strlen(rules[i].in);
		assert_int_equal(polproto_parse(rules[i].in, len, &lim, &req,
		    &used), POLPROTO_ESYNTAX);
		assert_non_null(req.error);
		assert_string_equal(req.error, rules[i].error);
		assert_null(req.raw);
	}
	/* Limits keep their own codes and no rule text. */
	assert_int_equal(parse("request=smtpd_access_policy\n"
	    "a=1\nb=1\nc=1\nd=1\ne=1\nf=1\ng=1\nh=1\n\n", &req, &used),
	    POLPROTO_EATTRS);
	assert_null(req.error);
}

static void
many_distinct_attributes_are_no_duplicate(void **state)
{
	struct polproto_limits big = { 64, 1000, 65536 };
	char		*buf = malloc(65536), *p = buf;
	struct polreq	 req;
	size_t		 used;
	int		 i;

	/* More names than the table on the stack: the heap table. */
	p += sprintf(p, "request=smtpd_access_policy\n");
	for (i = 0; i < 900; i++)
		p += sprintf(p, "attr%d=%d\n", i, i);
	p += sprintf(p, "\n");
	assert_int_equal(polproto_parse(buf, (size_t)(p - buf), &big, &req,
	    &used), POLPROTO_REQ);
	assert_int_equal(req.nattrs, 901);
	polreq_free(&req);
	p -= 1;
	p += sprintf(p, "attr450=again\n\n");
	assert_int_equal(polproto_parse(buf, (size_t)(p - buf), &big, &req,
	    &used), POLPROTO_ESYNTAX);
	assert_string_equal(req.error, "duplicated attribute");
	free(buf);
}

/*
 * Every limit exactly at the limit and one over (lim: a line of 64 bytes
 * without its LF, 8 attributes, 256 bytes with the empty line). A request
 * is "request=smtpd_access_policy\n" (27 + 1 bytes) and then lines of the
 * given lengths (without LF) named b=, c=, ...; tail is an unterminated
 * last line of that many bytes, else the empty line ends the request.
 */
static const struct {
	const char	*name;
	size_t		 lines[9];	/* 0 ends the list */
	size_t		 tail;		/* 0: the request is complete */
	int		 want;
} edges[] = {
	{ "a line of exactly max_line", { 64 }, 0, POLPROTO_REQ },
	{ "a line of max_line + 1", { 65 }, 0, POLPROTO_ELINE },
	{ "an unterminated tail of exactly max_line", { 0 }, 64, POLPROTO_MORE },
	{ "an unterminated tail of max_line + 1", { 0 }, 65, POLPROTO_ELINE },
	{ "exactly max_attrs attributes", { 3, 3, 3, 3, 3, 3, 3 }, 0,
	    POLPROTO_REQ },
	{ "max_attrs + 1 attributes", { 3, 3, 3, 3, 3, 3, 3, 3 }, 0,
	    POLPROTO_EATTRS },
	{ "exactly max_request bytes", { 64, 64, 64, 31 }, 0, POLPROTO_REQ },
	{ "max_request + 1 bytes, by the empty line", { 64, 64, 64, 32 }, 0,
	    POLPROTO_ESIZE },
	{ "max_request + 1 bytes, by a line's LF", { 64, 64, 64, 33 }, 0,
	    POLPROTO_ESIZE },
	{ "an unterminated tail at exactly max_request", { 64, 64, 64 }, 33,
	    POLPROTO_MORE },
	{ "an unterminated tail at max_request + 1", { 64, 64, 64 }, 34,
	    POLPROTO_ESIZE },
};

static size_t
edge_request(char *buf, size_t i)
{
	char	*p = buf;
	size_t	 j;

	p += sprintf(p, "request=smtpd_access_policy\n");
	for (j = 0; edges[i].lines[j] != 0; j++) {
		*p++ = (char)('b' + j);
		*p++ = '=';
		memset(p, 'v', edges[i].lines[j] - 2);
		p += edges[i].lines[j] - 2;
		*p++ = '\n';
	}
	if (edges[i].tail != 0) {
		memset(p, 'w', edges[i].tail);
		p += edges[i].tail;
	} else
		*p++ = '\n';
	return (size_t)(p - buf);
}

static void
limits_exactly_at_the_limit(void **state)
{
	struct polreq	 req;
	size_t		 used, len, i;
	char		 buf[1024];
	int		 rc;

	for (i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
		len = edge_request(buf, i);
		rc = polproto_parse(buf, len, &lim, &req, &used);
		if (rc != edges[i].want)
			fail_msg("%s: got %d (%s), want %d", edges[i].name, rc,
			    polproto_strerror(rc), edges[i].want);
		if (rc == POLPROTO_REQ) {
			assert_int_equal(used, len);
			assert_string_equal(req.attr[POLREQ_REQUEST],
			    "smtpd_access_policy");
			polreq_free(&req);
		} else if (rc < 0 && edges[i].tail == 0)
			assert_int_equal(used, len);	/* skipped whole */
		else
			assert_int_equal(used, 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(whole_request_gives_known_attributes),
		cmocka_unit_test(value_may_hold_equals_signs),
		cmocka_unit_test(every_prefix_needs_more),
		cmocka_unit_test(limits_are_enforced_before_the_end),
		cmocka_unit_test(limits_exactly_at_the_limit),
		cmocka_unit_test(garbage_is_a_syntax_error_with_its_length),
		cmocka_unit_test(skip_finds_the_end_across_calls),
		cmocka_unit_test(crlf_lines_are_lines),
		cmocka_unit_test(errors_have_names),
		cmocka_unit_test(syntax_errors_name_the_rule),
		cmocka_unit_test(many_distinct_attributes_are_no_duplicate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
