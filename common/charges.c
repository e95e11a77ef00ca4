/*
 * NAME
 *	charges - give back warming charges of mail that was never queued
 * DESCRIPTION
 *	relay-policyd charges a domain's warming caps at RCPT TO, before
 *	anyone knows whether the message will be queued, and writes each
 *	charge's id and warm set into the session's charges hash
 *	(rkey_charges). When relay-milter refuses or tempfails the message
 *	at end of data, or the transaction is aborted, nothing was sent:
 *	charges_refund takes the charges back, so a member's retry after
 *	our 451 does not pay twice. The record of an accepted message keeps
 *	them (milter_record.lua); when Postfix refuses that message at end
 *	of data after all (a milter after ours), relay-tracker gives them
 *	back from the record with charges_zrem.
 *
 *	A value that is not a warm set's key is passed over: the hash is
 *	ours, but nothing else is touched through it.
 * SEE ALSO
 *	charges.h, policyd/policyd_policy.c, common/lua/milter_record.lua,
 *	common/lua/tracker_event.lua, common/SCHEMA.md
 */
#include <stdlib.h>
#include <string.h>

#include "charges.h"
#include "log.h"
#include "rconn.h"
#include "xalloc.h"

int
charges_warm_key(const char *s, size_t len)
{
	static const char head[] = "relay:{d:", tail[] = "}:warm";
	const size_t	 hn = sizeof(head) - 1, tn = sizeof(tail) - 1;
	size_t		 i;

	if (len <= hn + tn || memcmp(s, head, hn) != 0 ||
	    memcmp(s + len - tn, tail, tn) != 0)
		return 0;
	for (i = hn; i < len - tn; i++)
		if ((unsigned char)s[i] <= 0x20 || s[i] == '{' || s[i] == '}' ||
		    s[i] == 0x7f)
			return 0;
	return 1;
}

/* pair_ok - a charge id and a warm set's key: one we may take out */
static int
pair_ok(const redisReply *id, const redisReply *wk)
{
	return id->type == REDIS_REPLY_STRING &&
	    wk->type == REDIS_REPLY_STRING &&
	    memchr(id->str, '\0', id->len) == NULL &&
	    charges_warm_key(wk->str, wk->len);
}

/*
 * drain - read the n replies of what was appended; v[k] (when v is not
 * NULL) is 1 for a reply that is a score or a count above 0 (ZSCORE,
 * ZREM), else 0. bad (something was not appended) reads what came all
 * the same. 0, or -1 (rconn_errstr says) on a failure or an error reply.
 */
static int
drain(struct rconn *rc, size_t n, int *v, int bad)
{
	redisReply	*z;
	size_t		 k;

	for (k = 0; k < n; k++) {	/* read every reply: it drains */
		if ((z = rconn_reply(rc)) == NULL)
			return -1;
		if (v != NULL)
			v[k] = z->type == REDIS_REPLY_STRING ||
			    (z->type == REDIS_REPLY_INTEGER && z->integer > 0);
		if (z->type == REDIS_REPLY_ERROR && !bad++)
			rconn_seterr(rc, z->str);
		freeReplyObject(z);
	}
	return bad ? -1 : 0;
}

/*
 * each - append "CMD warmset id" for the pairs of el[0..nel) that are of
 * the right form and (sel not NULL) selected (sel[i / 2]); at[] (when
 * not NULL) gets the pair index of each. How many were appended; *bad
 * set when one could not be.
 */
static size_t
each(struct rconn *rc, const char *cmd, redisReply *const *el, size_t nel,
    const int *sel, size_t *at, int *bad)
{
	const char	*zv[3];
	size_t		 i, n = 0;

	for (i = 0; i + 1 < nel && !*bad; i += 2) {
		if (!pair_ok(el[i], el[i + 1]) || (sel != NULL && !sel[i / 2]))
			continue;
		zv[0] = cmd;
		zv[1] = el[i + 1]->str;
		zv[2] = el[i]->str;
		if (rconn_append(rc, 3, zv, NULL) != RCONN_OK)
			*bad = 1;
		else if (at != NULL)
			at[n++] = i / 2;
		else
			n++;
	}
	return n;
}

int
charges_zrem(struct rconn *rc, const redisReply *pairs, const char *delkey,
    const char **why)
{
	const char	*dv[2] = { "DEL", delkey };
	size_t		 k, nz;
	int		*v, n = 0, bad = 0, e;

	nz = each(rc, "ZREM", pairs->element, pairs->elements, NULL, NULL,
	    &bad);
	if (!bad && delkey != NULL && rconn_append(rc, 2, dv, NULL) !=
	    RCONN_OK)
		bad = 1;
	v = xcalloc(nz + 2, sizeof(*v));
	e = drain(rc, nz + (!bad && delkey != NULL), v, bad);
	for (k = 0; k < nz; k++)
		n += v[k];
	free(v);
	if (e < 0) {
		*why = rconn_errstr(rc);
		return -1;
	}
	return n;
}

size_t
charges_pick(int *on, size_t n, size_t keep)
{
	size_t	 i, k = 0, out = 0;

	for (i = 0; i < n; i++) {
		if (!on[i])
			continue;
		if (k++ < keep)
			on[i] = 0;
		else
			out++;
	}
	return out;
}

int
charges_excess(struct rconn *rc, redisReply *const *el, size_t nel,
    size_t keep, const char **why)
{
	size_t		 k, nz, np = nel / 2, *at;
	int		*on, *v, n = 0, bad = 0, e;

	if (np <= keep)
		return 0;
	on = xcalloc(np, sizeof(*on));
	at = xcalloc(np, sizeof(*at));
	v = xcalloc(np, sizeof(*v));
	/* which are still charged: one over a cap, or taken back by
	   relay-policyd (refused after its charge), is not */
	nz = each(rc, "ZSCORE", el, nel, NULL, at, &bad);
	e = drain(rc, nz, v, bad);
	for (k = 0; k < nz; k++)
		on[at[k]] = v[k];
	if (e == 0 && charges_pick(on, np, keep) > 0) {
		nz = each(rc, "ZREM", el, nel, on, NULL, &bad);
		e = drain(rc, nz, v, bad);
		for (k = 0; k < nz; k++)
			n += v[k];
	}
	free(on);
	free(at);
	free(v);
	if (e < 0) {
		*why = rconn_errstr(rc);
		return -1;
	}
	return n;
}

void
charges_emit(struct logkv *kv, int n, const char *why)
{
	if (n < 0) {
		logkv_str(kv, "refund", "failed");
		logkv_str(kv, "why", why);
	} else
		logkv_int(kv, "refunded", n);
	logkv_emit(kv, n < 0 ? LOG_WARNING : LOG_INFO);
}

int
charges_refund(struct rconn *rc, const char *key, const char **why)
{
	const char	*hv[2] = { "HGETALL", key };
	redisReply	*r;
	int		 n;

	if ((r = rconn_raw(rc, 2, hv, NULL)) == NULL) {
		*why = rconn_errstr(rc);
		return -1;
	}
	if (r->type != REDIS_REPLY_ARRAY || r->elements % 2 != 0) {
		rconn_seterr(rc, r->type == REDIS_REPLY_ERROR ? r->str :
		    "HGETALL charges: unexpected reply");
		*why = rconn_errstr(rc);
		freeReplyObject(r);
		return -1;
	}
	n = charges_zrem(rc, r, key, why);
	freeReplyObject(r);
	return n;
}
