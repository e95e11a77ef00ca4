/*
 * NAME
 *	tracker_posval - saved read positions as values (no I/O)
 * DESCRIPTION
 *	Parsing of the state file's line and of the Redis hash's fields, and
 *	the order of two positions; see tracker_posval.h.
 * SEE ALSO
 *	tracker_posval.h, tracker_pos.c, tests/unit/test_tracker_posval.c
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracker_posval.h"

/* num - s is a decimal number without sign or blanks */
static int
num(const char *s)
{
	if (s == NULL || *s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

void
posval_fields(struct posval_rec *r, const char *gen, const char *dev,
    const char *ino, const char *off, const char *headlen,
    const char *headsum, const char *mtime)
{
	unsigned long	 hl;

	memset(r, 0, sizeof(*r));
	r->pos.off = -1;
	snprintf(r->gen, sizeof(r->gen), "%s", gen != NULL ? gen : "");
	if (dev == NULL || ino == NULL || off == NULL)
		return;
	/* as stored, whatever they hold: the script compares these */
	snprintf(r->dev, sizeof(r->dev), "%s", dev);
	snprintf(r->ino, sizeof(r->ino), "%s", ino);
	snprintf(r->off, sizeof(r->off), "%s", off);
	r->have = 1;
	if (!num(dev) || !num(ino) || !num(off))
		return;		/* there, but not a position to read from */
	r->pos.dev = strtoull(dev, NULL, 10);
	r->pos.ino = strtoull(ino, NULL, 10);
	r->pos.off = strtoll(off, NULL, 10);
	if (headlen != NULL && headsum != NULL && num(headlen) &&
	    (hl = strtoul(headlen, NULL, 10)) <= FOLLOW_HEAD_MAX) {
		r->pos.headlen = (uint32_t)hl;
		r->pos.headsum = strtoull(headsum, NULL, 16);
	}
	if (mtime != NULL && num(mtime) && strtoll(mtime, NULL, 10) > 0)
		r->pos.mtime_ns = strtoll(mtime, NULL, 10);
}

int
posval_parse(const char *line, struct follow_pos *p, const char **why)
{
	unsigned long long dev, ino, hsum;
	unsigned	 hlen;
	long long	 off, mt;
	const char	*h;

	line += strspn(line, " \t\r\n");
	if (*line == '\0') {
		*why = "empty";
		return -1;
	}
	if (sscanf(line, "dev=%llu ino=%llu offset=%lld", &dev, &ino,
	    &off) != 3) {
		*why = "garbage: not \"dev=D ino=I offset=O ...\"";
		return -1;
	}
	if (off < 0) {
		*why = "garbage: a negative offset";
		return -1;
	}
	memset(p, 0, sizeof(*p));
	p->dev = dev;
	p->ino = ino;
	p->off = off;
	if ((h = strstr(line, " headlen=")) != NULL &&
	    sscanf(h, " headlen=%u headsum=%llx", &hlen, &hsum) == 2 &&
	    hlen <= FOLLOW_HEAD_MAX) {
		p->headlen = hlen;
		p->headsum = hsum;
	}
	if ((h = strstr(line, " mtime=")) != NULL &&
	    sscanf(h, " mtime=%lld", &mt) == 1 && mt > 0)
		p->mtime_ns = mt;
	return 0;
}

int
posval_same_file(const struct follow_pos *a, const struct follow_pos *b)
{
	if (a->dev != b->dev || a->ino != b->ino)
		return 0;
	/* a reused inode starts with other bytes; known over as many bytes
	   (a young file's head grows up to FOLLOW_HEAD_MAX), they compare */
	return a->headlen == 0 || a->headlen != b->headlen ||
	    a->headsum == b->headsum;
}

enum posval_order
posval_order(const struct follow_pos *a, const struct follow_pos *b)
{
	if (posval_same_file(a, b))
		return a->off == b->off ? POSVAL_EQUAL :
		    a->off < b->off ? POSVAL_A_OLDER : POSVAL_B_OLDER;
	if (a->mtime_ns <= 0 || b->mtime_ns <= 0 || a->mtime_ns == b->mtime_ns)
		return POSVAL_UNKNOWN;
	return a->mtime_ns < b->mtime_ns ? POSVAL_A_OLDER : POSVAL_B_OLDER;
}

const char *
posval_fmt(const struct follow_pos *p, char *buf, size_t size)
{
	if (p->off < 0)
		snprintf(buf, size, "none");
	else
		snprintf(buf, size, "dev %" PRIu64 " ino %" PRIu64 " offset %"
		    PRId64, p->dev, p->ino, p->off);
	return buf;
}
