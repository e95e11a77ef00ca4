/*
 * NAME
 *	fuzz_dsn - libFuzzer harness for the bounce readers
 * DESCRIPTION
 *	relay-unsub reads whatever mail reaches the relay's return path with
 *	dsn_parse(), and with qsbmf_parse() (qmail's bounces) when that
 *	fails. Each reader is given the input in a heap buffer of exactly
 *	its size (a read past the end is the address sanitizer's), twice,
 *	and once more with why NULL. Invariants, abort()ed on:
 *
 *	- the answer is 0 or -1; 0 has is_dsn 1, at least one recipient
 *	  group seen and *why ""; -1 has a sentence in *why and the struct
 *	  all zero;
 *	- nrcpt <= DSN_RCPTS_MAX, nrcpt <= nrcpt_seen, and nrcpt is all of
 *	  them up to DSN_RCPTS_MAX; the groups after nrcpt are all zero;
 *	- every string is NUL-terminated within its array, and holds no
 *	  control character (diag not even a tab);
 *	- final_rcpt and orig_rcpt are normalised (addr_norm gives them
 *	  back); action is one of the five words; status is "" or
 *	  [245].d{1,3}.d{1,3}; postfix_qid is letters and digits;
 *	  reporting_mta has no white space; message_id is "<...>" without
 *	  white space, and "" without an original; diag has no space at
 *	  either end;
 *	- the same input gives the same struct (no state, no uninitialised
 *	  byte in a field).
 * SEE ALSO
 *	policyd/dsn.c, policyd/qsbmf.c, policyd/mime.c, tests/fuzz/replay.c,
 *	corpus/dsn/
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "dsn.h"
#include "qsbmf.h"
#include "fuzz_check.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* check_addr - "" or a normalised address */
static void
check_addr(const char *s, size_t size)
{
	char	 again[ADDR_BUFSIZE];

	if (check_str(s, size) == 0)
		return;
	check(addr_norm(s, again, sizeof(again)) == ADDR_OK);
	check(strcmp(again, s) == 0);
}

/* digits - past 1 to 3 digits at s, or NULL */
static const char *
digits(const char *s)
{
	size_t	 k;

	for (k = 0; k < 3 && s[k] >= '0' && s[k] <= '9'; k++)
		;
	return k > 0 ? s + k : NULL;
}

/* check_status - "" or class.subject.detail */
static void
check_status(const char *s, size_t size)
{
	const char	*p;

	if (check_str(s, size) == 0)
		return;
	check(strchr("245", s[0]) != NULL && s[1] == '.');
	check((p = digits(s + 2)) != NULL && *p == '.');
	check((p = digits(p + 1)) != NULL && *p == '\0');
}

/* check_rcpt - one kept recipient group */
static void
check_rcpt(const struct dsn_rcpt *r)
{
	static const char *const actions[] = {
		"", "failed", "delayed", "delivered", "relayed", "expanded"
	};
	size_t	 i, n;

	check_addr(r->final_rcpt, sizeof(r->final_rcpt));
	check_addr(r->orig_rcpt, sizeof(r->orig_rcpt));
	check_str(r->action, sizeof(r->action));
	for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (strcmp(r->action, actions[i]) == 0)
			break;
	check(i < sizeof(actions) / sizeof(actions[0]));
	check_status(r->status, sizeof(r->status));
	n = check_str(r->diag, sizeof(r->diag));
	check(strchr(r->diag, '\t') == NULL);
	check(n == 0 || (r->diag[0] != ' ' && r->diag[n - 1] != ' '));
}

/* check_fields - the invariants of one answer */
static void
check_fields(int rc, const struct dsn *d, const char *why)
{
	static const struct dsn_rcpt zero_rcpt;
	static struct dsn zero;
	size_t	 i, n;

	check(rc == 0 || rc == -1);
	check(why != NULL);
	if (rc != 0) {
		check(why[0] != '\0');
		check(memcmp(d, &zero, sizeof(zero)) == 0);
		return;
	}
	check(why[0] == '\0' && d->is_dsn == 1);
	check(d->nrcpt_seen >= 1 && d->nrcpt <= DSN_RCPTS_MAX &&
	    d->nrcpt <= d->nrcpt_seen);
	check(d->nrcpt == (d->nrcpt_seen < DSN_RCPTS_MAX ? d->nrcpt_seen :
	    DSN_RCPTS_MAX));
	n = check_str(d->reporting_mta, sizeof(d->reporting_mta));
	check(strpbrk(d->reporting_mta, " \t") == NULL);
	n = check_str(d->postfix_qid, sizeof(d->postfix_qid));
	for (i = 0; i < n; i++)
		check((d->postfix_qid[i] >= '0' && d->postfix_qid[i] <= '9') ||
		    (d->postfix_qid[i] >= 'a' && d->postfix_qid[i] <= 'z') ||
		    (d->postfix_qid[i] >= 'A' && d->postfix_qid[i] <= 'Z'));
	check(d->have_original == 0 || d->have_original == 1);
	n = check_str(d->message_id, sizeof(d->message_id));
	check(n == 0 || (d->have_original && n >= 3 &&
	    d->message_id[0] == '<' && d->message_id[n - 1] == '>' &&
	    strpbrk(d->message_id, " \t") == NULL));
	for (i = 0; i < d->nrcpt; i++)
		check_rcpt(&d->rcpt[i]);
	for (; i < DSN_RCPTS_MAX; i++)
		check(memcmp(&d->rcpt[i], &zero_rcpt, sizeof(zero_rcpt)) == 0);
}

typedef int (*reader)(const char *, size_t, struct dsn *, const char **);

/* one - the invariants of reader over buf, run three times */
static void
one(reader rd, const char *buf, size_t size)
{
	struct dsn	*a, *b;
	const char	*why = NULL, *why2 = NULL;
	int		 rc, rc2;

	a = malloc(sizeof(*a));
	b = malloc(sizeof(*b));
	check(a != NULL && b != NULL);
	memset(a, 0x5a, sizeof(*a));
	memset(b, 0xa5, sizeof(*b));
	rc = rd(buf, size, a, &why);
	check_fields(rc, a, why);

	rc2 = rd(buf, size, b, &why2);
	check(rc2 == rc && why2 != NULL && strcmp(why, why2) == 0);
	check(memcmp(a, b, sizeof(*a)) == 0);

	memset(b, 0x5a, sizeof(*b));
	check(rd(buf, size, b, NULL) == rc);
	check(memcmp(a, b, sizeof(*a)) == 0);
	free(a);
	free(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*buf;

	buf = malloc(size > 0 ? size : 1);
	check(buf != NULL);
	memcpy(buf, data, size);
	one(dsn_parse, buf, size);
	one(qsbmf_parse, buf, size);
	free(buf);
	return 0;
}
