/*
 * NAME
 *	mlfi_state - what relay-milter's sessions share
 * DESCRIPTION
 *	The current configuration, held by each session from its start to
 *	its close (a reload makes a new one current; the old one is freed
 *	when its last session closes). The pool of Redis connections not in
 *	use by a session: a connection made under an older configuration is
 *	not pooled again. The DKIM key cache. Only mlfi.c uses these.
 */
#ifndef RELAY_MILTER_MLFI_STATE_H
#define RELAY_MILTER_MLFI_STATE_H

#include "conf.h"
#include "keycache.h"
#include "rconn.h"

/* A configuration and the milter connections still using it. */
struct confref {
	struct relay_conf *cf;
	int		 refs;		/* + 1 while it is the current one */
};

/* conf_hold - the current config, held until conf_release */
struct confref *conf_hold(void);
void	 conf_release(struct confref *);
/* pool_get - a pooled Redis connection, or a new one for conf */
struct rconn *pool_get(const struct relay_conf *conf);
/* pool_put - keep rc for the next session, unless made under an old config */
void	 pool_put(struct rconn *rc, const struct confref *cr);
/* mlfi_keys - the DKIM key cache */
struct keycache *mlfi_keys(void);

#endif
