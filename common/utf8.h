/*
 * NAME
 *	utf8 - what a well-formed UTF-8 sequence is (RFC 3629)
 * DESCRIPTION
 *	utf8_seq() is the one definition the suite uses: addr.c (local parts
 *	and U-label domains, where it also refuses C1 controls) and relayctl's
 *	byte escaping (parse.c).
 */
#ifndef RELAY_UTF8_H
#define RELAY_UTF8_H

#include <stddef.h>

/*
 * utf8_seq - length of the well-formed sequence at p (n bytes there): 1
 * for ASCII, 2..4, or 0 for a malformed one, an overlong form, a
 * surrogate or a value past U+10FFFF. C1 controls (U+0080..U+009F, 0xc2
 * 0x80..0x9f) are well-formed: callers that refuse them say so.
 */
static inline size_t
utf8_seq(const unsigned char *p, size_t n)
{
	unsigned char	 lo = 0x80, hi = 0xbf;
	size_t		 need, i;

	if (n == 0)
		return 0;
	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		need = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		need = 3;
		lo = p[0] == 0xe0 ? 0xa0 : 0x80;	/* no overlong forms */
		hi = p[0] == 0xed ? 0x9f : 0xbf;	/* no surrogates */
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		need = 4;
		lo = p[0] == 0xf0 ? 0x90 : 0x80;
		hi = p[0] == 0xf4 ? 0x8f : 0xbf;	/* up to U+10FFFF */
	} else
		return 0;
	if (n < need || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < need; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return need;
}

/* utf8_is_c1 - the sequence at p (k bytes, from utf8_seq) is a C1 control */
static inline int
utf8_is_c1(const unsigned char *p, size_t k)
{
	return k == 2 && p[0] == 0xc2 && p[1] < 0xa0;
}

#endif
