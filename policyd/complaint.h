/*
 * NAME
 *	complaint - what a complaint report lets relay-unsub -r check
 * DESCRIPTION
 *	A mailbox provider's feedback loop sends a report (ARF, RFC 5965)
 *	when a recipient marks a message as spam. arf.c reads the report;
 *	complaint_plan() turns what it found into the ways to find the
 *	member and the recipient, strongest first:
 *
 *	1. the url token of the original's List-Unsubscribe https URI (when
 *	   it begins with unsubscribe.https_url): it names both, under the
 *	   HMAC, even when the provider redacted the recipient;
 *	2. the mail token of its <mailto:unsub+TOKEN@UNSUBDOMAIN>, checked
 *	   against each candidate recipient (the report's Original-Rcpt-To,
 *	   then the original's To:);
 *	3. its Message-ID, which relay-milter recorded with the member and
 *	   the queue id: a candidate among the recorded recipients, or the
 *	   only recipient of the only message with that Message-ID.
 *
 *	A report of Feedback-Type "not-spam" (a recipient taking a message
 *	out of the spam folder) asks for nothing. It does no I/O.
 * SEE ALSO
 *	arf.h, unsub_report.c, relay-unsub(8), token.h
 */
#ifndef RELAY_COMPLAINT_H
#define RELAY_COMPLAINT_H

#include "addr.h"
#include "arf.h"
#include "token.h"

#define COMPLAINT_CANDS	2

struct complaint_plan {
	int	 act;			/* 0: nothing to do (why says so) */
	const char *why;		/* act 0: for the log */
	char	 url_token[TOKEN_URL_MAX + 1];	/* "" when none */
	char	 mail_token[TOKEN_MAIL_MAX + 1];	/* "" when none */
	char	 cands[COMPLAINT_CANDS][ADDR_BUFSIZE];	/* distinct */
	int	 ncand;
	const char *msgid;		/* the report's, or NULL */
};

/*
 * complaint_plan - the plan for report a, with the unsubscribe domain and
 * https_url of relay.conf (either NULL or "" when not set)
 */
void	 complaint_plan(const struct arf *a, const char *unsub_domain,
	    const char *https_url, struct complaint_plan *p);

#endif /* RELAY_COMPLAINT_H */
