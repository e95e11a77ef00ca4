/*
 * NAME
 *	fuzz_netstring - libFuzzer harness for the socketmap codec
 * DESCRIPTION
 *	Frames the input as a stream of socketmap requests (sm_parse) and
 *	answers each lookup key the way the server would (sm_key_domain,
 *	sm_format), and abort()s when an invariant breaks:
 *
 *	- a result is one of the SM_* codes; *used is 0 unless SM_REQ, and
 *	  then it never exceeds the input and the request it framed is
 *	  "LEN:NAME KEY," with LEN the payload's length (NAME cut when too
 *	  long for one of ours);
 *	- every proper prefix of a request is SM_MORE or an error (never a
 *	  request); NAME holds no space and KEY is not empty;
 *	- a key's domain, when there is one, is a normalised domain that
 *	  normalises to itself; a formatted reply is a netstring whose
 *	  length prefix is right, and sm_parse of "LEN:OK VALUE," (as a
 *	  request) splits it at the first space.
 * SEE ALSO
 *	policyd/socketmap.c, tests/fuzz/replay.c, tests/fuzz/corpus/netstring/
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "socketmap.h"
#include "fuzz_check.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/*
 * check_framed - buf[0..used) is "LEN:NAME KEY," with LEN the payload's
 * length, KEY the request's key and NAME its name, or a name too long
 * for one of ours cut to sizeof(req->name) - 1
 */
static void
check_framed(const char *buf, size_t used, const struct sm_req *req)
{
	const char	*pl = memchr(buf, ':', used), *sp;
	size_t		 pn, nl = strlen(req->name), kl = strlen(req->key);

	check(pl != NULL);
	pl++;
	pn = used - (size_t)(pl - buf) - 1;
	check((size_t)snprintf(NULL, 0, "%zu", pn) == (size_t)(pl - buf) - 1);
	check((sp = memchr(pl, ' ', pn)) != NULL);
	check((size_t)(pl + pn - sp - 1) == kl && memcmp(sp + 1, req->key,
	    kl) == 0);
	check(memcmp(pl, req->name, nl) == 0);
	check((size_t)(sp - pl) == nl || (nl == sizeof(req->name) - 1 &&
	    (size_t)(sp - pl) > nl));
}

static void
check_answer(const struct sm_req *req)
{
	char	 dom[ADDR_BUFSIZE], again[ADDR_BUFSIZE], out[SM_MAX_REPLY + 16];
	struct sm_req *r2;
	size_t	 n, used;
	enum sm_map map = sm_map_of(req->name);

	if (map != SM_MAP_UNKNOWN && sm_key_domain(map, req->key, dom,
	    sizeof(dom)) == 0) {
		check(addr_domain_norm(dom, again, sizeof(again)) == ADDR_OK);
		check(strcmp(dom, again) == 0);
	}
	n = sm_format(out, sizeof(out), "OK", req->key);
	if (n == 0)
		return;
	check(n == strlen(out) && out[n - 1] == ',');
	r2 = malloc(sizeof(*r2));
	if (sm_parse(out, n, r2, &used) == SM_REQ) {
		check(used == n);
		check(strcmp(r2->name, "OK") == 0);
	}
	free(r2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	size_t	 len = size, used, i, used2;
	struct sm_req *req = malloc(sizeof(*req)), *tmp = malloc(sizeof(*tmp));
	int	 rc, rounds = 0;

	while (len > 0 && rounds++ < 1000) {
		rc = sm_parse(buf, len, req, &used);
		check(rc >= SM_ETOOLONG && rc <= SM_REQ);
		if (rc != SM_REQ) {
			check(used == 0);
			break;
		}
		check(used >= 5 && used <= len && buf[used - 1] == ',');
		check(strchr(req->name, ' ') == NULL && req->name[0] != '\0');
		check(req->key[0] != '\0');
		check_framed(buf, used, req);
		for (i = 0; i < used && used < 600; i++)
			check(sm_parse(buf, i, tmp, &used2) != SM_REQ);
		check_answer(req);
		buf += used;
		len -= used;
	}
	free(req);
	free(tmp);
	return 0;
}
