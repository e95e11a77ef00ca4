/*
 * NAME
 *	unsub_web - the https one-click unsubscribe (RFC 8058) as a CGI
 *	request and its answer, without I/O
 * DESCRIPTION
 *	relay-milter's List-Unsubscribe names unsubscribe.https_url with the
 *	url token of common/token.h appended. relay-unsub, run by a web
 *	server as a CGI/1.1 program (RFC 3875), finds the token in the
 *	request and answers:
 *	    GET, HEAD  a page with a button that POSTs the one-click body (a
 *	               GET changes nothing: mail scanners open links);
 *	    POST       with the body RFC 8058 prescribes,
 *	               List-Unsubscribe=One-Click (form-urlencoded or
 *	               multipart/form-data): unsubscribe;
 *	    other      405.
 *	The token is the last segment of PATH_INFO (https_url ending in "/",
 *	the CGI mapped at that path), else the QUERY_STRING's last value
 *	(https_url ending in "?" or "t="). unsub_web_decide() reads the
 *	request; unsub_web_page() writes the CGI answer (Status: and the
 *	headers, then a short HTML page).
 * SEE ALSO
 *	unsub.c, token.h, relay-unsub(8), RFC 8058, RFC 3875
 */
#ifndef RELAY_UNSUB_WEB_H
#define RELAY_UNSUB_WEB_H

#include <stddef.h>

#include "token.h"

/* the largest request body read (a one-click body is 26 octets) */
#define UNSUB_WEB_BODY_MAX	65536

struct unsub_web_req {
	const char	*method;	/* REQUEST_METHOD */
	const char	*path_info;	/* PATH_INFO, or NULL */
	const char	*query;		/* QUERY_STRING, or NULL */
	const char	*content_type;	/* CONTENT_TYPE, or NULL */
	const char	*body;		/* the request body (POST) */
	size_t		 body_len;
};

enum unsub_web_act {
	UNSUB_WEB_FORM,			/* GET, HEAD: the confirmation page */
	UNSUB_WEB_UNSUB,		/* a one-click POST */
	UNSUB_WEB_REFUSE		/* status and why say what is wrong */
};

struct unsub_web {
	enum unsub_web_act act;
	int		 head;		/* HEAD: headers only */
	int		 status;	/* UNSUB_WEB_REFUSE: 400 or 405 */
	const char	*why;		/* UNSUB_WEB_REFUSE: for the page and log */
	char		 token[TOKEN_URL_MAX + 1];
};

/* unsub_web_decide - what the request asks for */
void	 unsub_web_decide(const struct unsub_web_req *, struct unsub_web *);

/*
 * unsub_web_oneclick - 1 when body (of content type ctype) carries
 * List-Unsubscribe=One-Click, form-urlencoded or as a multipart/form-data
 * field; else 0
 */
int	 unsub_web_oneclick(const char *ctype, const char *body, size_t len);

enum unsub_web_page {
	UNSUB_PAGE_FORM,		/* 200: "unsubscribe ADDR?" and a button */
	UNSUB_PAGE_DONE,		/* 200: ADDR unsubscribed */
	UNSUB_PAGE_REFUSED,		/* status (400, 405): text */
	UNSUB_PAGE_UNKNOWN,		/* 404: the link does not verify */
	UNSUB_PAGE_UNAVAILABLE		/* 503 with Retry-After */
};

/*
 * unsub_web_page - the CGI answer into buf (NUL-terminated, cut at len):
 * "Status:", Content-Type, Cache-Control, a Content-Security-Policy that
 * allows nothing but posting the form back, Referrer-Policy, nosniff (and
 * Allow for 405, Retry-After for 503), a blank line, and unless head the page; addr (the recipient,
 * HTML-escaped) for FORM and DONE, text for REFUSED. Its length.
 */
size_t	 unsub_web_page(enum unsub_web_page, int status, const char *addr,
	    const char *text, int head, char *buf, size_t len);

#endif
