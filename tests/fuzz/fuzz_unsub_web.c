/*
 * NAME
 *	fuzz_unsub_web - libFuzzer harness for the https one-click request
 * DESCRIPTION
 *	The first byte picks the method (GET, HEAD, POST or another); the
 *	rest is PATH_INFO, QUERY_STRING and CONTENT_TYPE, NUL-separated,
 *	then the body. unsub_web_decide() reads the request and
 *	unsub_web_page() writes the answer with the path as the address and
 *	the query as the text. abort()s when an invariant breaks:
 *
 *	- a request that is not refused has a token of base64url and dots,
 *	  of at most TOKEN_URL_MAX characters, found in the path or query;
 *	  a refused one says why, with 400 or 405; only a POST whose body
 *	  passes unsub_web_oneclick() unsubscribes;
 *	- a form-urlencoded body that passes holds List-Unsubscribe=One-Click;
 *	  a multipart one holds List-Unsubscribe and One-Click;
 *	- a page is NUL-terminated at the length returned, and has as many
 *	  '<' and '"' whatever address and text it shows (all escaped).
 * SEE ALSO
 *	policyd/unsub_web.c, tests/fuzz/replay.c, tests/fuzz/corpus/unsub_web/
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "unsub_web.h"
#include "fuzz_check.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* field - the next NUL-terminated field of in[*at..n) as a C string */
static char *
field(const uint8_t *in, size_t n, size_t *at)
{
	const uint8_t	*nul;
	size_t		 len;
	char		*s;

	nul = *at < n ? memchr(in + *at, '\0', n - *at) : NULL;
	len = nul != NULL ? (size_t)(nul - (in + *at)) : n - *at;
	s = malloc(len + 1);
	check(s != NULL);
	memcpy(s, in + *at, len);
	s[len] = '\0';
	*at += len + (nul != NULL);
	return s;
}

static size_t
count(const char *s, int c)
{
	size_t	 k = 0;

	for (; *s != '\0'; s++)
		k += *s == c;
	return k;
}

int
LLVMFuzzerTestOneInput(const uint8_t *in, size_t n)
{
	static const char *methods[] = { "GET", "HEAD", "POST", "PUT" };
	static char	 page[8192], plain[8192];
	struct unsub_web_req r;
	struct unsub_web w;
	char		*path, *query, *ctype;
	size_t		 at = 1, len, i;

	if (n == 0)
		return 0;
	path = field(in, n, &at);
	query = field(in, n, &at);
	ctype = field(in, n, &at);
	memset(&r, 0, sizeof(r));
	r.method = methods[in[0] % 4];
	r.path_info = path;
	r.query = query;
	r.content_type = ctype;
	r.body = at <= n ? (const char *)in + at : "";
	r.body_len = at <= n ? n - at : 0;
	unsub_web_decide(&r, &w);
	if (w.act == UNSUB_WEB_REFUSE) {
		check(w.why != NULL && (w.status == 400 || w.status == 405));
	} else {
		len = strlen(w.token);
		check(len > 0 && len <= TOKEN_URL_MAX);
		for (i = 0; i < len; i++)
			check(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
			    "qrstuvwxyz0123456789-_.", w.token[i]) != NULL);
		check(strstr(path, w.token) != NULL ||
		    strstr(query, w.token) != NULL);
		check((w.act == UNSUB_WEB_UNSUB) == (in[0] % 4 == 2));
	}
	if (unsub_web_oneclick(ctype, r.body, r.body_len) &&
	    strncasecmp(ctype, "multipart/", 10) != 0)
		check(r.body_len >= 26 && memmem(r.body, r.body_len,
		    "List-Unsubscribe=One-Click", 26) != NULL);
	else if (unsub_web_oneclick(ctype, r.body, r.body_len))
		check(memmem(r.body, r.body_len, "One-Click", 9) != NULL &&
		    memmem(r.body, r.body_len, "List-Unsubscribe", 16) !=
		    NULL);
	for (i = UNSUB_PAGE_FORM; i <= UNSUB_PAGE_UNAVAILABLE; i++) {
		len = unsub_web_page(i, 400, path, query, 0, page,
		    sizeof(page));
		check(len < sizeof(page) && strlen(page) == len);
		/* a page cut short may differ; compare whole ones */
		if (len + 1 < sizeof(page)) {
			unsub_web_page(i, 400, "", "", 0, plain,
			    sizeof(plain));
			check(count(page, '<') == count(plain, '<'));
			check(count(page, '"') == count(plain, '"'));
		}
	}
	free(path);
	free(query);
	free(ctype);
	return 0;
}
