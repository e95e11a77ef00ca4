/*
 * NAME
 *	dns - TXT and MX lookups through a private res_state
 * DESCRIPTION
 *	glibc's res_state holds an IPv4 name server in nsaddr_list[i]; an
 *	IPv6 one is a sockaddr_in6 that _u._ext.nsaddrs[i] points to, with
 *	nsaddr_list[i].sin_family 0, as res_ninit() itself sets up a server
 *	from resolv.conf (glibc checks for a state so changed by the
 *	program, and res_nclose() frees those pointers). dns.nameserver is
 *	either; conf_check made it canonical. A truncated UDP answer is
 *	retried over TCP by libresolv itself (long DKIM keys).
 * SEE ALSO
 *	dns.h, shared notes section 5 (libresolv against unbound)
 */
#include <sys/types.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <resolv.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "xalloc.h"

struct dns {
	struct __res_state	 st;
};

/*
 * one_server - the state's only name server: host (an IPv4 or IPv6
 * address) and port. 0, or -1 when host is no address.
 */
static int
one_server(struct __res_state *st, const char *host, int port)
{
	struct in_addr		 a;
	struct in6_addr		 a6;
	struct sockaddr_in6	*s6;
	int			 i, v6;

	if (inet_pton(AF_INET, host, &a) == 1)
		v6 = 0;
	else if (inet_pton(AF_INET6, host, &a6) == 1)
		v6 = 1;
	else
		return -1;
	/* res_nclose() frees only the first nscount: the others go now */
	for (i = 1; i < MAXNS; i++) {
		free(st->_u._ext.nsaddrs[i]);
		st->_u._ext.nsaddrs[i] = NULL;
	}
	st->nscount = 1;
	memset(&st->nsaddr_list[0], 0, sizeof(st->nsaddr_list[0]));
	if (!v6) {
		st->nsaddr_list[0].sin_family = AF_INET;
		st->nsaddr_list[0].sin_port = htons((uint16_t)port);
		st->nsaddr_list[0].sin_addr = a;
		return 0;
	}
	/* sin_family 0: the address is the one nsaddrs[0] points to */
	if ((s6 = st->_u._ext.nsaddrs[0]) == NULL)
		s6 = st->_u._ext.nsaddrs[0] = xmalloc(sizeof(*s6));
	memset(s6, 0, sizeof(*s6));
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons((uint16_t)port);
	s6->sin6_addr = a6;
	return 0;
}

struct dns *
dns_new(const struct conf_dns *cf, const char **why)
{
	struct dns	*d = xcalloc(1, sizeof(*d));
	int		 secs;

	if (res_ninit(&d->st) != 0) {
		*why = "cannot initialise the resolver";
		free(d);
		return NULL;
	}
	if (cf->nameserver != NULL && cf->nameserver[0] != '\0' &&
	    one_server(&d->st, cf->nameserver, cf->port) < 0) {
		*why = "dns.nameserver is not an IPv4 or IPv6 address";
		res_nclose(&d->st);
		free(d);
		return NULL;
	}
	d->st.options &= ~(unsigned long)(RES_DNSRCH | RES_DEFNAMES);
	secs = (cf->timeout_ms + 999) / 1000;
	d->st.retrans = secs > 0 ? secs : 1;
	d->st.retry = 2;
	return d;
}

void
dns_free(struct dns *d)
{
	if (d == NULL)
		return;
	res_nclose(&d->st);
	free(d);
}

/*
 * query - the records of type at name, each as one string. res_nsend,
 * not res_nquery: res_nquery keeps no answer for NXDOMAIN, and the
 * CNAME a delegated name was given before its target vanished is in
 * exactly that answer. Returns the rcode (-1 for no answer).
 */
static int
query(struct dns *d, const char *name, ns_type type, struct dns_txt *out)
{
	unsigned char	 q[NS_PACKETSZ], ans[65536];
	int		 n;

	memset(out, 0, sizeof(*out));
	out->status = DNS_ETEMP;
	if ((n = res_nmkquery(&d->st, ns_o_query, name, ns_c_in, type, NULL,
	    0, NULL, q, sizeof(q))) < 0 ||
	    (n = res_nsend(&d->st, q, n, ans, sizeof(ans))) < 0)
		return -1;
	return dns_parse(ans, (size_t)n, type, out);
}

/*
 * lookup - query, and follow a CNAME the answer did not: an
 * authoritative server answers a CNAME into another zone with the CNAME
 * alone (a recursive one follows it; its NOERROR with a CNAME and no
 * records means the target has none, which one more query confirms).
 * At most DNS_MAX_HOPS aliases; a loop ends there as DNS_NONE.
 */
#define DNS_MAX_HOPS	8

static void
lookup(struct dns *d, const char *name, ns_type type, struct dns_txt *out)
{
	struct dns_txt	 next;
	int		 rcode, hops;

	rcode = query(d, name, type, out);
	for (hops = 0; rcode == ns_r_noerror && out->status == DNS_NONE &&
	    out->cname != NULL && hops < DNS_MAX_HOPS; hops++) {
		rcode = query(d, out->cname, type, &next);
		if (next.status == DNS_ETEMP) {
			dns_txt_free(&next);
			dns_txt_free(out);
			out->status = DNS_ETEMP;
			return;
		}
		if (next.cname == NULL) {	/* the chain ends there */
			next.cname = out->cname;
			out->cname = NULL;
		}
		dns_txt_free(out);
		*out = next;
	}
}

void
dns_txt(struct dns *d, const char *name, struct dns_txt *out)
{
	lookup(d, name, ns_t_txt, out);
}

void
dns_mx(struct dns *d, const char *name, struct dns_txt *out)
{
	lookup(d, name, ns_t_mx, out);
}

void
dns_lookup(struct dns *d, const char *name, int type, struct dns_txt *out)
{
	lookup(d, name, (ns_type)type, out);
}
