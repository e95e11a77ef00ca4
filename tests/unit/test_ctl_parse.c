/*
 * NAME
 *	test_ctl_parse - relayctl's pure parsers: selectors, TXT strings,
 *	times, suppression import rows, DKIM tags
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "parse.h"

#define NOW	1795000000	/* 2026-11-18 11:06:40Z */

/* sel_ok - s is "rs" + 20261118 + 4 characters of [a-z2-7] */
static int
sel_ok(const char *s)
{
	size_t	 i;

	if (strlen(s) != 14 || strncmp(s, "rs20261118", 10) != 0)
		return 0;
	for (i = 10; i < 14; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '2' &&
		    s[i] <= '7')))
			return 0;
	return 1;
}

static void
selector_is_prefix_date_and_random_base32(void **state)
{
	static const unsigned char zero[3] = { 0, 0, 0 }, ones[3] = { 0xff,
	    0xff, 0xff }, mix[3] = { 0x12, 0x34, 0x56 };
	char	 s[PARSE_SELECTOR_MAX];

	(void)state;
	assert_int_equal(parse_selector_new("rs", NOW, zero, 3, NULL, NULL, s,
	    sizeof(s)), 0);
	assert_string_equal(s, "rs20261118aaaa");
	assert_int_equal(parse_selector_new("rs", NOW, ones, 3, NULL, NULL, s,
	    sizeof(s)), 0);
	assert_string_equal(s, "rs20261118" "7777");
	/* low 20 bits 0x23456 = 00100 01101 00010 10110: e n c w */
	assert_int_equal(parse_selector_new("rs", NOW, mix, 3, NULL, NULL, s,
	    sizeof(s)), 0);
	assert_string_equal(s, "rs20261118encw");
	assert_true(sel_ok(s));
	/* The same random bits as cur or next: never the same name. */
	assert_int_equal(parse_selector_new("rs", NOW, zero, 3,
	    "rs20261118aaaa", NULL, s, sizeof(s)), 0);
	assert_string_equal(s, "rs20261118aaab");
	assert_int_equal(parse_selector_new("rs", NOW, zero, 3,
	    "rs20261118aaaa", "rs20261118aaab", s, sizeof(s)), 0);
	assert_string_equal(s, "rs20261118aaac");
	assert_int_equal(parse_selector_new("rs", NOW, ones, 3,
	    "rs20261118" "7777", NULL, s, sizeof(s)), 0);
	assert_string_equal(s, "rs20261118aaaa");
	/* The old names (a letter a day) never come back. */
	assert_int_equal(parse_selector_new("rs", NOW, zero, 3, NULL, NULL, s,
	    sizeof(s)), 0);
	assert_string_not_equal(s, "rs20261118a");
	assert_int_equal(parse_selector_new("RS", NOW, zero, 3, NULL, NULL, s,
	    sizeof(s)), -1);
	assert_int_equal(parse_selector_new("r.s", NOW, zero, 3, NULL, NULL, s,
	    sizeof(s)), -1);
	assert_int_equal(parse_selector_new("rs", NOW, zero, 3, NULL, NULL, s,
	    5), -1);
	assert_int_equal(parse_selector_new("rs", NOW, zero, 2, NULL, NULL, s,
	    sizeof(s)), -1);
	assert_int_equal(parse_selector_new("abcdefghijklmnopqrstuvwxyz0123456",
	    NOW, zero, 3, NULL, NULL, s, sizeof(s)), -1);
	/* The longest prefix: selector + "r" fits a 63-octet label. */
	assert_int_equal(parse_selector_new("abcdefghijklmnopqrstuvwxyz012345",
	    NOW, ones, 3, NULL, NULL, s, sizeof(s)), 0);
	assert_true(strlen(s) + 1 <= 63);
}

/* selector_differs_across_random_draws - 1000 draws, few repeats */
static void
selector_differs_across_random_draws(void **state)
{
	static char	 seen[1000][PARSE_SELECTOR_MAX];
	unsigned char	 r[3];
	unsigned long	 x = 2463534242UL;
	size_t		 i, j, same = 0;

	(void)state;
	for (i = 0; i < 1000; i++) {
		/* xorshift: spread bits, as RAND_bytes gives them */
		x ^= x << 13; x ^= x >> 17; x ^= x << 5; x &= 0xffffffffUL;
		r[0] = (unsigned char)x; r[1] = (unsigned char)(x >> 8);
		r[2] = (unsigned char)(x >> 16);
		assert_int_equal(parse_selector_new("rs", NOW, r, 3, NULL, NULL,
		    seen[i], sizeof(seen[i])), 0);
		assert_true(sel_ok(seen[i]));
		for (j = 0; j < i; j++)
			same += strcmp(seen[i], seen[j]) == 0;
	}
	/* 1000 draws of 2^20: about 0.5 pairs expected */
	assert_true(same <= 5);
}

struct parts { char s[8][300]; size_t n; };

static void
collect(const char *s, size_t len, void *arg)
{
	struct parts *p = arg;

	memcpy(p->s[p->n], s, len);
	p->s[p->n][len] = '\0';
	p->n++;
}

static void
txt_split_cuts_at_255_and_keeps_short_values_whole(void **state)
{
	struct parts	 p;
	char		 v[700];

	(void)state;
	memset(&p, 0, sizeof(p));
	assert_int_equal(parse_txt_split("v=DKIM1; k=ed25519; p=abc", 255,
	    collect, &p), 1);
	assert_string_equal(p.s[0], "v=DKIM1; k=ed25519; p=abc");
	memset(v, 'x', 600);
	v[600] = '\0';
	memset(&p, 0, sizeof(p));
	assert_int_equal(parse_txt_split(v, 255, collect, &p), 3);
	assert_int_equal(strlen(p.s[0]), 255);
	assert_int_equal(strlen(p.s[1]), 255);
	assert_int_equal(strlen(p.s[2]), 90);
	v[510] = '\0';
	memset(&p, 0, sizeof(p));
	assert_int_equal(parse_txt_split(v, 255, collect, &p), 2);
	memset(&p, 0, sizeof(p));
	assert_int_equal(parse_txt_split("", 255, collect, &p), 1);
}

static void
since_takes_epoch_durations_and_dates(void **state)
{
	static const struct { const char *in; long long want; } ok[] = {
		{ "1700000000", 1700000000 }, { "90s", NOW - 90 },
		{ "30m", NOW - 1800 }, { "12h", NOW - 43200 },
		{ "7d", NOW - 604800 }, { "2026-11-18", 1794960000 },
		{ "2026-11-18T06:13", 1794960000 + 6 * 3600 + 13 * 60 },
		{ "2026-11-18 11:06:40", NOW },
		{ "2024-02-29", 1709164800 },
		/* as relayctl prints times, and ISO 8601 with its Z */
		{ "2026-11-18 11:06:40Z", NOW },
		{ "2026-11-18T06:13:20Z", 1794960000 + 6 * 3600 + 13 * 60 + 20 },
		{ "2026-11-18T06:13Z", 1794960000 + 6 * 3600 + 13 * 60 },
	};
	static const char *bad[] = { "", "x", "7w", "-5m", "2026-13-01",
	    "2026-11-18T25:00", "2026-11-18Tx", "2026-1-1", "99999999999d",
	    "2026-11-18Z", "2026-11-18 11:06:40ZZ", "2026-11-18 11:06:40z",
	    "Z", "30mZ", "2026-11-18 11:06:40 Z", "2026-02-30", "2026-04-31", "2025-02-29",
	    "2026-11-18T06:13:60", "99999999999999999999",
	    "18446744073709551617",
	    /* Only digits where the digits go: sscanf would take these. */
	    "2026- 1-01", "2026-01- 1", " 2026-01-01", "+2026-01-01",
	    "2026-+1-01", "2026-01--1", "2026-01-01T+1:00",
	    "2026-01-01T 1:00", "2026-01-01T01:-1", "2026-01-01T01: 0",
	    "2026-01-01T01:00:+1", "2026-01-01T01:00: 1",
	    "2026-01-01T01:00:-0", "2026-01-01 +1:00", "2026-01-01T1:00",
	    "2026-01-01T01:00:1" };
	time_t	 t;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (parse_since(ok[i].in, NOW, &t) != 0)
			fail_msg("%s refused", ok[i].in);
		if ((long long)t != ok[i].want)
			fail_msg("%s: %lld, want %lld", ok[i].in, (long long)t,
			    ok[i].want);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (parse_since(bad[i], NOW, &t) == 0)
			fail_msg("\"%s\" accepted", bad[i]);
}

static void
import_rows_plain_csv_quoted_header_and_bad(void **state)
{
	static const struct {
		const char *line; unsigned long no; int kind;
		const char *addr, *reason;
	} rows[] = {
		{ "a@example.com\n", 1, PARSE_ROW_OK, "a@example.com", "import" },
		{ "email,reason\r\n", 1, PARSE_ROW_SKIP, NULL, NULL },
		{ "\xef\xbb\xbf" "email\n", 1, PARSE_ROW_SKIP, NULL, NULL },
		{ "email\n", 2, PARSE_ROW_OK, "email", "import" },
		{ "  b@example.com , hard_bounce\n", 5, PARSE_ROW_OK,
		  "b@example.com", "hard_bounce" },
		{ "\"\"\"c,d\"\"@example.com\",unsubscribe", 3, PARSE_ROW_OK,
		  "\"c,d\"@example.com", "unsubscribe" },
		{ "\"x@example.com\"", 3, PARSE_ROW_OK, "x@example.com",
		  "import" },
		{ "e@example.com,,extra", 3, PARSE_ROW_OK, "e@example.com",
		  "import" },
		{ "g@example.com,complaint", 3, PARSE_ROW_OK, "g@example.com",
		  "complaint" },
		{ "", 4, PARSE_ROW_SKIP, NULL, NULL },
		{ "   \n", 4, PARSE_ROW_SKIP, NULL, NULL },
		{ "# comment", 4, PARSE_ROW_SKIP, NULL, NULL },
		{ "f@example.com,bogus", 6, PARSE_ROW_BAD, NULL, NULL },
		{ "\"open@example.com", 7, PARSE_ROW_BAD, NULL, NULL },
		{ "\"a\"b@example.com", 7, PARSE_ROW_BAD, NULL, NULL },
		{ ",hard_bounce", 8, PARSE_ROW_BAD, NULL, NULL },
		/* a blank spreadsheet row: commas only, or empty quotes */
		{ ",,,\r\n", 9, PARSE_ROW_SKIP, NULL, NULL },
		{ " , \"\" ,", 9, PARSE_ROW_SKIP, NULL, NULL },
	};
	struct parse_import im;
	char		 buf[200];
	const char	*a, *r, *why;
	long long	 at;
	size_t		 i;
	int		 k;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		snprintf(buf, sizeof(buf), "%s", rows[i].line);
		a = r = why = NULL;
		assert_int_equal(parse_import_init(&im, NULL, NULL, &why), 0);
		k = parse_import_row(&im, buf, rows[i].no, &a, &r, &at, &why);
		if (k != rows[i].kind)
			fail_msg("row %zu \"%s\": kind %d, want %d", i,
			    rows[i].line, k, rows[i].kind);
		if (k == PARSE_ROW_OK) {
			assert_string_equal(a, rows[i].addr);
			assert_string_equal(r, rows[i].reason);
			assert_int_equal(at, 0);
		}
		if (k == PARSE_ROW_BAD)
			assert_non_null(why);
	}
}

/* The lines `relayctl suppress list` prints: ADDRESS REASON TIME. */
static void
import_rows_as_suppress_list_prints_them(void **state)
{
	static const struct {
		const char *line; unsigned long no; int kind;
		const char *addr, *reason; long long at;
	} rows[] = {
		{ "hard@rcpt.example                                  "
		  "hard_bounce        2026-12-06 00:50:21Z\n", 1, PARSE_ROW_OK,
		  "hard@rcpt.example", "hard_bounce", 1796518221 },
		{ "a-very-long-address-of-more-than-fifty-characters@rcpt.example "
		  "admin              1970-01-01 00:16:41Z", 2, PARSE_ROW_OK,
		  "a-very-long-address-of-more-than-fifty-characters@rcpt.example",
		  "admin", 1001 },
		{ "x@rcpt.example\tunsubscribe\t-\r\n", 3, PARSE_ROW_OK,
		  "x@rcpt.example", "unsubscribe", 0 },
		{ "y@rcpt.example soft_bounce_limit", 3, PARSE_ROW_OK,
		  "y@rcpt.example", "soft_bounce_limit", 0 },
		/* relay-unsub -r's entries import back too */
		{ "fbl@rcpt.example complaint 2026-12-06 00:50:21Z", 3,
		  PARSE_ROW_OK, "fbl@rcpt.example", "complaint", 1796518221 },
		{ "  z@rcpt.example   import   2026-12-06 00:50:21Z   ", 3,
		  PARSE_ROW_OK, "z@rcpt.example", "import", 1796518221 },
		{ "raw@rcpt.example ? -", 4, PARSE_ROW_BAD, NULL, NULL, 0 },
		{ "t@rcpt.example admin yesterday", 4, PARSE_ROW_BAD, NULL, NULL,
		  0 },
		{ "t@rcpt.example admin 2026-02-30 00:00:00Z", 4, PARSE_ROW_BAD,
		  NULL, NULL, 0 },
		{ "t@rcpt.example admin 1796518221", 4, PARSE_ROW_BAD, NULL,
		  NULL, 0 },
		{ "t@rcpt.example admin 2026-12-06 00:50:21Z extra", 4,
		  PARSE_ROW_BAD, NULL, NULL, 0 },
		{ "address reason time", 1, PARSE_ROW_SKIP, NULL, NULL, 0 },
		/* quoted local parts: blanks, commas and quotes are the
		   address's, read from the line's end */
		{ "\"quoted local\"@example.com                         "
		  "admin              2026-12-06 00:50:21Z", 1, PARSE_ROW_OK,
		  "\"quoted local\"@example.com", "admin", 1796518221 },
		{ "\"a\\\"b\"@ex.com admin -", 5, PARSE_ROW_OK,
		  "\"a\\\"b\"@ex.com", "admin", 0 },
		{ "\"a,b\"@ex.com unsubscribe 2026-12-06 00:50:21Z", 5,
		  PARSE_ROW_OK, "\"a,b\"@ex.com", "unsubscribe", 1796518221 },
		{ "\"a\\\"\"@ex.com admin -", 5, PARSE_ROW_OK,
		  "\"a\\\"\"@ex.com", "admin", 0 },
	};
	struct parse_import im;
	char		 buf[200];
	const char	*a, *r, *why;
	long long	 at;
	size_t		 i;
	int		 k;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		snprintf(buf, sizeof(buf), "%s", rows[i].line);
		a = r = why = NULL;
		at = -1;
		assert_int_equal(parse_import_init(&im, NULL, NULL, &why), 0);
		k = parse_import_row(&im, buf, rows[i].no, &a, &r, &at, &why);
		if (k != rows[i].kind)
			fail_msg("row %zu \"%s\": kind %d, want %d (%s)", i,
			    rows[i].line, k, rows[i].kind, why ? why : "");
		if (k == PARSE_ROW_OK) {
			assert_string_equal(a, rows[i].addr);
			assert_string_equal(r, rows[i].reason);
			assert_int_equal(at, rows[i].at);
		}
		if (k == PARSE_ROW_BAD)
			assert_non_null(why);
	}
}

/*
 * import_file - the rows of text (lines) with --column col and --reason
 * reason, one word each: "-" skipped, ADDRESS/REASON, "bad", "FATAL" (and
 * nothing after), "init" when the options do not parse
 */
static const char *
import_file(const char *col, const char *reason, const char *text)
{
	static char	 out[1024];
	struct parse_import im;
	char		 buf[1024], *line, *save = NULL;
	const char	*a, *r, *why;
	unsigned long	 no = 0;
	long long	 at;
	size_t		 o = 0;
	int		 k;

	out[0] = '\0';
	if (parse_import_init(&im, col, reason, &why) < 0)
		return "init";
	snprintf(buf, sizeof(buf), "%s", text);
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		k = parse_import_row(&im, line, ++no, &a, &r, &at, &why);
		if (k == PARSE_ROW_BAD || k == PARSE_ROW_FATAL)
			assert_non_null(why);
		o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%s%s%s",
		    o ? " " : "", k == PARSE_ROW_SKIP ? "-" :
		    k == PARSE_ROW_BAD ? "bad" : k == PARSE_ROW_FATAL ?
		    "FATAL" : a, k == PARSE_ROW_OK ? "/" : "",
		    k == PARSE_ROW_OK ? r : "");
		if (k == PARSE_ROW_FATAL)
			break;
	}
	return out;
}

/*
 * The exports of other sending services: the header names the address
 * column among others, which are ignored (a column named "reason" is
 * read, and must hold our reasons unless --reason says one for all);
 * --column picks a column by number or name.
 */
static void
import_files_of_other_services_and_the_options(void **state)
{
	(void)state;
	/* Mailchimp: "Email Address" first, then names and dates */
	assert_string_equal(import_file(NULL, NULL, "Email Address,First Name,"
	    "Last Name,MEMBER_RATING\njane@x.example,Jane,Doe,2\n"
	    "\"bo@x.example\",\"Bo, Jr.\",,1"),
	    "- jane@x.example/import bo@x.example/import");
	/* SendGrid unsubscribes (email, created) and bounces */
	assert_string_equal(import_file(NULL, NULL, "email,created\n"
	    "u@x.example,1700000000"), "- u@x.example/import");
	assert_string_equal(import_file(NULL, NULL, "created,email,reason,"
	    "status\n1700000000,b@x.example,550 5.1.1 unknown,5.1.1"),
	    "- bad");
	assert_string_equal(import_file(NULL, "hard_bounce", "created,email,"
	    "reason,status\n1700000000,b@x.example,550 5.1.1 unknown,5.1.1"),
	    "- b@x.example/hard_bounce");
	/* Mailgun; a reason column of a service's own words, not ours */
	assert_string_equal(import_file(NULL, NULL, "address,code,error\n"
	    "m@x.example,550,No such user"), "- m@x.example/import");
	/* Postmark: its reason words mean ours */
	assert_string_equal(import_file(NULL, NULL, "EmailAddress,Reason,"
	    "Origin\np@x.example,HardBounce,Recipient\n"
	    "q@x.example,SpamComplaint,Recipient\n"
	    "r@x.example,ManualSuppression,Customer\n"
	    "s@x.example,complaint,Customer"),
	    "- p@x.example/hard_bounce q@x.example/complaint "
	    "r@x.example/admin s@x.example/complaint");
	/* Amazon SES, ours in another case or spelling, and words that
	 * mean none of ours (a soft bounce, a block) */
	assert_string_equal(import_file(NULL, NULL, "EmailAddress,Reason,"
	    "LastUpdateTime\na@x.example,BOUNCE,1\nb@x.example,COMPLAINT,1\n"
	    "c@x.example,Hard Bounce,1\nd@x.example,UNSUBSCRIBE,1\n"
	    "e@x.example,soft-bounce-limit,1\nf@x.example,SoftBounce,1\n"
	    "g@x.example,blocked,1\nh@x.example,unsubscribed,1"),
	    "- a@x.example/hard_bounce b@x.example/complaint "
	    "c@x.example/hard_bounce d@x.example/unsubscribe "
	    "e@x.example/soft_bounce_limit bad bad h@x.example/unsubscribe");
	/* --reason takes ours only */
	assert_string_equal(import_file(NULL, "HardBounce", ""), "init");
	assert_string_equal(import_file(NULL, "unsubscribe", "EmailAddress,"
	    "Reason\np@x.example,HardBounce\nsame@x.example hard_bounce -"),
	    "- p@x.example/unsubscribe same@x.example/unsubscribe");
	/* ours, and a header of names we do not know: address, reason */
	assert_string_equal(import_file(NULL, NULL, "email,reason\n"
	    "o@x.example,admin"), "- o@x.example/admin");
	assert_string_equal(import_file(NULL, NULL, "foo,bar\n"
	    "o@x.example,complaint\nn@x.example,oops"),
	    "- o@x.example/complaint bad");
	/* --column N: with a header or without, no reason column */
	assert_string_equal(import_file("2", NULL, "Jane,jane@x.example,"
	    "hard_bounce\nBo,bo@x.example\nshort"),
	    "jane@x.example/import bo@x.example/import bad");
	assert_string_equal(import_file("3", NULL, "a,b,Mail\n1,2,c@x.example"),
	    "- c@x.example/import");
	/* --column NAME, compared as the header's names are */
	assert_string_equal(import_file("E-Mail", NULL, "Name,e_mail,reason\n"
	    "Jo,jo@x.example,complaint"), "- jo@x.example/complaint");
	assert_string_equal(import_file("Backup Email", NULL, "Email,"
	    "backup_email\nx@x.example,y@x.example"), "- y@x.example/import");
	assert_string_equal(import_file("mail2", NULL, "email,mail1\n"
	    "x@x.example,y@x.example"), "FATAL");
	assert_string_equal(import_file("email", NULL, "x@x.example\n"
	    "y@x.example"), "FATAL");
	/* options that do not parse */
	assert_string_equal(import_file("0", NULL, ""), "init");
	assert_string_equal(import_file("257", NULL, ""), "init");
	assert_string_equal(import_file("2x", NULL, ""), "init");
	assert_string_equal(import_file("", NULL, ""), "init");
	assert_string_equal(import_file("_ -", NULL, ""), "init");
	assert_string_equal(import_file(NULL, "bogus", ""), "init");
	assert_string_equal(import_file(NULL, "Hard_Bounce", ""), "init");
}

/* a row goes on on the next line while a quoted field is open */
static void
import_quotes_open_at_the_line_end(void **state)
{
	(void)state;
	assert_int_equal(parse_import_open("a@b.example,x\n", 0), 0);
	assert_int_equal(parse_import_open("a@b.example,\"note\n", 0), 1);
	assert_int_equal(parse_import_open("a@b.example, \"note\n", 0), 1);
	assert_int_equal(parse_import_open("\"a@b.example\n", 0), 1);
	assert_int_equal(parse_import_open("\"a@b.example\",\"x\"\"\n", 0), 1);
	/* a suppress list line: its quotes are the address's, not CSV's */
	assert_int_equal(parse_import_open("\"a\\\"\"@ex.com admin -\n", 0),
	    0);
	assert_int_equal(parse_import_open("\"a\\\"\"@ex.com,admin\n", 0),
	    1);
	assert_int_equal(parse_import_open("\"a@b.example\",\"x\"\"\"\n", 0),
	    0);
	/* a quote inside a bare field is text (field() reads it so) */
	assert_int_equal(parse_import_open("a\"b@c.example,x\n", 0), 0);
	/* the lines of one row joined: closed again */
	assert_int_equal(parse_import_open("k@b.example,h,\"one\ntwo\"\n", 0),
	    0);
	assert_int_equal(parse_import_open("", 0), 0);
	/* a byte order mark: passed over on line 1 only */
	assert_int_equal(parse_import_open("\xef\xbb\xbf\"a@b.example\n",
	    1), 1);
	assert_int_equal(parse_import_open("\xef\xbb\xbf\"a@b.example\n",
	    0), 0);
}

static void
dkim_tag_values_lose_white_space(void **state)
{
	char	 v[64];

	(void)state;
	assert_int_equal(parse_dkim_tag("v=DKIM1; k=rsa; p=AB CD\tEF", "p", v,
	    sizeof(v)), 0);
	assert_string_equal(v, "ABCDEF");
	assert_int_equal(parse_dkim_tag("v=DKIM1;k=ed25519;p=xyz;", "k", v,
	    sizeof(v)), 0);
	assert_string_equal(v, "ed25519");
	assert_int_equal(parse_dkim_tag(" p = abc ; h=sha256", "p", v,
	    sizeof(v)), 0);
	assert_string_equal(v, "abc");
	assert_int_equal(parse_dkim_tag("v=DKIM1; k=rsa", "p", v, sizeof(v)), -1);
	assert_int_equal(parse_dkim_tag("v=DKIM1; pp=x", "p", v, sizeof(v)), -1);
	assert_int_equal(parse_dkim_tag("p=0123456789", "p", v, 5), -1);
	assert_int_equal(parse_dkim_tag("garbage", "p", v, sizeof(v)), -1);
}

static void
clean_keeps_utf8_and_escapes_the_rest(void **state)
{
	static const struct { const char *in; size_t len; int flags;
	    const char *want; } t[] = {
		{ "plain ascii", 11, 0, "plain ascii" },
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa7", 14, 0,
		  "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa7" },
		{ "550 r\xe9ponse", 11, 0, "550 r\\xe9ponse" },
		{ "raw\xffvalue", 9, 0, "raw\\xffvalue" },
		{ "a\0b", 3, 0, "a\\x00b" },
		{ "\xc3", 1, 0, "\\xc3" },			/* cut short */
		{ "\xc0\xaf", 2, 0, "\\xc0\\xaf" },	/* overlong */
		{ "\xed\xa0\x80", 3, 0, "\\xed\\xa0\\x80" },	/* surrogate */
		{ "\xf4\x90\x80\x80", 4, 0, "\\xf4\\x90\\x80\\x80" },
		{ "tab\there\x1b[2J", 12, 0, "tab\there\x1b[2J" },
		{ "tab\there\x1b[2J\x7f", 13, PARSE_CLEAN_CTRL,
		  "tab\\x09here\\x1b[2J\\x7f" },
		{ "c1 \xc2\x9b nbsp \xc2\xa0", 13, PARSE_CLEAN_CTRL,
		  "c1 \\xc2\\x9b nbsp \xc2\xa0" },
		{ "{\"r\":\"\xe9\"}", 9, PARSE_CLEAN_INJSON,
		  "{\"r\":\"\\\\xe9\"}" },
	};
	char	 out[PARSE_CLEAN_MAX(40)], in[40];
	size_t	 i, n;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		n = parse_clean(out, t[i].in, t[i].len, t[i].flags);
		if (strcmp(out, t[i].want) != 0 || n != strlen(t[i].want))
			fail_msg("case %zu: \"%s\", want \"%s\"", i, out,
			    t[i].want);
	}
	memset(in, 0xff, sizeof(in));	/* the worst case fits the bound */
	assert_int_equal(parse_clean(out, in, sizeof(in), PARSE_CLEAN_INJSON),
	    5 * sizeof(in));
}

static void
utf8_cut_never_splits_a_sequence(void **state)
{
	const char *s = "ab\xc3\xa9\xe2\x82\xac";	/* a b é € */

	(void)state;
	assert_int_equal(parse_utf8_cut(s, 7, 10), 7);
	assert_int_equal(parse_utf8_cut(s, 7, 4), 4);
	assert_int_equal(parse_utf8_cut(s, 7, 3), 2);
	assert_int_equal(parse_utf8_cut(s, 7, 6), 4);
	assert_int_equal(parse_utf8_cut(s, 7, 5), 4);
	assert_int_equal(parse_utf8_cut("\xff\xff\xff", 3, 2), 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(selector_is_prefix_date_and_random_base32),
		cmocka_unit_test(selector_differs_across_random_draws),
		cmocka_unit_test(txt_split_cuts_at_255_and_keeps_short_values_whole),
		cmocka_unit_test(since_takes_epoch_durations_and_dates),
		cmocka_unit_test(import_rows_plain_csv_quoted_header_and_bad),
		cmocka_unit_test(import_rows_as_suppress_list_prints_them),
		cmocka_unit_test(import_files_of_other_services_and_the_options),
		cmocka_unit_test(import_quotes_open_at_the_line_end),
		cmocka_unit_test(dkim_tag_values_lose_white_space),
		cmocka_unit_test(clean_keeps_utf8_and_escapes_the_rest),
		cmocka_unit_test(utf8_cut_never_splits_a_sequence),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
