/*
 * NAME
 *	rreply - what Redis's replies say about the server (pure)
 * DESCRIPTION
 *	rreply_has_code() finds an error code in an error reply's text,
 *	also where a script's error carries it ("ERR Error running script
 *	... -READONLY You can't write ...", Redis before 7) or after a
 *	prefix of ours ("script ctl_create: READONLY ...").
 *
 *	rreply_replica() says the server refused a command because it is a
 *	replica: READONLY to a write, which a primary turned into a replica
 *	answers (a failover, REPLICAOF), or MASTERDOWN, which one configured
 *	with replica-serve-stale-data no answers to anything while its link
 *	to the primary is down. The connection still works, so nothing else
 *	tells the programs that the address they connect to may lead to the
 *	new primary now (a DNS name, a proxy that keeps the sessions it
 *	had): they replace that connection (rconn.c, policyd_redis.c).
 *
 *	rreply_role() reads HELLO's reply (Redis 6 and later; RESP2: a flat
 *	array of names and values): whether the server is the primary. A
 *	Redis 5 (no HELLO) or an ACL that denies it tells nothing.
 * SEE ALSO
 *	rconn.c, policyd/policyd_redis.c, milter/fcache.c,
 *	tests/unit/test_rreply.c
 */
#ifndef RELAY_RREPLY_H
#define RELAY_RREPLY_H

#include <hiredis.h>

enum rreply_role {
	RREPLY_ROLE_UNKNOWN = -1,	/* an error reply, no "role" */
	RREPLY_ROLE_REPLICA = 0,
	RREPLY_ROLE_PRIMARY = 1
};

/* rreply_has_code - code at err's start, after '-' or ": ", then a space */
int	 rreply_has_code(const char *err, const char *code);
/* rreply_replica - err (an error reply's text or NULL): READONLY... */
int	 rreply_replica(const char *err);
/* rreply_role - the role HELLO's reply r names (NULL: unknown) */
enum rreply_role rreply_role(const redisReply *r);

#endif
