/*
 * NAME
 *	tracker_report - what one tracker_event.lua call did, counted and
 *	logged
 * DESCRIPTION
 *	The script's reply (its shape: tracker_event.lua) into the item's
 *	code, the run's counts and one log line; and the warming charges a
 *	refusal at end of data gives back (common/charges.h).
 * SEE ALSO
 *	tracker_apply.c, tracker_apply.h, common/lua/tracker_event.lua
 */
#include <stdio.h>
#include <string.h>

#include <hiredis.h>

#include "bounce.h"
#include "charges.h"
#include "log.h"
#include "stats.h"
#include "tracker_apply.h"

/* ignored - log an event of a record that is not its message's */
static void
ignored(struct tracker_ctx *t, const struct tracker_item *it,
    const char *rcpt, long long code)
{
	const struct maillog_event *ev = &it->ev;
	struct logkv	 kv;

	t->n.ignored++;
	logkv_init(&kv, ev->qid);
	logkv_str(&kv, "event", "ignored");
	logkv_str(&kv, "kind", maillog_kind_name(ev->kind));
	logkv_str(&kv, "member", it->handle);
	if (ev->kind == MAILLOG_DELIVERY) {
		logkv_str(&kv, "to", ev->to);
		logkv_str(&kv, "orig_to", ev->orig_to);
		logkv_str(&kv, "rcpt", rcpt);
	}
	logkv_str(&kv, "why", code == -2 ? "the message of this queue id left "
	    "the queue: the id was reused" : code == -5 ? "the recipient's "
	    "outcome is already final (an alias expanded it, or the line is "
	    "not Postfix's)" : "not a recipient of the message");
	logkv_emit(&kv, LOG_NOTICE);
}

/* member_gone - log an event of a member removed since its message was sent */
static void
member_gone(struct tracker_ctx *t, const struct tracker_item *it,
    const char *rcpt)
{
	const struct maillog_event *ev = &it->ev;
	struct logkv	 kv;

	t->n.no_member++;
	logkv_init(&kv, ev->qid);
	logkv_str(&kv, "event", "skipped");
	logkv_str(&kv, "kind", maillog_kind_name(ev->kind));
	logkv_str(&kv, "member", it->handle);
	if (ev->kind == MAILLOG_DELIVERY)
		logkv_str(&kv, "rcpt", rcpt);
	logkv_str(&kv, "why", "member removed");
	logkv_emit(&kv, LOG_NOTICE);
}

/* failed - log a reply that is the script's own error (not retried) */
static void
failed(struct tracker_ctx *t, const struct tracker_item *it,
    const redisReply *r)
{
	struct logkv	 kv;

	t->n.failed++;
	logkv_init(&kv, it->ev.qid);
	logkv_str(&kv, "event", "failed");
	logkv_str(&kv, "kind", maillog_kind_name(it->ev.kind));
	logkv_str(&kv, "member", it->handle);
	logkv_str(&kv, "why", r->type == REDIS_REPLY_ERROR ? r->str :
	    "tracker_event.lua: unexpected reply");
	logkv_emit(&kv, LOG_ERR);
}

void
tracker_report(struct tracker_ctx *t, struct tracker_item *it,
    const char *rcpt, const redisReply *r)
{
	const struct maillog_event *ev = &it->ev;
	struct logkv	 kv;
	const char	*cls;
	long long	 applied;
	int		 prio = LOG_DEBUG;

	if (r->type != REDIS_REPLY_ARRAY || r->elements != 10 ||
	    r->element[9]->type != REDIS_REPLY_ARRAY ||
	    r->element[0]->type != REDIS_REPLY_INTEGER) {
		failed(t, it, r);
		return;
	}
	applied = it->code = r->element[0]->integer;
	if (applied == 0) {
		t->n.repeats++;
		return;
	}
	if (applied == -1) {
		t->n.no_record++;
		return;
	}
	if (applied == -4) {
		member_gone(t, it, rcpt);
		return;
	}
	if (applied < 0) {
		ignored(t, it, rcpt, applied);
		return;
	}
	t->n.applied++;
	if (it->recheck == 2)
		t->n.late++;
	logkv_init(&kv, ev->qid);
	logkv_str(&kv, "event", it->handoff ? "handoff" :
	    maillog_kind_name(ev->kind));
	logkv_str(&kv, "member", it->handle);
	if (it->root[0] != '\0')
		logkv_str(&kv, "message", it->root);
	if (it->handoff) {
		logkv_str(&kv, "next", ev->next_qid);
		t->n.handoffs++;
	}
	if (ev->kind == MAILLOG_DELIVERY) {
		cls = bounce_class_name(bounce_classify_reply(ev->dsn,
		    ev->reply));
		logkv_str(&kv, "rcpt", rcpt);
		logkv_str(&kv, "status", maillog_status_name(ev->status));
		logkv_str(&kv, "dsn", ev->dsn);
		logkv_str(&kv, "class", cls);
		if (ev->status != MAILLOG_ST_SENT)
			prio = LOG_INFO;
		if (!it->handoff)
			stats_delivery(maillog_status_name(ev->status), cls);
	} else if (ev->kind == MAILLOG_EXPIRED) {
		stats_expired();
		prio = LOG_INFO;
	} else if (ev->kind == MAILLOG_REJECTED) {
		logkv_str(&kv, "reply", ev->reply);
		prio = LOG_INFO;
	}
	if (r->element[1]->type == REDIS_REPLY_STRING && r->element[1]->len) {
		logkv_str(&kv, "suppressed", r->element[1]->str);
		stats_suppressed(r->element[1]->str);
		t->n.suppressed++;
		prio = LOG_NOTICE;
	}
	if (r->element[8]->type == REDIS_REPLY_STRING && r->element[8]->len) {
		logkv_str(&kv, "unsuppressed", r->element[8]->str);
		prio = LOG_NOTICE;
	}
	if (r->element[2]->type == REDIS_REPLY_INTEGER && r->element[2]->integer)
		logkv_int(&kv, "soft", r->element[2]->integer);
	if (r->element[5]->type == REDIS_REPLY_INTEGER &&
	    r->element[5]->integer == 1) {
		logkv_str(&kv, "suspended", r->element[7]->str);
		stats_rate(STATS_RATE_SUSPENSION);
		t->n.suspended++;
		prio = LOG_WARNING;
	} else if (r->element[6]->type == REDIS_REPLY_INTEGER &&
	    r->element[6]->integer == 1) {
		logkv_str(&kv, "warning", r->element[7]->str);
		stats_rate(STATS_RATE_WARNING);
		prio = LOG_WARNING;
	}
	if (prio != LOG_DEBUG || log_debug_enabled())
		logkv_emit(&kv, prio);
}

void
tracker_refund(struct tracker_ctx *t, const struct tracker_item *it,
    const redisReply *r)
{
	struct logkv	 kv;
	const char	*why = NULL;
	int		 n;

	n = charges_zrem(t->rc, r->element[9], NULL, &why);
	logkv_init(&kv, it->ev.qid);
	logkv_str(&kv, "event", "refund");
	logkv_str(&kv, "member", it->handle);
	charges_emit(&kv, n, why);
}
