/*
 * NAME
 *	cmd_misc - relayctl conditions, config check, config show
 * DESCRIPTION
 *	conditions prints the one table of replies (common/conditions.c),
 *	for people or, with --json, for an HTTP API built on top. config
 *	check loads relay.conf with every check the programs make and lists
 *	each problem as FILE:LINE: key: why; config show prints every
 *	setting with its value, secrets masked.
 * SEE ALSO
 *	relayctl(8), relay.conf(5), common/conditions.h, common/conf.h
 */
#include <stdio.h>
#include <string.h>

#include "conditions.h"
#include "conf.h"
#include "conf_table.h"
#include "ctl.h"

int
cmd_conditions(struct ctl *c, int argc, char **argv)
{
	const struct cond *k;
	json_t		*a = json_array();
	int		 i;

	ctl_args(c, argc, argv, NULL, NULL, 0, 0, "conditions [--json]");
	for (i = 0; i < COND__COUNT; i++) {
		k = cond_get((enum cond_id)i);
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s, s:s, "
		    "s:s, s:b}", "code", k->json, "smtp", k->code, "dsn", k->dsn,
		    "text", k->text, "meaning", k->meaning, "who", k->who,
		    "temporary", cond_is_temporary(k->id)));
		if (!c->json)
			printf("%-22s %s %s  %-40s %s\n", k->json, k->code,
			    k->dsn, k->text, k->who);
	}
	return ctl_done(c, a);
}

/* lines_json - each line of text as a JSON string, also to stderr */
static json_t *
lines_json(char *text)
{
	json_t	*a = json_array();
	char	*line, *save = NULL;

	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		json_array_append_new(a, ctl_jstr(line));
		fprintf(stderr, "%s\n", ctl_tx(line));
	}
	return a;
}

/*
 * config_check - load, list every problem, and the warnings of a file
 * that loads (exit 0: a warning refuses nothing)
 */
static int
config_check(struct ctl *c)
{
	struct relay_conf *conf = NULL;
	char		 err[8192];
	json_t		*errs, *warns;
	int		 ok;

	err[0] = '\0';
	ok = conf_load(c->conf_path, &conf, err, sizeof(err)) == 0;
	errs = lines_json(err);
	if (ok)
		snprintf(err, sizeof(err), "%s", conf->warnings);
	else
		err[0] = '\0';
	conf_free(conf);
	warns = lines_json(err);
	if (!ok && json_array_size(errs) == 0)	/* never "ok": false alone */
		json_array_append_new(errs, json_string("relay.conf does not "
		    "load"));
	if (c->json)
		ctl_emit(c, json_pack("{s:o, s:b, s:o, s:o}", "path",
		    ctl_jstr(c->conf_path), "ok", ok, "errors", errs,
		    "warnings", warns));
	else {
		if (ok)
			printf("%s: ok%s\n", c->conf_path,
			    json_array_size(warns) > 0 ? ", with warnings" : "");
		json_decref(errs);
		json_decref(warns);
	}
	return ok ? CTL_EXIT_OK : CTL_EXIT_USER;
}

/* setting_json - one setting's value out of the loaded config */
static json_t *
setting_json(const struct relay_conf *conf, const struct conf_decl *d)
{
	const char	*base = (const char *)conf + d->offset;
	const struct conf_warming *w;
	json_t		*a;
	int		 i, n;

	switch (d->type) {
	case CONF_STRING:
		if (d->secret && *(char *const *)base && **(char *const *)base)
			return json_string("********");
		/* Any bytes: a path need not be UTF-8 (ctl_jstr: \xNN). */
		return ctl_jstr(*(char *const *)base ? *(char *const *)base :
		    "");
	case CONF_INT:
	case CONF_DURATION:
		return json_integer(*(const int *)base);
	case CONF_BOOL:
		return json_boolean(*(const int *)base);
	case CONF_PERCENT:
		return json_real(*(const double *)base);
	case CONF_STRLIST:
		a = json_array();
		n = *(const int *)((const char *)conf + d->offset2);
		for (i = 0; i < n; i++)
			json_array_append_new(a, ctl_jstr(
			    (*(char **const *)base)[i]));
		return a;
	case CONF_TIERS:
		w = (const struct conf_warming *)(const void *)base;
		a = json_array();
		for (i = 0; i < w->ntiers; i++)
			json_array_append_new(a, json_pack("{s:i, s:i, s:i}",
			    "days", w->tiers[i].days, "per_hour",
			    w->tiers[i].per_hour, "per_day", w->tiers[i].per_day));
		return a;
	}
	return json_null();
}

/* config_json - every setting as { section: { key: value } } */
static json_t *
config_json(const struct relay_conf *conf)
{
	json_t	*o = json_object(), *sec;
	size_t	 i;

	for (i = 0; i < conf_ndecls; i++) {
		if ((sec = json_object_get(o, conf_decls[i].section)) == NULL) {
			sec = json_object();
			json_object_set_new(o, conf_decls[i].section, sec);
		}
		json_object_set_new(sec, conf_decls[i].name,
		    setting_json(conf, &conf_decls[i]));
	}
	return o;
}

int
cmd_config(struct ctl *c, int argc, char **argv)
{
	struct relay_conf *conf = NULL;
	char		 err[8192];

	if (argc == 2 && strcmp(argv[1], "check") == 0) {
		c->cmd = "config check";
		return config_check(c);
	}
	if (argc == 2 && strcmp(argv[1], "show") == 0) {
		c->cmd = "config show";
		err[0] = '\0';
		if (conf_load(c->conf_path, &conf, err, sizeof(err)) != 0)
			ctl_conf_fail(c, err);
		if (c->json)
			ctl_emit(c, config_json(conf));
		else
			conf_dump(conf, stdout);
		conf_free(conf);
		return CTL_EXIT_OK;
	}
	ctl_user(c, "usage", argc > 1 ? argv[1] : NULL,
	    "config check | config show");
}
