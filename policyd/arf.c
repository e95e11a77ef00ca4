/*
 * NAME
 *	arf - read a complaint report (RFC 5965) or a forwarded original
 * DESCRIPTION
 *	See arf.h. mime_walk() goes through the MIME tree depth first, at
 *	most ARF_DEPTH_MAX multipart levels deep, until the first report or
 *	original decides; leaf() reads what counts, each part read decoded
 *	into a heap buffer freed before leaf() returns.
 *	Every value is checked for control characters and length before it
 *	is copied, and a value that fails is left "" without failing the
 *	parse: a redacted or damaged field is a fact, not an error.
 * SEE ALSO
 *	arf.h, mime.h, milter/from.h, tests/unit/test_arf.c
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arf.h"
#include "from.h"
#include "mime.h"
#include "xalloc.h"

struct walk {
	struct arf	*out;
	int		 fb_seen;	/* the feedback-report part was read */
};

/* the report-type of a complaint (RFC 5965) */
static const char *const fb_types[] = { "feedback-report", NULL };

/* only_of - 1 when s[0..n) holds only characters of set */
static int
only_of(const char *s, size_t n, const char *set)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (s[i] == '\0' || strchr(set, s[i]) == NULL)
			return 0;
	return 1;
}

/* count_of - how many characters of s[0..n) are in set */
static size_t
count_of(const char *s, size_t n, const char *set)
{
	size_t	 i, k = 0;

	for (i = 0; i < n; i++)
		if (s[i] != '\0' && strchr(set, s[i]) != NULL)
			k++;
	return k;
}

/* redacted - 1 for an address a provider put in place of the real one */
static int
redacted(const char *addr)
{
	const char	*at = strrchr(addr, '@');
	size_t		 ll, dl;

	if (at == NULL)
		return 1;
	ll = (size_t)(at - addr);
	dl = strlen(at + 1);
	if (ll == 8 && strncasecmp(addr, "redacted", 8) == 0)
		return 1;
	if (only_of(addr, ll, "xX*.-_") && count_of(addr, ll, "xX*") >= 3)
		return 1;
	return only_of(at + 1, dl, "xX.") && count_of(at + 1, dl, "xX") > 0;
}

/* set_addr - a normalised address into out, unless it is a redaction */
static void
set_addr(char *out, const char *addr)
{
	if (!redacted(addr))
		mime_put(out, ADDR_BUFSIZE, addr, strlen(addr));
}

/* skip_wsp - past SP and HTAB */
static const char *
skip_wsp(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/* read_rcpt - Original-Rcpt-To: [addr-type ";"] address */
static void
read_rcpt(struct arf *out, const char *v, size_t n)
{
	const char	*p = v, *end = v + n, *q;
	char		 addr[ADDR_BUFSIZE];

	if (mime_has_ctl(v, n))
		return;
	if ((size_t)(end - p) >= 6 && strncasecmp(p, "rfc822", 6) == 0)
		q = skip_wsp(p + 6, end);
	else if ((size_t)(end - p) >= 5 && strncasecmp(p, "utf-8", 5) == 0)
		q = skip_wsp(p + 5, end);
	else
		q = NULL;
	if (q != NULL && q < end && *q == ';')
		p = skip_wsp(q + 1, end);
	if (addr_norm(p, addr, sizeof(addr)) == ADDR_OK)
		set_addr(out->original_rcpt, addr);
}

/* read_ftype - Feedback-Type: a token, lower-cased */
static void
read_ftype(struct arf *out, char *v, size_t n)
{
	size_t	 i;

	if (n == 0 || !only_of(v, n, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.+"))
		return;
	for (i = 0; i < n; i++)
		if (v[i] >= 'A' && v[i] <= 'Z')
			v[i] = (char)(v[i] - 'A' + 'a');
	mime_put(out->feedback_type, sizeof(out->feedback_type), v, n);
}

/* feedback_field - Feedback-Type (0) or Original-Rcpt-To (1) */
static void
feedback_field(void *arg, size_t i, char *v, size_t n)
{
	if (i == 0)
		read_ftype(arg, v, n);
	else
		read_rcpt(arg, v, n);
}

/* read_feedback - the fields of the message/feedback-report part */
static void
read_feedback(struct arf *out, const char *p, size_t n)
{
	static const char *const names[] = { "Feedback-Type",
	    "Original-Rcpt-To" };

	mime_skip_empty_lines(&p, &n);
	(void)mime_first_fields(p, n, names, 2, feedback_field, out);
}

/* read_to - exactly one mailbox */
static void
read_to(struct arf *out, const char *v, size_t n)
{
	struct from_result r;

	if (!mime_has_ctl(v, n) && from_parse(v, n, &r) == FROM_OK)
		set_addr(out->to, r.addr);
}

/*
 * mailto - the address of a mailto: URI (s after "mailto:"): up to the
 * first "?" or ",", %-decoded; "" when empty, badly escaped or not an
 * address-like string (an "@" inside, no white space or control)
 */
static void
mailto(struct arf *out, const char *s, size_t n)
{
	char		 a[ADDR_BUFSIZE];
	const char	*at;
	size_t		 i, o = 0;
	int		 h, l;

	for (i = 0; i < n && s[i] != '?' && s[i] != ','; i++) {
		if (o + 1 >= sizeof(a))
			return;
		if (s[i] != '%') {
			a[o++] = s[i];
			continue;
		}
		if (i + 2 >= n)
			return;
		if ((h = mime_hex((unsigned char)s[i + 1])) < 0 ||
		    (l = mime_hex((unsigned char)s[i + 2])) < 0)
			return;
		a[o++] = (char)(h << 4 | l);
		i += 2;
	}
	a[o] = '\0';
	if (o == 0 || mime_has_ctl(a, o) || strpbrk(a, " \t") != NULL)
		return;
	at = strrchr(a, '@');
	if (at == NULL || at == a || at[1] == '\0')
		return;
	mime_put(out->unsub_mailto, sizeof(out->unsub_mailto), a, o);
}

/* uri - one URI from between < >, its white space removed (RFC 2369) */
static void
uri(struct arf *out, const char *s, size_t n)
{
	char	*u = xmalloc(n + 1);
	size_t	 i, o = 0;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t')
			u[o++] = s[i];
	u[o] = '\0';
	if (out->unsub_mailto[0] == '\0' && o >= 7 &&
	    strncasecmp(u, "mailto:", 7) == 0)
		mailto(out, u + 7, o - 7);
	else if (out->unsub_https[0] == '\0' && o > 8 &&
	    strncasecmp(u, "https://", 8) == 0) {
		for (i = 0; i < o; i++)
			if ((unsigned char)u[i] <= ' ' ||
			    (unsigned char)u[i] >= 0x7f)
				break;
		if (i == o)
			mime_put(out->unsub_https,
			    sizeof(out->unsub_https), u, o);
	}
	free(u);
}

/* read_unsub - List-Unsubscribe: a comma-separated list of <URI> */
static void
read_unsub(struct arf *out, const char *v, size_t n)
{
	const char	*p = v, *end = v + n, *q;

	if (mime_has_ctl(v, n))
		return;
	while ((p = mime_skip_cfws(p, end)) < end) {
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p == '<') {
			if ((q = memchr(p + 1, '>', (size_t)(end - p - 1))) ==
			    NULL)
				return;
			uri(out, p + 1, (size_t)(q - p - 1));
			p = q + 1;
			continue;
		}
		/* not a <URI>: skip to the next element */
		if ((q = memchr(p, ',', (size_t)(end - p))) == NULL)
			return;
		p = q + 1;
	}
}

/* original_field - Message-ID (0), To (1), List-Unsubscribe (2) */
static void
original_field(void *arg, size_t i, char *v, size_t n)
{
	struct arf	*out = arg;

	if (i == 0)
		(void)mime_msgid(v, n, out->message_id,
		    sizeof(out->message_id));
	else if (i == 1)
		read_to(out, v, n);
	else
		read_unsub(out, v, n);
}

/* read_original - Message-ID, To, List-Unsubscribe of the original */
static void
read_original(struct arf *out, const char *p, size_t n, int headers_only)
{
	static const char *const names[] = { "Message-ID", "To",
	    "List-Unsubscribe" };

	out->have_original = 1;
	if (headers_only)
		mime_skip_empty_lines(&p, &n);
	(void)mime_first_fields(p, n, names, 3, original_field, out);
}

/* is_type - 1 when the entity is type/subtype */
static int
is_type(const struct mime_entity *e, const char *type, const char *subtype)
{
	return strcmp(e->ct.type, type) == 0 &&
	    strcmp(e->ct.subtype, subtype) == 0;
}



/* not_complaint - the sentence for a report of another type */
static const char *
not_complaint(const char *report_type)
{
	if (strcmp(report_type, "delivery-status") == 0)
		return "a delivery status report, not a complaint";
	if (strcmp(report_type, "disposition-notification") == 0)
		return "a read receipt (disposition notification), not a "
		    "complaint";
	return "a multipart/report other than a feedback report, not a "
	    "complaint";
}

/* leaf - one leaf entity: the first feedback part of the report, the
 * first original anywhere */
static int
leaf(void *arg, const struct mime_entity *e, int in_report)
{
	struct walk	*w = arg;
	const char	*body;
	char		*buf;
	size_t		 blen;
	int		 fb = is_type(e, "message", "feedback-report");

	if (fb ? !in_report || w->fb_seen :
	    !mime_is_original(e) || w->out->have_original)
		return 0;
	body = mime_body(e, &buf, &blen);
	if (fb) {
		read_feedback(w->out, body, blen);
		w->fb_seen = w->out->is_arf = 1;
	} else
		read_original(w->out, body, blen, mime_headers_only(e));
	free(buf);
	/* in a report, a feedback part after the original is still read */
	return w->out->have_original && (!in_report || w->fb_seen);
}

int
arf_parse(const char *msg, size_t len, struct arf *out, char *why,
    size_t whylen)
{
	struct walk	 w = { .out = out };
	struct mime_walk mw = { .types = fb_types, .depth_max = ARF_DEPTH_MAX,
			    .leaf = leaf, .arg = &w };
	const char	*err = NULL;

	memset(out, 0, sizeof(*out));
	if (why != NULL && whylen > 0)
		why[0] = '\0';
	if (msg == NULL)
		len = 0;
	if (len > ARF_INPUT_MAX)
		len = ARF_INPUT_MAX;
	if (len == 0)
		err = "the report is empty";
	else
		mime_walk(&mw, msg, len);
	if (err == NULL && mw.other)
		err = not_complaint(mw.other_type);
	else if (err == NULL && !out->have_original)
		err = "no original message in the report";
	if (err == NULL)
		return 0;
	out->have_original = 0;
	out->message_id[0] = out->to[0] = '\0';
	out->unsub_mailto[0] = out->unsub_https[0] = '\0';
	if (why != NULL && whylen > 0)
		snprintf(why, whylen, "%s", err);
	return -1;
}
