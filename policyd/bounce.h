/*
 * NAME
 *	bounce - bounce classes and what one delivery event changes (pure)
 * DESCRIPTION
 *	bounce_classify() maps an enhanced status code (RFC 3463) to the
 *	classes of seed 004 by its subject: hard 5.1.x (but x.1.7 and x.1.8
 *	are the sender's address), soft 4.2.x (and 5.2.x: the seed's
 *	"mailbox full"; but x.2.3 is a message too long), policy 5.7.x (and
 *	4.7.x: greylisting, rate limits), technical 4.4.x and 5.4.x. Any other code
 *	falls back on its first digit: 2 is a delivery (no class), 4 and 5
 *	are "other", a deferral or a failure (counted when final) that never
 *	suppresses: 5.0.0 (a reply without an enhanced code, a blocklist),
 *	5.3.4 (too big), 4.3.0 (the relay's own resolver) say nothing about
 *	the recipient. A code that does not parse is "other" too.
 *
 *	bounce_decide() turns (status, class) into the changes the tracker's
 *	Lua script applies: a final outcome for the bounce-rate window (sent
 *	or bounced; a deferral is not final), immediate suppression for a
 *	hard bounce, a soft-bounce count step (deferred or bounced 4.2.x),
 *	or a reset of that count (delivered). The script takes a step once
 *	per message and recipient: Postfix's later retries of the same
 *	message are not further consecutive failures.
 * SEE ALSO
 *	common/lua/tracker_event.lua, seeds/004_db37b657e2994ff8.txt
 */
#ifndef RELAY_BOUNCE_H
#define RELAY_BOUNCE_H

#include <stddef.h>

#include "maillog.h"

enum bounce_class {
	BOUNCE_NONE = 0,	/* 2.x.x: delivered */
	BOUNCE_HARD,		/* 5.1.x */
	BOUNCE_SOFT,		/* 4.2.x */
	BOUNCE_POLICY,		/* 5.7.x */
	BOUNCE_TECHNICAL,	/* 4.4.x, 5.4.x */
	BOUNCE_OTHER		/* any other 4.x.x / 5.x.x, or unparsable */
};

enum bounce_outcome {
	BOUNCE_OUT_NONE = 0,	/* not final */
	BOUNCE_OUT_SENT,
	BOUNCE_OUT_BOUNCED
};

struct bounce_action {
	enum bounce_outcome outcome;
	int	 suppress_hard;		/* suppress now, reason hard_bounce */
	int	 soft_step;		/* a soft failure (counted once per message) */
	int	 soft_reset;		/* delivered: the soft count restarts */
};

/* bounce_classify - the class of dsn ("5.1.1"); NULL or "" is OTHER */
enum bounce_class bounce_classify(const char *dsn);
/*
 * bounce_classify_reply - the class of a delivery event, from its dsn and
 * the remote reply it logged: a refusal of the sender (in reply to MAIL
 * FROM, "Sender address rejected") is never hard or soft, greylisting is
 * policy, and a 5.0.0 (a reply without an enhanced code) whose words say
 * the address does not exist ("User unknown", "No such user", ...) is
 * hard. reply may be NULL (the dsn alone decides).
 */
enum bounce_class bounce_classify_reply(const char *dsn, const char *reply);
/* bounce_class_name - "hard", "soft", "policy", "technical", "other", "" */
const char *bounce_class_name(enum bounce_class);
/* bounce_decide - what a delivery event with this status and class does */
void	 bounce_decide(enum maillog_status, enum bounce_class,
	    struct bounce_action *);
/*
 * bounce_event_id - the idempotency key of one delivery attempt: the
 * first 128 bits (hex) of SHA-256 over queue id, recipient, time stamp,
 * agent pid, delay, status and dsn as logged. A line read twice gives the
 * same id; two attempts of the same recipient never do (Postfix waits at
 * least minimal_backoff_time between them, so delay= differs).
 */
void	 bounce_event_id(const struct maillog_event *, char out[33]);

#endif
