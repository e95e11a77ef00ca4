/*
 * NAME
 *	relay-tracker - follow Postfix's mail log into message status,
 *	suppression, bounce rates and auto-suspension
 * SUMMARY
 *	relay-tracker [-fdo] [-c relay.conf]
 * DESCRIPTION
 *	The thin main: options, configuration, Redis, then a loop that
 *	reads up to TRACKER_BATCH lines (tracker_follow), parses them
 *	(maillog), applies the events of the batch (tracker_apply, each
 *	dated by its own line's stamp: tracker_time) and
 *	saves the position after it (when caught up, at most every
 *	TRACKER_SAVE_MS while the log streams, and at a clean stop). When
 *	Redis fails (no connection, or an error reply such as OOM or
 *	READONLY) the same batch is retried with a backoff, so nothing is
 *	lost or counted twice. When the position cannot be saved (state
 *	file not writable) the tracker applies on, since events are
 *	idempotent, and tries the save again with a growing backoff,
 *	logging once per streak of failures. A new Redis connection is
 *	checked before its first batch, and every save is a compare-and-set
 *	(tracker_pos.c): when Redis went back in time, the log is read again
 *	from the position it holds (back). SIGTERM/SIGINT stop it after the current
 *	batch. SIGHUP reloads relay.conf between batches (suspension
 *	thresholds, soft-bounce limit, TTLs, clock); a file with errors, or
 *	one that changes tracker.maillog, state_file or node (where the
 *	position lives: those need a restart), keeps the old config.
 *	-o reads to the end of the file once and exits (tests, benchmarks,
 *	catching up by hand).
 * SEE ALSO
 *	relay-tracker(8), tracker_follow.h, maillog.h, tracker_apply.h
 */
#include <sys/stat.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "conf.h"
#include "conf_diff.h"
#include "daemon.h"
#include "log.h"
#include "maillog.h"
#include "rconn.h"
#include "rkeys.h"
#include "rscript.h"
#include "rswitch.h"
#include "stats.h"
#include "tracker_apply.h"
#include "tracker_follow.h"
#include "tracker_hop.h"
#include "tracker_recheck.h"
#include "tracker_retry.h"
#include "xalloc.h"

#define TRACKER_BATCH		1024
#define TRACKER_STATS_S		60
#define TRACKER_SAVE_MS		500

static volatile sig_atomic_t stopping, reloading;
static char *pidfile;		/* the one written at start, or NULL */

struct saver {
	unsigned	 streak;	/* failed saves in a row */
	int64_t		 next_ms;	/* no new try before (monotonic) */
	int64_t		 last_ms;	/* last good save */
	int		 dirty;		/* applied lines not saved yet */
};

/* pidfile_remove - at exit (atexit): the pid file, while ours */
static void
pidfile_remove(void)
{
	daemon_pidfile_remove(pidfile);
	free(pidfile);
	pidfile = NULL;
}

static void
on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static void
on_hup(int sig)
{
	(void)sig;
	reloading = 1;
}

/* reload - swap in a new relay.conf, or keep the old one and say why */
static void
reload(struct tracker_ctx *t, const char *path, struct relay_conf **confp)
{
	struct relay_conf	*nc, *oc = *confp;
	struct logkv		 kv;
	char			 restart[256] = "", rate[32];
	int			 moved;

	reloading = 0;
	if ((nc = daemon_reload_conf(path)) == NULL)
		return;
	if (strcmp(nc->tracker.maillog, oc->tracker.maillog) != 0 ||
	    strcmp(nc->tracker.state_file, oc->tracker.state_file) != 0 ||
	    strcmp(nc->tracker.node, oc->tracker.node) != 0) {
		log_err("reload=refused reason=\"tracker.maillog, state_file "
		    "and node need a restart\"");
		conf_free(nc);
		return;
	}
	conf_diff_note(restart, sizeof(restart), nc->tracker.max_line !=
	    oc->tracker.max_line, "tracker.max_line");
	conf_diff_note(restart, sizeof(restart), conf_diff_str(
	    nc->tracker.metrics, oc->tracker.metrics), "tracker.metrics");
	conf_diff_note(restart, sizeof(restart), conf_diff_str(
	    nc->tracker.pid_file, oc->tracker.pid_file), "tracker.pid_file");
	conf_diff_note_daemon(restart, sizeof(restart), oc, nc);
	/* new Redis settings: a new connection, used from the next batch */
	if ((moved = conf_diff_redis(&nc->redis, &oc->redis))) {
		rconn_free(t->rc);
		t->rc = rconn_new(&nc->redis);
		rconn_primary_only(t->rc);
		(void)rswitch_reload(&nc->redis);
	}
	t->conf = *confp = nc;
	conf_free(oc);
	clock_set_offset(nc->testing.clock_offset_s);
	logkv_init(&kv, NULL);
	logkv_str(&kv, "reload", "ok");
	logkv_int(&kv, "soft_bounce_limit", nc->tracker.soft_bounce_limit);
	snprintf(rate, sizeof(rate), "%.1f", nc->suspension.suspend_rate);
	logkv_str(&kv, "suspend_rate", rate);
	if (moved)
		logkv_str(&kv, "redis", "reconnect");
	if (restart[0] != '\0')
		logkv_str(&kv, "restart_needed", restart);
	logkv_emit(&kv, restart[0] != '\0' ? LOG_WARNING : LOG_INFO);
	daemon_log_warnings(nc, "tracker");
}

/* nap - sleep ms milliseconds unless asked to stop */
static void
nap(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	if (!stopping)
		nanosleep(&ts, NULL);
}

static void
stats(const struct tracker_ctx *t, const struct follow *f, const char *when)
{
	const struct follow_stats *fs = follow_stats(f);

	log_info("tracker: %s lines=%llu unknown=%llu other=%llu events=%llu "
	    "applied=%llu repeats=%llu no_record=%llu late=%llu bad=%llu "
	    "ignored=%llu no_member=%llu failed=%llu handoffs=%llu "
	    "suppressed=%llu suspended=%llu too_long=%llu rotations=%llu "
	    "truncations=%llu", when,
	    (unsigned long long)t->n.lines, (unsigned long long)t->n.unknown,
	    (unsigned long long)t->n.other, (unsigned long long)t->n.events,
	    (unsigned long long)t->n.applied, (unsigned long long)t->n.repeats,
	    (unsigned long long)t->n.no_record, (unsigned long long)t->n.late,
	    (unsigned long long)t->n.bad,
	    (unsigned long long)t->n.ignored,
	    (unsigned long long)t->n.no_member,
	    (unsigned long long)t->n.failed,
	    (unsigned long long)t->n.handoffs,
	    (unsigned long long)t->n.suppressed,
	    (unsigned long long)t->n.suspended,
	    (unsigned long long)fs->too_long,
	    (unsigned long long)fs->rotations,
	    (unsigned long long)fs->truncations);
}

/* export_stats - the line counts so far to the metrics (read = all the others) */
static void
export_stats(const struct tracker_ctx *t, const struct follow *f)
{
	const struct follow_stats *fs = follow_stats(f);

	stats_lines_total(STATS_LINE_READ, t->n.lines + fs->too_long);
	stats_lines_total(STATS_LINE_EVENT, t->n.events);
	stats_lines_total(STATS_LINE_OTHER, t->n.other);
	stats_lines_total(STATS_LINE_SKIPPED, t->n.unknown);
	stats_lines_total(STATS_LINE_TOO_LONG, fs->too_long);
}

/* start_redis - connect and check the schema, waiting while Redis is down */
static int
start_redis(struct rconn *rc)
{
	char	 found[64];
	int	 r, i;

	for (i = 0; !stopping; i++) {
		if (rconn_ensure(rc) == RCONN_OK &&
		    (r = rscript_schema_check(rc, found, sizeof(found), 0)) >= 0) {
			if (r == 1) {
				log_err("tracker: Redis holds schema version %s,"
				    " this program speaks %s", found,
				    RKEY_SCHEMA_VERSION);
				return -1;
			}
			if (r == RSCRIPT_SCHEMA_MISSING)
				log_warn("tracker: %s",
				    RSCRIPT_SCHEMA_MISSING_TEXT);
			return 0;
		}
		if (i % 50 == 0)
			log_warn("tracker: Redis unavailable: %s",
			    rconn_errstr(rc));
		nap(200);
	}
	return -1;
}

/*
 * queue_rechecks - the refusals at end of data of the batch just applied
 * that had no record, to be looked up again (tracker_recheck.h)
 */
static void
queue_rechecks(struct recheck *rq, struct tracker_item *it, size_t n)
{
	int64_t	 due = clock_mono_ms() + TRACKER_RECHECK_MS;
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (it[i].recheck != 1)
			continue;
		it[i].recheck = 2;
		if (recheck_put(rq, &it[i], due) < 0 &&
		    recheck_dropped(rq) % 1000 == 1)
			log_warn("tracker: %llu refusals at end of data not "
			    "looked up again (%d queued already): a record "
			    "written after its refusal was read stays open",
			    (unsigned long long)recheck_dropped(rq),
			    RECHECK_MAX);
	}
}

/*
 * recheck - look up again the refusals due (all: every one queued, at a
 * stop); when Redis cannot answer they wait their turn once more
 */
static void
recheck(struct tracker_ctx *t, struct recheck *rq, struct tracker_item *buf,
    int all)
{
	size_t	 k, i;

	k = recheck_take(rq, all ? INT64_MAX : clock_mono_ms(), buf,
	    RECHECK_MAX);
	if (k == 0 || tracker_apply(t, buf, k, clock_now()) == 0)
		return;
	if (all) {
		log_warn("tracker: %zu refusals at end of data not looked up "
		    "again: %s", k, t->why);
		return;
	}
	for (i = 0; i < k; i++)
		(void)recheck_put(rq, &buf[i], clock_mono_ms() +
		    TRACKER_RECHECK_MS);
}

/*
 * back - Redis went back in time (tracker_pos.c, logged): read again from
 * the position it holds
 */
static void
back(struct follow *f, const struct follow_pos *go, struct follow_pos *pos)
{
	follow_reopen(f, go);
	follow_where(f, pos);
}

/*
 * save - store the position unless a failed try is backing off; a
 * failure is logged at the start of a streak, not at every try
 */
static void
save(struct tracker_ctx *t, struct saver *sv, struct follow *f,
    struct follow_pos *pos)
{
	struct follow_pos go;
	int64_t	 now = clock_mono_ms();
	int	 r;

	if (sv->streak > 0 && now < sv->next_ms)
		return;
	if ((r = tracker_pos_save(t, pos, clock_now(), &go)) == 1) {
		back(f, &go, pos);
		return;
	}
	if (r < 0) {
		if (sv->streak++ == 0)
			log_warn("tracker: cannot save the position, applying "
			    "on and retrying with a backoff: %s", t->why);
		sv->next_ms = now + tracker_retry_delay_ms(sv->streak);
		return;
	}
	if (sv->streak > 0)
		log_info("tracker: position saved again after %u failed "
		    "tries", sv->streak);
	sv->streak = 0;
	sv->dirty = 0;
	sv->last_ms = now;
}

/*
 * prime - what a restart forgot of the content filter hops (tracker_hop.h)
 * read back from the PRIME_BYTES before the read position: the queue ids
 * received there (a hand-off read next still finds its next hop's
 * "client=" line) and the lines of those with no record (a hop's lines
 * logged before its hand-off). Before the privilege drop: the log may be
 * readable by root alone, through the follower's open file.
 */
#define PRIME_BYTES	(4 << 20)
#define PRIME_LINES	(2 * HOPSTASH_MAX)
static void
prime(struct tracker_ctx *t, const char *path, const struct follow_pos *pos)
{
	struct maillog_event ev;
	struct tracker_item *c;
	struct stat	 st;
	FILE		*fp;
	char		*buf, *p, *e, *nl;
	int64_t		 from;
	size_t		 n, k = 0, nc = 0, i;

	if (pos->off <= 0)
		return;
	if ((fp = fopen(path, "r")) == NULL) {
		log_warn("tracker: cannot read back %s: %s", path,
		    strerror(errno));
		return;
	}
	from = pos->off > PRIME_BYTES ? pos->off - PRIME_BYTES : 0;
	if (fstat(fileno(fp), &st) < 0 || (uint64_t)st.st_dev != pos->dev ||
	    (uint64_t)st.st_ino != pos->ino ||
	    fseeko(fp, (off_t)from, SEEK_SET) != 0) {
		fclose(fp);
		return;
	}
	buf = xmalloc((size_t)(pos->off - from));
	n = fread(buf, 1, (size_t)(pos->off - from), fp);
	fclose(fp);
	c = xcalloc(PRIME_LINES, sizeof(*c));
	p = buf;
	e = buf + n;
	/* from inside a line: from the next one */
	if (from > 0 && (nl = memchr(p, '\n', n)) != NULL)
		p = nl + 1;
	for (; p < e && (nl = memchr(p, '\n', (size_t)(e - p))) != NULL;
	    p = nl + 1) {
		struct tracker_item *it = &c[nc % PRIME_LINES];

		switch (maillog_parse(p, (size_t)(nl - p), &ev)) {
		case MAILLOG_RECEIVED:
			hopseen_add(t->seen, ev.qid);
			k++;
			break;
		case MAILLOG_DELIVERY:
		case MAILLOG_REMOVED:
		case MAILLOG_EXPIRED:
			if (!hopseen_has(t->seen, ev.qid))
				break;
			memset(it, 0, sizeof(*it));
			it->ev = ev;
			it->pos = *pos;
			it->pos.off = from + (int64_t)(nl + 1 - buf);
			nc++;
			break;
		default:
			break;
		}
	}
	/* the newest PRIME_LINES of them, oldest first */
	if (nc > PRIME_LINES) {
		struct tracker_item *o = xcalloc(PRIME_LINES, sizeof(*o));

		for (i = 0; i < PRIME_LINES; i++)
			o[i] = c[(nc + i) % PRIME_LINES];
		free(c);
		c = o;
		nc = PRIME_LINES;
	}
	if (nc > 0 && tracker_stash_lines(t, c, nc) < 0)
		log_warn("tracker: the lines before the saved position were "
		    "not looked up: %s", t->why);
	free(c);
	free(buf);
	if (k > 0)
		log_debug("tracker: %zu received queue ids read back", k);
}

/*
 * fragment - the start of a line its writer never finished (a full disk, a
 * writer killed mid-line) was read glued to the next line: said, skipped
 */
static void
fragment(const char *line, size_t len)
{
	char	 esc[256];

	log_escape(esc, sizeof(esc), line, len < 120 ? len : 120);
	log_warn("tracker: skipped an unfinished log line (its writer stopped "
	    "mid-line; the next line was read glued to it): \"%s%s\"", esc,
	    len > 120 ? "..." : "");
}

/* fill - read and parse up to TRACKER_BATCH lines; the events into items */
static size_t
fill(struct tracker_ctx *t, struct follow *f, struct tracker_item *items,
    size_t *nitems, struct follow_pos *pos)
{
	const char	*line;
	size_t		 len, nlines = 0;
	int		 r;

	*nitems = 0;
	while (nlines < TRACKER_BATCH && (r = follow_next(f, &line, &len,
	    pos)) == 1) {
		struct maillog_event *ev = &items[*nitems].ev;
		size_t	 off;

		nlines++;
		t->n.lines++;
		/* only a line whose writer stopped mid-line: the text of a
		   whole line (a remote reply) never cuts it */
		if (follow_stalled(f) && (off = maillog_resync(line, len)) > 0) {
			fragment(line, off);
			t->n.unknown++;
			line += off;
			len -= off;
		}
		switch (maillog_parse(line, len, ev)) {
		case MAILLOG_DELIVERY:
		case MAILLOG_REMOVED:
		case MAILLOG_REJECTED:
		case MAILLOG_EXPIRED:
			t->n.events++;
			items[*nitems].pos = *pos;
			items[*nitems].recheck = 0;
			(*nitems)++;
			break;
		case MAILLOG_RECEIVED:
			/* a queue id of this Postfix: a content filter's
			   "queued as" it may name (tracker_hop.h) */
			hopseen_add(t->seen, ev->qid);
			t->n.other++;
			break;
		case MAILLOG_UNKNOWN:
			t->n.unknown++;
			break;
		default:
			t->n.other++;
			break;
		}
	}
	return nlines;
}

int
main(int argc, char **argv)
{
	struct daemon_opts opts;
	struct relay_conf *conf;
	struct tracker_ctx t;
	struct tracker_item *items, *rbuf;
	struct recheck	*rq;
	struct follow	*f;
	struct follow_pos pos, saved, from, go;
	struct saver	 sv = { 0, 0, 0, 0 };
	char		 err[256];
	int64_t		 last_stats;	/* monotonic ms */
	size_t		 nitems, nlines;
	unsigned	 backoff = 0;
	int64_t		 down_ms = 0;
	unsigned long	 i;
	int		 r = 0;
	sigset_t	 hup;

	/*
	 * First: a SIGHUP during start-up (systemctl reload right after a
	 * start) waits, blocked, instead of ending the process (which
	 * Restart=on-failure would not undo) or interrupting the reads of
	 * the start; it is taken as a reload once the loop runs. Rotation
	 * is noticed by inode and size; HUP only reloads relay.conf.
	 */
	sigemptyset(&hup);
	sigaddset(&hup, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &hup, NULL) != 0)
		return 71;
	signal(SIGHUP, on_hup);
	/* Before any open or socket: none may become fd 0, 1 or 2. */
	if (daemon_stdfds() != 0)
		return 71;
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);
	/* -c -f -d -o -V -h; an operand is a usage error (exit 64) */
	daemon_getopt_once(argc, argv, "relay-tracker", &opts);
	conf = daemon_load_conf(opts.conf_path, "relay-tracker");
	log_open("relay-tracker", opts.foreground);
	log_set_debug(opts.debug);
	daemon_log_warnings(conf, "tracker");
	clock_set_offset(conf->testing.clock_offset_s);
	/*
	 * The metrics socket is bound before detaching: a port that cannot
	 * be had is said on stderr and is the exit status (71), not the lost
	 * one of a background process. Its thread starts after the fork.
	 * A start-up failure exits rather than returns: what main holds is
	 * then still reachable, not a leak for LeakSanitizer to turn into
	 * another exit status.
	 */
	if (stats_serve(conf->tracker.metrics, "tracker", err, sizeof(err)) < 0) {
		if (opts.foreground)
			log_err("tracker: %s", err);
		else
			fprintf(stderr, "relay-tracker: %s\n", err);
		exit(71);
	}
	if (!opts.foreground && daemon_detach() < 0) {
		fprintf(stderr, "relay-tracker: cannot detach\n");
		exit(71);
	}
	if (daemon_pidfile(conf->tracker.pid_file) < 0)
		log_warn("tracker: cannot write %s: %s", conf->tracker.pid_file,
		    strerror(errno));
	else if (conf->tracker.pid_file[0] != '\0') {
		/* removed at every exit from here, whatever a reload says */
		pidfile = xstrdup(conf->tracker.pid_file);
		atexit(pidfile_remove);
	}
	if (stats_start(err, sizeof(err)) < 0) {
		log_err("tracker: %s", err);
		exit(71);
	}

	memset(&t, 0, sizeof(t));
	t.conf = conf;
	t.rc = rconn_new(&conf->redis);
	rconn_primary_only(t.rc);	/* every batch writes */
	t.seen = hopseen_new();
	t.stash = hopstash_new();
	if (start_redis(t.rc) < 0) {
		rconn_free(t.rc);
		hopseen_free(t.seen);
		hopstash_free(t.stash);
		conf_free(conf);
		stats_stop();
		return stopping ? 0 : 78;
	}
	/* a file that cannot be read: said at once, then once a minute */
	for (i = 0; (r = tracker_pos_load(&t, &saved)) < 0 && !stopping; i++) {
		if (i % 120 == 0)
			log_warn("tracker: cannot read the saved position "
			    "(retrying every 0.5 s): %s", t.why);
		nap(500);
	}
	/* a state file that holds no position: the files written since it */
	f = r == 1 ? follow_open_lost(conf->tracker.maillog,
	    (size_t)conf->tracker.max_line, saved.mtime_ns, t.why) :
	    follow_open(conf->tracker.maillog, (size_t)conf->tracker.max_line,
	    &saved);
	/* where follow_open() starts: what a restart forgot, read back */
	follow_where(f, &pos);
	prime(&t, follow_name(f), &pos);
	if (daemon_drop(conf->daemon.user, conf->daemon.group, err,
	    sizeof(err)) < 0) {
		log_err("tracker: %s", err);
		exit(71);
	}
	(void)rswitch_start(&conf->redis);
	/* where follow_open() started: 0 of another file when that one changed */
	follow_where(f, &pos);
	log_info("tracker: following %s from offset %lld", follow_name(f),
	    (long long)pos.off);
	/* the loop runs: a SIGHUP pending since the start is a reload */
	sigprocmask(SIG_UNBLOCK, &hup, NULL);
	items = xcalloc(TRACKER_BATCH, sizeof(*items));
	rq = recheck_new();
	rbuf = xcalloc(RECHECK_MAX, sizeof(*rbuf));
	last_stats = clock_mono_ms();
	while (!stopping) {
		if (reloading)
			reload(&t, opts.conf_path, &conf);
		recheck(&t, rq, rbuf, 0);
		from = pos;
		nlines = fill(&t, f, items, &nitems, &pos);
		export_stats(&t, f);
		if (nlines == 0) {
			if (opts.once)
				break;
			if (sv.dirty)
				save(&t, &sv, f, &pos);
			nap(conf->tracker.poll_ms);
			continue;
		}
		/*
		 * The same batch until it is applied: every event is
		 * idempotent. The position is saved when the log is caught
		 * up, and at most every TRACKER_SAVE_MS while it streams (a
		 * crash re-reads those lines, which changes nothing).
		 */
		/*
		 * One line when an outage begins, one when it ends. A new
		 * connection is checked before it is used: Redis may have
		 * gone back in time (then the batch is read again from
		 * Redis's position).
		 */
		while ((r = tracker_pos_verify(&t, &from, &go)) < 0 ||
		    (r == 0 && tracker_apply(&t, items, nitems,
		    clock_now()) < 0)) {
			if (backoff++ == 0) {
				down_ms = clock_mono_ms();
				log_warn("tracker: Redis unavailable, retrying: %s",
				    t.why);
			}
			nap(200);
			if (stopping)
				goto out;
			/*
			 * new settings (a rotated Redis password) mend it;
			 * if they fail too, that is said as a new outage
			 */
			if (reloading) {
				reload(&t, opts.conf_path, &conf);
				backoff = 0;
			}
		}
		if (backoff > 0)
			log_info("tracker: Redis available again after %u "
			    "failed tries in %lld ms", backoff,
			    (long long)(clock_mono_ms() - down_ms));
		backoff = 0;
		/* ... and one made during the batch, after it */
		if (r == 1 || (rconn_mark(t.rc) == 0 &&
		    tracker_pos_verify(&t, &from, &go) == 1)) {
			back(f, &go, &pos);
			continue;
		}
		queue_rechecks(rq, items, nitems);
		sv.dirty = 1;
		if (nlines < TRACKER_BATCH ||
		    clock_mono_ms() - sv.last_ms >= TRACKER_SAVE_MS)
			save(&t, &sv, f, &pos);
		if (clock_mono_ms() - last_stats >= TRACKER_STATS_S * 1000) {
			stats(&t, f, "progress");
			last_stats = clock_mono_ms();
		}
	}
	/* what is left to look up again: now, once */
	recheck(&t, rq, rbuf, 1);
	/* stopped while streaming: one try to keep what was applied */
	if (sv.dirty && tracker_pos_save(&t, &pos, clock_now(), &go) < 0)
		log_warn("tracker: position not saved (%s); lines since the "
		    "last save will be read again (without effect)", t.why);
out:
	stats(&t, f, "exit");
	free(items);
	free(rbuf);
	recheck_free(rq);
	hopseen_free(t.seen);
	hopstash_free(t.stash);
	follow_free(f);
	rswitch_stop();
	rconn_free(t.rc);
	conf_free(conf);
	stats_stop();
	return 0;
}
