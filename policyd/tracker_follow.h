/*
 * NAME
 *	tracker_follow - read a growing log file line by line, across
 *	rotation, truncation and restarts
 * DESCRIPTION
 *	follow_next() hands out complete lines of the file at path, in
 *	order, each with the position just after it (device, inode,
 *	offset): the caller stores that position once the line has been
 *	applied, and gives it back to follow_open() after a restart.
 *
 *	Rotation by rename (postfix logrotate, logrotate(8)): when the
 *	current file is read to its end and path names another inode that
 *	holds a byte, the writer has reopened: the rest of the old file is
 *	read and the new one is opened from its start. While path is
 *	missing, or empty (logrotate's create, before its postrotate tells
 *	the writer to reopen), the old one is read on. Rotation by
 *	truncation: a file shorter than the position is read again from 0.
 *	A partial last line waits for its newline; at a rename it is
 *	handed out as it is. A line longer than max_line bytes (without its
 *	newline) is always skipped and counted, however it was written.
 *
 *	A file is known by (dev, ino) and the hash of its first bytes (up
 *	to FOLLOW_HEAD_MAX): an inode is reused as soon as the rotated file
 *	is compressed and removed, and copytruncate keeps it. A file whose
 *	first bytes changed, or whose byte before the offset is not a
 *	newline, or that is shorter than the offset, is another file (or
 *	the same one truncated and written again) and is read from 0; this
 *	is checked before every read and when resuming.
 *
 *	Catching up (tracker_rotated.h): when a file that is no longer path
 *	is read to its end, the next one is the oldest rotated file of the
 *	folder (path.1, path-20240101, path.20240101-120000, not
 *	compressed) newer than it, then path: after two or more rotations
 *	every file between is read, in order, once.
 *
 *	At start-up a saved position is used when path still is that file;
 *	when it is not, the file in the same folder with that inode (the
 *	rotated log, if not compressed yet), or a rotated file with the same
 *	first bytes (a copytruncate copy), is read from the position. When
 *	none is, the rest of that file is lost: one warning says so and
 *	names the compressed rotated files that may hold it, and reading
 *	goes on with the rotated files newer than the saved position's
 *	mtime, then path from its start. Without a saved position path is
 *	read from its start.
 * OWNERSHIP
 *	A line returned lives until the next call.
 */
#ifndef RELAY_TRACKER_FOLLOW_H
#define RELAY_TRACKER_FOLLOW_H

#include <stddef.h>
#include <stdint.h>

#define FOLLOW_HEAD_MAX	256	/* bytes of a file's start in its identity */

struct follow_pos {
	uint64_t	 dev;
	uint64_t	 ino;
	int64_t		 off;		/* -1: none saved */
	uint32_t	 headlen;	/* the first headlen bytes of the file */
	uint64_t	 headsum;	/* have this FNV-1a hash (0 bytes: none) */
	int64_t		 mtime_ns;	/* the file's mtime when read (0: not known) */
};

struct follow_stats {
	uint64_t	 lines;		/* complete lines handed out */
	uint64_t	 too_long;	/* lines skipped for their length */
	uint64_t	 rotations;	/* switches to a new inode */
	uint64_t	 truncations;
};

struct follow;

/* follow_open - a follower for path; saved may be NULL or have off -1 */
struct follow *follow_open(const char *path, size_t max_line,
	    const struct follow_pos *saved);
/*
 * follow_open_lost - a follower for path whose saved position is not
 * known (why, for the warning): the rotated files written after since_ns,
 * oldest first, then path, each from its start; lost() says so
 */
struct follow *follow_open_lost(const char *path, size_t max_line,
	    int64_t since_ns, const char *why);
/*
 * follow_reopen - read on from saved as follow_open() would start there
 * (path, a rotated file with that inode or those first bytes, else what
 * is lost is said and the newer rotated files are read); the counts stay
 */
void	 follow_reopen(struct follow *, const struct follow_pos *saved);
/* follow_free - NULL is a no-op */
void	 follow_free(struct follow *);

/*
 * follow_next - 1 and the next line (without its newline) and the
 * position after it; 0 when there is nothing more now (poll again later);
 * -1 on a read error (logged; the next call tries again).
 */
int	 follow_next(struct follow *, const char **line, size_t *len,
	    struct follow_pos *after);
/*
 * follow_stalled - 1 when the line follow_next() handed out last had
 * waited at the end of the file for its newline FOLLOW_STALL_MS or more
 * (still without it at a read that long after it was first seen so):
 * its writer stopped mid-line (a full disk, a writer killed), and what
 * came after may be another line glued to its start (maillog_resync).
 * Writers of whole lines (postlogd, syslog daemons) never leave one
 * waiting that long, whatever the line says.
 */
#define FOLLOW_STALL_MS	1000
int	 follow_stalled(const struct follow *);
/* follow_where - the position after the last line handed out */
void	 follow_where(const struct follow *, struct follow_pos *);
/* follow_name - the file being read (path or a rotated one); lives until
 * the next follow_next() */
const char *follow_name(const struct follow *);
const struct follow_stats *follow_stats(const struct follow *);

#endif
