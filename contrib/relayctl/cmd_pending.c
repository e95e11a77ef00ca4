/*
 * NAME
 *	cmd_pending - relayctl domain verify --pending: the labeler
 * DESCRIPTION
 *	Checks every enrolled domain that is not verified yet or has a DKIM
 *	selector waiting for its records, as domain verify does for one, and
 *	applies what it finds: a member's domain becomes verified, or its new
 *	selector active, within one run after the records appear in DNS.
 *	contrib/systemd/relay-verify.timer runs it every few minutes, like
 *	the service's labeler ("DKIM not yet verified": it retries every few
 *	minutes).
 *
 *	Each domain is checked in a child process: a domain removed, changed
 *	or broken meanwhile ends that child's check (with its message on
 *	stderr), not the run. The child makes its own Redis connection and
 *	resolver. Up to PENDING_PAR children run at once, so a member whose
 *	DNS does not answer (dns.timeout_ms for each lookup) holds up only
 *	its own check. One line per domain, sorted by name (or a JSON
 *	array): what it was, what the check found, what changed. A
 *	member's DNS that does not answer is that domain's result
 *	(dns_failed), not the run's: exit 0 when the run went through, 2
 *	when Redis or the program failed.
 *
 *	Finding the domains that wait costs one round trip per PENDING_BATCH
 *	enrolled domains: SSCAN of relay:domains, then one pipelined HMGET of
 *	the three fields it needs (dfields) per domain of the batch; only the
 *	domains that wait are kept.
 * SEE ALSO
 *	cmd_verify.c, relayctl(8), contrib/systemd/relay-verify.service.in
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctl.h"
#include "rconn.h"
#include "xalloc.h"

#define PENDING_PAR	8	/* checks at once */
#define RC_DNS		3	/* a child's exit: DNS did not answer */
#define PENDING_BATCH	1000	/* the SSCAN COUNT: domains a round trip */

/* The state of one domain that the run reports on. */
struct dstate {
	long long	 verified_at;
	char		*sel;
	char		*next;
};

/* One domain of the run. */
struct job {
	char		*d;		/* the domain (owned) */
	struct dstate	 before;
	pid_t		 pid;
	int		 rc;		/* CTL_EXIT_*, or RC_DNS */
};

/* The fields of relay:{d:D}:domain the run reads (struct dstate). */
static const char *const dfields[] = { "verified_at", "selector",
    "next_selector" };
#define NDFIELDS	(int)(sizeof(dfields) / sizeof(dfields[0]))

/*
 * dstate_from - a state from the HMGET of dfields (a record that is gone
 * reads as not verified, as before); 0, or -1 with why for a record Redis
 * cannot read (not a hash)
 */
static int
dstate_from(const redisReply *r, struct dstate *s, char *why, size_t whylen)
{
	const redisReply *v;

	memset(s, 0, sizeof(*s));
	if (r->type != REDIS_REPLY_ARRAY || r->elements != NDFIELDS) {
		snprintf(why, whylen, "%s", r->type == REDIS_REPLY_ERROR ?
		    r->str : "unexpected reply");
		return -1;
	}
	v = r->element[0];
	if (v->type == REDIS_REPLY_STRING)
		s->verified_at = atoll(v->str);
	v = r->element[1];
	s->sel = xstrdup(v->type == REDIS_REPLY_STRING ? v->str : "");
	v = r->element[2];
	s->next = xstrdup(v->type == REDIS_REPLY_STRING ? v->str : "");
	return 0;
}

/* dstate_read - one domain's state; 0, or -1 for an unreadable record */
static int
dstate_read(struct ctl *c, const char *d, struct dstate *s, char *why,
    size_t whylen)
{
	char		 key[RKEY_MAX];
	const char	*keys[1] = { key };
	redisReply	*r;
	int		 e;

	memset(s, 0, sizeof(*s));
	if (rkey(key, sizeof(key), RKEY_DOMAIN, d, NULL) < 0) {
		snprintf(why, whylen, "not a domain a key can hold");
		return -1;
	}
	ctl_pipe(c, "HMGET", keys, 1, NDFIELDS, dfields, &r);
	e = dstate_from(r, s, why, whylen);
	freeReplyObject(r);
	return e;
}

static void
dstate_free(struct dstate *s)
{
	free(s->sel);
	free(s->next);
}

/* child - verify d in this (forked) process and exit with the result */
static void
child(struct ctl *c, const char *d)
{
	int	 rc, unknown = 0;

	/*
	 * The parent's connection stays the parent's: a new one. Our copy is
	 * freed, not dropped (a leak at an exit through ctl_fail, which
	 * LeakSanitizer reports and turns into exit 1): redisFree only closes
	 * this process's descriptor, nothing is sent on the parent's socket.
	 */
	rconn_free(c->rc);
	c->rc = NULL;
	c->wrote = 0;
	c->json = 0;
	rc = ctl_settle(c, ctl_verify_once(c, d, &unknown));
	if (rc == CTL_EXIT_BACKEND && unknown) {
		fprintf(stderr, "relayctl: %s: the DNS server did not answer "
		    "(dns.timeout_ms); checked again at the next run\n", d);
		rc = RC_DNS;
	}
	fflush(stderr);
	_exit(rc);
}

/* start - fork the check of job j */
static void
start(struct ctl *c, struct job *j)
{
	fflush(stdout);
	fflush(stderr);
	if ((j->pid = fork()) < 0)
		ctl_fail(c, CTL_EXIT_BACKEND, "backend", NULL, "fork: %s",
		    strerror(errno));
	if (j->pid == 0)
		child(c, j->d);
}

/* reap - wait for one child; its job's rc. 0, or -1 when none is left */
static int
reap(struct job *jobs, size_t n)
{
	pid_t	 pid;
	size_t	 i;
	int	 st;

	while ((pid = wait(&st)) < 0)
		if (errno != EINTR)
			return -1;
	for (i = 0; i < n; i++)
		if (jobs[i].pid == pid) {
			jobs[i].rc = WIFEXITED(st) && WEXITSTATUS(st) <= RC_DNS ?
			    WEXITSTATUS(st) : CTL_EXIT_BACKEND;
			jobs[i].pid = 0;
		}
	return 0;
}

/* result_name - what the check of one domain found */
static const char *
result_name(int rc)
{
	switch (rc) {
	case CTL_EXIT_OK:	return "ready";
	case CTL_EXIT_USER:	return "not_ready";
	case RC_DNS:		return "dns_failed";
	default:		return "failed";
	}
}

/* report - one domain's line or JSON object, from its states */
static void
report(struct ctl *c, json_t *out, const struct job *j,
    const struct dstate *after)
{
	int	 now = j->before.verified_at <= 0 && after->verified_at > 0;
	int	 sw = strcmp(j->before.sel, after->sel) != 0 &&
		    after->sel[0] != '\0';

	if (!c->json)
		printf("%-40s %-10s %s%s%s\n", ctl_tx(j->d), result_name(j->rc),
		    now ? "verified now" : after->verified_at > 0 ? "verified" :
		    "not verified", sw ? ", selector switched to " : "",
		    sw ? ctl_tx(after->sel) : "");
	json_array_append_new(out, json_pack("{s:o, s:s, s:b, s:b, s:o, s:b}",
	    "domain", ctl_jstr(j->d), "result", result_name(j->rc), "verified",
	    after->verified_at > 0, "verified_now", now, "selector",
	    ctl_jstr(after->sel), "switched", sw));
}

/* cmp_job - qsort: jobs by domain */
static int
cmp_job(const void *a, const void *b)
{
	return strcmp(((const struct job *)a)->d, ((const struct job *)b)->d);
}

/*
 * batch - of the domains in one SSCAN reply, add those that wait to
 * jobs[*n..] (grown as needed): their fields read with one HMGET each,
 * pipelined (one round trip)
 */
static void
batch(struct ctl *c, const redisReply *a, struct job **jobs, size_t *n,
    size_t *cap, json_t *skipped)
{
	char		 key[RKEY_MAX], why[256];
	const char	**keys;
	redisReply	**r;
	struct dstate	 st;
	const char	*d;
	size_t		 i;

	keys = xcalloc(a->elements + 1, sizeof(*keys));
	r = xcalloc(a->elements + 1, sizeof(*r));
	for (i = 0; i < a->elements; i++)
		if (a->element[i]->type == REDIS_REPLY_STRING &&
		    rkey(key, sizeof(key), RKEY_DOMAIN, a->element[i]->str,
		    NULL) > 0)
			keys[i] = xstrdup(key);
	ctl_pipe(c, "HMGET", keys, a->elements, NDFIELDS, dfields, r);
	for (i = 0; i < a->elements; i++) {
		if (a->element[i]->type != REDIS_REPLY_STRING)
			continue;
		d = a->element[i]->str;
		if (keys[i] == NULL)
			ctl_skip(c, skipped, RKEY_DOMAIN, d,
			    "not a domain a key can hold");
		else if (dstate_from(r[i], &st, why, sizeof(why)) < 0)
			ctl_skip(c, skipped, RKEY_DOMAIN, d, why);
		else if (st.verified_at > 0 && st.next[0] == '\0')
			dstate_free(&st);
		else {
			if (*n == *cap) {
				*cap = *cap ? 2 * *cap : 16;
				*jobs = xrealloc(*jobs, *cap * sizeof(**jobs));
			}
			memset(&(*jobs)[*n], 0, sizeof(**jobs));
			(*jobs)[*n].d = xstrdup(d);
			(*jobs)[(*n)++].before = st;
		}
		freeReplyObject(r[i]);
		free((char *)keys[i]);
	}
	free(r);
	free(keys);
}

/*
 * collect - the domains that wait, sorted: SSCAN relay:domains, about
 * PENDING_BATCH at a time. What is held is one batch and the jobs, not
 * every domain (the timer runs this every few minutes).
 */
static struct job *
collect(struct ctl *c, json_t *skipped, size_t *np)
{
	char		 idx[RKEY_MAX], cursor[CTL_CURSOR_MAX] = "0";
	struct job	*jobs = NULL;
	size_t		 n = 0, cap = 0, i, k;
	redisReply	*r;

	ctl_key(c, idx, RKEY_DOMAINS, NULL, NULL);
	do {
		r = ctl_sscan(c, idx, cursor, PENDING_BATCH);
		batch(c, r->element[1], &jobs, &n, &cap, skipped);
		freeReplyObject(r);
	} while (strcmp(cursor, "0") != 0);
	if (n > 1)
		qsort(jobs, n, sizeof(*jobs), cmp_job);
	/* SSCAN may return a name twice (the set shrank meanwhile) */
	for (i = k = 0; i < n; i++) {
		if (k > 0 && strcmp(jobs[k - 1].d, jobs[i].d) == 0) {
			free(jobs[i].d);
			dstate_free(&jobs[i].before);
			continue;
		}
		jobs[k++] = jobs[i];
	}
	*np = k;
	return jobs;
}

int
ctl_verify_pending(struct ctl *c)
{
	char		 why[256], msg[200];
	struct dstate	 after;
	struct job	*jobs;
	json_t		*out = json_array(), *skipped = json_array();
	json_t		*failed = json_array(), *e;
	size_t		 i, n = 0, next = 0, running = 0;

	jobs = collect(c, skipped, &n);
	while (next < n || running > 0) {
		if (next < n && running < PENDING_PAR) {
			start(c, &jobs[next++]);
			running++;
			continue;
		}
		if (reap(jobs, n) < 0)
			break;
		running--;
	}
	for (i = 0; i < n; i++) {
		if (jobs[i].rc == CTL_EXIT_BACKEND)
			json_array_append_new(failed, ctl_jstr(jobs[i].d));
		if (dstate_read(c, jobs[i].d, &after, why, sizeof(why)) < 0) {
			after.verified_at = 0;
			after.sel = xstrdup("");
			after.next = xstrdup("");
		}
		report(c, out, &jobs[i], &after);
		dstate_free(&jobs[i].before);
		dstate_free(&after);
		free(jobs[i].d);
	}
	free(jobs);
	if (!c->json && n == 0)
		printf("no domain waits for verification\n");
	if (json_array_size(failed) == 0 && json_array_size(skipped) == 0) {
		json_decref(failed);
		json_decref(skipped);
		return ctl_done(c, out);
	}
	/* one error element, last, as every listing has it (relayctl(8)) */
	snprintf(msg, sizeof(msg), "%zu domain records could not be read, "
	    "%zu checks failed (Redis or the program: standard error says "
	    "why)", json_array_size(skipped), json_array_size(failed));
	ctl_note(c, NULL, "%s", msg);
	e = ctl_error_json("backend", NULL, msg);
	json_object_set_new(e, "skipped", skipped);
	json_object_set_new(e, "failed", failed);
	if (c->json)
		json_array_append_new(out, json_pack("{s:o}", "error", e));
	else
		json_decref(e);
	ctl_done(c, out);
	return CTL_EXIT_BACKEND;
}
