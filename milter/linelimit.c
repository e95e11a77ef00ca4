/*
 * NAME
 *	linelimit - a message as Postfix's SMTP client will send it (pure)
 * DESCRIPTION
 *	A byte at a time, into a small buffer handed to out() when full:
 *	room counts down what the current output line still takes. A content
 *	octet that finds no room starts a continuation line ("\r\n "), which
 *	takes limit - 1 more; a line end restores the full limit. A line of
 *	exactly the limit is not broken (Postfix breaks only when more
 *	follows on the same line), but for one that ends on a record edge
 *	of the queue file (linelimit.h).
 * SEE ALSO
 *	linelimit.h
 */
#include <string.h>

#include "linelimit.h"

void
linelimit_init(struct linelimit *ll, size_t limit)
{
	memset(ll, 0, sizeof(*ll));
	ll->limit = limit;
	ll->room = limit;
}

void
linelimit_records(struct linelimit *ll, size_t rec)
{
	ll->rec = rec;
}

/* put - one octet into the buffer, flushing it first when full */
static int
put(struct linelimit *ll, unsigned char c, linelimit_out *out, void *arg)
{
	int	 r;

	if (ll->n == sizeof(ll->buf)) {
		if ((r = out(arg, ll->buf, ll->n)) != 0)
			return r;
		ll->n = 0;
	}
	ll->buf[ll->n++] = c;
	return 0;
}

/* flush - what the buffer holds, to out() */
static int
flush(struct linelimit *ll, linelimit_out *out, void *arg)
{
	int	 r = 0;

	if (ll->n > 0) {
		r = out(arg, ll->buf, ll->n);
		ll->n = 0;
	}
	return r;
}

/* brk - the break smtp(8) inserts: CRLF and a space */
static int
brk(struct linelimit *ll, linelimit_out *out, void *arg)
{
	int	 r;

	if ((r = put(ll, '\r', out, arg)) != 0 ||
	    (r = put(ll, '\n', out, arg)) != 0 ||
	    (r = put(ll, ' ', out, arg)) != 0)
		return r;
	ll->breaks++;
	return 0;
}

/* content - one octet of a line's text */
static int
content(struct linelimit *ll, unsigned char c, linelimit_out *out, void *arg)
{
	int	 r;

	if (ll->room == 0) {
		if ((r = brk(ll, out, arg)) != 0)
			return r;
		ll->room = ll->limit - 1;
	}
	ll->room--;
	ll->len++;
	return put(ll, c, out, arg);
}

/*
 * line_end - CRLF, or a bare LF; after CRLF SP when the line ends on a
 * record edge with its last output line full (linelimit.h)
 */
static int
line_end(struct linelimit *ll, int crlf, linelimit_out *out, void *arg)
{
	int	 r;

	if (ll->rec > 0 && ll->len > 0 && ll->len % ll->rec == 0 &&
	    ll->room == 0 && (r = brk(ll, out, arg)) != 0)
		return r;
	if ((crlf && (r = put(ll, '\r', out, arg)) != 0) ||
	    (r = put(ll, '\n', out, arg)) != 0)
		return r;
	ll->room = ll->limit;
	ll->len = 0;
	return 0;
}

int
linelimit_feed(struct linelimit *ll, const unsigned char *in, size_t len,
    linelimit_out *out, void *arg)
{
	size_t	 i;
	int	 r;

	if (ll->limit == 0)
		return len > 0 ? out(arg, in, len) : 0;
	for (i = 0; i < len; i++) {
		if (ll->cr) {
			ll->cr = 0;
			if (in[i] == '\n') {
				if ((r = line_end(ll, 1, out, arg)) != 0)
					return r;
				continue;
			}
			/* a CR inside a line is text */
			if ((r = content(ll, '\r', out, arg)) != 0)
				return r;
		}
		if (in[i] == '\r') {
			ll->cr = 1;
			continue;
		}
		if (in[i] == '\n') {
			if ((r = line_end(ll, 0, out, arg)) != 0)
				return r;
			continue;
		}
		if ((r = content(ll, in[i], out, arg)) != 0)
			return r;
	}
	return flush(ll, out, arg);
}

int
linelimit_end(struct linelimit *ll, linelimit_out *out, void *arg)
{
	int	 r;

	if (ll->limit > 0 && ll->cr) {
		ll->cr = 0;
		if ((r = content(ll, '\r', out, arg)) != 0)
			return r;
	}
	return flush(ll, out, arg);
}
