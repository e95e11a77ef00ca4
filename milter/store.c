/*
 * NAME
 *	store - relay-milter's Redis reads and writes
 * DESCRIPTION
 *	Reads are pipelined where a decision needs several keys (one round
 *	trip for a domain and its parents). The domain records and the
 *	suppression answers are kept in the fact cache (fcache.h) and read
 *	from Redis only when it does not hold them. A reply of the wrong
 *	type is a temporary failure like a dead connection: never read as
 *	"no".
 * SEE ALSO
 *	store.h, common/SCHEMA.md, common/lua/milter_record.lua,
 *	common/lua/milter_msgid.lua
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charges.h"
#include "fcache.h"
#include "log.h"
#include "rconn.h"
#include "rkeys.h"
#include "rreply.h"
#include "rscript.h"
#include "store.h"
#include "xalloc.h"

/*
 * field - copy a string or nil element into buf: 1 a string, 0 nil, -1 a
 * string that does not fit or holds a NUL (a member or selector must
 * never be compared or looked up as its prefix)
 */
static int
field(const redisReply *e, char *buf, size_t len)
{
	buf[0] = '\0';
	if (e->type != REDIS_REPLY_STRING)
		return 0;
	if (e->len >= len || memchr(e->str, '\0', e->len) != NULL)
		return -1;
	memcpy(buf, e->str, e->len);
	buf[e->len] = '\0';
	return 1;
}

int
store_domains(struct rconn *rc, char cands[][ADDR_BUFSIZE], size_t n,
    struct dom_fact *out, const char **why)
{
	static const char *fields[] = { "member", "verified_at", "subdomains",
	    "listunsub", "selector", "created" };
	char		 key[ADDR_CHAIN_MAX][RKEY_MAX], num[32];
	const char	*argv[8];
	struct fcache_ticket t;
	redisReply	*r;
	size_t		 i, j, hits = 0;
	int		 bad = 0, fbad;

	if (n > ADDR_CHAIN_MAX) {
		*why = "too many candidate domains";
		return STORE_ETEMP;
	}
	for (i = 0; i < n; i++) {
		if (rkey(key[i], sizeof(key[i]), RKEY_DOMAIN, cands[i],
		    NULL) < 0) {
			*why = "domain not usable as a key";
			return STORE_ETEMP;
		}
		if (fcache_get(rc, key[i], "", &out[i], sizeof(out[i])))
			hits++;
	}
	if (hits == n)
		return 0;
	fcache_prepare(rc, &t);
	argv[0] = "HMGET";
	for (j = 0; j < 6; j++)
		argv[2 + j] = fields[j];
	for (i = 0; i < n; i++) {
		argv[1] = key[i];
		if (fcache_append(rc, &t) < 0 ||
		    rconn_append(rc, 8, argv, NULL) != RCONN_OK) {
			*why = rconn_errstr(rc);
			return STORE_ETEMP;
		}
	}
	for (i = 0; i < n; i++) {
		struct dom_fact *f = &out[i];

		memset(f, 0, sizeof(*f));
		snprintf(f->domain, sizeof(f->domain), "%s", cands[i]);
		if (fcache_reply(rc, &t) < 0 || (r = rconn_reply(rc)) == NULL) {
			*why = rconn_errstr(rc);
			return STORE_ETEMP;
		}
		if (r->type != REDIS_REPLY_ARRAY || r->elements != 6) {
			rconn_seterr(rc, r->type == REDIS_REPLY_ERROR ? r->str :
			    "HMGET: unexpected reply");
			bad = 1;	/* keep reading: the pipeline must drain */
			freeReplyObject(r);
			continue;
		}
		f->exists = field(r->element[0], f->member, sizeof(f->member));
		fbad = f->exists < 0;
		fbad |= field(r->element[1], num, sizeof(num)) < 0;
		f->verified_at = strtoll(num, NULL, 10);
		fbad |= field(r->element[2], num, sizeof(num)) < 0;
		f->subdomains = strcmp(num, "1") == 0;
		fbad |= field(r->element[3], num, sizeof(num)) < 0;
		f->listunsub = strcmp(num, "1") == 0;
		fbad |= field(r->element[4], f->selector, sizeof(f->selector)) < 0;
		fbad |= field(r->element[5], num, sizeof(num)) < 0;
		f->created = strtoll(num, NULL, 10);
		freeReplyObject(r);
		if (fbad) {
			rconn_seterr(rc, "HMGET: a domain field too long or "
			    "holding a NUL");
			bad = 1;
			continue;
		}
		fcache_put(&t, rc, key[i], "", f, sizeof(*f));
	}
	if (bad) {
		*why = rconn_errstr(rc);
		return STORE_ETEMP;
	}
	return 0;
}

int
store_suppressed(struct rconn *rc, const char *handle, const char *addr,
    const char **why)
{
	char		 key[RKEY_MAX];
	const char	*argv[3] = { "HGET", key, addr };
	struct fcache_ticket t;
	redisReply	*r;
	unsigned char	 v;
	int		 res;

	if (rkey(key, sizeof(key), RKEY_SUPPRESS, handle, NULL) < 0) {
		*why = "handle not usable as a key";
		return STORE_ETEMP;
	}
	if (fcache_get(rc, key, addr, &v, 1))
		return v;
	fcache_prepare(rc, &t);
	if (fcache_append(rc, &t) < 0 ||
	    rconn_append(rc, 3, argv, NULL) != RCONN_OK ||
	    fcache_reply(rc, &t) < 0 || (r = rconn_reply(rc)) == NULL) {
		*why = rconn_errstr(rc);
		return STORE_ETEMP;
	}
	if (r->type != REDIS_REPLY_STRING && r->type != REDIS_REPLY_NIL) {
		rconn_seterr(rc, r->type == REDIS_REPLY_ERROR ? r->str :
		    "HGET: unexpected reply");
		freeReplyObject(r);
		*why = rconn_errstr(rc);
		return STORE_ETEMP;
	}
	res = r->type == REDIS_REPLY_NIL ? DECIDE_SUPP_NONE :
	    decide_suppress_kind(r->str, r->len);
	freeReplyObject(r);
	v = (unsigned char)res;
	fcache_put(&t, rc, key, addr, &v, 1);
	return res;
}

int
store_dkim(struct rconn *rc, const char *domain, const char *sel,
    int want_ed, char **rsa, char **ed, const char **why)
{
	char		 key[RKEY_MAX], frsa[DECIDE_SELECTOR_MAX + 8];
	char		 fed[DECIDE_SELECTOR_MAX + 12];
	const char	*argv[4] = { "HMGET", key, frsa, fed };
	redisReply	*r;

	*rsa = *ed = NULL;
	if (sel[0] == '\0') {
		*why = "domain has no DKIM selector";
		return STORE_ETEMP;
	}
	if (rkey(key, sizeof(key), RKEY_DKIM, domain, NULL) < 0) {
		*why = "domain not usable as a key";
		return STORE_ETEMP;
	}
	snprintf(frsa, sizeof(frsa), "%s:rsa", sel);
	snprintf(fed, sizeof(fed), "%s:ed25519", sel);
	if ((r = rconn_cmdargv(rc, 4, argv, NULL)) == NULL) {
		*why = rconn_errstr(rc);
		return STORE_ETEMP;
	}
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
		freeReplyObject(r);
		*why = "HMGET dkim: unexpected reply";
		return STORE_ETEMP;
	}
	if (r->element[0]->type != REDIS_REPLY_STRING ||
	    r->element[0]->len == 0) {
		freeReplyObject(r);
		*why = "DKIM rsa key missing";
		return STORE_ETEMP;
	}
	*rsa = xstrndup(r->element[0]->str, r->element[0]->len);
	if (want_ed && r->element[1]->type == REDIS_REPLY_STRING &&
	    r->element[1]->len > 0)
		*ed = xstrndup(r->element[1]->str, r->element[1]->len);
	freeReplyObject(r);
	return 0;
}

/* done - a reply from rscript_call/rconn_cmdargv: 0, or STORE_ETEMP */
static int
done(struct rconn *rc, redisReply *r, const char **why)
{
	if (r == NULL) {
		*why = rconn_errstr(rc);
		return STORE_ETEMP;
	}
	freeReplyObject(r);
	return 0;
}

#define STORE_NOSCRIPT	1	/* pipeline: a script must be loaded again */
#define STORE_READONLY	2	/* pipeline: every write met READONLY */

/*
 * unindex - the record was refused (the queue cap), but the Message-ID
 * index and the queue id key of the same pipeline were written: take
 * them back, so nothing names a message that was never queued. What
 * cannot be taken back now leaves with its TTL.
 */
static void
unindex(struct rconn *rc, const char *kqid, const char *kmid, const char *hq)
{
	const char	*v[2][3] = { { "DEL", kqid, NULL }, { "SREM", kmid, hq } };
	redisReply	*r;
	int		 i, n = kmid != NULL ? 2 : 1;

	for (i = 0; i < n; i++)
		if ((r = rconn_cmdargv(rc, v[i][2] != NULL ? 3 : 2, v[i],
		    NULL)) != NULL)
			freeReplyObject(r);
}

/* keep - r in *kept, in place of what it held */
static void
keep(redisReply **kept, redisReply *r)
{
	if (*kept != NULL)
		freeReplyObject(*kept);
	*kept = r;
}

/*
 * pipeline - milter_record.lua, milter_msgid.lua (mkeys not NULL) and the
 * queue id SET in one pipeline, then WAIT (waitv not NULL: its reply
 * into *acks; an error reply to it, one of a replica, is left to the
 * writes' replies); 0, STORE_ETEMP, STORE_NOSCRIPT, or STORE_READONLY
 * when every write was refused with READONLY (the server became a
 * replica: nothing was written, and rconn connects again). The script's
 * reply, when it recorded, is kept in *kept (its charges, for undo).
 */
static int
pipeline(struct rconn *rc, int nkeys, const char **keys, int nargs,
    const char **args,
    const char **mkeys, const char **margs, const char **setv,
    const char **waitv, long long *acks, int *recorded, redisReply **kept,
    struct store_over *over, const char **why)
{
	redisReply	*r;
	int		 i, n = 0, want = mkeys != NULL ? 3 : 2;
	int		 err = 0, noscript = 0, readonly = 0, rr;

	if (rscript_append(rc, rscript_get("milter_record"), nkeys, keys,
	    nargs, args) == 0)
		n++;
	if (n == 1 && mkeys != NULL && rscript_append(rc,
	    rscript_get("milter_msgid"), 1, mkeys, 2, margs) == 0)
		n++;
	if (n == want - 1 && rconn_append(rc, 5, setv, NULL) == RCONN_OK)
		n++;
	if (n == want && waitv != NULL &&
	    rconn_append(rc, 3, waitv, NULL) == RCONN_OK)
		n++;
	for (i = 0; i < n; i++) {	/* read every reply: the pipeline drains */
		if ((r = rconn_reply(rc)) == NULL) {
			*why = rconn_errstr(rc);
			return STORE_ETEMP;
		}
		if (i == want) {	/* WAIT's */
			if (r->type == REDIS_REPLY_INTEGER)
				*acks = r->integer;
			else if (r->type == REDIS_REPLY_ERROR && !err++)
				rconn_seterr(rc, r->str);
		} else if (r->type == REDIS_REPLY_ERROR &&
		    strncmp(r->str, "NOSCRIPT", 8) == 0)
			noscript = 1;
		else if (r->type == REDIS_REPLY_ERROR) {
			readonly += rreply_replica(r->str);
			if (!err++)
				rconn_seterr(rc, r->str);
		}
		else if (i == 0 && (rr = store_record_reply(r, over)) < 0) {
			if (!err++)
				rconn_seterr(rc, "milter_record.lua: a reply of "
				    "no known shape");
		} else if (i == 0 && (*recorded = rr) == 1) {
			keep(kept, r);
			continue;
		}
		freeReplyObject(r);
	}
	if (n >= want && readonly == want)
		return STORE_READONLY;
	if (n < want + (waitv != NULL) || err) {
		*why = rconn_errstr(rc);
		return STORE_ETEMP;
	}
	return noscript ? STORE_NOSCRIPT : 0;
}

/*
 * recharge - append the HSET that writes the charges hash kch again from
 * milter_record.lua's reply rec (its elements after the first), and its
 * EXPIRE; how many of the two were appended
 */
static int
recharge(struct rconn *rc, const char *kch, const redisReply *rec)
{
	char		 ttl[16];
	const char	*ev[3] = { "EXPIRE", kch, ttl };
	const char	**argv;
	size_t		*lens, i, argc = rec->elements + 1;
	int		 n = 0;

	argv = xcalloc(argc, sizeof(*argv));
	lens = xcalloc(argc, sizeof(*lens));
	argv[0] = "HSET";
	lens[0] = 4;
	argv[1] = kch;
	lens[1] = strlen(kch);
	for (i = 1; i < rec->elements; i++) {
		argv[i + 1] = rec->element[i]->str;
		lens[i + 1] = rec->element[i]->len;
	}
	if (rconn_append(rc, (int)argc, argv, lens) == RCONN_OK)
		n++;
	free(argv);
	free(lens);
	snprintf(ttl, sizeof(ttl), "%d", RKEY_CHARGES_TTL_S);
	if (n == 1 && rconn_append(rc, 3, ev, NULL) == RCONN_OK)
		n++;
	return n;
}

/*
 * undo - the record was written but a later write failed (Redis full:
 * maxmemory refuses the next writes; a short WAIT), so the message is
 * tempfailed: take the record back, or its inflight entry would count
 * against the queue cap with no removal ever to come, and its Message-ID
 * index entry (kmid not NULL) with it, as unindex does. DEL, ZREM and
 * SREM pass under maxmemory. The session's charges hash the script
 * deleted is written again from its reply (rec), so that the refund at
 * end of data gives the charges back. What cannot be undone now leaves
 * with its TTL.
 */
static void
undo(struct rconn *rc, const char *kmsg, const char *kinf, const char *krec,
    const char *kqid, const char *kmid, const char *hq, const char *qid,
    const char *kch, const redisReply *rec)
{
	const char	*v[5][3] = {
		{ "ZREM", kinf, qid }, { "ZREM", krec, qid },
		{ "DEL", kmsg, NULL }, { "DEL", kqid, NULL },
		{ "SREM", kmid, hq }
	};
	struct logkv	 kv;
	redisReply	*r;
	int		 i, n = 0, want = kmid != NULL ? 5 : 4;

	for (i = 0; i < want; i++)
		if (rconn_append(rc, v[i][2] != NULL ? 3 : 2, v[i], NULL) ==
		    RCONN_OK)
			n++;
	if (rec != NULL && rec->elements > 1 && kch[0] != '\0') {
		want += 2;
		n += recharge(rc, kch, rec);
	}
	for (i = 0; i < n; i++)
		if ((r = rconn_reply(rc)) != NULL)
			freeReplyObject(r);
		else
			break;
	if (n < want || i < n) {
		logkv_init(&kv, qid);
		logkv_str(&kv, "record", "undo_failed");
		logkv_str(&kv, "why", rconn_errstr(rc));
		logkv_emit(&kv, LOG_WARNING);
	}
}

/*
 * excess - the accepted message's warming charges (rec, the script's
 * reply: its elements after the first) beyond one for each RCPT TO we
 * let through are of recipients refused after relay-policyd charged
 * them (a Postfix check after the policy service, a refusal of ours):
 * taken back. A failure leaves them charged; either is logged.
 */
static void
excess(struct rconn *rc, const struct store_record *m, const redisReply *rec)
{
	struct logkv	 kv;
	const char	*why = NULL;
	int		 n;

	if (rec->elements < 1 || (rec->elements - 1) / 2 <= m->nrcptcmd)
		return;
	n = charges_excess(rc, rec->element + 1, rec->elements - 1,
	    m->nrcptcmd, &why);
	if (n == 0)
		return;
	logkv_init(&kv, m->qid);
	logkv_str(&kv, "stage", "eom");
	logkv_str(&kv, "member", m->handle);
	logkv_int(&kv, "rcpt_cmds", (long long)m->nrcptcmd);
	charges_emit(&kv, n, why);
}

int
store_record(struct rconn *rc, const struct relay_conf *cf,
    const struct store_record *m, struct store_over *over, const char **why)
{
	char		 kmsg[RKEY_MAX], kinf[RKEY_MAX], krec[RKEY_MAX];
	char		 kmem[RKEY_MAX], kqid[RKEY_MAX], kmid[RKEY_MAX];
	char		 now[32], ttl[32], rttl[32], cap[32], hq[RKEY_MAX];
	const char	*keys[5] = { kmsg, kinf, krec, kmem, m->charges };
	const char	*mkeys[1] = { kmid };
	const char	*margs[2] = { hq, ttl };
	const char	*setv[5] = { "SET", kqid, m->handle, "EX", rttl };
	char		 nrep[16], wms[16];
	const char	*waitv[3] = { "WAIT", nrep, wms }, **wv = NULL;
	const char	**args;
	const struct conf_redis *cr = &cf->redis;
	redisReply	*kept = NULL;	/* the script's reply, if it recorded */
	unsigned long	 attempts, failures;
	long long	 acks = 0;
	size_t		 i;
	int		 e, msgid, recorded = 0;
	int		 alone = 0;	/* NOSCRIPT's own WAIT: 1 ok, -1 not */
	int		 nkeys = m->charges[0] != '\0' ? 5 : 4;

	if (rkey(kmsg, sizeof(kmsg), RKEY_MSG, m->handle, m->qid) < 0 ||
	    rkey(kinf, sizeof(kinf), RKEY_INFLIGHT, m->handle, NULL) < 0 ||
	    rkey(krec, sizeof(krec), RKEY_RECENT, m->handle, NULL) < 0 ||
	    rkey(kmem, sizeof(kmem), RKEY_MEMBER, m->handle, NULL) < 0 ||
	    rkey(kqid, sizeof(kqid), RKEY_QID, m->qid, NULL) < 0) {
		*why = "queue id or handle not usable as a key";
		return STORE_ETEMP;
	}
	snprintf(now, sizeof(now), "%lld", (long long)m->now);
	snprintf(ttl, sizeof(ttl), "%d", cf->tracker.status_ttl_s);
	snprintf(rttl, sizeof(rttl), "%d", cf->milter.record_ttl_s);
	snprintf(cap, sizeof(cap), "%d", cf->policyd.queue_cap);
	snprintf(hq, sizeof(hq), "%s %s", m->handle, m->qid);
	memset(over, 0, sizeof(*over));
	if (cr->wait_replicas > 0) {
		snprintf(nrep, sizeof(nrep), "%d", cr->wait_replicas);
		snprintf(wms, sizeof(wms), "%d", cr->wait_ms);
		wv = waitv;
	}

	args = xcalloc(8 + m->nrcpt, sizeof(*args));
	args[0] = m->qid;
	args[1] = now;
	args[2] = ttl;
	args[3] = m->domain;
	args[4] = m->sender;
	args[5] = m->message_id;
	args[6] = rttl;
	args[7] = cap;
	for (i = 0; i < m->nrcpt; i++)
		args[8 + i] = m->rcpts[i];
	/*
	 * One pipeline, handed to the kernel in one write: a milter killed
	 * at end of data leaves the record and its queue id index (last: the
	 * tracker keys on it) both or neither, so the tracker can close the
	 * record of a message Postfix then refused. After SCRIPT FLUSH (a
	 * NOSCRIPT reply) the same writes go one by one, with reloading.
	 */
	msgid = m->message_id[0] != '\0' &&
	    rkey(kmid, sizeof(kmid), RKEY_MSGID, m->message_id, NULL) > 0;
	e = pipeline(rc, nkeys, keys, (int)(8 + m->nrcpt), args,
	    msgid ? mkeys : NULL, margs, setv, wv, &acks, &recorded, &kept,
	    over, why);
	if (e == STORE_READONLY)	/* once more, to the address's server */
		e = pipeline(rc, nkeys, keys, (int)(8 + m->nrcpt), args,
		    msgid ? mkeys : NULL, margs, setv, wv, &acks, &recorded,
		    &kept, over, why);
	if (e == STORE_READONLY) {
		*why = rconn_errstr(rc);
		e = STORE_ETEMP;
	}
	if (e == STORE_NOSCRIPT) {
		/*
		 * The record is written again only if the pipeline did not
		 * (a second run could find the cap reached by another session
		 * meanwhile, and refuse a message already recorded); at the
		 * cap, nothing more: the common path below takes back what
		 * the pipeline wrote.
		 */
		e = 0;
		rconn_counts(rc, &attempts, &failures);
		if (!recorded && !over->hit) {
			redisReply *r = rscript_call(rc,
			    rscript_get("milter_record"), nkeys, keys,
			    (int)(8 + m->nrcpt), args);

			if (r == NULL) {
				*why = rconn_errstr(rc);
				e = STORE_ETEMP;
			} else {
				int rr = store_record_reply(r, over);

				if (rr == 1)
					keep(&kept, r);
				else
					freeReplyObject(r);
				if (rr < 0) {
					rconn_seterr(rc, "milter_record.lua: a "
					    "reply of no known shape");
					*why = rconn_errstr(rc);
					e = STORE_ETEMP;
				} else
					recorded = rr;
			}
		}
		if (e == 0 && !over->hit && msgid)
			e = done(rc, rscript_call(rc, rscript_get("milter_msgid"),
			    1, mkeys, 2, margs), why);
		if (e == 0 && !over->hit)
			e = done(rc, rconn_cmdargv(rc, 5, setv, NULL), why);
		/* (the pipeline's WAIT came before these writes) */
		if (e == 0 && recorded && wv != NULL)
			alone = rconn_wait(rc, cr->wait_replicas, cr->wait_ms,
			    attempts) == 1 ? 1 : -1;
	}
	/* a record only the primary holds is lost with it (a failover) */
	if (e == 0 && recorded && wv != NULL && (alone < 0 || (alone == 0 &&
	    rconn_wait_acks(rc, acks, cr->wait_replicas, cr->wait_ms) == 0))) {
		*why = rconn_errstr(rc);
		e = STORE_ETEMP;
	}
	if (e == 0 && (over->hit || over->suspended)) {
		unindex(rc, kqid, msgid ? kmid : NULL, hq);
		e = over->suspended ? STORE_SUSPENDED : STORE_OVERCAP;
	} else if (e != 0 && recorded)
		undo(rc, kmsg, kinf, krec, kqid, msgid ? kmid : NULL, hq,
		    m->qid, m->charges, kept);
	else if (e == 0 && kept != NULL)
		excess(rc, m, kept);
	if (kept != NULL)
		freeReplyObject(kept);
	free(args);
	return e;
}
