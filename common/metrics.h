/*
 * NAME
 *	metrics - counters, gauges and histograms in Prometheus text format
 * DESCRIPTION
 *	A registry holds metric families (name, help, type) and their series
 *	(one set of label values each). Series are registered at start-up,
 *	before any thread that updates them runs; after that the registry's
 *	shape never changes and every update is a C11 atomic operation, so
 *	libmilter's threads, the event loop and the HTTP thread share it
 *	without a lock. metrics_render() writes the text exposition format
 *	version 0.0.4 (# HELP, # TYPE, NAME{labels} VALUE) and is pure: it
 *	reads the values and nothing else.
 *
 *	Every update function takes NULL as a no-op, so code can count
 *	unconditionally and a daemon with metrics off pays one test.
 * THREADS
 *	metrics_new, metrics_counter/gauge/histogram and metrics_free: one
 *	thread, before/after the others. Updates and metrics_render: any
 *	thread, any time in between.
 * OWNERSHIP
 *	The registry owns its series (freed by metrics_free); names, help
 *	texts and label strings are copied.
 * SEE ALSO
 *	metrics_http.h (serving it), stats.h (the suite's metrics)
 */
#ifndef RELAY_METRICS_H
#define RELAY_METRICS_H

#include <stddef.h>
#include <stdint.h>

#define METRICS_MAX_LABELS	4	/* label pairs per series */
#define METRICS_MAX_BUCKETS	24	/* histogram upper bounds, +Inf aside */

enum metric_type {
	METRIC_COUNTER,
	METRIC_GAUGE,
	METRIC_HISTOGRAM
};

struct metrics;
struct metric;

/* metrics_new - an empty registry */
struct metrics *metrics_new(void);
/* metrics_free - NULL is a no-op */
void	 metrics_free(struct metrics *);

/*
 * metrics_counter / metrics_gauge - one series of family name (made on
 * first use, with help; a later help is ignored). labels is NULL or a
 * NULL-terminated list of name, value pairs. NULL when the name or a
 * label name is not valid Prometheus, the family exists with another
 * type, or there are too many labels: a programming error.
 */
struct metric *metrics_counter(struct metrics *, const char *name,
	    const char *help, const char *const *labels);
struct metric *metrics_gauge(struct metrics *, const char *name,
	    const char *help, const char *const *labels);
/* metrics_histogram - bounds: nbounds increasing upper bounds (le) */
struct metric *metrics_histogram(struct metrics *, const char *name,
	    const char *help, const char *const *labels, const double *bounds,
	    size_t nbounds);

/* metric_inc / metric_add - a counter or gauge goes up */
void	 metric_inc(struct metric *);
void	 metric_add(struct metric *, int64_t delta);
/* metric_set - a gauge takes a value; a counter only if it is not lower */
void	 metric_set(struct metric *, int64_t value);
/* metric_observe - one histogram observation */
void	 metric_observe(struct metric *, double value);
/* metric_value - a counter's or gauge's value; a histogram's count */
int64_t	 metric_value(const struct metric *);

/*
 * metrics_render - the whole registry as text, families in the order
 * they were made, series in the order they were made. The result is the
 * caller's (free()); *len gets its length.
 */
char	*metrics_render(const struct metrics *, size_t *len);

/* metrics_now - monotonic seconds, for timing what goes to a histogram */
double	 metrics_now(void);

#endif
