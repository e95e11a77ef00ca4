/*
 * NAME
 *	fuzz_metrics_http - libFuzzer harness for the /metrics request head
 * DESCRIPTION
 *	Whatever connects to a daemon's metrics listener (loopback only)
 *	sends bytes that metrics_http_judge() reads as they arrive. The
 *	input is given as is, in a buffer of exactly its size (no NUL after
 *	it: a read past the end is the address sanitizer's), and then each
 *	of its prefixes, as a slow client delivers it. Invariants, abort()ed
 *	on:
 *
 *	- the answer is METRICS_HTTP_NEED or one of 200, 400, 404, 405, 431;
 *	- NEED only while the input is shorter than the limit, and 431
 *	  only when it is not;
 *	- once a prefix has an answer, every longer prefix has the same one
 *	  (the head ended; what follows it changes nothing);
 *	- 200 only for a GET or HEAD of /metrics (a query string aside),
 *	  and metrics_http_is_head() only for a HEAD.
 * SEE ALSO
 *	common/metrics_http.c, tests/fuzz/replay.c, corpus/metrics_http/
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "metrics_http.h"
#include "fuzz_check.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*buf;
	size_t	 max, i;
	int	 r, first = METRICS_HTTP_NEED;

	if (size < 1 || size > 4096)
		return 0;
	max = 1 + data[0] % 200;	/* small limits reach 431 too */
	for (i = 1; i <= size - 1; i++) {
		buf = malloc(i);
		check(buf != NULL);
		memcpy(buf, data + 1, i);
		r = metrics_http_judge(buf, i, max);
		free(buf);
		check(r == METRICS_HTTP_NEED || r == 200 || r == 400 ||
		    r == 404 || r == 405 || r == 431);
		check(r != METRICS_HTTP_NEED || i < max);
		check(r != 431 || i >= max);
		if (first != METRICS_HTTP_NEED && first != 431)
			check(r == first);
		if (r == 200)
			check((i >= 14 &&
			    memcmp(data + 1, "GET /metrics", 12) == 0) ||
			    (i >= 15 &&
			    memcmp(data + 1, "HEAD /metrics", 13) == 0));
		if (metrics_http_is_head((const char *)data + 1, i))
			check(i >= 5 && memcmp(data + 1, "HEAD ", 5) == 0);
		if (first == METRICS_HTTP_NEED)
			first = r;
	}
	return 0;
}
