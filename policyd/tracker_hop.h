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
 *	A sent line is a hand-off when it went to a filter (relay= is a
 *	loopback address or a unix socket of this host, or one of
 *	tracker.content_filters) and its reply's "queued as B" names a
 *	queue id this Postfix received: smtpd logged "B: client=..." shortly
 *	before (the filter's SMTP session ends with B queued, and only then
 *	does A's line say so). A remote server's queue id (a smarthost's, an
 *	MX's) is neither, so such a sent line stays a delivery.
 *
 *	hopseen keeps the last HOPSEEN_MAX queue ids received (insertion
 *	order: the oldest is forgotten first), in a hash table; adding one
 *	already there changes nothing.
 *
 *	tracker_hop_link() marks, in a batch of items already looked up,
 *	each such hand-off of a recorded message (item.handoff), and gives
 *	the later items of the next queue id in the same batch the message's
 *	handle and root (their lookup ran before the link, relay:{q:B}:qid,
 *	is written), unless their lookup found a record of their own.
 *
 *	hopstash keeps the last HOPSTASH_MAX lines of received queue ids
 *	that had no record when read: B's lines may be logged before A's
 *	hand-off line (A's smtp process slow to log, B delivered fast), and
 *	once the hand-off links B they are applied as the message's.
 * SEE ALSO
 *	tracker_apply.h, common/lua/tracker_event.lua, common/SCHEMA.md
 */
#ifndef RELAY_TRACKER_HOP_H
#define RELAY_TRACKER_HOP_H

#include <stddef.h>

#ifndef HOPSEEN_MAX
#define HOPSEEN_MAX	32768	/* about 30 s of re-injections at 1,000/s */
#endif
#ifndef HOPSTASH_MAX
#define HOPSTASH_MAX	256	/* lines kept before their hand-off */
#endif

struct hopseen;
struct hopstash;
struct tracker_item;

struct hopseen	*hopseen_new(void);
void		 hopseen_free(struct hopseen *);
/* hopseen_add - remember qid (a queue id of maillog.h's form) */
void		 hopseen_add(struct hopseen *, const char *qid);
/* hopseen_has - 1 when qid is one of the last HOPSEEN_MAX added */
int		 hopseen_has(const struct hopseen *, const char *qid);

/*
 * tracker_hop_relay - 1 when a delivery line's relay= is a filter on this
 * host (loopback, a unix socket) or one of filters[0..n): its address in
 * brackets, "localhost[127.0.0.1]:10024", "[::1]:10024", "x[/run/a.sock]"
 */
int		 tracker_hop_relay(const char *relay, char *const *filters,
		    int nfilters);

/* tracker_hop_link - see DESCRIPTION; seen may be NULL (no hand-offs) */
void		 tracker_hop_link(struct tracker_item *it, size_t n,
		    const struct hopseen *seen, char *const *filters,
		    int nfilters);

struct hopstash	*hopstash_new(void);
void		 hopstash_free(struct hopstash *);
/* hopstash_put - keep a copy (the oldest goes; the same line is kept once) */
void		 hopstash_put(struct hopstash *, const struct tracker_item *);
/* hopstash_has - 1 when lines of qid are kept */
int		 hopstash_has(const struct hopstash *, const char *qid);
/* hopstash_find - copies of qid's lines, oldest first, at most max */
size_t		 hopstash_find(const struct hopstash *, const char *qid,
		    struct tracker_item *out, size_t max);
/* hopstash_drop - forget qid's lines */
void		 hopstash_drop(struct hopstash *, const char *qid);

#endif
