/*
 * NAME
 *	dns_parse - the records of one DNS answer, for dns.c
 * DESCRIPTION
 *	Pure: the bytes a name server sent, in; the TXT, MX, PTR, A or AAAA
 *	records of the answer section and the end of its CNAME chain, out.
 *	Network input: every length is checked against the message
 *	(libresolv's ns_initparse/ns_parserr/ns_name_uncompress), fuzzed by
 *	tests/fuzz/fuzz_dns.c.
 * SEE ALSO
 *	dns.h, dns.c
 */
#include <sys/types.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <resolv.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "xalloc.h"

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

/* lower_name - the domain name at rd, lower case, no trailing dot */
static char *
lower_name(const ns_msg *m, const unsigned char *rd)
{
	char	 host[NS_MAXDNAME];
	size_t	 i, n;

	if (ns_name_uncompress(ns_msg_base(*m), ns_msg_end(*m), rd, host,
	    sizeof(host)) < 0)
		return NULL;
	n = strlen(host);
	if (n > 0 && host[n - 1] == '.')
		host[--n] = '\0';
	for (i = 0; i < n; i++)
		if (host[i] >= 'A' && host[i] <= 'Z')
			host[i] = (char)(host[i] - 'A' + 'a');
	return xstrdup(host);
}

/*
 * rdata - one record of the type asked as a string: TXT joined, MX's
 * exchange and PTR's name as lower_name() gives them, A and AAAA in
 * inet_ntop()'s form; NULL when it is damaged
 */
static char *
rdata(const ns_msg *m, const ns_rr *rr, int type, size_t *nstrings)
{
	char	 a[INET6_ADDRSTRLEN];
	size_t	 len = ns_rr_rdlen(*rr);

	switch (type) {
	case ns_t_txt:
		return join(ns_rr_rdata(*rr), len, nstrings);
	case ns_t_mx:
		return len < 3 ? NULL : lower_name(m, ns_rr_rdata(*rr) + 2);
	case ns_t_ptr:
		return len < 1 ? NULL : lower_name(m, ns_rr_rdata(*rr));
	case ns_t_a:
	case ns_t_aaaa:
		if (len != (type == ns_t_a ? 4u : 16u) || inet_ntop(type ==
		    ns_t_a ? AF_INET : AF_INET6, ns_rr_rdata(*rr), a,
		    sizeof(a)) == NULL)
			return NULL;
		return xstrdup(a);
	default:
		return NULL;
	}
}

int
dns_parse(const unsigned char *ans, size_t n, int type, struct dns_txt *out)
{
	ns_msg		 m;
	ns_rr		 rr;
	char		*v;
	int		 i, cnt, rcode;

	memset(out, 0, sizeof(*out));
	out->status = DNS_ETEMP;
	if (n > 65535 || ns_initparse(ans, (int)n, &m) < 0)
		return -1;
	rcode = ns_msg_getflag(m, ns_f_rcode);
	if (rcode != ns_r_noerror && rcode != ns_r_nxdomain)
		return rcode;		/* SERVFAIL, REFUSED: could not tell */
	cnt = ns_msg_count(m, ns_s_an);
	/* all of them: an apex may hold dozens (site verifications) */
	out->rr = xcalloc((size_t)cnt + 1, sizeof(*out->rr));
	out->nstrings = xcalloc((size_t)cnt + 1, sizeof(*out->nstrings));
	for (i = 0; i < cnt; i++) {
		if (ns_parserr(&m, ns_s_an, i, &rr) < 0)
			goto bad;
		if (ns_rr_class(rr) != ns_c_in)
			continue;
		if (ns_rr_type(rr) == ns_t_cname) {
			if ((v = lower_name(&m, ns_rr_rdata(rr))) == NULL)
				goto bad;
			free(out->cname);	/* the chain's last counts */
			out->cname = v;
			continue;
		}
		if ((int)ns_rr_type(rr) != type || rcode != ns_r_noerror)
			continue;
		v = rdata(&m, &rr, type, &out->nstrings[out->nrr]);
		if (v == NULL)
			goto bad;
		out->rr[out->nrr++] = v;
	}
	out->status = out->nrr > 0 ? DNS_FOUND : DNS_NONE;
	return rcode;
bad:
	dns_txt_free(out);
	out->status = DNS_ETEMP;
	return -1;
}

void
dns_txt_free(struct dns_txt *t)
{
	size_t	 i;

	for (i = 0; i < t->nrr; i++)
		free(t->rr[i]);
	free(t->rr);
	free(t->nstrings);
	t->rr = NULL;
	t->nstrings = NULL;
	t->nrr = 0;
	free(t->cname);
	t->cname = NULL;
}
