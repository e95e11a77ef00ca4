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
 *	RCPT	one round trip when the sender's domain is in the domain
 *		cache (policyd_dcache.h): the member hash and
 *		policyd_warm.lua under the caps the cached facts give, in one
 *		pipeline. The script charges only if the domain's owner and
 *		verified_at are still those; the member hash is checked after
 *		(suspension, and caps of its own that differ from the cached
 *		ones), and a charge made for a recipient that is then refused
 *		or re-charged is taken back (ZREM of its unique id). Each
 *		charge's id also goes into the session's charges hash
 *		(rkey_charges), in the same pipeline: relay-milter gives
 *		them back when the transaction queues nothing.
 *		Otherwise two: the member hash and the domain hash of the
 *		sender's domain and of each parent (subdomains), then the
 *		tier (pd_tier) and policyd_warm.lua. A script answer
 *		"changed" reads the facts again, once.
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
#include "policyd_dcache.h"
#include "policyd_decide.h"
#include "policyd_proto.h"
#include "policyd_redis.h"
#include "rkeys.h"
#include "rscript.h"
#include "stats.h"
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
	char		 rcpt[ADDR_BUFSIZE];	/* normalised, or "" */
	int		 suppressed;		/* rcpt on the member's list */
	char		 supkey[RKEY_MAX];
	char		 cand[ADDR_CHAIN_MAX][ADDR_BUFSIZE];
	size_t		 ncand;
	int		 too_deep;		/* more parents than looked at */
	int		 picked;		/* index into cand, or -1 */
	struct pd_member member;
	struct pd_caps	 caps;
	struct pd_warm	 warm;
	int		 charged;
	int		 retried;		/* facts read again once */
	int		 trips;			/* round trips to Redis */
	struct pd_dcache_ent cached;		/* the fast path's facts */
	int64_t		 t0;
	char		 err[160];		/* Redis's error reply, logged */
	char		 keys[ADDR_CHAIN_MAX + 2][RKEY_MAX];
	char		 warmkey[RKEY_MAX], domkey[RKEY_MAX];
	char		 chgkey[RKEY_MAX];	/* the session's, or "" */
	int		 sup;			/* HEXISTS in the batch */
	struct {
		char off[32], ph[32], pdy[32], id[96], vat[32], cttl[16];
	} a;					/* policyd_warm.lua's ARGV */
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
	if (x->trips > 0)
		logkv_int(&kv, "trips", x->trips);
	if (x->err[0])
		logkv_str(&kv, "error", x->err);
	logkv_int(&kv, "ms", clock_mono_ms() - x->t0);
	logkv_emit(&kv, v->dunno ? LOG_INFO : LOG_NOTICE);
	stats_verdict(!v->dunno, v->cond);
	policy_reply(x->conn, act);
	pd_idle(x->pd);
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

/*
 * keep_err - the first error reply among r[0..n), for the verdict's log
 * line (BUSY, LOADING, NOPERM...: "redis_bad_reply" alone said nothing)
 */
static void
keep_err(struct pctx *x, struct rval **r, size_t n)
{
	size_t	 i;

	for (i = 0; r != NULL && i < n && !x->err[0]; i++)
		if (r[i] != NULL && r[i]->type == RVAL_ERR)
			snprintf(x->err, sizeof(x->err), "%s", r[i]->str);
}

/* refund_done - a refund is fire and forget; only a failure is logged */
static void
refund_done(void *arg, int status, struct rval **r, size_t n)
{
	(void)arg;
	if (status < 0 || r == NULL || !reply_ok(r[0]))
		log_warn("script=policyd_warm refund=failed");
	pr_replies_free(r, n);
}

/*
 * refund - take back the charge made for x (it is refused after all, or
 * charged again under other caps). If Redis fails here the slot stays
 * used: fewer recipients than the cap get through, never more.
 */
static void
refund(struct pctx *x)
{
	struct pr_cmd	 cmd;

	memset(&cmd, 0, sizeof(cmd));
	cmd.argv[cmd.argc++] = "ZREM";
	cmd.argv[cmd.argc++] = x->warmkey;
	cmd.argv[cmd.argc++] = x->a.id;
	if (pr_batch(x->pd->redis, &cmd, 1, refund_done, NULL) < 0)
		log_warn("script=policyd_warm refund=failed");
}

/*
 * warm_cmd - policyd_warm.lua for the picked domain under x->caps, with
 * the facts they came from (owner = the member, verified_at); parent
 * when the picked domain is a parent of the sender's.
 */
static int
warm_cmd(struct pctx *x, long long verified_at, struct pr_cmd *cmd)
{
	struct policyd	*pd = x->pd;
	const char	*d = x->cand[x->picked];

	if (rkey(x->warmkey, RKEY_MAX, RKEY_WARM, d, NULL) < 0 ||
	    rkey(x->domkey, RKEY_MAX, RKEY_DOMAIN, d, NULL) < 0)
		return -1;
	snprintf(x->a.off, sizeof(x->a.off), "%lld",
	    (long long)clock_offset() * 1000);
	snprintf(x->a.ph, sizeof(x->a.ph), "%lld", x->caps.per_hour);
	snprintf(x->a.pdy, sizeof(x->a.pdy), "%lld", x->caps.per_day);
	snprintf(x->a.id, sizeof(x->a.id), "%lld-%016llx-%llu",
	    (long long)clock_now_ms(), (unsigned long long)pd->seed,
	    (unsigned long long)++pd->seq);
	snprintf(x->a.vat, sizeof(x->a.vat), "%lld", verified_at);
	memset(cmd, 0, sizeof(*cmd));
	cmd->script = rscript_get("policyd_warm");
	cmd->argc = 10;
	cmd->argv[0] = "2";
	cmd->argv[1] = x->warmkey;
	cmd->argv[2] = x->domkey;
	cmd->argv[3] = x->a.off;
	cmd->argv[4] = x->a.ph;
	cmd->argv[5] = x->a.pdy;
	cmd->argv[6] = x->a.id;
	cmd->argv[7] = x->handle;
	cmd->argv[8] = x->a.vat;
	cmd->argv[9] = x->picked > 0 ? "1" : "0";
	return cmd->script != NULL ? 0 : -1;
}

/*
 * chg_cmds - the charge's id into the session's charges hash, and its TTL
 * renewed: 2 commands in cmds, or 0 when Postfix named no session
 */
static size_t
chg_cmds(struct pctx *x, struct pr_cmd *cmds)
{
	if (x->chgkey[0] == '\0')
		return 0;
	snprintf(x->a.cttl, sizeof(x->a.cttl), "%d", RKEY_CHARGES_TTL_S);
	memset(cmds, 0, 2 * sizeof(*cmds));
	cmds[0].argv[cmds[0].argc++] = "HSET";
	cmds[0].argv[cmds[0].argc++] = x->chgkey;
	cmds[0].argv[cmds[0].argc++] = x->a.id;
	cmds[0].argv[cmds[0].argc++] = x->warmkey;
	cmds[1].argv[cmds[1].argc++] = "EXPIRE";
	cmds[1].argv[cmds[1].argc++] = x->chgkey;
	cmds[1].argv[cmds[1].argc++] = x->a.cttl;
	return 2;
}

static void	gather(struct pctx *);

/* again - the domain's facts changed under us: read them again, once */
static void
again(struct pctx *x)
{
	pd_dcache_del(x->pd->dcache, x->cand[0]);
	if (x->retried++) {
		fail(x, "domain_changed");
		return;
	}
	x->picked = -1;
	gather(x);
}

static void
on_warm(void *arg, int status, struct rval **r, size_t n)
{
	struct pctx	*x = arg;
	struct pd_verdict v;

	if (status < 0 || !reply_ok(r[0]) || pd_warm_from(r[0], &x->warm) < 0) {
		keep_err(x, r, n);
		pr_replies_free(r, n);
		fail(x, status < 0 ? "redis_unavailable" : "redis_bad_reply");
		return;
	}
	pr_replies_free(r, n);
	if (x->warm.over == PD_WARM_CHANGED) {
		again(x);
		return;
	}
	x->charged = 1;
	pd_decide_warm(&x->caps, &x->warm, &v);
	finish(x, &v);
}

/* charge - run policyd_warm.lua for the picked domain */
static void
charge(struct pctx *x, long long verified_at)
{
	struct pr_cmd	 cmds[3];
	struct pd_verdict v;
	struct policyd	*pd = x->pd;
	size_t		 n;

	pd_tier(&pd->cf->warming, &x->member, verified_at, clock_now(),
	    &x->caps);
	if (x->caps.per_hour == 0 && x->caps.per_day == 0) {
		pd_verdict_dunno(&v, "unlimited");
		finish(x, &v);
		return;
	}
	if (warm_cmd(x, verified_at, &cmds[0]) < 0) {
		fail(x, "bad_key");
		return;
	}
	n = 1 + chg_cmds(x, &cmds[1]);
	x->trips++;
	if (pr_batch(pd->redis, cmds, n, on_warm, x) < 0)
		fail(x, "redis_unavailable");
}

/* remember - the facts of the sender's own domain, for the next request */
static void
remember(struct pctx *x, long long verified_at)
{
	struct pd_dcache_ent e;

	memset(&e, 0, sizeof(e));
	snprintf(e.member, sizeof(e.member), "%s", x->handle);
	e.verified_at = verified_at;
	e.per_hour = x->member.per_hour;
	e.per_day = x->member.per_day;
	pd_dcache_put(x->pd->dcache, x->cand[0], &e, clock_now());
}

/*
 * sup_cmd - HEXISTS of the recipient in the member's suppression list, in
 * the same round trip as the member hash: relay-milter refuses such a
 * recipient (550 5.7.1) after this answer, so it must not use up a
 * warming charge. 0 when added, -1 when there is no recipient to ask for.
 */
static int
sup_cmd(struct pctx *x, struct pr_cmd *cmd)
{
	if (x->rcpt[0] == '\0' || rkey(x->supkey, RKEY_MAX, RKEY_SUPPRESS,
	    x->handle, NULL) < 0)
		return -1;
	memset(cmd, 0, sizeof(*cmd));
	cmd->argv[cmd->argc++] = "HEXISTS";
	cmd->argv[cmd->argc++] = x->supkey;
	cmd->argv[cmd->argc++] = x->rcpt;
	return 0;
}

/* sup_from - the HEXISTS reply: 1 on the list, 0 not, -1 not an answer */
static int
sup_from(const struct rval *r)
{
	if (r == NULL || r->type != RVAL_INT)
		return -1;
	return r->integer != 0;
}

/* on_fast - the member hash and the charge made under the cached facts */
static void
on_fast(void *arg, int status, struct rval **r, size_t n)
{
	struct pctx	*x = arg;
	struct pd_caps	 caps;
	struct pd_verdict v;
	int		 mbad, wbad;

	mbad = status < 0 || !reply_ok(r[0]) ||
	    pd_member_from(r[0], NULL, &x->member) < 0 ||
	    (x->sup && (x->suppressed = sup_from(r[2])) < 0);
	wbad = status < 0 || !reply_ok(r[1]) ||
	    pd_warm_from(r[1], &x->warm) < 0;
	if (status >= 0)
		keep_err(x, r, n);
	pr_replies_free(r, n);
	if (mbad || wbad) {
		if (!wbad && x->warm.over == 0)
			refund(x);
		fail(x, status < 0 ? "redis_unavailable" : "redis_bad_reply");
		return;
	}
	pd_decide_member(&x->member, 0, x->pd->cf, &v);
	if (!v.dunno) {
		if (x->warm.over == 0)
			refund(x);
		finish(x, &v);
		return;
	}
	if (x->suppressed) {
		/* relay-milter refuses it: the charge is taken back */
		if (x->warm.over == 0)
			refund(x);
		pd_verdict_dunno(&v, "suppressed");
		finish(x, &v);
		return;
	}
	if (x->warm.over == PD_WARM_CHANGED) {
		again(x);
		return;
	}
	remember(x, x->cached.verified_at);
	pd_tier(&x->pd->cf->warming, &x->member, x->cached.verified_at,
	    clock_now(), &caps);
	if (caps.per_hour != x->caps.per_hour ||
	    caps.per_day != x->caps.per_day) {
		/* The member's own caps changed: charge under the right ones. */
		if (x->warm.over == 0)
			refund(x);
		charge(x, x->cached.verified_at);
		return;
	}
	x->charged = 1;
	pd_decide_warm(&x->caps, &x->warm, &v);
	finish(x, &v);
}

/*
 * fast - the sender's domain is cached as this member's: one round trip,
 * the member hash and the charge together. 0 when sent (or answered), -1
 * when the cached facts give no caps to charge under (unlimited).
 */
static int
fast(struct pctx *x)
{
	struct pr_cmd	 cmds[5];
	struct pd_member m;
	size_t		 j, n = 2;

	memset(&m, 0, sizeof(m));
	m.per_hour = x->cached.per_hour;
	m.per_day = x->cached.per_day;
	pd_tier(&x->pd->cf->warming, &m, x->cached.verified_at, clock_now(),
	    &x->caps);
	if (x->caps.per_hour == 0 && x->caps.per_day == 0)
		return -1;
	memset(cmds, 0, sizeof(cmds));
	x->picked = 0;
	if (rkey(x->keys[0], RKEY_MAX, RKEY_MEMBER, x->handle, NULL) < 0 ||
	    warm_cmd(x, x->cached.verified_at, &cmds[1]) < 0) {
		fail(x, "bad_key");
		return 0;
	}
	cmds[0].argv[cmds[0].argc++] = "HMGET";
	cmds[0].argv[cmds[0].argc++] = x->keys[0];
	for (j = 0; j < pd_member_nfields; j++)
		cmds[0].argv[cmds[0].argc++] = pd_member_fields[j];
	if ((x->sup = sup_cmd(x, &cmds[2]) == 0))
		n++;
	n += chg_cmds(x, &cmds[n]);
	x->trips++;
	if (pr_batch(x->pd->redis, cmds, n, on_fast, x) < 0)
		fail(x, "redis_unavailable");
	return 0;
}

static void
on_facts(void *arg, int status, struct rval **r, size_t n)
{
	struct pctx	*x = arg;
	struct pd_domain dom[ADDR_CHAIN_MAX];
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
	if (!bad && x->stage == ST_RCPT && n > 1 + x->ncand)
		bad = (x->suppressed = sup_from(r[1 + x->ncand])) < 0;
	if (status >= 0)
		keep_err(x, r, n);
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
	if (x->too_deep) {
		/* relay-milter refuses it: more labels than it looks at */
		pd_verdict_dunno(&v, "domain_too_deep");
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
	if (x->picked == 0)
		remember(x, dom[0].verified_at);
	if (x->suppressed) {
		/* relay-milter refuses it (550 5.7.1): nothing to charge */
		pd_verdict_dunno(&v, "suppressed");
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
	struct pr_cmd	 cmds[ADDR_CHAIN_MAX + 2];
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
		if (x->ncand > 0 && sup_cmd(x, &cmds[n]) == 0)
			n++;
	}
	x->trips++;
	if (pr_batch(x->pd->redis, cmds, n, on_facts, x) < 0)
		fail(x, "redis_unavailable");
}

/*
 * sender_domain - the domain a sender (Postfix's internal form) is charged
 * to, normalised into out: 0, or -1 for none (the null sender, no domain).
 * A sender that does not parse whole is charged to the domain after its
 * last "@" (relay-milter judges the rest).
 */
static int
sender_domain(const char *sender, char *out, size_t len)
{
	char		 addr[ADDR_BUFSIZE];
	const char	*at;

	if (sender == NULL || *sender == '\0')
		return -1;
	if (addr_internal_norm(sender, addr, sizeof(addr)) == ADDR_OK) {
		snprintf(out, len, "%s", addr_domain_of(addr));
		return 0;
	}
	at = strrchr(sender, '@');
	return at != NULL && addr_domain_norm(at + 1, out, len) == ADDR_OK ?
	    0 : -1;
}

void
policy_handle(struct policyd *pd, void *conn, struct polreq *req)
{
	struct pctx	*x = xcalloc(1, sizeof(*x));
	const char	*user = req->attr[POLREQ_SASL_USERNAME];
	const char	*sender = req->attr[POLREQ_SENDER];
	const char	*rcpt = req->attr[POLREQ_RECIPIENT];
	struct pd_verdict v;

	x->pd = pd;
	pd_busy(pd);
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
	if (x->stage == ST_RCPT)
		(void)rkey_charges(x->chgkey, sizeof(x->chgkey), x->handle,
		    pd->cf->tracker.node, req->attr[POLREQ_CLIENT_ADDRESS],
		    req->attr[POLREQ_CLIENT_PORT],
		    req->attr[POLREQ_SERVER_ADDRESS],
		    req->attr[POLREQ_SERVER_PORT]);
	/*
	 * Postfix sends addresses in its internal form, the local part never
	 * quoted ("q b@example.com"); addr_internal_norm reads that.
	 */
	if (x->stage == ST_RCPT && rcpt != NULL &&
	    addr_internal_norm(rcpt, x->rcpt, sizeof(x->rcpt)) != ADDR_OK)
		x->rcpt[0] = '\0';
	if (x->stage == ST_RCPT &&
	    sender_domain(sender, x->domain, sizeof(x->domain)) == 0 &&
	    (x->ncand = addr_domain_chain(x->domain, x->cand,
	    ADDR_CHAIN_MAX)) > ADDR_CHAIN_MAX) {
		x->ncand = 0;
		x->too_deep = 1;
	}
	if (x->ncand > 0 && pd_dcache_get(pd->dcache, x->cand[0],
	    clock_now(), &x->cached) &&
	    strcmp(x->cached.member, x->handle) == 0 && fast(x) == 0)
		return;
	gather(x);
}
