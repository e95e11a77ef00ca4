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
#include <sys/stat.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libconfig.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf_priv.h"
#include "xalloc.h"

void
conf__errs_at(struct conf_errs *e, const char *file, unsigned lineno,
    const char *key, const char *fmt, ...)
{
	char		 why[512], line[1024];
	va_list		 ap;
	int		 n;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (lineno > 0)
		n = snprintf(line, sizeof(line), "%s:%u: %s: %s\n", file, lineno,
		    key, why);
	else
		n = snprintf(line, sizeof(line), "%s: %s: %s\n", file, key, why);
	e->count++;
	if (e->buf == NULL || e->len == 0 || n < 0)
		return;
	if ((size_t)n >= sizeof(line))		/* cut: a long file name */
		n = (int)sizeof(line) - 1;
	if (e->used + (size_t)n >= e->len)
		n = (int)(e->len - e->used - 1);
	memcpy(e->buf + e->used, line, (size_t)n);
	e->used += (size_t)n;
	e->buf[e->used] = '\0';
}

const char *
conf__src_path(const struct conf_errs *e, const char *name, char *buf,
    size_t len)
{
	if (name == NULL)
		return e->path;
	if (strcmp(name, e->path) == 0 || name[0] == '/' || e->incdir == NULL ||
	    strcmp(e->incdir, ".") == 0)
		return name;
	snprintf(buf, len, "%s%s%s", e->incdir,
	    e->incdir[strlen(e->incdir) - 1] == '/' ? "" : "/", name);
	return buf;
}

void
conf__errs_add(struct conf_errs *e, const config_setting_t *s, const char *key,
    const char *fmt, ...)
{
	char		 why[512], buf[PATH_MAX];
	const char	*file = e->path;
	unsigned	 line = 0;
	va_list		 ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (s != NULL && config_setting_source_file(s) != NULL)
		file = conf__src_path(e, config_setting_source_file(s), buf,
		    sizeof(buf));
	if (s != NULL)
		line = config_setting_source_line(s);
	conf__errs_at(e, file, line, key, "%s", why);
}

#define errs_add	conf__errs_add
#define find_decl	conf__find_decl

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
	conf->warnings = xstrdup("");
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
	free(conf->warnings);
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

const struct conf_decl *
conf__find_decl(const char *section, const char *name)
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
 * parse_duration - "90", "90s", "15m", "24h", "14d", "2w" into seconds:
 * digits and at most one unit letter, nothing else (no sign, space,
 * fraction, exponent or hex). Returns 0, or -1 for a malformed value.
 */
static int
parse_duration(const char *s, double *out)
{
	static const char units[] = "smhdw";
	static const double secs[] = { 1, 60, 3600, 86400, 7 * 86400 };
	const char	*u;
	double		 v = 0;
	size_t		 n;

	for (n = 0; isdigit((unsigned char)s[n]); n++)
		if ((v = v * 10 + (s[n] - '0')) > 1e15)
			return -1;
	if (n == 0)
		return -1;
	if (s[n] != '\0') {
		if (s[n + 1] != '\0' || (u = strchr(units, s[n])) == NULL)
			return -1;
		v *= secs[u - units];
	}
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
check_range(struct conf_errs *e, const config_setting_t *s, const char *key,
    const struct conf_decl *d, double v)
{
	if (v < d->min || v > d->max) {
		errs_add(e, s, key, "must be between %.10g and %.10g (got %.10g)",
		    d->min, d->max, v);
		return -1;
	}
	return 0;
}

/*
 * int_value - the integer s holds, as written in the file. libconfig 1.5
 * wraps a plain literal above 32 bits (4294967296 reads as 0), so the
 * literal is read again (conf_lit.c); one that does not fit is refused.
 * Returns 0 with *out, or -1 when reported.
 */
static int
int_value(struct conf_errs *e, const config_setting_t *s, const char *key,
    double min, double max, long long *out)
{
	const struct conf_lit *lit;
	char		 buf[PATH_MAX];
	long long	 v = config_setting_get_int64(s);

	lit = conf__lits_find(e->lits, config_setting_source_file(s) == NULL ?
	    NULL : conf__src_path(e, config_setting_source_file(s), buf,
	    sizeof(buf)), config_setting_source_line(s),
	    config_setting_name(s), v);
	if (lit != NULL && lit->bad) {
		errs_add(e, s, key, "%s is out of range (%.10g..%.10g)",
		    lit->text, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

/* set_strlist - an array, list or single string into a string list */
static void
set_strlist(struct relay_conf *conf, struct conf_errs *e,
    const config_setting_t *s, const char *key, const struct conf_decl *d)
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
		if (n > d->max) {
			errs_add(e, s, key, "at most %.0f entries (got %d)",
			    d->max, n);
			return;
		}
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
tier_int(struct conf_errs *e, const config_setting_t *g, const char *key,
    int idx, const char *name, int lo)
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
	if (int_value(e, m, k, lo, 1000000000, &v) < 0)
		return -1;
	if (v < lo || v > 1000000000) {
		errs_add(e, m, k, "must be between %d and 1000000000 (got %lld)",
		    lo, v);
		return -1;
	}
	return (int)v;
}

/* set_tiers - warming.tiers: a list of { days; per_hour; per_day; } */
static void
set_tiers(struct relay_conf *conf, struct conf_errs *e,
    const config_setting_t *s, const char *key)
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
set_value(struct relay_conf *conf, struct conf_errs *e, const config_setting_t *s,
    const struct conf_decl *d)
{
	char		 key[128];
	double		 v;
	long long	 iv;

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
		if (int_value(e, s, key, d->min, d->max, &iv) < 0)
			return;
		if (check_range(e, s, key, d, (double)iv) == 0)
			*(int *)conf_field(conf, d->offset) = (int)iv;
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
		if (is_int(s)) {
			if (int_value(e, s, key, d->min, d->max, &iv) < 0)
				return;
			v = (double)iv;
		} else if (config_setting_type(s) != CONFIG_TYPE_STRING ||
		    parse_duration(config_setting_get_string(s), &v) < 0) {
			errs_add(e, s, key, "expected a duration: seconds, or a "
			    "string such as \"90s\", \"15m\", \"24h\", \"14d\"");
			return;
		}
		if (check_range(e, s, key, d, v) == 0)
			*(int *)conf_field(conf, d->offset) = (int)v;
		return;
	case CONF_PERCENT:
		if (is_int(s)) {
			if (int_value(e, s, key, d->min, d->max, &iv) < 0)
				return;
			v = (double)iv;
		} else if (config_setting_type(s) == CONFIG_TYPE_FLOAT)
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
walk(struct relay_conf *conf, struct conf_errs *e, const config_setting_t *root,
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

/* io_errno - why path cannot be read, found again: libconfig's errno is stale */
static int
io_errno(const char *path)
{
	struct stat	 st;
	char		 c;
	int		 fd, err = 0;

	if ((fd = open(path, O_RDONLY)) < 0)
		return errno;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode))
		err = EISDIR;
	else if (read(fd, &c, 1) < 0)
		err = errno;
	close(fd);
	return err ? err : EIO;
}

/*
 * include_error - "FILE:LINE: @include: cannot open "PATH": why" for the
 * @include at file:line that libconfig could not open (it names neither).
 */
static void
include_error(struct conf_errs *e, const char *file, unsigned line)
{
	char	 text[1024] = "", name[PATH_MAX] = "", buf[PATH_MAX];
	char	*p, *q;
	unsigned n = 0;
	FILE	*fp;

	if ((fp = fopen(file, "r")) != NULL) {
		while (n < line && fgets(text, sizeof(text), fp) != NULL)
			if (strchr(text, '\n') != NULL || feof(fp))
				n++;
		fclose(fp);
	}
	if (n == line && (p = strstr(text, "@include")) != NULL &&
	    (p = strchr(p, '"')) != NULL && (q = strchr(p + 1, '"')) != NULL)
		snprintf(name, sizeof(name), "%.*s", (int)(q - p - 1), p + 1);
	if (name[0] == '\0') {
		conf__errs_at(e, file, line, "@include", "cannot open the file");
		return;
	}
	p = (char *)conf__src_path(e, name, buf, sizeof(buf));
	conf__errs_at(e, file, line, "@include", "cannot open \"%s\": %s", p,
	    strerror(io_errno(p)));
}

/* read_file - libconfig reads path (includes from its directory); 0 or -1 */
static int
read_file(config_t *cfg, struct conf_errs *e)
{
	char		 buf[PATH_MAX];
	const char	*file;
	int		 kind;

	config_set_include_dir(cfg, e->incdir);
	if ((kind = conf__file_kind(e->path)) == EISDIR) {
		conf__errs_at(e, e->path, 0, "file", "cannot read: %s",
		    strerror(EISDIR));
		return -1;
	}
	if (kind == -1) {
		conf__errs_at(e, e->path, 0, "file", "not a regular file");
		return -1;
	}
	if (conf__includes_check(e->lits, e, e->path, 1) < 0)
		return -1;
	if (config_read_file(cfg, e->path) == CONFIG_TRUE)
		return 0;
	if (config_error_type(cfg) == CONFIG_ERR_FILE_IO) {
		conf__errs_at(e, e->path, 0, "file", "cannot read: %s",
		    strerror(io_errno(e->path)));
		return -1;
	}
	file = conf__src_path(e, config_error_file(cfg), buf, sizeof(buf));
	if (config_error_text(cfg) != NULL &&
	    strcmp(config_error_text(cfg), "cannot open include file") == 0)
		include_error(e, file, (unsigned)config_error_line(cfg));
	else
		conf__errs_at(e, file, (unsigned)config_error_line(cfg), "syntax",
		    "%s", config_error_text(cfg));
	return -1;
}

/* advise - conf->warnings: what conf__advise finds in a config that loaded */
static void
advise(struct relay_conf *conf, const struct conf_errs *e,
    const config_setting_t **where)
{
	struct conf_errs w = *e;
	char		 buf[4096];

	buf[0] = '\0';
	w.buf = buf;
	w.len = sizeof(buf);
	w.used = 0;
	w.count = 0;
	conf__advise(conf, &w, where);
	free(conf->warnings);
	conf->warnings = xstrdup(buf);
}

int
conf_load(const char *path, struct relay_conf **out, char *errbuf,
    size_t errlen)
{
	const config_setting_t **where;
	struct relay_conf *conf;
	struct conf_errs e;
	config_t	 cfg;
	char		*dir, *slash;
	int		 rc;

	*out = NULL;
	if (errbuf != NULL && errlen > 0)
		errbuf[0] = '\0';
	memset(&e, 0, sizeof(e));
	e.buf = errbuf;
	e.len = errlen;
	e.path = path;
	/* @include "x" is relative to the main file, not the cwd. */
	dir = xstrdup(strchr(path, '/') != NULL ? path : ".");
	if ((slash = strrchr(dir, '/')) != NULL)
		slash[slash == dir] = '\0';
	e.incdir = dir;
	e.lits = conf__lits_new();
	config_init(&cfg);
	if (read_file(&cfg, &e) < 0) {
		config_destroy(&cfg);
		conf__lits_free(e.lits);
		free(dir);
		return -1;
	}
	conf = conf_defaults();
	free(conf->path);
	conf->path = xstrdup(path);
	where = xcalloc(conf_ndecls, sizeof(*where));
	walk(conf, &e, config_root_setting(&cfg), where);
	if (e.count == 0)
		conf__cross_check(conf, &e, where);
	rc = e.count > 0 ? -1 : 0;
	if (rc == 0)
		advise(conf, &e, where);
	free(where);
	config_destroy(&cfg);
	conf__lits_free(e.lits);
	free(dir);
	if (rc < 0) {
		conf_free(conf);
		return -1;
	}
	*out = conf;
	return 0;
}
