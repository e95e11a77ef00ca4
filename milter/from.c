/*
 * NAME
 *	from - parse the address out of a From: header field
 * DESCRIPTION
 *	A lexer (CFWS skipped, atoms, quoted strings, domain literals,
 *	specials) and a recursive-descent parser for RFC 5322 mailbox-list
 *	with RFC 6854 groups. Every loop advances through the input, and
 *	comment nesting is bounded, so the cost is linear in the value.
 *	Display names are never interpreted: only the addr-spec counts.
 * SEE ALSO
 *	from.h
 */
#include <stdio.h>
#include <string.h>

#include "from.h"

enum tok {
	T_END, T_ATOM, T_QSTR, T_DLIT, T_DOT, T_LT, T_GT, T_COMMA, T_COLON,
	T_SEMI, T_AT, T_ERR
};

struct lex {
	const char	*p;
	const char	*end;
	enum tok	 t;		/* current token */
	const char	*s;		/* its text (atoms, quoted strings, literals) */
	size_t		 n;
	int		 err;		/* FROM_E* when t == T_ERR */
};

#define PART_MAX	512

/* is_atext - RFC 5322 atext, plus any byte of a UTF-8 sequence (RFC 6532) */
static int
is_atext(unsigned char c)
{
	if (c >= 0x80)
		return 1;
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

/* is_ctrl - a control character that may not appear anywhere */
static int
is_ctrl(unsigned char c)
{
	return (c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f;
}

/* skip_cfws - white space, folding and (nested) comments; 0 or FROM_E* */
static int
skip_cfws(struct lex *lx)
{
	int	 depth = 0;

	while (lx->p < lx->end) {
		unsigned char c = (unsigned char)*lx->p;

		if (is_ctrl(c))
			return FROM_ECTRL;
		if (depth > 0) {
			if (c == '\\') {
				if (lx->p + 1 >= lx->end)
					return FROM_EUNTERM;
				if (is_ctrl((unsigned char)lx->p[1]))
					return FROM_ECTRL;
				lx->p += 2;
				continue;
			}
			if (c == '(' && ++depth > FROM_COMMENT_DEPTH)
				return FROM_ETOOLONG;
			if (c == ')')
				depth--;
			lx->p++;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			lx->p++;
			continue;
		}
		if (c == '(') {
			depth = 1;
			lx->p++;
			continue;
		}
		break;
	}
	return depth > 0 ? FROM_EUNTERM : 0;
}

/* quoted - scan a quoted string or a domain literal ending in close */
static int
quoted(struct lex *lx, char close, enum tok t)
{
	const char *q = lx->p + 1;

	while (q < lx->end && *q != close) {
		if (is_ctrl((unsigned char)*q))
			return FROM_ECTRL;
		if (close == ']' && *q == '[')
			return FROM_ESYNTAX;
		if (*q == '\\') {
			if (q + 1 >= lx->end)
				return FROM_EUNTERM;
			if (is_ctrl((unsigned char)q[1]))
				return FROM_ECTRL;
			q++;
		}
		q++;
	}
	if (q >= lx->end)
		return FROM_EUNTERM;
	lx->t = t;
	lx->s = lx->p;
	lx->n = (size_t)(q + 1 - lx->p);
	lx->p = q + 1;
	return 0;
}

/* next - advance to the next token */
static void
next(struct lex *lx)
{
	int	 e;
	char	 c;

	if ((e = skip_cfws(lx)) != 0)
		goto fail;
	if (lx->p >= lx->end) {
		lx->t = T_END;
		return;
	}
	c = *lx->p;
	switch (c) {
	case '"':
		if ((e = quoted(lx, '"', T_QSTR)) != 0)
			goto fail;
		return;
	case '[':
		if ((e = quoted(lx, ']', T_DLIT)) != 0)
			goto fail;
		return;
	case '.': lx->t = T_DOT; break;
	case '<': lx->t = T_LT; break;
	case '>': lx->t = T_GT; break;
	case ',': lx->t = T_COMMA; break;
	case ':': lx->t = T_COLON; break;
	case ';': lx->t = T_SEMI; break;
	case '@': lx->t = T_AT; break;
	default:
		if (!is_atext((unsigned char)c)) {
			e = FROM_ESYNTAX;	/* ')', ']', '\\' out of place */
			goto fail;
		}
		lx->s = lx->p;
		while (lx->p < lx->end && is_atext((unsigned char)*lx->p))
			lx->p++;
		lx->n = (size_t)(lx->p - lx->s);
		lx->t = T_ATOM;
		return;
	}
	lx->p++;
	return;
fail:
	lx->t = T_ERR;
	lx->err = e;
}

struct parser {
	struct lex		 lx;
	struct from_result	*res;
};

struct part {
	char	 buf[PART_MAX];
	size_t	 len;
};

/* part_add - append text; FROM_ETOOLONG when it does not fit */
static int
part_add(struct part *pt, const char *s, size_t n)
{
	if (pt->len + n + 1 > sizeof(pt->buf))
		return FROM_ETOOLONG;
	memcpy(pt->buf + pt->len, s, n);
	pt->len += n;
	pt->buf[pt->len] = '\0';
	return 0;
}

/* tok_err - the error for an unexpected current token */
static int
tok_err(const struct lex *lx)
{
	return lx->t == T_ERR ? lx->err : FROM_ESYNTAX;
}

/*
 * phrase - words (atoms, quoted strings) and dots before '<', ':' or '@'.
 * They are kept as a possible local part; *dotted is 1 while they have the
 * form word *("." word), the only form a local part may take.
 */
static int
phrase(struct parser *ps, struct part *pt, int *nwords, int *dotted)
{
	struct lex *lx = &ps->lx;
	int	 last_word = 0, ndots = 0;

	*nwords = 0;
	*dotted = 1;
	for (;;) {
		if (lx->t == T_ATOM || lx->t == T_QSTR) {
			if (last_word)
				*dotted = 0;	/* two words side by side */
			(*nwords)++;
			last_word = 1;
		} else if (lx->t == T_DOT) {
			if (!last_word)
				*dotted = 0;	/* leading or double dot */
			ndots++;
			last_word = 0;
		} else
			break;
		/* A long display name is fine, a long local part is not:
		 * remember the overflow and let addr_spec() refuse it. */
		if (pt->len < sizeof(pt->buf) &&
		    part_add(pt, lx->t == T_DOT ? "." : lx->s,
		    lx->t == T_DOT ? 1 : lx->n) != 0)
			pt->len = sizeof(pt->buf);
		next(lx);
	}
	if (ndots > 0 && !last_word)
		*dotted = 0;			/* trailing dot */
	return 0;
}

/* domain - dot-atom or domain literal after '@' */
static int
domain(struct parser *ps, struct part *pt)
{
	struct lex *lx = &ps->lx;
	int	 e;

	if (lx->t == T_DLIT) {
		if ((e = part_add(pt, lx->s, lx->n)) != 0)
			return e;
		next(lx);
		return 0;
	}
	for (;;) {
		if (lx->t != T_ATOM)
			return lx->t == T_END || lx->t == T_GT ||
			    lx->t == T_COMMA ? FROM_EADDR : tok_err(lx);
		if ((e = part_add(pt, lx->s, lx->n)) != 0)
			return e;
		next(lx);
		if (lx->t != T_DOT)
			return 0;
		if ((e = part_add(pt, ".", 1)) != 0)
			return e;
		next(lx);
	}
}

/* found - one mailbox: normalise it; the second one is an error */
static int
found(struct parser *ps, const struct part *local, const struct part *dom)
{
	struct from_result *r = ps->res;
	char	 whole[PART_MAX * 2 + 2];
	int	 e;

	if (++r->naddr > 1)
		return FROM_EMANY;
	snprintf(whole, sizeof(whole), "%s@%s", local->buf, dom->buf);
	if ((e = addr_norm(whole, r->addr, sizeof(r->addr))) != ADDR_OK) {
		r->addr[0] = '\0';
		r->addr_err = e;
		return FROM_EADDR;
	}
	snprintf(r->domain, sizeof(r->domain), "%s", addr_domain_of(r->addr));
	return 0;
}

/* addr_spec - local "@" domain, the local part given or read here */
static int
addr_spec(struct parser *ps, struct part *local, int nwords, int dotted)
{
	struct lex *lx = &ps->lx;
	struct part dom = { .len = 0 };
	int	 e;

	if (nwords == 0)
		return lx->t == T_AT ? FROM_EADDR : tok_err(lx);
	if (lx->t != T_AT)
		return lx->t == T_ERR ? lx->err : FROM_ENOAT;
	if (!dotted || local->len >= sizeof(local->buf))
		return dotted ? FROM_ETOOLONG : FROM_EADDR;
	next(lx);
	if ((e = domain(ps, &dom)) != 0)
		return e;
	return found(ps, local, &dom);
}

/* angle - '<' addr-spec '>' (the '<' is current) */
static int
angle(struct parser *ps)
{
	struct lex *lx = &ps->lx;
	struct part local = { .len = 0 };
	int	 e, nwords, dotted;

	next(lx);
	if (lx->t == T_AT)
		return FROM_EROUTE;
	if (lx->t == T_GT)
		return FROM_ENOADDR;		/* <> */
	if ((e = phrase(ps, &local, &nwords, &dotted)) != 0)
		return e;
	if ((e = addr_spec(ps, &local, nwords, dotted)) != 0)
		return e == FROM_ENOAT && lx->t == T_END ? FROM_EUNTERM : e;
	if (lx->t != T_GT)
		return lx->t == T_END ? FROM_EUNTERM : tok_err(lx);
	next(lx);
	return 0;
}

static int list(struct parser *, int in_group);

/* item - one mailbox or one group */
static int
item(struct parser *ps, int in_group)
{
	struct lex *lx = &ps->lx;
	struct part words = { .len = 0 };
	int	 e, nwords, dotted;

	if ((e = phrase(ps, &words, &nwords, &dotted)) != 0)
		return e;
	switch (lx->t) {
	case T_LT:
		return angle(ps);
	case T_COLON:
		if (in_group)
			return FROM_EGROUP;
		if (nwords == 0)
			return FROM_ESYNTAX;
		next(lx);
		return list(ps, 1);
	default:
		return addr_spec(ps, &words, nwords, dotted);
	}
}

/* list - mailbox-list (in_group: up to and including the ';') */
static int
list(struct parser *ps, int in_group)
{
	struct lex *lx = &ps->lx;
	int	 e;

	for (;;) {
		switch (lx->t) {
		case T_COMMA:			/* empty element (obs-mbox-list) */
			next(lx);
			continue;
		case T_END:
			return in_group ? FROM_EGROUP : 0;
		case T_SEMI:
			if (!in_group)
				return FROM_ESYNTAX;
			next(lx);
			return 0;
		case T_ERR:
			return lx->err;
		default:
			break;
		}
		if ((e = item(ps, in_group)) != 0)
			return e;
		if (lx->t == T_COMMA)
			next(lx);
		else if (lx->t == T_END || (in_group && lx->t == T_SEMI))
			continue;
		else
			return tok_err(lx);
	}
}

int
from_parse(const char *value, size_t len, struct from_result *res)
{
	struct parser ps;
	int	 e;

	memset(res, 0, sizeof(*res));
	if (len > FROM_VALUE_MAX)
		return FROM_ETOOLONG;
	ps.lx.p = value;
	ps.lx.end = value + len;
	ps.lx.err = 0;
	ps.res = res;
	next(&ps.lx);
	e = list(&ps, 0);
	if (e == 0 && res->naddr == 0)
		e = FROM_ENOADDR;
	if (e != 0) {
		res->addr[0] = '\0';
		res->domain[0] = '\0';
	}
	return e;
}

const char *
from_strerror(int err)
{
	switch (err) {
	case FROM_OK:		return "ok";
	case FROM_ENOADDR:	return "From: header holds no address";
	case FROM_EMANY:	return "From: header holds more than one address";
	case FROM_ESYNTAX:	return "From: header does not parse";
	case FROM_EUNTERM:	return "From: header has an unterminated quote, comment or <address>";
	case FROM_ENOAT:	return "From: header has a word where an address belongs";
	case FROM_EADDR:	return "From: address is not a valid address";
	case FROM_ETOOLONG:	return "From: header or its address is too long";
	case FROM_ECTRL:	return "From: header holds control characters";
	case FROM_EROUTE:	return "From: header uses an obsolete source route";
	case FROM_EGROUP:	return "From: header has a malformed group";
	default:		return "From: header not understood";
	}
}
