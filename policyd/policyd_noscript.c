/*
 * NAME
 *	policyd_noscript - the NOSCRIPT recovery of relay-policyd, pure
 * DESCRIPTION
 *	One decision per reply, from what the connection layer knows of the
 *	command; no I/O, no state of its own. The command is sent again at
 *	most once, so a Redis that keeps losing its scripts costs one 451
 *	per request, never a loop.
 * SEE ALSO
 *	policyd_noscript.h, policyd_redis.c
 */
#include <string.h>

#include "policyd_noscript.h"

enum pd_noscript_next
pd_noscript_next(const char *err, int script, int resent, int loaded)
{
	if (err == NULL || !script || strncmp(err, "NOSCRIPT", 8) != 0)
		return PD_NOSCRIPT_DONE;
	if (resent)
		return PD_NOSCRIPT_FAIL;
	return loaded ? PD_NOSCRIPT_RESEND : PD_NOSCRIPT_LOAD;
}
