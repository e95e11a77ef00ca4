/*
 * NAME
 *	smtpload - authenticated SMTP load client with per-message accounting
 * SYNOPSIS
 *	smtpload -s SESSIONS (-m MESSAGES | -t SECONDS) [-l SIZE]
 *	    (-u USER -p PASS -f FROM -r RCPT[,RCPT...] | -P USER:PASS:FROM:RCPTS)...
 *	    [-i ID_PREFIX] [-o REPLY_LOG] [-w TIMEOUT_S] [-d PAUSE_MS] [-A]
 *	    HOST:PORT
 * DESCRIPTION
 *	Postfix's smtp-source cannot AUTH, and relay-suite only checks and
 *	signs authenticated mail, so this is the load client of the soak test
 *	(tests/integration/test_soak.sh) and the milter benchmark. One thread
 *	per session, blocking sockets with a bounded connect, read and write
 *	timeout (-w, default 30 s): every wait ends.
 *
 *	Each session connects, sends EHLO and AUTH PLAIN (not with -A), then
 *	sends messages one after the other (one command at a time), until it
 *	has tried -m messages or -t seconds have passed. A profile is
 *	USER:PASS:FROM:RCPT[,RCPT...] (-P, repeatable; -u -p -f -r make one);
 *	session i uses profile i mod the number of profiles. "%n" in a
 *	recipient becomes "SESSION-N", a fresh address per message.
 *
 *	Every message has a unique Message-ID <ID_PREFIX.SESSION.N@smtpload.test>,
 *	From: equal to the envelope sender, To: the recipients, and a body
 *	padded to about SIZE bytes (default 1024). -d pauses a session for
 *	PAUSE_MS after each message that was not accepted (a session that is
 *	only refused would otherwise spin). -A skips AUTH (a plain smtp-sink,
 *	or a server without SASL). With -o, one line per
 *	message tried goes to REPLY_LOG, fields separated by a TAB:
 *
 *	    MESSAGE-ID SENDER RESULT STAGE CODE OK-RCPTS REJECTED-RCPTS REPLY
 *
 *	RESULT is accepted (250 after the data; REPLY holds the queue id),
 *	tempfail (4xx), rejected (5xx) or error (connection lost or timed
 *	out; after the final dot the message may or may not have been
 *	queued). STAGE is where the first non-2xx reply came (MAIL, RCPT,
 *	DATA, EOD; EOD for accepted). OK-RCPTS are the recipients given a 2xx,
 *	REJECTED-RCPTS ADDR=CODE for the others ("-" when none); a message
 *	goes on to DATA when at least one recipient was accepted.
 *
 *	After a lost connection, a 421 or 521 reply, or a 4xx at MAIL, DATA
 *	or end of data (a failed milter stays failed for the rest of a
 *	Postfix session), the session reconnects (EHLO and AUTH again) after
 *	a short pause, and goes on until its bound. A failed connect or AUTH
 *	is retried with a growing pause (50 ms to 1 s); 100 failures in a
 *	row end the session.
 *
 *	At the end one line goes to stdout:
 *	    sent=N accepted=N tempfail=N rejected=N errors=N seconds=S rate=R
 *	(sent = messages tried, rate = accepted per second), and the number of
 *	connects and failed connects to stderr. Exit 0 when the run ended
 *	(whatever the replies), 1 when a session gave up, 64 on a usage error.
 * SEE ALSO
 *	tests/integration/test_soak.sh, tests/bench/milter/bench.sh
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define LOAD_MAX_PROFILES	64
#define LOAD_MAX_RCPTS		32
#define LOAD_REPLY_MAX		512
#define LOAD_LINE_MAX		1024
#define LOAD_MAX_CONN_FAILS	100
#define LOAD_BODY_LINE	\
	"The quick brown fox jumps over the lazy dog 0123456789 ABCDEFGHIJKLM\r\n"

struct profile {
	char	*user, *pass, *from;
	char	*rcpt[LOAD_MAX_RCPTS];
	int	 nrcpt;
	char	*auth;			/* base64 of \0user\0pass */
};

enum { R_ACCEPTED, R_TEMPFAIL, R_REJECTED, R_ERROR, R_N };
static const char *result_name[R_N] = { "accepted", "tempfail", "rejected",
	"error" };

struct opts {
	struct profile	 prof[LOAD_MAX_PROFILES];
	int		 nprof;
	int		 sessions;
	long		 messages;	/* per session; 0 with -t */
	double		 seconds;
	size_t		 size;
	const char	*prefix;
	int		 timeout_s;
	int		 noauth;
	long		 pause_ms;	/* after a message not accepted */
	struct addrinfo	*ai;
	char		*body;		/* whole lines, at least size bytes */
	size_t		 bodylen;
	double		 deadline;	/* monotonic; 0 with -m */
};

struct sess {
	int		 id;
	const struct profile *p;
	int		 fd;
	char		 in[8192];
	size_t		 ilen, ipos;
	char		 reply[LOAD_REPLY_MAX];
	long		 n;		/* messages tried */
	long		 count[R_N];
	long		 connects, conn_fails;
	int		 last;		/* result of the last message */
	int		 gave_up;
	char		*msg;		/* one message, built per send */
	size_t		 msgcap;
};

static struct opts	 o;
static FILE		*replylog;
static pthread_mutex_t	 loglock = PTHREAD_MUTEX_INITIALIZER;

/* now_s - monotonic seconds */
static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static void
usage(const char *why)
{
	if (why != NULL)
		fprintf(stderr, "smtpload: %s\n", why);
	fprintf(stderr, "usage: smtpload -s SESSIONS (-m MESSAGES | -t SECONDS) "
	    "[-l SIZE]\n    (-u USER -p PASS -f FROM -r RCPT[,RCPT...] | "
	    "-P USER:PASS:FROM:RCPT[,RCPT...])...\n    [-i ID_PREFIX] "
	    "[-o REPLY_LOG] [-w TIMEOUT_S] [-d PAUSE_MS] [-A] HOST:PORT\n");
	exit(64);
}

/* b64 - base64 of len bytes (caller frees) */
static char *
b64(const unsigned char *s, size_t len)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char	*out = malloc(4 * (len / 3 + 1) + 1), *p = out;
	size_t	 i;

	if (out == NULL)
		abort();
	for (i = 0; i + 2 < len; i += 3) {
		*p++ = tab[s[i] >> 2];
		*p++ = tab[((s[i] & 3) << 4) | (s[i + 1] >> 4)];
		*p++ = tab[((s[i + 1] & 15) << 2) | (s[i + 2] >> 6)];
		*p++ = tab[s[i + 2] & 63];
	}
	if (i < len) {
		*p++ = tab[s[i] >> 2];
		if (i + 1 < len) {
			*p++ = tab[((s[i] & 3) << 4) | (s[i + 1] >> 4)];
			*p++ = tab[(s[i + 1] & 15) << 2];
		} else
			*p++ = tab[(s[i] & 3) << 4], *p++ = '=';
		*p++ = '=';
	}
	*p = '\0';
	return out;
}

/* add_rcpts - split "a,b,c" into the profile's recipients */
static void
add_rcpts(struct profile *p, const char *list)
{
	char	*dup = strdup(list), *tok, *save = NULL;

	if (dup == NULL)
		abort();
	for (tok = strtok_r(dup, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (p->nrcpt == LOAD_MAX_RCPTS)
			usage("too many recipients in one profile");
		if ((p->rcpt[p->nrcpt++] = strdup(tok)) == NULL)
			abort();
	}
	free(dup);
}

/* profile_finish - check a profile and make its AUTH PLAIN string */
static void
profile_finish(struct profile *p)
{
	size_t	 ul, pl;
	char	*raw;

	if (p->user == NULL || p->pass == NULL || p->from == NULL ||
	    p->nrcpt == 0)
		usage("a profile needs a user, a password, a sender and a "
		    "recipient");
	ul = strlen(p->user);
	pl = strlen(p->pass);
	if ((raw = malloc(ul + pl + 2)) == NULL)
		abort();
	raw[0] = '\0';
	memcpy(raw + 1, p->user, ul);
	raw[ul + 1] = '\0';
	memcpy(raw + ul + 2, p->pass, pl);
	p->auth = b64((unsigned char *)raw, ul + pl + 2);
	free(raw);
}

/* parse_profile - "USER:PASS:FROM:RCPTS" */
static void
parse_profile(struct profile *p, const char *arg)
{
	char	*dup = strdup(arg), *f[4], *s = dup;
	int	 i;

	if (dup == NULL)
		abort();
	for (i = 0; i < 3; i++) {
		f[i] = s;
		if ((s = strchr(s, ':')) == NULL)
			usage("-P wants USER:PASS:FROM:RCPT[,RCPT...]");
		*s++ = '\0';
	}
	f[3] = s;
	p->user = strdup(f[0]);
	p->pass = strdup(f[1]);
	p->from = strdup(f[2]);
	add_rcpts(p, f[3]);
	free(dup);
	profile_finish(p);
}

/* resolve - HOST:PORT ([v6]:PORT too) */
static struct addrinfo *
resolve(const char *hp)
{
	struct addrinfo	 hints, *ai = NULL;
	char		*dup = strdup(hp), *host = dup, *port;
	int		 e;

	if (dup == NULL)
		abort();
	if ((port = strrchr(dup, ':')) == NULL)
		usage("the server is HOST:PORT");
	*port++ = '\0';
	if (host[0] == '[' && port[-2] == ']') {
		host++;
		port[-2] = '\0';
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if ((e = getaddrinfo(host, port, &hints, &ai)) != 0) {
		fprintf(stderr, "smtpload: %s: %s\n", hp, gai_strerror(e));
		exit(64);
	}
	free(dup);
	return ai;
}

/* ---------------------------------------------------------------- I/O */

static void
sess_close(struct sess *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->ilen = s->ipos = 0;
}

/* sess_connect - TCP connect bounded by the timeout; 0 or -1 */
static int
sess_connect(struct sess *s)
{
	struct timeval	 tv = { o.timeout_s, 0 };
	struct pollfd	 pfd;
	int		 fd, fl, err = 0;
	socklen_t	 el = sizeof(err);

	fd = socket(o.ai->ai_family, o.ai->ai_socktype | SOCK_CLOEXEC,
	    o.ai->ai_protocol);
	if (fd < 0)
		return -1;
	fl = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	if (connect(fd, o.ai->ai_addr, o.ai->ai_addrlen) != 0) {
		if (errno != EINPROGRESS)
			goto fail;
		pfd.fd = fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, o.timeout_s * 1000) != 1 ||
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0 ||
		    err != 0)
			goto fail;
	}
	fcntl(fd, F_SETFL, fl);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0)
		goto fail;
	s->fd = fd;
	s->ilen = s->ipos = 0;
	return 0;
fail:
	close(fd);
	return -1;
}

/* send_all - write everything (each write bounded by SO_SNDTIMEO) */
static int
send_all(struct sess *s, const char *buf, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		n = send(s->fd, buf, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* read_line - one line without CRLF into line; 0, or -1 on EOF/timeout */
static int
read_line(struct sess *s, char *line, size_t max)
{
	size_t	 k = 0;
	ssize_t	 n;
	char	 c;

	for (;;) {
		if (s->ipos == s->ilen) {
			n = recv(s->fd, s->in, sizeof(s->in), 0);
			if (n < 0 && errno == EINTR)
				continue;
			if (n == 0)
				errno = ECONNRESET;
			if (n <= 0)
				return -1;
			s->ilen = (size_t)n;
			s->ipos = 0;
		}
		c = s->in[s->ipos++];
		if (c == '\n')
			break;
		if (c != '\r' && k + 1 < max)
			line[k++] = c == '\t' ? ' ' : c;
	}
	line[k] = '\0';
	return 0;
}

/* reply - read one (maybe multi-line) reply; its code, or -1 (s->reply
 * keeps the last line, or why it failed) */
static int
reply(struct sess *s)
{
	char	 line[LOAD_REPLY_MAX];
	int	 lines = 0;

	for (;;) {
		if (read_line(s, line, sizeof(line)) != 0) {
			snprintf(s->reply, sizeof(s->reply), "%s",
			    errno == EAGAIN || errno == EWOULDBLOCK ?
			    "timeout" : "connection lost");
			return -1;
		}
		if (strlen(line) < 3 || line[0] < '1' || line[0] > '5' ||
		    ++lines > 100) {
			snprintf(s->reply, sizeof(s->reply), "bad reply: %.80s",
			    line);
			return -1;
		}
		if (line[3] != '-') {
			snprintf(s->reply, sizeof(s->reply), "%s", line);
			return (line[0] - '0') * 100 + (line[1] - '0') * 10 +
			    (line[2] - '0');
		}
	}
}

/* cmd - send a formatted command line, read the reply */
static int
cmd(struct sess *s, const char *fmt, ...)
{
	char	 buf[LOAD_LINE_MAX];
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 2, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf) - 2)
		return -1;
	memcpy(buf + n, "\r\n", 2);
	if (send_all(s, buf, (size_t)n + 2) != 0) {
		snprintf(s->reply, sizeof(s->reply), "connection lost");
		return -1;
	}
	return reply(s);
}

/* sess_open - connect, greeting, EHLO, AUTH (235; smtp-sink says 250, so
 * any 2xx); 0 or -1 */
static int
sess_open(struct sess *s)
{
	s->connects++;
	if (sess_connect(s) != 0)
		return -1;
	if (reply(s) != 220 || cmd(s, "EHLO smtpload.test") != 250 ||
	    (!o.noauth && cmd(s, "AUTH PLAIN %s", s->p->auth) / 100 != 2)) {
		sess_close(s);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ messages */

/* build - the message text, dot-terminated, in s->msg; its length */
static size_t
build(struct sess *s, const char *mid, char rcpts[][256], int nr)
{
	char		 head[4096], date[64];
	size_t		 hl, need, k, len;
	struct tm	 tm;
	time_t		 t = time(NULL);
	int		 i, n;

	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	n = snprintf(head, sizeof(head), "From: <%s>\r\nTo: ", s->p->from);
	for (i = 0; i < nr && n < (int)sizeof(head) - 300; i++)
		n += snprintf(head + n, sizeof(head) - n, "%s<%s>",
		    i ? ", " : "", rcpts[i]);
	n += snprintf(head + n, sizeof(head) - n, "\r\nSubject: smtpload %s "
	    "%d.%ld\r\nDate: %s\r\nMessage-ID: %s\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=us-ascii\r\n\r\n", o.prefix,
	    s->id, s->n, date, mid);
	hl = (size_t)n < sizeof(head) ? (size_t)n : sizeof(head) - 1;
	need = o.size > hl ? o.size - hl : 1;
	k = sizeof(LOAD_BODY_LINE) - 1;
	need = (need + k - 1) / k * k;
	if (need > o.bodylen)
		need = o.bodylen;
	len = hl + need + 3;
	if (len > s->msgcap) {
		free(s->msg);
		if ((s->msg = malloc(len)) == NULL)
			abort();
		s->msgcap = len;
	}
	memcpy(s->msg, head, hl);
	memcpy(s->msg + hl, o.body, need);
	memcpy(s->msg + hl + need, ".\r\n", 3);
	return len;
}

/* record - count one message and write its reply-log line */
static void
record(struct sess *s, const char *mid, int res, const char *stage, int code,
    const char *ok, const char *rej)
{
	s->count[res]++;
	s->last = res;
	if (replylog == NULL)
		return;
	pthread_mutex_lock(&loglock);
	fprintf(replylog, "%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", mid, s->p->from,
	    result_name[res], stage, code, ok[0] ? ok : "-", rej[0] ? rej : "-",
	    s->reply);
	pthread_mutex_unlock(&loglock);
}

static int
classify(int code)
{
	return code < 0 ? R_ERROR : code >= 500 ? R_REJECTED :
	    code >= 400 ? R_TEMPFAIL : R_ACCEPTED;
}

/* drops - a reply after which the session is not worth keeping */
static int
drops(int code)
{
	return code < 0 || code == 421 || code == 521;
}

/* append - add "text" to a comma list */
static void
append(char *list, size_t max, const char *fmt, ...)
{
	size_t	 l = strlen(list);
	va_list	 ap;

	if (l > 0 && l + 1 < max)
		list[l++] = ',';
	va_start(ap, fmt);
	vsnprintf(list + l, max - l, fmt, ap);
	va_end(ap);
}

/* one_message - MAIL, RCPT..., DATA, text; 1 when the session must be
 * re-opened afterwards, else 0 */
static int
one_message(struct sess *s)
{
	char	 mid[256], rc[LOAD_MAX_RCPTS][256], ok[4096] = "",
		 rej[4096] = "", firsttext[LOAD_REPLY_MAX] = "";
	int	 i, code, first = 0, nok = 0;
	size_t	 len;
	const char *pct;

	s->n++;
	snprintf(mid, sizeof(mid), "<%s.%d.%ld@smtpload.test>", o.prefix,
	    s->id, s->n);
	for (i = 0; i < s->p->nrcpt; i++) {
		const char *r = s->p->rcpt[i];

		if ((pct = strstr(r, "%n")) != NULL)
			snprintf(rc[i], sizeof(rc[i]), "%.*s%d-%ld%s",
			    (int)(pct - r), r, s->id, s->n, pct + 2);
		else
			snprintf(rc[i], sizeof(rc[i]), "%s", r);
	}
	code = cmd(s, "MAIL FROM:<%s>", s->p->from);
	if (code / 100 != 2) {
		record(s, mid, classify(code), "MAIL", code, ok, rej);
		return drops(code) || code / 100 == 4;
	}
	for (i = 0; i < s->p->nrcpt; i++) {
		code = cmd(s, "RCPT TO:<%s>", rc[i]);
		if (code / 100 == 2) {
			append(ok, sizeof(ok), "%s", rc[i]);
			nok++;
			continue;
		}
		append(rej, sizeof(rej), "%s=%d", rc[i], code);
		if (first == 0) {
			first = code;
			memcpy(firsttext, s->reply, sizeof(firsttext));
		}
		if (drops(code)) {
			record(s, mid, classify(code), "RCPT", code, ok, rej);
			return 1;
		}
	}
	if (nok == 0) {
		memcpy(s->reply, firsttext, sizeof(s->reply));
		record(s, mid, classify(first), "RCPT", first, ok, rej);
		return drops(cmd(s, "RSET"));
	}
	code = cmd(s, "DATA");
	if (code != 354) {
		record(s, mid, code / 100 == 2 ? R_ERROR : classify(code),
		    "DATA", code, ok, rej);
		return drops(code) || code / 100 == 4 || drops(cmd(s, "RSET"));
	}
	len = build(s, mid, rc, s->p->nrcpt);
	if (send_all(s, s->msg, len) != 0) {
		snprintf(s->reply, sizeof(s->reply), "connection lost");
		code = -1;
	} else
		code = reply(s);
	record(s, mid, classify(code), "EOD", code, ok, rej);
	return drops(code) || code / 100 == 4;
}

static int
more(const struct sess *s)
{
	if (o.messages > 0)
		return s->n < o.messages;
	return now_s() < o.deadline;
}

static void *
session(void *arg)
{
	struct sess	*s = arg;
	long		 pause = 50;
	int		 fails = 0;

	while (more(s)) {
		if (s->fd < 0) {
			if (sess_open(s) != 0) {
				s->conn_fails++;
				if (++fails >= LOAD_MAX_CONN_FAILS) {
					s->gave_up = 1;
					break;
				}
				sleep_ms(pause);
				pause = pause * 2 > 1000 ? 1000 : pause * 2;
				continue;
			}
			fails = 0;
			pause = 50;
		}
		if (one_message(s)) {
			sess_close(s);
			sleep_ms(20);
		}
		if (s->last != R_ACCEPTED && o.pause_ms > 0)
			sleep_ms(o.pause_ms);
	}
	if (s->fd >= 0) {
		cmd(s, "QUIT");
		sess_close(s);
	}
	return NULL;
}

/* make_body - whole lines, enough for a message of o.size bytes */
static void
make_body(void)
{
	size_t	 k = sizeof(LOAD_BODY_LINE) - 1, n = o.size / k + 2, i;

	o.bodylen = n * k;
	if ((o.body = malloc(o.bodylen)) == NULL)
		abort();
	for (i = 0; i < n; i++)
		memcpy(o.body + i * k, LOAD_BODY_LINE, k);
}

int
main(int argc, char **argv)
{
	struct profile	 one;
	struct sess	*ss;
	pthread_t	*th;
	const char	*logpath = NULL;
	long		 tot[R_N] = { 0 }, conns = 0, cfails = 0;
	double		 t0, el;
	int		 c, i, k, gave_up = 0, single = 0;
	char		*end = NULL;

	memset(&o, 0, sizeof(o));
	memset(&one, 0, sizeof(one));
	o.size = 1024;
	o.prefix = "smtpload";
	o.timeout_s = 30;
	while ((c = getopt(argc, argv, "s:m:t:l:u:p:f:r:P:i:o:w:d:A")) != -1) {
		switch (c) {
		case 's': o.sessions = (int)strtol(optarg, &end, 10); break;
		case 'm': o.messages = strtol(optarg, &end, 10); break;
		case 't': o.seconds = strtod(optarg, &end); break;
		case 'l': o.size = (size_t)strtoul(optarg, &end, 10); break;
		case 'w': o.timeout_s = (int)strtol(optarg, &end, 10); break;
		case 'd': o.pause_ms = strtol(optarg, &end, 10); break;
		case 'u': one.user = optarg; single = 1; continue;
		case 'p': one.pass = optarg; single = 1; continue;
		case 'f': one.from = optarg; single = 1; continue;
		case 'r': add_rcpts(&one, optarg); single = 1; continue;
		case 'i': o.prefix = optarg; continue;
		case 'o': logpath = optarg; continue;
		case 'A': o.noauth = 1; continue;
		case 'P':
			if (o.nprof == LOAD_MAX_PROFILES)
				usage("too many profiles");
			parse_profile(&o.prof[o.nprof++], optarg);
			continue;
		default: usage(NULL);
		}
		if (*optarg == '\0' || *end != '\0')
			usage("a number is wrong");
	}
	if (argc - optind != 1)
		usage("give one HOST:PORT");
	if (single) {
		if (o.nprof == LOAD_MAX_PROFILES)
			usage("too many profiles");
		if (o.noauth && one.user == NULL)
			one.user = one.pass = "-";
		profile_finish(&one);
		o.prof[o.nprof++] = one;
	}
	if (o.nprof == 0)
		usage("no profile: -u -p -f -r, or -P");
	if (o.sessions < 1 || o.sessions > 4096)
		usage("-s: 1 to 4096 sessions");
	if ((o.messages > 0) == (o.seconds > 0))
		usage("give either -m MESSAGES or -t SECONDS (positive)");
	if (o.timeout_s < 1 || o.size > 64u << 20 || o.pause_ms < 0 ||
	    o.pause_ms > 60000)
		usage("-w at least 1 s, -l at most 64 MiB, -d 0 to 60000 ms");
	if (strpbrk(o.prefix, "<>@ \t") != NULL)
		usage("-i: no <, >, @ or white space");
	o.ai = resolve(argv[optind]);
	if (logpath != NULL && (replylog = fopen(logpath, "w")) == NULL) {
		fprintf(stderr, "smtpload: %s: %s\n", logpath, strerror(errno));
		return 64;
	}
	make_body();
	ss = calloc((size_t)o.sessions, sizeof(*ss));
	th = calloc((size_t)o.sessions, sizeof(*th));
	if (ss == NULL || th == NULL)
		abort();
	t0 = now_s();
	o.deadline = o.seconds > 0 ? t0 + o.seconds : 0;
	for (i = 0; i < o.sessions; i++) {
		ss[i].id = i;
		ss[i].p = &o.prof[i % o.nprof];
		ss[i].fd = -1;
		if (pthread_create(&th[i], NULL, session, &ss[i]) != 0) {
			fprintf(stderr, "smtpload: cannot start thread %d\n", i);
			return 1;
		}
	}
	for (i = 0; i < o.sessions; i++) {
		pthread_join(th[i], NULL);
		for (k = 0; k < R_N; k++)
			tot[k] += ss[i].count[k];
		conns += ss[i].connects;
		cfails += ss[i].conn_fails;
		gave_up += ss[i].gave_up;
		free(ss[i].msg);
	}
	el = now_s() - t0;
	if (replylog != NULL && fclose(replylog) != 0)
		fprintf(stderr, "smtpload: %s: %s\n", logpath, strerror(errno));
	printf("sent=%ld accepted=%ld tempfail=%ld rejected=%ld errors=%ld "
	    "seconds=%.2f rate=%.1f\n", tot[0] + tot[1] + tot[2] + tot[3],
	    tot[R_ACCEPTED], tot[R_TEMPFAIL], tot[R_REJECTED], tot[R_ERROR],
	    el, el > 0 ? tot[R_ACCEPTED] / el : 0.0);
	fprintf(stderr, "smtpload: connects=%ld failed=%ld sessions_gave_up=%d\n",
	    conns, cfails, gave_up);
	for (i = 0; i < o.nprof; i++) {
		if (o.prof[i].user != one.user) {
			free(o.prof[i].user);
			free(o.prof[i].pass);
			free(o.prof[i].from);
		}
		for (k = 0; k < o.prof[i].nrcpt; k++)
			free(o.prof[i].rcpt[k]);
		free(o.prof[i].auth);
	}
	freeaddrinfo(o.ai);
	free(o.body);
	free(ss);
	free(th);
	return gave_up ? 1 : 0;
}
