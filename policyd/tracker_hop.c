/*
 * NAME
 *	tracker_hop - follow a message through an after-queue content filter
 * DESCRIPTION
 *	The set of recently received queue ids is a ring (insertion order)
 *	indexed by an open-addressing hash table with linear probing; a
 *	removal shifts the entries after it back, so no tombstones build up.
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

void
tracker_hop_link(struct tracker_item *it, size_t n, const struct hopseen *seen)
{
	const struct maillog_event *ev;
	const char	*root;
	size_t		 i, j;

	for (i = 0; i < n; i++)
		it[i].handoff = 0;
	for (i = 0; i < n; i++) {
		ev = &it[i].ev;
		if (ev->kind != MAILLOG_DELIVERY ||
		    ev->status != MAILLOG_ST_SENT || it[i].failed ||
		    it[i].handle[0] == '\0' || ev->next_qid[0] == '\0' ||
		    strcmp(ev->next_qid, ev->qid) == 0 ||
		    !hopseen_has(seen, ev->next_qid))
			continue;
		it[i].handoff = 1;
		root = it[i].root[0] != '\0' ? it[i].root : ev->qid;
		for (j = i + 1; j < n; j++) {
			if (strcmp(it[j].ev.qid, ev->next_qid) != 0)
				continue;
			memcpy(it[j].handle, it[i].handle, sizeof(it[j].handle));
			/* j > i: root is another item's, never it[j]'s */
			memcpy(it[j].root, root, strlen(root) + 1);
			it[j].asked = 1;
			it[j].failed = 0;
		}
	}
}
