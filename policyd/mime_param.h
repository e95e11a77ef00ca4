/*
 * NAME
 *	mime_param - RFC 2231 parameter values of a Content-Type (pure)
 * DESCRIPTION
 *	A parameter may come in sections (boundary*0="abc"; boundary*1=
 *	"def"), each of them possibly extended (boundary*=us-ascii''%3Dx,
 *	boundary*0*=...: a charset'language' prefix on section 0, %XX
 *	escapes in every extended section). mime_ctype_parse() gathers the
 *	sections of one parameter in a struct mime_2231, in any order, and
 *	mime_2231_value() puts them together.
 *
 *	mime_2231_attr() tells whether attr (an attribute as token() reads
 *	it: lower case) is "NAME*", "NAME*N" or "NAME*N*" for name: it
 *	returns the section N (0 for "NAME*"; at most MIME_2231_SECTIONS-1,
 *	no leading zero but in "0") and sets *ext for an extended one;
 *	-1 otherwise.
 *
 *	mime_2231_add() takes one section's value as read (quotes and
 *	quoted pairs undone) and decodes it when extended; a section seen
 *	twice keeps the first. mime_2231_value() fills out with the
 *	sections 0..N put together: 0, or -1 (out "") when there is none,
 *	a section is missing, one was malformed (a bad escape, no
 *	charset'language' prefix, a byte outside printable US-ASCII once
 *	decoded: no boundary nor report-type is anything else), or the
 *	whole is empty or too long for out.
 * SEE ALSO
 *	mime.h (mime_ctype_parse), RFC 2231 3, 4
 */
#ifndef RELAY_POLICYD_MIME_PARAM_H
#define RELAY_POLICYD_MIME_PARAM_H

#include <stddef.h>

#include "mime.h"

#define MIME_2231_SECTIONS	16

struct mime_2231 {
	unsigned	 have;		/* bit i: section i seen */
	int		 bad;		/* a section was malformed */
	char		 sec[MIME_2231_SECTIONS][MIME_BOUNDARY_MAX + 1];
};

int	 mime_2231_attr(const char *attr, const char *name, int *ext);
void	 mime_2231_add(struct mime_2231 *, int sec, int ext, const char *val);
int	 mime_2231_value(const struct mime_2231 *, char *out, size_t outlen);

#endif
