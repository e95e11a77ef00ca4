/*
 * NAME
 *	policyd_move - when relay-policyd sends its waiting requests again
 *	on a new connection
 * DESCRIPTION
 *	A Redis primary turned into a replica under an open connection (a
 *	failover, REPLICAOF) answers READONLY to a write, or MASTERDOWN to
 *	anything while its link is down. The connection is dropped; the
 *	commands still waiting on it either met that error, which means
 *	they did not run, or had not been answered yet. Each such batch is
 *	sent again, once, on a new connection made at once, which goes to
 *	whatever the address (or Sentinel) leads to now: a failover the
 *	address follows costs no 451. A batch that met READONLY after a move
 *	keeps its answer (451). At most one move per window (the longest
 *	reconnect backoff): a server that answers READONLY on every new
 *	connection too (no HELLO to tell its role: Redis 5, an ACL without
 *	it) gets the usual backoff rather than a connection per request.
 *	Pure: policyd_redis.c gathers the facts and acts on the answers.
 * SEE ALSO
 *	policyd_redis.c, milter/store.c (relay-milter's once-more)
 */
#ifndef RELAY_POLICYD_MOVE_H
#define RELAY_POLICYD_MOVE_H

#include <stdint.h>

/*
 * pd_move_ok - at a drop for READONLY or MASTERDOWN at now_ms: 1 when its
 * waiting batches may move, the last move being at last_ms (0: none yet),
 * window_ms the shortest time between two moves; else 0
 */
int	 pd_move_ok(int64_t now_ms, int64_t last_ms, int window_ms);

/*
 * pd_batch_moves - 1 when a batch waiting on a connection dropped for a
 * move goes with it: not answered yet (reported), every command sent
 * (not failed), and not moved before
 */
int	 pd_batch_moves(int reported, int failed, int moved);

#endif
