/*
 * NAME
 *	log - syslog or stderr, key=value decision lines, escaping
 * DESCRIPTION
 *	Owns the choice between syslog and stderr and the escaping of
 *	untrusted bytes. Nothing else in the suite calls syslog(3).
 * SEE ALSO
 *	log.h
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static const char *log_ident = "relay";
static int log_foreground = 1;
static atomic_int log_debug_on;

void
log_open(const char *ident, int foreground)
{
	log_ident = ident;
	log_foreground = foreground;
	if (!foreground)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_MAIL);
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

/* emit - write one finished line to the chosen sink */
static void
emit(int prio, const char *line)
{
	char		 ts[32];
	struct tm	 tm;
	time_t		 now;

	if (!log_foreground) {
		syslog(prio, "%s", line);
		return;
	}
	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	/* One fprintf per line: stdio locks the stream around it. */
	fprintf(stderr, "%s %s[%ld]: %s: %s\n", ts, log_ident, (long)getpid(),
	    prio_name(prio), line);
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
