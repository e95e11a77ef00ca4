/*
 * NAME
 *	checkpw_match - constant-time API key check
 * SEE ALSO
 *	checkpw_match.h, common/token.h
 */
#include <string.h>

#include "checkpw_match.h"
#include "token.h"

int
checkpw_match(const char *key, size_t keylen, const char *const *vals,
    size_t n, size_t *which)
{
	char		 want[TOKEN_SHA256_HEX];
	const char	*sp;
	size_t		 i;
	int		 found = 0, eq;

	if (keylen == 0 || keylen > CHECKPW_KEY_MAX)
		return 0;
	token_sha256_hex(key, keylen, want);
	for (i = 0; i < n; i++) {
		if (vals[i] == NULL || (sp = strchr(vals[i], ' ')) == NULL ||
		    strlen(sp + 1) != TOKEN_SHA256_HEX - 1)
			continue;
		eq = token_equal(sp + 1, want);
		if (eq && !found) {
			found = 1;
			*which = i;
		}
	}
	return found;
}
