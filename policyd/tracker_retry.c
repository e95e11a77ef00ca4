/*
 * NAME
 *	tracker_retry - error replies and retry delays of relay-tracker
 * DESCRIPTION
 *	See tracker_retry.h. No I/O.
 * SEE ALSO
 *	tracker_retry.h, tests/unit/test_tracker_retry.c
 */
#include <string.h>

#include "rreply.h"
#include "tracker_retry.h"

#define RETRY_FIRST_MS	200
#define RETRY_MAX_MS	30000

/*
 * Error codes of a server condition. Redis 7 passes the code of a command
 * that failed inside a script through ("OOM command not allowed ...
 * script: ..."); Redis 6 nests it ("ERR Error running script ...: -OOM
 * command ...").
 */
static const char *const temp_codes[] = {
	"OOM", "READONLY", "LOADING", "BUSY", "NOPERM", "MASTERDOWN",
	"MISCONF", "NOREPLICAS", "TRYAGAIN", "CLUSTERDOWN", "NOSCRIPT",
	"MOVED", "ASK", "NOAUTH", "WRONGPASS", "EXECABORT", "UNBLOCKED",
};

enum tracker_reply
tracker_retry_reply(const char *err)
{
	size_t	 i;

	if (err == NULL)
		return TRACKER_REPLY_TEMP;
	/* Redis 7.0's ACL denial inside a script: an ACL change lifts it */
	if (strstr(err, "The user executing the script ") != NULL)
		return TRACKER_REPLY_TEMP;
	/* a key of this event holds another type: no retry mends it */
	if (rreply_has_code(err, "WRONGTYPE") ||
	    strstr(err, ": WRONGTYPE ") != NULL)
		return TRACKER_REPLY_DATA;
	for (i = 0; i < sizeof(temp_codes) / sizeof(temp_codes[0]); i++)
		if (rreply_has_code(err, temp_codes[i]))
			return TRACKER_REPLY_TEMP;
	/* the Lua interpreter's own error in our script */
	if (strncmp(err, "ERR ", 4) == 0 && strstr(err, "user_script") != NULL)
		return TRACKER_REPLY_SCRIPT;
	return TRACKER_REPLY_TEMP;
}

int
tracker_retry_delay_ms(unsigned streak)
{
	int	 ms = RETRY_FIRST_MS;

	while (streak-- > 1 && ms < RETRY_MAX_MS)
		ms *= 2;
	return ms > RETRY_MAX_MS ? RETRY_MAX_MS : ms;
}
