/*
 * NAME
 *	dsn_cases - the table runner of the bounce readers' tests
 * DESCRIPTION
 *	A case is a whole message and the struct dsn wanted from it (the
 *	first two recipients field by field). dsn_cases_run() runs each
 *	through a reader (dsn_parse(), qsbmf_parse()) as written and, when
 *	marked, with "\r\n" line ends, into a struct filled with junk
 *	first, and fails on the first field that differs; a -1 must leave
 *	the struct all zero. Include it after cmocka.h and dsn.h.
 * SEE ALSO
 *	tests/unit/test_dsn.c, tests/unit/test_qsbmf.c, crlf.h
 */
#ifndef RELAY_TEST_DSN_CASES_H
#define RELAY_TEST_DSN_CASES_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crlf.h"

struct wrcpt {
	const char	*final, *orig, *action, *status, *diag;
};

struct want {
	int		 rc;
	const char	*why;
	const char	*mta, *qid;
	int		 have;
	const char	*msgid;
	size_t		 nrcpt, seen;
	struct wrcpt	 r[2];		/* the first min(nrcpt, 2) groups */
};

struct tcase {
	const char	*name;
	const char	*msg;
	int		 crlf;		/* also run with "\r\n" line ends */
	struct want	 w;
};

typedef int (*dsn_reader)(const char *, size_t, struct dsn *,
    const char **);

/* same_rcpt - 1 when a kept group is what is wanted */
static inline int
same_rcpt(const struct dsn_rcpt *r, const struct wrcpt *w)
{
	return strcmp(r->final_rcpt, w->final) == 0 &&
	    strcmp(r->orig_rcpt, w->orig) == 0 &&
	    strcmp(r->action, w->action) == 0 &&
	    strcmp(r->status, w->status) == 0 &&
	    strcmp(r->diag, w->diag) == 0;
}

/* run_one - one message against what is wanted */
static inline void
run_one(dsn_reader rd, const char *name, const char *msg, size_t len,
    const struct want *w)
{
	static struct dsn	 zero;
	struct dsn		*d = malloc(sizeof(*d));
	const char		*why = NULL;
	size_t			 i;
	int			 rc;

	assert_non_null(d);
	memset(d, 0x5a, sizeof(*d));
	rc = rd(msg, len, d, &why);
	if (rc != w->rc || why == NULL || strcmp(why, w->why) != 0 ||
	    d->is_dsn != (w->rc == 0) ||
	    strcmp(d->reporting_mta, w->mta) != 0 ||
	    strcmp(d->postfix_qid, w->qid) != 0 ||
	    d->have_original != w->have ||
	    strcmp(d->message_id, w->msgid) != 0 ||
	    d->nrcpt != w->nrcpt || d->nrcpt_seen != w->seen)
		fail_msg("%s: rc %d why '%s' is_dsn %d mta '%s' qid '%s' "
		    "have %d msgid '%s' nrcpt %zu seen %zu", name, rc,
		    why ? why : "(null)", d->is_dsn, d->reporting_mta,
		    d->postfix_qid, d->have_original, d->message_id, d->nrcpt,
		    d->nrcpt_seen);
	for (i = 0; i < w->nrcpt && i < 2; i++)
		if (!same_rcpt(&d->rcpt[i], &w->r[i]))
			fail_msg("%s: recipient %zu: final '%s' orig '%s' "
			    "action '%s' status '%s' diag '%s'", name, i,
			    d->rcpt[i].final_rcpt, d->rcpt[i].orig_rcpt,
			    d->rcpt[i].action, d->rcpt[i].status,
			    d->rcpt[i].diag);
	if (rc != 0 && memcmp(d, &zero, sizeof(zero)) != 0)
		fail_msg("%s: -1 left fields set", name);
	free(d);
}

/* dsn_cases_run - every case through rd, and again with CRLF if marked */
static inline void
dsn_cases_run(dsn_reader rd, const struct tcase *cases, size_t ncases)
{
	size_t	 i, n, cn;
	char	*c;
	char	 name[300];

	for (i = 0; i < ncases; i++) {
		n = strlen(cases[i].msg);
		run_one(rd, cases[i].name, cases[i].msg, n, &cases[i].w);
		if (cases[i].crlf) {
			c = crlf(cases[i].msg, n, &cn);
			snprintf(name, sizeof(name), "%s (CRLF)",
			    cases[i].name);
			run_one(rd, name, c, cn, &cases[i].w);
			free(c);
		}
	}
}

#endif /* RELAY_TEST_DSN_CASES_H */
