/*
 * NAME
 *	ftable - values read from Redis, by key and field, until the key changes
 * DESCRIPTION
 *	Two chained hash tables: keys (one record per Redis key, holding the
 *	list of its fields) and entries (by key and field together, for the
 *	lookups). An entry sits in both: its bucket chain is doubly linked so
 *	that dropping a key unlinks each of its entries without a search.
 * SEE ALSO
 *	ftable.h, fcache.c
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ftable.h"
#include "xalloc.h"

struct fent;

struct krec {
	struct krec	*next;		/* key bucket chain */
	struct fent	*fields;	/* this key's entries */
	size_t		 keylen;
	char		 key[];
};

struct fent {
	struct fent	*next;		/* entry bucket chain */
	struct fent	**pprev;
	struct fent	*knext;		/* the key's list */
	struct krec	*k;
	char		*field;
	size_t		 len;
	unsigned char	 val[];
};

struct ftable {
	struct krec	**kb;
	struct fent	**eb;
	size_t		 mask;		/* both tables have mask + 1 buckets */
	size_t		 count, max;
	unsigned long	 seq, clears;
};

/* hash - FNV-1a over n bytes, continuing from h */
static uint32_t
hash(uint32_t h, const char *s, size_t n)
{
	while (n-- > 0)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

#define FNV0	2166136261u

static uint32_t
ehash(const char *key, size_t keylen, const char *field)
{
	return hash(hash(FNV0, key, keylen) ^ 0xff, field, strlen(field));
}

struct ftable *
ftable_new(size_t max)
{
	struct ftable	*t = xcalloc(1, sizeof(*t));
	size_t		 n = 64;

	while (n < max && n < ((size_t)1 << 20))
		n <<= 1;
	t->kb = xcalloc(n, sizeof(*t->kb));
	t->eb = xcalloc(n, sizeof(*t->eb));
	t->mask = n - 1;
	t->max = max > 0 ? max : 1;
	return t;
}

static struct krec **
kfind(const struct ftable *t, const char *key, size_t keylen)
{
	struct krec **kp = &t->kb[hash(FNV0, key, keylen) & t->mask];

	for (; *kp != NULL; kp = &(*kp)->next)
		if ((*kp)->keylen == keylen && memcmp((*kp)->key, key, keylen) == 0)
			break;
	return kp;
}

static struct fent *
efind(const struct ftable *t, const char *key, const char *field)
{
	size_t		 keylen = strlen(key);
	struct fent	*e = t->eb[ehash(key, keylen, field) & t->mask];

	for (; e != NULL; e = e->next)
		if (e->k->keylen == keylen && memcmp(e->k->key, key, keylen) == 0 &&
		    strcmp(e->field, field) == 0)
			break;
	return e;
}

/* kfree - unlink and free a key record and its entries; *kp points to it */
static void
kfree(struct ftable *t, struct krec **kp)
{
	struct krec	*k = *kp;
	struct fent	*e, *next;

	for (e = k->fields; e != NULL; e = next) {
		next = e->knext;
		*e->pprev = e->next;
		if (e->next != NULL)
			e->next->pprev = e->pprev;
		free(e->field);
		free(e);
		t->count--;
	}
	*kp = k->next;
	free(k);
}

int
ftable_get(const struct ftable *t, const char *key, const char *field,
    void *buf, size_t len)
{
	const struct fent *e = efind(t, key, field);

	if (e == NULL || e->len != len)
		return 0;
	memcpy(buf, e->val, len);
	return 1;
}

void
ftable_put(struct ftable *t, const char *key, const char *field,
    const void *val, size_t len)
{
	size_t		 keylen = strlen(key);
	struct krec	**kp, *k;
	struct fent	*e, **bp;

	if ((e = efind(t, key, field)) != NULL && e->len == len) {
		memcpy(e->val, val, len);
		return;
	}
	if (e != NULL || t->count >= t->max) {
		/* A size change is a caller's bug; full: start cold. */
		ftable_clear(t);
	}
	kp = kfind(t, key, keylen);
	if ((k = *kp) == NULL) {
		k = xcalloc(1, sizeof(*k) + keylen + 1);
		memcpy(k->key, key, keylen);
		k->keylen = keylen;
		*kp = k;
	}
	e = xcalloc(1, sizeof(*e) + len);
	e->k = k;
	e->field = xstrdup(field);
	e->len = len;
	memcpy(e->val, val, len);
	e->knext = k->fields;
	k->fields = e;
	bp = &t->eb[ehash(key, keylen, field) & t->mask];
	e->next = *bp;
	if (*bp != NULL)
		(*bp)->pprev = &e->next;
	e->pprev = bp;
	*bp = e;
	t->count++;
}

void
ftable_drop(struct ftable *t, const char *key, size_t keylen)
{
	struct krec **kp = kfind(t, key, keylen);

	t->seq++;
	if (*kp != NULL)
		kfree(t, kp);
}

void
ftable_clear(struct ftable *t)
{
	size_t i;

	t->seq++;
	t->clears++;
	for (i = 0; i <= t->mask; i++)
		while (t->kb[i] != NULL)
			kfree(t, &t->kb[i]);
}

void
ftable_free(struct ftable *t)
{
	if (t == NULL)
		return;
	ftable_clear(t);
	free(t->kb);
	free(t->eb);
	free(t);
}

unsigned long
ftable_seq(const struct ftable *t)
{
	return t->seq;
}

size_t
ftable_count(const struct ftable *t)
{
	return t->count;
}

unsigned long
ftable_clears(const struct ftable *t)
{
	return t->clears;
}
