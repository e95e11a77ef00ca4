/*
 * NAME
 *	tracker_rotated - the rotated copies of a log file, and which one to
 *	read next
 * DESCRIPTION
 *	The order is by mtime because it is the one order every rotation
 *	scheme keeps: a rotated file is not written after the next one
 *	starts (but for a line or two in flight at the rename). Names only
 *	break ties (files rotated within the kernel's timestamp step).
 * INVARIANTS
 *	rot_kind, rot_newer and rot_next do no I/O. rot_next never returns
 *	done itself nor a file older than it, so a walk from file to file
 *	reads each at most once and ends.
 * SEE ALSO
 *	tracker_rotated.h, tracker_follow.c
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracker_rotated.h"
#include "xalloc.h"

#define ROT_NUMBERED_MAX	6	/* digits of logrotate's .N, not a date */

static const char *const rot_zext[] = {
	".gz", ".xz", ".bz2", ".zst", ".lz4", ".Z", ".lzma", ".lz", NULL
};

/* has_suffix - s ends in x */
static int
has_suffix(const char *s, const char *x)
{
	size_t	 ls = strlen(s), lx = strlen(x);

	return ls >= lx && strcmp(s + ls - lx, x) == 0;
}

enum rot_kind
rot_kind(const char *base, const char *name)
{
	size_t	 lb = strlen(base);
	int	 i;

	if (lb == 0 || strncmp(name, base, lb) != 0 ||
	    (name[lb] != '.' && name[lb] != '-') ||
	    name[lb + 1] < '0' || name[lb + 1] > '9')
		return ROT_NONE;
	for (i = 0; rot_zext[i] != NULL; i++)
		if (has_suffix(name + lb, rot_zext[i]))
			return ROT_COMPRESSED;
	return ROT_PLAIN;
}

/* numbered - the N of a name ending in ".N" (logrotate), or -1 */
static long
numbered(const char *name)
{
	const char	*dot = strrchr(name, '.');
	const char	*p;

	if (dot == NULL || dot[1] == '\0' ||
	    strlen(dot + 1) > ROT_NUMBERED_MAX)
		return -1;
	for (p = dot + 1; *p != '\0'; p++)
		if (*p < '0' || *p > '9')
			return -1;
	return strtol(dot + 1, NULL, 10);
}

/* name_newer - a was rotated after b by name: .1 after .2, dates ascending */
static int
name_newer(const char *a, const char *b)
{
	long	 na = numbered(a), nb = numbered(b);

	if (na >= 0 && nb >= 0)
		return na < nb;
	return strcmp(a, b) > 0;
}

int
rot_newer(const struct rot_file *a, const struct rot_file *b)
{
	if (a->mtime_ns != b->mtime_ns)
		return a->mtime_ns > b->mtime_ns;
	if (b->name == NULL)
		return 1;
	if (a->name == NULL)
		return 0;
	return name_newer(a->name, b->name);
}

long
rot_next(const struct rot_file *v, size_t n, const struct rot_file *done)
{
	long	 best = -1;
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (v[i].compressed ||
		    (v[i].dev == done->dev && v[i].ino == done->ino))
			continue;
		if (!rot_newer(&v[i], done))
			continue;
		if (best < 0 || rot_newer(&v[best], &v[i]))
			best = (long)i;
	}
	return best;
}

void
rot_dir(const char *path, char *dir, size_t size)
{
	const char	*slash = strrchr(path, '/');

	if (slash == NULL)
		snprintf(dir, size, "./");
	else
		snprintf(dir, size, "%.*s", (int)(slash - path) + 1, path);
}

/* add - one more file in the list */
static void
add(struct rot_list *l, const char *name, const struct stat *sb, int z)
{
	struct rot_file	*r;

	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	r = &l->v[l->n++];
	r->name = xstrdup(name);
	r->mtime_ns = (int64_t)sb->st_mtim.tv_sec * 1000000000 +
	    (int64_t)sb->st_mtim.tv_nsec;
	r->dev = (uint64_t)sb->st_dev;
	r->ino = (uint64_t)sb->st_ino;
	r->compressed = z;
}

int
rot_scan(const char *path, struct rot_list *l)
{
	char		 dir[PATH_MAX], full[PATH_MAX];
	const char	*slash = strrchr(path, '/');
	const char	*base = slash != NULL ? slash + 1 : path;
	struct dirent	*de;
	struct stat	 sb;
	enum rot_kind	 k;
	DIR		*d;
	int		 n;

	l->v = NULL;
	l->n = 0;
	rot_dir(path, dir, sizeof(dir));
	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if ((k = rot_kind(base, de->d_name)) == ROT_NONE)
			continue;
		n = snprintf(full, sizeof(full), "%s%s", dir, de->d_name);
		if (n < 0 || (size_t)n >= sizeof(full))
			continue;
		if (lstat(full, &sb) == 0 && S_ISREG(sb.st_mode))
			add(l, de->d_name, &sb, k == ROT_COMPRESSED);
	}
	closedir(d);
	return 0;
}

void
rot_list_free(struct rot_list *l)
{
	size_t	 i;

	for (i = 0; i < l->n; i++)
		free((char *)l->v[i].name);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}
