/*
 * NAME
 *	conf_fixture - what test_conf and test_conf_values share: a temp dir
 *	for config files written by a test, loaders that must fail or must
 *	succeed, and readers of files of the source tree
 * DESCRIPTION
 *	fixture_begin() makes tmpdir (call it first), fixture_end() removes
 *	it and returns the run's status. Returned paths and error texts live
 *	until the next call of the same function (errbuf: the next load).
 */
#ifndef CONF_FIXTURE_H
#define CONF_FIXTURE_H

#include "conf.h"

extern char errbuf[8192];
extern char tmpdir[];

const char	*data(const char *);
const char	*load_bad(const char *);
void		 has(const char *, const char *);
const char	*put(const char *, const char *);
const char	*bad_text(const char *);
struct relay_conf *good_text(const char *);
/* load_case - text must load (err NULL: the config, to free) or fail
 * with err in its error text (NULL); name says which case failed */
struct relay_conf *load_case(const char *, const char *, const char *);
char		*slurp(const char *);
int		 fixture_begin(void);
int		 fixture_end(int);

#endif
