/*
 * NAME
 *	conf_diff - what a reload changed in relay.conf
 * DESCRIPTION
 *	The daemons reload relay.conf on a signal. Some settings take
 *	effect at once, others only at a restart (a socket bound before
 *	dropping privileges, the pid file); these functions compare the old
 *	and the new configuration, so that each daemon can apply the first
 *	kind and name the second in its reload line (restart_needed=).
 */
#ifndef RELAY_CONF_DIFF_H
#define RELAY_CONF_DIFF_H

#include <stddef.h>

#include "conf.h"

/* conf_diff_str - 1 when two optional strings differ (NULL as "") */
int	 conf_diff_str(const char *a, const char *b);
/* conf_diff_list - 1 when two lists of strings differ (order counts) */
int	 conf_diff_list(char **a, int na, char **b, int nb);
/*
 * conf_diff_redis_link - 1 when the connection itself differs: the
 * address, the login or the database (not the timeouts)
 */
int	 conf_diff_redis_link(const struct conf_redis *a,
	    const struct conf_redis *b);
/* conf_diff_redis - 1 when any redis.* setting differs */
int	 conf_diff_redis(const struct conf_redis *a, const struct conf_redis *b);
/*
 * conf_diff_note - when changed, append key to the comma-separated list
 * in buf (len bytes, NUL-terminated, cut at len)
 */
void	 conf_diff_note(char *buf, size_t len, int changed, const char *key);
/*
 * conf_diff_note_daemon - conf_diff_note for the daemon.* settings, which
 * every daemon applies only at a restart (privileges are dropped once)
 */
void	 conf_diff_note_daemon(char *buf, size_t len,
	    const struct relay_conf *o, const struct relay_conf *n);

#endif
