/*
 * NAME
 *	test_linelimit - lines broken as Postfix's smtp(8) breaks them
 * DESCRIPTION
 *	Against a reference written from Postfix's smtp_text_out() (the
 *	first 998 octets, then CRLF, a space and up to 997 more per line),
 *	fed whole and in every split into two chunks, so a CR at the end of
 *	a chunk is followed too. The integration test (test_milter_enroll)
 *	checks the real thing: a long line through Postfix, verified by
 *	dkimpy at the sink.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "linelimit.h"

struct sink {
	unsigned char	 buf[65536];
	size_t		 n;
	int		 fail_at;	/* out() fails on this call; 0: never */
	int		 calls;
};

static int
out(void *arg, const unsigned char *b, size_t len)
{
	struct sink	*s = arg;

	if (++s->calls == s->fail_at)
		return 7;
	assert_true(s->n + len <= sizeof(s->buf));
	memcpy(s->buf + s->n, b, len);
	s->n += len;
	return 0;
}

/* keep_tail - out() that keeps only the last 16 octets given */
static int
keep_tail(void *arg, const unsigned char *b, size_t len)
{
	struct {
		unsigned char	 last[16];
		size_t		 n;
	} *t = arg;
	size_t	 i;

	for (i = 0; i < len; i++) {
		memmove(t->last, t->last + 1, 15);
		t->last[15] = b[i];
	}
	t->n += len;
	return 0;
}

/* ref - one line's text (no line end) as smtp_text_out() sends it */
static size_t
ref_line(const char *in, size_t len, size_t limit, char *o)
{
	size_t	 k = 0, room = limit;

	while (len > 0) {
		size_t	 take = len < room ? len : room;

		memcpy(o + k, in, take);
		k += take;
		in += take;
		len -= take;
		if (len > 0) {
			memcpy(o + k, "\r\n ", 3);
			k += 3;
			room = limit - 1;
		}
	}
	return k;
}

/* ref - a text of CRLF-ended lines */
static size_t
ref(const char *in, size_t limit, char *o)
{
	const char	*p = in, *e;
	size_t		 k = 0;

	while (*p) {
		e = strstr(p, "\r\n");
		if (e == NULL)
			e = p + strlen(p);
		k += ref_line(p, (size_t)(e - p), limit, o + k);
		if (*e == '\0')
			break;
		memcpy(o + k, "\r\n", 2);
		k += 2;
		p = e + 2;
	}
	return k;
}

/* run - in through linelimit, whole and split at every point */
static void
check_text(const char *in, size_t limit)
{
	static char	 want[65536];
	struct sink	 s;
	struct linelimit ll;
	size_t		 wn = ref(in, limit, want), len = strlen(in), cut;

	for (cut = 0; cut <= len; cut++) {
		memset(&s, 0, sizeof(s));
		linelimit_init(&ll, limit);
		assert_int_equal(linelimit_feed(&ll, (const unsigned char *)in,
		    cut, out, &s), 0);
		assert_int_equal(linelimit_feed(&ll,
		    (const unsigned char *)in + cut, len - cut, out, &s), 0);
		assert_int_equal(linelimit_end(&ll, out, &s), 0);
		assert_int_equal(s.n, wn);
		assert_memory_equal(s.buf, want, wn);
	}
}

static char *
line(char c, size_t n)
{
	char	*p = malloc(n + 1);

	assert_non_null(p);
	memset(p, c, n);
	p[n] = '\0';
	return p;
}

static void
short_lines_pass_as_they_are(void **state)
{
	(void)state;
	check_text("Hello\r\n\r\nworld\r\n", 998);
	check_text("", 998);
	check_text("no line end", 998);
}

static void
long_lines_broken_like_postfix(void **state)
{
	char	 buf[9000];
	char	*a = line('a', 998), *b = line('b', 999), *c = line('c', 998 + 997),
		*d = line('d', 998 + 997 + 1), *e = line('e', 5000);

	(void)state;
	/* exactly the limit: not broken; one more: broken once */
	snprintf(buf, sizeof(buf), "%s\r\n%s\r\n", a, b);
	check_text(buf, 998);
	/* a continuation line takes 997 (the space is the 998th) */
	snprintf(buf, sizeof(buf), "%s\r\n%s\r\nend\r\n", c, d);
	check_text(buf, 998);
	snprintf(buf, sizeof(buf), "%s", e);
	check_text(buf, 998);
	/* small limits, CRs inside lines (text) and at every chunk edge */
	check_text("abcdefghij\r\nab\rcdefgh\r\r\n\rxyz\r", 4);
	check_text("\r\r\r\r\r\r\r\r\r\n", 3);
	free(a); free(b); free(c); free(d); free(e);
}

static void
counts_breaks_and_off(void **state)
{
	struct linelimit ll;
	struct sink	 s;
	char		*e = line('e', 2000);

	(void)state;
	memset(&s, 0, sizeof(s));
	linelimit_init(&ll, 998);
	assert_int_equal(linelimit_feed(&ll, (const unsigned char *)e, 2000,
	    out, &s), 0);
	assert_int_equal(linelimit_end(&ll, out, &s), 0);
	assert_int_equal(ll.breaks, 2);
	/* 0: off, passed as is */
	memset(&s, 0, sizeof(s));
	linelimit_init(&ll, 0);
	assert_int_equal(linelimit_feed(&ll, (const unsigned char *)e, 2000,
	    out, &s), 0);
	assert_int_equal(linelimit_end(&ll, out, &s), 0);
	assert_int_equal(s.n, 2000);
	assert_int_equal(ll.breaks, 0);
	free(e);
}

static void
out_failure_returned(void **state)
{
	struct linelimit ll;
	struct sink	 s;
	char		*e = line('e', 10000);

	(void)state;
	memset(&s, 0, sizeof(s));
	s.fail_at = 2;		/* the buffer's second flush */
	linelimit_init(&ll, 998);
	assert_int_equal(linelimit_feed(&ll, (const unsigned char *)e, 10000,
	    out, &s), 7);
	free(e);
}

/* A bare LF ends a line too, in the middle of a chunk as at its end; with
 * the limit off, a single octet and an empty chunk pass as they are. */
static void
bare_lf_and_tiny_chunks(void **state)
{
	static const struct {
		const char	*name;
		size_t		 limit;
		const char	*in;
		const char	*want;
	} t[] = {
		{ "bare LF mid-chunk resets the room", 4, "abcdef\nabcdef\nx",
		  "abcd\r\n ef\nabcd\r\n ef\nx" },
		{ "bare LFs only", 2, "\n\n\nab", "\n\n\nab" },
		{ "CRLF then a bare LF", 3, "abcd\r\nabcd\nab",
		  "abc\r\n d\r\nabc\r\n d\nab" },
		{ "off: one octet", 0, "x", "x" },
		{ "off: nothing", 0, "", "" },
	};
	struct linelimit ll;
	struct sink	 s;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&s, 0, sizeof(s));
		linelimit_init(&ll, t[i].limit);
		if (linelimit_feed(&ll, (const unsigned char *)t[i].in,
		    strlen(t[i].in), out, &s) != 0 ||
		    linelimit_end(&ll, out, &s) != 0)
			fail_msg("%s: failed", t[i].name);
		if (s.n != strlen(t[i].want) ||
		    memcmp(s.buf, t[i].want, s.n) != 0)
			fail_msg("%s: got '%.*s'", t[i].name, (int)s.n,
			    (const char *)s.buf);
	}
}

/* out()'s error comes back from wherever the buffer fills: a line end
 * (CRLF, bare LF), a CR inside a line, a break, a CR that waited. */
static void
out_failure_returned_from_every_put(void **state)
{
	static const struct {
		const char	*name;
		size_t		 limit;
		const char	*unit;	/* repeated past the buffer's size */
	} t[] = {
		{ "CRLF line ends", 998, "\r\n" },
		{ "bare LF line ends", 998, "\n" },
		{ "CRs inside a line", 100000, "\rx" },
		{ "breaks of a long line (fills at its text)", 1, "x" },
		{ "breaks of a long line (fills in a break)", 2, "x" },
	};
	static unsigned char in[3 * 4096 * 2];
	struct linelimit ll;
	struct sink	 s;
	size_t		 i, k, ul;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ul = strlen(t[i].unit);
		for (k = 0; k + ul <= sizeof(in); k += ul)
			memcpy(in + k, t[i].unit, ul);
		memset(&s, 0, sizeof(s));
		s.fail_at = 1;
		linelimit_init(&ll, t[i].limit);
		if (linelimit_feed(&ll, in, k, out, &s) != 7)
			fail_msg("%s: out's failure lost", t[i].name);
	}
	/* a CR that waited, given on at the end into a full buffer */
	memset(&s, 0, sizeof(s));
	linelimit_init(&ll, 100000);
	memset(in, 'x', 4096);
	in[4096] = '\r';
	s.fail_at = 1;
	assert_int_equal(linelimit_feed(&ll, in, 4095, out, &s), 7);
	memset(&s, 0, sizeof(s));
	s.fail_at = 2;
	linelimit_init(&ll, 100000);
	assert_int_equal(linelimit_feed(&ll, in, 4096, out, &s), 0);
	assert_int_equal(linelimit_feed(&ll, in + 4096, 1, out, &s), 0);
	assert_int_equal(linelimit_end(&ll, out, &s), 7);
}

/*
 * pf_record - Postfix's smtp_text_out() for one queue file record (cont:
 * REC_TYPE_CONT, else REC_TYPE_NORM), *space its state.space_left
 */
static size_t
pf_record(const char *p, size_t left, int cont, size_t limit, size_t *space,
    char *o)
{
	size_t	 k = 0;

	do {
		if (left >= *space) {
			memcpy(o + k, p, *space);
			k += *space;
			memcpy(o + k, "\r\n", 2);
			k += 2;
			p += *space;
			left -= *space;
			*space = limit;
			if (left > 0 || cont) {
				o[k++] = ' ';
				*space -= 1;
			}
		} else {
			memcpy(o + k, p, left);
			k += left;
			if (cont)
				*space -= left;
			else {
				memcpy(o + k, "\r\n", 2);
				k += 2;
				*space = limit;
			}
			break;
		}
	} while (left > 0);
	return k;
}

/*
 * pf_line - one line (no line end) as smtpd stores it, in records of rec
 * octets (continued) and a last one with the rest, empty when the line
 * is a multiple of rec long, and as smtp(8) then sends it: with its CRLF
 */
static size_t
pf_line(const char *in, size_t len, size_t limit, size_t rec, char *o)
{
	size_t	 k = 0, space = limit;

	for (; len >= rec; in += rec, len -= rec)
		k += pf_record(in, rec, 1, limit, &space, o + k);
	return k + pf_record(in, len, 0, limit, &space, o + k);
}

/*
 * Lines that a queue file keeps in records: every length up to 3 records
 * for several limits and record lengths (the lengths where a line ends on
 * a record edge with its last output line full among them), each
 * followed by another line, against smtp_text_out() itself over the
 * records; then the first such length under Postfix's defaults.
 */
static void
lines_in_records_sent_like_postfix(void **state)
{
	static const size_t lims[][2] = {
		{ 10, 19 }, { 10, 10 }, { 4, 7 }, { 6, 11 }, { 8, 15 },
		{ 5, 4 }, { 3, 2 }, { 6, 30 }, { 998, 2048 },
	};
	static char	 in[4096], want[8192];
	struct linelimit ll;
	struct sink	 s;
	size_t		 i, len, wn, edges = 0;

	(void)state;
	memset(in, 'a', sizeof(in));
	for (i = 0; i < sizeof(lims) / sizeof(lims[0]); i++) {
		size_t	 limit = lims[i][0], rec = lims[i][1];

		for (len = 0; len <= 3 * rec && len + 3 < sizeof(in); len++) {
			memcpy(in + len, "\r\nb", 3);
			wn = pf_line(in, len, limit, rec, want);
			wn += pf_line("b", 1, limit, rec, want + wn) - 2;
			memset(&s, 0, sizeof(s));
			linelimit_init(&ll, limit);
			linelimit_records(&ll, rec);
			assert_int_equal(linelimit_feed(&ll,
			    (const unsigned char *)in, len + 3, out, &s), 0);
			assert_int_equal(linelimit_end(&ll, out, &s), 0);
			if (s.n != wn || memcmp(s.buf, want, wn) != 0)
				fail_msg("limit %zu, records %zu, a line of "
				    "%zu: got '%.*s', want '%.*s'", limit, rec,
				    len, (int)s.n, (const char *)s.buf,
				    (int)wn, want);
			edges += memmem(want, wn, "\r\n \r\n", 5) != NULL;
			memset(in + len, 'a', 3);
		}
	}
	assert_true(edges >= 5);
}

/* 1,550,336 = 998 + 997 * 1554 = 757 * 2048: one more line, a space */
static void
first_record_edge_under_postfix_defaults(void **state)
{
	static const unsigned char tail[] = "\r\nafter\r\n";
	struct linelimit ll;
	size_t		 len = 1550336, n;
	unsigned char	*in = malloc(len + sizeof(tail));
	struct {
		unsigned char	 last[16];
		size_t		 n;
	} s = { { 0 }, 0 };

	(void)state;
	assert_non_null(in);
	memset(in, 'a', len);
	memcpy(in + len, tail, sizeof(tail) - 1);
	for (n = 0; n < 2; n++) {
		memset(&s, 0, sizeof(s));
		linelimit_init(&ll, 998);
		linelimit_records(&ll, 2048);
		assert_int_equal(linelimit_feed(&ll, in + n, len - n +
		    sizeof(tail) - 1, keep_tail, &s), 0);
		assert_int_equal(linelimit_end(&ll, keep_tail, &s), 0);
		if (n == 0)
			assert_memory_equal(s.last + 16 - 13,
			    "a\r\n \r\nafter\r\n", 13);
		else	/* one octet shorter: no edge */
			assert_memory_equal(s.last + 16 - 10,
			    "a\r\nafter\r\n", 10);
	}
	free(in);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(short_lines_pass_as_they_are),
		cmocka_unit_test(long_lines_broken_like_postfix),
		cmocka_unit_test(counts_breaks_and_off),
		cmocka_unit_test(out_failure_returned),
		cmocka_unit_test(bare_lf_and_tiny_chunks),
		cmocka_unit_test(out_failure_returned_from_every_put),
		cmocka_unit_test(lines_in_records_sent_like_postfix),
		cmocka_unit_test(first_record_edge_under_postfix_defaults),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
