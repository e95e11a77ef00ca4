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

/* join - the character-strings of one TXT rdata, concatenated */
static char *
join(const unsigned char *rd, size_t len, size_t *nstrings)
{
	char	*out = xmalloc(len + 1);
	size_t	 i = 0, o = 0, k, j;

	*nstrings = 0;
	while (i < len) {
		k = rd[i++];
		if (k > len - i)
			k = len - i;
		for (j = 0; j < k; j++)	/* a NUL would cut the C string */
			out[o++] = rd[i + j] ? (char)rd[i + j] : '?';
		i += k;
		(*nstrings)++;
	}
	out[o] = '\0';
	return out;
}

/* exchange - the host name of one MX rdata, lower case, no trailing dot */
static char *
exchange(const ns_msg *m, const ns_rr *rr)
{
	char	 host[NS_MAXDNAME];
	size_t	 i, n;

	if (ns_rr_rdlen(*rr) < 3 || ns_name_uncompress(ns_msg_base(*m),
	    ns_msg_end(*m), ns_rr_rdata(*rr) + 2, host, sizeof(host)) < 0)
		return NULL;
	n = strlen(host);
	if (n > 0 && host[n - 1] == '.')
		host[--n] = '\0';
	for (i = 0; i < n; i++)
		if (host[i] >= 'A' && host[i] <= 'Z')
			host[i] = (char)(host[i] - 'A' + 'a');
	return xstrdup(host);
}

/* query - the TXT or MX records at name, each as one string */
static void
query(struct dns *d, const char *name, ns_type type, struct dns_txt *out)
{
	unsigned char	 ans[65536];
	ns_msg		 m;
	ns_rr		 rr;
	char		*v;
	int		 n, i, cnt;

	memset(out, 0, sizeof(*out));
	n = res_nquery(&d->st, name, ns_c_in, type, ans, sizeof(ans));
	if (n < 0) {
		out->status = d->st.res_h_errno == HOST_NOT_FOUND ||
		    d->st.res_h_errno == NO_DATA ? DNS_NONE : DNS_ETEMP;
		return;
	}
	if (ns_initparse(ans, n, &m) < 0) {
		out->status = DNS_ETEMP;
		return;
	}
	cnt = ns_msg_count(m, ns_s_an);
	for (i = 0; i < cnt && out->nrr < DNS_MAX_RR; i++) {
		if (ns_parserr(&m, ns_s_an, i, &rr) < 0) {
			dns_txt_free(out);
			out->status = DNS_ETEMP;
			return;
		}
		if (ns_rr_type(rr) != type || ns_rr_class(rr) != ns_c_in)
			continue;
		if (type == ns_t_txt)
			v = join(ns_rr_rdata(rr), ns_rr_rdlen(rr),
			    &out->nstrings[out->nrr]);
		else if ((v = exchange(&m, &rr)) == NULL) {
			dns_txt_free(out);
			out->status = DNS_ETEMP;
			return;
		}
		out->rr[out->nrr++] = v;
	}
	out->status = out->nrr > 0 ? DNS_FOUND : DNS_NONE;
}

void
dns_txt(struct dns *d, const char *name, struct dns_txt *out)
{
	query(d, name, ns_t_txt, out);
}

void
dns_mx(struct dns *d, const char *name, struct dns_txt *out)
{
	query(d, name, ns_t_mx, out);
}

void
dns_txt_free(struct dns_txt *t)
{
	size_t	 i;

	for (i = 0; i < t->nrr; i++)
		free(t->rr[i]);
	t->nrr = 0;
}
