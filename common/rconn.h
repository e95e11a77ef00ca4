/*
 * NAME
 *	rconn - one blocking Redis connection with timeouts and reconnects
 * DESCRIPTION
 *	A wrapper around a hiredis context for the programs that talk to
 *	Redis synchronously (relay-milter uses one per thread, relay-tracker
 *	and relayctl one each; relay-policyd uses hiredis' async API and only
 *	borrows the settings). It connects over a unix socket or TCP, sends
 *	AUTH and SELECT, loads every Lua script (unless rconn_lazy_scripts),
 *	and applies the command timeout from relay.conf.
 *
 *	Failures are temporary by definition: every function that talks to
 *	Redis returns NULL or a negative code when Redis is down, slow past
 *	the timeout, or answers with an error, and rconn_errstr() says what
 *	happened. After an I/O failure the context is dropped and the next
 *	call reconnects, but not before a backoff that doubles from
 *	reconnect_min_ms to reconnect_max_ms; calls during the backoff fail
 *	at once instead of waiting, so a dead Redis costs nothing per message.
 *	A READONLY reply (the server became a replica) replaces the
 *	connection, and every other one of the process, before its next
 *	command, without a backoff (rconn.c).
 * THREADS
 *	A struct rconn belongs to one thread at a time.
 * OWNERSHIP
 *	Replies returned are the caller's: freeReplyObject() them.
 */
#ifndef RELAY_RCONN_H
#define RELAY_RCONN_H

#include <hiredis.h>

#include "conf.h"

enum {
	RCONN_OK = 0,
	RCONN_EDOWN = -1,	/* not connected, waiting for the backoff */
	RCONN_EIO = -2,		/* connect, I/O or timeout failure */
	RCONN_EREPLY = -3	/* Redis answered with an error */
};

struct rconn;

/* rconn_new - a connection for these settings (copied); not yet connected */
struct rconn *rconn_new(const struct conf_redis *);
/*
 * rconn_lazy_scripts - do not load every Lua script on connect: a script is
 * loaded when its first EVALSHA meets NOSCRIPT (rscript_call). For short
 * programs that run one script at most and never pipeline one
 * (rscript_append cannot retry); relay-checkpw.
 */
void	 rconn_lazy_scripts(struct rconn *);
/*
 * rconn_primary_only - the connection is for the primary: each connect
 * asks HELLO for the server's role, and a replica is a failed attempt
 * (with the backoff). For the daemons, which write on every message; not
 * for relayctl, whose reads a replica can answer.
 */
void	 rconn_primary_only(struct rconn *);
/*
 * rconn_replicas - how many times a connection of this process found its
 * server turned into a replica (READONLY). Every connection made before
 * the last of them is replaced before its next command; relay-milter's
 * fact cache follows it too.
 */
unsigned long rconn_replicas(void);
/*
 * rconn_switched - Sentinel moved the primary (rswitch.c): as a READONLY
 * would, every connection made before is replaced before its next command
 */
void	 rconn_switched(void);
/*
 * rconn_primary - "HOST:PORT" the sentinels named at the last connect; ""
 * without redis.sentinels (the address is the configured one)
 */
const char *rconn_primary(const struct rconn *);
/*
 * rconn_auth_argv - the AUTH command for a user (Redis ACL, "" for the
 * default user) and password: its argc with argv[0..argc) set, or 0 when
 * no AUTH is to be sent (no password). One place for every connection
 * (rconn, relay-milter's invalidation subscriber, relay-policyd's async one).
 */
int	 rconn_auth_argv(const char *user, const char *password,
	    const char *argv[3]);
/* rconn_free - close and free; NULL is a no-op */
void	 rconn_free(struct rconn *);

/* rconn_ensure - connect now if not connected and the backoff allows */
int	 rconn_ensure(struct rconn *);

/*
 * rconn_cmd / rconn_cmdargv - one command. NULL on any failure, including
 * an error reply (whose text is then in rconn_errstr()).
 */
redisReply *rconn_cmd(struct rconn *, const char *fmt, ...);
redisReply *rconn_cmdargv(struct rconn *, int argc, const char **argv,
	    const size_t *argvlen);
/* rconn_raw - like rconn_cmdargv but an error reply is returned, not NULL */
redisReply *rconn_raw(struct rconn *, int argc, const char **argv,
	    const size_t *argvlen);

/* Pipelining: append many commands, then read as many replies. */
int	 rconn_append(struct rconn *, int argc, const char **argv,
	    const size_t *argvlen);
/* rconn_reply - next pipelined reply (error replies included), or NULL */
redisReply *rconn_reply(struct rconn *);

/* rconn_errstr - the last failure, for a log line (valid until the next call) */
const char *rconn_errstr(const struct rconn *);
/* rconn_connected - 1 while a context is up */
int	 rconn_connected(const struct rconn *);
/* rconn_counts - connects tried and connections lost so far (for metrics) */
void	 rconn_counts(const struct rconn *, unsigned long *attempts,
	    unsigned long *failures);

/*
 * rconn_same - 1 when the connection is to the server, database and user
 * these settings name (another program's settings, a newer relay.conf)
 */
int	 rconn_same(const struct rconn *, const struct conf_redis *);
/*
 * rconn_ident - the server, database and user of the connection as one
 * string into buf (cut to len): two connections give the same string
 * exactly when they reach the same data (the key of a cache of it)
 */
void	 rconn_ident(const struct rconn *, char *buf, size_t len);

/*
 * rconn_mark / rconn_setmark - a number the owner attaches to the current
 * connection, for state it set up on it (relay-milter: which fact cache
 * subscriber its reads are tracked for). 0 while down and after every
 * reconnect.
 */
unsigned long rconn_mark(const struct rconn *);
void	 rconn_setmark(struct rconn *, unsigned long);

/*
 * rconn_wait - Redis WAIT n ms: what this connection wrote reached n
 * replicas (1), or fewer in time (0: rconn_errstr() says how many), or
 * the command failed (-1). attempts is rconn_attempts()'s (or
 * rconn_counts()'s), taken before the writes: a WAIT on a connection
 * made since waits for none of them (0).
 * rconn_attempts - connects tried so far, after one if not connected.
 * rconn_wait_acks - the same judgement of a WAIT reply pipelined by the
 * caller (acks, or -1: its connection changed).
 */
int	 rconn_wait(struct rconn *, int n, int ms, unsigned long attempts);
unsigned long rconn_attempts(struct rconn *);
int	 rconn_wait_acks(struct rconn *, long long acks, int n, int ms);

/* rconn_seterr - record a failure text without dropping the connection */
void	 rconn_seterr(struct rconn *, const char *why);
/* rconn_fail - drop the connection after a failure the caller saw */
void	 rconn_fail(struct rconn *, const char *why);

#endif
