/*
 * NAME
 *	tracker_apply - turn parsed log events into Redis updates
 * DESCRIPTION
 *	Two pipelines per batch: the queue id lookups, then one
 *	tracker_event.lua call per event of a known message; a batch with
 *	hand-offs to a content filter (tracker_hop.h) has a third, the links
 *	of the hops (tracker_link.lua), and then the hops' earlier lines, if
 *	any were kept, go through the second step again. This file and
 *	tracker_pos.c are relay-tracker's only talk with Redis.
 * INVARIANTS
 *	Nothing is written for a message without a record, nor for a
 *	member whose hash is gone (the script checks). A failed
 *	pipeline, or an error reply of Redis (OOM, READONLY, ...: see
 *	tracker_retry.h), returns before the position is saved, so the
 *	events are applied again (idempotently) rather than lost. An error
 *	that no retry mends (WRONGTYPE, the script's own bug) fails that one
 *	event, logged with its reason, and the batch goes on.
 * SEE ALSO
 *	tracker_apply.h, tracker_time.h, common/lua/tracker_event.lua
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hiredis.h>

#include "addr.h"
#include "bounce.h"
#include "log.h"
#include "ratewin.h"
#include "rconn.h"
#include "rkeys.h"
#include "rscript.h"
#include "token.h"
#include "tracker_apply.h"
#include "tracker_hop.h"
#include "tracker_retry.h"
#include "tracker_time.h"
#include "xalloc.h"

#define EV_KEYS		8
#define EV_ARGS		30

/* tracker_why - note the reason of a failure for the caller's log line */
void
tracker_why(struct tracker_ctx *t, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(t->why, sizeof(t->why), fmt, ap);
	va_end(ap);
}

/* drain - read and drop k pending replies of the pipeline */
static void
drain(struct tracker_ctx *t, size_t k)
{
	redisReply	*r;

	while (k-- > 0 && (r = rconn_reply(t->rc)) != NULL)
		freeReplyObject(r);
}

/*
 * lookup_failed - log an event whose queue id key (of qid: its own, or
 * the hop's it links) is unusable; skipped
 */
static void
lookup_failed(struct tracker_ctx *t, const struct tracker_item *it,
    const char *qid, const char *err)
{
	char		 key[RKEY_MAX];
	struct logkv	 kv;

	t->n.failed++;
	if (rkey(key, sizeof(key), RKEY_QID, qid, NULL) < 0)
		key[0] = '\0';
	logkv_init(&kv, it->ev.qid);
	logkv_str(&kv, "event", "failed");
	logkv_str(&kv, "kind", maillog_kind_name(it->ev.kind));
	logkv_str(&kv, "key", key);
	logkv_str(&kv, "why", err);
	logkv_emit(&kv, LOG_ERR);
}

/*
 * qid_value - a queue id key's value into the item: "HANDLE" (the
 * milter's record of this queue id) or "HANDLE ROOTQID" (a content
 * filter's hop of the message recorded under ROOTQID); 0, or -1 when it
 * does not fit
 */
static int
qid_value(struct tracker_item *it, const char *v, size_t len)
{
	const char	*sp = memchr(v, ' ', len);
	size_t		 hl = sp != NULL ? (size_t)(sp - v) : len;

	if (hl == 0 || hl >= sizeof(it->handle) || (sp != NULL &&
	    (len - hl - 1 == 0 || len - hl - 1 >= sizeof(it->root))))
		return -1;
	memcpy(it->handle, v, hl);
	it->handle[hl] = '\0';
	if (sp != NULL)
		memcpy(it->root, sp + 1, len - hl);
	return 0;
}

/* lookup - pipeline the queue id records; fills items[i].handle ("" = none) */
static int
lookup(struct tracker_ctx *t, struct tracker_item *it, size_t n)
{
	char		 key[RKEY_MAX];
	const char	*argv[2];
	redisReply	*r;
	size_t		 i;
	int		 rc = 0;

	for (i = 0; i < n; i++) {
		it[i].handle[0] = it[i].root[0] = '\0';
		it[i].failed = 0;
		/* a queue id that cannot be a key is no message of ours */
		it[i].asked = rkey(key, sizeof(key), RKEY_QID, it[i].ev.qid,
		    NULL) >= 0;
		if (!it[i].asked)
			continue;
		argv[0] = "GET";
		argv[1] = key;
		if (rconn_append(t->rc, 2, argv, NULL) < 0)
			return -1;
	}
	for (i = 0; i < n; i++) {
		if (!it[i].asked)
			continue;
		if ((r = rconn_reply(t->rc)) == NULL)
			return -1;
		if (r->type == REDIS_REPLY_STRING) {
			/* a value that does not fit names no record */
			if (qid_value(&it[i], r->str, r->len) < 0)
				it[i].handle[0] = it[i].root[0] = '\0';
		} else if (r->type == REDIS_REPLY_ERROR &&
		    tracker_retry_reply(r->str) != TRACKER_REPLY_TEMP) {
			/* that one key is corrupt: the event fails, the log goes on */
			it[i].failed = 1;
			lookup_failed(t, &it[i], it[i].ev.qid, r->str);
		} else if (r->type == REDIS_REPLY_ERROR && rc == 0) {
			/* "could not tell" is not "no record": retry */
			tracker_why(t, "queue id lookup: %s", r->str);
			rc = -1;
		}
		freeReplyObject(r);
	}
	return rc;
}

struct call {
	char	 keys[EV_KEYS][RKEY_MAX];
	char	 nums[11][32];
	char	 file[64];		/* dev.ino.headsum of the event's log */
	char	 id[40];
	char	 rcpt[MAILLOG_ADDR_MAX];
	char	 alt[MAILLOG_ADDR_MAX];	/* the line's other address */
	int	 rcpt_raw, alt_raw;	/* as logged: addr_norm refused it */
};

/*
 * rcpt_form - an address of the line as the script compares it: its
 * normalised form (*raw = 0) or, when addr_norm refuses it (an address
 * literal, a one-label domain), the path without its angle brackets
 * (*raw = 1: matched byte for byte or ASCII case-insensitively, never a
 * suppression key); -1 when there is none
 */
static int
rcpt_form(const char *in, char *out, size_t size, int *raw)
{
	*raw = 0;
	if (in[0] == '\0')
		return -1;
	if (addr_norm(in, out, size) == ADDR_OK)
		return 0;
	*raw = 1;
	if (addr_path(in, out, size) != ADDR_OK &&
	    snprintf(out, size, "%s", in) >= (int)size)
		return -1;
	return out[0] != '\0' ? 0 : -1;
}

/*
 * pick_rcpt - the recipient of a delivery line (c->rcpt) and the other
 * address it names (c->alt, or ""); -1 (logged) when it names none
 */
static int
pick_rcpt(struct tracker_ctx *t, const struct maillog_event *ev,
    struct call *c)
{
	struct logkv	 kv;
	char		 a[MAILLOG_ADDR_MAX], b[MAILLOG_ADDR_MAX];
	int		 ra, rb, oka, okb;

	/*
	 * The member addressed orig_to, which Postfix rewrote (virtual
	 * alias); a local alias may log it without a domain: then to. A
	 * normalised address goes first; the script takes whichever of the
	 * two is one of the message's recipients.
	 */
	oka = rcpt_form(ev->orig_to, a, sizeof(a), &ra) == 0;
	okb = rcpt_form(ev->to, b, sizeof(b), &rb) == 0;
	if (oka && okb && ra && !rb) {
		memcpy(c->rcpt, b, sizeof(c->rcpt));
		memcpy(c->alt, a, sizeof(c->alt));
		c->rcpt_raw = rb;
		c->alt_raw = ra;
	} else if (oka || okb) {
		memcpy(c->rcpt, oka ? a : b, sizeof(c->rcpt));
		c->rcpt_raw = oka ? ra : rb;
		c->alt[0] = '\0';
		c->alt_raw = 0;
		if (oka && okb && (ra != rb || strcmp(a, b) != 0)) {
			memcpy(c->alt, b, sizeof(c->alt));
			c->alt_raw = rb;
		}
	} else {
		logkv_init(&kv, ev->qid);
		logkv_str(&kv, "event", "skipped");
		logkv_str(&kv, "why", "recipient address does not parse");
		logkv_str(&kv, "to", ev->to);
		logkv_emit(&kv, LOG_WARNING);
		t->n.bad++;
		return -1;
	}
	return 0;
}

/*
 * expiry_id - the event id of an expiry line: "x:" and 32 hex digits of
 * SHA-256 over what the line logs (queue id, time stamp, pid, sender),
 * so a reused queue id's next expiry is another event
 */
static void
expiry_id(const struct maillog_event *ev, char out[40])
{
	char	 buf[MAILLOG_QID_MAX + MAILLOG_STAMP_MAX + MAILLOG_ADDR_MAX + 64];
	char	 hex[TOKEN_SHA256_HEX];
	int	 n;

	n = snprintf(buf, sizeof(buf), "%s|expired|%s|%ld|%s", ev->qid,
	    ev->stamp, ev->pid, ev->from);
	if (n < 0 || (size_t)n >= sizeof(buf))
		n = (int)sizeof(buf) - 1;
	token_sha256_hex(buf, (size_t)n, hex);
	snprintf(out, 40, "x:%.32s", hex);
}

/* build - keys and arguments of one tracker_event.lua call; -1: skip it */
static int
build(struct tracker_ctx *t, const struct tracker_item *it, time_t now,
    struct call *c, const char **keys, const char **args)
{
	static const enum rkey_kind kinds[EV_KEYS] = { RKEY_MSG, RKEY_APPLIED,
	    RKEY_SUPPRESS, RKEY_SOFT, RKEY_OUTCOMES, RKEY_MEMBER, RKEY_INFLIGHT,
	    RKEY_RECENT };
	const struct conf_suspension *s = &t->conf->suspension;
	const struct maillog_event *ev = &it->ev;
	/* the record: the message's own queue id, also for its hops */
	const char	*root = it->root[0] != '\0' ? it->root : ev->qid;
	static char	 label[16];
	struct bounce_action a;
	enum bounce_class cls;
	int		 i;

	for (i = 0; i < EV_KEYS; i++) {
		if (rkey(c->keys[i], RKEY_MAX, kinds[i], it->handle,
		    kinds[i] == RKEY_MSG ? root : NULL) < 0)
			return -1;
		keys[i] = c->keys[i];
	}
	ratewin_label(s->window_s, label, sizeof(label));
	snprintf(c->nums[0], 32, "%lld", (long long)now);
	snprintf(c->nums[1], 32, "%d", t->conf->tracker.status_ttl_s);
	snprintf(c->nums[2], 32, "%d", s->window_s);
	snprintf(c->nums[3], 32, "%d", ratewin_bucket_s(s->window_s));
	snprintf(c->nums[4], 32, "%d", s->min_volume);
	snprintf(c->nums[5], 32, "%.6f", s->warn_rate);
	snprintf(c->nums[6], 32, "%.6f", s->suspend_rate);
	snprintf(c->nums[7], 32, "%d", t->conf->tracker.soft_bounce_limit);
	/* the outcome's own time: a tracker catching up dates it right */
	snprintf(c->nums[9], 32, "%lld",
	    (long long)tracker_time(ev->stamp, now));
	args[0] = it->handoff ? "handoff" : maillog_kind_name(ev->kind);
	if (ev->kind == MAILLOG_EXPIRED)
		expiry_id(ev, c->id);
	else if (ev->kind == MAILLOG_DELIVERY)
		bounce_event_id(ev, c->id);
	else
		c->id[0] = '\0';
	args[1] = c->id;
	args[2] = c->nums[0];
	args[3] = c->nums[1];
	args[4] = c->nums[2];
	args[5] = c->nums[3];
	args[6] = c->nums[4];
	args[7] = c->nums[5];
	args[8] = c->nums[6];
	args[9] = label;
	args[10] = ev->qid;
	snprintf(c->file, sizeof(c->file), "%llx.%llx.%016llx",
	    (unsigned long long)it->pos.dev, (unsigned long long)it->pos.ino,
	    (unsigned long long)it->pos.headsum);
	snprintf(c->nums[8], 32, "%lld", (long long)it->pos.off);
	args[23] = c->file;
	args[24] = c->nums[8];
	args[25] = c->nums[9];
	args[28] = root;
	args[29] = it->handoff ? ev->next_qid : "";
	if (ev->kind != MAILLOG_DELIVERY) {
		for (i = 11; i < 23; i++)
			args[i] = "";
		args[26] = args[27] = "";
		return EV_ARGS;
	}
	if (pick_rcpt(t, ev, c) < 0)
		return -1;
	cls = bounce_classify_reply(ev->dsn, ev->reply);
	bounce_decide(ev->status, cls, &a);
	args[11] = c->rcpt;
	args[12] = maillog_status_name(ev->status);
	args[13] = ev->dsn;
	args[14] = bounce_class_name(cls);
	args[15] = ev->reply;
	args[16] = ev->relay;
	args[17] = a.outcome == BOUNCE_OUT_SENT ? "1" :
	    a.outcome == BOUNCE_OUT_BOUNCED ? "2" : "0";
	args[18] = a.suppress_hard ? "1" : "0";
	args[19] = a.soft_step ? "1" : "0";
	args[20] = a.soft_reset ? "1" : "0";
	args[21] = c->nums[7];
	args[22] = c->alt;
	args[26] = c->rcpt_raw ? "1" : "0";
	args[27] = c->alt_raw ? "1" : "0";
	return EV_ARGS;
}

/* count_after - how many replies sent(i..n) still owe */
static size_t
count_after(const unsigned char *sent, size_t i, size_t n)
{
	size_t	 k = 0;

	while (++i < n)
		k += sent[i];
	return k;
}

/*
 * next_reply - the reply of the pipeline's item i (sent: the items sent);
 * NULL when the batch is to be tried again: the connection failed, or
 * Redis answered a temporary error (OOM, READONLY, ...; after NOSCRIPT
 * the scripts are loaded again first), the rest of the pipeline drained
 */
static redisReply *
next_reply(struct tracker_ctx *t, const unsigned char *sent, size_t i,
    size_t n, const char *what)
{
	redisReply	*r;

	if ((r = rconn_reply(t->rc)) == NULL) {
		tracker_why(t, "%s", rconn_errstr(t->rc));
		return NULL;
	}
	if (r->type == REDIS_REPLY_ERROR &&
	    tracker_retry_reply(r->str) == TRACKER_REPLY_TEMP) {
		tracker_why(t, "%s: %s", what, r->str);
		drain(t, count_after(sent, i, n));
		if (strncmp(r->str, "NOSCRIPT", 8) == 0)
			(void)rscript_load_all(t->rc);
		freeReplyObject(r);
		return NULL;
	}
	return r;
}

/*
 * run - one tracker_event.lua call per item of a known message, in one
 * pipeline: the items not deferred (deferred 0), or only the deferred
 * ones (1); each item's code (TRACKER_CODE_NONE when not applied); 0,
 * or -1: retry the batch
 */
static int
run(struct tracker_ctx *t, struct tracker_item *it, size_t n, time_t now,
    int deferred)
{
	const struct rscript *s = rscript_get("tracker_event");
	const char	*keys[EV_KEYS], *args[EV_ARGS];
	struct call	*calls;
	unsigned char	*sent;
	redisReply	*r, **refund;	/* replies with charges to give back */
	size_t		 i;
	int		 na, rc = -1;

	calls = calloc(n, sizeof(*calls));
	sent = calloc(n, 1);
	refund = calloc(n, sizeof(*refund));
	if (s == NULL || calls == NULL || sent == NULL || refund == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		if (it[i].deferred != deferred)
			continue;
		it[i].code = TRACKER_CODE_NONE;
		if (it[i].failed)
			continue;
		if (it[i].handle[0] == '\0') {
			/* the milter's writes may still be on their way */
			if (it[i].asked && it[i].ev.kind == MAILLOG_REJECTED &&
			    it[i].recheck == 0)
				it[i].recheck = 1;
			else
				t->n.no_record++;
			continue;
		}
		if ((na = build(t, &it[i], now, &calls[i], keys, args)) < 0)
			continue;
		if (rscript_append(t->rc, s, EV_KEYS, keys, na, args) < 0) {
			tracker_why(t, "%s", rconn_errstr(t->rc));
			goto out;
		}
		sent[i] = 1;
	}
	for (i = 0; i < n; i++) {
		if (!sent[i])
			continue;
		if ((r = next_reply(t, sent, i, n, "tracker_event")) == NULL)
			goto out;
		tracker_report(t, &it[i], calls[i].rcpt, r);
		if (it[i].code == 1 && r->element[9]->elements > 0)
			refund[i] = r;
		else
			freeReplyObject(r);
	}
	rc = 0;
out:
	/* after the pipeline: its scripts ran, whether or not all of it did */
	for (i = 0; refund != NULL && i < n; i++)
		if (refund[i] != NULL) {
			tracker_refund(t, &it[i], refund[i]);
			freeReplyObject(refund[i]);
		}
	free(refund);
	free(calls);
	free(sent);
	return rc;
}

/* link_value - "HANDLE ROOT" of a hand-off's next hop */
static void
link_value(const struct tracker_item *it, char *buf, size_t size)
{
	snprintf(buf, size, "%s %s", it->handle, it->root[0] != '\0' ?
	    it->root : it->ev.qid);
}

/* link_refused - a hop's queue id key holds another message's record */
static void
link_refused(struct tracker_ctx *t, const struct tracker_item *it)
{
	struct logkv	 kv;

	t->n.ignored++;
	logkv_init(&kv, it->ev.qid);
	logkv_str(&kv, "event", "ignored");
	logkv_str(&kv, "kind", "handoff");
	logkv_str(&kv, "member", it->handle);
	logkv_str(&kv, "next", it->ev.next_qid);
	logkv_str(&kv, "why", "the next queue id names another message "
	    "(a record of its own): not linked");
	logkv_emit(&kv, LOG_NOTICE);
}

static int	link_hops(struct tracker_ctx *, struct tracker_item *, size_t,
		    time_t, int);

/*
 * replay - the lines of hop next that came before its hand-off and were
 * kept (tracker_hop.h, hopstash), applied now as the message's; 0 or -1
 */
static int
replay(struct tracker_ctx *t, const struct tracker_item *h, time_t now,
    int depth)
{
	const struct conf_tracker *ct = &t->conf->tracker;
	struct tracker_item *buf;
	size_t		 k, i;
	int		 rc;

	if (t->stash == NULL || !hopstash_has(t->stash, h->ev.next_qid))
		return 0;
	buf = xcalloc(HOPSTASH_MAX, sizeof(*buf));
	k = hopstash_find(t->stash, h->ev.next_qid, buf, HOPSTASH_MAX);
	for (i = 0; i < k; i++) {
		memcpy(buf[i].handle, h->handle, sizeof(buf[i].handle));
		snprintf(buf[i].root, sizeof(buf[i].root), "%s",
		    h->root[0] != '\0' ? h->root : h->ev.qid);
		buf[i].failed = 0;
		buf[i].deferred = 0;
		buf[i].linked = 0;
	}
	/* the hop's own hand-off (filters in series) among them */
	tracker_hop_link(buf, k, t->seen, ct->content_filters,
	    ct->ncontent_filters);
	if ((rc = run(t, buf, k, now, 0)) == 0 &&
	    (rc = link_hops(t, buf, k, now, depth + 1)) == 0)
		hopstash_drop(t->stash, h->ev.next_qid);
	free(buf);
	return rc;
}

/*
 * link_hops - for each hand-off the script took (applied, or a repeat),
 * relay:{q:NEXT}:qid = "HANDLE ROOT" through tracker_link.lua, which never
 * overwrites another value (a milter record, another link); then the
 * hop's kept earlier lines. 0, or -1: retry the batch
 */
static int
link_hops(struct tracker_ctx *t, struct tracker_item *it, size_t n,
    time_t now, int depth)
{
	const struct rscript *s = rscript_get("tracker_link");
	char		 key[RKEY_MAX], val[sizeof(it->handle) +
			    sizeof(it->root) + 1], ttl[24];
	const char	*keys[1] = { key }, *args[2] = { val, ttl };
	unsigned char	*sent;
	redisReply	*r;
	size_t		 i, m = 0;
	int		 rc = -1;

	for (i = 0; i < n; i++)
		if (it[i].handoff && it[i].code >= 0 && !it[i].linked)
			m++;
	if (m == 0)
		return 0;
	if (s == NULL || (sent = calloc(n, 1)) == NULL)
		return -1;
	snprintf(ttl, sizeof(ttl), "%d", t->conf->milter.record_ttl_s);
	for (i = 0; i < n; i++) {
		if (!it[i].handoff || it[i].code < 0 || it[i].linked ||
		    rkey(key, sizeof(key), RKEY_QID, it[i].ev.next_qid,
		    NULL) < 0)
			continue;
		link_value(&it[i], val, sizeof(val));
		if (rscript_append(t->rc, s, 1, keys, 2, args) < 0) {
			tracker_why(t, "%s", rconn_errstr(t->rc));
			goto out;
		}
		sent[i] = 1;
	}
	for (i = 0; i < n; i++) {
		if (!sent[i])
			continue;
		if ((r = next_reply(t, sent, i, n, "tracker_link")) == NULL)
			goto out;
		/* linked 1, or -1: refused (tried once a batch) */
		it[i].linked = -1;
		if (r->type == REDIS_REPLY_ERROR)
			lookup_failed(t, &it[i], it[i].ev.next_qid, r->str);
		else if (r->type == REDIS_REPLY_INTEGER && r->integer == 1)
			it[i].linked = 1;
		else
			link_refused(t, &it[i]);
		freeReplyObject(r);
	}
	/* (filters in series: hops of hops, a few deep at most) */
	for (i = 0; i < n; i++)
		if (sent[i] && it[i].linked == 1 && depth < 4 &&
		    replay(t, &it[i], now, depth) < 0)
			goto out;
	rc = 0;
out:
	free(sent);
	return rc;
}

/* keep - the lines of queue ids this Postfix received, with no record yet */
static void
keep(struct tracker_ctx *t, const struct tracker_item *it, size_t n)
{
	size_t	 i;

	if (t->stash == NULL)
		return;
	for (i = 0; i < n; i++)
		if (it[i].asked && !it[i].failed && it[i].handle[0] == '\0' &&
		    hopseen_has(t->seen, it[i].ev.qid))
			hopstash_put(t->stash, &it[i]);
}

int
tracker_apply(struct tracker_ctx *t, struct tracker_item *it, size_t n,
    time_t now)
{
	const struct conf_tracker *ct = &t->conf->tracker;
	size_t	 i;

	if (n == 0)
		return 0;
	t->why[0] = '\0';
	if (rconn_ensure(t->rc) < 0 || lookup(t, it, n) < 0) {
		if (t->why[0] == '\0')
			tracker_why(t, "%s", rconn_errstr(t->rc));
		return -1;
	}
	for (i = 0; i < n; i++) {
		it[i].linked = it[i].deferred = 0;
		it[i].code = TRACKER_CODE_NONE;
		if (it[i].recheck == 1)
			it[i].recheck = 0;	/* a batch tried again */
	}
	tracker_hop_link(it, n, t->seen, ct->content_filters,
	    ct->ncontent_filters);
	keep(t, it, n);
	/*
	 * A hop's lines after its hand-off wait for those kept from before
	 * it (replayed once linked): the hop's lines apply in log order
	 */
	for (i = 0; i < n; i++)
		it[i].deferred = it[i].propagated && t->stash != NULL &&
		    hopstash_has(t->stash, it[i].ev.qid);
	if (run(t, it, n, now, 0) < 0 || link_hops(t, it, n, now, 0) < 0 ||
	    run(t, it, n, now, 1) < 0 || link_hops(t, it, n, now, 0) < 0) {
		if (t->why[0] == '\0')
			tracker_why(t, "%s", rconn_errstr(t->rc));
		return -1;
	}
	return 0;
}

int
tracker_stash_lines(struct tracker_ctx *t, struct tracker_item *it, size_t n)
{
	size_t	 i;

	if (n == 0 || t->stash == NULL)
		return 0;
	if (rconn_ensure(t->rc) < 0 || lookup(t, it, n) < 0)
		return -1;
	for (i = 0; i < n; i++)
		it[i].propagated = 0;
	keep(t, it, n);
	return 0;
}
