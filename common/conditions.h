/*
 * NAME
 *	conditions - the one table of replies the suite gives
 * DESCRIPTION
 *	Every SMTP reply, policy action and JSON error code of relay-suite is
 *	a row of this table (DESIGN.md, "One table of conditions"). No other
 *	file spells a reply code. A reply may carry a detail after the text
 *	("Member suspended: auto: bounce rate 12.3% ..."), built with
 *	cond_format().
 */
#ifndef RELAY_CONDITIONS_H
#define RELAY_CONDITIONS_H

#include <stddef.h>

enum cond_id {
	COND_AUTH_FAILED = 0,
	COND_WARMING_RATE_LIMITED,
	COND_QUEUE_FULL,
	COND_FROM_NOT_ALLOWED,
	COND_RECIPIENT_SUPPRESSED,
	COND_MEMBER_SUSPENDED,
	COND__COUNT
};

struct cond {
	enum cond_id	 id;
	const char	*json;		/* JSON error code: "queue_full" */
	const char	*code;		/* SMTP reply code: "451" */
	const char	*dsn;		/* enhanced status code: "4.4.2" */
	const char	*text;		/* reply text: "Queue full" */
	const char	*meaning;	/* one line for people and the HTTP API */
	const char	*who;		/* which program gives it */
};

/* cond_get - the row for an id; static storage, never NULL for a valid id */
const struct cond *cond_get(enum cond_id);
/* cond_by_json - the row for a JSON code, or NULL */
const struct cond *cond_by_json(const char *json);
/* cond_count - number of rows, for listings */
size_t	 cond_count(void);

/*
 * cond_text - "TEXT" or "TEXT: DETAIL" into buf (CR, LF and other control
 * characters in the detail become spaces: a reply is one line). Returns
 * the length it needed, like snprintf.
 */
size_t	 cond_text(enum cond_id, const char *detail, char *buf, size_t len);
/* cond_format - "CODE DSN TEXT[: DETAIL]", as a policy action or a log value */
size_t	 cond_format(enum cond_id, const char *detail, char *buf, size_t len);
/* cond_is_temporary - a 4xx row: the client retries */
int	 cond_is_temporary(enum cond_id);

#endif
