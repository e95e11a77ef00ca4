/*
 * NAME
 *	conf_diff - what a reload changed in relay.conf
 * DESCRIPTION
 *	Pure comparisons of two loaded configurations; see conf_diff.h.
 *	Tested by tests/unit/test_conf_diff.c.
 * SEE ALSO
 *	conf_diff.h, milter/reload.c, policyd/relay-policyd.c,
 *	policyd/relay-tracker.c
 */
#include <stdio.h>
#include <string.h>

#include "conf_diff.h"

int
conf_diff_str(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "") != 0;
}

int
conf_diff_list(char **a, int na, char **b, int nb)
{
	int	 i;

	if (na != nb)
		return 1;
	for (i = 0; i < na; i++)
		if (conf_diff_str(a[i], b[i]))
			return 1;
	return 0;
}

int
conf_diff_redis_link(const struct conf_redis *a, const struct conf_redis *b)
{
	return conf_diff_str(a->socket, b->socket) ||
	    conf_diff_str(a->host, b->host) || a->port != b->port ||
	    conf_diff_str(a->user, b->user) ||
	    conf_diff_str(a->password, b->password) || a->db != b->db ||
	    conf_diff_list(a->sentinels, a->nsentinels, b->sentinels,
	    b->nsentinels) ||
	    conf_diff_str(a->sentinel_master, b->sentinel_master) ||
	    conf_diff_str(a->sentinel_password, b->sentinel_password);
}

int
conf_diff_redis(const struct conf_redis *a, const struct conf_redis *b)
{
	return conf_diff_redis_link(a, b) || a->timeout_ms != b->timeout_ms ||
	    a->reconnect_min_ms != b->reconnect_min_ms ||
	    a->reconnect_max_ms != b->reconnect_max_ms;
}

void
conf_diff_note(char *buf, size_t len, int changed, const char *key)
{
	size_t	 n;

	if (!changed || len == 0)
		return;
	n = strnlen(buf, len - 1);
	snprintf(buf + n, len - n, "%s%s", n > 0 ? "," : "", key);
}

void
conf_diff_note_daemon(char *buf, size_t len, const struct relay_conf *o,
    const struct relay_conf *n)
{
	conf_diff_note(buf, len, conf_diff_str(o->daemon.user, n->daemon.user),
	    "daemon.user");
	conf_diff_note(buf, len, conf_diff_str(o->daemon.group,
	    n->daemon.group), "daemon.group");
}
