/*
 * NAME
 *	tracker_retry - what relay-tracker does when Redis or the state
 *	file fails (pure)
 * DESCRIPTION
 *	tracker_retry_reply() sorts an error reply of Redis. Almost every
 *	error is a temporary failure of the server (OOM, READONLY after a
 *	failover, LOADING, BUSY, NOPERM, MASTERDOWN, ...) and is handled
 *	like a dropped connection: the batch is applied again after a
 *	backoff and the position is not saved past it. That includes a
 *	command of our script that the ACL denies (Redis 7.0: "ERR The user
 *	executing the script can't run this command or subcommand script:
 *	..."), which an ACL change lifts. Two exceptions are that one
 *	event's failure, logged and skipped rather than retried for ever:
 *	an error raised by the Lua interpreter in one of our scripts ("ERR
 *	user_script:12: attempt to ..."), the script's own logic, which the
 *	same input would raise again; and WRONGTYPE, a key of that one
 *	message or member holding another type (corrupted data), which no
 *	retry mends. An error reply we cannot place is temporary: "could
 *	not tell" is never "done".
 *
 *	tracker_retry_delay_ms() is the wait before the next try of
 *	something that failed streak times in a row (the position save):
 *	200 ms doubling up to 30 s.
 * SEE ALSO
 *	tracker_apply.c, relay-tracker.c, tests/unit/test_tracker_retry.c
 */
#ifndef RELAY_TRACKER_RETRY_H
#define RELAY_TRACKER_RETRY_H

enum tracker_reply {
	TRACKER_REPLY_TEMP = 0,		/* retry the batch */
	TRACKER_REPLY_SCRIPT,		/* the script's own error: log, skip */
	TRACKER_REPLY_DATA		/* WRONGTYPE: the event's keys: log, skip */
};

/* tracker_retry_reply - the class of an error reply's text (NULL: TEMP) */
enum tracker_reply tracker_retry_reply(const char *err);
/* tracker_retry_delay_ms - wait after streak failures in a row (>= 1) */
int	 tracker_retry_delay_ms(unsigned streak);

#endif
