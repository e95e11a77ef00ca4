/*
 * NAME
 *	fuzz_addr - libFuzzer harness for the address and domain parser
 * DESCRIPTION
 *	Feeds arbitrary bytes, as a C string (an embedded NUL just ends it
 *	early), to addr_norm, addr_split, addr_domain_norm and
 *	addr_domain_within, and abort()s when an invariant breaks:
 *
 *	- every return is 0 or an ADDR_E* code, never ADDR_ESPACE with a
 *	  buffer of ADDR_BUFSIZE, and a failure leaves an empty string;
 *	- a result is within the length limits, holds no upper-case ASCII,
 *	  no control octet, and a domain only LDH octets and dots;
 *	- a result normalises to itself (the canonical form is a fixed
 *	  point), its domain part too; the input in upper case, padded
 *	  (domains), in angle brackets (addresses) or normalised in place
 *	  gives the same result;
 *	- addr_split agrees with addr_norm, and a buffer one octet short
 *	  gives ADDR_ESPACE without writing past its end;
 *	- addr_domain_within agrees with a plain reference definition.
 * SEE ALSO
 *	common/addr.c, tests/fuzz/replay.c, tests/fuzz/corpus/addr/
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "xalloc.h"
#include "fuzz_check.h"

#define FUZZ_GUARD	16		/* octets checked past a buffer's end */

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* check - abort on a broken invariant; the fuzzer reports the input */
/* valid_rc - 1 for 0 and every ADDR_E* code */
static int
valid_rc(int rc)
{
	return rc <= ADDR_OK && rc >= ADDR_ESPACE;
}

/* upper_ascii - copy of s with ASCII letters in upper case */
static char *
upper_ascii(const char *s)
{
	char	*u = xstrdup(s), *p;

	for (p = u; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
	return u;
}

/* within_ref - addr_domain_within written the obvious way */
static int
within_ref(const char *d, const char *p)
{
	size_t	 dl = strlen(d), pl = strlen(p);

	if (dl == 0 || pl == 0 || dl < pl || strcmp(d + dl - pl, p) != 0)
		return 0;
	return dl == pl || d[dl - pl - 1] == '.';
}

/* check_domain_shape - a normalised domain as addr.h promises it */
static void
check_domain_shape(const char *d)
{
	size_t	 len = strlen(d), label = 0, labels = 1, i;

	check(len > 0 && len <= ADDR_DOMAIN_MAX);
	for (i = 0; i < len; i++) {
		char	c = d[i];

		if (c == '.') {
			check(label > 0);
			labels++;
			label = 0;
			continue;
		}
		check((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-');
		check(++label <= ADDR_LABEL_MAX);
	}
	check(label > 0 && labels >= 2);
}

/* check_bounded - with outlen k, the result fits or is ESPACE; no overrun */
static void
check_bounded(const char *in, const char *full, int domain)
{
	char	 buf[ADDR_BUFSIZE + FUZZ_GUARD];
	size_t	 len = strlen(full), k, i;
	int	 rc;

	for (k = len; k <= len + 1; k++) {
		memset(buf, 0x5a, sizeof(buf));
		rc = domain ? addr_domain_norm(in, buf, k) :
		    addr_norm(in, buf, k);
		if (k > len)
			check(rc == ADDR_OK && strcmp(buf, full) == 0);
		else
			check(rc == ADDR_ESPACE && (k == 0 || buf[0] == '\0'));
		for (i = k; i < sizeof(buf); i++)
			check(buf[i] == 0x5a);
	}
}

/* fuzz_domain - addr_domain_norm and its invariants */
static void
fuzz_domain(const char *s)
{
	char	 out[ADDR_BUFSIZE], again[ADDR_BUFSIZE], *tmp;
	int	 rc, rc2;

	rc = addr_domain_norm(s, out, sizeof(out));
	check(valid_rc(rc) && rc != ADDR_ESPACE);
	check(addr_strerror(rc) != NULL);
	tmp = upper_ascii(s);
	rc2 = addr_domain_norm(tmp, again, sizeof(again));
	free(tmp);
	check(rc2 == rc && (rc != ADDR_OK || strcmp(again, out) == 0));
	tmp = xasprintf(" \t%s \r\n", s);
	rc2 = addr_domain_norm(tmp, again, sizeof(again));
	free(tmp);
	check(rc2 == rc && (rc != ADDR_OK || strcmp(again, out) == 0));
	if (rc != ADDR_OK) {
		check(out[0] == '\0');
		return;
	}
	check_domain_shape(out);
	check(addr_domain_norm(out, again, sizeof(again)) == ADDR_OK);
	check(strcmp(again, out) == 0);
	/* In place: the input buffer is also the output buffer. */
	if (strlen(s) < sizeof(again)) {
		memcpy(again, s, strlen(s) + 1);
		check(addr_domain_norm(again, again, sizeof(again)) ==
		    ADDR_OK && strcmp(again, out) == 0);
	}
	tmp = xasprintf("%s.", out);
	check(addr_domain_norm(tmp, again, sizeof(again)) == ADDR_OK);
	check(strcmp(again, out) == 0);
	free(tmp);
	check(addr_domain_within(out, out) == 1);
	check_bounded(s, out, 1);
}

/* fuzz_address - addr_norm, addr_split and their invariants */
static void
fuzz_address(const char *s)
{
	char		 out[ADDR_BUFSIZE], again[ADDR_BUFSIZE];
	char		 local[ADDR_BUFSIZE], domain[ADDR_BUFSIZE], *tmp;
	const char	*dom, *p;
	int		 rc, rc2;

	rc = addr_norm(s, out, sizeof(out));
	check(valid_rc(rc) && rc != ADDR_ESPACE);
	check(addr_strerror(rc) != NULL);
	rc2 = addr_split(s, local, sizeof(local), domain, sizeof(domain));
	check(rc2 == rc);
	tmp = upper_ascii(s);
	rc2 = addr_norm(tmp, again, sizeof(again));
	free(tmp);
	check(rc2 == rc && (rc != ADDR_OK || strcmp(again, out) == 0));
	if (s[0] != '<') {
		tmp = xasprintf("<%s>", s);
		rc2 = addr_norm(tmp, again, sizeof(again));
		free(tmp);
		check(rc2 == rc && (rc != ADDR_OK || strcmp(again, out) == 0));
	}
	if (rc != ADDR_OK) {
		check(out[0] == '\0' && local[0] == '\0' && domain[0] == '\0');
		return;
	}
	check(strlen(out) <= ADDR_MAX);
	for (p = out; *p; p++)
		check((unsigned char)*p >= 0x20 && *p != 0x7f &&
		    !(*p >= 'A' && *p <= 'Z'));
	check(addr_norm(out, again, sizeof(again)) == ADDR_OK);
	check(strcmp(again, out) == 0);
	if (strlen(s) < sizeof(again)) {
		memcpy(again, s, strlen(s) + 1);
		check(addr_norm(again, again, sizeof(again)) == ADDR_OK &&
		    strcmp(again, out) == 0);
	}

	/* addr_split gives the two halves of the same canonical form. */
	check(strlen(local) >= 1 && strlen(local) <= ADDR_LOCAL_MAX);
	check(strncmp(out, local, strlen(local)) == 0);
	check(out[strlen(local)] == '@');
	dom = addr_domain_of(out);
	check(dom == out + strlen(local) + 1);
	check(strcmp(dom, domain) == 0);
	check_domain_shape(domain);
	check(addr_domain_norm(domain, again, sizeof(again)) == ADDR_OK);
	check(strcmp(again, domain) == 0);
	check(addr_split(s, local, strlen(local), NULL, 0) == ADDR_ESPACE);
	check(addr_split(s, NULL, 0, domain, strlen(domain)) == ADDR_ESPACE);
	check_bounded(s, out, 0);
}

/* fuzz_within - addr_domain_within against the reference */
static void
fuzz_within(const char *s)
{
	char	*a, *b, *cut;
	char	 na[ADDR_BUFSIZE], nb[ADDR_BUFSIZE];

	/* The first ' ' or ',' splits the input into a domain and a parent. */
	a = xstrdup(s);
	cut = a + strcspn(a, " ,");
	b = *cut ? cut + 1 : cut;
	*cut = '\0';
	check(addr_domain_within(a, b) == within_ref(a, b));
	check(addr_domain_within(a, a) == (*a != '\0'));
	if (addr_domain_norm(a, na, sizeof(na)) == ADDR_OK &&
	    addr_domain_norm(b, nb, sizeof(nb)) == ADDR_OK) {
		check(addr_domain_within(na, nb) == within_ref(na, nb));
		if (addr_domain_within(na, nb) && addr_domain_within(nb, na))
			check(strcmp(na, nb) == 0);
	}
	free(a);
}

/*
 * fuzz_path - addr_path: no surrounding white space left, never longer
 * than its input; a normalisable address stays the same address in the
 * path spellings Postfix accepts (brackets, spaces, a source route)
 */
static void
fuzz_path(const char *s)
{
	char	 path[4096], out[ADDR_BUFSIZE], again[ADDR_BUFSIZE], *tmp;
	size_t	 n;
	int	 rc;

	rc = addr_path(s, path, sizeof(path));
	check(valid_rc(rc));
	if (rc != ADDR_OK) {
		check(path[0] == '\0');
		return;
	}
	n = strlen(path);
	check(n <= strlen(s));
	check(n == 0 || (path[0] != ' ' && path[n - 1] != ' '));
	if (addr_norm(s, out, sizeof(out)) != ADDR_OK)
		return;
	/* s was an address: as a path, with a route and spaces, the same */
	check(addr_norm(path, again, sizeof(again)) == ADDR_OK &&
	    strcmp(again, out) == 0);
	tmp = xasprintf("< @r.example,@[192.0.2.1]:%s >", s[0] == '<' ?
	    "x@y.example" : s);
	if (s[0] != '<') {
		check(addr_path(tmp, path, sizeof(path)) == ADDR_OK &&
		    addr_norm(path, again, sizeof(again)) == ADDR_OK &&
		    strcmp(again, out) == 0);
	}
	free(tmp);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*s;

	s = xmalloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	fuzz_domain(s);
	fuzz_address(s);
	fuzz_path(s);
	fuzz_within(s);
	free(s);
	return 0;
}
