/*
 * NAME
 *	policyd_dcache - what relay-policyd last read of a sender domain
 * DESCRIPTION
 *	Chained hash table (FNV-1a over the domain name), a fixed number of
 *	buckets, a bounded number of entries. Pure: no I/O, the caller gives
 *	the time.
 * SEE ALSO
 *	policyd_dcache.h
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policyd_dcache.h"
#include "xalloc.h"

#define NBUCKETS	4096	/* a power of two */

struct node {
	struct node	*next;
	time_t		 expires;
	char		 domain[PD_DCACHE_NAME_MAX];
	struct pd_dcache_ent ent;
};

struct pd_dcache {
	struct node	*bucket[NBUCKETS];
	size_t		 count, max;
	int		 ttl_s;
};

static size_t
hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h & (NBUCKETS - 1);
}

struct pd_dcache *
pd_dcache_new(size_t max, int ttl_s)
{
	struct pd_dcache *c = xcalloc(1, sizeof(*c));

	c->max = max > 0 ? max : 1;
	c->ttl_s = ttl_s;
	return c;
}

/* sweep - drop the expired entries, or with all set every entry */
static void
sweep(struct pd_dcache *c, time_t now, int all)
{
	struct node **pp, *n;
	size_t	 i;

	for (i = 0; i < NBUCKETS; i++) {
		pp = &c->bucket[i];
		while ((n = *pp) != NULL) {
			if (all || n->expires <= now) {
				*pp = n->next;
				free(n);
				c->count--;
			} else {
				pp = &n->next;
			}
		}
	}
}

void
pd_dcache_free(struct pd_dcache *c)
{
	if (c == NULL)
		return;
	sweep(c, 0, 1);
	free(c);
}

static struct node **
find(struct pd_dcache *c, const char *domain)
{
	struct node **pp = &c->bucket[hash(domain)];

	while (*pp != NULL && strcmp((*pp)->domain, domain) != 0)
		pp = &(*pp)->next;
	return pp;
}

int
pd_dcache_get(struct pd_dcache *c, const char *domain, time_t now,
    struct pd_dcache_ent *out)
{
	struct node **pp = find(c, domain), *n = *pp;

	if (n == NULL)
		return 0;
	if (n->expires <= now) {
		*pp = n->next;
		free(n);
		c->count--;
		return 0;
	}
	*out = n->ent;
	return 1;
}

void
pd_dcache_put(struct pd_dcache *c, const char *domain,
    const struct pd_dcache_ent *e, time_t now)
{
	struct node **pp, *n;

	if (strlen(domain) >= PD_DCACHE_NAME_MAX)
		return;
	pp = find(c, domain);
	if ((n = *pp) == NULL) {
		if (c->count >= c->max)
			sweep(c, now, 0);
		if (c->count >= c->max)
			sweep(c, now, 1);
		pp = find(c, domain);
		n = xcalloc(1, sizeof(*n));
		memcpy(n->domain, domain, strlen(domain) + 1);
		*pp = n;
		c->count++;
	}
	n->ent = *e;
	n->ent.member[sizeof(n->ent.member) - 1] = '\0';
	n->expires = now + c->ttl_s;
}

void
pd_dcache_del(struct pd_dcache *c, const char *domain)
{
	struct node **pp = find(c, domain), *n = *pp;

	if (n == NULL)
		return;
	*pp = n->next;
	free(n);
	c->count--;
}

size_t
pd_dcache_count(const struct pd_dcache *c)
{
	return c->count;
}
