/*
 * NAME
 *	tracker_posval - relay-tracker's saved read positions as values:
 *	parsed, compared, the older of two chosen
 * DESCRIPTION
 *	No I/O (tracker_pos.c does it). A position is kept in two places:
 *	relay:{n:NODE}:tracker_pos in Redis always, and tracker.state_file
 *	when set. Redis's is point-in-time consistent with what was applied
 *	(the applied set, the records), so when Redis went back in time
 *	(restarted from an older snapshot, lost its last second of AOF,
 *	failed over to a lagging replica) its position is older than this
 *	tracker's, and reading again from the older of the two applies what
 *	Redis lost (every event is idempotent).
 *
 *	Of two positions in the same file (device, inode and first bytes)
 *	the one with the smaller offset is older; of two in different files,
 *	the one whose file was last written earlier (mtime), when both are
 *	known.
 * SEE ALSO
 *	tracker_pos.c, tracker_follow.h, common/lua/tracker_pos.lua
 */
#ifndef RELAY_TRACKER_POSVAL_H
#define RELAY_TRACKER_POSVAL_H

#include <stddef.h>

#include "tracker_follow.h"

#define POSVAL_NUM	24	/* a decimal field as Redis holds it */
#define POSVAL_GEN	40

/* what relay:{n:NODE}:tracker_pos held (or was written with) */
struct posval_rec {
	int		 have;		/* dev, ino and offset are there */
	char		 gen[POSVAL_GEN];	/* the writer's nonce; "" none */
	char		 dev[POSVAL_NUM];	/* dev, ino and offset as */
	char		 ino[POSVAL_NUM];	/* stored, compared as */
	char		 off[POSVAL_NUM];	/* strings by the script */
	struct follow_pos pos;		/* off -1 unless have */
};

/*
 * posval_fields - rec from a hash's fields (NULL: absent); a position
 * needs dev, ino and a non-negative offset, and the others are taken
 * when they make sense (headlen at most FOLLOW_HEAD_MAX, mtime > 0)
 */
void	 posval_fields(struct posval_rec *, const char *gen, const char *dev,
	    const char *ino, const char *off, const char *headlen,
	    const char *headsum, const char *mtime);

/*
 * posval_parse - the line of tracker.state_file, "dev=D ino=I offset=O
 * [headlen=N headsum=H] [mtime=NS] ..."; 0, or -1 and *why a reason for
 * the log ("empty", "garbage: ...")
 */
int	 posval_parse(const char *line, struct follow_pos *, const char **why);

/* posval_same_file - 1 when a and b are in the same file */
int	 posval_same_file(const struct follow_pos *a, const struct follow_pos *b);

enum posval_order {
	POSVAL_EQUAL,		/* the same file and offset */
	POSVAL_A_OLDER,
	POSVAL_B_OLDER,
	POSVAL_UNKNOWN		/* other files, not both mtimes known */
};

/* posval_order - which of two saved positions (off >= 0) is older */
enum posval_order posval_order(const struct follow_pos *a,
	    const struct follow_pos *b);

/* posval_fmt - "dev D ino I offset O" for a log line; buf */
const char *posval_fmt(const struct follow_pos *, char *buf, size_t size);

#endif
