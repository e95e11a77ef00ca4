/*
 * NAME
 *	tracker_rotated - the rotated copies of a log file, and which one to
 *	read next
 * DESCRIPTION
 *	A rotated file is a regular file in the folder of the log whose name
 *	is the log's name, then '.' or '-', then a digit: logrotate's
 *	numbered (mail.log.1, .2: the higher number the older) and dateext
 *	names (mail.log-20240101), Postfix's "postfix logrotate" names
 *	(maillog_file_rotate_suffix, default mail.log.20240101-120000). The
 *	digit keeps the tracker's own files (mail.log.state) and others out.
 *	One ending in .gz, .xz, .bz2, .zst, .lz4 or .Z is compressed: it is
 *	listed, never read (the tracker does not decompress).
 *
 *	rot_next() is the decision, pure: after a file is read to its end,
 *	the next one is the oldest uncompressed rotated file that is newer
 *	than it (mtime, then the name: .2 before .1, dates ascending), then
 *	the log itself. rot_scan() lists the folder for it.
 * OWNERSHIP
 *	rot_scan() fills a list the caller frees with rot_list_free() (a
 *	zeroed list too); its names live as long as the list.
 */
#ifndef RELAY_TRACKER_ROTATED_H
#define RELAY_TRACKER_ROTATED_H

#include <stddef.h>
#include <stdint.h>

enum rot_kind {
	ROT_NONE = 0,		/* not a rotated copy of the log */
	ROT_PLAIN,		/* a rotated copy that can be read */
	ROT_COMPRESSED		/* a rotated copy that cannot */
};

struct rot_file {
	const char	*name;		/* in the folder; NULL: not known */
	int64_t		 mtime_ns;	/* last modification */
	uint64_t	 dev, ino;
	int		 compressed;
};

struct rot_list {
	struct rot_file	*v;
	size_t		 n;
};

/* rot_kind - what name is for the log whose file name is base */
enum rot_kind rot_kind(const char *base, const char *name);

/*
 * rot_newer - 1 when a was last written after b: later mtime, or the
 * same mtime and a later rotation name (b->name NULL: same mtime is newer)
 */
int	 rot_newer(const struct rot_file *a, const struct rot_file *b);

/*
 * rot_next - the index in v of the file to read after done: the oldest
 * uncompressed file newer than done that is not done itself (dev, ino);
 * -1 when there is none (the log itself is next)
 */
long	 rot_next(const struct rot_file *v, size_t n,
	    const struct rot_file *done);

/*
 * rot_scan - the rotated copies of path (rot_kind not ROT_NONE), names
 * relative to its folder; 0, or -1 when the folder cannot be read
 */
int	 rot_scan(const char *path, struct rot_list *);
void	 rot_list_free(struct rot_list *);

/* rot_dir - the folder of path, with its last '/' ("./" without one) */
void	 rot_dir(const char *path, char *dir, size_t size);

#endif
