/*
 * NAME
 *	tracker_follow - read a growing log file line by line, across
 *	rotation, truncation and restarts
 * DESCRIPTION
 *	One open file at a time and one buffer. The buffer holds the bytes
 *	of the open file from offset buf_off on; [start, len) is not handed
 *	out yet. At the end of the file, path is stat()ed: another inode
 *	means a rename rotation. Before every read the open file is checked
 *	against what was read of it (size, first bytes): a truncation, even
 *	one written again past the old offset, starts it again at 0.
 * INVARIANTS
 *	pos is always the offset just after a newline (or 0) in the file
 *	(dev, ino, head), so a saved position never splits a line. Every
 *	loop is bounded by the bytes read.
 * SEE ALSO
 *	tracker_follow.h, relay-tracker.c
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

#include "log.h"
#include "tracker_follow.h"
#include "xalloc.h"

#define FOLLOW_READ	65536

struct follow {
	char			*path;
	size_t			 max_line;
	int			 fd;
	uint64_t		 dev, ino;
	char			*buf;
	size_t			 cap, start, scan, len;
	int64_t			 buf_off;	/* file offset of buf[0] */
	int			 skipping;	/* inside an over-long line */
	uint32_t		 headlen;	/* first bytes of the file known */
	uint64_t		 headsum;
	struct follow_pos	 pos;
	struct follow_stats	 st;
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

/* use_fd - make fd the current file, positioned at off (0 if too short) */
static void
use_fd(struct follow *f, int fd, int64_t off)
{
	struct stat	 sb;

	if (f->fd >= 0)
		close(f->fd);
	f->fd = fd;
	if (fstat(fd, &sb) < 0) {
		sb.st_dev = 0;
		sb.st_ino = 0;
		sb.st_size = 0;
	}
	f->dev = (uint64_t)sb.st_dev;
	f->ino = (uint64_t)sb.st_ino;
	f->headlen = 0;
	f->headsum = fnv(NULL, 0);
	if (off < 0 || off > (int64_t)sb.st_size)
		off = 0;
	if (off > 0 && lseek(fd, (off_t)off, SEEK_SET) < 0)
		off = 0;
	reset(f, off);
}

/* open_path - open path from its start; 0, or -1 when it is not there */
static int
open_path(struct follow *f)
{
	int	 fd;

	if ((fd = open(f->path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	use_fd(f, fd, 0);
	return 0;
}

/* find_inode - open the file of the folder of path that has (dev, ino) */
static int
find_inode(const char *path, uint64_t dev, uint64_t ino)
{
	char		 dir[PATH_MAX], full[PATH_MAX];
	const char	*slash = strrchr(path, '/');
	struct dirent	*de;
	struct stat	 sb;
	DIR		*d;
	int		 fd = -1, n;

	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path) + 1, path);
	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		n = snprintf(full, sizeof(full), "%s/%s", dir, de->d_name);
		if (n < 0 || (size_t)n >= sizeof(full))
			continue;
		if (lstat(full, &sb) == 0 && S_ISREG(sb.st_mode) &&
		    (uint64_t)sb.st_dev == dev && (uint64_t)sb.st_ino == ino) {
			fd = open(full, O_RDONLY | O_CLOEXEC);
			log_info("follow: resuming in rotated file %s", full);
			break;
		}
	}
	closedir(d);
	return fd;
}

/* resume - open the file of path at the saved position, or at 0 */
static void
resume(struct follow *f, int fd, int64_t size, const struct follow_pos *saved)
{
	if (same_file(fd, size, saved)) {
		use_fd(f, fd, saved->off);
		return;
	}
	if (size < saved->off)
		log_warn("follow: %s is shorter than the saved position: "
		    "truncated, reading from 0", f->path);
	else
		log_warn("follow: %s is not the file of the saved position "
		    "(rewritten, or its inode reused): reading from 0", f->path);
	f->st.truncations++;
	use_fd(f, fd, 0);
}

struct follow *
follow_open(const char *path, size_t max_line, const struct follow_pos *saved)
{
	struct follow	*f = xcalloc(1, sizeof(*f));
	struct stat	 sb;
	int		 fd;

	f->path = xstrdup(path);
	f->max_line = max_line;
	f->cap = max_line + FOLLOW_READ;
	f->buf = xmalloc(f->cap);
	f->fd = -1;
	reset(f, 0);
	if (saved == NULL || saved->off < 0) {
		(void)open_path(f);
		return f;
	}
	if (stat(path, &sb) == 0 && (uint64_t)sb.st_dev == saved->dev &&
	    (uint64_t)sb.st_ino == saved->ino) {
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0)
			resume(f, fd, (int64_t)sb.st_size, saved);
		return f;
	}
	if ((fd = find_inode(path, saved->dev, saved->ino)) >= 0) {
		if (fstat(fd, &sb) == 0 &&
		    same_file(fd, (int64_t)sb.st_size, saved)) {
			use_fd(f, fd, saved->off);
			return f;
		}
		close(fd);
	}
	log_warn("follow: the file of the saved position is gone; reading %s "
	    "from its start", path);
	(void)open_path(f);
	return f;
}

void
follow_free(struct follow *f)
{
	if (f == NULL)
		return;
	if (f->fd >= 0)
		close(f->fd);
	free(f->buf);
	free(f->path);
	free(f);
}

/* at_eof - the open file is read to its end: rotation, truncation or wait */
static int
at_eof(struct follow *f, const char **line, size_t *n, struct follow_pos *after)
{
	struct stat	 sb;
	size_t		 ps, pl;
	int		 partial;

	if (stat(f->path, &sb) < 0)
		return 0;		/* renamed away; the new one comes later */
	if ((uint64_t)sb.st_dev != f->dev || (uint64_t)sb.st_ino != f->ino) {
		ssize_t	 r;

		/* a line the writer put in the old file just before its rename */
		if (f->len < f->cap &&
		    (r = read(f->fd, f->buf + f->len, f->cap - f->len)) > 0) {
			f->len += (size_t)r;
			return 2;
		}
		partial = f->len > f->start && !f->skipping;
		ps = f->start;
		pl = f->len;
		if (open_path(f) < 0)
			return 0;
		f->st.rotations++;
		log_info("follow: %s was rotated, reading the new file",
		    f->path);
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
	return 0;
}

/*
 * truncated - the open file is no longer what was read of it: shorter
 * than the bytes read, or other first bytes (copytruncate, written again
 * up to or past the old offset); then read it again from 0. 1 or 0.
 */
static int
truncated(struct follow *f)
{
	struct follow_pos head;
	struct stat	 sb;

	if (fstat(f->fd, &sb) < 0)
		return 0;
	memset(&head, 0, sizeof(head));
	head.headlen = f->headlen;
	head.headsum = f->headsum;
	if ((int64_t)sb.st_size >= f->buf_off + (int64_t)f->len &&
	    same_file(f->fd, (int64_t)sb.st_size, &head))
		return 0;
	log_info("follow: %s was truncated, reading from its start", f->path);
	f->st.truncations++;
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
	    "%lld of %s", f->max_line, (long long)off, f->path);
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
			log_err("follow: read %s: %s", f->path, strerror(errno));
			return -1;
		}
		if ((rc = at_eof(f, line, n, after)) != 2)
			return rc;
	}
	return 0;
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
