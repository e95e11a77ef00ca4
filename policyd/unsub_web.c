/*
 * NAME
 *	unsub_web - the https one-click unsubscribe request and answer
 * DESCRIPTION
 *	See unsub_web.h. Pure: reads what unsub.c gathered from the CGI
 *	environment and standard input, writes into buffers.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "unsub_web.h"

#define ONECLICK_KEY	"List-Unsubscribe"
#define ONECLICK_VAL	"One-Click"

/* token_char - base64url and the dot between its two halves */
static int
token_char(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

/* take - tok = s[0..n) when it is a token's shape; 0, or -1 */
static int
take(const char *s, size_t n, char *tok, size_t len)
{
	size_t	 i;

	if (n == 0 || n >= len)
		return -1;
	for (i = 0; i < n; i++)
		if (!token_char((unsigned char)s[i]))
			return -1;
	memcpy(tok, s, n);
	tok[n] = '\0';
	return 0;
}

/*
 * find_token - the last segment of PATH_INFO; without one, the last
 * value of the query ("TOKEN", "t=TOKEN", "a=b&t=TOKEN")
 */
static const char *
find_token(const struct unsub_web_req *r, char *tok, size_t len)
{
	const char	*p, *s;

	if (r->path_info != NULL && (p = strrchr(r->path_info, '/')) != NULL &&
	    p[1] != '\0')
		return take(p + 1, strlen(p + 1), tok, len) == 0 ? NULL :
		    "the link's token is damaged";
	if (r->query == NULL || r->query[0] == '\0')
		return "no token in the link";
	s = (p = strrchr(r->query, '&')) != NULL ? p + 1 : r->query;
	if ((p = strchr(s, '=')) != NULL)
		s = p + 1;
	return take(s, strlen(s), tok, len) == 0 ? NULL :
	    "the link's token is damaged";
}

void
unsub_web_decide(const struct unsub_web_req *r, struct unsub_web *w)
{
	const char	*m = r->method != NULL ? r->method : "";

	memset(w, 0, sizeof(*w));
	w->act = UNSUB_WEB_REFUSE;
	w->status = 400;
	if (strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0 &&
	    strcmp(m, "POST") != 0) {
		w->status = 405;
		w->why = "only GET, HEAD and POST";
		return;
	}
	w->head = strcmp(m, "HEAD") == 0;
	if ((w->why = find_token(r, w->token, sizeof(w->token))) != NULL)
		return;
	if (strcmp(m, "POST") != 0)
		w->act = UNSUB_WEB_FORM;
	else if (unsub_web_oneclick(r->content_type, r->body, r->body_len))
		w->act = UNSUB_WEB_UNSUB;
	else
		w->why = "not a one-click unsubscribe (RFC 8058: the body is "
		    "List-Unsubscribe=One-Click)";
}

/* media - ctype is of media type t (case-insensitive, parameters after) */
static int
media(const char *ctype, const char *t)
{
	size_t	 n = strlen(t);

	return ctype != NULL && strncasecmp(ctype, t, n) == 0 &&
	    (ctype[n] == '\0' || ctype[n] == ';' || ctype[n] == ' ' ||
	    ctype[n] == '\t');
}

/* urlencoded - one of the &-separated pairs is the one-click pair */
static int
urlencoded(const char *body, size_t len)
{
	static const char pair[] = ONECLICK_KEY "=" ONECLICK_VAL;
	const size_t	 plen = sizeof(pair) - 1;
	size_t		 i = 0, j;

	while (len > 0 && (body[len - 1] == '\n' || body[len - 1] == '\r'))
		len--;
	while (i <= len) {
		for (j = i; j < len && body[j] != '&'; j++)
			;
		if (j - i == plen && memcmp(body + i, pair, plen) == 0)
			return 1;
		i = j + 1;
	}
	return 0;
}

/* memfind - the first n-byte needle in hay[0..hlen), or NULL */
static const char *
memfind(const char *hay, size_t hlen, const char *needle, size_t n)
{
	size_t	 i;

	for (i = 0; n > 0 && i + n <= hlen; i++)
		if (hay[i] == needle[0] && memcmp(hay + i, needle, n) == 0)
			return hay + i;
	return NULL;
}

/*
 * boundary - multipart's boundary parameter (RFC 2046: at most 70
 * characters, quoted or not) in out; 0, or -1
 */
static int
boundary(const char *ctype, char *out, size_t len)
{
	const char	*p, *e;
	size_t		 n;

	for (p = strchr(ctype, ';'); p != NULL; p = strchr(p, ';')) {
		p++;
		p += strspn(p, " \t");
		if (strncasecmp(p, "boundary=", 9) != 0)
			continue;
		p += 9;
		if (*p == '"')
			e = strchr(++p, '"');
		else
			e = p + strcspn(p, "; \t");
		if (e == NULL || (n = (size_t)(e - p)) == 0 || n > 70 ||
		    n + 1 > len)
			return -1;
		snprintf(out, len, "%.*s", (int)n, p);
		return 0;
	}
	return -1;
}

/*
 * param - the next parameter of a header value at *p (end e): its
 * name (a token) and value (a token or a quoted string, quoted pairs
 * undone) into name and val; 1, or 0 when there is none left
 */
static int
param(const char **p, const char *e, char *name, size_t nlen, char *val,
    size_t vlen)
{
	const char	*s = *p;
	size_t		 n = 0;

	while (s < e && *s != ';')
		s++;
	if (s++ >= e)
		return 0;
	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	while (s < e && *s != '=' && *s != ';' && *s != ' ' && *s != '\t')
		if (n + 1 < nlen)
			name[n++] = *s++;
		else
			s++;
	name[n] = '\0';
	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	n = 0;
	if (s < e && *s == '=') {
		for (s++; s < e && (*s == ' ' || *s == '\t'); s++)
			;
		if (s < e && *s == '"')
			for (s++; s < e && *s != '"'; s++) {
				if (*s == '\\' && s + 1 < e)
					s++;
				if (n + 1 < vlen)
					val[n++] = *s;
			}
		else
			for (; s < e && *s != ';' && *s != ' ' && *s != '\t' &&
			    *s != '\r'; s++)
				if (n + 1 < vlen)
					val[n++] = *s;
	}
	val[n] = '\0';
	*p = s;
	return 1;
}

/*
 * named - a part's headers hold Content-Disposition: form-data with
 * name="key" (RFC 7578; type and parameter name in any case, the value
 * quoted or a token)
 */
static int
named(const char *h, size_t hlen, const char *key)
{
	static const char cd[] = "content-disposition:";
	char		 name[16], val[64];
	const char	*line, *end, *eol, *p;

	for (line = h, end = h + hlen; line < end; line = eol + 1) {
		if ((eol = memchr(line, '\n', (size_t)(end - line))) == NULL)
			eol = end;
		if ((size_t)(eol - line) <= sizeof(cd) - 1 ||
		    strncasecmp(line, cd, sizeof(cd) - 1) != 0)
			continue;
		for (p = line + sizeof(cd) - 1; p < eol && (*p == ' ' ||
		    *p == '\t'); p++)
			;
		if (eol - p < 9 || strncasecmp(p, "form-data", 9) != 0 ||
		    (p + 9 < eol && strchr("; \t\r", p[9]) == NULL))
			continue;
		while (param(&p, eol, name, sizeof(name), val, sizeof(val)))
			if (strcasecmp(name, "name") == 0)
				return strcmp(val, key) == 0;
	}
	return 0;
}

/*
 * field - the form-data field List-Unsubscribe, between parts delimited
 * by delim (dl bytes), has the value One-Click
 */
static int
field(const char *body, size_t len, const char *delim, size_t dl)
{
	const char	*p, *end = body + len, *hend, *next;
	size_t		 vl;

	for (p = memfind(body, len, delim, dl); p != NULL; p = next) {
		p += dl;
		if (end - p >= 2 && p[0] == '-' && p[1] == '-')
			return 0;			/* the closing delimiter */
		next = memfind(p, (size_t)(end - p), delim, dl);
		if (next == NULL)
			return 0;
		/* headers end at the first empty line (CRLF or LF) */
		if ((hend = memfind(p, (size_t)(next - p), "\r\n\r\n", 4)) !=
		    NULL)
			vl = 4;
		else if ((hend = memfind(p, (size_t)(next - p), "\n\n", 2)) !=
		    NULL)
			vl = 2;
		else
			continue;
		if (!named(p, (size_t)(hend - p), ONECLICK_KEY))
			continue;
		/* the value, up to the CRLF before the next delimiter */
		hend += vl;
		vl = (size_t)(next - hend);
		while (vl > 0 && (hend[vl - 1] == '\n' || hend[vl - 1] == '\r'))
			vl--;
		return vl == sizeof(ONECLICK_VAL) - 1 &&
		    memcmp(hend, ONECLICK_VAL, vl) == 0;
	}
	return 0;
}

/*
 * multipart - a form-data field List-Unsubscribe whose value is
 * One-Click. The delimiter is "--" and the boundary (RFC 2046); a body
 * with none is read with the bare boundary as its delimiter, as RFC
 * 8058's own example (8.2) is written.
 */
static int
multipart(const char *ctype, const char *body, size_t len)
{
	char	 b[72], delim[74];
	size_t	 bl;

	if (boundary(ctype, b, sizeof(b)) < 0)
		return 0;
	bl = strlen(b);
	snprintf(delim, sizeof(delim), "--%s", b);
	if (memfind(body, len, delim, bl + 2) != NULL)
		return field(body, len, delim, bl + 2);
	return field(body, len, b, bl);
}

int
unsub_web_oneclick(const char *ctype, const char *body, size_t len)
{
	if (body == NULL)
		return 0;
	if (media(ctype, "multipart/form-data"))
		return multipart(ctype, body, len);
	/* form-urlencoded, or no type at all (curl -d sends the former) */
	if (ctype == NULL || *ctype == '\0' ||
	    media(ctype, "application/x-www-form-urlencoded"))
		return urlencoded(body, len);
	return 0;
}

/* out - append to buf (cut at len, always NUL-terminated); *used grows */
static void
out(char *buf, size_t len, size_t *used, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	if (*used + 1 >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *used, len - *used, fmt, ap);
	va_end(ap);
	if (n > 0)
		*used += (size_t)n < len - *used ? (size_t)n : len - *used - 1;
}

/* out_html - s with &, <, >, " and ' escaped */
static void
out_html(char *buf, size_t len, size_t *used, const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		switch (*s) {
		case '&': out(buf, len, used, "&amp;"); break;
		case '<': out(buf, len, used, "&lt;"); break;
		case '>': out(buf, len, used, "&gt;"); break;
		case '"': out(buf, len, used, "&quot;"); break;
		case '\'': out(buf, len, used, "&#39;"); break;
		default: out(buf, len, used, "%c", *s); break;
		}
}

static const char *
reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 413: return "Content Too Large";
	default: return "Service Unavailable";
	}
}

size_t
unsub_web_page(enum unsub_web_page page, int status, const char *addr,
    const char *text, int head, char *buf, size_t len)
{
	size_t	 used = 0;

	if (len == 0)
		return 0;
	buf[0] = '\0';
	if (page == UNSUB_PAGE_FORM || page == UNSUB_PAGE_DONE)
		status = 200;
	else if (page == UNSUB_PAGE_UNKNOWN)
		status = 404;
	else if (page == UNSUB_PAGE_UNAVAILABLE)
		status = 503;
	/* no script, style or outside link; the token stays in no Referer */
	out(buf, len, &used, "Status: %d %s\r\n"
	    "Content-Type: text/html; charset=utf-8\r\n"
	    "Cache-Control: no-store\r\n"
	    "Content-Security-Policy: default-src 'none'; form-action 'self'"
	    "\r\nReferrer-Policy: no-referrer\r\n"
	    "X-Content-Type-Options: nosniff\r\n", status, reason(status));
	if (status == 405)
		out(buf, len, &used, "Allow: GET, HEAD, POST\r\n");
	if (status == 503)
		out(buf, len, &used, "Retry-After: 300\r\n");
	out(buf, len, &used, "\r\n");
	if (head)
		return used;
	out(buf, len, &used, "<!DOCTYPE html>\n<html><head><meta "
	    "charset=\"utf-8\"><title>Unsubscribe</title></head><body>\n<p>");
	switch (page) {
	case UNSUB_PAGE_FORM:
		out(buf, len, &used, "Stop this sender's mail to ");
		out_html(buf, len, &used, addr);
		out(buf, len, &used, "?</p>\n<form method=\"post\">"
		    "<input type=\"hidden\" name=\"" ONECLICK_KEY "\" value=\""
		    ONECLICK_VAL "\"><button type=\"submit\">Unsubscribe"
		    "</button></form>\n");
		break;
	case UNSUB_PAGE_DONE:
		out_html(buf, len, &used, addr);
		out(buf, len, &used, " is unsubscribed: this sender's mail "
		    "will not be sent to it again.</p>\n");
		break;
	case UNSUB_PAGE_REFUSED:
		out_html(buf, len, &used, text);
		out(buf, len, &used, ".</p>\n");
		break;
	case UNSUB_PAGE_UNKNOWN:
		out(buf, len, &used, "This unsubscribe link is not valid: it "
		    "is damaged, or its sender no longer uses this service."
		    "</p>\n");
		break;
	case UNSUB_PAGE_UNAVAILABLE:
		out(buf, len, &used, "Unsubscribing is not possible right now; "
		    "please try again in a few minutes.</p>\n");
		break;
	}
	out(buf, len, &used, "</body></html>\n");
	return used;
}
