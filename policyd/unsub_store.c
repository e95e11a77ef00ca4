/*
 * NAME
 *	unsub_store - relay-unsub's writes: a recipient onto a member's
 *	suppression list
 * DESCRIPTION
 *	See unsub_store.h.
 */
#include <stdio.h>
#include <string.h>

#include <hiredis.h>

#include "clock.h"
#include "ident.h"
#include "ratewin.h"
#include "rkeys.h"
#include "rscript.h"
#include "unsub_store.h"

/* Messages recorded under one Message-ID that are looked at. */
#define MSGID_ENTRIES_MAX	64

/*
 * gone - the member is "gone": UNSUB_STORE_NONE, unless Redis holds no
 * relay-suite data at all (relay:schema missing: lost, to be restored;
 * refusing would lose the request for good) or cannot say
 */
static int
gone(struct rconn *rc)
{
	switch (rscript_installed(rc)) {
	case -1:
		return UNSUB_STORE_EREDIS;
	case 0:
		return UNSUB_STORE_ENODATA;
	}
	return UNSUB_STORE_NONE;
}

int
unsub_suppress(struct rconn *rc, const char *handle, const char *rcpt,
    const char *reason, int *added)
{
	const struct rscript *s = rscript_get("ctl_hsetnx_if");
	char		 mkey[RKEY_MAX], skey[RKEY_MAX], val[128];
	const char	*keys[2] = { mkey, skey }, *args[2] = { rcpt, val };
	redisReply	*r;
	int		 res = UNSUB_STORE_EREDIS;

	if (s == NULL || rkey(mkey, sizeof(mkey), RKEY_MEMBER, handle,
	    NULL) < 0 || rkey(skey, sizeof(skey), RKEY_SUPPRESS, handle,
	    NULL) < 0)
		return UNSUB_STORE_EREDIS;
	rkey_suppress_value(val, sizeof(val), reason, (long long)clock_now());
	/* ctl_hsetnx_if.lua: fields added, or -1 without the member */
	r = rscript_call(rc, s, 2, keys, 2, args);
	*added = 0;
	if (r != NULL && r->type == REDIS_REPLY_INTEGER) {
		res = r->integer < 0 ? UNSUB_STORE_NONE : UNSUB_STORE_OK;
		*added = r->integer > 0;
	}
	if (r != NULL)
		freeReplyObject(r);
	return res == UNSUB_STORE_NONE ? gone(rc) : res;
}

/*
 * one - unsub_complaint.lua on the message "HANDLE QID" of entry e: 1
 * suppressed anew, 0 suppressed already (handle, rcpt set), its -1
 * (member gone), -2 (record gone) or -3 (no recipient named), or
 * ONE_EREDIS
 */
#define ONE_EREDIS	(-9)
static int
one(struct rconn *rc, const struct complaint_plan *p, const char *e,
    int sole, char *handle, size_t hlen, char *rcpt, size_t rlen)
{
	const struct rscript *s = rscript_get("unsub_complaint");
	char		 h[IDENT_HANDLE_MAX + 1], mkey[RKEY_MAX];
	char		 rkey_[RKEY_MAX], skey[RKEY_MAX], val[128];
	const char	*keys[3] = { mkey, rkey_, skey };
	const char	*args[2 + COMPLAINT_CANDS], *qid = strchr(e, ' ');
	redisReply	*r;
	int		 i, res = ONE_EREDIS;

	if (s == NULL)
		return ONE_EREDIS;
	if (qid == NULL || (size_t)(qid - e) >= sizeof(h))
		return -2;
	memcpy(h, e, (size_t)(qid - e));
	h[qid - e] = '\0';
	qid++;
	if (rkey(mkey, sizeof(mkey), RKEY_MEMBER, h, NULL) < 0 ||
	    rkey(rkey_, sizeof(rkey_), RKEY_MSG, h, qid) < 0 ||
	    rkey(skey, sizeof(skey), RKEY_SUPPRESS, h, NULL) < 0)
		return -2;
	rkey_suppress_value(val, sizeof(val), "complaint",
	    (long long)clock_now());
	args[0] = val;
	args[1] = sole ? "1" : "0";
	for (i = 0; i < p->ncand; i++)
		args[2 + i] = p->cands[i];
	/* {code, address}: 1 added, 0 there already, < 0 not this one */
	r = rscript_call(rc, s, 3, keys, 2 + p->ncand, args);
	if (r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
	    r->element[0]->type == REDIS_REPLY_INTEGER &&
	    r->element[1]->type == REDIS_REPLY_STRING &&
	    r->element[0]->integer >= -3 && r->element[0]->integer <= 1) {
		res = (int)r->element[0]->integer;
		if (res >= 0) {
			snprintf(handle, hlen, "%s", h);
			snprintf(rcpt, rlen, "%s", r->element[1]->str);
		}
	}
	if (r != NULL)
		freeReplyObject(r);
	return res;
}

int
unsub_by_msgid(struct rconn *rc, const struct complaint_plan *p,
    char *handle, size_t hlen, char *rcpt, size_t rlen, int *n,
    int *added, const char **why)
{
	char		 key[RKEY_MAX], h[IDENT_HANDLE_MAX + 1];
	char		 a[ADDR_BUFSIZE];
	redisReply	*r;
	size_t		 i;
	int		 res = UNSUB_STORE_NONE, e;

	*n = *added = 0;
	*why = "the Message-ID is not one of ours (or its record expired)";
	if (p->msgid == NULL || rkey(key, sizeof(key), RKEY_MSGID, p->msgid,
	    NULL) < 0)
		return UNSUB_STORE_NONE;
	/* the first MSGID_ENTRIES_MAX by member and queue id, not the whole
	   set of a Message-ID a sender reuses; one entry is the only one */
	r = rconn_cmd(rc, "SORT %s LIMIT 0 %d ALPHA", key, MSGID_ENTRIES_MAX);
	if (r == NULL || r->type != REDIS_REPLY_ARRAY) {
		if (r != NULL)
			freeReplyObject(r);
		return UNSUB_STORE_EREDIS;
	}
	for (i = 0; i < r->elements; i++) {
		if (r->element[i]->type != REDIS_REPLY_STRING)
			continue;
		e = one(rc, p, r->element[i]->str, r->elements == 1, h,
		    sizeof(h), a, sizeof(a));
		if (e == ONE_EREDIS) {
			res = UNSUB_STORE_EREDIS;
			break;
		}
		if (e == -1 && *n == 0)
			*why = "the member that sent it no longer exists";
		else if (e == -2 && *n == 0)
			*why = "the message's record expired";
		else if (e == -3 && *n == 0)
			*why = p->ncand == 0 ? "the recipient was redacted and "
			    "the message had several" : "the recipient named "
			    "is not one of the message's";
		if (e >= 0 && (*n)++ == 0) {
			snprintf(handle, hlen, "%s", h);
			snprintf(rcpt, rlen, "%s", a);
			res = UNSUB_STORE_OK;
		}
		/* new entries of the member named (the first), to count */
		if (e > 0 && strcmp(h, handle) == 0)
			(*added)++;
	}
	if (r->elements == 0 && res == UNSUB_STORE_NONE)
		res = gone(rc);
	freeReplyObject(r);
	return res;
}

int
unsub_complaint_count(struct rconn *rc, const struct conf_suspension *s,
    const char *handle, int n, struct unsub_rate *out)
{
	const struct rscript *sc = rscript_get("unsub_complaint_count");
	char		 k[3][RKEY_MAX], a[7][32];
	const char	*keys[3] = { k[0], k[1], k[2] };
	const char	*args[7] = { a[0], a[1], a[2], a[3], a[4], a[5], a[6] };
	redisReply	*r, **e;
	int		 i, res = -1;

	memset(out, 0, sizeof(*out));
	if (sc == NULL || rkey(k[0], sizeof(k[0]), RKEY_MEMBER, handle,
	    NULL) < 0 || rkey(k[1], sizeof(k[1]), RKEY_OUTCOMES, handle,
	    NULL) < 0 || rkey(k[2], sizeof(k[2]), RKEY_COMPLAINTS, handle,
	    NULL) < 0)
		return -1;
	snprintf(a[0], sizeof(a[0]), "%lld", (long long)clock_now());
	snprintf(a[1], sizeof(a[1]), "%d", s->window_s);
	snprintf(a[2], sizeof(a[2]), "%d", ratewin_bucket_s(s->window_s));
	snprintf(a[3], sizeof(a[3]), "%d", s->min_volume);
	snprintf(a[4], sizeof(a[4]), "%.10g", s->complaint_warn_rate);
	snprintf(a[5], sizeof(a[5]), "%.10g", s->complaint_suspend_rate);
	ratewin_label(s->window_s, a[6], sizeof(a[6]));
	for (i = 0; i < n; i++) {
		/* {suspended, warn, complaints, delivered, text} */
		r = rscript_call(rc, sc, 3, keys, 7, args);
		res = -1;
		if (r != NULL && r->type == REDIS_REPLY_ARRAY &&
		    r->elements == 5) {
			e = r->element;
			if (e[0]->type == REDIS_REPLY_INTEGER &&
			    e[1]->type == REDIS_REPLY_INTEGER &&
			    e[2]->type == REDIS_REPLY_INTEGER &&
			    e[3]->type == REDIS_REPLY_INTEGER &&
			    e[4]->type == REDIS_REPLY_STRING) {
				out->suspended |= e[0]->integer == 1;
				out->warn |= e[1]->integer == 1;
				out->complaints = e[2]->integer;
				out->delivered = e[3]->integer;
				if (e[4]->len > 0 || i == 0)
					snprintf(out->text, sizeof(out->text),
					    "%s", e[4]->str);
				res = 0;
			}
		}
		if (r != NULL)
			freeReplyObject(r);
		if (res < 0)
			break;
	}
	return res;
}

/* How long after its acceptance a recipient not yet final defers a
   bounce: relay-tracker may still be behind, not longer */
#define BOUNCE_EARLY_S	86400

/* reply_str - element i of r as a string into buf ("" otherwise) */
static void
reply_str(const redisReply *r, size_t i, char *buf, size_t len)
{
	buf[0] = '\0';
	if (i < r->elements && r->element[i]->type == REDIS_REPLY_STRING)
		snprintf(buf, len, "%s", r->element[i]->str);
}

int
unsub_bounce_apply(struct rconn *rc, const struct relay_conf *conf,
    const struct unsub_bounce_in *in, struct unsub_bounce_out *out)
{
	const struct conf_suspension *s = &conf->suspension;
	const struct rscript *sc = rscript_get("unsub_bounce");
	char		 k[5][RKEY_MAX], a[10][32];
	const char	*keys[5] = { k[0], k[1], k[2], k[3], k[4] }, *args[18];
	redisReply	*r;
	size_t		 i;
	int		 res = UNSUB_STORE_EREDIS, g;

	memset(out, 0, sizeof(*out));
	if (sc == NULL || rkey(k[0], sizeof(k[0]), RKEY_MSG, in->handle,
	    in->qid) < 0 || rkey(k[1], sizeof(k[1]), RKEY_SUPPRESS,
	    in->handle, NULL) < 0 || rkey(k[2], sizeof(k[2]), RKEY_OUTCOMES,
	    in->handle, NULL) < 0 || rkey(k[3], sizeof(k[3]), RKEY_MEMBER,
	    in->handle, NULL) < 0 || rkey(k[4], sizeof(k[4]), RKEY_SOFT,
	    in->handle, NULL) < 0)
		return UNSUB_STORE_EREDIS;
	snprintf(a[0], sizeof(a[0]), "%lld", (long long)clock_now());
	snprintf(a[1], sizeof(a[1]), "%d", s->window_s);
	snprintf(a[2], sizeof(a[2]), "%d", ratewin_bucket_s(s->window_s));
	snprintf(a[3], sizeof(a[3]), "%d", s->min_volume);
	snprintf(a[4], sizeof(a[4]), "%.6f", s->warn_rate);
	snprintf(a[5], sizeof(a[5]), "%.6f", s->suspend_rate);
	ratewin_label(s->window_s, a[6], sizeof(a[6]));
	snprintf(a[7], sizeof(a[7]), "%d", BOUNCE_EARLY_S);
	snprintf(a[8], sizeof(a[8]), "%d", conf->tracker.soft_bounce_limit);
	snprintf(a[9], sizeof(a[9]), "%d", conf->tracker.status_ttl_s);
	for (i = 0; i < 7; i++)
		args[i] = a[i];
	args[7] = in->postfix_qid;
	args[8] = in->cand[0];
	args[9] = in->cand[1];
	args[10] = in->status;
	args[11] = in->class;
	args[12] = in->diag;
	args[13] = in->suppress ? "1" : "0";
	args[14] = a[7];
	args[15] = in->soft_step ? "1" : "0";
	args[16] = a[8];
	args[17] = a[9];
	/* {code, rcpt, sender, suppressed, suspended, warn, text, sent,
	   bounced, soft} */
	r = rscript_call(rc, sc, 5, keys, 18, args);
	if (r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements == 10 &&
	    r->element[0]->type == REDIS_REPLY_INTEGER &&
	    r->element[4]->type == REDIS_REPLY_INTEGER &&
	    r->element[5]->type == REDIS_REPLY_INTEGER &&
	    r->element[7]->type == REDIS_REPLY_INTEGER &&
	    r->element[8]->type == REDIS_REPLY_INTEGER &&
	    r->element[9]->type == REDIS_REPLY_INTEGER) {
		out->code = (int)r->element[0]->integer;
		reply_str(r, 1, out->rcpt, sizeof(out->rcpt));
		reply_str(r, 2, out->sender, sizeof(out->sender));
		reply_str(r, 3, out->suppressed, sizeof(out->suppressed));
		out->suspended = r->element[4]->integer == 1;
		out->warn = r->element[5]->integer == 1;
		reply_str(r, 6, out->text, sizeof(out->text));
		out->sent = r->element[7]->integer;
		out->bounced = r->element[8]->integer;
		out->soft = r->element[9]->integer;
		res = UNSUB_STORE_OK;
	}
	if (r != NULL)
		freeReplyObject(r);
	/* no record: expired, or all of Redis's data lost with it */
	if (res == UNSUB_STORE_OK && out->code == UNSUB_BOUNCE_NORECORD &&
	    (g = gone(rc)) != UNSUB_STORE_NONE)
		res = g;
	return res;
}
