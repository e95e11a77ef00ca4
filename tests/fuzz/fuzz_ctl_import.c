/*
 * NAME
 *	fuzz_ctl_import - libFuzzer harness for relayctl's file and DNS parsers
 * DESCRIPTION
 *	The input is split at its first NUL-free newline-terminated lines;
 *	each line goes to parse_import_row (suppression import files come
 *	from members) and, as a TXT value, to parse_dkim_tag (DKIM records
 *	come from DNS). Invariants, abort()ed on:
 *
 *	- parse_import_row, with the options the first byte chooses
 *	  (--column 2, --column email, --reason complaint, none) and the
 *	  columns line 1 set, returns SKIP, OK, BAD or (with --column NAME
 *	  only, at line 1 only) FATAL, after which the input ends; OK gives
 *	  an address that lies inside the line buffer, is not empty and
 *	  holds no newline, and a reason from the fixed list (--reason's
 *	  when given); the time is never negative, and a row with one (a
 *	  suppress list line) has an address without white space but in a
 *	  quoted local part; BAD and
 *	  FATAL always say why;
 *	- a row refused as "unbalanced quote" is one parse_import_open
 *	  says ends inside a quoted field (relayctl then reads on);
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

/* one_line - every invariant for one line; 0 when the input ends */
static int
one_line(struct parse_import *im, const char *src, size_t len,
    unsigned long lineno)
{
	char		*line = xstrndup(src, len), *copy = xstrndup(src, len);
	const char	*addr = NULL, *reason = NULL, *why = NULL;
	long long	 at = -1;
	char		 tag[16];
	size_t		 i, n = strlen(line);
	int		 k, hit;

	k = parse_import_row(im, line, lineno, &addr, &reason, &at, &why);
	check(k == PARSE_ROW_SKIP || k == PARSE_ROW_OK || k == PARSE_ROW_BAD ||
	    (k == PARSE_ROW_FATAL && lineno == 1 && im->name[0] != '\0'));
	check(at >= 0);
	if (k == PARSE_ROW_OK) {
		check(addr >= line && addr < line + n + 1 && *addr != '\0');
		check(strchr(addr, '\n') == NULL);
		check(at == 0 || strpbrk(addr, " \t") == NULL ||
		    strchr(addr, '"') != NULL);
		for (hit = 0, i = 0; i < PARSE_NREASONS; i++)
			hit |= strcmp(reason, parse_reasons[i]) == 0;
		check(hit);
		check(im->reason == NULL || strcmp(reason, im->reason) == 0);
	}
	if (k == PARSE_ROW_BAD || k == PARSE_ROW_FATAL)
		check(why != NULL && *why != '\0');
	/* a quote the row reader would have kept open is the only cause */
	if (k == PARSE_ROW_BAD && strcmp(why, "unbalanced quote") == 0)
		check(parse_import_open(copy, lineno == 1) == 1);
	check(im->addr_col >= 0 && im->addr_col < PARSE_IMPORT_COLS);
	check(im->reason_col >= -1 && im->reason_col < PARSE_IMPORT_COLS);
	if (parse_dkim_tag(copy, "p", tag, sizeof(tag)) == 0) {
		check(strlen(tag) < sizeof(tag));
		for (i = 0; tag[i]; i++)
			check(!isspace((unsigned char)tag[i]));
	}
	free(line);
	free(copy);
	return k != PARSE_ROW_FATAL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const cols[] = { NULL, "2", "email", NULL };
	struct parse_import im;
	const char	*p = (const char *)data, *end = p + size, *nl, *why;
	unsigned long	 lineno = 0;
	unsigned	 opt = size > 0 ? data[0] : 0;

	check(parse_import_init(&im, cols[opt & 3], opt & 4 ? "complaint" :
	    NULL, &why) == 0);
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!one_line(&im, p, nl ? (size_t)(nl - p + 1) :
		    (size_t)(end - p), ++lineno))
			break;
		p = nl ? nl + 1 : end;
	}
	return 0;
}
