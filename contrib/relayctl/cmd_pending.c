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
 *	its own check. One line per domain, in the order of the index (or a
 *	JSON array): what it was, what the check found, what changed. A
 *	member's DNS that does not answer is that domain's result
 *	(dns_failed), not the run's: exit 0 when the run went through, 2
 *	when Redis or the program failed.
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
#include "xalloc.h"

#define PENDING_PAR	8	/* checks at once */
#define RC_DNS		3	/* a child's exit: DNS did not answer */

/* The state of one domain that the run reports on. */
struct dstate {
	long long	 verified_at;
	char		*sel;
	char		*next;
};

/* One domain of the run. */
struct job {
	const char	*d;
	struct dstate	 before;
	pid_t		 pid;
	int		 rc;		/* CTL_EXIT_*, or RC_DNS */
};

/* dstate_read - verified_at and selectors; 0, or -1 for an unreadable record */
static int
dstate_read(struct ctl *c, const char *d, struct dstate *s, char *why,
    size_t whylen)
{
	char	 key[RKEY_MAX];
	json_t	*h;
	const char *v;

	memset(s, 0, sizeof(*s));
	if (rkey(key, sizeof(key), RKEY_DOMAIN, d, NULL) < 0) {
		snprintf(why, whylen, "not a domain a key can hold");
		return -1;
	}
	if ((h = ctl_hgetall_or(c, key, why, whylen)) == NULL)
		return -1;
	if ((v = json_string_value(json_object_get(h, "verified_at"))) != NULL)
		s->verified_at = atoll(v);
	v = json_string_value(json_object_get(h, "selector"));
	s->sel = xstrdup(v ? v : "");
	v = json_string_value(json_object_get(h, "next_selector"));
	s->next = xstrdup(v ? v : "");
	json_decref(h);
	return 0;
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

	/* the parent's connection stays the parent's: a new one */
	c->rc = NULL;
	c->json = 0;
	rc = ctl_verify_once(c, d, &unknown);
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

int
ctl_verify_pending(struct ctl *c)
{
	char		 idx[RKEY_MAX], why[256], msg[200];
	struct dstate	 after;
	struct job	*jobs;
	json_t		*ds, *out = json_array(), *skipped = json_array(), *v;
	json_t		*failed = json_array(), *e;
	size_t		 i, n = 0, next = 0, running = 0;

	ctl_key(c, idx, RKEY_DOMAINS, NULL, NULL);
	ds = ctl_smembers(c, idx);
	jobs = xcalloc(json_array_size(ds) + 1, sizeof(*jobs));
	json_array_foreach(ds, i, v) {
		jobs[n].d = json_string_value(v);
		why[0] = '\0';
		if (dstate_read(c, jobs[n].d, &jobs[n].before, why,
		    sizeof(why)) < 0) {
			if (why[0] != '\0')	/* else removed meanwhile */
				ctl_skip(c, skipped, RKEY_DOMAIN, jobs[n].d, why);
			continue;
		}
		if (jobs[n].before.verified_at > 0 &&
		    jobs[n].before.next[0] == '\0') {
			dstate_free(&jobs[n].before);
			continue;
		}
		n++;
	}
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
	}
	free(jobs);
	if (!c->json && n == 0)
		printf("no domain waits for verification\n");
	json_decref(ds);
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
