/*
 * NAME
 *	tracker_pos - relay-tracker's read position, in Redis or a file
 * DESCRIPTION
 *	relay:{n:NODE}:tracker_pos, or tracker.state_file when set (written
 *	to a temporary file, flushed and renamed): device, inode, offset,
 *	the length and hash of the file's first bytes, and its mtime
 *	(follow_pos). See tracker_apply.h for the calls.
 * SEE ALSO
 *	tracker_apply.h, tracker_follow.h, common/SCHEMA.md
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hiredis.h>

#include "rconn.h"
#include "rkeys.h"
#include "tracker_apply.h"

/*
 * pos_parse - "dev=D ino=I offset=O [headlen=N headsum=H] [mtime=NS] ...";
 * 0 or -1
 */
static int
pos_parse(const char *line, struct follow_pos *p)
{
	unsigned long long dev, ino, hsum;
	unsigned	 hlen;
	long long	 off, mt;
	const char	*h;

	if (sscanf(line, "dev=%llu ino=%llu offset=%lld", &dev, &ino,
	    &off) != 3 || off < 0)
		return -1;
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

/* pos_load_file - the position in tracker.state_file */
static int
pos_load_file(struct tracker_ctx *t, const char *path, struct follow_pos *p)
{
	char	 line[512];
	FILE	*fp;

	if ((fp = fopen(path, "r")) == NULL) {
		if (errno == ENOENT)
			return 0;
		tracker_why(t, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	if (fgets(line, sizeof(line), fp) != NULL)
		(void)pos_parse(line, p);
	fclose(fp);
	return 0;
}

/* str_field - element i of an HMGET reply, or NULL */
static const char *
str_field(const redisReply *r, size_t i)
{
	return i < r->elements && r->element[i]->type == REDIS_REPLY_STRING ?
	    r->element[i]->str : NULL;
}

int
tracker_pos_load(struct tracker_ctx *t, struct follow_pos *p)
{
	const char	*path = t->conf->tracker.state_file;
	char		 key[RKEY_MAX];
	redisReply	*r;
	int		 rc = 0;

	memset(p, 0, sizeof(*p));
	p->off = -1;
	if (path != NULL && *path != '\0')
		return pos_load_file(t, path, p);
	if (rkey(key, sizeof(key), RKEY_TRACKER_POS, t->conf->tracker.node,
	    NULL) < 0) {
		tracker_why(t, "tracker.node: not usable in a key");
		return -1;
	}
	r = rconn_cmd(t->rc, "HMGET %s dev ino offset headlen headsum mtime",
	    key);
	if (r == NULL) {
		tracker_why(t, "%s", rconn_errstr(t->rc));
		return -1;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		tracker_why(t, "%s", r->str);
		rc = -1;
	} else if (r->type == REDIS_REPLY_ARRAY && str_field(r, 0) != NULL &&
	    str_field(r, 1) != NULL && str_field(r, 2) != NULL) {
		p->dev = strtoull(str_field(r, 0), NULL, 10);
		p->ino = strtoull(str_field(r, 1), NULL, 10);
		p->off = strtoll(str_field(r, 2), NULL, 10);
		if (str_field(r, 3) != NULL && str_field(r, 4) != NULL &&
		    strtoul(str_field(r, 3), NULL, 10) <= FOLLOW_HEAD_MAX) {
			p->headlen = (uint32_t)strtoul(str_field(r, 3), NULL, 10);
			p->headsum = strtoull(str_field(r, 4), NULL, 16);
		}
		if (str_field(r, 5) != NULL && strtoll(str_field(r, 5), NULL,
		    10) > 0)
			p->mtime_ns = strtoll(str_field(r, 5), NULL, 10);
	}
	freeReplyObject(r);
	return rc;
}

/* pos_save_file - write the position to a temporary file, rename it */
static int
pos_save_file(struct tracker_ctx *t, const char *path,
    const struct follow_pos *p, time_t now)
{
	char	 tmp[4096];
	FILE	*fp;
	int	 ok, e;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((fp = fopen(tmp, "w")) == NULL) {
		tracker_why(t, "cannot write %s: %s", tmp, strerror(errno));
		return -1;
	}
	fprintf(fp, "dev=%" PRIu64 " ino=%" PRIu64 " offset=%" PRId64
	    " headlen=%" PRIu32 " headsum=%016" PRIx64 " mtime=%" PRId64
	    " updated=%lld\n", p->dev, p->ino, p->off, p->headlen, p->headsum,
	    p->mtime_ns, (long long)now);
	ok = fflush(fp) == 0 && fsync(fileno(fp)) == 0;
	e = errno;
	ok = (fclose(fp) == 0) && ok;
	if (!ok) {
		tracker_why(t, "cannot write %s: %s", tmp, strerror(e ? e : errno));
		(void)unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) < 0) {
		tracker_why(t, "cannot rename %s to %s: %s", tmp, path,
		    strerror(errno));
		(void)unlink(tmp);
		return -1;
	}
	return 0;
}

int
tracker_pos_save(struct tracker_ctx *t, const struct follow_pos *p, time_t now)
{
	const char	*path = t->conf->tracker.state_file;
	char		 key[RKEY_MAX];
	redisReply	*r;
	int		 rc = 0;

	if (path != NULL && *path != '\0')
		return pos_save_file(t, path, p, now);
	if (rkey(key, sizeof(key), RKEY_TRACKER_POS, t->conf->tracker.node,
	    NULL) < 0) {
		tracker_why(t, "tracker.node: not usable in a key");
		return -1;
	}
	r = rconn_cmd(t->rc, "HSET %s dev %llu ino %llu offset %lld "
	    "headlen %u headsum %016llx mtime %lld updated %lld", key,
	    (unsigned long long)p->dev, (unsigned long long)p->ino,
	    (long long)p->off, (unsigned)p->headlen,
	    (unsigned long long)p->headsum, (long long)p->mtime_ns,
	    (long long)now);
	if (r == NULL) {
		tracker_why(t, "%s", rconn_errstr(t->rc));
		return -1;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		tracker_why(t, "%s", r->str);
		rc = -1;
	}
	freeReplyObject(r);
	return rc;
}
