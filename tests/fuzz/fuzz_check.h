/*
 * NAME
 *	fuzz_check - the checks the fuzz harnesses share
 * DESCRIPTION
 *	check() aborts unless its argument holds: a finding under
 *	libFuzzer, a failed test under replay.c. check_str() checks a
 *	parser's string field: NUL-terminated within its buffer, no
 *	control character but tab; it gives the string's length.
 * SEE ALSO
 *	tests/fuzz/local.mk, tests/fuzz/replay.c
 */
#ifndef RELAY_FUZZ_CHECK_H
#define RELAY_FUZZ_CHECK_H

#include <stdlib.h>
#include <string.h>

static inline void
check(int ok)
{
	if (!ok)
		abort();
}

static inline size_t
check_str(const char *s, size_t size)
{
	const char	*nul = memchr(s, '\0', size);
	size_t		 i, n;

	check(nul != NULL);
	n = (size_t)(nul - s);
	for (i = 0; i < n; i++)
		check(((unsigned char)s[i] >= ' ' || s[i] == '\t') &&
		    s[i] != 0x7f);
	return n;
}

#endif /* RELAY_FUZZ_CHECK_H */
