/*
 * NAME
 *	policyd_move - the moves of relay-policyd's requests, pure
 * DESCRIPTION
 *	Two decisions from facts policyd_redis.c keeps: whether a drop for
 *	a replica moves the batches waiting on it, and which of them go.
 * SEE ALSO
 *	policyd_move.h, policyd_redis.c
 */
#include "policyd_move.h"

int
pd_move_ok(int64_t now_ms, int64_t last_ms, int window_ms)
{
	return last_ms == 0 || now_ms - last_ms >= window_ms;
}

int
pd_batch_moves(int reported, int failed, int moved)
{
	return !reported && !failed && !moved;
}
