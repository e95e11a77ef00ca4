/*
 * NAME
 *	checkpw_match - does an API key match one of a member's stored keys
 * DESCRIPTION
 *	Pure. Stored values are "CREATED SHA256HEX" (relay:{m:H}:apikeys,
 *	common/SCHEMA.md). The key is hashed once and compared with every
 *	stored hash in constant time, without stopping at the first match,
 *	so the time taken says nothing about which key, if any, matched.
 */
#ifndef RELAY_CHECKPW_MATCH_H
#define RELAY_CHECKPW_MATCH_H

#include <stddef.h>

#define CHECKPW_KEY_MAX	256

/*
 * checkpw_match - 1 and *which = the index of the matching value, or 0.
 * A malformed stored value never matches.
 */
int	 checkpw_match(const char *key, size_t keylen, const char *const *vals,
	    size_t n, size_t *which);

#endif
