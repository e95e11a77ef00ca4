/*
 * NAME
 *	cmd_list - relayctl domain list [--member H] and member list, streamed
 * DESCRIPTION
 *	Both walk an index set (relay:domains, relay:{m:H}:domains,
 *	relay:members) with SSCAN, about LIST_BATCH names at a time, read the
 *	records of a batch with one HGETALL each, pipelined (one round trip a
 *	batch), and print each record as it comes: a line, or with --json one
 *	element of a streamed array (ctl_stream_*). What is held is one
 *	batch, however many records there are.
 *
 *	Order: each batch is sorted by name. A set of fewer than LIST_BATCH
 *	names comes back from Redis in one SSCAN reply, so it is listed
 *	sorted whole; a bigger one is listed in sorted runs (sort(1) sorts the
 *	text). As with any SCAN, a name added or removed during the listing
 *	may or may not be in it, and one can be listed twice when the set
 *	shrinks meanwhile.
 *
 *	A name whose record is gone (an add or remove under way) is left out
 *	silently. One whose record cannot be read (not a hash) or that no key
 *	can hold is left out with a note on stderr (ctl_skip); the listing
 *	then exits 2 and, with --json, its array ends with an "unreadable"
 *	error naming them (ctl_stream_done). A Redis failure part way ends
 *	the array with that error as its last element (ctl_fail).
 * SEE ALSO
 *	relayctl(8), cmd_domain.c, cmd_member.c, ctl_out.c
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "xalloc.h"

#define LIST_BATCH	1000	/* the SSCAN COUNT: names a round trip */

/* One kind of listing. */
struct listing {
	enum rkey_kind	 kind;		/* the record of each name */
	const char	*what;		/* "domains", for the error */
	const char	*bad_name;	/* why a name no key can hold is skipped */
	json_t		*(*obj)(const char *, const json_t *);
	void		 (*line)(const char *, const json_t *);
};

/* cmp_name - qsort: string replies by their bytes */
static int
cmp_name(const void *a, const void *b)
{
	const redisReply *x = *(redisReply *const *)a;
	const redisReply *y = *(redisReply *const *)b;
	size_t		 n = x->len < y->len ? x->len : y->len;
	int		 d = memcmp(x->str, y->str, n);

	return d != 0 ? d : (x->len > y->len) - (x->len < y->len);
}

/* list_one - print the record of one name (rec: its HGETALL reply) */
static void
list_one(struct ctl *c, const struct listing *l, const char *name,
    const redisReply *rec, json_t *skipped)
{
	json_t	*m, *o;

	if (rec->type == REDIS_REPLY_ERROR) {
		ctl_skip(c, skipped, l->kind, name, rec->str);
		return;
	}
	if (rec->type != REDIS_REPLY_ARRAY) {
		ctl_skip(c, skipped, l->kind, name, "unexpected reply");
		return;
	}
	if (rec->elements == 0)
		return;		/* being added or removed right now */
	m = ctl_hash_json(rec);
	o = l->obj(name, m);
	json_decref(m);
	json_object_del(o, "token");
	if (c->json)
		ctl_stream_item(c, o);
	else {
		l->line(name, o);
		json_decref(o);
	}
}

/* list_batch - the records of the names of one SSCAN reply, sorted */
static void
list_batch(struct ctl *c, const struct listing *l, const redisReply *a,
    json_t *skipped)
{
	redisReply	**names, **recs;
	char		 key[RKEY_MAX];
	const char	**keys;
	size_t		 i, n = 0;

	names = xcalloc(a->elements + 1, sizeof(*names));
	for (i = 0; i < a->elements; i++)
		if (a->element[i]->type == REDIS_REPLY_STRING)
			names[n++] = a->element[i];
	qsort(names, n, sizeof(*names), cmp_name);
	keys = xcalloc(n + 1, sizeof(*keys));
	recs = xcalloc(n + 1, sizeof(*recs));
	/* A listed name no key can hold is a bad record, not bad input. */
	for (i = 0; i < n; i++)
		if (rkey(key, sizeof(key), l->kind, names[i]->str, NULL) > 0)
			keys[i] = xstrdup(key);
	ctl_pipe(c, "HGETALL", keys, n, 0, NULL, recs);
	for (i = 0; i < n; i++) {
		if (keys[i] == NULL)
			ctl_skip(c, skipped, l->kind, names[i]->str,
			    l->bad_name);
		else
			list_one(c, l, names[i]->str, recs[i], skipped);
		freeReplyObject(recs[i]);
		free((char *)keys[i]);
	}
	free(recs);
	free(keys);
	free(names);
}

/*
 * list - SSCAN idx and print each name's record; the exit status, after
 * the note fix (NULL: none) when records were skipped
 */
static int
list(struct ctl *c, const struct listing *l, const char *idx,
    const char *fix)
{
	char		 cursor[CTL_CURSOR_MAX] = "0";
	json_t		*skipped = json_array();
	redisReply	*r;

	do {
		r = ctl_sscan(c, idx, cursor, LIST_BATCH);
		list_batch(c, l, r->element[1], skipped);
		freeReplyObject(r);
	} while (strcmp(cursor, "0") != 0);
	if (fix != NULL && json_array_size(skipped) > 0)
		ctl_note(c, NULL, "%s", fix);
	return ctl_stream_done(c, skipped, l->what);
}

/* domain_line - one domain of domain list, as text */
static void
domain_line(const char *d, const json_t *o)
{
	printf("%-40s %-20s %-10s %s\n", ctl_tx(d), ctl_txf(o, "member", ""),
	    json_is_true(json_object_get(o, "verified")) ? "verified" :
	    "pending", ctl_txf(o, "selector", ""));
}

/* member_line - one member of member list, as text */
static void
member_line(const char *h, const json_t *o)
{
	printf("%-32s %-40s %s\n", ctl_tx(h), ctl_txf(o, "did", ""),
	    json_is_true(json_object_get(o, "suspended")) ? "suspended" :
	    "active");
}

int
ctl_domain_list(struct ctl *c, int argc, char **argv)
{
	static const struct listing l = { RKEY_DOMAIN, "domains",
	    "not a domain a key can hold", ctl_domain_obj, domain_line };
	const char	*member = NULL;
	struct ctl_opt	 opts[] = { { "member", 1, &member }, { NULL, 0, NULL } };
	char		 h[64], idx[RKEY_MAX];

	ctl_args(c, argc, argv, opts, NULL, 0, 0,
	    "domain list [--member HANDLE]");
	if (member != NULL) {
		ctl_member(c, member, h, sizeof(h));
		ctl_key(c, idx, RKEY_MEMBER_DOMAINS, h, NULL);
	} else
		ctl_key(c, idx, RKEY_DOMAINS, NULL, NULL);
	return list(c, &l, idx, "relayctl domain remove deletes a broken "
	    "record");
}

int
ctl_member_list(struct ctl *c, int argc, char **argv)
{
	static const struct listing l = { RKEY_MEMBER, "members",
	    "not a handle a key can hold", ctl_member_obj, member_line };
	char		 idx[RKEY_MAX];

	ctl_args(c, argc, argv, NULL, NULL, 0, 0, "member list");
	ctl_key(c, idx, RKEY_MEMBERS, NULL, NULL);
	return list(c, &l, idx, NULL);
}
