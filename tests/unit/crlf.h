/*
 * NAME
 *	crlf - a test message with SMTP's line ends
 * DESCRIPTION
 *	crlf() gives a heap copy (the caller frees) of s[0..n) with every
 *	"\n" as "\r\n", NUL-terminated, its length in *outn: the report
 *	readers' tests run each case both ways. Include it after cmocka.h.
 * SEE ALSO
 *	tests/unit/test_arf.c, tests/unit/test_dsn.c
 */
#ifndef RELAY_TEST_CRLF_H
#define RELAY_TEST_CRLF_H

#include <stdlib.h>

static inline char *
crlf(const char *s, size_t n, size_t *outn)
{
	char	*o = malloc(2 * n + 1);
	size_t	 i, k = 0;

	assert_non_null(o);
	for (i = 0; i < n; i++) {
		if (s[i] == '\n')
			o[k++] = '\r';
		o[k++] = s[i];
	}
	o[k] = '\0';
	*outn = k;
	return o;
}

#endif /* RELAY_TEST_CRLF_H */
