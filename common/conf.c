/*
 * NAME
 *	conf - load and validate relay.conf
 * DESCRIPTION
 *	Reads the file with libconfig, walks what it found against the
 *	declarations of conf_table.c and fills a fresh struct relay_conf that
 *	starts from the defaults. Every problem is reported, not only the
 *	first, as "FILE:LINE: section.key: why". No libconfig pointer
 *	outlives conf_load(): strings are copied.
 * SEE ALSO
 *	conf.h, conf_table.c
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <libconfig.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "conf.h"
#include "conf_table.h"
#include "metrics_http.h"
#include "xalloc.h"

/* Problems found so far, appended to the caller's buffer. */
struct errs {
	char		*buf;
	size_t		 len, used;
	int		 count;
	const char	*path;
};

static void errs_add(struct errs *, const config_setting_t *, const char *,
    const char *, ...) __attribute__((format(printf, 4, 5)));

/* errs_add - one "FILE:LINE: key: why" line; s may be NULL (no line) */
static void
errs_add(struct errs *e, const config_setting_t *s, const char *key,
    const char *fmt, ...)
{
	char		 why[512], line[1024];
	const char	*file = e->path;
	va_list		 ap;
	int		 n;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (s != NULL && config_setting_source_file(s) != NULL)
		file = config_setting_source_file(s);
	if (s != NULL && config_setting_source_line(s) > 0)
		n = snprintf(line, sizeof(line), "%s:%u: %s: %s\n", file,
		    config_setting_source_line(s), key, why);
	else
		n = snprintf(line, sizeof(line), "%s: %s: %s\n", file, key, why);
	e->count++;
	if (e->buf == NULL || e->len == 0 || n < 0)
		return;
	if (e->used + (size_t)n >= e->len)
		n = (int)(e->len - e->used - 1);
	memcpy(e->buf + e->used, line, (size_t)n);
	e->used += (size_t)n;
	e->buf[e->used] = '\0';
}

/* list_free - free a NULL-terminated string list */
static void
list_free(char **list)
{
	char	**p;

	if (list == NULL)
		return;
	for (p = list; *p != NULL; p++)
		free(*p);
	free(list);
}

/* list_from_commas - "a,b" into a NULL-terminated list */
static char **
list_from_commas(const char *s, int *count)
{
	char	**list = xcalloc(1, sizeof(char *));
	char	*copy = xstrdup(s), *tok, *save = NULL;
	int	 n = 0;

	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		list = xrealloc(list, sizeof(char *) * (size_t)(n + 2));
		list[n++] = xstrdup(tok);
		list[n] = NULL;
	}
	free(copy);
	*count = n;
	return list;
}

/* apply_default - set one declaration's default */
static void
apply_default(struct relay_conf *conf, const struct conf_decl *d)
{
	size_t	 i;

	switch (d->type) {
	case CONF_STRING:
		*(char **)conf_field(conf, d->offset) = xstrdup(d->def_str);
		break;
	case CONF_INT:
	case CONF_BOOL:
	case CONF_DURATION:
		*(int *)conf_field(conf, d->offset) = (int)d->def_num;
		break;
	case CONF_PERCENT:
		*(double *)conf_field(conf, d->offset) = d->def_num;
		break;
	case CONF_STRLIST:
		*(char ***)conf_field(conf, d->offset) = list_from_commas(d->def_str,
		    (int *)conf_field(conf, d->offset2));
		break;
	case CONF_TIERS:
		for (i = 0; i < conf_default_ntiers; i++) {
			conf->warming.tiers[i].days = conf_default_tiers[i].days;
			conf->warming.tiers[i].per_hour =
			    conf_default_tiers[i].per_hour;
			conf->warming.tiers[i].per_day =
			    conf_default_tiers[i].per_day;
		}
		conf->warming.ntiers = (int)conf_default_ntiers;
		break;
	}
}

struct relay_conf *
conf_defaults(void)
{
	struct relay_conf *conf = xcalloc(1, sizeof(*conf));
	size_t	 i;

	conf->path = xstrdup("(defaults)");
	for (i = 0; i < conf_ndecls; i++)
		apply_default(conf, &conf_decls[i]);
	return conf;
}

void
conf_free(struct relay_conf *conf)
{
	size_t	 i;

	if (conf == NULL)
		return;
	for (i = 0; i < conf_ndecls; i++) {
		const struct conf_decl *d = &conf_decls[i];

		if (d->type == CONF_STRING)
			free(*(char **)conf_field(conf, d->offset));
		else if (d->type == CONF_STRLIST)
			list_free(*(char ***)conf_field(conf, d->offset));
	}
	free(conf->path);
	free(conf);
}

/* edit_distance - Levenshtein distance of two short names, capped at 9 */
static int
edit_distance(const char *a, const char *b)
{
	int	 prev[64], cur[64];
	size_t	 la = strlen(a), lb = strlen(b), i, j;

	if (la >= 63 || lb >= 63)
		return 9;
	for (j = 0; j <= lb; j++)
		prev[j] = (int)j;
	for (i = 1; i <= la; i++) {
		cur[0] = (int)i;
		for (j = 1; j <= lb; j++) {
			int sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			int del = prev[j] + 1, ins = cur[j - 1] + 1;

			cur[j] = sub < del ? (sub < ins ? sub : ins) :
			    (del < ins ? del : ins);
		}
		memcpy(prev, cur, sizeof(int) * (lb + 1));
	}
	return prev[lb];
}

/* suggest - the closest known name within distance 2, or NULL */
static const char *
suggest(const char *section, const char *name)
{
	const char	*best = NULL;
	int		 bestd = 3, dist;
	size_t		 i;

	for (i = 0; i < conf_ndecls; i++) {
		const char *cand = section ? conf_decls[i].name :
		    conf_decls[i].section;

		if (section && strcmp(conf_decls[i].section, section) != 0)
			continue;
		dist = edit_distance(name, cand);
		if (dist < bestd) {
			bestd = dist;
			best = cand;
		}
	}
	return best;
}

/* find_decl - the declaration for section.name, or NULL */
static const struct conf_decl *
find_decl(const char *section, const char *name)
{
	size_t	 i;

	for (i = 0; i < conf_ndecls; i++)
		if (strcmp(conf_decls[i].section, section) == 0 &&
		    (name == NULL || strcmp(conf_decls[i].name, name) == 0))
			return &conf_decls[i];
	return NULL;
}

/* type_name - what a libconfig setting is, in words */
static const char *
type_name(const config_setting_t *s)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "an integer";
	case CONFIG_TYPE_FLOAT:
		return "a number with a fraction";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "true/false";
	case CONFIG_TYPE_ARRAY:
		return "an array";
	case CONFIG_TYPE_LIST:
		return "a list";
	case CONFIG_TYPE_GROUP:
		return "a group";
	default:
		return "something else";
	}
}

/*
 * parse_duration - "90", "90s", "15m", "24h", "14d" into seconds.
 * Returns 0 or -1 for a malformed value.
 */
static int
parse_duration(const char *s, double *out)
{
	char	*end;
	double	 v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno != 0 || v < 0 || !isfinite(v))
		return -1;
	if (strcmp(end, "") == 0 || strcmp(end, "s") == 0)
		;
	else if (strcmp(end, "m") == 0)
		v *= 60;
	else if (strcmp(end, "h") == 0)
		v *= 3600;
	else if (strcmp(end, "d") == 0)
		v *= 86400;
	else if (strcmp(end, "w") == 0)
		v *= 7 * 86400;
	else
		return -1;
	if (v != floor(v))
		return -1;
	*out = v;
	return 0;
}

/* is_int - libconfig integer of either width */
static int
is_int(const config_setting_t *s)
{
	return config_setting_type(s) == CONFIG_TYPE_INT ||
	    config_setting_type(s) == CONFIG_TYPE_INT64;
}

/* check_range - report and fail when v is outside the declaration's bounds */
static int
check_range(struct errs *e, const config_setting_t *s, const char *key,
    const struct conf_decl *d, double v)
{
	if (v < d->min || v > d->max) {
		errs_add(e, s, key, "must be between %.0f and %.0f (got %.10g)",
		    d->min, d->max, v);
		return -1;
	}
	return 0;
}

/* set_strlist - an array, list or single string into a string list */
static void
set_strlist(struct relay_conf *conf, struct errs *e, const config_setting_t *s,
    const char *key, const struct conf_decl *d)
{
	char	**list;
	int	 n, i;

	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		list = xcalloc(2, sizeof(char *));
		list[0] = xstrdup(config_setting_get_string(s));
		n = 1;
	} else if (config_setting_type(s) == CONFIG_TYPE_ARRAY ||
	    config_setting_type(s) == CONFIG_TYPE_LIST) {
		n = config_setting_length(s);
		list = xcalloc((size_t)n + 1, sizeof(char *));
		for (i = 0; i < n; i++) {
			const config_setting_t *el = config_setting_get_elem(s,
			    (unsigned)i);

			if (config_setting_type(el) != CONFIG_TYPE_STRING) {
				errs_add(e, el, key, "element %d: expected a "
				    "string, got %s", i + 1, type_name(el));
				list_free(list);
				return;
			}
			list[i] = xstrdup(config_setting_get_string(el));
		}
	} else {
		errs_add(e, s, key, "expected a string or a list of strings, "
		    "got %s", type_name(s));
		return;
	}
	list_free(*(char ***)conf_field(conf, d->offset));
	*(char ***)conf_field(conf, d->offset) = list;
	*(int *)conf_field(conf, d->offset2) = n;
}

/* tier_int - one integer member of a tier group; -1 when bad */
static int
tier_int(struct errs *e, const config_setting_t *g, const char *key, int idx,
    const char *name, int lo)
{
	const config_setting_t *m = config_setting_get_member(g, name);
	char	 k[256];
	long long v;

	snprintf(k, sizeof(k), "%s[%d].%s", key, idx + 1, name);
	if (m == NULL) {
		errs_add(e, g, k, "missing");
		return -1;
	}
	if (!is_int(m)) {
		errs_add(e, m, k, "expected an integer, got %s", type_name(m));
		return -1;
	}
	v = config_setting_get_int64(m);
	if (v < lo || v > 1000000000) {
		errs_add(e, m, k, "must be between %d and 1000000000 (got %lld)",
		    lo, v);
		return -1;
	}
	return (int)v;
}

/* set_tiers - warming.tiers: a list of { days; per_hour; per_day; } */
static void
set_tiers(struct relay_conf *conf, struct errs *e, const config_setting_t *s,
    const char *key)
{
	struct conf_warming *w = &conf->warming;
	int	 n, i, j, bad = 0;

	if (config_setting_type(s) != CONFIG_TYPE_LIST) {
		errs_add(e, s, key, "expected a list of groups "
		    "( { days = 2; per_hour = 20; per_day = 100; }, ... ), got %s",
		    type_name(s));
		return;
	}
	n = config_setting_length(s);
	if (n > CONF_MAX_TIERS) {
		errs_add(e, s, key, "at most %d tiers (got %d)", CONF_MAX_TIERS, n);
		return;
	}
	for (i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(s,
		    (unsigned)i);
		struct conf_tier t;

		if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
			errs_add(e, g, key, "tier %d: expected a group "
			    "{ days; per_hour; per_day; }, got %s", i + 1,
			    type_name(g));
			bad = 1;
			continue;
		}
		for (j = 0; j < config_setting_length(g); j++) {
			const config_setting_t *m = config_setting_get_elem(g,
			    (unsigned)j);
			const char *mn = config_setting_name(m);

			if (strcmp(mn, "days") && strcmp(mn, "per_hour") &&
			    strcmp(mn, "per_day")) {
				char k[256];

				snprintf(k, sizeof(k), "%s[%d].%s", key, i + 1, mn);
				errs_add(e, m, k, "unknown setting (a tier has "
				    "days, per_hour and per_day)");
				bad = 1;
			}
		}
		t.days = tier_int(e, g, key, i, "days", 1);
		t.per_hour = tier_int(e, g, key, i, "per_hour", 1);
		t.per_day = tier_int(e, g, key, i, "per_day", 1);
		if (t.days < 0 || t.per_hour < 0 || t.per_day < 0) {
			bad = 1;
			continue;
		}
		if (i > 0 && t.days <= w->tiers[i - 1].days) {
			errs_add(e, g, key, "tier %d: days (%d) must be greater "
			    "than the tier before (%d)", i + 1, t.days,
			    w->tiers[i - 1].days);
			bad = 1;
		}
		if (t.per_hour > t.per_day) {
			errs_add(e, g, key, "tier %d: per_hour (%d) is larger "
			    "than per_day (%d)", i + 1, t.per_hour, t.per_day);
			bad = 1;
		}
		w->tiers[i] = t;
	}
	if (!bad)
		w->ntiers = n;
}

/* set_value - check one setting against its declaration and store it */
static void
set_value(struct relay_conf *conf, struct errs *e, const config_setting_t *s,
    const struct conf_decl *d)
{
	char	 key[128];
	double	 v;

	snprintf(key, sizeof(key), "%s.%s", d->section, d->name);
	switch (d->type) {
	case CONF_STRING:
		if (config_setting_type(s) != CONFIG_TYPE_STRING) {
			errs_add(e, s, key, "expected a string, got %s",
			    type_name(s));
			return;
		}
		free(*(char **)conf_field(conf, d->offset));
		*(char **)conf_field(conf, d->offset) =
		    xstrdup(config_setting_get_string(s));
		return;
	case CONF_INT:
		if (!is_int(s)) {
			errs_add(e, s, key, "expected an integer, got %s",
			    type_name(s));
			return;
		}
		v = (double)config_setting_get_int64(s);
		if (check_range(e, s, key, d, v) == 0)
			*(int *)conf_field(conf, d->offset) = (int)v;
		return;
	case CONF_BOOL:
		if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
			errs_add(e, s, key, "expected true or false, got %s",
			    type_name(s));
			return;
		}
		*(int *)conf_field(conf, d->offset) = config_setting_get_bool(s);
		return;
	case CONF_DURATION:
		if (is_int(s))
			v = (double)config_setting_get_int64(s);
		else if (config_setting_type(s) != CONFIG_TYPE_STRING ||
		    parse_duration(config_setting_get_string(s), &v) < 0) {
			errs_add(e, s, key, "expected a duration: seconds, or a "
			    "string such as \"90s\", \"15m\", \"24h\", \"14d\"");
			return;
		}
		if (check_range(e, s, key, d, v) == 0)
			*(int *)conf_field(conf, d->offset) = (int)v;
		return;
	case CONF_PERCENT:
		if (is_int(s))
			v = (double)config_setting_get_int64(s);
		else if (config_setting_type(s) == CONFIG_TYPE_FLOAT)
			v = config_setting_get_float(s);
		else {
			errs_add(e, s, key, "expected a percentage such as 5 or "
			    "2.5, got %s", type_name(s));
			return;
		}
		if (check_range(e, s, key, d, v) == 0)
			*(double *)conf_field(conf, d->offset) = v;
		return;
	case CONF_STRLIST:
		set_strlist(conf, e, s, key, d);
		return;
	case CONF_TIERS:
		set_tiers(conf, e, s, key);
		return;
	}
}

/* walk - every section and key of the file against the declarations */
static void
walk(struct relay_conf *conf, struct errs *e, const config_setting_t *root,
    const config_setting_t **where)
{
	int	 i, j;

	for (i = 0; i < config_setting_length(root); i++) {
		const config_setting_t *sec = config_setting_get_elem(root,
		    (unsigned)i);
		const char *sname = config_setting_name(sec);
		const char *hint;

		if (find_decl(sname, NULL) == NULL) {
			char sugg[160] = "";

			if ((hint = suggest(NULL, sname)) != NULL)
				snprintf(sugg, sizeof(sugg), " (did you mean %s?)",
				    hint);
			errs_add(e, sec, sname, "unknown section%s", sugg);
			continue;
		}
		if (config_setting_type(sec) != CONFIG_TYPE_GROUP) {
			errs_add(e, sec, sname, "expected a group "
			    "%s = { ... }; got %s", sname, type_name(sec));
			continue;
		}
		for (j = 0; j < config_setting_length(sec); j++) {
			const config_setting_t *s = config_setting_get_elem(sec,
			    (unsigned)j);
			const char *name = config_setting_name(s);
			const struct conf_decl *d = find_decl(sname, name);
			char key[128];

			snprintf(key, sizeof(key), "%s.%s", sname, name);
			if (d == NULL) {
				char sugg[160] = "";

				if ((hint = suggest(sname, name)) != NULL)
					snprintf(sugg, sizeof(sugg),
					    " (did you mean %s.%s?)", sname, hint);
				errs_add(e, s, key, "unknown setting%s", sugg);
				continue;
			}
			where[d - conf_decls] = s;
			set_value(conf, e, s, d);
		}
	}
}

/* valid_listen - "unix:/abs/path" or "inet:HOST:PORT" (HOST may be [v6]) */
static int
valid_listen(const char *s)
{
	const char	*port;
	char		*end;
	long		 p;

	if (strncmp(s, "unix:", 5) == 0)
		return s[5] == '/' && strlen(s) < 5 + 108;
	if (strncmp(s, "inet:", 5) != 0 || (port = strrchr(s + 5, ':')) == NULL ||
	    port == s + 5)
		return 0;
	p = strtol(port + 1, &end, 10);
	return *end == '\0' && p > 0 && p < 65536;
}

/* valid_milter_socket - libmilter's unix:/p, local:/p, inet:PORT@HOST, inet6:PORT@HOST */
static int
valid_milter_socket(const char *s)
{
	const char	*at;
	char		*end;
	long		 p;

	if (strncmp(s, "unix:", 5) == 0 || strncmp(s, "local:", 6) == 0)
		return strchr(s, '/') != NULL;
	if (strncmp(s, "inet:", 5) == 0)
		s += 5;
	else if (strncmp(s, "inet6:", 6) == 0)
		s += 6;
	else
		return 0;
	p = strtol(s, &end, 10);
	at = end;
	return end != s && p > 0 && p < 65536 && (*at == '\0' || *at == '@');
}

/* check_metrics - a scrape port is "" (off) or a loopback HOST:PORT */
static void
check_metrics(struct errs *e, const config_setting_t *s, const char *key,
    const char *spec)
{
	char	 why[256];

	if (spec[0] != '\0' &&
	    metrics_http_addr(spec, NULL, NULL, why, sizeof(why)) < 0)
		errs_add(e, s, key, "%s", why);
}

/* cross_check - rules that involve more than one setting */
static void
cross_check(struct relay_conf *c, struct errs *e,
    const config_setting_t **where)
{
#define AT(sec, name)	where[find_decl(sec, name) - conf_decls]
	char		 dom[ADDR_BUFSIZE];
	unsigned char	 ip[16];
	int		 i;

	if (c->redis.reconnect_min_ms > c->redis.reconnect_max_ms)
		errs_add(e, AT("redis", "reconnect_min_ms"),
		    "redis.reconnect_min_ms", "larger than reconnect_max_ms "
		    "(%d > %d)", c->redis.reconnect_min_ms,
		    c->redis.reconnect_max_ms);
	if (c->redis.socket[0] != '\0' && c->redis.socket[0] != '/')
		errs_add(e, AT("redis", "socket"), "redis.socket",
		    "must be an absolute path (got \"%s\")", c->redis.socket);
	if (c->redis.socket[0] == '\0' && c->redis.host[0] == '\0')
		errs_add(e, AT("redis", "host"), "redis.host",
		    "empty, and no redis.socket either");
	if (c->suspension.warn_rate > c->suspension.suspend_rate)
		errs_add(e, AT("suspension", "warn_rate"), "suspension.warn_rate",
		    "larger than suspend_rate (%.10g > %.10g)",
		    c->suspension.warn_rate, c->suspension.suspend_rate);
	if (c->dns.nameserver[0] != '\0' &&
	    inet_pton(AF_INET, c->dns.nameserver, ip) != 1 &&
	    inet_pton(AF_INET6, c->dns.nameserver, ip) != 1)
		errs_add(e, AT("dns", "nameserver"), "dns.nameserver",
		    "not an IPv4 or IPv6 address (got \"%s\")",
		    c->dns.nameserver);
	if (!valid_milter_socket(c->milter.socket))
		errs_add(e, AT("milter", "socket"), "milter.socket",
		    "expected unix:/path or inet:PORT@HOST (got \"%s\")",
		    c->milter.socket);
	for (i = 0; i < c->policyd.nlisten; i++)
		if (!valid_listen(c->policyd.listen[i]))
			errs_add(e, AT("policyd", "listen"), "policyd.listen",
			    "expected unix:/path or inet:HOST:PORT (got \"%s\")",
			    c->policyd.listen[i]);
	for (i = 0; i < c->policyd.nsocketmap; i++)
		if (!valid_listen(c->policyd.socketmap[i]))
			errs_add(e, AT("policyd", "socketmap"), "policyd.socketmap",
			    "expected unix:/path or inet:HOST:PORT (got \"%s\")",
			    c->policyd.socketmap[i]);
	if (c->unsubscribe.domain[0] != '\0') {
		if (addr_domain_norm(c->unsubscribe.domain, dom, sizeof(dom)) < 0)
			errs_add(e, AT("unsubscribe", "domain"),
			    "unsubscribe.domain", "not a domain name (got \"%s\")",
			    c->unsubscribe.domain);
		else {
			free(c->unsubscribe.domain);
			c->unsubscribe.domain = xstrdup(dom);
		}
		if (c->unsubscribe.hmac_key[0] == '\0')
			errs_add(e, AT("unsubscribe", "domain"),
			    "unsubscribe.hmac_key",
			    "required when unsubscribe.domain is set");
	}
	if (c->unsubscribe.hmac_key[0] != '\0' &&
	    strlen(c->unsubscribe.hmac_key) < 32)
		errs_add(e, AT("unsubscribe", "hmac_key"), "unsubscribe.hmac_key",
		    "too short: at least 32 characters (openssl rand -hex 32)");
	if (c->unsubscribe.https_url[0] != '\0' &&
	    strncmp(c->unsubscribe.https_url, "https://", 8) != 0)
		errs_add(e, AT("unsubscribe", "https_url"),
		    "unsubscribe.https_url", "must start with https://");
	if (strspn(c->dkim.selector_prefix, "abcdefghijklmnopqrstuvwxyz0123456789-")
	    != strlen(c->dkim.selector_prefix) || c->dkim.selector_prefix[0] == '\0'
	    || strlen(c->dkim.selector_prefix) > 20)
		errs_add(e, AT("dkim", "selector_prefix"), "dkim.selector_prefix",
		    "1 to 20 lower-case letters, digits or hyphens");
	check_metrics(e, AT("milter", "metrics"), "milter.metrics",
	    c->milter.metrics);
	check_metrics(e, AT("policyd", "metrics"), "policyd.metrics",
	    c->policyd.metrics);
	check_metrics(e, AT("tracker", "metrics"), "tracker.metrics",
	    c->tracker.metrics);
	if (c->tracker.node[0] == '\0' || strspn(c->tracker.node,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
	    != strlen(c->tracker.node))
		errs_add(e, AT("tracker", "node"), "tracker.node",
		    "letters, digits, '-', '_' and '.' only");
#undef AT
}

int
conf_load(const char *path, struct relay_conf **out, char *errbuf,
    size_t errlen)
{
	const config_setting_t **where;
	struct relay_conf *conf;
	struct errs	 e = { errbuf, errlen, 0, 0, path };
	config_t	 cfg;

	*out = NULL;
	if (errbuf != NULL && errlen > 0)
		errbuf[0] = '\0';
	config_init(&cfg);
	if (config_read_file(&cfg, path) != CONFIG_TRUE) {
		if (config_error_type(&cfg) == CONFIG_ERR_FILE_IO)
			errs_add(&e, NULL, "file", "cannot read: %s",
			    strerror(errno ? errno : ENOENT));
		else {
			char line[1024];

			snprintf(line, sizeof(line), "%s:%d: syntax: %s\n",
			    config_error_file(&cfg) ? config_error_file(&cfg) :
			    path, config_error_line(&cfg),
			    config_error_text(&cfg));
			if (errbuf != NULL && errlen > 0)
				snprintf(errbuf, errlen, "%s", line);
		}
		config_destroy(&cfg);
		return -1;
	}
	conf = conf_defaults();
	free(conf->path);
	conf->path = xstrdup(path);
	where = xcalloc(conf_ndecls, sizeof(*where));
	walk(conf, &e, config_root_setting(&cfg), where);
	if (e.count == 0)
		cross_check(conf, &e, where);
	free(where);
	config_destroy(&cfg);
	if (e.count > 0) {
		conf_free(conf);
		return -1;
	}
	*out = conf;
	return 0;
}
