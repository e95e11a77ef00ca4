/*
 * NAME
 *	dsn - read a delivery status notification (RFC 3464, RFC 6533)
 * DESCRIPTION
 *	See dsn.h. mime_walk() goes through the MIME tree, at most
 *	DSN_DEPTH_MAX multipart levels deep, until the first
 *	multipart/report decides; leaf() reads what counts, each part read
 *	decoded into a heap buffer freed before leaf() returns.
 *
 *	The delivery-status body is cut into blocks here, at lines of only
 *	white space, before mime_hdr_next() reads a block's fields: it
 *	would take such a line for the continuation of the field above and
 *	join two recipients into one. Every value is unfolded into a heap
 *	string freed at once and checked before it is copied; a value that
 *	fails is left "" without failing the parse (a damaged recipient
 *	block is still a bounce, and the count of them still right).
 * SEE ALSO
 *	dsn.h, mime.h, arf.c, tests/unit/test_dsn.c
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsn.h"
#include "mime.h"

struct walk {
	struct dsn	*d;
	int		 ds_seen;	/* the delivery-status part was read */
};

/* the report-types of a bounce (RFC 3464, RFC 6533) */
static const char *const ds_types[] = {
	"delivery-status", "global-delivery-status", NULL
};

/* RFC 3464 2.3.3 */
static const char *const actions[] = {
	"failed", "delayed", "delivered", "relayed", "expanded"
};

/* is_wsp - SP or HTAB */
static int
is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* skip_wsp - past SP and HTAB */
static const char *
skip_wsp(const char *p, const char *end)
{
	while (p < end && is_wsp(*p))
		p++;
	return p;
}

/* blank_line - 1 when the line at p holds only white space; *next after */
static int
blank_line(const char *p, const char *end, const char **next)
{
	const char	*nl = memchr(p, '\n', (size_t)(end - p));
	const char	*e = nl != NULL ? nl : end;

	*next = nl != NULL ? nl + 1 : end;
	for (; p < e; p++)
		if (!is_wsp(*p) && *p != '\r')
			return 0;
	return 1;
}

/* is_typechar - a character of an RFC 3464 type: atom text, in practice */
static int
is_typechar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '+';
}

/*
 * typed - a value "type ; rest" (the address-type, mta-name-type and
 * diagnostic-type of RFC 3464): the type lower-cased into t, *rest after
 * the ";" and the white space after it; 0, or -1 when v does not begin
 * with a type and ";"
 */
static int
typed(const char *v, size_t n, char *t, size_t tlen, const char **rest)
{
	const char	*p = skip_wsp(v, v + n), *end = v + n;
	size_t		 k = 0;

	for (; p < end && is_typechar(*p); p++) {
		if (k + 1 >= tlen)
			return -1;
		t[k++] = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p;
	}
	t[k] = '\0';
	p = skip_wsp(p, end);
	if (k == 0 || p >= end || *p != ';')
		return -1;
	*rest = skip_wsp(p + 1, end);
	return 0;
}

/*
 * read_addr - Final-Recipient, Original-Recipient: "rfc822" or "utf-8"
 * ";" address; v is NUL-terminated at n and trimmed (mime_unfold)
 */
static void
read_addr(char *out, const char *v, size_t n)
{
	const char	*a;
	char		 t[16];

	if (mime_has_ctl(v, n) || typed(v, n, t, sizeof(t), &a) < 0 ||
	    (strcmp(t, "rfc822") != 0 && strcmp(t, "utf-8") != 0))
		return;
	/* addr_norm() takes the < > off and leaves out "" when it fails */
	(void)addr_norm(a, out, ADDR_BUFSIZE);
}

/* read_action - Action: one of actions[], any case, CFWS around it */
static void
read_action(char *out, size_t outlen, const char *v, size_t n)
{
	const char	*p, *end = v + n;
	char		 w[16];
	size_t		 k = 0, i;

	if (mime_has_ctl(v, n))
		return;
	for (p = mime_skip_cfws(v, end); p < end && ((*p >= 'a' &&
	    *p <= 'z') || (*p >= 'A' && *p <= 'Z')); p++) {
		if (k + 1 >= sizeof(w))
			return;
		w[k++] = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p;
	}
	w[k] = '\0';
	if (mime_skip_cfws(p, end) != end)
		return;
	for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (strcmp(w, actions[i]) == 0)
			mime_put(out, outlen, w, k);
}

/*
 * read_status - Status: class "." subject "." detail (RFC 3463), a
 * comment after it allowed (RFC 3464 2.3.4); what follows white space
 * or "(" after the code is dropped
 */
static void
read_status(char *out, size_t outlen, const char *v, size_t n)
{
	const char	*p, *s, *end = v + n;
	int		 i, k;

	if (mime_has_ctl(v, n))
		return;
	s = p = mime_skip_cfws(v, end);
	if (p >= end || (*p != '2' && *p != '4' && *p != '5'))
		return;
	p++;
	for (i = 0; i < 2; i++) {
		if (p >= end || *p++ != '.')
			return;
		for (k = 0; k < 3 && p < end && *p >= '0' && *p <= '9'; k++)
			p++;
		if (k == 0)
			return;
	}
	if (p < end && !is_wsp(*p) && *p != '(')
		return;			/* a fourth digit, "5.1.1x" */
	mime_put(out, outlen, s, (size_t)(p - s));
}

/*
 * read_diag - Diagnostic-Code: the text after "type ;" (or all of it),
 * control characters as spaces, a run of spaces as one, trimmed, cut on a
 * UTF-8 boundary
 */
static void
read_diag(char *out, size_t outlen, const char *v, size_t n)
{
	const char	*rest;
	char		 type[32];

	if (typed(v, n, type, sizeof(type), &rest) == 0) {
		n -= (size_t)(rest - v);
		v = rest;
	}
	mime_text(out, outlen, v, n);
}

/* read_mta - Reporting-MTA: "dns" ";" name, up to white space or "(" */
static void
read_mta(char *out, size_t outlen, const char *v, size_t n)
{
	const char	*p, *q, *end = v + n;
	char		 t[8];

	if (mime_has_ctl(v, n) || typed(v, n, t, sizeof(t), &p) < 0 ||
	    strcmp(t, "dns") != 0)
		return;
	for (q = p; q < end && !is_wsp(*q) && *q != '('; q++)
		;
	if (q > p)
		mime_put(out, outlen, p, (size_t)(q - p));
}

/* read_qid - X-Postfix-Queue-ID: letters and digits only */
static void
read_qid(char *out, size_t outlen, const char *v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (!((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= 'A' &&
		    v[i] <= 'Z') || (v[i] >= '0' && v[i] <= '9')))
			return;
	if (n > 0)
		mime_put(out, outlen, v, n);
}

/* message_field - Reporting-MTA (0) or X-Postfix-Queue-ID (1) */
static void
message_field(void *arg, size_t i, char *v, size_t n)
{
	struct dsn	*d = arg;

	if (i == 0)
		read_mta(d->reporting_mta, sizeof(d->reporting_mta), v, n);
	else
		read_qid(d->postfix_qid, sizeof(d->postfix_qid), v, n);
}

/* read_message - the per-message fields of the first block */
static void
read_message(struct dsn *d, const char *p, size_t n)
{
	static const char *const names[] = { "Reporting-MTA",
	    "X-Postfix-Queue-ID" };

	(void)mime_first_fields(p, n, names, 2, message_field, d);
}

/* rcpt_field - one of read_rcpt's names (index i) */
static void
rcpt_field(void *arg, size_t i, char *v, size_t n)
{
	struct dsn_rcpt	*r = arg;

	if (i == 0)
		read_addr(r->final_rcpt, v, n);
	else if (i == 1)
		read_addr(r->orig_rcpt, v, n);
	else if (i == 2)
		read_action(r->action, sizeof(r->action), v, n);
	else if (i == 3)
		read_status(r->status, sizeof(r->status), v, n);
	else
		read_diag(r->diag, sizeof(r->diag), v, n);
}

/* read_rcpt - one block into r: 1 when it is a recipient's, else 0 */
static int
read_rcpt(struct dsn_rcpt *r, const char *p, size_t n)
{
	static const char *const names[] = {
		"Final-Recipient", "Original-Recipient", "Action", "Status",
		"Diagnostic-Code"
	};

	return (mime_first_fields(p, n, names, 5, rcpt_field, r) & 7) != 0;
}

/* read_ds - the body of the delivery-status part, block by block */
static void
read_ds(struct dsn *d, const char *p, size_t n)
{
	const char	*end = p + n, *b, *next;
	struct dsn_rcpt	 spare, *r;
	int		 first = 1;

	while (p < end) {
		while (p < end && blank_line(p, end, &next))
			p = next;
		if (p >= end)
			break;
		for (b = p; p < end && !blank_line(p, end, &next); p = next)
			;
		if (first)
			read_message(d, b, (size_t)(p - b));
		first = 0;
		/* past DSN_RCPTS_MAX a block is read only to be counted */
		r = d->nrcpt < DSN_RCPTS_MAX ? &d->rcpt[d->nrcpt] : &spare;
		memset(r, 0, sizeof(*r));
		if (!read_rcpt(r, b, (size_t)(p - b))) {
			memset(r, 0, sizeof(*r));
			continue;
		}
		d->nrcpt_seen++;
		if (r != &spare)
			d->nrcpt++;
	}
}

void
dsn_original(struct dsn *d, const char *p, size_t n, int headers_only)
{
	struct mime_hdr		 h;
	struct mime_field	 f;
	char			*v;
	size_t			 vn;

	d->have_original = 1;
	if (headers_only)
		mime_skip_empty_lines(&p, &n);
	mime_hdr_init(&h, p, n);
	while (mime_hdr_next(&h, &f)) {
		if (!mime_field_is(&f, "Message-ID"))
			continue;
		v = mime_unfold(f.value, f.valuelen, &vn);
		(void)mime_msgid(v, vn, d->message_id, sizeof(d->message_id));
		free(v);
		return;
	}
}


/* is_ds - 1 when the entity is a (global) delivery-status part */
static int
is_ds(const struct mime_entity *e)
{
	return strcmp(e->ct.type, "message") == 0 &&
	    (strcmp(e->ct.subtype, "delivery-status") == 0 ||
	    strcmp(e->ct.subtype, "global-delivery-status") == 0);
}



/* not_bounce - the sentence for a report of another type */
static const char *
not_bounce(const char *report_type)
{
	if (strcmp(report_type, "feedback-report") == 0)
		return "a feedback report, not a bounce";
	if (strcmp(report_type, "disposition-notification") == 0)
		return "a read receipt, not a bounce";
	return "a multipart/report of another type, not a bounce";
}

/* leaf - one leaf entity: outside the report nothing counts; inside, the
 * first delivery-status part and the first original */
static int
leaf(void *arg, const struct mime_entity *e, int in_report)
{
	struct walk	*w = arg;
	const char	*body;
	char		*buf;
	size_t		 blen;
	int		 ds = is_ds(e);

	if (!in_report || (ds ? w->ds_seen :
	    !mime_is_original(e) || w->d->have_original))
		return 0;
	body = mime_body(e, &buf, &blen);
	if (ds) {
		read_ds(w->d, body, blen);
		w->ds_seen = 1;
	} else
		dsn_original(w->d, body, blen, mime_headers_only(e));
	free(buf);
	return w->ds_seen && w->d->have_original;
}

int
dsn_parse(const char *msg, size_t len, struct dsn *d, const char **why)
{
	struct walk	 w = { .d = d };
	struct mime_walk mw = { .types = ds_types, .depth_max = DSN_DEPTH_MAX,
			    .leaf = leaf, .arg = &w };
	const char	*err = NULL;

	memset(d, 0, sizeof(*d));
	if (msg == NULL)
		len = 0;
	if (len > DSN_INPUT_MAX)
		len = DSN_INPUT_MAX;
	if (len == 0)
		err = "the message is empty";
	else
		mime_walk(&mw, msg, len);
	if (err == NULL && mw.other)
		err = not_bounce(mw.other_type);
	else if (err == NULL && !mw.in_report)
		err = "not a delivery status report";
	else if (err == NULL && !w.ds_seen)
		err = "a delivery status report without a delivery-status "
		    "part";
	else if (err == NULL && d->nrcpt_seen == 0)
		err = "delivery-status part without recipients";
	if (why != NULL)
		*why = err != NULL ? err : "";
	if (err != NULL) {
		memset(d, 0, sizeof(*d));
		return -1;
	}
	d->is_dsn = 1;
	return 0;
}
