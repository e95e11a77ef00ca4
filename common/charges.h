/*
 * charges.h - warming charges given back (charges.c). A session's
 * charges hash (rkey_charges) maps a charge id to the warm set
 * (relay:{d:DOMAIN}:warm) it was charged in; milter_record.lua copies it
 * into the record of an accepted message (field charges).
 */
#ifndef RELAY_CHARGES_H
#define RELAY_CHARGES_H

#include <stddef.h>

#include <hiredis.h>

struct rconn;

/*
 * charges_warm_key - s[0..len) is a key of the form relay:{d:DOMAIN}:warm
 * (rkeys.c), the only kind a charge is taken out of
 */
int	charges_warm_key(const char *s, size_t len);

/*
 * charges_zrem - pairs (an array reply: id, warm set, id, warm set, ...)
 * taken out of their warm sets in one pipeline (ZREM each; a pair that
 * is not of that form is passed over), then DEL delkey when not NULL.
 * How many were taken out, or -1 (why says) when Redis failed.
 */
int	charges_zrem(struct rconn *, const redisReply *pairs,
	    const char *delkey, const char **why);

/*
 * charges_refund - take back the charges recorded in key (rkey_charges)
 * for a transaction that queued nothing: HGETALL, then charges_zrem with
 * the DEL of key. Returns how many were taken back, or -1 (why says)
 * when Redis failed: they stay charged.
 */
int	charges_refund(struct rconn *, const char *key, const char **why);

/*
 * charges_pick - on[0..n): 1 for a charge still charged. The first keep
 * of those are left (on[i] set to 0: one transaction's charges are all
 * alike), the others stay 1, to be taken out; returns how many.
 */
size_t	charges_pick(int *on, size_t n, size_t keep);

/*
 * charges_excess - of the charges el[0..nel) (id, warm set, id, warm
 * set, ... as charges_zrem's pairs), leave at most keep still charged
 * and take the others out: those a transaction was charged for
 * recipients Postfix then refused (a check after the policy service,
 * relay-milter's own). A charge no longer in its set (over a cap,
 * taken back by relay-policyd) does not count. How many were taken out
 * (0 at once when there are no more than keep), or -1 (why says).
 */
int	charges_excess(struct rconn *, redisReply *const *el, size_t nel,
	    size_t keep, const char **why);

/*
 * charges_emit - end the log line kv of a refund with its outcome, n as
 * charges_zrem or charges_refund returned it: refunded=N (info), or
 * refund=failed why=... (warning); and emit it
 */
struct logkv;
void	charges_emit(struct logkv *kv, int n, const char *why);

#endif
