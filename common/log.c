/*
 * NAME
 *	log - syslog or stderr, key=value decision lines, escaping
 * DESCRIPTION
 *	Owns the choice between syslog and stderr and the escaping of
 *	untrusted bytes. Lines for syslog go to log_syslog.c, which writes
 *	the datagrams itself and never blocks; nothing in the suite calls
 *	syslog(3) (openlog() is still called, for libraries that do).
 * SEE ALSO
 *	log.h, log_syslog.c
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "log_priv.h"

/* Lines kept by log_buffered() mode before they are written together. */
#define LOG_BUFSIZE	65536

static const char *log_ident = "relay";
static int log_foreground = 1;
static atomic_int log_debug_on;
static atomic_long log_pid;		/* getpid() is a system call each time */

static void	(*log_wake)(void);	/* buffered: lines are waiting */
static char	*log_buf;
static size_t	 log_len;
static pthread_t log_owner;		/* the loop's thread: buffers */

/* forked - the child's pid (daemon_detach forks after log_open) */
static void
forked(void)
{
	log__syslog_postfork();
	atomic_store(&log_pid, (long)getpid());
}

static void
atfork(void)
{
	(void)pthread_atfork(log__syslog_prefork, log__syslog_postfork,
	    forked);
}

void
log_open(const char *ident, int foreground)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	log_ident = ident;
	log_foreground = foreground;
	atomic_store(&log_pid, (long)getpid());
	(void)pthread_once(&once, atfork);
	/*
	 * The zone now, in the thread that opens the log, before any other
	 * starts: glibc makes its zone string on the first time function of
	 * the process and mktime() (relay-tracker) frees and copies it again.
	 */
	tzset();
	if (!foreground) {
		/* Only for libraries that call syslog(3): opened on their use. */
		openlog(ident, LOG_PID, LOG__FACILITY);
		log__syslog_open(NULL, ident);
	}
}

void
log_flush(void)
{
	size_t	 off = 0;
	ssize_t	 w;

	while (off < log_len) {
		w = write(STDERR_FILENO, log_buf + off, log_len - off);
		if (w <= 0)
			break;		/* stderr gone: the lines are dropped */
		off += (size_t)w;
	}
	log_len = 0;
}

void
log_buffered(void (*wake)(void))
{
	if (!log_foreground || log_buf != NULL ||
	    (log_buf = malloc(LOG_BUFSIZE)) == NULL)
		return;
	fflush(stderr);
	log_wake = wake;
	log_owner = pthread_self();
	atexit(log_flush);
}

void
log_set_debug(int on)
{
	atomic_store(&log_debug_on, on);
}

int
log_debug_enabled(void)
{
	return atomic_load(&log_debug_on);
}

/* prio_name - the word stderr lines carry for a syslog priority */
static const char *
prio_name(int prio)
{
	switch (prio) {
	case LOG_EMERG: case LOG_ALERT: case LOG_CRIT:
		return "fatal";
	case LOG_ERR:
		return "error";
	case LOG_WARNING:
		return "warning";
	case LOG_DEBUG:
		return "debug";
	default:
		return "info";
	}
}

/* stamp - the UTC time of day for stderr lines, formatted once a second */
static const char *
stamp(void)
{
	static _Thread_local char	 ts[32];
	static _Thread_local time_t	 last = -1;
	struct tm			 tm;
	time_t				 now = time(NULL);

	if (now != last) {
		gmtime_r(&now, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
		last = now;
	}
	return ts;
}

/* emit - write one finished line to the chosen sink */
static void
emit(int prio, const char *line)
{
	char	 out[LOGKV_MAX + 128];
	int	 n;

	if (!log_foreground) {
		log__syslog_send(prio, atomic_load(&log_pid), line);
		return;
	}
	n = snprintf(out, sizeof(out), "%s %s[%ld]: %s: %s\n", stamp(),
	    log_ident, atomic_load(&log_pid), prio_name(prio), line);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(out)) {
		n = (int)sizeof(out) - 1;
		out[n - 1] = '\n';
	}
	if (log_buf == NULL || !pthread_equal(pthread_self(), log_owner)) {
		/*
		 * One fwrite per line: stdio locks the stream around it. The
		 * buffer is the loop's alone (another thread, the metrics
		 * server, writes straight through).
		 */
		fwrite(out, 1, (size_t)n, stderr);
		return;
	}
	if (log_len + (size_t)n > LOG_BUFSIZE)
		log_flush();
	if (log_len == 0 && log_wake != NULL)
		log_wake();
	memcpy(log_buf + log_len, out, (size_t)n);
	log_len += (size_t)n;
}

void
log_msg(int prio, const char *fmt, ...)
{
	char	 line[LOGKV_MAX];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	emit(prio, line);
}

size_t
log_escape(char *dst, size_t dstsize, const char *src, size_t srclen)
{
	static const char hex[] = "0123456789abcdef";
	size_t	 o = 0, i;
	char	 seq[5];
	size_t	 n;

	if (dstsize == 0)
		return 0;
	for (i = 0; i < srclen; i++) {
		unsigned char c = (unsigned char)src[i];

		if (c == '\\' || c == '"') {
			seq[0] = '\\';
			seq[1] = (char)c;
			n = 2;
		} else if (c < 0x20 || c > 0x7e) {
			seq[0] = '\\';
			seq[1] = 'x';
			seq[2] = hex[c >> 4];
			seq[3] = hex[c & 15];
			n = 4;
		} else {
			seq[0] = (char)c;
			n = 1;
		}
		/* Keep room for "..." and the NUL when cut short. */
		if (o + n + 4 > dstsize && i + 1 < srclen) {
			if (o + 4 <= dstsize) {
				memcpy(dst + o, "...", 3);
				o += 3;
			}
			break;
		}
		if (o + n + 1 > dstsize)
			break;
		memcpy(dst + o, seq, n);
		o += n;
	}
	dst[o] = '\0';
	return o;
}

void
logkv_init(struct logkv *kv, const char *qid)
{
	kv->len = 0;
	kv->buf[0] = '\0';
	logkv_str(kv, "qid", qid && *qid ? qid : "NOQUEUE");
}

/* logkv_put - append raw text, keeping the buffer NUL-terminated */
static void
logkv_put(struct logkv *kv, const char *s, size_t n)
{
	if (kv->len + n + 1 > sizeof(kv->buf))
		n = sizeof(kv->buf) - kv->len - 1;
	memcpy(kv->buf + kv->len, s, n);
	kv->len += n;
	kv->buf[kv->len] = '\0';
}

void
logkv_strn(struct logkv *kv, const char *key, const char *val, size_t len)
{
	char	 esc[LOGKV_MAX];
	size_t	 n, i;
	int	 quote = (len == 0);

	if (val == NULL) {
		val = "";
		len = 0;
		quote = 1;
	}
	n = log_escape(esc, sizeof(esc) / 2, val, len);
	for (i = 0; i < n && !quote; i++)
		if (esc[i] == ' ' || esc[i] == '=' || esc[i] == '\\')
			quote = 1;
	if (kv->len > 0)
		logkv_put(kv, " ", 1);
	logkv_put(kv, key, strlen(key));
	logkv_put(kv, "=", 1);
	if (quote)
		logkv_put(kv, "\"", 1);
	logkv_put(kv, esc, n);
	if (quote)
		logkv_put(kv, "\"", 1);
}

void
logkv_str(struct logkv *kv, const char *key, const char *val)
{
	logkv_strn(kv, key, val, val ? strlen(val) : 0);
}

void
logkv_int(struct logkv *kv, const char *key, long long val)
{
	char	 num[32];
	int	 n = snprintf(num, sizeof(num), "%lld", val);

	if (kv->len > 0)
		logkv_put(kv, " ", 1);
	logkv_put(kv, key, strlen(key));
	logkv_put(kv, "=", 1);
	logkv_put(kv, num, (size_t)n);
}

void
logkv_emit(const struct logkv *kv, int prio)
{
	emit(prio, kv->buf);
}
