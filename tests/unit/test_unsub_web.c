/*
 * NAME
 *	test_unsub_web - the https one-click unsubscribe request (RFC 8058)
 *	and the CGI answer: where the token is, which methods and bodies
 *	unsubscribe, the page for each outcome, HTML escaping
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "unsub_web.h"

#define TOK	"YWxpY2UAamFuZUBleGFtcGxlLmNvbQ.TeC2B-davYHs76dnjSr6kA"
#define CLICK	"List-Unsubscribe=One-Click"
#define URLENC	"application/x-www-form-urlencoded"

/* the headers every answer has */
#define HEADERS(st) "Status: " st "\r\nContent-Type: text/html; " \
	"charset=utf-8\r\nCache-Control: no-store\r\n" \
	"Content-Security-Policy: default-src 'none'; form-action 'self'\r\n" \
	"Referrer-Policy: no-referrer\r\nX-Content-Type-Options: nosniff\r\n"

static struct unsub_web w;

/* decide - unsub_web_decide over the given request */
static const struct unsub_web *
decide(const char *method, const char *path, const char *query,
    const char *ctype, const char *body)
{
	struct unsub_web_req r = { method, path, query, ctype, body,
	    body != NULL ? strlen(body) : 0 };

	unsub_web_decide(&r, &w);
	return &w;
}

static void
the_token_is_found_in_the_path_or_the_query(void **state)
{
	static const struct { const char *path, *query; } ok[] = {
		{ "/" TOK, NULL },
		{ "/unsub/" TOK, "" },
		{ NULL, TOK },
		{ "", "t=" TOK },
		{ "/", "a=b&t=" TOK },
		{ NULL, "x=1&" TOK },
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		decide("GET", ok[i].path, ok[i].query, NULL, NULL);
		if (w.act != UNSUB_WEB_FORM || strcmp(w.token, TOK) != 0)
			fail_msg("case %zu: act %d token '%s' why %s", i,
			    (int)w.act, w.token, w.why ? w.why : "-");
	}
	/* the path wins over the query */
	decide("GET", "/" TOK, "t=other", NULL, NULL);
	assert_string_equal(w.token, TOK);
}

static void
a_missing_or_damaged_token_is_400(void **state)
{
	static const struct { const char *path, *query, *why; } bad[] = {
		{ NULL, NULL, "no token in the link" },
		{ "/", "", "no token in the link" },
		{ "/unsub/", NULL, "no token in the link" },
		{ NULL, "t=", "the link's token is damaged" },
		{ "/" TOK "%2E", NULL, "the link's token is damaged" },
		{ "/a b", NULL, "the link's token is damaged" },
		{ NULL, "t=<script>", "the link's token is damaged" },
	};
	char	 longtok[TOKEN_URL_MAX + 3];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		decide("POST", bad[i].path, bad[i].query, URLENC, CLICK);
		assert_int_equal(w.act, UNSUB_WEB_REFUSE);
		assert_int_equal(w.status, 400);
		assert_string_equal(w.why, bad[i].why);
	}
	longtok[0] = '/';
	memset(longtok + 1, 'A', TOKEN_URL_MAX + 1);
	longtok[TOKEN_URL_MAX + 2] = '\0';
	decide("GET", longtok, NULL, NULL, NULL);
	assert_int_equal(w.status, 400);
	longtok[TOKEN_URL_MAX + 1] = '\0';	/* TOKEN_URL_MAX: taken */
	decide("GET", longtok, NULL, NULL, NULL);
	assert_int_equal(w.act, UNSUB_WEB_FORM);
}

static void
get_and_head_show_the_form_other_methods_are_405(void **state)
{
	(void)state;
	/* a GET never unsubscribes, whatever it carries */
	decide("GET", "/" TOK, NULL, URLENC, CLICK);
	assert_int_equal(w.act, UNSUB_WEB_FORM);
	assert_false(w.head);
	decide("HEAD", "/" TOK, NULL, NULL, NULL);
	assert_int_equal(w.act, UNSUB_WEB_FORM);
	assert_true(w.head);
	decide("PUT", "/" TOK, NULL, URLENC, CLICK);
	assert_int_equal(w.act, UNSUB_WEB_REFUSE);
	assert_int_equal(w.status, 405);
	decide("get", "/" TOK, NULL, NULL, NULL);
	assert_int_equal(w.status, 405);
	decide(NULL, "/" TOK, NULL, NULL, NULL);
	assert_int_equal(w.status, 405);
}

static void
a_post_unsubscribes_only_with_the_one_click_body(void **state)
{
	(void)state;
	decide("POST", "/" TOK, NULL, URLENC, CLICK);
	assert_int_equal(w.act, UNSUB_WEB_UNSUB);
	assert_string_equal(w.token, TOK);
	decide("POST", "/" TOK, NULL, NULL, CLICK "\r\n");
	assert_int_equal(w.act, UNSUB_WEB_UNSUB);
	decide("POST", "/" TOK, NULL, URLENC "; charset=utf-8",
	    "a=1&" CLICK "&b=2");
	assert_int_equal(w.act, UNSUB_WEB_UNSUB);
	decide("POST", "/" TOK, NULL, URLENC, "");
	assert_int_equal(w.act, UNSUB_WEB_REFUSE);
	assert_int_equal(w.status, 400);
	assert_non_null(strstr(w.why, "RFC 8058"));
	decide("POST", "/" TOK, NULL, URLENC, "List-Unsubscribe=One-Click2");
	assert_int_equal(w.act, UNSUB_WEB_REFUSE);
	decide("POST", "/" TOK, NULL, URLENC, "XList-Unsubscribe=One-Click");
	assert_int_equal(w.act, UNSUB_WEB_REFUSE);
	decide("POST", "/" TOK, NULL, "text/plain", CLICK);
	assert_int_equal(w.act, UNSUB_WEB_REFUSE);
	decide("POST", "/" TOK, NULL, URLENC, NULL);
	assert_int_equal(w.act, UNSUB_WEB_REFUSE);
}

static void
multipart_form_data_is_read(void **state)
{
	static const char gmail[] =
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"List-Unsubscribe\"\r\n"
	    "\r\n"
	    "One-Click\r\n"
	    "--XyZ--\r\n";
	static const char second[] =
	    "--b\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\n"
	    "One-Click\r\n"
	    "--b\r\ncontent-disposition: form-data; name=\"List-Unsubscribe\""
	    "\r\nContent-Type: text/plain\r\n\r\nOne-Click\r\n--b--\r\n";
	static const char lf[] =
	    "--b\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\n"
	    "\nOne-Click\n--b--\n";
	static const char wrongval[] =
	    "--b\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\""
	    "\r\n\r\nOne-Click-Not\r\n--b--\r\n";
	static const char onlyother[] =
	    "--b\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\n"
	    "One-Click\r\n--b--\r\n";
	static const char unclosed[] =
	    "--b\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\""
	    "\r\n\r\nOne-Click\r\n";

	(void)state;
	assert_true(unsub_web_oneclick("multipart/form-data; boundary=XyZ",
	    gmail, sizeof(gmail) - 1));
	assert_true(unsub_web_oneclick("Multipart/Form-Data; boundary=\"XyZ\"",
	    gmail, sizeof(gmail) - 1));
	assert_true(unsub_web_oneclick("multipart/form-data; charset=x; "
	    "boundary=b", second, sizeof(second) - 1));
	assert_true(unsub_web_oneclick("multipart/form-data;boundary=b", lf,
	    sizeof(lf) - 1));
	assert_false(unsub_web_oneclick("multipart/form-data; boundary=b",
	    wrongval, sizeof(wrongval) - 1));
	assert_false(unsub_web_oneclick("multipart/form-data; boundary=b",
	    onlyother, sizeof(onlyother) - 1));
	assert_false(unsub_web_oneclick("multipart/form-data; boundary=b",
	    unclosed, sizeof(unclosed) - 1));
	/* no or another boundary; the multipart body as urlencoded */
	assert_false(unsub_web_oneclick("multipart/form-data", gmail,
	    sizeof(gmail) - 1));
	/* a type ending in ";" (fuzz: read past the NUL) */
	assert_false(unsub_web_oneclick("multipart/form-data;", gmail,
	    sizeof(gmail) - 1));
	assert_false(unsub_web_oneclick("multipart/form-data; ", gmail,
	    sizeof(gmail) - 1));
	assert_false(unsub_web_oneclick("multipart/form-data; boundary=",
	    gmail, sizeof(gmail) - 1));
	assert_false(unsub_web_oneclick("multipart/form-data; boundary=\"XyZ",
	    gmail, sizeof(gmail) - 1));
	assert_false(unsub_web_oneclick("multipart/form-data; boundary=Q",
	    gmail, sizeof(gmail) - 1));
	assert_false(unsub_web_oneclick(URLENC, gmail, sizeof(gmail) - 1));
	/* through decide */
	decide("POST", "/" TOK, NULL, "multipart/form-data; boundary=XyZ",
	    gmail);
	assert_int_equal(w.act, UNSUB_WEB_UNSUB);
}

/* RFC 7578's grammar as written, and RFC 8058's own example (8.2) */
static void
multipart_as_senders_write_it(void **state)
{
	static const char rfc8058[] =
	    "---FormBoundaryjWmhtjORrn\r\n"
	    "Content-Disposition: form-data; name=\"List-Unsubscribe\"\r\n"
	    "\r\n"
	    "One-Click\r\n"
	    "---FormBoundaryjWmhtjORrn--";
	static const char token[] =
	    "--b\r\nContent-Disposition: form-data; name=List-Unsubscribe"
	    "\r\n\r\nOne-Click\r\n--b--\r\n";
	static const char anycase[] =
	    "--b\r\nContent-Disposition: Form-Data;NAME = "
	    "\"List-Unsubscribe\"\r\n\r\nOne-Click\r\n--b--\r\n";
	static const char filename[] =
	    "--b\r\nContent-Disposition: form-data; name=\"f\"; "
	    "filename=\"List-Unsubscribe\"\r\n\r\nOne-Click\r\n--b--\r\n";
	static const char notform[] =
	    "--b\r\nContent-Disposition: attachment; "
	    "name=\"List-Unsubscribe\"\r\n\r\nOne-Click\r\n--b--\r\n";
	static const char longer[] =
	    "--b\r\nContent-Disposition: form-data; "
	    "name=\"List-Unsubscribe-Post\"\r\n\r\nOne-Click\r\n--b--\r\n";
	static const char form_datax[] =
	    "--b\r\nContent-Disposition: form-datax; "
	    "name=\"List-Unsubscribe\"\r\n\r\nOne-Click\r\n--b--\r\n";
	const char *mp = "multipart/form-data; boundary=b";

	(void)state;
	assert_int_equal(sizeof(rfc8058) - 1, 124);	/* its Content-Length */
	assert_true(unsub_web_oneclick("multipart/form-data; "
	    "boundary=---FormBoundaryjWmhtjORrn", rfc8058,
	    sizeof(rfc8058) - 1));
	assert_true(unsub_web_oneclick(mp, token, sizeof(token) - 1));
	assert_true(unsub_web_oneclick(mp, anycase, sizeof(anycase) - 1));
	assert_false(unsub_web_oneclick(mp, filename, sizeof(filename) - 1));
	assert_false(unsub_web_oneclick(mp, notform, sizeof(notform) - 1));
	assert_false(unsub_web_oneclick(mp, longer, sizeof(longer) - 1));
	assert_false(unsub_web_oneclick(mp, form_datax,
	    sizeof(form_datax) - 1));
}

/* page - unsub_web_page into a static buffer */
static const char *
page(enum unsub_web_page p, int status, const char *addr, const char *text,
    int head)
{
	static char	 buf[4096];
	size_t		 n;

	n = unsub_web_page(p, status, addr, text, head, buf, sizeof(buf));
	assert_int_equal(n, strlen(buf));
	return buf;
}

static void
each_outcome_has_its_status_and_page(void **state)
{
	const char	*s;

	(void)state;
	s = page(UNSUB_PAGE_FORM, 0, "jane@example.com", NULL, 0);
	assert_true(strncmp(s, HEADERS("200 OK") "\r\n<!DOCTYPE html>",
	    strlen(HEADERS("200 OK")) + 17) == 0);
	assert_non_null(strstr(s, "jane@example.com?"));
	assert_non_null(strstr(s, "<form method=\"post\"><input type=\"hidden\" "
	    "name=\"List-Unsubscribe\" value=\"One-Click\">"));
	s = page(UNSUB_PAGE_DONE, 0, "jane@example.com", NULL, 0);
	assert_true(strncmp(s, "Status: 200 OK\r\n", 16) == 0);
	assert_non_null(strstr(s, "jane@example.com is unsubscribed"));
	assert_null(strstr(s, "<form"));
	s = page(UNSUB_PAGE_UNKNOWN, 0, NULL, NULL, 0);
	assert_true(strncmp(s, "Status: 404 Not Found\r\n", 23) == 0);
	s = page(UNSUB_PAGE_UNAVAILABLE, 0, NULL, NULL, 0);
	assert_true(strncmp(s, "Status: 503 Service Unavailable\r\n", 33) == 0);
	assert_non_null(strstr(s, "\r\nRetry-After: 300\r\n"));
	s = page(UNSUB_PAGE_REFUSED, 405, NULL, "only GET, HEAD and POST", 0);
	assert_true(strncmp(s, "Status: 405 Method Not Allowed\r\n", 32) == 0);
	assert_non_null(strstr(s, "\r\nAllow: GET, HEAD, POST\r\n"));
	assert_non_null(strstr(s, "only GET, HEAD and POST."));
	s = page(UNSUB_PAGE_REFUSED, 413, NULL, "too large", 0);
	assert_true(strncmp(s, "Status: 413 Content Too Large\r\n", 31) == 0);
	/* HEAD: the headers and the blank line, no page */
	s = page(UNSUB_PAGE_FORM, 0, "jane@example.com", NULL, 1);
	assert_string_equal(s, HEADERS("200 OK") "\r\n");
}

static void
the_address_is_escaped_and_a_short_buffer_is_cut(void **state)
{
	char		 buf[64];
	const char	*s;
	size_t		 n;

	(void)state;
	s = page(UNSUB_PAGE_DONE, 0, "\"<b>&'\"@example.com", NULL, 0);
	assert_non_null(strstr(s, "&quot;&lt;b&gt;&amp;&#39;&quot;@example.com "
	    "is unsubscribed"));
	assert_null(strstr(s, "<b>"));
	s = page(UNSUB_PAGE_REFUSED, 400, NULL, "<script>", 0);
	assert_non_null(strstr(s, "&lt;script&gt;."));
	n = unsub_web_page(UNSUB_PAGE_FORM, 0, "a@b", NULL, 0, buf,
	    sizeof(buf));
	assert_int_equal(n, sizeof(buf) - 1);
	assert_int_equal(strlen(buf), sizeof(buf) - 1);
	assert_int_equal(unsub_web_page(UNSUB_PAGE_FORM, 0, "a@b", NULL, 0,
	    buf, 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_token_is_found_in_the_path_or_the_query),
		cmocka_unit_test(a_missing_or_damaged_token_is_400),
		cmocka_unit_test(get_and_head_show_the_form_other_methods_are_405),
		cmocka_unit_test(a_post_unsubscribes_only_with_the_one_click_body),
		cmocka_unit_test(multipart_form_data_is_read),
		cmocka_unit_test(multipart_as_senders_write_it),
		cmocka_unit_test(each_outcome_has_its_status_and_page),
		cmocka_unit_test(the_address_is_escaped_and_a_short_buffer_is_cut),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
