/*
 * NAME
 *	mime - header fields, Content-Type, transfer encodings, multipart
 * DESCRIPTION
 *	See mime.h. Every function works on (pointer, length) and never
 *	reads at or past the end; every loop advances, so the cost is
 *	linear in the bytes given. The decoders write at most as many
 *	bytes as they read, so a buffer of the input's size is enough.
 * SEE ALSO
 *	mime.h, arf.c, dsn.c, qsbmf.c, tests/unit/test_arf.c, test_mime.c
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mime.h"
#include "mime_param.h"
#include "xalloc.h"

/* is_wsp - SP or HTAB */
static int
is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* lower - ASCII lower case, other bytes as they are */
static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* line_end - end of the line at p (its "\n" or end); *next after it */
static const char *
line_end(const char *p, const char *end, const char **next)
{
	const char	*nl = memchr(p, '\n', (size_t)(end - p));

	if (nl == NULL) {
		*next = end;
		return end;
	}
	*next = nl + 1;
	return nl > p && nl[-1] == '\r' ? nl - 1 : nl;
}

void
mime_hdr_init(struct mime_hdr *h, const char *p, size_t len)
{
	h->p = p;
	h->end = p + len;
}

int
mime_hdr_next(struct mime_hdr *h, struct mime_field *f)
{
	const char	*q, *e, *next, *r;

	while (h->p < h->end) {
		q = h->p;
		e = line_end(q, h->end, &next);
		h->p = next;
		if (e == q)
			return 0;		/* the empty line */
		if (is_wsp(*q))
			continue;		/* a continuation of nothing */
		for (r = q; r < e && *r > ' ' && *r < 0x7f && *r != ':'; r++)
			;
		f->name = q;
		f->namelen = (size_t)(r - q);
		while (r < e && is_wsp(*r))
			r++;			/* obsolete "Name :" */
		if (f->namelen == 0 || r >= e || *r != ':') {
			while (h->p < h->end && is_wsp(*h->p))
				(void)line_end(h->p, h->end, &h->p);
			continue;
		}
		f->value = r + 1;
		while (h->p < h->end && is_wsp(*h->p))
			e = line_end(h->p, h->end, &h->p);
		f->valuelen = (size_t)(e - f->value);
		return 1;
	}
	return 0;
}

int
mime_field_is(const struct mime_field *f, const char *name)
{
	return strlen(name) == f->namelen &&
	    strncasecmp(f->name, name, f->namelen) == 0;
}

unsigned long
mime_first_fields(const char *p, size_t len, const char *const *names,
    size_t n, mime_field_fn *fn, void *arg)
{
	struct mime_hdr		 h;
	struct mime_field	 f;
	unsigned long		 seen = 0, all;
	char			*v;
	size_t			 i, vn;

	if (n > 32)
		n = 32;
	all = n == 32 ? 0xfffffffful : (1ul << n) - 1;
	mime_hdr_init(&h, p, len);
	while (seen != all && mime_hdr_next(&h, &f)) {
		for (i = 0; i < n && !mime_field_is(&f, names[i]); i++)
			;
		if (i == n || (seen & 1ul << i) != 0)
			continue;
		seen |= 1ul << i;
		v = mime_unfold(f.value, f.valuelen, &vn);
		fn(arg, i, v, vn);
		free(v);
	}
	return seen;
}

char *
mime_unfold(const char *v, size_t n, size_t *outlen)
{
	char	*out = xmalloc(n + 1);
	size_t	 i, o = 0;

	for (i = 0; i < n; i++) {
		if (v[i] == '\n' || (v[i] == '\r' && i + 1 < n &&
		    v[i + 1] == '\n'))
			continue;
		if (o == 0 && is_wsp(v[i]))
			continue;
		out[o++] = v[i];
	}
	while (o > 0 && is_wsp(out[o - 1]))
		o--;
	out[o] = '\0';
	*outlen = o;
	return out;
}

const char *
mime_skip_cfws(const char *p, const char *end)
{
	int	 depth = 0;

	for (; p < end; p++) {
		if (depth > 0 && *p == '\\' && p + 1 < end)
			p++;
		else if (*p == '(')
			depth++;
		else if (depth > 0 && *p == ')')
			depth--;
		else if (depth == 0 && !is_wsp(*p) && *p != '\r' && *p != '\n')
			break;
	}
	return p;
}

/* is_tchar - an RFC 2045 token character */
static int
is_tchar(char c)
{
	return c > ' ' && c < 0x7f && strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

/* token - a token at *pp, lower-cased into out; 0, or -1 none/too long */
static int
token(const char **pp, const char *end, char *out, size_t outlen)
{
	const char	*p = *pp;
	size_t		 n = 0;

	while (p < end && is_tchar(*p)) {
		if (n + 1 >= outlen) {
			out[0] = '\0';
			return -1;
		}
		out[n++] = lower(*p++);
	}
	out[n] = '\0';
	*pp = p;
	return n > 0 ? 0 : -1;
}

/*
 * param_value - a quoted-string or a lenient token at *pp into out (not
 * lower-cased); 0, or -1 when empty, unterminated, too long or holding a
 * control character. *pp is moved past the value either way.
 */
static int
param_value(const char **pp, const char *end, char *out, size_t outlen)
{
	const char	*p = *pp;
	size_t		 n = 0;
	int		 bad = 0, quoted = p < end && *p == '"';

	if (quoted)
		p++;
	for (; p < end; p++) {
		if (quoted && *p == '"')
			break;
		if (!quoted && (*p == ';' || *p == '"' || is_wsp(*p) ||
		    *p == '\r' || *p == '\n' || *p == '('))
			break;
		if (quoted && (*p == '\r' || *p == '\n'))
			continue;		/* folded inside the quotes */
		if (quoted && *p == '\\' && p + 1 < end)
			p++;
		if (((unsigned char)*p < ' ' && !is_wsp(*p)) || *p == 0x7f)
			bad = 1;
		if (n + 1 < outlen)
			out[n++] = *p;
		else
			bad = 1;
	}
	if (quoted) {
		if (p >= end)
			bad = 1;
		else
			p++;
	}
	*pp = p;
	out[n] = '\0';
	if (bad || n == 0) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}

/* report_type - val as the report-type: lower case, "?" when no token */
static void
report_type(struct mime_ctype *ct, const char *val)
{
	const char *q = val;

	if (token(&q, val + strlen(val), ct->report_type,
	    sizeof(ct->report_type)) < 0 || *q != '\0')
		strcpy(ct->report_type, "?");
}

int
mime_ctype_parse(const char *v, size_t n, struct mime_ctype *ct)
{
	const char	*p = v, *end = v + n;
	char		 attr[MIME_TOKEN_MAX], val[MIME_BOUNDARY_MAX + 1];
	struct mime_2231 b2231, r2231;	/* RFC 2231 sections */
	int		 sec, ext;

	memset(ct, 0, sizeof(*ct));
	b2231.have = r2231.have = 0;
	b2231.bad = r2231.bad = 0;
	p = mime_skip_cfws(p, end);
	if (token(&p, end, ct->type, sizeof(ct->type)) < 0)
		goto bad;
	p = mime_skip_cfws(p, end);
	if (p >= end || *p++ != '/')
		goto bad;
	p = mime_skip_cfws(p, end);
	if (token(&p, end, ct->subtype, sizeof(ct->subtype)) < 0)
		goto bad;
	for (;;) {
		p = mime_skip_cfws(p, end);
		if (p >= end || *p++ != ';')
			break;		/* the end, or junk: keep the type */
		p = mime_skip_cfws(p, end);
		if (token(&p, end, attr, sizeof(attr)) < 0)
			break;
		p = mime_skip_cfws(p, end);
		if (p >= end || *p++ != '=')
			break;
		p = mime_skip_cfws(p, end);
		if (param_value(&p, end, val, sizeof(val)) < 0) {
			/* a bad boundary or report-type is no boundary */
			if (strcmp(attr, "report-type") == 0 &&
			    ct->report_type[0] == '\0')
				strcpy(ct->report_type, "?");
			else if (mime_2231_attr(attr, "boundary", &ext) >= 0)
				b2231.bad = 1;
			else if (mime_2231_attr(attr, "report-type", &ext) >=
			    0)
				r2231.bad = 1;
			continue;
		}
		if (strcmp(attr, "boundary") == 0 && ct->boundary[0] == '\0')
			memcpy(ct->boundary, val, strlen(val) + 1);
		else if (strcmp(attr, "report-type") == 0 &&
		    ct->report_type[0] == '\0')
			report_type(ct, val);
		else if ((sec = mime_2231_attr(attr, "boundary", &ext)) >= 0)
			mime_2231_add(&b2231, sec, ext, val);
		else if ((sec = mime_2231_attr(attr, "report-type", &ext)) >=
		    0)
			mime_2231_add(&r2231, sec, ext, val);
	}
	/* the plain parameter first; else its RFC 2231 sections */
	if (ct->boundary[0] == '\0' && b2231.have != 0)
		(void)mime_2231_value(&b2231, ct->boundary,
		    sizeof(ct->boundary));
	if (ct->report_type[0] == '\0' && (r2231.have != 0 || r2231.bad)) {
		if (mime_2231_value(&r2231, val, sizeof(val)) == 0)
			report_type(ct, val);
		else
			strcpy(ct->report_type, "?");
	}
	return 0;
bad:
	memset(ct, 0, sizeof(*ct));
	return -1;
}

int
mime_cte_parse(const char *v, size_t n)
{
	const char	*p = mime_skip_cfws(v, v + n);
	char		 t[32];

	if (token(&p, v + n, t, sizeof(t)) < 0)
		return MIME_CTE_IDENTITY;
	if (strcmp(t, "base64") == 0)
		return MIME_CTE_BASE64;
	if (strcmp(t, "quoted-printable") == 0)
		return MIME_CTE_QP;
	return MIME_CTE_IDENTITY;
}

/* b64 - the value of a base64 digit, or -1 */
static int
b64(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int
mime_has_ctl(const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] < ' ' && s[i] != '\t') ||
		    s[i] == 0x7f)
			return 1;
	return 0;
}

void
mime_put(char *out, size_t outlen, const char *s, size_t n)
{
	if (n >= outlen) {
		out[0] = '\0';
		return;
	}
	memcpy(out, s, n);
	out[n] = '\0';
}

void
mime_text(char *out, size_t outlen, const char *t, size_t n)
{
	size_t	 i, o = 0, k;
	char	 c = '\0';

	for (i = 0; i < n; i++) {
		c = (unsigned char)t[i] < ' ' || t[i] == 0x7f ? ' ' : t[i];
		/* one space for a run: a fold's indent, a tab, CR LF */
		if (c == ' ' && (o == 0 || out[o - 1] == ' '))
			continue;
		if (o + 1 >= outlen)
			break;
		out[o++] = c;
	}
	/* cut before a continuation byte: drop its sequence's first ones */
	if (i < n && ((unsigned char)c & 0xc0) == 0x80) {
		for (k = o; k > 0 && o - k < 3 &&
		    ((unsigned char)out[k - 1] & 0xc0) == 0x80; k--)
			;
		if (k > 0 && (unsigned char)out[k - 1] >= 0xc0)
			o = k - 1;
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
}

int
mime_hex(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* unbase64 - decode into out (n bytes are enough); the length */
static size_t
unbase64(const char *p, size_t n, char *out)
{
	unsigned long	 acc = 0;
	size_t		 i, o = 0;
	int		 bits = 0, d;

	for (i = 0; i < n && p[i] != '='; i++) {
		if ((d = b64((unsigned char)p[i])) < 0)
			continue;
		acc = (acc << 6 | (unsigned long)d) & 0xffffff;
		if ((bits += 6) >= 8) {
			bits -= 8;
			out[o++] = (char)(acc >> bits & 0xff);
		}
	}
	return o;
}

/* unqp - decode quoted-printable into out; the length */
static size_t
unqp(const char *p, size_t n, char *out)
{
	size_t	 i, j, o = 0;
	int	 h1, h2;

	for (i = 0; i < n; i++) {
		if (p[i] != '=') {
			out[o++] = p[i];
			continue;
		}
		if (i + 2 < n &&
		    (h1 = mime_hex((unsigned char)p[i + 1])) >= 0 &&
		    (h2 = mime_hex((unsigned char)p[i + 2])) >= 0) {
			out[o++] = (char)(h1 << 4 | h2);
			i += 2;
			continue;
		}
		/* a soft line break: "=", transport padding, line end */
		for (j = i + 1; j < n && is_wsp(p[j]); j++)
			;
		if (j < n && p[j] == '\r' && j + 1 < n && p[j + 1] == '\n')
			j++;
		if (j >= n || p[j] == '\n')
			i = j;
		else
			out[o++] = '=';
	}
	return o;
}

char *
mime_decode(int cte, const char *p, size_t n, size_t *outlen)
{
	char	*out = xmalloc(n + 1);
	size_t	 o;

	switch (cte) {
	case MIME_CTE_BASE64:
		o = unbase64(p, n, out);
		break;
	case MIME_CTE_QP:
		o = unqp(p, n, out);
		break;
	default:
		memcpy(out, p, n);
		o = n;
		break;
	}
	out[o] = '\0';
	*outlen = o;
	return out;
}

void
mime_skip_empty_lines(const char **p, size_t *n)
{
	while (*n > 0 && (**p == '\n' || (**p == '\r' && *n > 1 &&
	    (*p)[1] == '\n'))) {
		*n -= **p == '\r' ? 2 : 1;
		*p += 1 + (**p == '\r');
	}
}

int
mime_msgid(const char *v, size_t n, char *out, size_t outlen)
{
	const char	*p, *q, *end = v + n;

	out[0] = '\0';
	if (mime_has_ctl(v, n))
		return -1;
	p = mime_skip_cfws(v, end);
	if (p >= end || *p != '<')
		return -1;
	for (q = p + 1; q < end && *q != '>'; q++)
		if (*q == ' ' || *q == '\t' || *q == '<')
			return -1;
	if (q >= end || q == p + 1 || (size_t)(q + 1 - p) >= outlen)
		return -1;
	memcpy(out, p, (size_t)(q + 1 - p));
	out[q + 1 - p] = '\0';
	return 0;
}

/*
 * delimiter - 1 when the line at q is "--" boundary ["--"] LWSP line-end;
 * *after is the next line, *close 1 for the close delimiter
 */
static int
delimiter(const struct mime_parts *mp, const char *q, const char **after,
    int *close)
{
	const char	*end = mp->end;

	if ((size_t)(end - q) < 2 + mp->blen || q[0] != '-' || q[1] != '-' ||
	    memcmp(q + 2, mp->b, mp->blen) != 0)
		return 0;
	q += 2 + mp->blen;
	*close = end - q >= 2 && q[0] == '-' && q[1] == '-';
	if (*close)
		q += 2;
	while (q < end && is_wsp(*q))
		q++;
	if (q < end && *q == '\r')
		q++;
	if (q < end && *q != '\n')
		return 0;
	*after = q < end ? q + 1 : end;
	return 1;
}

/* find - the first delimiter line at or after the line start p */
static const char *
find(const struct mime_parts *mp, const char *p, const char **after,
    int *close)
{
	const char	*nl;

	while (p < mp->end) {
		if (delimiter(mp, p, after, close))
			return p;
		if ((nl = memchr(p, '\n', (size_t)(mp->end - p))) == NULL)
			break;
		p = nl + 1;
	}
	return NULL;
}

void
mime_parts_init(struct mime_parts *mp, const char *body, size_t len,
    const char *boundary)
{
	const char	*after;
	int		 close;

	mp->end = body + len;
	mp->b = boundary;
	mp->blen = strlen(boundary);
	mp->more = 0;
	mp->p = mp->end;
	if (mp->blen == 0 || find(mp, body, &after, &close) == NULL || close)
		return;
	mp->p = after;
	mp->more = 1;
}

int
mime_parts_next(struct mime_parts *mp, const char **part, size_t *partlen)
{
	const char	*d, *e, *after;
	int		 close;

	if (!mp->more)
		return 0;
	*part = mp->p;
	if ((d = find(mp, mp->p, &after, &close)) == NULL) {
		*partlen = (size_t)(mp->end - mp->p);	/* truncated */
		mp->more = 0;
		return 1;
	}
	e = d;
	if (e > mp->p && e[-1] == '\n')
		e--;
	if (e > mp->p && e[-1] == '\r')
		e--;
	*partlen = (size_t)(e - mp->p);
	mp->p = after;
	mp->more = !close;
	return 1;
}

void
mime_entity(const char *p, size_t n, int digest, struct mime_entity *e)
{
	struct mime_hdr		 h;
	struct mime_field	 f;
	char			*v;
	size_t			 vn;
	int			 have_ct = 0, have_cte = 0;

	memset(&e->ct, 0, sizeof(e->ct));
	e->cte = MIME_CTE_IDENTITY;
	mime_hdr_init(&h, p, n);
	while (mime_hdr_next(&h, &f)) {
		if (!have_ct && mime_field_is(&f, "Content-Type")) {
			have_ct = 1;
			v = mime_unfold(f.value, f.valuelen, &vn);
			(void)mime_ctype_parse(v, vn, &e->ct);
			free(v);
		} else if (!have_cte &&
		    mime_field_is(&f, "Content-Transfer-Encoding")) {
			have_cte = 1;
			e->cte = mime_cte_parse(f.value, f.valuelen);
		}
	}
	/* RFC 2045 5.2, RFC 2046 5.1.5: the default types */
	if (e->ct.type[0] == '\0') {
		strcpy(e->ct.type, digest ? "message" : "text");
		strcpy(e->ct.subtype, digest ? "rfc822" : "plain");
	}
	e->body = h.p;
	e->bodylen = (size_t)(p + n - h.p);
}

/* types that carry the original message (or only its header) */
static const char *const orig_types[] = {
	"message/rfc822", "text/rfc822-headers", "message/global",
	"message/rfc822-headers", "message/global-headers"
};

int
mime_is_original(const struct mime_entity *e)
{
	char	 t[2 * MIME_TOKEN_MAX + 1];
	size_t	 i;

	snprintf(t, sizeof(t), "%s/%s", e->ct.type, e->ct.subtype);
	for (i = 0; i < sizeof(orig_types) / sizeof(orig_types[0]); i++)
		if (strcmp(t, orig_types[i]) == 0)
			return 1;
	return 0;
}

int
mime_has_part(const struct mime_entity *e, const char *type,
    const char *subtype)
{
	struct mime_parts	 mp;
	struct mime_entity	 pe;
	const char		*part;
	size_t			 plen;

	mime_parts_init(&mp, e->body, e->bodylen, e->ct.boundary);
	while (mime_parts_next(&mp, &part, &plen)) {
		mime_entity(part, plen, 0, &pe);
		if (strcmp(pe.ct.type, type) == 0 &&
		    strcmp(pe.ct.subtype, subtype) == 0)
			return 1;
	}
	return 0;
}

int
mime_headers_only(const struct mime_entity *e)
{
	return strcmp(e->ct.subtype, "rfc822") != 0 &&
	    strcmp(e->ct.subtype, "global") != 0;
}

const char *
mime_body(const struct mime_entity *e, char **buf, size_t *len)
{
	*buf = NULL;
	*len = e->bodylen;
	if (e->cte == MIME_CTE_IDENTITY)
		return e->body;
	*buf = mime_decode(e->cte, e->body, e->bodylen, len);
	return *buf;
}

/* walk_is_report - 1 when multipart/report e is of a type w seeks */
static int
walk_is_report(const struct mime_walk *w, const struct mime_entity *e)
{
	const char *const *t;
	const char	*rt = e->ct.report_type;

	for (t = w->types; *t != NULL; t++)
		if (strcmp(rt, *t) == 0 ||
		    (rt[0] == '\0' && mime_has_part(e, "message", *t)))
			return 1;
	return 0;
}

/* walk_entity - one entity (a message or a body part) */
static void
walk_entity(struct mime_walk *w, const char *p, size_t n, int depth,
    int digest)
{
	struct mime_entity	 e;
	struct mime_parts	 mp;
	const char		*part;
	size_t			 plen;
	int			 report = 0;

	mime_entity(p, n, digest, &e);
	if (strcmp(e.ct.type, "multipart") != 0) {
		if (w->leaf(w->arg, &e, w->in_report))
			w->stop = 1;
		return;
	}
	if (depth >= w->depth_max || e.ct.boundary[0] == '\0')
		return;
	if (strcmp(e.ct.subtype, "report") == 0 && !w->in_report) {
		if (!walk_is_report(w, &e)) {
			w->other = w->stop = 1;
			snprintf(w->other_type, sizeof(w->other_type), "%s",
			    e.ct.report_type);
			return;
		}
		report = w->in_report = 1;
	}
	mime_parts_init(&mp, e.body, e.bodylen, e.ct.boundary);
	while (!w->stop && mime_parts_next(&mp, &part, &plen))
		walk_entity(w, part, plen, depth + 1,
		    strcmp(e.ct.subtype, "digest") == 0);
	if (report)
		w->stop = 1;		/* the report decides, found or not */
}

void
mime_walk(struct mime_walk *w, const char *msg, size_t n)
{
	w->in_report = w->other = w->stop = 0;
	w->other_type[0] = '\0';
	walk_entity(w, msg, n, 0, 0);
}
