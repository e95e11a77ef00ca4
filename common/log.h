/*
 * NAME
 *	log - the only code that writes log lines
 * DESCRIPTION
 *	Daemons log to syslog (facility mail); in the foreground (-f, tests,
 *	relayctl) lines go to stderr with a time stamp. Decisions are logged
 *	as one line of key=value pairs, queue id first, built with logkv_*.
 *	Every value that came from the network passes through log_escape():
 *	control characters, bytes above 0x7e, backslash and double quote are
 *	written as \xNN, \\ or \", so one event is always one line and
 *	nobody can forge a field.
 * THREADS
 *	All functions may be called from any thread after log_open().
 */
#ifndef RELAY_LOG_H
#define RELAY_LOG_H

#include <stddef.h>
#include <syslog.h>

#define LOGKV_MAX	2048

void	 log_open(const char *ident, int foreground);
/*
 * log_buffered - for a single-threaded event loop, stderr only: lines are
 * kept in a buffer and written together by log_flush(), which the loop
 * calls once per turn; wake() is called when the first line of a turn is
 * kept (it schedules the flush). A full buffer and exit() flush too.
 * No effect with syslog. Only the calling thread's lines are buffered;
 * any other thread's are written at once.
 */
void	 log_buffered(void (*wake)(void));
void	 log_flush(void);
void	 log_set_debug(int on);
int	 log_debug_enabled(void);
void	 log_msg(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define	 log_err(...)	log_msg(LOG_ERR, __VA_ARGS__)
#define	 log_warn(...)	log_msg(LOG_WARNING, __VA_ARGS__)
#define	 log_info(...)	log_msg(LOG_INFO, __VA_ARGS__)
#define	 log_debug(...)	do { if (log_debug_enabled()) log_msg(LOG_DEBUG, __VA_ARGS__); } while (0)

/*
 * log_escape - write src[0..srclen) into dst escaped, NUL-terminated.
 * Returns the length written (without the NUL). When dst is too small the
 * output ends at a whole escape sequence and is marked with "...".
 */
size_t	 log_escape(char *dst, size_t dstsize, const char *src, size_t srclen);

/* A key=value line under construction; lives on the caller's stack. */
struct logkv {
	char	 buf[LOGKV_MAX];
	size_t	 len;
};

void	 logkv_init(struct logkv *, const char *qid);
void	 logkv_str(struct logkv *, const char *key, const char *val);
void	 logkv_strn(struct logkv *, const char *key, const char *val, size_t len);
void	 logkv_int(struct logkv *, const char *key, long long val);
void	 logkv_emit(const struct logkv *, int prio);

#endif
