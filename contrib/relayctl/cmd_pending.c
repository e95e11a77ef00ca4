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
 *	resolver. One line per domain (or a JSON array): what it was, what
 *	the check found, what changed. Exit 0 when every domain could be
 *	checked (ready or not), 2 when DNS or Redis failed for one.
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

/* The state of one domain that the run reports on. */
struct dstate {
	long long	 verified_at;
	char		*sel;
	char		*next;
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

/* check_child - verify d in a child process: 0 ready, 1 not ready, 2 failed */
static int
check_child(struct ctl *c, const char *d)
{
	pid_t	 pid;
	int	 st;

	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) < 0)
		ctl_fail(c, CTL_EXIT_BACKEND, "backend", NULL, "fork: %s",
		    strerror(errno));
	if (pid == 0) {
		/* the parent's connection stays the parent's: a new one */
		c->rc = NULL;
		c->json = 0;
		st = ctl_verify_once(c, d);
		fflush(stderr);
		_exit(st);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return CTL_EXIT_BACKEND;
	return WIFEXITED(st) && WEXITSTATUS(st) <= CTL_EXIT_BACKEND ?
	    WEXITSTATUS(st) : CTL_EXIT_BACKEND;
}

/* result_name - what the check of one domain found */
static const char *
result_name(int rc)
{
	return rc == CTL_EXIT_OK ? "ready" : rc == CTL_EXIT_USER ?
	    "not_ready" : "failed";
}

int
ctl_verify_pending(struct ctl *c)
{
	char		 idx[RKEY_MAX], why[256];
	struct dstate	 before, after;
	json_t		*ds, *out = json_array(), *skipped = json_array(), *v;
	const char	*d;
	size_t		 i, n = 0;
	int		 rc, failed = 0;

	ctl_key(c, idx, RKEY_DOMAINS, NULL, NULL);
	ds = ctl_smembers(c, idx);
	json_array_foreach(ds, i, v) {
		d = json_string_value(v);
		why[0] = '\0';
		if (dstate_read(c, d, &before, why, sizeof(why)) < 0) {
			if (why[0] != '\0')	/* else removed meanwhile */
				ctl_skip(c, skipped, RKEY_DOMAIN, d, why);
			continue;
		}
		if (before.verified_at > 0 && before.next[0] == '\0') {
			dstate_free(&before);
			continue;
		}
		n++;
		rc = check_child(c, d);
		failed |= rc == CTL_EXIT_BACKEND;
		why[0] = '\0';
		if (dstate_read(c, d, &after, why, sizeof(why)) < 0) {
			after.verified_at = 0;
			after.sel = xstrdup("");
			after.next = xstrdup("");
		}
		if (!c->json)
			printf("%-40s %-9s %s%s%s\n", ctl_tx(d), result_name(rc),
			    before.verified_at <= 0 && after.verified_at > 0 ?
			    "verified now" : after.verified_at > 0 ? "verified" :
			    "not verified",
			    strcmp(before.sel, after.sel) != 0 && after.sel[0] ?
			    ", selector switched to " : "",
			    strcmp(before.sel, after.sel) != 0 && after.sel[0] ?
			    ctl_tx(after.sel) : "");
		json_array_append_new(out, json_pack("{s:o, s:s, s:b, s:b, "
		    "s:o, s:b}", "domain", ctl_jstr(d), "result",
		    result_name(rc), "verified", after.verified_at > 0,
		    "verified_now", before.verified_at <= 0 &&
		    after.verified_at > 0, "selector", ctl_jstr(after.sel),
		    "switched", strcmp(before.sel, after.sel) != 0 &&
		    after.sel[0] != '\0'));
		dstate_free(&before);
		dstate_free(&after);
	}
	json_decref(ds);
	if (!c->json && n == 0)
		printf("no domain waits for verification\n");
	rc = ctl_done_partial(c, out, skipped, "domains");
	return failed ? CTL_EXIT_BACKEND : rc;
}
