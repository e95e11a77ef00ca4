/*
 * NAME
 *	qsbmf - read a qmail-send bounce (QSBMF)
 * DESCRIPTION
 *	See qsbmf.h. The body is read a line at a time in place; nothing is
 *	copied but a recipient's address (into a buffer of ADDR_BUFSIZE,
 *	checked first), its explanation (mime_text() into diag) and the
 *	values that fit their fields. A body in base64 or quoted-printable
 *	is decoded into a heap buffer freed before qsbmf_parse() returns.
 * SEE ALSO
 *	qsbmf.h, dsn.c, mime.h, tests/unit/test_qsbmf.c
 */
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "mime.h"
#include "qsbmf.h"

/* QSBMF 2: how the body of every qmail-send bounce begins */
static const char hello[] = "Hi. This is the";

static int
is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * line_next - the line at *p (before end) without its line end in *l and
 * *n, *p past it: 1, or 0 at the end
 */
static int
line_next(const char **p, const char *end, const char **l, size_t *n)
{
	const char	*s = *p, *e;

	if (s >= end)
		return 0;
	if ((e = memchr(s, '\n', (size_t)(end - s))) == NULL)
		e = end;
	*l = s;
	*n = (size_t)(e - s);
	*p = e < end ? e + 1 : end;
	if (*n > 0 && s[*n - 1] == '\r')
		(*n)--;
	return 1;
}

/* blank - 1 for a line of only white space */
static int
blank(const char *l, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (!is_wsp(l[i]) && l[i] != '\r')
			return 0;
	return 1;
}

/*
 * para_next - the next paragraph at *p (before end): its first line in
 * *l and *n, its other lines from *rest to *rend; *p past it and the
 * blank line after it: 1, or 0 when none is left
 */
static int
para_next(const char **p, const char *end, const char **l, size_t *n,
    const char **rest, const char **rend)
{
	const char	*x;
	size_t		 xn;

	do {
		if (!line_next(p, end, l, n))
			return 0;
	} while (blank(*l, *n));
	*rest = *rend = *p;
	while (line_next(p, end, &x, &xn) && !blank(x, xn))
		*rend = *p;
	return 1;
}

/* read_host - "program at HOST" in the introduction's first line */
static void
read_host(struct dsn *d, const char *l, size_t n)
{
	static const char at[] = "program at ";
	const char	*p, *h, *end = l + n;
	size_t		 k, i;

	for (p = l; (size_t)(end - p) >= sizeof(at) - 1; p++)
		if (memcmp(p, at, sizeof(at) - 1) == 0)
			break;
	if ((size_t)(end - p) < sizeof(at) - 1)
		return;
	h = p += sizeof(at) - 1;
	while (p < end && !is_wsp(*p))
		p++;
	k = (size_t)(p - h);
	if (k > 0 && h[k - 1] == '.')
		k--;
	for (i = 0; i < k; i++)
		if (!((h[i] >= 'a' && h[i] <= 'z') || (h[i] >= 'A' &&
		    h[i] <= 'Z') || is_digit(h[i]) || h[i] == '-' ||
		    h[i] == '.'))
			return;
	if (k > 0)
		mime_put(d->reporting_mta, sizeof(d->reporting_mta), h, k);
}

/*
 * enh - the length of the enhanced status code (RFC 3463: class 2, 4 or
 * 5, subject and detail of 1 to 3 digits) at s, NUL-terminated, when no
 * digit or "." and a digit follows it; else 0
 */
static size_t
enh(const char *s)
{
	const char	*p = s;
	int		 i, k;

	if (*p != '2' && *p != '4' && *p != '5')
		return 0;
	p++;
	for (i = 0; i < 2; i++) {
		if (*p != '.')
			return 0;
		p++;
		for (k = 0; k < 3 && is_digit(*p); k++)
			p++;
		if (k == 0)
			return 0;
	}
	if (is_digit(*p) || (*p == '.' && is_digit(p[1])))
		return 0;
	return (size_t)(p - s);
}

/*
 * read_status - the recipient's status from its explanation (diag): the
 * last "(#X.Y.Z)", else what the remote host said
 */
static void
read_status(struct dsn_rcpt *r)
{
	static const char said[] = "Remote host said: ";
	const char	*p, *q;
	char		 c[6];
	size_t		 k;

	for (p = r->diag; (p = strstr(p, "(#")) != NULL; p += 2)
		if ((k = enh(p + 2)) > 0 && p[2 + k] == ')')
			mime_put(r->status, sizeof(r->status), p + 2, k);
	if (r->status[0] != '\0' || (p = strstr(r->diag, said)) == NULL)
		return;
	p += sizeof(said) - 1;
	/* a reply code, then (after "-" in a multiline reply) its text */
	if ((p[0] != '2' && p[0] != '4' && p[0] != '5') || !is_digit(p[1]) ||
	    !is_digit(p[2]) || (p[3] != ' ' && p[3] != '-' && p[3] != '\0'))
		return;
	q = p + 3;
	if (*q == '-')
		q++;
	while (*q == ' ')
		q++;
	if ((k = enh(q)) > 0 && q[0] == p[0]) {
		mime_put(r->status, sizeof(r->status), q, k);
		return;
	}
	c[0] = p[0];
	memcpy(c + 1, ".0.0", 5);
	mime_put(r->status, sizeof(r->status), c, 5);
}

/* read_rcpt - a recipient paragraph's first line: "<ADDRESS>:" */
static void
read_rcpt(struct dsn_rcpt *r, const char *l, size_t n)
{
	char	 a[ADDR_BUFSIZE];

	memcpy(r->action, "failed", sizeof("failed"));
	while (n > 0 && is_wsp(l[n - 1]))
		n--;
	if (n < 4 || l[0] != '<' || l[n - 2] != '>' || l[n - 1] != ':' ||
	    n - 3 >= sizeof(a) || mime_has_ctl(l + 1, n - 3))
		return;
	memcpy(a, l + 1, n - 3);
	a[n - 3] = '\0';
	/* addr_norm() leaves "" when it fails */
	(void)addr_norm(a, r->final_rcpt, sizeof(r->final_rcpt));
}

int
qsbmf_parse(const char *msg, size_t len, struct dsn *d, const char **why)
{
	struct mime_entity e;
	struct dsn_rcpt	 spare, *r;
	const char	*p, *end, *l, *rest, *rend, *err = NULL;
	char		*buf = NULL;
	size_t		 n;
	int		 intro = 1;

	memset(d, 0, sizeof(*d));
	if (msg == NULL)
		len = 0;
	if (len > DSN_INPUT_MAX)
		len = DSN_INPUT_MAX;
	if (len == 0) {
		err = "the message is empty";
		goto out;
	}
	mime_entity(msg, len, 0, &e);
	p = mime_body(&e, &buf, &n);
	mime_skip_empty_lines(&p, &n);
	end = p + n;
	if (strcmp(e.ct.type, "text") != 0 ||
	    strcmp(e.ct.subtype, "plain") != 0 ||
	    n < sizeof(hello) - 1 || memcmp(p, hello, sizeof(hello) - 1) != 0) {
		err = "not a qmail bounce (QSBMF)";
		goto out;
	}
	while (para_next(&p, end, &l, &n, &rest, &rend)) {
		if (intro) {
			read_host(d, l, n);
			intro = 0;
		} else if (l[0] == '-') {
			/* the break: the original follows */
			if (p < end)
				dsn_original(d, p, (size_t)(end - p), 0);
			break;
		} else if (l[0] == '<') {
			r = d->nrcpt < DSN_RCPTS_MAX ? &d->rcpt[d->nrcpt++] :
			    &spare;
			memset(r, 0, sizeof(*r));
			read_rcpt(r, l, n);
			mime_text(r->diag, sizeof(r->diag), rest,
			    (size_t)(rend - rest));
			read_status(r);
			d->nrcpt_seen++;
		}
	}
	if (d->nrcpt_seen == 0)
		err = "a qmail bounce without recipients";
out:
	free(buf);
	if (why != NULL)
		*why = err != NULL ? err : "";
	if (err != NULL) {
		memset(d, 0, sizeof(*d));
		return -1;
	}
	d->is_dsn = 1;
	return 0;
}
