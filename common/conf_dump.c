/*
 * NAME
 *	conf_dump - print a loaded relay.conf back in libconfig syntax
 * DESCRIPTION
 *	Every setting of conf_table.c with the value in force, defaults
 *	included, secrets masked: what `relayctl config show` prints.
 * SEE ALSO
 *	conf.h, conf_table.c
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "conf_table.h"

/* dump_string - a libconfig string literal */
static void
dump_string(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(fp, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(fp, "\\x%02x", (unsigned char)*s);
		else
			fputc(*s, fp);
	}
	fputc('"', fp);
}

void
conf_dump(const struct relay_conf *conf, FILE *fp)
{
	struct relay_conf *c = (struct relay_conf *)conf;
	const char	*section = NULL;
	size_t		 i;
	int		 j;

	fprintf(fp, "# relay.conf as read from %s\n", conf->path);
	for (i = 0; i < conf_ndecls; i++) {
		const struct conf_decl *d = &conf_decls[i];

		if (section == NULL || strcmp(section, d->section) != 0) {
			if (section != NULL)
				fprintf(fp, "};\n");
			section = d->section;
			fprintf(fp, "%s = {\n", section);
		}
		fprintf(fp, "  %s = ", d->name);
		switch (d->type) {
		case CONF_STRING: {
			const char *v = *(char **)conf_field(c, d->offset);

			dump_string(fp, d->secret && *v ? "********" : v);
			break;
		}
		case CONF_INT:
		case CONF_DURATION:
			fprintf(fp, "%d", *(int *)conf_field(c, d->offset));
			break;
		case CONF_BOOL:
			fprintf(fp, "%s", *(int *)conf_field(c, d->offset) ?
			    "true" : "false");
			break;
		case CONF_PERCENT:
			fprintf(fp, "%.4g", *(double *)conf_field(c, d->offset));
			if (*(double *)conf_field(c, d->offset) ==
			    floor(*(double *)conf_field(c, d->offset)))
				fprintf(fp, ".0");
			break;
		case CONF_STRLIST: {
			char **l = *(char ***)conf_field(c, d->offset);

			fprintf(fp, "[ ");
			for (j = 0; l[j] != NULL; j++) {
				fprintf(fp, j ? ", " : "");
				dump_string(fp, l[j]);
			}
			fprintf(fp, " ]");
			break;
		}
		case CONF_TIERS:
			fprintf(fp, "(");
			for (j = 0; j < c->warming.ntiers; j++)
				fprintf(fp, "%s\n    { days = %d; per_hour = %d; "
				    "per_day = %d; }", j ? "," : "",
				    c->warming.tiers[j].days,
				    c->warming.tiers[j].per_hour,
				    c->warming.tiers[j].per_day);
			fprintf(fp, " )");
			break;
		}
		fprintf(fp, ";\n");
	}
	if (section != NULL)
		fprintf(fp, "};\n");
}
