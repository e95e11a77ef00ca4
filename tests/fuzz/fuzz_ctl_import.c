/*
 * NAME
 *	fuzz_ctl_import - libFuzzer harness for relayctl's file and DNS parsers
 * DESCRIPTION
 *	The input is split at its first NUL-free newline-terminated lines;
 *	each line goes to parse_import_row (suppression import files come
 *	from members) and, as a TXT value, to parse_dkim_tag (DKIM records
 *	come from DNS). Invariants, abort()ed on:
 *
 *	- parse_import_row returns SKIP, OK or BAD; OK gives an address that
 *	  lies inside the line buffer, is not empty and holds no newline, and
 *	  a reason from the fixed list; the time is never negative, and a
 *	  row with one (a suppress list line) has an address without white
 *	  space; BAD always says why;
 *	- parse_dkim_tag writes a NUL-terminated value without white space
 *	  that fits the buffer, and refuses when it would not fit.
 * SEE ALSO
 *	contrib/relayctl/parse.c, tests/fuzz/replay.c, corpus/ctl_import/
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "xalloc.h"
#include "fuzz_check.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* one_line - every invariant for one line */
static void
one_line(const char *src, size_t len, unsigned long lineno)
{
	char		*line = xstrndup(src, len), *copy = xstrndup(src, len);
	const char	*addr = NULL, *reason = NULL, *why = NULL;
	long long	 at = -1;
	char		 tag[16];
	size_t		 i, n = strlen(line);
	int		 k, hit;

	k = parse_import_row(line, lineno, &addr, &reason, &at, &why);
	check(k == PARSE_ROW_SKIP || k == PARSE_ROW_OK || k == PARSE_ROW_BAD);
	check(at >= 0);
	if (k == PARSE_ROW_OK) {
		check(addr >= line && addr < line + n + 1 && *addr != '\0');
		check(strchr(addr, '\n') == NULL);
		check(at == 0 || strpbrk(addr, " \t") == NULL);
		for (hit = 0, i = 0; i < PARSE_NREASONS; i++)
			hit |= strcmp(reason, parse_reasons[i]) == 0;
		check(hit);
	}
	if (k == PARSE_ROW_BAD)
		check(why != NULL && *why != '\0');
	if (parse_dkim_tag(copy, "p", tag, sizeof(tag)) == 0) {
		check(strlen(tag) < sizeof(tag));
		for (i = 0; tag[i]; i++)
			check(!isspace((unsigned char)tag[i]));
	}
	free(line);
	free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*p = (const char *)data, *end = p + size, *nl;
	unsigned long	 lineno = 0;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		one_line(p, nl ? (size_t)(nl - p + 1) : (size_t)(end - p),
		    ++lineno);
		p = nl ? nl + 1 : end;
	}
	return 0;
}
