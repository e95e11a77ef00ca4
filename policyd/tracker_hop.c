/*
 * NAME
 *	tracker_hop - follow a message through an after-queue content filter
 * DESCRIPTION
 *	The set of recently received queue ids is a ring (insertion order)
 *	indexed by an open-addressing hash table with linear probing; a
 *	removal shifts the entries after it back, so no tombstones build up.
 *	The stash is a small ring searched linearly: it is read only when a
 *	hand-off links a queue id.
 * SEE ALSO
 *	tracker_hop.h
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "maillog.h"
#include "tracker_apply.h"
#include "tracker_hop.h"
#include "xalloc.h"

#define HOPSEEN_SLOTS	(2 * HOPSEEN_MAX)	/* a power of two */

struct hopseen {
	char		 ring[HOPSEEN_MAX][MAILLOG_QID_MAX];
	size_t		 next;			/* the oldest, once full */
	size_t		 used;
	uint32_t	 slot[HOPSEEN_SLOTS];	/* ring index + 1; 0: empty */
};

/* hash - FNV-1a of a queue id, masked to the table */
static size_t
hash(const char *s)
{
	uint32_t	 h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h & (HOPSEEN_SLOTS - 1);
}

/* find - the table slot holding qid, or the empty one where it would go */
static size_t
find(const struct hopseen *hs, const char *qid)
{
	size_t	 i = hash(qid);

	while (hs->slot[i] != 0 && strcmp(hs->ring[hs->slot[i] - 1], qid) != 0)
		i = (i + 1) & (HOPSEEN_SLOTS - 1);
	return i;
}

/* forget - take table slot i out, shifting the probe run after it back */
static void
forget(struct hopseen *hs, size_t i)
{
	size_t	 j = i, k;

	for (;;) {
		hs->slot[i] = 0;
		for (;;) {
			j = (j + 1) & (HOPSEEN_SLOTS - 1);
			if (hs->slot[j] == 0)
				return;
			k = hash(hs->ring[hs->slot[j] - 1]);
			/* stays when its home k lies cyclically in (i, j] */
			if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
				continue;
			break;
		}
		hs->slot[i] = hs->slot[j];
		i = j;
	}
}

struct hopseen *
hopseen_new(void)
{
	return xcalloc(1, sizeof(struct hopseen));
}

void
hopseen_free(struct hopseen *hs)
{
	free(hs);
}

void
hopseen_add(struct hopseen *hs, const char *qid)
{
	size_t	 i, n = strlen(qid);

	if (n == 0 || n >= MAILLOG_QID_MAX)
		return;
	i = find(hs, qid);
	if (hs->slot[i] != 0)
		return;
	if (hs->used == HOPSEEN_MAX) {
		forget(hs, find(hs, hs->ring[hs->next]));
		hs->used--;
		i = find(hs, qid);
	}
	memcpy(hs->ring[hs->next], qid, n + 1);
	hs->slot[i] = (uint32_t)hs->next + 1;
	hs->next = (hs->next + 1) % HOPSEEN_MAX;
	hs->used++;
}

int
hopseen_has(const struct hopseen *hs, const char *qid)
{
	return hs != NULL && qid[0] != '\0' && hs->slot[find(hs, qid)] != 0;
}

int
tracker_hop_relay(const char *relay, char *const *filters, int nfilters)
{
	const char	*lb = strrchr(relay, '['), *rb;
	char		 addr[MAILLOG_RELAY_MAX];
	size_t		 len;
	int		 i;

	if (lb == NULL || (rb = strchr(lb, ']')) == NULL)
		return 0;
	len = (size_t)(rb - lb - 1);
	if (len == 0 || len >= sizeof(addr))
		return 0;
	memcpy(addr, lb + 1, len);
	addr[len] = '\0';
	if (strncmp(addr, "127.", 4) == 0 || strcmp(addr, "::1") == 0 ||
	    strcmp(addr, "ipv6:::1") == 0 || addr[0] == '/' ||
	    strncmp(addr, "private/", 8) == 0 ||
	    strncmp(addr, "public/", 7) == 0)
		return 1;
	for (i = 0; i < nfilters; i++)
		if (strcmp(addr, filters[i]) == 0)
			return 1;
	return 0;
}

void
tracker_hop_link(struct tracker_item *it, size_t n, const struct hopseen *seen,
    char *const *filters, int nfilters)
{
	const struct maillog_event *ev;
	const char	*root;
	size_t		 i, j;

	for (i = 0; i < n; i++)
		it[i].handoff = it[i].propagated = 0;
	for (i = 0; i < n; i++) {
		ev = &it[i].ev;
		if (ev->kind != MAILLOG_DELIVERY ||
		    ev->status != MAILLOG_ST_SENT || it[i].failed ||
		    it[i].handle[0] == '\0' || ev->next_qid[0] == '\0' ||
		    strcmp(ev->next_qid, ev->qid) == 0 ||
		    !hopseen_has(seen, ev->next_qid) ||
		    !tracker_hop_relay(ev->relay, filters, nfilters))
			continue;
		it[i].handoff = 1;
		root = it[i].root[0] != '\0' ? it[i].root : ev->qid;
		for (j = i + 1; j < n; j++) {
			if (strcmp(it[j].ev.qid, ev->next_qid) != 0)
				continue;
			/* a record of its own (the milter's) is not ours */
			if (it[j].handle[0] != '\0' && it[j].root[0] == '\0')
				continue;
			memcpy(it[j].handle, it[i].handle, sizeof(it[j].handle));
			/* j > i: root is another item's, never it[j]'s */
			memcpy(it[j].root, root, strlen(root) + 1);
			it[j].asked = 1;
			it[j].failed = 0;
			it[j].propagated = 1;
		}
	}
}

struct hopstash {
	struct tracker_item	 item[HOPSTASH_MAX];
	int			 used[HOPSTASH_MAX];
	size_t			 next;		/* the slot written next */
};

struct hopstash *
hopstash_new(void)
{
	return xcalloc(1, sizeof(struct hopstash));
}

void
hopstash_free(struct hopstash *st)
{
	free(st);
}

void
hopstash_put(struct hopstash *st, const struct tracker_item *it)
{
	size_t	 i;

	/* a batch retried puts its lines again: the same line once */
	for (i = 0; i < HOPSTASH_MAX; i++)
		if (st->used[i] && st->item[i].pos.off == it->pos.off &&
		    st->item[i].pos.ino == it->pos.ino &&
		    st->item[i].pos.dev == it->pos.dev &&
		    strcmp(st->item[i].ev.qid, it->ev.qid) == 0)
			return;
	st->item[st->next] = *it;
	st->used[st->next] = 1;
	st->next = (st->next + 1) % HOPSTASH_MAX;
}

int
hopstash_has(const struct hopstash *st, const char *qid)
{
	size_t	 i;

	for (i = 0; i < HOPSTASH_MAX; i++)
		if (st->used[i] && strcmp(st->item[i].ev.qid, qid) == 0)
			return 1;
	return 0;
}

size_t
hopstash_find(const struct hopstash *st, const char *qid,
    struct tracker_item *out, size_t max)
{
	size_t	 i, k = 0, s;

	/* oldest first: from the slot written next, round */
	for (i = 0; i < HOPSTASH_MAX && k < max; i++) {
		s = (st->next + i) % HOPSTASH_MAX;
		if (st->used[s] && strcmp(st->item[s].ev.qid, qid) == 0)
			out[k++] = st->item[s];
	}
	return k;
}

void
hopstash_drop(struct hopstash *st, const char *qid)
{
	size_t	 i;

	for (i = 0; i < HOPSTASH_MAX; i++)
		if (st->used[i] && strcmp(st->item[i].ev.qid, qid) == 0)
			st->used[i] = 0;
}
