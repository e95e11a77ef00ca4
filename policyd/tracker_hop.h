/*
 * NAME
 *	tracker_hop - follow a message through an after-queue content filter
 * DESCRIPTION
 *	Behind an after-queue content filter (amavis, or Postfix's own
 *	FILTER_README set-up) a message A is delivered to the filter, which
 *	hands it back to this Postfix's smtpd as a new message B: A's log
 *	says "to=<r>, relay=127.0.0.1[127.0.0.1]:10024, ..., status=sent
 *	(250 2.0.0 from MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as
 *	B)", and B's lines carry the real outcome. That sent line is not a
 *	delivery but a hand-off, and B's lines belong to A's record.
 *
 *	A reply's "queued as B" is a hand-off exactly when B is a queue id
 *	this Postfix received: smtpd logged "B: client=..." shortly before
 *	(the filter's SMTP session ends with B queued, and only then does A's
 *	line say so). A remote server's queue id (a smarthost's, the sink of
 *	a test) never appeared here, so such a sent line stays a delivery.
 *
 *	hopseen keeps the last HOPSEEN_MAX queue ids received (insertion
 *	order: the oldest is forgotten first), in a hash table; adding one
 *	already there changes nothing.
 *
 *	tracker_hop_link() marks, in a batch of items already looked up,
 *	each sent delivery of a recorded message that names a received
 *	queue id (item.handoff), and gives the later items of that queue id
 *	in the same batch the message's handle and root: their lookup ran
 *	before the link (relay:{q:B}:qid) is written.
 * SEE ALSO
 *	tracker_apply.h, common/lua/tracker_event.lua, common/SCHEMA.md
 */
#ifndef RELAY_TRACKER_HOP_H
#define RELAY_TRACKER_HOP_H

#include <stddef.h>

#ifndef HOPSEEN_MAX
#define HOPSEEN_MAX	32768	/* about 30 s of re-injections at 1,000/s */
#endif

struct hopseen;
struct tracker_item;

struct hopseen	*hopseen_new(void);
void		 hopseen_free(struct hopseen *);
/* hopseen_add - remember qid (a queue id of maillog.h's form) */
void		 hopseen_add(struct hopseen *, const char *qid);
/* hopseen_has - 1 when qid is one of the last HOPSEEN_MAX added */
int		 hopseen_has(const struct hopseen *, const char *qid);

/* tracker_hop_link - see DESCRIPTION; seen may be NULL (no hand-offs) */
void		 tracker_hop_link(struct tracker_item *it, size_t n,
		    const struct hopseen *seen);

#endif
