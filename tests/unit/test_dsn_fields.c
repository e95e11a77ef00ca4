/*
 * NAME
 *	test_dsn_fields - the bounce reader (policyd/dsn.c) one field at a
 *	time: Status, Action, the recipient addresses, Diagnostic-Code,
 *	Reporting-MTA, X-Postfix-Queue-ID; then the limits
 *	(DSN_RCPTS_MAX, DSN_DIAG_MAX on a UTF-8 boundary, DSN_DEPTH_MAX,
 *	DSN_INPUT_MAX) and NUL bytes
 * DESCRIPTION
 *	Each case is a per-message block and one recipient block, put in
 *	the same small report; one field of the result is compared. Whole
 *	messages: test_dsn.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dsn.h"

enum field { F_MTA, F_QID, F_FINAL, F_ORIG, F_ACTION, F_STATUS, F_DIAG };

struct fcase {
	const char	*permsg;	/* the per-message block */
	const char	*rcpt;		/* one recipient block */
	enum field	 f;
	const char	*want;
};

#define MTA	"Reporting-MTA: dns; mx.example\n"
#define A	"Action: failed\n"
#define FR	"Final-Recipient: rfc822; a@b.test\n"

static const struct fcase fc[] = {
	/* Status: RFC 3463 class.subject.detail, a comment after it */
	{ MTA, A "Status: 5.1.1\n", F_STATUS, "5.1.1" },
	{ MTA, A "Status: 5.1\n", F_STATUS, "" },
	{ MTA, A "Status: 9.1.1\n", F_STATUS, "" },
	{ MTA, A "Status: 3.1.1\n", F_STATUS, "" },
	{ MTA, A "Status: 5.1.1234\n", F_STATUS, "" },
	{ MTA, A "Status: 5.1234.1\n", F_STATUS, "" },
	{ MTA, A "Status: abc\n", F_STATUS, "" },
	{ MTA, A "Status: 5.1.1 (bad destination mailbox address)\n",
	  F_STATUS, "5.1.1" },
	{ MTA, A "Status: 5.1.1(no space)\n", F_STATUS, "5.1.1" },
	{ MTA, A "Status: (before) 4.7.1\n", F_STATUS, "4.7.1" },
	{ MTA, A "Status: 5.123.123\n", F_STATUS, "5.123.123" },
	{ MTA, A "Status: 2.0.0\n", F_STATUS, "2.0.0" },
	{ MTA, A "Status: 4.4.7 \n", F_STATUS, "4.4.7" },
	{ MTA, A "Status: 5.1.1x\n", F_STATUS, "" },
	{ MTA, A "Status: 5.1.1.\n", F_STATUS, "" },
	{ MTA, A "Status: 5..1\n", F_STATUS, "" },
	{ MTA, A "Status: 5.1.\n", F_STATUS, "" },
	{ MTA, A "Status: 550 5.1.1\n", F_STATUS, "" },
	{ MTA, A "Status:\n", F_STATUS, "" },
	{ MTA, A "Status: 5.1.1\001\n", F_STATUS, "" },
	{ MTA, A "Status: \n 5.2.2\n", F_STATUS, "5.2.2" },
	{ MTA, A "STATUS: 5.2.1\n", F_STATUS, "5.2.1" },
	{ MTA, A "Status: 5.1.1\nStatus: 4.0.0\n", F_STATUS, "5.1.1" },
	/* Action: the five words, any case */
	{ MTA, "Action: Failed\n", F_ACTION, "failed" },
	{ MTA, "Action: DELAYED (retrying)\n", F_ACTION, "delayed" },
	{ MTA, "Action: delivered\n", F_ACTION, "delivered" },
	{ MTA, "Action: relayed\n", F_ACTION, "relayed" },
	{ MTA, "Action: expanded\n", F_ACTION, "expanded" },
	{ MTA, "Action: bounced\n", F_ACTION, "" },
	{ MTA, "Action: failed now\n", F_ACTION, "" },
	{ MTA, "Action: fail\n", F_ACTION, "" },
	{ MTA, "Action: failedfailedfailed\n", F_ACTION, "" },
	{ MTA, "Action:\n", F_ACTION, "" },
	/* Final-Recipient, Original-Recipient: rfc822 or utf-8 */
	{ MTA, "Final-Recipient: rfc822; Gone@Rcpt.Test\n", F_FINAL,
	  "gone@rcpt.test" },
	{ MTA, "Final-Recipient: rfc822;<gone@rcpt.test>\n", F_FINAL,
	  "gone@rcpt.test" },
	{ MTA, "Final-Recipient: RFC822 ; <gone@rcpt.test> \n", F_FINAL,
	  "gone@rcpt.test" },
	{ MTA, "Final-Recipient: rfc822;\n\tgone@rcpt.test\n", F_FINAL,
	  "gone@rcpt.test" },
	{ MTA, "Final-Recipient: utf-8; gone@rcpt.test\n", F_FINAL,
	  "gone@rcpt.test" },
	{ MTA, "Final-Recipient: x400; /G=Gone/S=R/O=rcpt/C=test/\n", F_FINAL,
	  "" },
	{ MTA, "Final-Recipient: X-Unknown; gone@rcpt.test\n", F_FINAL, "" },
	{ MTA, "Final-Recipient: gone@rcpt.test\n", F_FINAL, "" },
	{ MTA, "Final-Recipient: rfc822; not an address\n", F_FINAL, "" },
	{ MTA, "Final-Recipient: rfc822; <>\n", F_FINAL, "" },
	{ MTA, "Final-Recipient: rfc822; gone@rcpt.test (comment)\n", F_FINAL,
	  "" },
	{ MTA, "Final-Recipient: rfc822; go\001ne@rcpt.test\n", F_FINAL, "" },
	{ MTA, "Final-Recipient: rfc822; gone@rcpt.test\n"
	  "Final-Recipient: rfc822; second@rcpt.test\n", F_FINAL,
	  "gone@rcpt.test" },
	{ MTA, "Original-Recipient: rfc822;Gone@rcpt.test\n", F_ORIG,
	  "gone@rcpt.test" },
	{ MTA, "Original-Recipient: x400; gone\n", F_ORIG, "" },
	/* Diagnostic-Code: the text after its type */
	{ MTA, A "Diagnostic-Code: smtp; 550 5.1.1 User unknown\n", F_DIAG,
	  "550 5.1.1 User unknown" },
	{ MTA, A "Diagnostic-Code: X-Postfix; delivery temporarily "
	  "suspended\n", F_DIAG, "delivery temporarily suspended" },
	{ MTA, A "Diagnostic-Code: smtp;550 a; b\n", F_DIAG, "550 a; b" },
	{ MTA, A "Diagnostic-Code: 550 no type here; x\n", F_DIAG,
	  "550 no type here; x" },
	{ MTA, A "Diagnostic-Code: smtp;\n", F_DIAG, "" },
	{ MTA, A "Diagnostic-Code: smtp; 550 a\n\tb\n", F_DIAG, "550 a b" },
	/* Postfix folds with four spaces: one space each run */
	{ MTA, A "Diagnostic-Code: smtp; 550 a:\n    b  c\t\td\n", F_DIAG,
	  "550 a: b c d" },
	{ MTA, A "Diagnostic-Code: smtp; 550\tuser\001unknown\177!\r\n", F_DIAG,
	  "550 user unknown !" },
	{ MTA, A "Diagnostic-Code: smtp; \001\002 550 x \033\n", F_DIAG,
	  "550 x" },
	{ MTA, A "Diagnostic-Code: smtp; 550 a\rb\n", F_DIAG, "550 a b" },
	/* Reporting-MTA: dns only; X-Postfix-Queue-ID: letters, digits */
	{ "Reporting-MTA: dns; relay.example\n", A, F_MTA, "relay.example" },
	{ "Reporting-MTA: DNS;mx.example (Postfix)\n", A, F_MTA, "mx.example" },
	{ "Reporting-MTA: x-local-hostname; relay\n", A, F_MTA, "" },
	{ "Reporting-MTA: relay.example\n", A, F_MTA, "" },
	{ "Reporting-MTA: dns;\n", A, F_MTA, "" },
	{ "Reporting-MTA: dns; relay\001.example\n", A, F_MTA, "" },
	{ "X-Postfix-Queue-ID: 4ABCDEF012\n", A, F_QID, "4ABCDEF012" },
	{ "x-postfix-queue-id:  4WkX7b3Zq9z9sTt \n", A, F_QID,
	  "4WkX7b3Zq9z9sTt" },
	{ "X-Postfix-Queue-ID: 4ABC-12\n", A, F_QID, "" },
	{ "X-Postfix-Queue-ID: 4ABC 12\n", A, F_QID, "" },
	{ "X-Postfix-Queue-ID:\n", A, F_QID, "" },
	/* per-message fields count in the first block only */
	{ MTA, A "X-Postfix-Queue-ID: 4ABC\n", F_QID, "" },
	{ "", "X-Postfix-Queue-ID: 4ABC\n" A, F_QID, "4ABC" },
	{ MTA "Reporting-MTA: dns; second.example\n", A, F_MTA, "mx.example" },
};

/* report - a DSN around the blocks (heap) */
static char *
report(const char *permsg, const char *rcpt, size_t *n)
{
	static const char head[] = "Content-Type: multipart/report; "
	    "report-type=delivery-status; boundary=f\n\n--f\n"
	    "Content-Type: message/delivery-status\n\n";
	static const char tail[] = "\n--f--\n";
	char	*m;

	*n = strlen(head) + strlen(permsg) + 1 + strlen(rcpt) + strlen(tail);
	m = malloc(*n + 1);
	assert_non_null(m);
	snprintf(m, *n + 1, "%s%s\n%s%s", head, permsg, rcpt, tail);
	return m;
}

/* value - field f of the first group (or of the message) */
static const char *
value(const struct dsn *d, enum field f)
{
	switch (f) {
	case F_MTA:
		return d->reporting_mta;
	case F_QID:
		return d->postfix_qid;
	case F_FINAL:
		return d->rcpt[0].final_rcpt;
	case F_ORIG:
		return d->rcpt[0].orig_rcpt;
	case F_ACTION:
		return d->rcpt[0].action;
	case F_STATUS:
		return d->rcpt[0].status;
	default:
		return d->rcpt[0].diag;
	}
}

static void
fields_one_at_a_time(void **state)
{
	struct dsn	*d = malloc(sizeof(*d));
	const char	*why;
	char		*m;
	size_t		 i, n;
	int		 rc;

	(void)state;
	assert_non_null(d);
	for (i = 0; i < sizeof(fc) / sizeof(fc[0]); i++) {
		m = report(fc[i].permsg, fc[i].rcpt, &n);
		rc = dsn_parse(m, n, d, &why);
		if (rc != 0 || d->nrcpt != 1 ||
		    strcmp(value(d, fc[i].f), fc[i].want) != 0)
			fail_msg("case %zu (%s%s): rc %d why '%s' nrcpt %zu "
			    "value '%s'", i, fc[i].permsg, fc[i].rcpt, rc, why,
			    d->nrcpt, value(d, fc[i].f));
		free(m);
	}
	free(d);
}

/* dsn_of - a DSN whose delivery-status body is ds[0..n) (heap) */
static char *
dsn_of(const char *ds, size_t dn, size_t *n)
{
	static const char head[] = "Content-Type: multipart/report; "
	    "report-type=delivery-status; boundary=L\n\n--L\n"
	    "Content-Type: message/delivery-status\n\n";
	static const char tail[] = "\n--L--\n";
	char	*m;

	*n = strlen(head) + dn + strlen(tail);
	m = malloc(*n + 1);
	assert_non_null(m);
	memcpy(m, head, strlen(head));
	memcpy(m + strlen(head), ds, dn);
	memcpy(m + strlen(head) + dn, tail, strlen(tail) + 1);
	return m;
}

/* A Diagnostic-Code of any length is cut to fit, never inside a UTF-8
 * sequence; a NUL in the value is a space like any control. */
static void
long_and_odd_diagnostics(void **state)
{
	static const struct {
		size_t		 pad;	/* "a" before the tail */
		const char	*tail;
		size_t		 keep;	/* octets kept */
	} lc[] = {
		{ DSN_DIAG_MAX - 1, "", DSN_DIAG_MAX - 1 },
		{ DSN_DIAG_MAX - 1, "b", DSN_DIAG_MAX - 1 },
		{ DSN_DIAG_MAX - 2, "\xc3\xa9", DSN_DIAG_MAX - 2 },
		{ DSN_DIAG_MAX - 3, "\xc3\xa9", DSN_DIAG_MAX - 1 },
		{ DSN_DIAG_MAX - 2, "\xe2\x82\xac", DSN_DIAG_MAX - 2 },
		{ DSN_DIAG_MAX - 3, "\xe2\x82\xac", DSN_DIAG_MAX - 3 },
		{ DSN_DIAG_MAX - 4, "\xe2\x82\xac", DSN_DIAG_MAX - 1 },
		{ DSN_DIAG_MAX - 2, "\xf0\x9f\x93\xab", DSN_DIAG_MAX - 2 },
		{ DSN_DIAG_MAX - 4, "\xf0\x9f\x93\xab", DSN_DIAG_MAX - 4 },
		{ DSN_DIAG_MAX - 5, "\xf0\x9f\x93\xab", DSN_DIAG_MAX - 1 },
		/* not UTF-8: continuation bytes alone are cut as bytes */
		{ DSN_DIAG_MAX - 2, "\x80\x80\x80\x80\x80", DSN_DIAG_MAX - 1 },
		/* the cut leaves a space at the end: trimmed */
		{ DSN_DIAG_MAX - 2, " bc", DSN_DIAG_MAX - 2 },
		{ 100 * 1024, "", DSN_DIAG_MAX - 1 },
	};
	static const char nul[] = "Final-Recipient: rfc822; a@b.test\n"
	    "Diagnostic-Code: smtp; 550 a\0b\n";
	struct dsn	*d = malloc(sizeof(*d));
	char		*ds, *m, want[DSN_DIAG_MAX + 8];
	size_t		 i, n, pre = strlen("Action: failed\n"
			    "Diagnostic-Code: smtp; ");

	(void)state;
	assert_non_null(d);
	for (i = 0; i < sizeof(lc) / sizeof(lc[0]); i++) {
		ds = malloc(pre + lc[i].pad + strlen(lc[i].tail) + 2);
		assert_non_null(ds);
		memcpy(ds, "Action: failed\nDiagnostic-Code: smtp; ", pre);
		memset(ds + pre, 'a', lc[i].pad);
		n = pre + lc[i].pad;
		memcpy(ds + n, lc[i].tail, strlen(lc[i].tail));
		n += strlen(lc[i].tail);
		ds[n++] = '\n';
		m = dsn_of(ds, n, &n);
		assert_int_equal(dsn_parse(m, n, d, NULL), 0);
		memset(want, 'a', sizeof(want));
		if (lc[i].pad < lc[i].keep)
			memcpy(want + lc[i].pad, lc[i].tail,
			    lc[i].keep - lc[i].pad);
		want[lc[i].keep] = '\0';
		if (strcmp(d->rcpt[0].diag, want) != 0)
			fail_msg("case %zu: %zu octets, not %zu", i,
			    strlen(d->rcpt[0].diag), lc[i].keep);
		free(m);
		free(ds);
	}
	m = dsn_of(nul, sizeof(nul) - 1, &n);
	assert_int_equal(dsn_parse(m, n, d, NULL), 0);
	assert_string_equal(d->rcpt[0].final_rcpt, "a@b.test");
	assert_string_equal(d->rcpt[0].diag, "550 a b");
	free(m);
	free(d);
}

/* More than DSN_RCPTS_MAX groups: the first are kept, all counted. */
static void
many_recipients(void **state)
{
	struct dsn	*d = malloc(sizeof(*d));
	char		*ds, *m;
	size_t		 i, n = 0, cap = 200 * (DSN_RCPTS_MAX + 10);

	(void)state;
	assert_non_null(d);
	ds = malloc(cap);
	assert_non_null(ds);
	n += (size_t)snprintf(ds + n, cap - n, "Reporting-MTA: dns; m.ex\n");
	for (i = 0; i < DSN_RCPTS_MAX + 6; i++)
		n += (size_t)snprintf(ds + n, cap - n, "\nFinal-Recipient: "
		    "rfc822; r%zu@rcpt.test\nAction: failed\nStatus: 5.1.1\n",
		    i);
	m = dsn_of(ds, n, &n);
	assert_int_equal(dsn_parse(m, n, d, NULL), 0);
	assert_int_equal(d->nrcpt, DSN_RCPTS_MAX);
	assert_int_equal(d->nrcpt_seen, DSN_RCPTS_MAX + 6);
	assert_string_equal(d->rcpt[0].final_rcpt, "r0@rcpt.test");
	assert_string_equal(d->rcpt[DSN_RCPTS_MAX - 1].final_rcpt,
	    "r63@rcpt.test");
	assert_string_equal(d->rcpt[DSN_RCPTS_MAX - 1].status, "5.1.1");
	free(m);
	free(ds);
	free(d);
}

/* Multipart levels deeper than DSN_DEPTH_MAX are not opened. */
static void
depth_limit(void **state)
{
	struct dsn	*d = malloc(sizeof(*d));
	char		 m[8192];
	const char	*why;
	size_t		 levels, i, o;

	(void)state;
	assert_non_null(d);
	for (levels = DSN_DEPTH_MAX; levels <= DSN_DEPTH_MAX + 1; levels++) {
		o = 0;
		for (i = 0; i + 1 < levels; i++)
			o += (size_t)snprintf(m + o, sizeof(m) - o,
			    "Content-Type: multipart/mixed; boundary=l%zu\n"
			    "\n--l%zu\n", i, i);
		o += (size_t)snprintf(m + o, sizeof(m) - o,
		    "Content-Type: multipart/report; boundary=r\n\n--r\n"
		    "Content-Type: message/delivery-status\n\n"
		    "Action: failed\n\n--r--\n");
		for (i = levels - 1; i-- > 0;)
			o += (size_t)snprintf(m + o, sizeof(m) - o,
			    "--l%zu--\n", i);
		assert_true(o < sizeof(m));
		assert_int_equal(dsn_parse(m, o, d, &why),
		    levels == DSN_DEPTH_MAX ? 0 : -1);
		if (levels > DSN_DEPTH_MAX)
			assert_string_equal(why,
			    "not a delivery status report");
	}
	free(d);
}

/* Only the first DSN_INPUT_MAX bytes count. */
static void
input_limit(void **state)
{
	static const char head[] = "Content-Type: multipart/report; "
	    "report-type=delivery-status; boundary=q\n\n--q\n"
	    "Content-Type: message/delivery-status\n\n"
	    "Final-Recipient: rfc822; a@b.test\n";
	static const char second[] = "\nFinal-Recipient: rfc822; c@d.test\n";
	struct dsn	*d = malloc(sizeof(*d));
	size_t		 n = DSN_INPUT_MAX + 4096, hl = strlen(head);
	char		*m = malloc(n);

	(void)state;
	assert_non_null(d);
	assert_non_null(m);
	memset(m, '\n', n);
	memcpy(m, head, hl);
	/* the second block ends right at the limit: counted */
	memcpy(m + DSN_INPUT_MAX - strlen(second), second, strlen(second));
	assert_int_equal(dsn_parse(m, n, d, NULL), 0);
	assert_int_equal(d->nrcpt_seen, 2);
	assert_string_equal(d->rcpt[1].final_rcpt, "c@d.test");
	/* 20 bytes later its field name is cut: no second recipient */
	memset(m + hl, '\n', n - hl);
	memcpy(m + DSN_INPUT_MAX - strlen(second) + 20, second,
	    strlen(second));
	assert_int_equal(dsn_parse(m, n, d, NULL), 0);
	assert_int_equal(d->nrcpt_seen, 1);
	free(m);
	free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fields_one_at_a_time),
		cmocka_unit_test(long_and_odd_diagnostics),
		cmocka_unit_test(many_recipients),
		cmocka_unit_test(depth_limit),
		cmocka_unit_test(input_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
