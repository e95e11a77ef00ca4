/*
 * NAME
 *	policyd_noscript - what a NOSCRIPT reply asks relay-policyd to do
 * DESCRIPTION
 *	Redis answers NOSCRIPT to an EVALSHA whose script it does not hold
 *	(SCRIPT FLUSH, a failover to a replica that never loaded it). The
 *	script did not run, so sending the same command again is safe: it
 *	cannot charge twice. The command is sent again once, behind a SCRIPT
 *	LOAD of every script; a load already queued on the connection since
 *	the command was sent serves it too (one reload per flush, however
 *	many requests were in flight). NOSCRIPT to the command sent again
 *	means the load failed: that reply is the answer, never another try.
 *	Pure: policyd_redis.c gathers the facts and acts on the result.
 * SEE ALSO
 *	policyd_redis.c, rscript.c (the same recovery, synchronous)
 */
#ifndef RELAY_POLICYD_NOSCRIPT_H
#define RELAY_POLICYD_NOSCRIPT_H

enum pd_noscript_next {
	PD_NOSCRIPT_DONE,	/* an answer (error replies included): keep it */
	PD_NOSCRIPT_RESEND,	/* send it again: a load went ahead of it */
	PD_NOSCRIPT_LOAD,	/* load the scripts, then send it again */
	PD_NOSCRIPT_FAIL	/* NOSCRIPT after a load: keep it, say so */
};

/*
 * pd_noscript_next - for one command's reply: err is the error reply's
 * text or NULL for any other reply; script: the command is an EVALSHA;
 * resent: this reply is to the command sent again; loaded: a load was
 * queued on this connection after the command was sent.
 */
enum pd_noscript_next pd_noscript_next(const char *err, int script,
	    int resent, int loaded);

#endif
