/*
 * NAME
 *	conf_table - the declaration of every relay.conf setting
 * DESCRIPTION
 *	One row per setting: section, name, type, default, bounds, where it
 *	lives in struct relay_conf, one line of documentation. conf.c reads
 *	files with it, conf_dump() prints it, and the tests check that the
 *	example file and relay.conf(5) name every row.
 */
#ifndef RELAY_CONF_TABLE_H
#define RELAY_CONF_TABLE_H

#include <stddef.h>

enum conf_type {
	CONF_STRING,		/* char * */
	CONF_INT,		/* int, bounds min..max */
	CONF_BOOL,		/* int 0/1 */
	CONF_DURATION,		/* int seconds: 90, "90s", "15m", "24h", "14d" */
	CONF_PERCENT,		/* double, bounds min..max (within 0..100) */
	CONF_STRLIST,		/* char ** + int count (at offset2) */
	CONF_TIERS		/* struct conf_warming tiers + ntiers */
};

struct conf_decl {
	const char	*section;
	const char	*name;
	enum conf_type	 type;
	const char	*def_str;	/* CONF_STRING, CONF_STRLIST (comma list) */
	double		 def_num;	/* numeric types */
	double		 min, max;
	size_t		 offset;	/* field in struct relay_conf */
	size_t		 offset2;	/* CONF_STRLIST count */
	int		 secret;	/* masked by conf_dump */
	const char	*doc;
};

extern const struct conf_decl conf_decls[];
extern const size_t conf_ndecls;

/* conf_field - the address of a declaration's field in a config */
static inline void *
conf_field(struct relay_conf *conf, size_t offset)
{
	return (char *)conf + offset;
}

/* The default warming schedule: full rate at day 14. */
extern const struct conf_tier_default {
	int days, per_hour, per_day;
} conf_default_tiers[];
extern const size_t conf_default_ntiers;

#endif
