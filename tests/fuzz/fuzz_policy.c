/*
 * NAME
 *	fuzz_policy - libFuzzer harness for the policy request parser
 * DESCRIPTION
 *	The first input byte picks the limits, the rest is what a client
 *	sent. Frames it the way policyd_server.c does (parse; on an error
 *	with no end in sight, skip to the end of the bad request) until
 *	the input is used up, and abort()s when an invariant breaks:
 *
 *	- a result is one of the POLPROTO_* codes, and *used never exceeds
 *	  the bytes given; MORE consumes nothing; a REQ consumes something
 *	  that ends with an empty line (LF, or CRLF);
 *	- a REQ has request=smtpd_access_policy, nattrs within max_attrs,
 *	  and every attribute it names lies within its own copy;
 *	- a REQ is still a REQ when parsed alone, and every proper prefix
 *	  of it is MORE or an error (never a different request);
 *	- polproto_skip consumes at most what it was given.
 * SEE ALSO
 *	policyd/policyd_proto.c, tests/fuzz/replay.c, tests/fuzz/corpus/policy/
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policyd_proto.h"
#include "fuzz_check.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_req(const struct polreq *req, const char *buf, size_t used,
    const struct polproto_limits *lim)
{
	size_t	 i, rawlen = used;
	struct polreq again;
	size_t	 used2;

	/* its empty line: "\n", or "\r\n" (a CRLF request) */
	check(used >= 2 && buf[used - 1] == '\n' && (buf[used - 2] == '\n' ||
	    (used >= 3 && buf[used - 2] == '\r' && buf[used - 3] == '\n')));
	check(req->raw != NULL && req->nattrs >= 1 && req->nattrs <= lim->max_attrs);
	check(req->attr[POLREQ_REQUEST] != NULL &&
	    strcmp(req->attr[POLREQ_REQUEST], "smtpd_access_policy") == 0);
	for (i = 0; i < POLREQ__COUNT; i++)
		if (req->attr[i] != NULL)
			check(req->attr[i] >= req->raw &&
			    req->attr[i] < req->raw + rawlen);
	check(polproto_parse(buf, used, lim, &again, &used2) == POLPROTO_REQ);
	check(used2 == used);
	polreq_free(&again);
	if (used < 512) {
		for (i = 0; i < used; i++) {
			int rc = polproto_parse(buf, i, lim, &again, &used2);

			check(rc != POLPROTO_REQ);
			check(used2 <= i);
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct polproto_limits lim = { 2048, 100, 16384 };
	const char *buf;
	size_t	 len, used, n;
	int	 rc, nl, done, rounds = 0;
	struct polreq req;

	if (size == 0)
		return 0;
	switch (data[0] % 3) {
	case 1:
		lim.max_line = 16;
		lim.max_attrs = 3;
		lim.max_request = 64;
		break;
	case 2:
		lim.max_line = 256;
		lim.max_attrs = 10;
		lim.max_request = 1024;
		break;
	}
	buf = (const char *)data + 1;
	len = size - 1;
	while (len > 0 && rounds++ < 10000) {
		rc = polproto_parse(buf, len, &lim, &req, &used);
		check(rc >= POLPROTO_ESYNTAX && rc <= POLPROTO_REQ);
		check(used <= len);
		if (rc == POLPROTO_MORE) {
			check(used == 0);
			break;
		}
		if (rc == POLPROTO_REQ) {
			check_req(&req, buf, used, &lim);
			polreq_free(&req);
		} else if (used == 0) {
			nl = 1;
			n = polproto_skip(buf, len, &nl, &done);
			check(n <= len && (done || n == len));
			used = n;
		}
		if (used == 0)
			break;
		buf += used;
		len -= used;
	}
	return 0;
}
