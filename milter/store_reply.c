/*
 * NAME
 *	store_reply - what milter_record.lua's reply says
 * DESCRIPTION
 *	Pure: reads a hiredis reply, does no I/O. The script answers {1,
 *	...} (recorded; then the fields and values of the session's charges
 *	hash it deleted), {2, suspend_reason} (the member is suspended: nothing
 *	written) or {0, queued, cap} (the queue cap reached: nothing
 *	written). A reply of any other shape is neither: the caller
 *	tempfails rather than take it for "recorded" or "refused" (a message
 *	accepted without its record would never be tracked).
 * SEE ALSO
 *	store.c, common/lua/milter_record.lua, common/SCHEMA.md
 */
#include <stdio.h>
#include <string.h>

#include <hiredis.h>

#include "store.h"

int
store_record_reply(const redisReply *r, struct store_over *over)
{
	size_t	i;

	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements < 1 ||
	    r->element[0]->type != REDIS_REPLY_INTEGER)
		return -1;
	switch (r->element[0]->integer) {
	case 1:		/* then the charges hash's fields and values */
		if (r->elements % 2 != 1)
			return -1;
		for (i = 1; i < r->elements; i++)
			if (r->element[i]->type != REDIS_REPLY_STRING)
				return -1;
		return 1;
	case 2:
		if (r->elements != 2 || r->element[1]->type != REDIS_REPLY_STRING)
			return -1;
		snprintf(over->reason, sizeof(over->reason), "%s",
		    r->element[1]->str);
		over->suspended = 1;
		return 0;
	case 0:
		if (r->elements != 3 ||
		    r->element[1]->type != REDIS_REPLY_INTEGER ||
		    r->element[2]->type != REDIS_REPLY_INTEGER)
			return -1;
		over->queued = r->element[1]->integer;
		over->cap = r->element[2]->integer;
		over->hit = 1;
		return 0;
	}
	return -1;
}
