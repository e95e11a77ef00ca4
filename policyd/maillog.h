/*
 * NAME
 *	maillog - parse one line of Postfix's mail log (pure)
 * DESCRIPTION
 *	maillog_parse() reads one line as postlogd writes it to maillog_file
 *	(RFC 3164 time stamp without a year, or an ISO 8601 one):
 *
 *	    Nov 22 11:57:25 host postfix-x/smtp[25409]: QUEUEID: to=<...>, ...
 *
 *	and says what it is. The delivery agents (smtp, lmtp, local,
 *	virtual, pipe, error, retry, discard, ...) are recognised by their
 *	text, not their name (a service may be renamed in master.cf):
 *	"QID: to=<ADDR>, [orig_to=<ADDR>,] relay=..., ..., dsn=X.Y.Z,
 *	status=WORD (TEXT)". Qmgr's "QID: from=<..>, size=.." (queue
 *	active), "QID: removed" (also from postsuper) and "QID: from=<..>,
 *	status=expired|force-expired, returned to sender" and the end of
 *	data refusals "QID: reject|milter-reject|milter-discard:
 *	END-OF-MESSAGE from ..." (smtpd or cleanup: the message got a queue
 *	id and maybe a relay-milter record, but was never queued, so no
 *	"removed" follows), cleanup's "warning: QID: queue file size limit
 *	exceeded" and "warning: QID: write queue file: ..." (it could not
 *	write what the milters passed: refused too, also MAILLOG_REJECTED)
 *	are the other lines the tracker acts on, and
 *	"QID: client=..." (smtpd or qmqpd received a message: a queue id
 *	of this Postfix). A sent delivery whose reply ends in "queued as
 *	QID" (an SMTP server's usual answer, also Postfix's own smtpd
 *	behind an after-queue content filter) gives that id in next_qid.
 *	Every other line of a Postfix program is
 *	MAILLOG_OTHER; a line that is not a Postfix log line at all is
 *	MAILLOG_UNKNOWN. Nothing is fatal.
 *
 *	The event points into the caller's line and into its own buffers;
 *	the strings it holds are NUL-terminated copies, cut to their
 *	buffer size (the reply text) or refused (addresses, queue ids).
 * SEE ALSO
 *	relay-tracker.c, tests/unit/test_maillog.c, tests/fuzz/fuzz_maillog.c
 */
#ifndef RELAY_MAILLOG_H
#define RELAY_MAILLOG_H

#include <stddef.h>

#define MAILLOG_QID_MAX		32	/* long queue ids are 16 here */
#define MAILLOG_ADDR_MAX	512	/* as logged, before normalising */
#define MAILLOG_STAMP_MAX	40
#define MAILLOG_PROG_MAX	64
#define MAILLOG_RELAY_MAX	256
#define MAILLOG_DSN_MAX		16
#define MAILLOG_REPLY_MAX	1024
#define MAILLOG_DELAY_MAX	32
#define MAILLOG_DELAYS_MAX	64

enum maillog_kind {
	MAILLOG_UNKNOWN = 0,	/* not a Postfix log line */
	MAILLOG_OTHER,		/* a Postfix line the tracker does not act on */
	MAILLOG_DELIVERY,	/* a delivery agent's to=... status=... */
	MAILLOG_QUEUED,		/* qmgr: from=<..>, size=.., nrcpt=.. */
	MAILLOG_REMOVED,	/* qmgr or postsuper: removed */
	MAILLOG_EXPIRED,	/* qmgr: status=expired / force-expired */
	MAILLOG_REJECTED,	/* smtpd or cleanup: refused at end of data */
	MAILLOG_RECEIVED	/* smtpd (or qmqpd): QID: client=... */
};

enum maillog_status {
	MAILLOG_ST_NONE = 0,
	MAILLOG_ST_SENT,
	MAILLOG_ST_DEFERRED,
	MAILLOG_ST_BOUNCED,
	MAILLOG_ST_EXPIRED
};

struct maillog_event {
	enum maillog_kind	 kind;
	char	 stamp[MAILLOG_STAMP_MAX];	/* time stamp as logged */
	char	 prog[MAILLOG_PROG_MAX];	/* "smtp", "qmgr", "pipe" */
	long	 pid;
	char	 qid[MAILLOG_QID_MAX];
	/* MAILLOG_DELIVERY */
	char	 to[MAILLOG_ADDR_MAX];		/* without the angle brackets */
	char	 orig_to[MAILLOG_ADDR_MAX];	/* "" when not logged */
	char	 relay[MAILLOG_RELAY_MAX];
	char	 delay[MAILLOG_DELAY_MAX];
	char	 delays[MAILLOG_DELAYS_MAX];
	char	 dsn[MAILLOG_DSN_MAX];
	enum maillog_status status;
	char	 reply[MAILLOG_REPLY_MAX];	/* the text in parentheses */
	char	 next_qid[MAILLOG_QID_MAX];	/* sent: "... queued as QID" */
	/* MAILLOG_QUEUED and MAILLOG_EXPIRED */
	char	 from[MAILLOG_ADDR_MAX];
	long	 nrcpt;
};

/*
 * maillog_parse - parse line[0..len) (no newline needed; a trailing CR
 * or LF is ignored) into ev. Returns ev->kind. ev is cleared first.
 */
enum maillog_kind maillog_parse(const char *line, size_t len,
	    struct maillog_event *ev);

/*
 * maillog_resync - the offset of the last line start (a time stamp from
 * which the rest parses as a Postfix log line) inside line[0..len), not
 * at 0; 0 when there is none. A line whose writer died mid-line (a full
 * disk) has no newline, and the next line is read glued to it: the
 * fragment before the offset is not a line of its own to apply. Only
 * for such a line (tracker_follow.h, follow_stalled): a whole line's
 * text (a remote server's reply, a quoted recipient) may hold what looks
 * like a line start, and must never be cut there.
 */
size_t	 maillog_resync(const char *line, size_t len);

/* maillog_status_name - "sent", "deferred", "bounced", "expired" or "" */
const char *maillog_status_name(enum maillog_status);
/* maillog_kind_name - "delivery", "removed", ... for logs and tests */
const char *maillog_kind_name(enum maillog_kind);

#endif
