/*
 * NAME
 *	parse_import - the rows of a suppression import (relayctl suppress
 *	import)
 * DESCRIPTION
 *	Pure functions of their arguments; see parse.h. The files come from
 *	members and from the services they leave: our own CSV (address,
 *	reason), `relayctl suppress list`'s lines, and the exports of other
 *	sending services, whose header names the address column somewhere
 *	among others ("Email Address", "email", "address", ...). Tested by
 *	tests/unit/test_ctl_parse.c, fuzzed by tests/fuzz/fuzz_ctl_import.c.
 * SEE ALSO
 *	parse.h, cmd_suppress.c
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

const char *const parse_reasons[PARSE_NREASONS] = { "hard_bounce",
	"soft_bounce_limit", "unsubscribe", "complaint", "admin", "import" };

/* header names of an address column, as norm_name() leaves them */
static const char *const addr_names[] = { "email", "emailaddress", "address",
	"mail", "recipient", "recipientemail", "emailaddr", NULL };

/* field - the next CSV field of *p (quoted with "" escapes, or bare) */
static char *
field(char **p, const char **why)
{
	char	*s = *p, *o, *start;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '"') {
		start = o = ++s;
		for (;;) {
			if (*s == '\0') {
				*why = "unbalanced quote";
				return NULL;
			}
			if (*s == '"' && s[1] == '"') {
				*o++ = '"';
				s += 2;
			} else if (*s == '"') {
				s++;
				break;
			} else
				*o++ = *s++;
		}
		*o = '\0';
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s != '\0' && *s != ',') {
			*why = "text after a closing quote";
			return NULL;
		}
	} else {
		start = s;
		while (*s != '\0' && *s != ',')
			s++;
		o = s;
		while (o > start && (o[-1] == ' ' || o[-1] == '\t'))
			o--;
		if (*s == ',') {
			*o = '\0';
			s++;
			*p = s;
			return start;
		}
		*o = '\0';
	}
	if (*s == ',')
		s++;
	*p = s;
	return start;
}

static size_t list_tail(const char *, size_t *, size_t *, long long *);

int
parse_import_open(const char *s, int first)
{
	size_t	 ae, rs;
	long long t;
	int	 in = 0, start = 1;

	if (first && strncmp(s, "\xef\xbb\xbf", 3) == 0)
		s += 3;		/* line 1's BOM, as parse_import_row */
	if (list_tail(s, &ae, &rs, &t) > 0)
		return 0;	/* a suppress list line: its quotes are text */
	for (; *s != '\0'; s++) {
		if (in) {
			if (*s == '"' && s[1] == '"')
				s++;
			else if (*s == '"')
				in = 0;
		} else if (*s == '"' && start)
			in = 1;
		else if (*s == ',')
			start = 1;
		else if (*s != ' ' && *s != '\t')
			start = 0;
	}
	return in;
}

/*
 * split - the CSV fields of p into f (the first PARSE_IMPORT_COLS; the
 * rest are read for their quotes only); how many kept, or -1 and why
 */
static int
split(char *p, char **f, const char **why)
{
	char	*v;
	int	 n = 0;

	do {
		if ((v = field(&p, why)) == NULL)
			return -1;
		if (n < PARSE_IMPORT_COLS)
			f[n++] = v;
	} while (*p != '\0');
	return n;
}

/* all_empty - the row's fields are all empty (a blank spreadsheet row) */
static int
all_empty(char **f, int n)
{
	int	 i;

	for (i = 0; i < n; i++)
		if (*f[i] != '\0')
			return 0;
	return 1;
}

/*
 * list_row - a line of `relayctl suppress list`: no comma, no quote,
 * fields separated by white space (p at its first non-blank)
 */
static int
list_row(const char *p)
{
	const char	*sp;

	if (strpbrk(p, ",\"") != NULL || (sp = strpbrk(p, " \t")) == NULL)
		return 0;
	sp += strspn(sp, " \t");
	return *sp != '\0';
}

/*
 * list_time - the TIME column of a list row: "-" (none) or the time as
 * relayctl prints it, "YYYY-MM-DD HH:MM:SSZ"; 0 or -1
 */
static int
list_time(const char *s, long long *at)
{
	time_t	 t;

	if (strcmp(s, "-") == 0)
		return 0;
	if (strlen(s) != 20 || s[10] != ' ' || s[19] != 'Z' ||
	    parse_since(s, 0, &t) != 0 || t <= 0)
		return -1;
	*at = (long long)t;
	return 0;
}

/*
 * list_fields - split a list row (ADDRESS REASON [TIME]) in place: the
 * address and the reason; the time ("" when none) returned
 */
static char *
list_fields(char *p, char **a, char **r)
{
	char	*e;

	*a = p;
	p += strcspn(p, " \t");
	*p++ = '\0';
	p += strspn(p, " \t");
	*r = p;
	p += strcspn(p, " \t");
	if (*p != '\0') {
		*p++ = '\0';
		p += strspn(p, " \t");
	}
	for (e = p + strlen(p); e > p && (e[-1] == ' ' || e[-1] == '\t'); e--)
		;
	*e = '\0';
	return p;
}

static const char *reason_of(const char *);

/*
 * list_tail - a line of `relayctl suppress list` read from its end: the
 * TIME column ("-", or "YYYY-MM-DD HH:MM:SSZ"), before it one of our
 * reasons, before that the address, whatever it holds (a quoted local
 * part may have blanks, commas and quotes). The length of the line with
 * its trailing blanks and line end left out, *ae the address's end, *rs
 * the reason's start and *at the time (0 for "-"); 0 when the line is
 * not one (*at then untouched).
 */
static size_t
list_tail(const char *p, size_t *ae, size_t *rs, long long *at)
{
	size_t	 e = strlen(p), t, r;
	char	 w[32];
	long long when = 0;
	int	 q;

	while (e > 0 && strchr(" \t\r\n", p[e - 1]) != NULL)
		e--;
	if (e >= 2 && p[e - 1] == '-')
		t = e - 1;
	else if (e >= 21) {
		t = e - 20;
		memcpy(w, p + t, 20);
		w[20] = '\0';
		if (list_time(w, &when) != 0)
			return 0;
	} else
		return 0;
	if (p[t - 1] != ' ' && p[t - 1] != '\t')
		return 0;
	for (r = t; r > 0 && (p[r - 1] == ' ' || p[r - 1] == '\t'); r--)
		;
	*rs = r;
	while (*rs > 0 && p[*rs - 1] != ' ' && p[*rs - 1] != '\t')
		(*rs)--;
	if (*rs == 0 || r - *rs >= sizeof(w))
		return 0;
	memcpy(w, p + *rs, r - *rs);
	w[r - *rs] = '\0';
	if (reason_of(w) == NULL)
		return 0;
	for (*ae = *rs; *ae > 0 && (p[*ae - 1] == ' ' || p[*ae - 1] == '\t');
	    (*ae)--)
		;
	if (*ae == 0 || memchr(p, '@', *ae) == NULL)
		return 0;
	/* blanks in the address only inside a quoted local part */
	for (r = 0, q = 0; r < *ae; r++)
		if (q && p[r] == '\\' && r + 1 < *ae)
			r++;
		else if (p[r] == '"')
			q = !q;
		else if (!q && (p[r] == ' ' || p[r] == '\t'))
			return 0;
	*at = when;		/* only for a line that is one */
	return e;
}

/*
 * norm_name - a header name or --column NAME for comparing: ASCII lower
 * case without ' ', '_', '-' and '.', at most len - 1 characters
 */
static void
norm_name(const char *s, char *out, size_t len)
{
	size_t	 o = 0;

	for (; *s != '\0' && o + 1 < len; s++) {
		if (*s == ' ' || *s == '_' || *s == '-' || *s == '.')
			continue;
		out[o++] = *s >= 'A' && *s <= 'Z' ? (char)(*s + 32) : *s;
	}
	out[o] = '\0';
}

/* find_col - the first of the n header fields named name (normalised); -1 */
static int
find_col(char **f, int n, const char *name)
{
	char	 h[64];
	int	 i;

	for (i = 0; i < n; i++) {
		norm_name(f[i], h, sizeof(h));
		if (strcmp(h, name) == 0)
			return i;
	}
	return -1;
}

/* reason_of - the reason named s (NULL when it is none of parse_reasons) */
static const char *
reason_of(const char *s)
{
	int	 i;

	for (i = 0; i < PARSE_NREASONS; i++)
		if (strcmp(s, parse_reasons[i]) == 0)
			return parse_reasons[i];
	return NULL;
}

/*
 * The words of a reason column in other services' exports, as norm_name()
 * leaves them, and ours they mean: Postmark (HardBounce, SpamComplaint,
 * ManualSuppression), Amazon SES (BOUNCE, COMPLAINT: it suppresses on
 * hard bounces only), Mailchimp (cleaned, unsubscribed), and the usual
 * forms of the rest. A word that could be a temporary failure (soft
 * bounce, blocked, deferred) is none of them: such a row is bad unless
 * --reason names one.
 */
static const struct {
	const char	*word, *reason;
} foreign[] = {
	{ "hardbounce", "hard_bounce" }, { "bounce", "hard_bounce" },
	{ "bounced", "hard_bounce" }, { "bounces", "hard_bounce" },
	{ "cleaned", "hard_bounce" },
	{ "softbouncelimit", "soft_bounce_limit" },
	{ "unsubscribed", "unsubscribe" }, { "unsubscribes", "unsubscribe" },
	{ "unsub", "unsubscribe" }, { "optout", "unsubscribe" },
	{ "optedout", "unsubscribe" },
	{ "complaints", "complaint" }, { "spamcomplaint", "complaint" },
	{ "spamreport", "complaint" }, { "spamreports", "complaint" },
	{ "spam", "complaint" }, { "abuse", "complaint" },
	{ "manualsuppression", "admin" }, { "manual", "admin" },
	{ NULL, NULL }
};

/*
 * row_reason - the reason a row's reason field s means: ours as written,
 * in any case and with ' ', '_', '-' and '.' ignored ("Hard Bounce"), or
 * another service's word for one (foreign); NULL when none
 */
static const char *
row_reason(const char *s)
{
	char	 w[64], o[64];
	int	 i;

	if (reason_of(s) != NULL)
		return reason_of(s);
	if (strlen(s) >= sizeof(w))
		return NULL;
	norm_name(s, w, sizeof(w));
	for (i = 0; i < PARSE_NREASONS; i++) {
		norm_name(parse_reasons[i], o, sizeof(o));
		if (strcmp(w, o) == 0)
			return parse_reasons[i];
	}
	for (i = 0; foreign[i].word != NULL; i++)
		if (strcmp(w, foreign[i].word) == 0)
			return reason_of(foreign[i].reason);
	return NULL;
}

int
parse_import_init(struct parse_import *im, const char *column,
    const char *reason, const char **why)
{
	char	*end;
	long	 n;

	memset(im, 0, sizeof(*im));
	im->reason_col = 1;
	if (reason != NULL && (im->reason = reason_of(reason)) == NULL) {
		*why = "--reason: not a reason (hard_bounce, "
		    "soft_bounce_limit, unsubscribe, complaint, admin, import)";
		return -1;
	}
	if (column == NULL)
		return 0;
	if (*column >= '0' && *column <= '9') {
		n = strtol(column, &end, 10);
		if (*end != '\0' || n < 1 || n > PARSE_IMPORT_COLS) {
			*why = "--column: a column number 1..256 or a name "
			    "from the header";
			return -1;
		}
		im->addr_col = (int)n - 1;
		im->reason_col = -1;
		im->numbered = 1;
		return 0;
	}
	norm_name(column, im->name, sizeof(im->name));
	if (im->name[0] == '\0') {
		*why = "--column: an empty name";
		return -1;
	}
	return 0;
}

/*
 * header - line 1 is a header (f[0..n)): the columns by its names; 0, or
 * PARSE_ROW_FATAL when --column NAME is not among them
 */
static int
header(struct parse_import *im, char **f, int n, const char **why)
{
	int	 i, c = -1, r = find_col(f, n, "reason");

	if (im->name[0] != '\0') {
		if ((c = find_col(f, n, im->name)) < 0) {
			*why = "--column: no column of that name in the header "
			    "(line 1)";
			return PARSE_ROW_FATAL;
		}
	} else if (!im->numbered)
		for (i = 0; addr_names[i] != NULL && c < 0; i++)
			c = find_col(f, n, addr_names[i]);
	if (c >= 0)
		im->addr_col = c;
	/* a header of other names, ours ("email,reason") or none */
	if (r >= 0 && r != im->addr_col)
		im->reason_col = r;
	else if (c >= 0 || im->numbered)
		im->reason_col = -1;
	if (im->addr_col < n)
		snprintf(im->addr_name, sizeof(im->addr_name), "%s",
		    f[im->addr_col]);
	if (im->reason_col >= 0 && im->reason_col < n)
		snprintf(im->reason_name, sizeof(im->reason_name), "%s",
		    f[im->reason_col]);
	return PARSE_ROW_SKIP;
}

int
parse_import_row(struct parse_import *im, char *line, unsigned long lineno,
    const char **addr, const char **reason, long long *at, const char **why)
{
	size_t		 n = strlen(line), e, ae, rs;
	char		*p, *a, *r = NULL, *t, *f[PARSE_IMPORT_COLS];
	int		 nf;

	*why = NULL;
	*at = 0;
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	/* A UTF-8 byte order mark from a spreadsheet export. */
	if (lineno == 1 && strncmp(line, "\xef\xbb\xbf", 3) == 0)
		line += 3;
	p = line;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0' || *p == '#')
		return PARSE_ROW_SKIP;
	if ((e = list_tail(p, &ae, &rs, at)) > 0) {
		/* suppress list's line, whatever its address holds */
		p[ae] = '\0';
		a = p;
		r = p + rs;
		r[strcspn(r, " \t")] = '\0';
	} else if (list_row(p)) {
		t = list_fields(p, &a, &r);
		if (lineno == 1 && strchr(a, '@') == NULL)
			return PARSE_ROW_SKIP;		/* a header */
		if (*t != '\0' && list_time(t, at) != 0) {
			*why = "time not as suppress list prints it "
			    "(YYYY-MM-DD HH:MM:SSZ, or -)";
			return PARSE_ROW_BAD;
		}
	} else {
		if ((nf = split(p, f, why)) < 0)
			return PARSE_ROW_BAD;
		if (all_empty(f, nf))
			return PARSE_ROW_SKIP;	/* ",,," a spreadsheet adds */
		if (lineno == 1 && im->addr_col < nf &&
		    strchr(f[im->addr_col], '@') == NULL)
			return header(im, f, nf, why);
		if (lineno == 1 && im->name[0] != '\0') {
			*why = "--column NAME needs a header line (line 1) "
			    "that names the columns";
			return PARSE_ROW_FATAL;
		}
		if (im->addr_col >= nf) {
			*why = "fewer columns than the address column";
			return PARSE_ROW_BAD;
		}
		a = f[im->addr_col];
		if (im->reason_col >= 0 && im->reason_col < nf)
			r = f[im->reason_col];
	}
	if (*a == '\0') {
		*why = "empty address field";
		return PARSE_ROW_BAD;
	}
	*addr = a;
	*reason = "import";
	if (im->reason != NULL)
		*reason = im->reason;
	else if (r != NULL && *r != '\0' && (*reason = row_reason(r)) == NULL) {
		*why = "unknown reason (hard_bounce, soft_bounce_limit, "
		    "unsubscribe, complaint, admin, import; --reason R gives "
		    "every row R)";
		return PARSE_ROW_BAD;
	}
	return PARSE_ROW_OK;
}
