/*
 * NAME
 *	policyd_redis - hiredis' async API on relay-policyd's event loop
 * DESCRIPTION
 *	One connection per process, shared by every client: a request sends
 *	a batch of commands (pipelined, one round trip) and gets one callback
 *	with all the replies, copied into rvals. hiredis 0.14 has no command
 *	timeout, so each batch has a timer of redis.timeout_ms: when it fires
 *	the connection counts as stuck, is dropped, and every batch still
 *	waiting on it completes as failed. A dropped or refused connection is
 *	retried after a backoff that doubles from redis.reconnect_min_ms to
 *	reconnect_max_ms and is reset by the first good reply; while down,
 *	pr_batch() fails at once. So a caller hears back within the timeout,
 *	always, and the answer is normal again as soon as Redis is.
 *
 *	On every new connection AUTH, SELECT and SCRIPT LOAD of every script
 *	go first; EVALSHA behind them always finds its script. After a
 *	NOSCRIPT reply (SCRIPT FLUSH while connected, a failover to a Redis
 *	that never loaded them) the scripts are loaded again and that EVALSHA
 *	is sent again, once, on the same connection: the batch's callback
 *	sees only the second reply, within the same timeout. Only when that
 *	one is NOSCRIPT too (the load was refused) is it the answer, an
 *	error reply like any other (policyd_noscript.h).
 * OWNERSHIP
 *	The replies given to the callback are the callback's to keep or
 *	free (rval_free, or pr_replies_free for all of them).
 */
#ifndef RELAY_POLICYD_REDIS_H
#define RELAY_POLICYD_REDIS_H

#include <stddef.h>

#include "addr.h"
#include "conf.h"
#include "policyd_rval.h"

struct event_base;
struct rscript;
struct pr;

/* the first round trip: member, the sender domain's chain, suppression */
#define PR_MAX_CMDS	(ADDR_CHAIN_MAX + 4)
#define PR_MAX_ARGS	16

/* One command: argv[0..argc). With script set, argv is "NKEYS KEYS... ARGS..." */
struct pr_cmd {
	const struct rscript *script;
	int		 argc;
	const char	*argv[PR_MAX_ARGS];
};

/*
 * A batch's callback: status 0 when every command got a reply (error
 * replies included, as RVAL_ERR), -1 on a timeout or a lost connection
 * (then some replies are NULL). Called exactly once, never from inside
 * pr_batch().
 */
typedef void pr_done_fn(void *arg, int status, struct rval **replies,
    size_t n);

struct pr *pr_new(struct event_base *, const struct conf_redis *);
/*
 * pr_reconfigure - the redis.* settings of a reload. With reconnect
 * (another address, login or database: conf_diff_redis_link) the old
 * connection is dropped (waiting batches complete as failed) and a new
 * one made at once; else the new timeouts and backoffs apply from their
 * next use.
 */
void	 pr_reconfigure(struct pr *, const struct conf_redis *, int reconnect);
/* pr_free - drop the connection (waiting batches complete as failed) */
void	 pr_free(struct pr *);
/* pr_start - the first connect */
void	 pr_start(struct pr *);

/*
 * pr_batch - send n commands. 0: cb will be called. -1: Redis is down or
 * the commands could not be queued; cb will not be called.
 */
int	 pr_batch(struct pr *, const struct pr_cmd *cmds, size_t n,
	    pr_done_fn *cb, void *arg);

/* pr_replies_free - free n replies and the array they are in */
void	 pr_replies_free(struct rval **replies, size_t n);

/* pr_up - 1 while connected and answering */
int	 pr_up(const struct pr *);

#endif
