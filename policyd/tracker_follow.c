/*
 * NAME
 *	tracker_follow - read a growing log file line by line, across
 *	rotation, truncation and restarts
 * DESCRIPTION
 *	One open file at a time and one buffer. The buffer holds the bytes
 *	of the open file from offset buf_off on; [start, len) is not handed
 *	out yet. At the end of the file, path is stat()ed: another inode
 *	(or none) means the open file was rotated, and the next file is the
 *	oldest newer rotated one (rot_next), else path. Before every read
 *	the open file is checked against what was read of it (size, first
 *	bytes): a truncation, even one written again past the old offset,
 *	starts it again at 0.
 * INVARIANTS
 *	pos is always the offset just after a newline (or 0) in the file
 *	(dev, ino, head), so a saved position never splits a line. Every
 *	loop is bounded by the bytes read, and the walk through rotated
 *	files by their number (rot_next only goes to newer files).
 * SEE ALSO
 *	tracker_follow.h, tracker_rotated.h, relay-tracker.c
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "tracker_follow.h"
#include "tracker_rotated.h"
#include "xalloc.h"

#define FOLLOW_READ	65536
#define FOLLOW_LOST_NAMES 4	/* compressed files named in the warning */

struct follow {
	char			*path;
	char			*name;		/* of the open file, for logs */
	size_t			 max_line;
	int			 fd;
	uint64_t		 dev, ino;
	char			*buf;
	size_t			 cap, start, scan, len;
	int64_t			 buf_off;	/* file offset of buf[0] */
	int			 skipping;	/* inside an over-long line */
	uint32_t		 headlen;	/* first bytes of the file known */
	uint64_t		 headsum;
	int64_t			 mtime_ns;	/* of the open file, last fstat */
	int64_t			 dir_seen;	/* folder mtime: nothing newer */
	struct follow_pos	 pos;
	struct follow_stats	 st;
	int64_t			 stall_off;	/* a line waiting at the end */
	int64_t			 stall_ms;	/* ... since (monotonic) */
	int			 stall_seen;	/* ... and seen so again later */
	int			 stalled;	/* the last line handed out waited */
};

/* fnv - FNV-1a, 64 bits */
static uint64_t
fnv(const unsigned char *p, size_t n)
{
	uint64_t h = 14695981039346656037ULL;

	while (n-- > 0) {
		h ^= *p++;
		h *= 1099511628211ULL;
	}
	return h;
}

/* head_sum - hash of the first len bytes of fd; 0, or -1 if it is shorter */
static int
head_sum(int fd, uint32_t len, uint64_t *sum)
{
	unsigned char	 b[FOLLOW_HEAD_MAX];
	ssize_t		 r;

	if (len > sizeof(b))
		return -1;
	if ((r = pread(fd, b, len, 0)) < 0 || (size_t)r < len)
		return -1;
	*sum = fnv(b, len);
	return 0;
}

/* same_file - fd still holds what the position says was read of it */
static int
same_file(int fd, int64_t size, const struct follow_pos *p)
{
	uint64_t	 sum;
	char		 c;

	if (size < p->off)
		return 0;
	if (p->off > 0 && (pread(fd, &c, 1, (off_t)(p->off - 1)) != 1 ||
	    c != '\n'))
		return 0;
	if (p->headlen > 0 && (head_sum(fd, p->headlen, &sum) < 0 ||
	    sum != p->headsum))
		return 0;
	return 1;
}

/* head_learn - know up to FOLLOW_HEAD_MAX first bytes of the open file */
static void
head_learn(struct follow *f)
{
	unsigned char	 b[FOLLOW_HEAD_MAX];
	ssize_t		 r;

	if (f->headlen >= FOLLOW_HEAD_MAX || f->fd < 0)
		return;
	if ((r = pread(f->fd, b, sizeof(b), 0)) > (ssize_t)f->headlen) {
		f->headlen = (uint32_t)r;
		f->headsum = fnv(b, (size_t)r);
	}
}

/* mtime_ns - the mtime of sb in nanoseconds */
static int64_t
mtime_ns(const struct stat *sb)
{
	return (int64_t)sb->st_mtim.tv_sec * 1000000000 +
	    (int64_t)sb->st_mtim.tv_nsec;
}

/* set_pos - the position is offset off of the open file */
static void
set_pos(struct follow *f, int64_t off)
{
	head_learn(f);
	f->pos.dev = f->dev;
	f->pos.ino = f->ino;
	f->pos.off = off;
	f->pos.headlen = f->headlen;
	f->pos.headsum = f->headsum;
	f->pos.mtime_ns = f->mtime_ns;
}

/* reset - forget the buffer; the next read is at offset off */
static void
reset(struct follow *f, int64_t off)
{
	f->start = f->scan = f->len = 0;
	f->buf_off = off;
	f->skipping = 0;
	set_pos(f, off);
}

/*
 * use_fd - make fd, opened as name, the current file, positioned at off
 * (0 if too short)
 */
static void
use_fd(struct follow *f, int fd, const char *name, int64_t off)
{
	struct stat	 sb;

	if (f->fd >= 0)
		close(f->fd);
	f->fd = fd;
	free(f->name);
	f->name = xstrdup(name);
	if (fstat(fd, &sb) < 0)
		memset(&sb, 0, sizeof(sb));
	f->dev = (uint64_t)sb.st_dev;
	f->ino = (uint64_t)sb.st_ino;
	f->mtime_ns = mtime_ns(&sb);
	f->headlen = 0;
	f->headsum = fnv(NULL, 0);
	if (off < 0 || off > (int64_t)sb.st_size)
		off = 0;
	if (off > 0 && lseek(fd, (off_t)off, SEEK_SET) < 0)
		off = 0;
	reset(f, off);
}

/* open_name - open name from its start; 0, or -1 when it is not there */
static int
open_name(struct follow *f, const char *name)
{
	int	 fd;

	if ((fd = open(name, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	use_fd(f, fd, name, 0);
	return 0;
}

/* open_path - open path from its start; 0, or -1 when it is not there */
static int
open_path(struct follow *f)
{
	return open_name(f, f->path);
}

/*
 * find_inode - open the file of the folder of path that has (dev, ino),
 * any name; its name into full
 */
static int
find_inode(const char *path, uint64_t dev, uint64_t ino, char *full,
    size_t size)
{
	char		 dir[PATH_MAX];
	struct dirent	*de;
	struct stat	 sb;
	DIR		*d;
	int		 fd = -1, n;

	rot_dir(path, dir, sizeof(dir));
	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		n = snprintf(full, size, "%s%s", dir, de->d_name);
		if (n < 0 || (size_t)n >= size)
			continue;
		if (lstat(full, &sb) == 0 && S_ISREG(sb.st_mode) &&
		    (uint64_t)sb.st_dev == dev && (uint64_t)sb.st_ino == ino) {
			fd = open(full, O_RDONLY | O_CLOEXEC);
			break;
		}
	}
	closedir(d);
	return fd;
}

/*
 * try_resume - fd, opened as name, at the saved position if it is that
 * file; 0, or -1 (fd closed)
 */
static int
try_resume(struct follow *f, int fd, const char *name,
    const struct follow_pos *saved)
{
	struct stat	 sb;

	if (fstat(fd, &sb) == 0 && same_file(fd, (int64_t)sb.st_size, saved)) {
		use_fd(f, fd, name, saved->off);
		return 0;
	}
	close(fd);
	return -1;
}

/*
 * find_copy - open at the saved position a rotated file that starts with
 * the same bytes and is long enough (the copy copytruncate made while
 * stopped); 0, or -1. Without the first bytes known, a newline before
 * the offset proves too little to take another file for it.
 */
static int
find_copy(struct follow *f, const struct rot_list *l,
    const struct follow_pos *saved)
{
	char	 dir[PATH_MAX], full[PATH_MAX];
	size_t	 i;
	int	 fd, n;

	if (saved->headlen == 0)
		return -1;
	rot_dir(f->path, dir, sizeof(dir));
	for (i = 0; i < l->n; i++) {
		n = snprintf(full, sizeof(full), "%s%s", dir, l->v[i].name);
		if (l->v[i].compressed || n < 0 || (size_t)n >= sizeof(full))
			continue;
		if ((fd = open(full, O_RDONLY | O_CLOEXEC)) >= 0 &&
		    try_resume(f, fd, full, saved) == 0)
			return 0;
	}
	return -1;
}

/*
 * resume_at - open the file of the saved position at it: path if it
 * still is that file, else the file of the folder with its inode, else a
 * rotated copy of it. 0, or -1 and why says what became of it.
 */
static int
resume_at(struct follow *f, const struct follow_pos *saved,
    const struct rot_list *l, char *why, size_t size)
{
	char		 full[PATH_MAX];
	struct stat	 sb;
	int		 fd;

	snprintf(why, size, "the file of the saved position is gone "
	    "(removed, or compressed)");
	if (stat(f->path, &sb) == 0 && (uint64_t)sb.st_dev == saved->dev &&
	    (uint64_t)sb.st_ino == saved->ino) {
		if ((fd = open(f->path, O_RDONLY | O_CLOEXEC)) >= 0 &&
		    try_resume(f, fd, f->path, saved) == 0)
			return 0;
		f->st.truncations++;
		snprintf(why, size, "%s is %s", f->path,
		    (int64_t)sb.st_size < saved->off ? "shorter than the saved "
		    "position (truncated)" : "not the file of the saved "
		    "position (rewritten, or its inode reused)");
	} else if ((fd = find_inode(f->path, saved->dev, saved->ino, full,
	    sizeof(full))) >= 0 && try_resume(f, fd, full, saved) == 0) {
		log_info("follow: resuming in rotated file %s", full);
		return 0;
	}
	if (find_copy(f, l, saved) == 0) {
		log_info("follow: resuming in %s, a copy of the file of the "
		    "saved position", f->name);
		return 0;
	}
	return -1;
}

/* by_age - qsort: newest first */
static int
by_age(const void *a, const void *b)
{
	const struct rot_file *x = a, *y = b;

	return rot_newer(x, y) ? -1 : rot_newer(y, x) ? 1 : 0;
}

/*
 * lost_names - the compressed rotated files that may hold the lines
 * after the saved position: those written since (mtime, a second's
 * slack), or the newest when the position has no mtime; newest first
 */
static void
lost_names(const struct rot_list *l, int64_t since, char *buf, size_t size)
{
	struct rot_file	*z = xcalloc(l->n + 1, sizeof(*z));
	size_t		 i, nz = 0, len = 0;

	for (i = 0; i < l->n; i++)
		if (l->v[i].compressed && (since <= 0 ||
		    l->v[i].mtime_ns >= since - 1000000000))
			z[nz++] = l->v[i];
	qsort(z, nz, sizeof(*z), by_age);
	if (since <= 0 && nz > 1)
		nz = 1;
	buf[0] = '\0';
	for (i = 0; i < nz && i < FOLLOW_LOST_NAMES && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s",
		    i > 0 ? ", " : "", z[i].name);
	if (nz > FOLLOW_LOST_NAMES && len < size)
		snprintf(buf + len, size - len, " and %zu more",
		    nz - FOLLOW_LOST_NAMES);
	free(z);
}

/*
 * lost - the rest of the saved position's file cannot be read: one
 * warning, naming the compressed files that may hold it; then the
 * rotated files written after the position, then path from its start
 */
static void
lost(struct follow *f, const struct follow_pos *saved,
    const struct rot_list *l, const char *why)
{
	struct rot_file	 done = { NULL, saved->mtime_ns, saved->dev,
			    saved->ino, 0 };
	char		 dir[PATH_MAX], full[PATH_MAX], z[1024];
	long		 i = -1;

	lost_names(l, saved->mtime_ns, z, sizeof(z));
	rot_dir(f->path, dir, sizeof(dir));
	/* without the mtime, which rotated files came after is not known */
	if (saved->mtime_ns > 0 && (i = rot_next(l->v, l->n, &done)) >= 0) {
		snprintf(full, sizeof(full), "%s%s", dir, l->v[i].name);
		if (open_name(f, full) < 0)
			i = -1;
	}
	if (i < 0)
		(void)open_path(f);
	if (saved->off < 0)
		log_warn("follow: %s: the saved position is unknown; the lines "
		    "not read are in the files written since it was saved%s%s%s; "
		    "reading %s from its start", why,
		    z[0] != '\0' ? " (compressed files are not read: " : "", z,
		    z[0] != '\0' ? "; rotate with delaycompress)" : "",
		    f->fd >= 0 ? f->name : f->path);
	else
		log_warn("follow: %s: its lines after offset %lld are lost%s%s%s; "
		    "reading %s from its start", why, (long long)saved->off,
		    z[0] != '\0' ? " (compressed files are not read: " : "", z,
		    z[0] != '\0' ? "; rotate with delaycompress)" : "",
		    f->fd >= 0 ? f->name : f->path);
}

/*
 * start - open the file of the saved position at it; when it is not there,
 * or unknown is given (why it is not known), lost() says what is lost and
 * reads on from the rotated files written after it
 */
static void
start(struct follow *f, const struct follow_pos *saved, const char *unknown)
{
	struct rot_list	 l;
	char		 why[PATH_MAX + 128];

	memset(&l, 0, sizeof(l));
	(void)rot_scan(f->path, &l);	/* an unreadable folder: no list */
	if (unknown != NULL)
		lost(f, saved, &l, unknown);
	else if (resume_at(f, saved, &l, why, sizeof(why)) < 0)
		lost(f, saved, &l, why);
	rot_list_free(&l);
}

/* alloc - a follower for path with no file open */
static struct follow *
alloc(const char *path, size_t max_line)
{
	struct follow	*f = xcalloc(1, sizeof(*f));

	f->path = xstrdup(path);
	f->max_line = max_line;
	f->cap = max_line + FOLLOW_READ;
	f->buf = xmalloc(f->cap);
	f->fd = -1;
	f->dir_seen = -1;
	f->stall_off = -1;
	reset(f, 0);
	return f;
}

struct follow *
follow_open(const char *path, size_t max_line, const struct follow_pos *saved)
{
	struct follow	*f = alloc(path, max_line);

	if (saved == NULL || saved->off < 0)
		(void)open_path(f);
	else
		start(f, saved, NULL);
	return f;
}

struct follow *
follow_open_lost(const char *path, size_t max_line, int64_t since_ns,
    const char *why)
{
	struct follow	*f = alloc(path, max_line);
	struct follow_pos none;

	memset(&none, 0, sizeof(none));
	none.off = -1;
	none.mtime_ns = since_ns;
	start(f, &none, why);
	return f;
}

void
follow_reopen(struct follow *f, const struct follow_pos *saved)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	f->dev = f->ino = 0;
	f->headlen = 0;
	f->headsum = fnv(NULL, 0);
	f->dir_seen = -1;
	f->stall_off = -1;
	f->stalled = 0;
	reset(f, 0);
	if (saved == NULL || saved->off < 0)
		(void)open_path(f);
	else
		start(f, saved, NULL);
}

void
follow_free(struct follow *f)
{
	if (f == NULL)
		return;
	if (f->fd >= 0)
		close(f->fd);
	free(f->buf);
	free(f->name);
	free(f->path);
	free(f);
}

/*
 * newer_rotated - open the oldest rotated file newer than the open one
 * (which may have been renamed or removed since); 0, or -1: none
 */
static int
newer_rotated(struct follow *f)
{
	struct rot_file	 done = { NULL, f->mtime_ns, f->dev, f->ino, 0 };
	struct rot_list	 l;
	char		 dir[PATH_MAX], full[PATH_MAX];
	struct stat	 sb;
	size_t		 j;
	long		 i;
	int		 rc = -1;

	if (fstat(f->fd, &sb) == 0)
		done.mtime_ns = mtime_ns(&sb);
	if (rot_scan(f->path, &l) < 0)
		return -1;
	for (j = 0; j < l.n; j++)
		if (l.v[j].dev == f->dev && l.v[j].ino == f->ino)
			done.name = l.v[j].name;	/* its name now: ties */
	rot_dir(f->path, dir, sizeof(dir));
	if ((i = rot_next(l.v, l.n, &done)) >= 0) {
		snprintf(full, sizeof(full), "%s%s", dir, l.v[i].name);
		rc = open_name(f, full);
	}
	rot_list_free(&l);
	return rc;
}

/*
 * next_file - the open file is read to its end and is not path any
 * more: open the next one, a newer rotated file, else path; 0, or -1
 * while there is none (path renamed away, the new one not there yet)
 */
static int
next_file(struct follow *f, int have_path)
{
	char		 was[PATH_MAX], dir[PATH_MAX];
	struct stat	 sb;
	int64_t		 seen = -1;

	/* while path is missing, the folder is read again only once changed */
	if (!have_path) {
		rot_dir(f->path, dir, sizeof(dir));
		if (stat(dir, &sb) == 0 && (seen = mtime_ns(&sb)) ==
		    f->dir_seen)
			return -1;
	}
	snprintf(was, sizeof(was), "%s", f->name);
	if (newer_rotated(f) == 0) {
		log_info("follow: %s read to its end, reading the newer "
		    "rotated file %s", was, f->name);
		return 0;
	}
	if (!have_path || open_path(f) < 0) {
		f->dir_seen = seen;
		return -1;
	}
	if (strcmp(was, f->path) == 0)
		log_info("follow: %s was rotated, reading the new file",
		    f->path);
	else
		log_info("follow: %s read to its end, reading %s", was,
		    f->path);
	return 0;
}

/* at_eof - the open file is read to its end: rotation, or wait */
static int
at_eof(struct follow *f, const char **line, size_t *n, struct follow_pos *after)
{
	struct stat	 sb;
	size_t		 ps, pl;
	ssize_t		 r;
	int		 partial, have;

	have = stat(f->path, &sb) == 0;
	if (have && (uint64_t)sb.st_dev == f->dev &&
	    (uint64_t)sb.st_ino == f->ino)
		return 0;
	/*
	 * logrotate's create makes the new file, empty, before the writer
	 * is told to reopen (postrotate: postfix reload, rsyslog's HUP):
	 * until the new file holds a byte, lines still go to the old one,
	 * which is read on
	 */
	if (have && sb.st_size == 0 && strcmp(f->name, f->path) == 0)
		return 0;
	/* a line the writer put in the old file just before its rename */
	if (f->len < f->cap &&
	    (r = read(f->fd, f->buf + f->len, f->cap - f->len)) > 0) {
		f->len += (size_t)r;
		return 2;
	}
	partial = f->len > f->start && !f->skipping;
	ps = f->start;
	pl = f->len;
	if (next_file(f, have) < 0)
		return 0;
	f->st.rotations++;
	if (partial) {
		/* reset() left the bytes in place until the next read */
		*line = f->buf + ps;
		*n = pl - ps;
		*after = f->pos;
		f->st.lines++;
		return 1;
	}
	return 2;
}

/*
 * from_copy - the log was truncated by copytruncate while lines of it
 * were not read yet (always those of the last poll; a whole backlog while
 * Redis was away): they are in the copy it made just before. Find it (a
 * rotated file with the same first bytes, long enough) and read it from
 * the position on; at its end, the walk goes on to the log, from 0.
 * 1 when reading the copy now, 0 when there is none.
 */
static int
from_copy(struct follow *f)
{
	struct follow_pos	 p = f->pos;
	struct rot_list		 l;
	int			 r;

	if (p.off <= 0 || p.headlen == 0 || strcmp(f->name, f->path) != 0)
		return 0;
	memset(&l, 0, sizeof(l));
	if (rot_scan(f->path, &l) < 0)
		return 0;
	r = find_copy(f, &l, &p) == 0;
	rot_list_free(&l);
	if (r)
		log_info("follow: %s was truncated (copytruncate): reading the "
		    "rest of its copy %s from offset %lld first", f->path,
		    f->name, (long long)p.off);
	return r;
}

/*
 * truncated - the open file is no longer what was read of it: shorter
 * than the bytes read, or other first bytes (copytruncate, written again
 * up to or past the old offset); then the rest of its copy (from_copy),
 * else the file again from 0. 1 or 0.
 */
static int
truncated(struct follow *f)
{
	struct follow_pos head;
	struct stat	 sb;

	if (fstat(f->fd, &sb) < 0)
		return 0;
	f->mtime_ns = mtime_ns(&sb);
	memset(&head, 0, sizeof(head));
	head.headlen = f->headlen;
	head.headsum = f->headsum;
	if ((int64_t)sb.st_size >= f->buf_off + (int64_t)f->len &&
	    same_file(f->fd, (int64_t)sb.st_size, &head))
		return 0;
	f->st.truncations++;
	if (from_copy(f))
		return 1;
	log_info("follow: %s was truncated, reading from its start", f->name);
	if (lseek(f->fd, 0, SEEK_SET) < 0)
		return 0;
	f->headlen = 0;
	f->headsum = fnv(NULL, 0);
	reset(f, 0);
	return 1;
}

/* too_long - count and log an over-long line at offset off */
static void
too_long(struct follow *f, int64_t off)
{
	log_warn("follow: skipping a line longer than %zu bytes at offset "
	    "%lld of %s", f->max_line, (long long)off, f->name);
	f->st.too_long++;
}

int
follow_next(struct follow *f, const char **line, size_t *n,
    struct follow_pos *after)
{
	char		*nl;
	ssize_t		 r;
	int		 i, rc;

	if (f->fd < 0 && open_path(f) < 0)
		return 0;
	for (i = 0; i < 1024; i++) {
		nl = memchr(f->buf + f->scan, '\n', f->len - f->scan);
		if (nl != NULL) {
			size_t	 s = f->start;

			f->start = f->scan = (size_t)(nl - f->buf) + 1;
			set_pos(f, f->buf_off + (int64_t)f->start);
			if (f->skipping) {
				f->skipping = 0;
				continue;
			}
			if ((size_t)(nl - (f->buf + s)) > f->max_line) {
				/* the same limit as for a line read in parts */
				too_long(f, f->buf_off + (int64_t)s);
				continue;
			}
			*line = f->buf + s;
			*n = (size_t)(nl - (f->buf + s));
			*after = f->pos;
			f->st.lines++;
			f->stalled = f->stall_off == f->buf_off + (int64_t)s &&
			    f->stall_seen;
			f->stall_off = -1;
			return 1;
		}
		f->scan = f->len;
		if (f->len - f->start > f->max_line) {
			if (!f->skipping)
				too_long(f, f->buf_off + (int64_t)f->start);
			f->skipping = 1;
			f->start = f->scan = f->len;
		}
		if (f->start > 0) {
			memmove(f->buf, f->buf + f->start, f->len - f->start);
			f->buf_off += (int64_t)f->start;
			f->len -= f->start;
			f->scan -= f->start;
			f->start = 0;
		}
		if (truncated(f))
			continue;
		r = read(f->fd, f->buf + f->len, f->cap - f->len);
		if (r > 0) {
			f->len += (size_t)r;
			continue;
		}
		if (r < 0) {
			if (errno == EINTR)
				continue;
			log_err("follow: read %s: %s", f->name, strerror(errno));
			return -1;
		}
		if ((rc = at_eof(f, line, n, after)) == 0 &&
		    f->len > f->start && !f->skipping) {
			/*
			 * a line without its newline yet: since when. It
			 * stalled only when seen so at an end of the file
			 * FOLLOW_STALL_MS after that, not when the tracker
			 * looked again only that late (a slow batch, a long
			 * poll_ms) and found it finished.
			 */
			if (f->stall_off != f->buf_off + (int64_t)f->start) {
				f->stall_off = f->buf_off + (int64_t)f->start;
				f->stall_ms = clock_mono_ms();
				f->stall_seen = 0;
			} else if (clock_mono_ms() - f->stall_ms >=
			    FOLLOW_STALL_MS)
				f->stall_seen = 1;
		}
		if (rc != 2)
			return rc;
	}
	return 0;
}

int
follow_stalled(const struct follow *f)
{
	return f->stalled;
}

void
follow_where(const struct follow *f, struct follow_pos *p)
{
	*p = f->pos;
}

const struct follow_stats *
follow_stats(const struct follow *f)
{
	return &f->st;
}

const char *
follow_name(const struct follow *f)
{
	return f->name != NULL ? f->name : f->path;
}
