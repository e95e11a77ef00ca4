/*
 * NAME
 *	store_refund - give back the warming charges of a transaction that
 *	queued nothing
 * DESCRIPTION
 *	relay-policyd charges a domain's warming caps at RCPT TO, before
 *	anyone knows whether the message will be queued, and writes each
 *	charge's id and warm set into the session's charges hash
 *	(rkey_charges). When relay-milter refuses or tempfails the message
 *	at end of data, or the transaction is aborted, nothing was sent:
 *	the charges are taken back here, so a member's retry after our 451
 *	does not pay twice. One HGETALL, then one pipeline: a ZREM per
 *	charge and the DEL of the hash. A value that is not a warm set's
 *	key is passed over (the hash is ours, but nothing else is touched
 *	through it).
 * SEE ALSO
 *	store.h, policyd/policyd_policy.c, common/SCHEMA.md
 */
#include <string.h>

#include "rconn.h"
#include "store.h"

/* failed - the connection's error, with text when the reply had one */
static int
failed(struct rconn *rc, const redisReply *r, const char **why)
{
	if (r != NULL)
		rconn_seterr(rc, r->type == REDIS_REPLY_ERROR ? r->str :
		    "HGETALL charges: unexpected reply");
	*why = rconn_errstr(rc);
	return -1;
}

int
store_refund(struct rconn *rc, const char *key, const char **why)
{
	const char	*hv[2] = { "HGETALL", key }, *dv[2] = { "DEL", key };
	const char	*zv[3];
	redisReply	*r, *z, *id, *wk;
	size_t		 i, k, nz = 0, want;
	int		 n = 0, bad = 0;

	if ((r = rconn_raw(rc, 2, hv, NULL)) == NULL)
		return failed(rc, NULL, why);
	if (r->type != REDIS_REPLY_ARRAY || r->elements % 2 != 0) {
		failed(rc, r, why);
		freeReplyObject(r);
		return -1;
	}
	for (i = 0; i < r->elements && !bad; i += 2) {
		id = r->element[i];
		wk = r->element[i + 1];
		if (id->type != REDIS_REPLY_STRING ||
		    wk->type != REDIS_REPLY_STRING ||
		    memchr(id->str, '\0', id->len) != NULL ||
		    !store_warm_key(wk->str, wk->len))
			continue;
		zv[0] = "ZREM";
		zv[1] = wk->str;
		zv[2] = id->str;
		if (rconn_append(rc, 3, zv, NULL) != RCONN_OK)
			bad = 1;
		else
			nz++;
	}
	want = nz;
	if (!bad && rconn_append(rc, 2, dv, NULL) == RCONN_OK)
		want++;
	else
		bad = 1;
	for (k = 0; k < want; k++) {	/* read every reply: it drains */
		if ((z = rconn_reply(rc)) == NULL) {
			bad = 1;
			break;
		}
		if (z->type == REDIS_REPLY_ERROR) {
			if (!bad++)
				rconn_seterr(rc, z->str);
		} else if (k < nz && z->type == REDIS_REPLY_INTEGER)
			n += (int)z->integer;
		freeReplyObject(z);
	}
	freeReplyObject(r);
	if (bad) {
		*why = rconn_errstr(rc);
		return -1;
	}
	return n;
}
