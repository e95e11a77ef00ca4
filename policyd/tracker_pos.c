/*
 * NAME
 *	tracker_pos - relay-tracker's read position, in Redis (and a file)
 * DESCRIPTION
 *	relay:{n:NODE}:tracker_pos always, and tracker.state_file too when
 *	set (written to a temporary file, flushed and renamed): device,
 *	inode, offset, the length and hash of the file's first bytes, and
 *	its mtime (follow_pos); in Redis also gen, a nonce of the process
 *	that wrote it.
 *
 *	Redis may go back in time under a running tracker (restarted from an
 *	older snapshot, the last second of an everysec AOF lost, a failover
 *	to a replica that lagged). Its position then goes back with what was
 *	applied (the snapshot is point-in-time consistent), and reading again
 *	from it applies what was lost. So a save is a compare-and-set
 *	(tracker_pos.lua, one round trip): it writes only while the key holds
 *	what this process last saw or wrote there, else it returns what the
 *	key holds and the tracker reads again from there. After every new
 *	connection (a restart of Redis is one) the key is read before the
 *	connection is used (tracker_pos_verify): a position that moved is
 *	taken as above, and one that did not still sends the tracker back to
 *	it, since lines applied after it may have been lost. A key gone
 *	(FLUSHALL, a snapshot older than the first save) is said, and the
 *	tracker carries on: nothing tells where to read again from.
 *
 *	At start-up with a state file, of the two positions the older is
 *	taken (tracker_posval.h); a state file that cannot be parsed is said,
 *	and the position in Redis used, else the rotated files written since
 *	the state file are read (follow_open_lost).
 * SEE ALSO
 *	tracker_apply.h, tracker_posval.h, tracker_follow.h,
 *	common/lua/tracker_pos.lua, common/SCHEMA.md
 */
#include <sys/stat.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis.h>

#include "log.h"
#include "rconn.h"
#include "rkeys.h"
#include "rscript.h"
#include "token.h"
#include "tracker_apply.h"

#define POS_NARGS	21	/* tracker_pos.lua: 5 to compare, 8 pairs */

/* state_file - tracker.state_file, or NULL when unset */
static const char *
state_file(const struct tracker_ctx *t)
{
	const char *p = t->conf->tracker.state_file;

	return p != NULL && *p != '\0' ? p : NULL;
}

/* pos_key - relay:{n:NODE}:tracker_pos; 0 or -1 (t->why) */
static int
pos_key(struct tracker_ctx *t, char *key, size_t size)
{
	if (rkey(key, size, RKEY_TRACKER_POS, t->conf->tracker.node, NULL) < 0) {
		tracker_why(t, "tracker.node: not usable in a key");
		return -1;
	}
	return 0;
}

/* gen_init - this process's nonce, once */
static void
gen_init(struct tracker_ctx *t)
{
	if (t->pm.gen[0] != '\0')
		return;
	if (token_random_hex(8, t->pm.gen, sizeof(t->pm.gen)) < 0)
		snprintf(t->pm.gen, sizeof(t->pm.gen), "%08lx%08lx",
		    (unsigned long)getpid(), (unsigned long)time(NULL));
}

/*
 * pos_load_file - the position in tracker.state_file: 0 (off -1: no file),
 * 1 when the file holds none (*why; *mtime_ns its mtime), -1 (t->why)
 */
static int
pos_load_file(struct tracker_ctx *t, const char *path, struct follow_pos *p,
    const char **why, int64_t *mtime_ns)
{
	char		 line[512];
	struct stat	 sb;
	FILE		*fp;
	int		 rc = 0;

	if ((fp = fopen(path, "r")) == NULL) {
		if (errno == ENOENT)
			return 0;
		tracker_why(t, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	if (fgets(line, sizeof(line), fp) == NULL)
		line[0] = '\0';
	if (ferror(fp)) {
		tracker_why(t, "cannot read %s: %s", path, strerror(errno));
		rc = -1;
	} else if (posval_parse(line, p, why) < 0) {
		p->off = -1;
		*mtime_ns = fstat(fileno(fp), &sb) == 0 ?
		    (int64_t)sb.st_mtim.tv_sec * 1000000000 +
		    sb.st_mtim.tv_nsec : 0;
		rc = 1;
	}
	fclose(fp);
	return rc;
}

/* str_field - element i of an array reply, or NULL */
static const char *
str_field(const redisReply *r, size_t i)
{
	return i < r->elements && r->element[i]->type == REDIS_REPLY_STRING ?
	    r->element[i]->str : NULL;
}

/* pos_load_redis - what the key holds; 0, or -1 (t->why) */
static int
pos_load_redis(struct tracker_ctx *t, struct posval_rec *rec)
{
	char		 key[RKEY_MAX];
	redisReply	*r;

	if (pos_key(t, key, sizeof(key)) < 0)
		return -1;
	r = rconn_cmd(t->rc, "HMGET %s gen dev ino offset headlen headsum "
	    "mtime", key);
	if (r == NULL) {
		tracker_why(t, "%s", rconn_errstr(t->rc));
		return -1;
	}
	if (r->type != REDIS_REPLY_ARRAY) {
		tracker_why(t, "HMGET %s: not an array", key);
		freeReplyObject(r);
		return -1;
	}
	posval_fields(rec, str_field(r, 0), str_field(r, 1), str_field(r, 2),
	    str_field(r, 3), str_field(r, 4), str_field(r, 5), str_field(r, 6));
	freeReplyObject(r);
	return 0;
}

/* pick_start - with a state file: the older of its position and Redis's */
static void
pick_start(const char *path, const struct follow_pos *fp,
    const struct posval_rec *rec, struct follow_pos *p)
{
	char	 a[96], b[96];
	enum posval_order o;

	*p = *fp;
	if (!rec->have || rec->pos.off < 0) {
		if (rec->have)
			log_warn("tracker: the position in Redis is not one "
			    "(offset \"%s\"); reading from the state file's",
			    rec->off);
		return;
	}
	if (fp->off < 0) {
		log_info("tracker: no state file %s: reading from the position "
		    "in Redis, %s", path, posval_fmt(&rec->pos, a, sizeof(a)));
		*p = rec->pos;
		return;
	}
	if ((o = posval_order(fp, &rec->pos)) == POSVAL_EQUAL)
		return;
	if (o == POSVAL_B_OLDER)
		*p = rec->pos;
	log_warn("tracker: the saved positions differ: state file %s, Redis "
	    "%s; reading from %s", posval_fmt(fp, a, sizeof(a)),
	    posval_fmt(&rec->pos, b, sizeof(b)), o == POSVAL_B_OLDER ?
	    "the older, Redis's (Redis is consistent with it)" :
	    o == POSVAL_A_OLDER ? "the older, the state file's" :
	    "the state file's (the two files cannot be ordered)");
}

int
tracker_pos_load(struct tracker_ctx *t, struct follow_pos *p)
{
	const char	*path = state_file(t), *why = "";
	struct posval_rec rec;
	struct follow_pos fp;
	int64_t		 mt = 0;
	char		 a[96];
	int		 r = 0;

	memset(p, 0, sizeof(*p));
	p->off = -1;
	memset(&fp, 0, sizeof(fp));
	fp.off = -1;
	gen_init(t);
	if (path != NULL && (r = pos_load_file(t, path, &fp, &why, &mt)) < 0)
		return -1;
	if (pos_load_redis(t, &rec) < 0)
		return -1;
	t->pm.seen = rec;
	/* this connection is checked: what follows is compared with rec */
	rconn_setmark(t->rc, 1);
	if (path == NULL) {
		if (rec.have && rec.pos.off < 0)
			log_warn("tracker: the position in Redis is not one "
			    "(offset \"%s\"); reading the log from its start",
			    rec.off);
		*p = rec.pos;
		return 0;
	}
	if (r == 0) {
		pick_start(path, &fp, &rec, p);
		return 0;
	}
	if (rec.have && rec.pos.off >= 0) {
		log_warn("tracker: tracker.state_file %s: %s; reading from the "
		    "position in Redis, %s", path, why,
		    posval_fmt(&rec.pos, a, sizeof(a)));
		*p = rec.pos;
		return 0;
	}
	tracker_why(t, "tracker.state_file %s: %s, and Redis holds no position",
	    path, why);
	p->mtime_ns = mt;
	return 1;
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

/* missing - the key lost the position this process saw: said, carried on */
static void
missing(struct tracker_ctx *t, const struct follow_pos *mine)
{
	char	 a[96], b[96];

	log_err("tracker: Redis lost writes: the position relay:{n:%s}:"
	    "tracker_pos (%s) is missing (FLUSHALL, or Redis restarted from a "
	    "snapshot older than this tracker's first save): what was applied "
	    "with it is likely gone too and cannot be read again; carrying on "
	    "from %s", t->conf->tracker.node,
	    posval_fmt(&t->pm.seen.pos, a, sizeof(a)),
	    posval_fmt(mine, b, sizeof(b)));
}

/*
 * moved - the key holds another position than this process saw: the
 * older of it and mine is read from (1 and *go when it is Redis's), and
 * the next save compares with it
 */
static int
moved(struct tracker_ctx *t, const struct follow_pos *mine,
    const struct posval_rec *rec, struct follow_pos *go)
{
	struct follow_pos was = t->pm.seen.have && t->pm.seen.pos.off >= 0 ?
	    t->pm.seen.pos : *mine;
	char		 a[96], b[96], c[96];
	enum posval_order o;

	t->pm.seen = *rec;
	if (rec->pos.off < 0) {
		log_err("tracker: the position in Redis is not one (dev \"%s\" "
		    "ino \"%s\" offset \"%s\"): carrying on from %s", rec->dev,
		    rec->ino, rec->off, posval_fmt(mine, a, sizeof(a)));
		return 0;
	}
	if ((o = posval_order(&rec->pos, mine)) == POSVAL_EQUAL)
		return 0;
	if (o == POSVAL_B_OLDER) {
		log_err("tracker: the position in Redis moved ahead to %s, past "
		    "this tracker's %s (another relay-tracker with tracker.node "
		    "\"%s\"?): reading on from %s",
		    posval_fmt(&rec->pos, a, sizeof(a)),
		    posval_fmt(mine, b, sizeof(b)), t->conf->tracker.node,
		    posval_fmt(mine, c, sizeof(c)));
		return 0;
	}
	log_err("tracker: Redis lost writes: position went back from %s to %s%s "
	    "(Redis restarted from an older snapshot, lost its last writes, or "
	    "failed over to a replica that lagged): reading again from %s",
	    posval_fmt(&was, a, sizeof(a)), posval_fmt(&rec->pos, b, sizeof(b)),
	    o == POSVAL_UNKNOWN ? " (another file)" : "",
	    posval_fmt(&rec->pos, c, sizeof(c)));
	*go = rec->pos;
	return 1;
}

int
tracker_pos_verify(struct tracker_ctx *t, const struct follow_pos *from,
    struct follow_pos *go)
{
	const struct posval_rec *s = &t->pm.seen;
	struct posval_rec rec;
	char		 a[96], b[96];

	if (rconn_ensure(t->rc) != RCONN_OK) {
		tracker_why(t, "%s", rconn_errstr(t->rc));
		return -1;
	}
	if (rconn_mark(t->rc) != 0)
		return 0;
	if (pos_load_redis(t, &rec) < 0)
		return -1;
	rconn_setmark(t->rc, 1);
	if (!rec.have) {
		if (s->have)
			missing(t, from);
		t->pm.seen = rec;
		return 0;
	}
	if (!s->have || strcmp(rec.gen, s->gen) != 0 ||
	    strcmp(rec.dev, s->dev) != 0 || strcmp(rec.ino, s->ino) != 0 ||
	    strcmp(rec.off, s->off) != 0)
		return moved(t, from, &rec, go);
	/* what this process saw: the lines applied after it on the old
	   connection may be lost all the same (an everysec AOF) */
	if (rec.pos.off < 0 || posval_order(&rec.pos, from) != POSVAL_A_OLDER)
		return 0;
	log_info("tracker: a new connection to Redis: reading again from the "
	    "saved position %s, not %s (lines applied since may have been "
	    "lost with the old one; applying them again changes nothing)",
	    posval_fmt(&rec.pos, a, sizeof(a)), posval_fmt(from, b, sizeof(b)));
	*go = rec.pos;
	return 1;
}

/* cas - tracker_pos.lua: 0 written, 1 *go (moved), -1 (t->why) */
static int
cas(struct tracker_ctx *t, const struct follow_pos *p, time_t now,
    struct follow_pos *go)
{
	const struct rscript *s = rscript_get("tracker_pos");
	const struct posval_rec *sn = &t->pm.seen;
	const char	*keys[1], *args[POS_NARGS];
	char		 key[RKEY_MAX], v[7][POSVAL_NUM];
	struct posval_rec rec;
	redisReply	*r;
	long long	 code;

	if (pos_key(t, key, sizeof(key)) < 0)
		return -1;
	snprintf(v[0], sizeof(v[0]), "%" PRIu64, p->dev);
	snprintf(v[1], sizeof(v[1]), "%" PRIu64, p->ino);
	snprintf(v[2], sizeof(v[2]), "%" PRId64, p->off);
	snprintf(v[3], sizeof(v[3]), "%" PRIu32, p->headlen);
	snprintf(v[4], sizeof(v[4]), "%016" PRIx64, p->headsum);
	snprintf(v[5], sizeof(v[5]), "%" PRId64, p->mtime_ns);
	snprintf(v[6], sizeof(v[6]), "%lld", (long long)now);
	keys[0] = key;
	args[0] = sn->have ? "1" : "0";
	args[1] = sn->gen;
	args[2] = sn->dev;
	args[3] = sn->ino;
	args[4] = sn->off;
	args[5] = "gen";	args[6] = t->pm.gen;
	args[7] = "dev";	args[8] = v[0];
	args[9] = "ino";	args[10] = v[1];
	args[11] = "offset";	args[12] = v[2];
	args[13] = "headlen";	args[14] = v[3];
	args[15] = "headsum";	args[16] = v[4];
	args[17] = "mtime";	args[18] = v[5];
	args[19] = "updated";	args[20] = v[6];
	if ((r = rscript_call(t->rc, s, 1, keys, POS_NARGS, args)) == NULL) {
		tracker_why(t, "%s", rconn_errstr(t->rc));
		return -1;
	}
	if (r->type != REDIS_REPLY_ARRAY || r->elements < 1 ||
	    r->element[0]->type != REDIS_REPLY_INTEGER) {
		tracker_why(t, "script tracker_pos: unexpected reply");
		freeReplyObject(r);
		return -1;
	}
	if ((code = r->element[0]->integer) == 0) {
		posval_fields(&rec, str_field(r, 1), str_field(r, 2),
		    str_field(r, 3), str_field(r, 4), str_field(r, 5),
		    str_field(r, 6), str_field(r, 7));
		freeReplyObject(r);
		return moved(t, p, &rec, go);
	}
	freeReplyObject(r);
	if (code == 2)
		missing(t, p);
	posval_fields(&t->pm.seen, t->pm.gen, v[0], v[1], v[2], v[3], v[4],
	    v[5]);
	return 0;
}

int
tracker_pos_save(struct tracker_ctx *t, const struct follow_pos *p, time_t now,
    struct follow_pos *go)
{
	const char	*path = state_file(t);
	int		 r, i;

	gen_init(t);
	if ((r = tracker_pos_verify(t, p, go)) != 0)
		return r;
	/* a position moved ahead is compared with now: one more try */
	for (i = 0; i < 2 && (r = cas(t, p, now, go)) == 0 &&
	    strcmp(t->pm.seen.gen, t->pm.gen) != 0; i++)
		;
	if (r != 0)
		return r;
	if (strcmp(t->pm.seen.gen, t->pm.gen) != 0) {
		tracker_why(t, "the position in Redis keeps changing");
		return -1;
	}
	return path != NULL ? pos_save_file(t, path, p, now) : 0;
}
