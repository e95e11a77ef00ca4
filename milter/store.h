/*
 * NAME
 *	store - what relay-milter reads from and writes to Redis
 * DESCRIPTION
 *	The I/O half of the decisions: each function gathers facts for
 *	decide.c or writes the record of an accepted message, through one
 *	rconn (one per thread). Key names come from rkey(); the writes that
 *	touch several keys are Lua scripts (common/lua/milter_*.lua).
 *	Every function returns 0 (or a count) on success and STORE_ETEMP
 *	when Redis could not answer (down, timeout, error reply, a missing
 *	or unreadable value): the caller then tempfails (queue_full), with
 *	rconn_errstr() or the message in why for the log line.
 * OWNERSHIP
 *	Strings returned through char ** are the caller's (free()).
 */
#ifndef RELAY_MILTER_STORE_H
#define RELAY_MILTER_STORE_H

#include <stddef.h>
#include <time.h>

#include "conf.h"
#include "decide.h"

struct rconn;

#define STORE_ETEMP	(-1)

/* store_domains - facts for the candidate domains cands[0..n) */
int	 store_domains(struct rconn *, char cands[][ADDR_BUFSIZE], size_t n,
	    struct dom_fact *out, const char **why);

/*
 * store_suppressed - why addr is on handle's suppression list (a
 * DECIDE_SUPP_* above 0), DECIDE_SUPP_NONE when it is not, or STORE_ETEMP
 */
int	 store_suppressed(struct rconn *, const char *handle, const char *addr,
	    const char **why);

/*
 * store_dkim - the PEM keys of selector sel of domain: *rsa must exist,
 * *ed is NULL when the domain has no Ed25519 key (or want_ed is 0).
 */
int	 store_dkim(struct rconn *, const char *domain, const char *sel,
	    int want_ed, char **rsa, char **ed, const char **why);

/* One accepted message, for the tracker. */
struct store_record {
	const char	 *qid;
	const char	 *handle;
	const char	 *domain;
	const char	 *sender;
	const char	 *message_id;	/* "" when the message has none */
	const char	**rcpts;
	size_t		  nrcpt;
	size_t		  nrcptcmd;	/* RCPT TO accepted, repeats too */
	time_t		  now;
	const char	 *charges;	/* the session's (rkey_charges), or "" */
};

/* What store_record found when it refused to record. */
struct store_over {
	int		 hit;		/* the queue cap was reached */
	long long	 queued, cap;
	int		 suspended;	/* the member is suspended */
	char		 reason[256];	/* its suspend_reason */
};

/*
 * store_record_reply - milter_record.lua's reply: 1 recorded (its
 * elements after the first: the charges hash's fields and values, all
 * strings), 0 refused (over says why: the queue cap, or the member
 * suspended), -1 a reply of no known shape (store_reply.c)
 */
struct redisReply;
int	 store_record_reply(const struct redisReply *, struct store_over *);

/*
 * store_record - write the record (SCHEMA.md step 4); 0, STORE_ETEMP,
 * STORE_OVERCAP when the member already has its queue cap of messages in
 * flight (the member's own, else policyd.queue_cap; *over says the
 * figures): the message is to be tempfailed, or STORE_SUSPENDED when the
 * member is suspended (over->reason): it is to be refused (521). Nothing
 * is written in either case.
 */
#define STORE_OVERCAP	(-2)
#define STORE_SUSPENDED	(-3)
int	 store_record(struct rconn *, const struct relay_conf *,
	    const struct store_record *, struct store_over *over,
	    const char **why);

#endif
