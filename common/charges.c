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
#include <string.h>

#include "charges.h"
#include "log.h"
#include "rconn.h"

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

int
charges_zrem(struct rconn *rc, const redisReply *pairs, const char *delkey,
    const char **why)
{
	const char	*zv[3], *dv[2] = { "DEL", delkey };
	const redisReply *id, *wk;
	redisReply	*z;
	size_t		 i, k, nz = 0, want;
	int		 n = 0, bad = 0;

	for (i = 0; i + 1 < pairs->elements && !bad; i += 2) {
		id = pairs->element[i];
		wk = pairs->element[i + 1];
		if (id->type != REDIS_REPLY_STRING ||
		    wk->type != REDIS_REPLY_STRING ||
		    memchr(id->str, '\0', id->len) != NULL ||
		    !charges_warm_key(wk->str, wk->len))
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
	if (!bad && delkey != NULL) {
		if (rconn_append(rc, 2, dv, NULL) == RCONN_OK)
			want++;
		else
			bad = 1;
	}
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
	if (bad) {
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
