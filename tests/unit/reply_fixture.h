/*
 * NAME
 *	reply_fixture - a Redis string reply made by hand
 * DESCRIPTION
 *	reply_str() fills *r as hiredis would for the bulk string s (which
 *	must outlive *r) and returns r: the reply readers' tests build the
 *	answers of Sentinel and Redis from these, no server needed.
 * SEE ALSO
 *	tests/unit/test_rsentinel.c, tests/unit/test_rswitch.c
 */
#ifndef RELAY_TEST_REPLY_FIXTURE_H
#define RELAY_TEST_REPLY_FIXTURE_H

#include <string.h>
#include <hiredis/hiredis.h>

static inline redisReply *
reply_str(redisReply *r, const char *s)
{
	memset(r, 0, sizeof(*r));
	r->type = REDIS_REPLY_STRING;
	r->str = (char *)s;
	r->len = strlen(s);
	return r;
}

#endif
