/*
 * NAME
 *	policyd_proto - policy request parser (pure; no I/O)
 * DESCRIPTION
 *	Scans buffered bytes line by line. The limits are checked before a
 *	request is complete, on the bytes seen so far, so a slow or endless
 *	request is refused as soon as it is too big, not when it ends.
 * SEE ALSO
 *	policyd_proto.h, Postfix SMTPD_POLICY_README, tests/fuzz/fuzz_policy.c
 */
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
	ATTR("client_address"), ATTR("policy_context"),
};

/* check_line - 0 when line[0..n) is name=value, else POLPROTO_ESYNTAX */
static int
check_line(const char *line, size_t n)
{
	const char *eq = memchr(line, '=', n);

	if (eq == NULL || eq == line || memchr(line, '\0', n) != NULL)
		return POLPROTO_ESYNTAX;
	return 0;
}

/* scan - find the end of the first request; 1 found, 0 more, <0 error */
static int
scan(const char *buf, size_t len, const struct polproto_limits *lim,
    size_t *reqlen, size_t *nattrs)
{
	size_t	 pos = 0, n = 0;
	const char *nl;
	int	 rc;

	for (;;) {
		size_t	 avail = len - pos, linelen;

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
		if (linelen == 0) {
			*reqlen = pos + 1;
			*nattrs = n;
			return n == 0 ? POLPROTO_ESYNTAX : 1;
		}
		if ((rc = check_line(buf + pos, linelen)) < 0)
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

/* fill - split the copy into attributes; ESYNTAX for a duplicate we read */
static int
fill(struct polreq *req, size_t nattrs)
{
	char	*line = req->raw, *nl, *eq;
	size_t	 i, n;

	/* Postfix sends some 30 attributes; we read 9 (length first). */
	while ((nl = strchr(line, '\n')) != NULL && nl != line) {
		*nl = '\0';
		eq = strchr(line, '=');
		*eq = '\0';
		n = (size_t)(eq - line);
		for (i = 0; i < POLREQ__COUNT; i++) {
			if (attr_names[i].len != n ||
			    memcmp(line, attr_names[i].name, n) != 0)
				continue;
			if (req->attr[i] != NULL)
				return POLPROTO_ESYNTAX;
			req->attr[i] = eq + 1;
			break;
		}
		line = nl + 1;
	}
	req->nattrs = nattrs;
	if (req->attr[POLREQ_REQUEST] == NULL ||
	    strcmp(req->attr[POLREQ_REQUEST], "smtpd_access_policy") != 0)
		return POLPROTO_ESYNTAX;
	return POLPROTO_REQ;
}

int
polproto_parse(const char *buf, size_t len, const struct polproto_limits *lim,
    struct polreq *req, size_t *used)
{
	size_t	 reqlen = 0, nattrs = 0;
	int	 rc;

	memset(req, 0, sizeof(*req));
	*used = 0;
	rc = scan(buf, len, lim, &reqlen, &nattrs);
	if (rc == POLPROTO_MORE)
		return rc;
	if (rc < 0) {
		*used = end_of_request(buf, len);
		return rc;
	}
	req->raw = xstrndup(buf, reqlen);
	*used = reqlen;
	rc = fill(req, nattrs);
	if (rc != POLPROTO_REQ)
		polreq_free(req);
	return rc;
}

size_t
polproto_skip(const char *buf, size_t len, int *nl, int *done)
{
	size_t	 i;

	*done = 0;
	for (i = 0; i < len; i++) {
		if (buf[i] != '\n') {
			*nl = 0;
			continue;
		}
		if (*nl) {
			*done = 1;
			return i + 1;
		}
		*nl = 1;
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
