/*
 * NAME
 *	xalloc - memory allocation that does not return on exhaustion
 * DESCRIPTION
 *	As in Postfix, Redis and OpenSMTPD: running out of memory is not a
 *	condition the programs can answer sensibly, so these abort with a
 *	message instead of returning NULL. Everything they return is freed
 *	with free(3).
 */
#ifndef RELAY_XALLOC_H
#define RELAY_XALLOC_H

#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
char	*xasprintf(const char *, ...) __attribute__((format(printf, 1, 2)));

#endif
