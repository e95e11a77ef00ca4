/*
 * NAME
 *	bounce - bounce classes and what one delivery event changes (pure)
 * DESCRIPTION
 *	The table of seed 004 as code; see bounce.h. No I/O.
 * SEE ALSO
 *	bounce.h, tests/unit/test_bounce.c
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bounce.h"
#include "token.h"

/* parse_dsn - "C.S.D" with C in 2,4,5, S 0..999, D 0..999; 0 or -1 */
static int
parse_dsn(const char *dsn, int *cls, int *subj, int *det)
{
	const char	*p = dsn;
	int		 i, n;

	if (dsn == NULL || !(p[0] == '2' || p[0] == '4' || p[0] == '5') ||
	    p[1] != '.')
		return -1;
	*cls = p[0] - '0';
	p += 2;
	for (i = 0; i < 2; i++) {
		for (n = 0; n < 4 && isdigit((unsigned char)p[n]); n++)
			;
		if (n == 0 || n > 3)
			return -1;
		if (i == 0)
			*subj = atoi(p);
		else
			*det = atoi(p);
		p += n;
		if (i == 0 && *p++ != '.')
			return -1;
	}
	return *p == '\0' ? 0 : -1;
}

enum bounce_class
bounce_classify(const char *dsn)
{
	int	 c, s = 0, d = 0;

	if (parse_dsn(dsn, &c, &s, &d) < 0)
		return BOUNCE_OTHER;
	if (c == 2)
		return BOUNCE_NONE;
	/*
	 * The subject (RFC 3463) says whose fault it is, whatever the first
	 * digit: the address (5.1.x: it does not exist), the mailbox (x.2.x:
	 * full, disabled; the seed's "mailbox full" is soft), the network
	 * (x.4.x), a policy (x.7.x: 4.7.x is greylisting or a rate limit).
	 * Any other subject (x.0.x, which Postfix logs for a reply without
	 * an enhanced code, e.g. a blocklist; x.3.x message too big or the
	 * relay's own resolver; x.5.x protocol; x.6.x content) says nothing
	 * about the recipient: "other", which the first digit makes a
	 * failure (5, counted when final) or a deferral (4), never a
	 * suppression.
	 */
	/* x.1.7, x.1.8: the sender's address, not the recipient's */
	if (s == 1 && (d == 7 || d == 8))
		return BOUNCE_OTHER;
	if (c == 5 && s == 1)
		return BOUNCE_HARD;
	/* x.2.3: the message is too long, not the mailbox */
	if (s == 2 && d == 3)
		return BOUNCE_OTHER;
	if (s == 2)
		return BOUNCE_SOFT;
	if (s == 7)
		return BOUNCE_POLICY;
	if (s == 4)
		return BOUNCE_TECHNICAL;
	return BOUNCE_OTHER;
}

/* has - hay holds needle, ignoring ASCII case */
static int
has(const char *hay, const char *needle)
{
	size_t	 n = strlen(needle);

	for (; *hay != '\0'; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return 1;
	return 0;
}

/*
 * said_has - the remote server's own words hold needle, ignoring ASCII case:
 * the text after "said: " (the whole reply when there is none: no server
 * answered), outside <...> (the addresses it quotes). The host name and
 * the addresses may hold any word ("greylist.example", <user@...>).
 */
static int
said_has(const char *reply, const char *needle)
{
	const char	*p = strstr(reply, " said: ");
	size_t		 n = strlen(needle);

	for (p = p != NULL ? p + 7 : reply; *p != '\0'; p++) {
		if (*p == '<') {
			const char *gt = strchr(p, '>');

			if (gt != NULL) {
				p = gt;
				continue;
			}
		}
		if (strncasecmp(p, needle, n) == 0)
			return 1;
	}
	return 0;
}

/*
 * about_recipient - the words of a 5.0.0 reply say the recipient does not
 * exist. Only the remote server's own words count (said_has), and not
 * when they are about the sender ("Sender address rejected: Domain does
 * not exist" at RCPT, "sending domain does not exist") or, after DATA,
 * about the content ("the Reply-To domain does not exist", "it doesn't
 * have a Date header"): a refusal after DATA must name a recipient word.
 * Yahoo's "This user doesn't have a yahoo.com account", after DATA, is
 * about the recipient.
 */
static int
about_recipient(const char *reply)
{
	/* the words of receivers that give no enhanced code */
	static const char *dead[] = { "user unknown", "unknown user",
	    "no such user", "no such mailbox", "no such recipient",
	    "recipient unknown", "unknown recipient", "invalid recipient",
	    "mailbox not found", "does not exist", "doesn't exist",
	    "not a valid mailbox" };
	static const char *sender[] = { "Sender address rejected",
	    "sender domain", "sending domain", "sender address domain" };
	static const char *who[] = { "user", "mailbox", "recipient",
	    "account" };
	size_t	 i;
	int	 named = 0;

	for (i = 0; i < sizeof(sender) / sizeof(sender[0]); i++)
		if (said_has(reply, sender[i]))
			return 0;
	for (i = 0; i < sizeof(who) / sizeof(who[0]); i++)
		named |= said_has(reply, who[i]);
	if (!named && has(reply, "in reply to end of DATA command"))
		return 0;
	if (said_has(reply, "doesn't have a") &&
	    said_has(reply, " account"))
		return 1;
	for (i = 0; i < sizeof(dead) / sizeof(dead[0]); i++)
		if (said_has(reply, dead[i]))
			return 1;
	return 0;
}

enum bounce_class
bounce_classify_reply(const char *dsn, const char *reply)
{
	enum bounce_class c = bounce_classify(dsn);

	if (reply == NULL)
		return c;
	/* refused for the sender: says nothing about the recipient */
	if ((c == BOUNCE_HARD || c == BOUNCE_SOFT) &&
	    (has(reply, "in reply to MAIL FROM command") ||
	    has(reply, "Sender address rejected")))
		return BOUNCE_OTHER;
	if (c == BOUNCE_SOFT && said_has(reply, "greylist"))
		return BOUNCE_POLICY;
	if (c == BOUNCE_OTHER && dsn != NULL && strcmp(dsn, "5.0.0") == 0 &&
	    !has(reply, "in reply to MAIL FROM command") &&
	    about_recipient(reply))
		return BOUNCE_HARD;
	return c;
}

const char *
bounce_class_name(enum bounce_class c)
{
	switch (c) {
	case BOUNCE_HARD:	return "hard";
	case BOUNCE_SOFT:	return "soft";
	case BOUNCE_POLICY:	return "policy";
	case BOUNCE_TECHNICAL:	return "technical";
	case BOUNCE_OTHER:	return "other";
	default:		return "";
	}
}

void
bounce_decide(enum maillog_status st, enum bounce_class c,
    struct bounce_action *a)
{
	memset(a, 0, sizeof(*a));
	switch (st) {
	case MAILLOG_ST_SENT:
		a->outcome = BOUNCE_OUT_SENT;
		a->soft_reset = 1;
		break;
	case MAILLOG_ST_BOUNCED:
	case MAILLOG_ST_EXPIRED:
		a->outcome = BOUNCE_OUT_BOUNCED;
		a->suppress_hard = c == BOUNCE_HARD;
		a->soft_step = c == BOUNCE_SOFT;
		break;
	case MAILLOG_ST_DEFERRED:
		a->soft_step = c == BOUNCE_SOFT;
		break;
	default:
		break;
	}
}

void
bounce_event_id(const struct maillog_event *ev, char out[33])
{
	char	 buf[MAILLOG_QID_MAX + 2 * MAILLOG_ADDR_MAX + MAILLOG_STAMP_MAX +
		    MAILLOG_DELAY_MAX + MAILLOG_DSN_MAX + 64];
	char	 hex[TOKEN_SHA256_HEX];
	int	 n;

	n = snprintf(buf, sizeof(buf), "%s|%s|%s|%s|%ld|%s|%s|%s", ev->qid,
	    ev->to, ev->orig_to, ev->stamp, ev->pid, ev->delay,
	    maillog_status_name(ev->status), ev->dsn);
	if (n < 0 || (size_t)n >= sizeof(buf))
		n = (int)sizeof(buf) - 1;
	token_sha256_hex(buf, (size_t)n, hex);
	memcpy(out, hex, 32);
	out[32] = '\0';
}
