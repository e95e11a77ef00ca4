/*
 * NAME
 *	rreply - what Redis's replies say about the server (pure)
 * SEE ALSO
 *	rreply.h
 */
#include <string.h>

#include "rreply.h"

int
rreply_has_code(const char *err, const char *code)
{
	size_t		 n = strlen(code);
	const char	*p;

	if (err == NULL)
		return 0;
	if (strncmp(err, code, n) == 0 && (err[n] == ' ' || err[n] == '\0'))
		return 1;
	for (p = strchr(err, '-'); p != NULL; p = strchr(p + 1, '-'))
		if (strncmp(p + 1, code, n) == 0 && p[1 + n] == ' ')
			return 1;
	for (p = strstr(err, ": "); p != NULL; p = strstr(p + 2, ": "))
		if (strncmp(p + 2, code, n) == 0 && p[2 + n] == ' ')
			return 1;
	return 0;
}

int
rreply_replica(const char *err)
{
	return rreply_has_code(err, "READONLY") ||
	    rreply_has_code(err, "MASTERDOWN");
}

/* text - a reply with a string in str */
static int
text(const redisReply *r)
{
	return r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS;
}

enum rreply_role
rreply_role(const redisReply *r)
{
	const redisReply *k, *v;
	size_t		 i;

	if (r == NULL || r->type != REDIS_REPLY_ARRAY)
		return RREPLY_ROLE_UNKNOWN;
	for (i = 0; i + 1 < r->elements; i += 2) {
		k = r->element[i];
		v = r->element[i + 1];
		if (!text(k))
			continue;
		if (strcmp(k->str, "role") != 0)
			continue;
		if (!text(v))
			return RREPLY_ROLE_UNKNOWN;
		if (strcmp(v->str, "master") == 0)
			return RREPLY_ROLE_PRIMARY;
		if (strcmp(v->str, "replica") == 0 ||
		    strcmp(v->str, "slave") == 0)
			return RREPLY_ROLE_REPLICA;
		return RREPLY_ROLE_UNKNOWN;
	}
	return RREPLY_ROLE_UNKNOWN;
}
