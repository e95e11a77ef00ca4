/*
 * NAME
 *	log_priv - between log.c and its syslog sink, log_syslog.c
 * DESCRIPTION
 *	Not for the programs: log.h is their interface. The pure parts
 *	(line format, the dropped-lines note) and the path setter are here
 *	for tests/unit/test_log.c.
 */
#ifndef RELAY_LOG_PRIV_H
#define RELAY_LOG_PRIV_H

#include <stddef.h>
#include <syslog.h>
#include <time.h>

#define LOG__SYSLOG_PATH	"/dev/log"
/* Facility of every line, as openlog(3) had it. */
#define LOG__FACILITY		LOG_MAIL

/*
 * log__syslog_format - one datagram as glibc's syslog(3) writes it:
 * "<PRI>Mmm dd hh:mm:ss IDENT[PID]: MSG" (strftime "%h %e %T", C locale,
 * no newline, no NUL), so rsyslog and journald parse it the same. pri is
 * facility | level. Cut to fit size (always NUL-terminated); returns the
 * length without the NUL.
 */
size_t	 log__syslog_format(char *buf, size_t size, int pri,
	    const struct tm *tm, const char *ident, long pid, const char *msg);
/* log__dropped_text - the note sent before the next line that goes through */
size_t	 log__dropped_text(char *buf, size_t size, unsigned long dropped);

/*
 * log__syslog_open - connect to path (NULL: LOG__SYSLOG_PATH), ident and
 * pid for the lines. A failure is not reported: each line tries again.
 */
void	 log__syslog_open(const char *path, const char *ident);
/*
 * log__syslog_send - one line (level LOG_ERR...LOG_DEBUG), never blocking:
 * a line syslog has no room for is dropped and counted, and the count is
 * sent (LOG_WARNING) before the next line that goes through. A refused
 * send (syslog restarted: a new socket at the path) connects again, at
 * most once per line. Any thread.
 */
void	 log__syslog_send(int level, long pid, const char *line);
/* log__syslog_dropped - lines dropped since the last note went out */
unsigned long log__syslog_dropped(void);
/* fork handlers: the sink's lock is not held across fork() */
void	 log__syslog_prefork(void);
void	 log__syslog_postfork(void);

#endif
