/*
 * NAME
 *	cmd_status - relayctl status QUEUEID|MESSAGE-ID, status --member H
 *	[--since T] [--until T]
 * DESCRIPTION
 *	Reads what relay-milter and relay-tracker record (common/SCHEMA.md):
 *	relay:{q:QID}:qid names the member of a queue id, relay:{x:SHA}:msgid
 *	the "HANDLE QUEUEID" pairs of a Message-ID, relay:{m:H}:recent a
 *	member's messages by accept time, and relay:{m:H}:msg:QID the message
 *	with one r:ADDRESS field per recipient once the tracker has seen a
 *	delivery attempt. A recipient without one is still "queued", and so
 *	is one handed to an after-queue content filter ("via" names the
 *	queue id it was queued again under, whose lines the tracker follows:
 *	relay:{q:THAT}:qid holds "HANDLE QUEUEID", and status THAT shows the
 *	message). In a message Postfix refused at end of data (the record's
 *	"rejected" time) those are "rejected": it was never queued.
 * SEE ALSO
 *	relayctl(8), common/SCHEMA.md
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ident.h"
#include "parse.h"
#include "xalloc.h"

#define STATUS_MAX	10000	/* messages listed by --member, by an id */

/* msg_json - one message as JSON, or NULL when its record is gone */
static json_t *
msg_json(struct ctl *c, const char *h, const char *qid)
{
	char		 key[RKEY_MAX];
	json_t		*m, *o, *rc, *rs, *st, *v;
	const char	*k, *s, *wait;
	size_t		 i;

	if (rkey(key, sizeof(key), RKEY_MSG, h, qid) < 0)
		return NULL;
	m = ctl_hgetall_docs(c, key);
	if (json_object_size(m) == 0) {
		json_decref(m);
		return NULL;
	}
#define S(f)	(json_string_value(json_object_get(m, f)) ? \
		    json_string_value(json_object_get(m, f)) : "")
	o = json_pack("{s:o, s:o, s:s, s:s, s:s, s:I, s:I, s:I}", "queue_id",
	    ctl_jstr(qid), "member", ctl_jstr(h), "domain", S("domain"),
	    "sender", S("sender"), "message_id", S("message_id"), "accepted",
	    (json_int_t)atoll(S("accepted")), "final",
	    (json_int_t)atoll(S("final")), "rejected",
	    (json_int_t)atoll(S("rejected")));
#undef S
	/* refused at end of data: never queued, nothing will be delivered */
	wait = json_integer_value(json_object_get(o, "rejected")) > 0 ?
	    "rejected" : "queued";
	rc = json_object_get(m, "rcpts");
	rs = json_array();
	if (json_is_array(rc))
		json_array_foreach(rc, i, v) {
			char f[400];

			if ((s = json_string_value(v)) == NULL)
				continue;
			snprintf(f, sizeof(f), "r:%s", s);
			st = json_deep_copy(json_object_get(m, f));
			if (!json_is_object(st)) {
				json_decref(st);
				st = json_pack("{s:s}", "status", wait);
			} else if ((k = json_string_value(json_object_get(st,
			    "status"))) != NULL && strcmp(k, "queued") == 0)
				json_object_set_new(st, "status",
				    json_string(wait));
			json_object_set_new(st, "address", json_string(s));
			json_array_append_new(rs, st);
		}
	/* Recipients the tracker saw that the milter's list lacks. */
	json_object_foreach(m, k, v) {
		int seen = 0;

		if (strncmp(k, "r:", 2) != 0)
			continue;
		json_array_foreach(rs, i, st)
			if (strcmp(json_string_value(json_object_get(st,
			    "address")), k + 2) == 0)
				seen = 1;
		if (seen || !json_is_object(v))
			continue;
		st = json_deep_copy(v);
		json_object_set_new(st, "address", json_string(k + 2));
		json_array_append_new(rs, st);
	}
	json_object_set_new(o, "recipients", rs);
	json_decref(m);
	return o;
}

/* print_msg - one message for people */
static void
print_msg(json_t *o)
{
	json_t		*r;
	size_t		 i;
	const char	*s;

	printf("queue id   %s\nmember     %s\ndomain     %s\nsender     %s\n"
	    "message-id %s\naccepted   %s\n", ctl_txf(o, "queue_id", ""),
	    ctl_txf(o, "member", ""), ctl_txf(o, "domain", ""),
	    ctl_txf(o, "sender", ""), ctl_txf(o, "message_id", ""),
	    ctl_time(json_integer_value(json_object_get(o, "accepted"))));
	printf("final      %s\n", ctl_time(json_integer_value(
	    json_object_get(o, "final"))));
	if (json_integer_value(json_object_get(o, "rejected")) > 0)
		printf("rejected   %s (refused at end of data, never queued)\n",
		    ctl_time(json_integer_value(json_object_get(o,
		    "rejected"))));
	json_array_foreach(json_object_get(o, "recipients"), i, r) {
		printf("  %s %-9s", ctl_pad(ctl_txf(r, "address", ""), 40),
		    ctl_txf(r, "status", "?"));
		/* delivered, then a bounce came back by mail (relay-unsub) */
		if (json_integer_value(json_object_get(r, "async")) == 1)
			printf(" by mail after delivery at %s",
			    ctl_time(json_integer_value(json_object_get(r,
			    "sent_at"))));
		/* the tracker writes every field, empty when it has none */
		if ((s = ctl_txf(r, "via", ""))[0] != '\0')
			printf(" via %s", s);
		if ((s = ctl_txf(r, "dsn", ""))[0] != '\0')
			printf(" %s", s);
		if ((s = ctl_txf(r, "class", ""))[0] != '\0')
			printf(" (%s)", s);
		if ((s = ctl_txf(r, "relay", ""))[0] != '\0')
			printf(" relay=%s", s);
		if ((s = ctl_txf(r, "reply", ""))[0] != '\0')
			printf(" %s", s);
		putchar('\n');
	}
}

/* qid_ok - a Postfix queue id: letters and digits */
static int
qid_ok(const char *q)
{
	size_t	 i;

	for (i = 0; q[i]; i++)
		if (!((q[i] >= '0' && q[i] <= '9') || (q[i] >= 'A' &&
		    q[i] <= 'Z') || (q[i] >= 'a' && q[i] <= 'z')))
			return 0;
	return i > 0 && i <= 32;
}

/* by_id - status QUEUEID or status MESSAGE-ID */
static int
by_id(struct ctl *c, const char *id)
{
	char		 key[RKEY_MAX], mid[1024], lim[24], *h, *hop = NULL;
	json_t		*out = json_array(), *o;
	redisReply	*r;
	size_t		 i;
	long long	 n;

	if (strchr(id, '@') != NULL || id[0] == '<') {
		/* Stored hashed with its angle brackets. */
		snprintf(mid, sizeof(mid), "%s%s%s", id[0] == '<' ? "" : "<",
		    id, id[strlen(id) - 1] == '>' ? "" : ">");
		ctl_key(c, key, RKEY_MSGID, mid, NULL);
		/* a Message-ID a sender reuses: the first STATUS_MAX */
		r = ctl_cmdf(c, "SCARD %s", key);
		n = r->type == REDIS_REPLY_INTEGER ? r->integer : 0;
		freeReplyObject(r);
		if (n > STATUS_MAX)
			fprintf(stderr, "relayctl: status: the first %d of %lld "
			    "messages with this Message-ID (by member and "
			    "queue id); status --member HANDLE lists a "
			    "member's by time\n", STATUS_MAX, n);
		snprintf(lim, sizeof(lim), "%d", STATUS_MAX);
		r = ctl_cmdf(c, "SORT %s LIMIT 0 %s ALPHA", key, lim);
		for (i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements;
		    i++) {
			char *sp, *pair = xstrdup(r->element[i]->str);

			if ((sp = strchr(pair, ' ')) != NULL) {
				*sp = '\0';
				if ((o = msg_json(c, pair, sp + 1)) != NULL)
					json_array_append_new(out, o);
			}
			free(pair);
		}
		freeReplyObject(r);
	} else {
		if (!qid_ok(id))
			ctl_user(c, "invalid", id, "neither a queue id nor a "
			    "Message-ID");
		ctl_key(c, key, RKEY_QID, id, NULL);
		r = ctl_cmdf(c, "GET %s", key);
		h = r->type == REDIS_REPLY_STRING ? xstrdup(r->str) : NULL;
		freeReplyObject(r);
		/* "HANDLE" or, for a content filter's hop, "HANDLE ROOTQID" */
		if (h != NULL && (hop = strchr(h, ' ')) != NULL)
			*hop++ = '\0';
		if (h != NULL && (o = msg_json(c, h, hop != NULL &&
		    qid_ok(hop) ? hop : id)) != NULL)
			json_array_append_new(out, o);
		free(h);
	}
	if (json_array_size(out) == 0) {
		json_decref(out);
		ctl_user(c, "unknown_message", id, "no such message (or its "
		    "record expired)");
	}
	if (c->json)
		ctl_emit(c, json_array_size(out) == 1 ?
		    json_incref(json_array_get(out, 0)) : json_incref(out));
	else
		json_array_foreach(out, i, o) {
			if (i)
				putchar('\n');
			print_msg(o);
		}
	json_decref(out);
	return CTL_EXIT_OK;
}

/* time_arg - --since or --until as epoch seconds into buf */
static void
time_arg(struct ctl *c, const char *s, const char *dflt, char *buf,
    size_t len)
{
	time_t	 t;

	if (s == NULL) {
		snprintf(buf, len, "%s", dflt);
		return;
	}
	if (parse_since(s, c->now, &t) != 0)
		ctl_user(c, "invalid", s, "a time: epoch seconds, 30m, 12h, 7d, "
		    "or YYYY-MM-DD[THH:MM[:SS]][Z] (UTC)");
	snprintf(buf, len, "%lld", (long long)t);
}

/*
 * more - a full page: say on stderr how many the range holds, and the
 * --until that lists the older ones (the oldest listed one's time)
 */
static void
more(struct ctl *c, const char *key, const char *from, const char *to,
    const char *oldest)
{
	redisReply	*r = ctl_cmdf(c, "ZCOUNT %s %s %s", key, from, to);
	long long	 n = r->type == REDIS_REPLY_INTEGER ? r->integer : 0;

	freeReplyObject(r);
	if (n <= STATUS_MAX)
		return;
	r = ctl_cmdf(c, "ZSCORE %s %s", key, oldest);
	fprintf(stderr, "relayctl: status: the newest %d of %lld messages; "
	    "narrow with --since, or list older ones with --until %s\n",
	    STATUS_MAX, n, r->type == REDIS_REPLY_STRING ? r->str : "T");
	freeReplyObject(r);
}

/*
 * by_member - status --member HANDLE [--since T] [--until T]: the newest
 * STATUS_MAX in the range; --until the oldest accepted time listed pages
 * further back (that second's messages may show twice, none is skipped)
 */
static int
by_member(struct ctl *c, const char *member, const char *since,
    const char *until)
{
	char		 h[64], key[RKEY_MAX], from[24], to[24], lim[24];
	redisReply	*r;
	json_t		*out = json_array(), *o;
	size_t		 i;

	ctl_member(c, member, h, sizeof(h));
	time_arg(c, since, "0", from, sizeof(from));
	time_arg(c, until, "+inf", to, sizeof(to));
	ctl_key(c, key, RKEY_RECENT, h, NULL);
	snprintf(lim, sizeof(lim), "%d", STATUS_MAX);
	/* the newest STATUS_MAX, listed oldest first */
	r = ctl_cmdf(c, "ZREVRANGEBYSCORE %s %s %s LIMIT 0 %s", key, to, from,
	    lim);
	for (i = r->type == REDIS_REPLY_ARRAY ? r->elements : 0; i > 0; i--)
		if ((o = msg_json(c, h, r->element[i - 1]->str)) != NULL)
			json_array_append_new(out, o);
	if (r->type == REDIS_REPLY_ARRAY && r->elements == STATUS_MAX)
		more(c, key, from, to, r->element[STATUS_MAX - 1]->str);
	freeReplyObject(r);
	if (c->json) {
		ctl_emit(c, out);
		return CTL_EXIT_OK;
	}
	json_array_foreach(out, i, o) {
		json_t *rc;
		size_t	j, n[5] = { 0, 0, 0, 0, 0 };
		const char *s;
		char	rej[48] = "";

		json_array_foreach(json_object_get(o, "recipients"), j, rc) {
			s = json_string_value(json_object_get(rc, "status"));
			s = s ? s : "";
			n[strcmp(s, "sent") == 0 ? 0 : strcmp(s, "bounced") ==
			    0 ? 1 : strcmp(s, "deferred") == 0 ? 2 :
			    strcmp(s, "rejected") == 0 ? 4 : 3]++;
		}
		/* a message refused at end of data: said, not counted as other */
		if (n[4] > 0)
			snprintf(rej, sizeof(rej), ", rejected %zu (never queued)",
			    n[4]);
		printf("%-20s %-16s %s sent %zu, bounced %zu, deferred %zu, "
		    "other %zu%s\n", ctl_time(json_integer_value(
		    json_object_get(o, "accepted"))), ctl_txf(o, "queue_id", ""),
		    ctl_pad(ctl_txf(o, "sender", ""), 30), n[0], n[1], n[2], n[3],
		    rej);
	}
	json_decref(out);
	return CTL_EXIT_OK;
}

int
cmd_status(struct ctl *c, int argc, char **argv)
{
	const char	*member = NULL, *since = NULL, *until = NULL, *pos[1];
	struct ctl_opt	 opts[] = { { "member", 1, &member },
			    { "since", 1, &since }, { "until", 1, &until },
			    { NULL, 0, NULL } };
	int		 n;

	n = ctl_args(c, argc, argv, opts, pos, 0, 1,
	    "status QUEUEID|MESSAGE-ID | status --member HANDLE [--since T] "
	    "[--until T]");
	if ((n == 1) == (member != NULL))
		ctl_user(c, "usage", NULL, "give a QUEUEID or MESSAGE-ID, or "
		    "--member HANDLE");
	if ((since != NULL || until != NULL) && member == NULL)
		ctl_user(c, "usage", since ? "--since" : "--until", "only with "
		    "--member");
	return member ? by_member(c, member, since, until) : by_id(c, pos[0]);
}
