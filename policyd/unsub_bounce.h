/*
 * NAME
 *	unsub_bounce - relay-unsub -b: a message to a return path
 * DESCRIPTION
 *	With unsubscribe.return_path on, relay-milter sets the envelope
 *	sender of each message to b+TOKEN@UNSUBDOMAIN (token.h: the member
 *	and the queue id under the HMAC), and Postfix hands what comes back
 *	there to relay-unsub -b TOKEN: the bounces a receiving server sends
 *	after it accepted the message (asynchronous bounces, which the mail
 *	log never shows as such), the bounces of the relay's own Postfix,
 *	and whatever else is sent to an envelope sender (auto-replies).
 *
 *	unsub_bounce() reads the message from stdin. When it is a delivery
 *	status notification (RFC 3464, dsn.h), each recipient with Action
 *	failed is applied to the message's record (unsub_store.h,
 *	unsub_bounce.lua): a recipient relay-tracker had counted delivered
 *	becomes bounced in the member's bounce rate (which may suspend the
 *	member), and a hard bounce (bounce.h's class of its Status and
 *	Diagnostic-Code) is suppressed. Then the message, whatever it is,
 *	goes on to the member's own envelope sender (from the record),
 *	where it went before the return path was set: sendmail(1) of
 *	unsubscribe.sendmail, with the null sender.
 *
 *	Returns the exit code: EX_OK when it was forwarded, and when it
 *	cannot be (a token that does not verify, a record that expired, a
 *	member removed: logged and dropped, since a bounce of a bounce goes
 *	nowhere); EX_TEMPFAIL (Postfix tries again, and what was applied is
 *	not applied twice) when Redis fails or holds no relay-suite data,
 *	when a remote server's bounce names a recipient whose delivery
 *	relay-tracker has not recorded yet (within a day of the message's
 *	acceptance), or when sendmail fails. One log line event=bounce per
 *	failed recipient, and one for the message (forwarded or not).
 * SEE ALSO
 *	unsub.c, dsn.h, unsub_store.h, common/lua/unsub_bounce.lua,
 *	relay-unsub(8)
 */
#ifndef RELAY_UNSUB_BOUNCE_H
#define RELAY_UNSUB_BOUNCE_H

#include "conf.h"

/* the largest message held to forward (a bounce with the original) */
#define UNSUB_BOUNCE_MAX	(64 * 1024 * 1024)

int	 unsub_bounce(const struct relay_conf *conf, const char *token);

#endif /* RELAY_UNSUB_BOUNCE_H */
