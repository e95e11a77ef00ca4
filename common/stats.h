/*
 * NAME
 *	stats - the suite's Prometheus metrics, one call per event
 * DESCRIPTION
 *	One registry per process (metrics.h), made by stats_init() when
 *	relay.conf has a "metrics" address for the daemon, and served by
 *	stats_serve()/stats_start(). Until then, and when metrics are off,
 *	every stats_* call does nothing, so the daemons call them
 *	unconditionally, at the places where they already log.
 *
 *	The series (every name starts with relay_, every series carries
 *	daemon="milter"|"policyd"|"tracker"):
 *	  relay_decisions_total{condition}   milter, policyd: refusals and
 *	      tempfails given, by the JSON code of common/conditions (every
 *	      row, from 0)
 *	  relay_policy_passed_total          policyd: requests answered DUNNO
 *	  relay_messages_accepted_total      milter: messages signed, recorded
 *	      and accepted
 *	  relay_dkim_signatures_total{alg}   milter: rsa-sha256, ed25519-sha256
 *	  relay_fact_cache_lookups_total{result}  milter: hit, miss
 *	  relay_fact_cache_invalidations_total    milter: keys Redis said changed
 *	  relay_connections                  milter, policyd: open client
 *	      connections (gauge)
 *	  relay_redis_errors_total{kind}     io (connect, I/O, timeout, lost),
 *	      reply (an error reply), down (not sent: waiting to reconnect)
 *	  relay_redis_latency_seconds        one Redis round trip (a command,
 *	      a pipeline, policyd's batch): histogram
 *	  relay_tracker_lines_total{result}  tracker: read (every line), event
 *	      (a delivery, removal or expiry), other (Postfix lines of no
 *	      interest), skipped (not a Postfix log line), too_long
 *	  relay_tracker_deliveries_total{status,class}  tracker: delivery
 *	      attempts applied, sent (class none), deferred or bounced by the
 *	      bounce class (hard, soft, policy, technical, other)
 *	  relay_tracker_expired_total        tracker: messages that left the
 *	      queue with recipients not delivered
 *	  relay_tracker_suppressions_total{reason}  tracker: hard_bounce,
 *	      soft_bounce_limit
 *	  relay_tracker_bounce_rate_total{action}  tracker: warning (the rate
 *	      crossed suspension.warn_rate), suspension (a member suspended)
 * THREADS
 *	stats_init, stats_serve, stats_start, stats_stop: the main thread,
 *	while no other thread counts. Everything else: any thread.
 * SEE ALSO
 *	metrics.h, metrics_http.h, relay-milter(8), relay-policyd(8),
 *	relay-tracker(8)
 */
#ifndef RELAY_STATS_H
#define RELAY_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "conditions.h"

enum stats_redis_err {
	STATS_REDIS_IO = 0,
	STATS_REDIS_REPLY,
	STATS_REDIS_DOWN,
	STATS_REDIS__COUNT
};

enum stats_line {
	STATS_LINE_READ = 0,
	STATS_LINE_EVENT,
	STATS_LINE_OTHER,
	STATS_LINE_SKIPPED,
	STATS_LINE_TOO_LONG,
	STATS_LINE__COUNT
};

enum stats_rate {
	STATS_RATE_WARNING = 0,
	STATS_RATE_SUSPENSION,
	STATS_RATE__COUNT
};

struct metrics;

/*
 * stats_init - the registry and every series of daemon ("milter",
 * "policyd" or "tracker"); a second call is a no-op.
 */
void	 stats_init(const char *daemon);
/* stats_registry - the registry, or NULL before stats_init */
const struct metrics *stats_registry(void);
/*
 * stats_serve - when spec is not "": stats_init(daemon) and bind the
 * scrape port (before dropping privileges). 0, or -1 with err set.
 */
int	 stats_serve(const char *spec, const char *daemon, char *err,
	    size_t errlen);
/* stats_start - the serving thread (after daemon_detach); 0 or -1, err */
int	 stats_start(char *err, size_t errlen);
/* stats_stop - stop serving and free everything */
void	 stats_stop(void);

/* stats_verdict - refused: a decision of condition id; else a pass */
void	 stats_verdict(int refused, enum cond_id id);
/* stats_accepted - the milter accepted a message */
void	 stats_accepted(void);
/* stats_fact - one fact cache lookup; stats_fact_invalidated - one key */
void	 stats_fact(int hit);
void	 stats_fact_invalidated(void);
/* stats_signature - one DKIM-Signature value added (its a= tells the alg) */
void	 stats_signature(const char *header_value);
/* stats_conn - a client connection opened (+1) or closed (-1) */
void	 stats_conn(int delta);
/* stats_redis_done - a round trip begun at t0 (metrics_now()) answered */
void	 stats_redis_done(double t0);
/* stats_redis_error - one Redis failure of that kind */
void	 stats_redis_error(enum stats_redis_err);
/* stats_lines - n log lines with that result */
void	 stats_lines(enum stats_line, uint64_t n);
/* stats_lines_total - set a line count kept elsewhere (never lowers it) */
void	 stats_lines_total(enum stats_line, uint64_t total);
/*
 * stats_delivery - one delivery attempt applied: status "sent",
 * "deferred" or "bounced" (maillog_status_name()), cls the bounce class's
 * name ("hard", ...; ignored for "sent"); other names are not counted
 */
void	 stats_delivery(const char *status, const char *cls);
/* stats_expired - one message expired */
void	 stats_expired(void);
/* stats_suppressed - a recipient suppressed for reason (hard_bounce, ...) */
void	 stats_suppressed(const char *reason);
/* stats_rate - the bounce rate warned about, or suspended, a member */
void	 stats_rate(enum stats_rate);
/* stats_clock - metrics_now() when metrics are on, else 0 (cheap) */
double	 stats_clock(void);

#endif
