/*
 * NAME
 *	mlfi_state - the configuration in use, the key cache and the pool of
 *	Redis connections, shared by relay-milter's sessions
 * DESCRIPTION
 *	See mlfi_state.h; mlfi_init(), mlfi_conf(), mlfi_reload() and
 *	mlfi_shutdown() are mlfi.h's.
 */
#include <pthread.h>
#include <stdlib.h>

#include "fcache.h"
#include "keycache.h"
#include "mlfi.h"
#include "mlfi_sess.h"
#include "mlfi_state.h"
#include "rconn.h"
#include "rswitch.h"
#include "xalloc.h"

static pthread_mutex_t conf_lock = PTHREAD_MUTEX_INITIALIZER;
static struct confref *current;
static struct keycache *keys;

/* The pool: Redis connections not in use by a milter connection. */
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rconn **pool;
static size_t npool, poolcap;

/* conf_hold - the current config, held until conf_release */
struct confref *
conf_hold(void)
{
	struct confref *r;

	pthread_mutex_lock(&conf_lock);
	r = current;
	r->refs++;
	pthread_mutex_unlock(&conf_lock);
	return r;
}

void
conf_release(struct confref *r)
{
	int	 refs;

	pthread_mutex_lock(&conf_lock);
	refs = --r->refs;
	pthread_mutex_unlock(&conf_lock);
	if (refs == 0) {
		conf_free(r->cf);
		free(r);
	}
}

struct rconn *
pool_get(const struct relay_conf *conf)
{
	struct rconn *rc = NULL;

	pthread_mutex_lock(&pool_lock);
	if (npool > 0)
		rc = pool[--npool];
	pthread_mutex_unlock(&pool_lock);
	if (rc == NULL) {
		rc = rconn_new(&conf->redis);
		rconn_primary_only(rc);	/* every message writes */
	}
	return rc;
}

/* pool_put - keep rc for the next session, unless made under an old config */
void
pool_put(struct rconn *rc, const struct confref *cr)
{
	if (rc == NULL)
		return;
	pthread_mutex_lock(&pool_lock);
	if (cr != current) {
		pthread_mutex_unlock(&pool_lock);
		rconn_free(rc);
		return;
	}
	if (npool == poolcap) {
		poolcap = poolcap ? poolcap * 2 : 16;
		pool = xrealloc(pool, poolcap * sizeof(*pool));
	}
	pool[npool++] = rc;
	pthread_mutex_unlock(&pool_lock);
}

struct keycache *
mlfi_keys(void)
{
	return keys;
}

int
mlfi_init(struct relay_conf *cf)
{
	current = xcalloc(1, sizeof(*current));
	current->cf = cf;
	current->refs = 1;
	keys = keycache_new(cf->dkim.key_cache_s);
	return sess_init();
}

const struct relay_conf *
mlfi_conf(void)
{
	return current->cf;
}

void
mlfi_reload(struct relay_conf *cf)
{
	struct confref	*n = xcalloc(1, sizeof(*n)), *old;
	struct rconn	**drop;
	size_t		 ndrop, i;

	n->cf = cf;
	n->refs = 1;
	/* conf_lock, then pool_lock: pool_put reads current under pool_lock. */
	pthread_mutex_lock(&conf_lock);
	pthread_mutex_lock(&pool_lock);
	old = current;
	current = n;
	drop = pool;
	ndrop = npool;
	pool = NULL;
	npool = poolcap = 0;
	pthread_mutex_unlock(&pool_lock);
	pthread_mutex_unlock(&conf_lock);
	for (i = 0; i < ndrop; i++)	/* made with the old redis settings */
		rconn_free(drop[i]);
	free(drop);
	/* The fact cache, too, may follow another Redis now. */
	fcache_stop();
	fcache_start(&cf->redis, (size_t)cf->milter.cache_entries);
	/* and the Sentinel watch, other sentinels */
	(void)rswitch_reload(&cf->redis);
	conf_release(old);
}

void
mlfi_shutdown(void)
{
	struct rconn	**drop;
	size_t		 ndrop, i;

	/* Sessions have ended (mlfi_sess_drain), but the lock costs nothing
	   and keeps the pool's rule simple: never touched without it. */
	pthread_mutex_lock(&pool_lock);
	drop = pool;
	ndrop = npool;
	pool = NULL;
	npool = poolcap = 0;
	pthread_mutex_unlock(&pool_lock);
	for (i = 0; i < ndrop; i++)
		rconn_free(drop[i]);
	free(drop);
	keycache_free(keys);
	keys = NULL;
	if (current != NULL)
		conf_release(current);
	current = NULL;
}
