/*
 * NAME
 *	metrics - a lock-free registry and its Prometheus text rendering
 * DESCRIPTION
 *	Families are a list in the order they were made, each with its
 *	series in the same order. Values are C11 atomics: a counter or a
 *	gauge is one int64; a histogram keeps one count per bucket (not
 *	cumulative, so an observation touches one bucket) and its sum as
 *	the bits of a double updated by compare-and-swap. The cumulative
 *	counts, and _count as the +Inf bucket, are made while rendering, so
 *	one scrape is always consistent with itself (_count equals +Inf)
 *	even while other threads observe.
 *	Label strings are escaped once, at registration.
 * SEE ALSO
 *	metrics.h, https://prometheus.io/docs/instrumenting/exposition_formats/
 */
#include <math.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "metrics.h"
#include "xalloc.h"

struct family;

struct metric {
	struct family		*fam;
	char			*labels;	/* a="x",b="y" (escaped) or "" */
	_Atomic int64_t		 value;		/* counter, gauge */
	double			*bounds;	/* histogram */
	size_t			 nbounds;
	_Atomic uint64_t	*buckets;	/* nbounds + 1, the last +Inf */
	_Atomic uint64_t	 sum_bits;	/* a double */
	struct metric		*next;
};

struct family {
	char			*name;
	char			*help;
	enum metric_type	 type;
	struct metric		*first, *last;
	struct family		*next;
};

struct metrics {
	struct family		*first, *last;
};

/* A growing output buffer. */
struct buf {
	char	*p;
	size_t	 len, cap;
};

static void bprintf(struct buf *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

/* bprintf - append formatted text, growing the buffer as needed */
static void
bprintf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;		/* cannot happen with our formats */
		if ((size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		b->cap = b->cap * 2 + (size_t)n + 1;
		b->p = xrealloc(b->p, b->cap);
	}
}

/* bputc - one byte */
static void
bputc(struct buf *b, char c)
{
	if (b->len + 2 > b->cap) {
		b->cap = b->cap * 2 + 64;
		b->p = xrealloc(b->p, b->cap);
	}
	b->p[b->len++] = c;
	b->p[b->len] = '\0';
}

/* escape - value into b; in_label: also '"' (HELP text keeps it) */
static void
escape(struct buf *b, const char *s, int in_label)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			bprintf(b, "\\\\");
		else if (*s == '\n')
			bprintf(b, "\\n");
		else if (*s == '"' && in_label)
			bprintf(b, "\\\"");
		else
			bputc(b, *s);
	}
}

/* valid_name - [a-zA-Z_:][a-zA-Z0-9_:]* (colon: metric names only) */
static int
valid_name(const char *s, int colon)
{
	const char *p;

	if (s == NULL || *s == '\0' || (*s >= '0' && *s <= '9'))
		return 0;
	for (p = s; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || (colon && *p == ':')))
			return 0;
	return 1;
}

struct metrics *
metrics_new(void)
{
	return xcalloc(1, sizeof(struct metrics));
}

void
metrics_free(struct metrics *m)
{
	struct family	*f, *fn;
	struct metric	*s, *sn;

	if (m == NULL)
		return;
	for (f = m->first; f != NULL; f = fn) {
		fn = f->next;
		for (s = f->first; s != NULL; s = sn) {
			sn = s->next;
			free(s->labels);
			free(s->bounds);
			free((void *)s->buckets);
			free(s);
		}
		free(f->name);
		free(f->help);
		free(f);
	}
	free(m);
}

/* family - the family of that name, made when new; NULL on a type clash */
static struct family *
family(struct metrics *m, const char *name, const char *help,
    enum metric_type type)
{
	struct family *f;

	for (f = m->first; f != NULL; f = f->next)
		if (strcmp(f->name, name) == 0)
			return f->type == type ? f : NULL;
	f = xcalloc(1, sizeof(*f));
	f->name = xstrdup(name);
	f->help = xstrdup(help != NULL ? help : "");
	f->type = type;
	if (m->last != NULL)
		m->last->next = f;
	else
		m->first = f;
	m->last = f;
	return f;
}

/* series - a new series of the family with its labels; NULL when bad */
static struct metric *
series(struct metrics *m, const char *name, const char *help,
    const char *const *labels, enum metric_type type)
{
	struct family	*f;
	struct metric	*s;
	struct buf	 b = { NULL, 0, 0 };
	size_t		 i;

	if (m == NULL || !valid_name(name, 1))
		return NULL;
	for (i = 0; labels != NULL && labels[i] != NULL; i += 2)
		if (i / 2 >= METRICS_MAX_LABELS || labels[i + 1] == NULL ||
		    !valid_name(labels[i], 0) || strncmp(labels[i], "__", 2) == 0
		    || (type == METRIC_HISTOGRAM && strcmp(labels[i], "le") == 0))
			return NULL;
	if ((f = family(m, name, help, type)) == NULL)
		return NULL;
	bputc(&b, '\0');
	b.len = 0;
	for (i = 0; labels != NULL && labels[i] != NULL; i += 2) {
		bprintf(&b, "%s%s=\"", i > 0 ? "," : "", labels[i]);
		escape(&b, labels[i + 1], 1);
		bputc(&b, '"');
	}
	s = xcalloc(1, sizeof(*s));
	s->fam = f;
	s->labels = b.p;
	atomic_init(&s->value, 0);
	atomic_init(&s->sum_bits, 0);
	if (f->last != NULL)
		f->last->next = s;
	else
		f->first = s;
	f->last = s;
	return s;
}

struct metric *
metrics_counter(struct metrics *m, const char *name, const char *help,
    const char *const *labels)
{
	return series(m, name, help, labels, METRIC_COUNTER);
}

struct metric *
metrics_gauge(struct metrics *m, const char *name, const char *help,
    const char *const *labels)
{
	return series(m, name, help, labels, METRIC_GAUGE);
}

struct metric *
metrics_histogram(struct metrics *m, const char *name, const char *help,
    const char *const *labels, const double *bounds, size_t nbounds)
{
	struct metric	*s;
	size_t		 i;

	if (nbounds > METRICS_MAX_BUCKETS || (nbounds > 0 && bounds == NULL))
		return NULL;
	for (i = 0; i < nbounds; i++)
		if (!isfinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1]))
			return NULL;
	if ((s = series(m, name, help, labels, METRIC_HISTOGRAM)) == NULL)
		return NULL;
	s->nbounds = nbounds;
	s->bounds = xcalloc(nbounds + 1, sizeof(double));
	if (nbounds > 0)
		memcpy(s->bounds, bounds, nbounds * sizeof(double));
	s->buckets = xcalloc(nbounds + 1, sizeof(*s->buckets));
	for (i = 0; i <= nbounds; i++)
		atomic_init(&s->buckets[i], 0);
	return s;
}

void
metric_inc(struct metric *s)
{
	metric_add(s, 1);
}

void
metric_add(struct metric *s, int64_t delta)
{
	if (s == NULL || s->fam->type == METRIC_HISTOGRAM)
		return;
	/* a counter never goes down: a negative delta is a programming error */
	if (s->fam->type == METRIC_COUNTER && delta < 0)
		return;
	atomic_fetch_add_explicit(&s->value, delta, memory_order_relaxed);
}

void
metric_set(struct metric *s, int64_t v)
{
	int64_t	 old;

	if (s == NULL || s->fam->type == METRIC_HISTOGRAM)
		return;
	if (s->fam->type == METRIC_GAUGE) {
		atomic_store_explicit(&s->value, v, memory_order_relaxed);
		return;
	}
	old = atomic_load_explicit(&s->value, memory_order_relaxed);
	while (old < v && !atomic_compare_exchange_weak_explicit(&s->value,
	    &old, v, memory_order_relaxed, memory_order_relaxed))
		;
}

void
metric_observe(struct metric *s, double v)
{
	uint64_t old, new;
	double	 sum;
	size_t	 i;

	if (s == NULL || s->fam->type != METRIC_HISTOGRAM || isnan(v))
		return;
	for (i = 0; i < s->nbounds && v > s->bounds[i]; i++)
		;
	atomic_fetch_add_explicit(&s->buckets[i], 1, memory_order_relaxed);
	old = atomic_load_explicit(&s->sum_bits, memory_order_relaxed);
	do {
		memcpy(&sum, &old, sizeof(sum));
		sum += v;
		memcpy(&new, &sum, sizeof(new));
	} while (!atomic_compare_exchange_weak_explicit(&s->sum_bits, &old, new,
	    memory_order_relaxed, memory_order_relaxed));
}

int64_t
metric_value(const struct metric *s)
{
	int64_t	 n = 0;
	size_t	 i;

	if (s == NULL)
		return 0;
	if (s->fam->type != METRIC_HISTOGRAM)
		return atomic_load_explicit(&s->value, memory_order_relaxed);
	for (i = 0; i <= s->nbounds; i++)
		n += (int64_t)atomic_load_explicit(&s->buckets[i],
		    memory_order_relaxed);
	return n;
}

/* render_histogram - _bucket lines (cumulative), _sum, _count */
static void
render_histogram(struct buf *b, const struct family *f, const struct metric *s)
{
	const char	*sep = s->labels[0] != '\0' ? "," : "";
	uint64_t	 cum = 0, bits;
	double		 sum;
	size_t		 i;

	for (i = 0; i <= s->nbounds; i++) {
		cum += atomic_load_explicit(&s->buckets[i], memory_order_relaxed);
		if (i < s->nbounds)
			bprintf(b, "%s_bucket{%s%sle=\"%.15g\"} %llu\n", f->name,
			    s->labels, sep, s->bounds[i], (unsigned long long)cum);
		else
			bprintf(b, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", f->name,
			    s->labels, sep, (unsigned long long)cum);
	}
	bits = atomic_load_explicit(&s->sum_bits, memory_order_relaxed);
	memcpy(&sum, &bits, sizeof(sum));
	if (s->labels[0] != '\0') {
		bprintf(b, "%s_sum{%s} %.15g\n", f->name, s->labels, sum);
		bprintf(b, "%s_count{%s} %llu\n", f->name, s->labels,
		    (unsigned long long)cum);
	} else {
		bprintf(b, "%s_sum %.15g\n", f->name, sum);
		bprintf(b, "%s_count %llu\n", f->name, (unsigned long long)cum);
	}
}

char *
metrics_render(const struct metrics *m, size_t *len)
{
	static const char *const tname[] = { "counter", "gauge", "histogram" };
	const struct family	*f;
	const struct metric	*s;
	struct buf		 b = { NULL, 0, 0 };

	b.cap = 4096;
	b.p = xmalloc(b.cap);
	b.p[0] = '\0';
	for (f = m != NULL ? m->first : NULL; f != NULL; f = f->next) {
		bprintf(&b, "# HELP %s ", f->name);
		escape(&b, f->help, 0);
		bprintf(&b, "\n# TYPE %s %s\n", f->name, tname[f->type]);
		for (s = f->first; s != NULL; s = s->next) {
			if (f->type == METRIC_HISTOGRAM)
				render_histogram(&b, f, s);
			else if (s->labels[0] != '\0')
				bprintf(&b, "%s{%s} %lld\n", f->name, s->labels,
				    (long long)metric_value(s));
			else
				bprintf(&b, "%s %lld\n", f->name,
				    (long long)metric_value(s));
		}
	}
	if (len != NULL)
		*len = b.len;
	return b.p;
}

double
metrics_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
