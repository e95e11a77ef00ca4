/*
 * NAME
 *	fuzz_from - libFuzzer harness for relay-milter's From: parser
 * DESCRIPTION
 *	Feeds arbitrary bytes (NULs included: from_parse takes a length) to
 *	from_parse and abort()s when an invariant breaks:
 *	- the result is FROM_OK or a FROM_E* code with a sentence;
 *	- FROM_OK means exactly one mailbox, an address that addr_norm
 *	  leaves as it is, and the domain that is its domain part;
 *	- any error leaves both strings empty (nothing half-parsed leaks);
 *	- a comment in front of the value changes nothing.
 * SEE ALSO
 *	milter/from.c, tests/fuzz/replay.c, tests/fuzz/corpus/from/
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "from.h"
#include "xalloc.h"
#include "fuzz_check.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char pre[] = "(c) ";
	struct from_result r, r2;
	char	 again[ADDR_BUFSIZE], *buf;
	int	 e, e2;

	e = from_parse((const char *)data, size, &r);
	check(e <= FROM_OK && e >= FROM_EGROUP);
	check(from_strerror(e) != NULL);
	if (e == FROM_OK) {
		check(r.naddr == 1);
		check(addr_norm(r.addr, again, sizeof(again)) == ADDR_OK);
		check(strcmp(again, r.addr) == 0);
		check(strcmp(addr_domain_of(r.addr), r.domain) == 0);
	} else {
		check(r.addr[0] == '\0' && r.domain[0] == '\0');
	}
	if (size + sizeof(pre) <= FROM_VALUE_MAX) {
		buf = xmalloc(size + sizeof(pre));
		memcpy(buf, pre, sizeof(pre) - 1);
		memcpy(buf + sizeof(pre) - 1, data, size);
		e2 = from_parse(buf, size + sizeof(pre) - 1, &r2);
		check(e2 == e);
		check(strcmp(r.addr, r2.addr) == 0);
		free(buf);
	}
	return 0;
}
