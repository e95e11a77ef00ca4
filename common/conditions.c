/*
 * NAME
 *	conditions - reply table: id, SMTP code, enhanced code, text, JSON code
 * DESCRIPTION
 *	The rows follow the service's troubleshooting table (seed
 *	000_538cbb084d2efc94.txt) and DESIGN.md. The order of the rows is the
 *	order of enum cond_id; cond_get() checks it.
 * SEE ALSO
 *	conditions.h, relayctl conditions
 */
#include <stdio.h>
#include <string.h>

#include "conditions.h"

static const struct cond cond_table[COND__COUNT] = {
	{ COND_AUTH_FAILED, "auth_failed", "535", "5.7.8",
	  "Authentication failed",
	  "wrong handle or API key", "SASL (Dovecot)" },
	{ COND_WARMING_RATE_LIMITED, "warming_rate_limited", "451", "4.7.1",
	  "Warming tier rate limit",
	  "warming tier cap reached; back off and retry after the time given",
	  "relay-policyd" },
	{ COND_QUEUE_FULL, "queue_full", "451", "4.4.2",
	  "Queue full or transient submission error",
	  "member's queue cap reached, or a backend failed: retry with "
	  "exponential backoff", "relay-policyd, relay-milter" },
	{ COND_FROM_NOT_ALLOWED, "from_not_allowed", "550", "5.1.0",
	  "From address not allowed",
	  "MAIL FROM or From: domain not enrolled and verified under the member",
	  "relay-milter" },
	{ COND_RECIPIENT_SUPPRESSED, "recipient_suppressed", "550", "5.7.1",
	  "Recipient suppressed",
	  "recipient unsubscribed or hard-bounced: remove them from your list",
	  "relay-milter" },
	{ COND_MEMBER_SUSPENDED, "member_suspended", "521", "5.7.1",
	  "Member suspended",
	  "member suspended (admin, or automatic on bounce or complaint "
	  "rate); the text carries the reason",
	  "relay-policyd, relay-milter" },
};

const struct cond *
cond_get(enum cond_id id)
{
	if ((unsigned)id >= COND__COUNT || cond_table[id].id != id)
		return &cond_table[COND_QUEUE_FULL];
	return &cond_table[id];
}

const struct cond *
cond_by_json(const char *json)
{
	size_t	 i;

	for (i = 0; i < COND__COUNT; i++)
		if (strcmp(cond_table[i].json, json) == 0)
			return &cond_table[i];
	return NULL;
}

size_t
cond_count(void)
{
	return COND__COUNT;
}

int
cond_is_temporary(enum cond_id id)
{
	return cond_get(id)->code[0] == '4';
}

size_t
cond_text(enum cond_id id, const char *detail, char *buf, size_t len)
{
	const struct cond *c = cond_get(id);
	int	 n;
	size_t	 i, start;

	if (detail == NULL || *detail == '\0')
		n = snprintf(buf, len, "%s", c->text);
	else
		n = snprintf(buf, len, "%s: %s", c->text, detail);
	if (n < 0)
		return 0;
	/* A reply is one line: no CR, LF or other controls from the detail. */
	start = strlen(c->text);
	for (i = start; len > 0 && i < len - 1 && buf[i] != '\0'; i++)
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
			buf[i] = ' ';
	return (size_t)n;
}

size_t
cond_format(enum cond_id id, const char *detail, char *buf, size_t len)
{
	const struct cond *c = cond_get(id);
	int	 n;

	n = snprintf(buf, len, "%s %s ", c->code, c->dsn);
	if (n < 0)
		return 0;
	if ((size_t)n >= len)
		return (size_t)n + cond_text(id, detail, NULL, 0);
	return (size_t)n + cond_text(id, detail, buf + n, len - (size_t)n);
}
