/*
 * NAME
 *	keycache - DKIM private keys of recently seen domains
 * DESCRIPTION
 *	A chained hash table under one mutex. Lookups copy the keys out, so
 *	no pointer into the table leaves the lock.
 * SEE ALSO
 *	keycache.h
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "keycache.h"
#include "xalloc.h"

#define NBUCKETS	512

struct kentry {
	struct kentry	*next;
	char		*origin;	/* the Redis it was read from */
	char		*domain;
	char		*sel;
	long long	 created;	/* the domain's enrollment */
	char		*rsa;
	char		*ed;
	int64_t		 loaded_ms;
};

struct keycache {
	pthread_mutex_t	 lock;
	int64_t		 ttl_ms;
	unsigned	 count;
	struct kentry	*b[NBUCKETS];
};

/* hash - FNV-1a of the domain */
static unsigned
hash(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h % NBUCKETS;
}

static void
kentry_free(struct kentry *e)
{
	free(e->origin);
	free(e->domain);
	free(e->sel);
	if (e->rsa != NULL) {
		/* Private keys do not linger in freed memory. */
		memset(e->rsa, 0, strlen(e->rsa));
		free(e->rsa);
	}
	if (e->ed != NULL) {
		memset(e->ed, 0, strlen(e->ed));
		free(e->ed);
	}
	free(e);
}

struct keycache *
keycache_new(int ttl_s)
{
	struct keycache *kc = xcalloc(1, sizeof(*kc));

	pthread_mutex_init(&kc->lock, NULL);
	kc->ttl_ms = (int64_t)ttl_s * 1000;
	return kc;
}

void
keycache_free(struct keycache *kc)
{
	struct kentry *e, *n;
	unsigned i;

	if (kc == NULL)
		return;
	for (i = 0; i < NBUCKETS; i++)
		for (e = kc->b[i]; e != NULL; e = n) {
			n = e->next;
			kentry_free(e);
		}
	pthread_mutex_destroy(&kc->lock);
	free(kc);
}

int
keycache_get(struct keycache *kc, const char *origin, const char *domain,
    const char *sel, long long created, int64_t now_ms, char **rsa, char **ed)
{
	struct kentry *e;
	int hit = 0;

	*rsa = *ed = NULL;
	if (kc->ttl_ms <= 0)
		return 0;
	pthread_mutex_lock(&kc->lock);
	for (e = kc->b[hash(domain)]; e != NULL; e = e->next) {
		if (strcmp(e->domain, domain) != 0)
			continue;
		if (strcmp(e->origin, origin) == 0 &&
		    strcmp(e->sel, sel) == 0 && e->created == created &&
		    now_ms - e->loaded_ms < kc->ttl_ms &&
		    now_ms >= e->loaded_ms) {
			*rsa = xstrdup(e->rsa);
			*ed = e->ed ? xstrdup(e->ed) : NULL;
			hit = 1;
		}
		break;
	}
	pthread_mutex_unlock(&kc->lock);
	return hit;
}

/* sweep - drop stale entries; if none was stale, drop one bucket's chain */
static void
sweep(struct keycache *kc, int64_t now_ms)
{
	struct kentry **pp, *e;
	unsigned i, before = kc->count;

	for (i = 0; i < NBUCKETS; i++)
		for (pp = &kc->b[i]; (e = *pp) != NULL;) {
			if (now_ms - e->loaded_ms >= kc->ttl_ms) {
				*pp = e->next;
				kentry_free(e);
				kc->count--;
			} else
				pp = &e->next;
		}
	for (i = 0; kc->count == before && i < NBUCKETS; i++)
		while ((e = kc->b[i]) != NULL) {
			kc->b[i] = e->next;
			kentry_free(e);
			kc->count--;
		}
}

void
keycache_put(struct keycache *kc, const char *origin, const char *domain,
    const char *sel, long long created, int64_t now_ms, const char *rsa,
    const char *ed)
{
	struct kentry **pp, *e;
	unsigned h = hash(domain);

	if (kc->ttl_ms <= 0)
		return;
	pthread_mutex_lock(&kc->lock);
	/* One entry per domain: new keys replace the old ones. */
	for (pp = &kc->b[h]; (e = *pp) != NULL; pp = &e->next)
		if (strcmp(e->domain, domain) == 0) {
			*pp = e->next;
			kentry_free(e);
			kc->count--;
			break;
		}
	if (kc->count >= KEYCACHE_MAX)
		sweep(kc, now_ms);
	e = xcalloc(1, sizeof(*e));
	e->origin = xstrdup(origin);
	e->domain = xstrdup(domain);
	e->sel = xstrdup(sel);
	e->created = created;
	e->rsa = xstrdup(rsa);
	e->ed = ed ? xstrdup(ed) : NULL;
	e->loaded_ms = now_ms;
	e->next = kc->b[h];
	kc->b[h] = e;
	kc->count++;
	pthread_mutex_unlock(&kc->lock);
}

unsigned
keycache_count(struct keycache *kc)
{
	unsigned n;

	pthread_mutex_lock(&kc->lock);
	n = kc->count;
	pthread_mutex_unlock(&kc->lock);
	return n;
}
