/*
 * NAME
 *	fuzz_arf - libFuzzer harness for the complaint report reader
 * DESCRIPTION
 *	relay-unsub reads whatever mail reaches the complaint address with
 *	arf_parse(). The input is given in a heap buffer of exactly its
 *	size (a read past the end is the address sanitizer's), twice, and
 *	once more with a short why buffer. Invariants, abort()ed on:
 *
 *	- the answer is 0 or -1; -1 has a sentence in why, have_original 0
 *	  and the original's fields empty; 0 has have_original 1 and an
 *	  empty why; a short why buffer holds a prefix of the sentence;
 *	- every string is NUL-terminated within its array, and holds no
 *	  control character;
 *	- is_arf is 0 or 1, and the report's own fields are set only in an
 *	  ARF report; feedback_type is lower case;
 *	- original_rcpt and to are normalised (addr_norm gives them back);
 *	- message_id is "<...>" without white space, unsub_mailto has an
 *	  "@" and no white space, unsub_https is printable ASCII that
 *	  begins with "https://";
 *	- the same input gives the same struct (no state, no uninitialised
 *	  byte in a field).
 * SEE ALSO
 *	policyd/arf.c, policyd/mime.c, tests/fuzz/replay.c, corpus/arf/
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "arf.h"
#include "fuzz_check.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* check_addr - "" or a normalised address */
static void
check_addr(const char *s)
{
	char	 again[ADDR_BUFSIZE];

	if (s[0] == '\0')
		return;
	check(addr_norm(s, again, sizeof(again)) == ADDR_OK);
	check(strcmp(again, s) == 0);
}

/* check_fields - the invariants of one answer */
static void
check_fields(int rc, const struct arf *a, const char *why, size_t whylen)
{
	size_t	 n, i;

	check(rc == 0 || rc == -1);
	n = check_str(why, whylen);
	check(rc == 0 ? n == 0 : n > 0);
	check(a->is_arf == 0 || a->is_arf == 1);
	check(a->have_original == (rc == 0));
	n = check_str(a->feedback_type, sizeof(a->feedback_type));
	check(n == 0 || a->is_arf);
	for (i = 0; i < n; i++)
		check(!(a->feedback_type[i] >= 'A' &&
		    a->feedback_type[i] <= 'Z') && a->feedback_type[i] != ' ');
	check(check_str(a->original_rcpt, sizeof(a->original_rcpt)) == 0 ||
	    a->is_arf);
	check_addr(a->original_rcpt);
	n = check_str(a->message_id, sizeof(a->message_id));
	check(n == 0 || (n >= 3 && n <= ARF_MSGID_MAX &&
	    a->message_id[0] == '<' && a->message_id[n - 1] == '>' &&
	    strpbrk(a->message_id, " \t") == NULL));
	check_str(a->to, sizeof(a->to));
	check_addr(a->to);
	n = check_str(a->unsub_mailto, sizeof(a->unsub_mailto));
	check(n == 0 || (strchr(a->unsub_mailto, '@') != NULL &&
	    strpbrk(a->unsub_mailto, " \t") == NULL));
	n = check_str(a->unsub_https, sizeof(a->unsub_https));
	check(n == 0 || strncasecmp(a->unsub_https, "https://", 8) == 0);
	for (i = 0; i < n; i++)
		check((unsigned char)a->unsub_https[i] > ' ' &&
		    (unsigned char)a->unsub_https[i] < 0x7f);
	if (rc != 0)
		check(n == 0 && a->message_id[0] == '\0' && a->to[0] == '\0' &&
		    a->unsub_mailto[0] == '\0');
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arf	*a, *b;
	char		*buf, why[256], why2[256], shortwhy[8];
	int		 rc, rc2;

	buf = malloc(size > 0 ? size : 1);
	a = malloc(sizeof(*a));
	b = malloc(sizeof(*b));
	check(buf != NULL && a != NULL && b != NULL);
	memcpy(buf, data, size);
	memset(a, 0x5a, sizeof(*a));
	memset(b, 0xa5, sizeof(*b));
	memset(why, 0x5a, sizeof(why));
	rc = arf_parse(buf, size, a, why, sizeof(why));
	check_fields(rc, a, why, sizeof(why));

	rc2 = arf_parse(buf, size, b, why2, sizeof(why2));
	check(rc2 == rc && strcmp(why, why2) == 0);
	check(memcmp(a, b, sizeof(*a)) == 0);

	memset(shortwhy, 0x5a, sizeof(shortwhy));
	rc2 = arf_parse(buf, size, b, shortwhy, sizeof(shortwhy));
	check(rc2 == rc && memchr(shortwhy, '\0', sizeof(shortwhy)) != NULL);
	check(strncmp(shortwhy, why, strlen(shortwhy)) == 0);
	free(buf);
	free(a);
	free(b);
	return 0;
}
