/*
 * NAME
 *	policyd_proto - policy request parser (pure; no I/O)
 * DESCRIPTION
 *	Scans buffered bytes line by line; a line may end in CRLF (a
 *	person typing a request at telnet), its CR is dropped. The limits
 *	are checked before a request is complete, on the bytes seen so far,
 *	so a slow or endless request is refused as soon as it is too big, not
 *	when it ends. Every attribute name of a whole request goes through a
 *	small hash table, so a duplicate is found in one pass, known
 *	attribute or not.
 * SEE ALSO
 *	policyd_proto.h, Postfix SMTPD_POLICY_README, tests/fuzz/fuzz_policy.c
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policyd_proto.h"
#include "xalloc.h"

#define ATTR(s)	{ s, sizeof(s) - 1 }
static const struct {
	const char	*name;
	size_t		 len;
} attr_names[POLREQ__COUNT] = {
	ATTR("request"), ATTR("protocol_state"), ATTR("sasl_username"),
	ATTR("sender"), ATTR("recipient"), ATTR("queue_id"), ATTR("instance"),
	ATTR("client_address"), ATTR("policy_context"), ATTR("client_port"),
	ATTR("server_address"), ATTR("server_port"),
};

/* check_line - 0 when line[0..n) is name=value, else ESYNTAX and why */
static int
check_line(const char *line, size_t n, const char **why)
{
	const char *eq = memchr(line, '=', n);

	if (memchr(line, '\0', n) != NULL)
		*why = "NUL byte";
	else if (eq == NULL)
		*why = "line without =";
	else if (eq == line)
		*why = "empty attribute name";
	else
		return 0;
	return POLPROTO_ESYNTAX;
}

/* scan - find the end of the first request; 1 found, 0 more, <0 error */
static int
scan(const char *buf, size_t len, const struct polproto_limits *lim,
    size_t *reqlen, size_t *nattrs, const char **why)
{
	size_t	 pos = 0, n = 0;
	const char *nl;
	int	 rc;

	for (;;) {
		size_t	 avail = len - pos, linelen, textlen;

		nl = memchr(buf + pos, '\n', avail);
		if (nl == NULL) {
			if (avail > lim->max_line)
				return POLPROTO_ELINE;
			if (len > lim->max_request)
				return POLPROTO_ESIZE;
			return POLPROTO_MORE;
		}
		linelen = (size_t)(nl - (buf + pos));
		if (linelen > lim->max_line)
			return POLPROTO_ELINE;
		if (pos + linelen + 1 > lim->max_request)
			return POLPROTO_ESIZE;
		textlen = linelen;
		if (textlen > 0 && buf[pos + textlen - 1] == '\r')
			textlen--;	/* CRLF: a person at telnet */
		if (textlen == 0) {
			*reqlen = pos + linelen + 1;
			*nattrs = n;
			*why = "empty request";
			return n == 0 ? POLPROTO_ESYNTAX : 1;
		}
		if ((rc = check_line(buf + pos, textlen, why)) < 0)
			return rc;
		if (++n > lim->max_attrs)
			return POLPROTO_EATTRS;
		pos += linelen + 1;
	}
}

/* end_of_request - length through the first empty line, or 0 */
static size_t
end_of_request(const char *buf, size_t len)
{
	int	 nl = 1, done = 0;
	size_t	 n = polproto_skip(buf, len, &nl, &done);

	return done ? n : 0;
}

/*
 * The names seen in one request, to refuse a duplicate: an open-address
 * table of at least twice the attributes, on the stack for a request
 * Postfix sends (some 30 attributes).
 */
#define SEEN_STACK	128

struct seen {
	const char	*name;		/* NULL: free slot */
	size_t		 len;
};

static size_t
seen_size(size_t nattrs)
{
	size_t	 size = SEEN_STACK;

	while (size < 2 * nattrs)
		size *= 2;
	return size;
}

/* seen_add - 0 for a new name, -1 when it was seen before */
static int
seen_add(struct seen *tab, size_t size, const char *name, size_t len)
{
	uint32_t h = 2166136261u;	/* FNV-1a */
	size_t	 i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)name[i]) * 16777619u;
	for (i = h & (size - 1); tab[i].name != NULL; i = (i + 1) & (size - 1))
		if (tab[i].len == len && memcmp(tab[i].name, name, len) == 0)
			return -1;
	tab[i].name = name;
	tab[i].len = len;
	return 0;
}

/* known - the attribute we read of that name, or POLREQ__COUNT */
static size_t
known(const char *name, size_t n)
{
	size_t	 i;

	for (i = 0; i < POLREQ__COUNT; i++)
		if (attr_names[i].len == n && memcmp(name, attr_names[i].name, n) == 0)
			break;
	return i;
}

/* fill - split the copy into attributes; ESYNTAX (and why) for a duplicate */
static int
fill(struct polreq *req, size_t nattrs, struct seen *tab, size_t size,
    const char **why)
{
	char	*line = req->raw, *nl, *eq;
	size_t	 i, n;

	/* Postfix sends some 30 attributes; we read 9. */
	while ((nl = strchr(line, '\n')) != NULL) {
		*nl = '\0';
		if (nl > line && nl[-1] == '\r')
			nl[-1] = '\0';
		if (*line == '\0')
			break;		/* the empty line */
		eq = strchr(line, '=');
		*eq = '\0';
		n = (size_t)(eq - line);
		if (seen_add(tab, size, line, n) < 0) {
			*why = "duplicated attribute";
			return POLPROTO_ESYNTAX;
		}
		if ((i = known(line, n)) < POLREQ__COUNT)
			req->attr[i] = eq + 1;
		line = nl + 1;
	}
	req->nattrs = nattrs;
	if (req->attr[POLREQ_REQUEST] == NULL ||
	    strcmp(req->attr[POLREQ_REQUEST], "smtpd_access_policy") != 0) {
		*why = "no request=smtpd_access_policy";
		return POLPROTO_ESYNTAX;
	}
	return POLPROTO_REQ;
}

/* split - fill() with a table of the right size */
static int
split(struct polreq *req, size_t nattrs, const char **why)
{
	struct seen	 stack[SEEN_STACK], *tab = stack;
	size_t		 size = seen_size(nattrs);
	int		 rc;

	if (size > SEEN_STACK)
		tab = xcalloc(size, sizeof(*tab));
	else
		memset(stack, 0, sizeof(stack));
	rc = fill(req, nattrs, tab, size, why);
	if (tab != stack)
		free(tab);
	return rc;
}

int
polproto_parse(const char *buf, size_t len, const struct polproto_limits *lim,
    struct polreq *req, size_t *used)
{
	size_t		 reqlen = 0, nattrs = 0;
	const char	*why = NULL;
	int		 rc;

	memset(req, 0, sizeof(*req));
	*used = 0;
	rc = scan(buf, len, lim, &reqlen, &nattrs, &why);
	if (rc == POLPROTO_MORE)
		return rc;
	if (rc < 0) {
		*used = end_of_request(buf, len);
		req->error = rc == POLPROTO_ESYNTAX ? why : NULL;
		return rc;
	}
	req->raw = xstrndup(buf, reqlen);
	*used = reqlen;
	rc = split(req, nattrs, &why);
	if (rc != POLPROTO_REQ) {
		polreq_free(req);
		req->error = why;
	}
	return rc;
}

size_t
polproto_skip(const char *buf, size_t len, int *nl, int *done)
{
	size_t	 i;

	*done = 0;
	for (i = 0; i < len; i++) {
		if (buf[i] == '\n') {
			if (*nl) {
				*done = 1;
				return i + 1;
			}
			*nl = 1;
		} else if (buf[i] == '\r' && *nl == 1)
			*nl = 2;	/* the CR of an empty CRLF line */
		else
			*nl = 0;
	}
	return len;
}

const char *
polproto_strerror(int rc)
{
	switch (rc) {
	case POLPROTO_ELINE:
		return "line too long";
	case POLPROTO_EATTRS:
		return "too many attributes";
	case POLPROTO_ESIZE:
		return "request too large";
	case POLPROTO_ESYNTAX:
		return "not a policy request";
	default:
		return "ok";
	}
}

void
polreq_free(struct polreq *req)
{
	if (req == NULL)
		return;
	free(req->raw);
	memset(req, 0, sizeof(*req));
}
