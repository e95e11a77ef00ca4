/*
 * NAME
 *	conf_priv - what conf.c, conf_check.c and conf_lit.c share
 * DESCRIPTION
 *	Not for other modules: the error list of one conf_load() call, the
 *	cross-field checks, and the integer literals read again from the
 *	source files (libconfig 1.5 wraps a plain literal above 32 bits).
 * SEE ALSO
 *	conf.h, conf.c, conf_check.c, conf_lit.c
 */
#ifndef RELAY_CONF_PRIV_H
#define RELAY_CONF_PRIV_H

#include <libconfig.h>
#include <stddef.h>

#include "conf.h"
#include "conf_table.h"

struct conf_lits;

/* Problems found so far, appended to the caller's buffer. */
struct conf_errs {
	char		*buf;
	size_t		 len, used;
	int		 count;
	const char	*path;		/* the main file, as given */
	const char	*incdir;	/* its directory: @include is relative to it */
	struct conf_lits *lits;
};

/* conf__errs_at - one "FILE:LINE: key: why" line; line 0: no line */
void	 conf__errs_at(struct conf_errs *, const char *file, unsigned line,
	    const char *key, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));
/* conf__errs_add - the same at setting s (NULL: the main file, no line) */
void	 conf__errs_add(struct conf_errs *, const config_setting_t *s,
	    const char *key, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));
/*
 * conf__src_path - the file a name from libconfig (a setting's or an
 * error's source file) stands for: libconfig keeps an @include name as
 * written, relative to incdir. Returns buf or name.
 */
const char *conf__src_path(const struct conf_errs *, const char *name,
	    char *buf, size_t len);
/* conf__find_decl - the declaration for section.name (name NULL: any) */
const struct conf_decl *conf__find_decl(const char *section, const char *name);
/* conf__cross_check - rules on single values and on several settings */
void	 conf__cross_check(struct relay_conf *, struct conf_errs *,
	    const config_setting_t **where);
/* conf__advise - valid settings that are probably wrong, as warnings in w */
void	 conf__advise(const struct relay_conf *, struct conf_errs *w,
	    const config_setting_t **where);
/*
 * conf__milter_every_address - 1 when a milter.socket spec (inet: or
 * inet6:) has no host, or the wildcard address in any spelling after
 * the @ (listen_milter): libmilter then listens on every address of the
 * host
 */
int	 conf__milter_every_address(const char *spec);

/* One integer literal as written in a file. */
struct conf_lit {
	const char	*text;		/* as written, e.g. "4294967296" */
	long long	 value;
	int		 bad;		/* outside 32 bits without L, or 64 */
};

struct conf_lits *conf__lits_new(void);
void	 conf__lits_free(struct conf_lits *);	/* NULL is a no-op */
/*
 * conf__lits_find - the literal "name = VALUE" at file:line that a setting
 * read as libval came from (each literal is found once, in file order);
 * NULL when there is none or the file cannot be read. The result lives
 * as long as lits.
 */
const struct conf_lit *conf__lits_find(struct conf_lits *, const char *file,
	    unsigned line, const char *name, long long libval);

/* conf__file_kind - 0 a regular file (or none), EISDIR a directory, -1 else */
int	 conf__file_kind(const char *path);

/* libconfig 1.5's deepest @include */
#define CONF_INCLUDE_DEPTH	10
/*
 * conf__includes_check - every @include of file, and of the regular files
 * those name (to CONF_INCLUDE_DEPTH), names no directory, by a path
 * relative to incdir: 0, or -1 with each that does reported at its
 * FILE:LINE
 */
int	 conf__includes_check(struct conf_lits *, struct conf_errs *,
	    const char *file, int depth);

#endif
