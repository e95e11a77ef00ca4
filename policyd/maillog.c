/*
 * NAME
 *	maillog - parse one line of Postfix's mail log (pure)
 * DESCRIPTION
 *	A cursor walks the line once: time stamp, host, "name/prog[pid]:",
 *	then an optional queue id and the text after it. Nothing here does
 *	I/O or allocates, so the parser is unit-tested on real lines and
 *	fuzzed (tests/fuzz/fuzz_maillog.c).
 * INVARIANTS
 *	Every copy is bounded by its buffer; a field that does not fit is
 *	cut (reply text) or makes the line MAILLOG_OTHER (addresses, queue
 *	ids: a cut one would name another recipient or message).
 * SEE ALSO
 *	maillog.h, postlogd(8), the sample lines in
 *	shared/notes/sample-maillog.txt
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "maillog.h"

struct cur {
	const char	*p;
	const char	*end;
};

/* starts - 1 when the cursor starts with s (and then skips it) */
static int
starts(struct cur *c, const char *s)
{
	size_t	 n = strlen(s);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, s, n) != 0)
		return 0;
	c->p += n;
	return 1;
}

/* copy - bounded copy of [s, s+n) into dst; returns -1 when cut */
static int
copy(char *dst, size_t size, const char *s, size_t n)
{
	int	 cut = 0;

	if (n >= size) {
		n = size - 1;
		cut = 1;
	}
	memcpy(dst, s, n);
	dst[n] = '\0';
	return cut ? -1 : 0;
}

/* token - the run of non-blank octets at the cursor; skips it */
static size_t
token(struct cur *c, const char **start)
{
	*start = c->p;
	while (c->p < c->end && *c->p != ' ')
		c->p++;
	return (size_t)(c->p - *start);
}

static void
blanks(struct cur *c)
{
	while (c->p < c->end && *c->p == ' ')
		c->p++;
}

/* stamp - "Nov 22 11:57:25" (day may be space-padded) or ISO 8601 */
static int
stamp(struct cur *c, struct maillog_event *ev)
{
	const char	*s = c->p, *t;
	size_t		 n;

	n = token(c, &t);
	if (n >= 10 && isdigit((unsigned char)t[0]) && t[4] == '-')
		return copy(ev->stamp, sizeof(ev->stamp), s, n);
	if (n != 3 || !isalpha((unsigned char)t[0]))
		return -1;
	blanks(c);
	n = token(c, &t);
	if (n < 1 || n > 2 || !isdigit((unsigned char)t[0]))
		return -1;
	blanks(c);
	n = token(c, &t);
	if (n != 8 || t[2] != ':' || t[5] != ':')
		return -1;
	return copy(ev->stamp, sizeof(ev->stamp), s, (size_t)(c->p - s));
}

/* tag - "name/sub/prog[pid]:" -> prog and pid */
static int
tag(struct cur *c, struct maillog_event *ev)
{
	const char	*t, *lb, *name, *e;
	size_t		 n;

	n = token(c, &t);
	if (n < 2 || t[n - 1] != ':')
		return -1;
	e = t + n - 1;
	if ((lb = memchr(t, '[', (size_t)(e - t))) != NULL) {
		char	*endp;

		if (e[-1] != ']' || lb + 1 >= e - 1)
			return -1;
		ev->pid = strtol(lb + 1, &endp, 10);
		if (endp != e - 1 || ev->pid < 0)
			return -1;
		e = lb;
	}
	for (name = e; name > t && name[-1] != '/'; name--)
		;
	if (name == e)
		return -1;
	return copy(ev->prog, sizeof(ev->prog), name, (size_t)(e - name));
}

/* is_qid - short (hex) or long (alphanumeric with a digit) queue id */
static int
is_qid(const char *s, size_t n)
{
	size_t	 i;
	int	 hex = 1, digit = 0;

	if (n < 5 || n >= MAILLOG_QID_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (!isalnum(ch))
			return 0;
		if (isdigit(ch))
			digit = 1;
		else if (ch < 'A' || ch > 'F')
			hex = 0;
	}
	return hex || digit;
}

/*
 * addr_end - the ">" that closes the address starting at s: the first one
 * followed by ", " or the end of the line, outside a quoted local part
 * when quoted (Postfix logs to=<"x>, y"@example.com>); NULL when none.
 */
static const char *
addr_end(const char *s, const char *end, int quoted)
{
	const char	*q;
	int		 inq = 0;

	for (q = s; q < end; q++) {
		if (quoted && inq && *q == '\\' && q + 1 < end) {
			q++;
			continue;
		}
		if (quoted && *q == '"')
			inq = !inq;
		else if (!inq && *q == '>' && (q + 1 == end ||
		    (q + 2 <= end && q[1] == ',' &&
		    (q + 2 == end || q[2] == ' '))))
			return q;
	}
	return NULL;
}

/*
 * addr - "<...>" at the cursor, up to its closing ">" (addr_end); a quote
 * left open falls back to the first ">" before ", " or the end.
 */
static int
addr(struct cur *c, char *dst, size_t size)
{
	const char	*s = c->p, *q;

	if ((q = addr_end(s, c->end, 1)) == NULL)
		q = addr_end(s, c->end, 0);
	if (q == NULL || copy(dst, size, s, (size_t)(q - s)) < 0)
		return -1;
	c->p = q + 1;
	return 0;
}

/* field - "key=value" up to ", " (or the end); returns the key length */
static size_t
field(struct cur *c, const char **key, const char **val, size_t *vlen)
{
	const char	*s = c->p, *eq, *q;

	if ((eq = memchr(s, '=', (size_t)(c->end - s))) == NULL)
		return 0;
	for (q = s; q < eq; q++)
		if (*q == ' ' || *q == ',')
			return 0;
	for (q = eq + 1; q < c->end; q++)
		if (q[0] == ',' && q + 1 < c->end && q[1] == ' ')
			break;
	*key = s;
	*val = eq + 1;
	*vlen = (size_t)(q - (eq + 1));
	c->p = q < c->end ? q + 2 : q;
	return (size_t)(eq - s);
}

static enum maillog_status
status_of(const char *s, size_t n)
{
	static const struct { const char *w; enum maillog_status st; } t[] = {
		{ "sent", MAILLOG_ST_SENT },
		{ "deferred", MAILLOG_ST_DEFERRED },
		{ "bounced", MAILLOG_ST_BOUNCED },
		{ "expired", MAILLOG_ST_EXPIRED },
		/* soft_bounce = yes: a bounce kept in the queue */
		{ "SOFTBOUNCE", MAILLOG_ST_DEFERRED },
	};
	size_t	 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strlen(t[i].w) == n && memcmp(t[i].w, s, n) == 0)
			return t[i].st;
	return MAILLOG_ST_NONE;
}

/*
 * queued_as - the queue id an SMTP server's reply names last ("250 2.0.0
 * Ok: queued as 4Fxyz", or a content filter's "250 2.0.0 from
 * MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as 4Fxyz") into
 * ev->next_qid, when it is one
 */
static void
queued_as(struct maillog_event *ev)
{
	static const char	 w[] = "queued as ";
	const char		*p, *last = NULL, *q;

	for (p = ev->reply; (p = strstr(p, w)) != NULL; p += sizeof(w) - 1)
		last = p + sizeof(w) - 1;
	if (last == NULL)
		return;
	for (q = last; isalnum((unsigned char)*q); q++)
		;
	if ((*q == '\0' || *q == ' ' || *q == ')' || *q == ',' || *q == ';') &&
	    is_qid(last, (size_t)(q - last)))
		(void)copy(ev->next_qid, sizeof(ev->next_qid), last,
		    (size_t)(q - last));
}

/* delivery - the text after "QID: to=<" */
static enum maillog_kind
delivery(struct cur *c, struct maillog_event *ev)
{
	const char	*k, *v;
	size_t		 kl, vl;

	if (addr(c, ev->to, sizeof(ev->to)) < 0 || ev->to[0] == '\0')
		return MAILLOG_OTHER;
	if (!starts(c, ", "))
		return MAILLOG_OTHER;
	while (c->p < c->end) {
		if (starts(c, "orig_to=<")) {
			if (addr(c, ev->orig_to, sizeof(ev->orig_to)) < 0 ||
			    (c->p < c->end && !starts(c, ", ")))
				return MAILLOG_OTHER;
			continue;
		}
		if (starts(c, "status=")) {
			const char *w = c->p;

			while (c->p < c->end && *c->p != ' ')
				c->p++;
			ev->status = status_of(w, (size_t)(c->p - w));
			if (ev->status == MAILLOG_ST_NONE)
				return MAILLOG_OTHER;
			if (starts(c, " (")) {
				vl = (size_t)(c->end - c->p);
				if (vl > 0 && c->end[-1] == ')')
					vl--;
				/* a reply cut short names no queue id */
				if (copy(ev->reply, sizeof(ev->reply), c->p,
				    vl) == 0 && ev->status == MAILLOG_ST_SENT)
					queued_as(ev);
			}
			return MAILLOG_DELIVERY;
		}
		if ((kl = field(c, &k, &v, &vl)) == 0)
			return MAILLOG_OTHER;
		if (kl == 5 && memcmp(k, "relay", 5) == 0)
			(void)copy(ev->relay, sizeof(ev->relay), v, vl);
		else if (kl == 5 && memcmp(k, "delay", 5) == 0)
			(void)copy(ev->delay, sizeof(ev->delay), v, vl);
		else if (kl == 6 && memcmp(k, "delays", 6) == 0)
			(void)copy(ev->delays, sizeof(ev->delays), v, vl);
		else if (kl == 3 && memcmp(k, "dsn", 3) == 0) {
			if (copy(ev->dsn, sizeof(ev->dsn), v, vl) < 0)
				ev->dsn[0] = '\0';
		}
	}
	return MAILLOG_OTHER;
}

/* qmgr_from - "from=<..>, size=.., nrcpt=N (queue active)" or an expiry */
static enum maillog_kind
qmgr_from(struct cur *c, struct maillog_event *ev)
{
	const char	*k, *v;
	size_t		 kl, vl;

	if (addr(c, ev->from, sizeof(ev->from)) < 0)
		return MAILLOG_OTHER;
	if (!starts(c, ", "))
		return MAILLOG_OTHER;
	if (starts(c, "status=expired, returned to sender") ||
	    starts(c, "status=force-expired, returned to sender"))
		return MAILLOG_EXPIRED;
	while (c->p < c->end && (kl = field(c, &k, &v, &vl)) > 0) {
		if (kl == 5 && memcmp(k, "nrcpt", 5) == 0) {
			size_t	 i;

			/* the value is not NUL-terminated: digits up to vl */
			for (i = 0; i < vl && isdigit((unsigned char)v[i]) &&
			    ev->nrcpt < 100000000; i++)
				ev->nrcpt = ev->nrcpt * 10 + (v[i] - '0');
			return MAILLOG_QUEUED;
		}
	}
	return MAILLOG_OTHER;
}

enum maillog_kind
maillog_parse(const char *line, size_t len, struct maillog_event *ev)
{
	struct cur	 c;
	const char	*q;
	size_t		 n;
	int		 warning;

	memset(ev, 0, sizeof(*ev));
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if (memchr(line, '\0', len) != NULL)
		return ev->kind = MAILLOG_UNKNOWN;
	c.p = line;
	c.end = line + len;
	if (stamp(&c, ev) < 0)
		return ev->kind = MAILLOG_UNKNOWN;
	blanks(&c);
	n = token(&c, &q);		/* host */
	blanks(&c);
	if (n == 0 || tag(&c, ev) < 0 || !starts(&c, " "))
		return ev->kind = MAILLOG_UNKNOWN;
	/*
	 * cleanup (or an older smtpd) could not write the queue file after
	 * the milters had passed the message: too big once their fields
	 * were added (the client got 552 5.3.4), or a write error (451
	 * 4.3.0). The message was never queued; nothing else is logged of
	 * it.
	 */
	warning = starts(&c, "warning: ");
	/* QUEUEID ": " */
	for (q = c.p; q < c.end && isalnum((unsigned char)*q); q++)
		;
	n = (size_t)(q - c.p);
	if (q + 1 >= c.end || q[0] != ':' || q[1] != ' ' || !is_qid(c.p, n))
		return ev->kind = MAILLOG_OTHER;
	(void)copy(ev->qid, sizeof(ev->qid), c.p, n);
	c.p = q + 2;
	if (warning) {
		/* only the programs that write the queue file say so */
		if (strcmp(ev->prog, "cleanup") != 0 &&
		    strcmp(ev->prog, "smtpd") != 0)
			return ev->kind = MAILLOG_OTHER;
		if (((size_t)(c.end - c.p) == 30 &&
		    memcmp(c.p, "queue file size limit exceeded", 30) == 0) ||
		    starts(&c, "write queue file: ")) {
			(void)copy(ev->reply, sizeof(ev->reply), q + 2,
			    (size_t)(c.end - q - 2));
			ev->kind = MAILLOG_REJECTED;
		} else
			ev->kind = MAILLOG_OTHER;
		return ev->kind;
	}
	if (starts(&c, "to=<"))
		ev->kind = delivery(&c, ev);
	else if (starts(&c, "from=<"))
		ev->kind = qmgr_from(&c, ev);
	else if ((size_t)(c.end - c.p) == 7 && starts(&c, "removed"))
		ev->kind = MAILLOG_REMOVED;
	else if (starts(&c, "reject: END-OF-MESSAGE ") ||
	    starts(&c, "milter-reject: END-OF-MESSAGE ") ||
	    starts(&c, "milter-discard: END-OF-MESSAGE ")) {
		/* refused at end of data: the message was never queued */
		(void)copy(ev->reply, sizeof(ev->reply), c.p,
		    (size_t)(c.end - c.p));
		ev->kind = MAILLOG_REJECTED;
	} else if (starts(&c, "client="))
		ev->kind = MAILLOG_RECEIVED;
	else
		ev->kind = MAILLOG_OTHER;
	return ev->kind;
}

size_t
maillog_resync(const char *line, size_t len)
{
	struct maillog_event ev;
	struct cur	 c;
	size_t		 i;

	/* from the end: what precedes the last line start is fragments */
	for (i = len > 19 ? len - 19 : 0; i > 0; i--) {
		const char *p = line + i;

		/* "Mmm dd hh:mm:ss" or "YYYY-MM-DDThh:mm:ss" */
		if (!(isupper((unsigned char)p[0]) && p[3] == ' ' &&
		    p[9] == ':' && p[12] == ':') &&
		    !(isdigit((unsigned char)p[0]) && p[4] == '-' &&
		    p[7] == '-' && p[10] == 'T'))
			continue;
		c.p = p;
		c.end = line + len;
		if (stamp(&c, &ev) < 0)
			continue;
		if (maillog_parse(p, len - i, &ev) != MAILLOG_UNKNOWN)
			return i;
	}
	return 0;
}

const char *
maillog_status_name(enum maillog_status st)
{
	switch (st) {
	case MAILLOG_ST_SENT:		return "sent";
	case MAILLOG_ST_DEFERRED:	return "deferred";
	case MAILLOG_ST_BOUNCED:	return "bounced";
	case MAILLOG_ST_EXPIRED:	return "expired";
	default:			return "";
	}
}

const char *
maillog_kind_name(enum maillog_kind k)
{
	switch (k) {
	case MAILLOG_OTHER:	return "other";
	case MAILLOG_DELIVERY:	return "delivery";
	case MAILLOG_QUEUED:	return "queued";
	case MAILLOG_REMOVED:	return "removed";
	case MAILLOG_REJECTED:	return "rejected";
	case MAILLOG_EXPIRED:	return "expired";
	case MAILLOG_RECEIVED:	return "received";
	default:		return "unknown";
	}
}
