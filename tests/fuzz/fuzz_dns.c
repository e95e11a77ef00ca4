/*
 * NAME
 *	fuzz_dns - libFuzzer harness for the DNS answers relayctl reads
 * DESCRIPTION
 *	The input's first byte picks the query type (its value modulo 5:
 *	TXT, MX, PTR, A, AAAA; the seeds of the first corpus used 0 and 1);
 *	the rest is the answer a name server sent, given to dns_parse().
 *	Invariants, abort()ed on:
 *
 *	- the rcode is -1 or 0..15; the status is DNS_FOUND exactly when
 *	  there are records, which only a NOERROR answer has; DNS_ETEMP
 *	  has none and no CNAME;
 *	- each record is a C string no longer than the answer; a TXT
 *	  record made of k character-strings is at most the answer's
 *	  length minus k; an MX or PTR host and the CNAME target are lower
 *	  case, with no trailing dot; an A or AAAA record is an address of
 *	  its family, as inet_pton() reads it;
 *	- dns_txt_free() leaves nothing behind (the leak checker).
 * SEE ALSO
 *	common/dns_parse.c, tests/fuzz/replay.c, corpus/dns/
 */
#include <sys/types.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "fuzz_check.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* host_ok - lower case, no trailing dot, shorter than the answer */
static void
host_ok(const char *h, size_t n)
{
	size_t	 l = strlen(h), i;

	check(l == 0 || h[l - 1] != '.' || (l >= 2 && h[l - 2] == '\\'));
	for (i = 0; i < l; i++)
		check(h[i] < 'A' || h[i] > 'Z');
	check(l <= NS_MAXDNAME);
	(void)n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int types[] = { ns_t_txt, ns_t_mx, ns_t_ptr, ns_t_a,
	    ns_t_aaaa };
	struct dns_txt	 t;
	unsigned char	 a[16];
	int		 type, rcode;
	size_t		 i;

	if (size < 1)
		return 0;
	type = types[data[0] % 5];
	rcode = dns_parse(data + 1, size - 1, type, &t);
	check(rcode >= -1 && rcode <= 15);
	check((t.status == DNS_FOUND) == (t.nrr > 0));
	if (t.nrr > 0)
		check(rcode == ns_r_noerror);
	if (t.status == DNS_ETEMP)
		check(t.nrr == 0 && t.cname == NULL);
	else
		check(rcode == ns_r_noerror || rcode == ns_r_nxdomain);
	for (i = 0; i < t.nrr; i++) {
		check(t.rr[i] != NULL);
		if (type == ns_t_txt)
			check(strlen(t.rr[i]) + t.nstrings[i] <= size - 1);
		else if (type == ns_t_a || type == ns_t_aaaa)
			check(inet_pton(type == ns_t_a ? AF_INET : AF_INET6,
			    t.rr[i], a) == 1);
		else
			host_ok(t.rr[i], size - 1);
	}
	if (t.cname != NULL)
		host_ok(t.cname, size - 1);
	dns_txt_free(&t);
	check(t.nrr == 0 && t.rr == NULL && t.cname == NULL);
	return 0;
}
