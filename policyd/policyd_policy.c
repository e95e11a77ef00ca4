/*
 * NAME
 *	policyd_policy - one policy request: gather facts, decide, answer
 * DESCRIPTION
 *	Unauthenticated requests (no sasl_username) are the inbound path:
 *	DUNNO without asking Redis. For a member:
 *
 *	MAIL	one round trip: HMGET of the member hash and ZCOUNT of its
 *		inflight set (entries younger than milter.record_ttl); then
 *		suspension and the queue cap (pd_decide_member).
 *	RCPT	one round trip: the member hash and the domain hash of the
 *		sender's domain and of each parent (subdomains); then
 *		suspension; then the tier (pd_tier) and a second round trip,
 *		policyd_warm.lua, which checks and charges both windows.
 *	other	the member hash only: a suspended member is refused at
 *		every stage.
 *
 *	Any Redis failure, timeout or unexpected reply is queue_full. Each
 *	request ends in one key=value log line.
 * SEE ALSO
 *	policyd_decide.c (the decisions), policyd_redis.c, SCHEMA.md
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "clock.h"
#include "log.h"
#include "policyd.h"
#include "policyd_decide.h"
#include "policyd_proto.h"
#include "policyd_redis.h"
#include "rkeys.h"
#include "rscript.h"
#include "xalloc.h"

enum stage { ST_MAIL, ST_RCPT, ST_OTHER };

struct pctx {
	struct policyd	*pd;
	void		*conn;
	enum stage	 stage;
	char		 state[32];
	char		 context[32];
	char		 handle[128];
	char		 qid[64];
	char		 instance[64];
	char		 domain[ADDR_BUFSIZE];	/* sender's, normalised */
	char		 cand[PD_MAX_CANDIDATES][256];
	size_t		 ncand;
	int		 picked;		/* index into cand, or -1 */
	struct pd_member member;
	struct pd_caps	 caps;
	struct pd_warm	 warm;
	int		 charged;
	int64_t		 t0;
	char		 keys[PD_MAX_CANDIDATES + 2][RKEY_MAX];
};

/* finish - log the decision, answer, free the context */
static void
finish(struct pctx *x, const struct pd_verdict *v)
{
	char	 act[PD_DETAIL_MAX + 64];
	struct logkv kv;

	pd_action(v, act, sizeof(act));
	logkv_init(&kv, x->qid);
	logkv_str(&kv, "member", x->handle[0] ? x->handle : NULL);
	logkv_str(&kv, "state", x->state);
	if (x->context[0])
		logkv_str(&kv, "context", x->context);
	if (x->domain[0])
		logkv_str(&kv, "domain", x->picked >= 0 ?
		    x->cand[x->picked] : x->domain);
	logkv_str(&kv, "verdict", v->dunno ? "DUNNO" : cond_get(v->cond)->code);
	logkv_str(&kv, "reason", v->why);
	if (x->charged) {
		logkv_int(&kv, "tier", x->caps.tier);
		logkv_int(&kv, "hour_count", x->warm.hour_count);
		logkv_int(&kv, "per_hour", x->caps.per_hour);
		logkv_int(&kv, "day_count", x->warm.day_count);
		logkv_int(&kv, "per_day", x->caps.per_day);
	}
	if (x->member.queued >= 0 && x->stage == ST_MAIL)
		logkv_int(&kv, "queued", x->member.queued);
	if (!v->dunno)
		logkv_str(&kv, "action", act);
	logkv_str(&kv, "instance", x->instance[0] ? x->instance : NULL);
	logkv_int(&kv, "ms", clock_mono_ms() - x->t0);
	logkv_emit(&kv, v->dunno ? LOG_INFO : LOG_NOTICE);
	policy_reply(x->conn, act);
	free(x);
}

static void
fail(struct pctx *x, const char *why)
{
	struct pd_verdict v;

	pd_verdict_fail(&v, why);
	finish(x, &v);
}

/* reply_ok - an answer that is not an error reply */
static int
reply_ok(const struct rval *r)
{
	return r != NULL && r->type != RVAL_ERR;
}

static void
on_warm(void *arg, int status, struct rval **r, size_t n)
{
	struct pctx	*x = arg;
	struct pd_verdict v;

	if (status < 0 || !reply_ok(r[0]) || pd_warm_from(r[0], &x->warm) < 0) {
		if (r != NULL && r[0] != NULL && r[0]->type == RVAL_ERR)
			log_err("script=policyd_warm error=\"%s\"", r[0]->str);
		pr_replies_free(r, n);
		fail(x, status < 0 ? "redis_unavailable" : "redis_bad_reply");
		return;
	}
	pr_replies_free(r, n);
	x->charged = 1;
	pd_decide_warm(&x->caps, &x->warm, &v);
	finish(x, &v);
}

/* charge - run policyd_warm.lua for the picked domain */
static void
charge(struct pctx *x, long long verified_at)
{
	struct pd_cmd_args {
		char now[32], ph[32], pdy[32], id[96];
	} a;
	struct pr_cmd	 cmd;
	struct pd_verdict v;
	char		 key[RKEY_MAX];
	struct policyd	*pd = x->pd;

	pd_tier(&pd->cf->warming, &x->member, verified_at, clock_now(),
	    &x->caps);
	if (x->caps.per_hour == 0 && x->caps.per_day == 0) {
		pd_verdict_dunno(&v, "unlimited");
		finish(x, &v);
		return;
	}
	if (rkey(key, sizeof(key), RKEY_WARM, x->cand[x->picked], NULL) < 0) {
		fail(x, "bad_key");
		return;
	}
	snprintf(a.now, sizeof(a.now), "%lld", (long long)clock_now_ms());
	snprintf(a.ph, sizeof(a.ph), "%lld", x->caps.per_hour);
	snprintf(a.pdy, sizeof(a.pdy), "%lld", x->caps.per_day);
	snprintf(a.id, sizeof(a.id), "%s-%016llx-%llu", a.now,
	    (unsigned long long)pd->seed, (unsigned long long)++pd->seq);
	memset(&cmd, 0, sizeof(cmd));
	cmd.script = rscript_get("policyd_warm");
	cmd.argc = 6;
	cmd.argv[0] = "1";
	cmd.argv[1] = key;
	cmd.argv[2] = a.now;
	cmd.argv[3] = a.ph;
	cmd.argv[4] = a.pdy;
	cmd.argv[5] = a.id;
	if (cmd.script == NULL || pr_batch(pd->redis, &cmd, 1, on_warm, x) < 0)
		fail(x, "redis_unavailable");
}

static void
on_facts(void *arg, int status, struct rval **r, size_t n)
{
	struct pctx	*x = arg;
	struct pd_domain dom[PD_MAX_CANDIDATES];
	struct pd_verdict v;
	size_t		 i;
	int		 bad = status < 0;

	for (i = 0; i < n && !bad; i++)
		bad = !reply_ok(r[i]);
	if (!bad)
		bad = pd_member_from(r[0], x->stage == ST_MAIL ? r[1] : NULL,
		    &x->member) < 0;
	if (!bad && x->stage == ST_RCPT)
		for (i = 0; i < x->ncand && !bad; i++)
			bad = pd_domain_from(r[1 + i], &dom[i]) < 0;
	pr_replies_free(r, n);
	if (bad) {
		fail(x, status < 0 ? "redis_unavailable" : "redis_bad_reply");
		return;
	}
	pd_decide_member(&x->member, x->stage == ST_MAIL, x->pd->cf, &v);
	if (!v.dunno || x->stage != ST_RCPT) {
		finish(x, &v);
		return;
	}
	if (x->ncand == 0) {
		pd_verdict_dunno(&v, "no_sender_domain");
		finish(x, &v);
		return;
	}
	x->picked = pd_domain_pick(dom, x->ncand);
	if (x->picked < 0) {
		/* Not ours to judge: relay-milter refuses it (from_not_allowed). */
		pd_verdict_dunno(&v, "domain_not_enrolled");
		finish(x, &v);
		return;
	}
	if (strcmp(dom[x->picked].member, x->handle) != 0) {
		pd_verdict_dunno(&v, "domain_of_other_member");
		finish(x, &v);
		return;
	}
	charge(x, dom[x->picked].verified_at);
}

/*
 * stage_of - MAIL, RCPT or anything else. A policy_context of "mail" or
 * "rcpt" (set per check_policy_service in main.cf) wins over the SMTP
 * state: with smtpd_delay_reject=yes the sender restrictions run at RCPT
 * TO, and without the context that request would charge the recipient a
 * second time and skip the queue cap.
 */
static enum stage
stage_of(const char *s, const char *context)
{
	if (context != NULL && strcmp(context, "mail") == 0)
		return ST_MAIL;
	if (context != NULL && strcmp(context, "rcpt") == 0)
		return ST_RCPT;
	if (s == NULL)
		return ST_OTHER;
	if (strcmp(s, "MAIL") == 0)
		return ST_MAIL;
	if (strcmp(s, "RCPT") == 0)
		return ST_RCPT;
	return ST_OTHER;
}

/* lower_copy - handle as Dovecot gives it, lower-cased */
static void
lower_copy(char *dst, size_t len, const char *src)
{
	size_t	 i;

	for (i = 0; src[i] && i + 1 < len; i++)
		dst[i] = (src[i] >= 'A' && src[i] <= 'Z') ?
		    (char)(src[i] - 'A' + 'a') : src[i];
	dst[i] = '\0';
}

/* gather - the first round trip */
static void
gather(struct pctx *x)
{
	struct pr_cmd	 cmds[PD_MAX_CANDIDATES + 2];
	char		 since[32];
	size_t		 n = 0, i, j;
	const struct relay_conf *cf = x->pd->cf;

	memset(cmds, 0, sizeof(cmds));
	if (rkey(x->keys[0], RKEY_MAX, RKEY_MEMBER, x->handle, NULL) < 0) {
		fail(x, "bad_handle");
		return;
	}
	cmds[n].argv[cmds[n].argc++] = "HMGET";
	cmds[n].argv[cmds[n].argc++] = x->keys[0];
	for (j = 0; j < pd_member_nfields; j++)
		cmds[n].argv[cmds[n].argc++] = pd_member_fields[j];
	n++;
	if (x->stage == ST_MAIL) {
		if (rkey(x->keys[1], RKEY_MAX, RKEY_INFLIGHT, x->handle,
		    NULL) < 0) {
			fail(x, "bad_handle");
			return;
		}
		snprintf(since, sizeof(since), "(%lld",
		    (long long)clock_now() - cf->milter.record_ttl_s);
		cmds[n].argv[cmds[n].argc++] = "ZCOUNT";
		cmds[n].argv[cmds[n].argc++] = x->keys[1];
		cmds[n].argv[cmds[n].argc++] = since;
		cmds[n].argv[cmds[n].argc++] = "+inf";
		n++;
	}
	if (x->stage == ST_RCPT) {
		for (i = 0; i < x->ncand; i++) {
			if (rkey(x->keys[1 + i], RKEY_MAX, RKEY_DOMAIN,
			    x->cand[i], NULL) < 0) {
				fail(x, "bad_key");
				return;
			}
			cmds[n].argv[cmds[n].argc++] = "HMGET";
			cmds[n].argv[cmds[n].argc++] = x->keys[1 + i];
			for (j = 0; j < pd_domain_nfields; j++)
				cmds[n].argv[cmds[n].argc++] =
				    pd_domain_fields[j];
			n++;
		}
	}
	if (pr_batch(x->pd->redis, cmds, n, on_facts, x) < 0)
		fail(x, "redis_unavailable");
}

void
policy_handle(struct policyd *pd, void *conn, struct polreq *req)
{
	struct pctx	*x = xcalloc(1, sizeof(*x));
	const char	*user = req->attr[POLREQ_SASL_USERNAME];
	const char	*sender = req->attr[POLREQ_SENDER];
	struct pd_verdict v;
	char		 addr[ADDR_BUFSIZE];

	x->pd = pd;
	x->conn = conn;
	x->picked = -1;
	x->member.queued = -1;
	x->t0 = clock_mono_ms();
	x->stage = stage_of(req->attr[POLREQ_STATE],
	    req->attr[POLREQ_POLICY_CONTEXT]);
	snprintf(x->context, sizeof(x->context), "%s",
	    req->attr[POLREQ_POLICY_CONTEXT] ? req->attr[POLREQ_POLICY_CONTEXT] : "");
	snprintf(x->state, sizeof(x->state), "%s",
	    req->attr[POLREQ_STATE] ? req->attr[POLREQ_STATE] : "");
	snprintf(x->qid, sizeof(x->qid), "%s",
	    req->attr[POLREQ_QUEUE_ID] ? req->attr[POLREQ_QUEUE_ID] : "");
	snprintf(x->instance, sizeof(x->instance), "%s",
	    req->attr[POLREQ_INSTANCE] ? req->attr[POLREQ_INSTANCE] : "");
	if (user == NULL || *user == '\0') {
		pd_verdict_dunno(&v, "unauthenticated");
		finish(x, &v);
		return;
	}
	lower_copy(x->handle, sizeof(x->handle), user);
	if (x->stage == ST_RCPT && sender != NULL && *sender != '\0' &&
	    addr_norm(sender, addr, sizeof(addr)) == ADDR_OK) {
		snprintf(x->domain, sizeof(x->domain), "%s",
		    addr_domain_of(addr));
		x->ncand = pd_domain_candidates(x->domain, x->cand,
		    PD_MAX_CANDIDATES);
	}
	gather(x);
}
