/*
 * NAME
 *	listen - relay-policyd's listen specs: parsed, and checked as a
 *	whole; relay-milter's milter.socket checked
 * DESCRIPTION
 *	Pure: binds nothing. conf_load() checks policyd.listen and
 *	policyd.socketmap with listen_check(), so relayctl config check, a
 *	reload and the start of relay-policyd refuse the same settings, and
 *	relay-policyd binds what listen_parse() made of them.
 * SEE ALSO
 *	listen.h, conf_check.c, policyd/policyd_listen.c
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "listen.h"

static int
parse_unix(const char *path, struct listen_addr *a, char *err, size_t errlen)
{
	struct sockaddr_un *sun = (struct sockaddr_un *)&a->ss;

	if (strlen(path) >= sizeof(sun->sun_path) || path[0] != '/') {
		snprintf(err, errlen, "unix:%s: not an absolute path that fits "
		    "a socket address (%zu bytes)", path,
		    sizeof(sun->sun_path) - 1);
		return -1;
	}
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, path, strlen(path) + 1);
	a->len = sizeof(*sun);
	return 0;
}

/* parse_port - 1..65535, digits only */
static int
parse_port(const char *s)
{
	long	 port = 0;

	if (*s == '\0' || strlen(s) > 5 || strspn(s, "0123456789") != strlen(s))
		return -1;
	port = strtol(s, NULL, 10);
	return port >= 1 && port <= 65535 ? (int)port : -1;
}

static int
parse_inet(const char *hostport, struct listen_addr *a, char *err, size_t errlen)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&a->ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a->ss;
	const char *colon = strrchr(hostport, ':');
	char	 host[128];
	size_t	 hl;
	int	 port;

	if (colon == NULL || colon == hostport ||
	    (size_t)(colon - hostport) >= sizeof(host)) {
		snprintf(err, errlen, "inet:%s: expected inet:HOST:PORT", hostport);
		return -1;
	}
	hl = (size_t)(colon - hostport);
	memcpy(host, hostport, hl);
	host[hl] = '\0';
	if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
		memmove(host, host + 1, hl - 2);
		host[hl - 2] = '\0';
	}
	if ((port = parse_port(colon + 1)) < 0) {
		snprintf(err, errlen, "inet:%s: PORT must be 1-65535", hostport);
		return -1;
	}
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((unsigned short)port);
		a->len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((unsigned short)port);
		a->len = sizeof(*sin6);
	} else {
		snprintf(err, errlen, "inet:%s: HOST must be a numeric IPv4 or "
		    "IPv6 address (e.g. 127.0.0.1 or [::1]); names are not "
		    "resolved", hostport);
		return -1;
	}
	return 0;
}

int
listen_parse(const char *spec, struct listen_addr *a, char *err, size_t errlen)
{
	memset(a, 0, sizeof(*a));
	if (strncmp(spec, "unix:", 5) == 0)
		return parse_unix(spec + 5, a, err, errlen);
	if (strncmp(spec, "inet:", 5) == 0)
		return parse_inet(spec + 5, a, err, errlen);
	snprintf(err, errlen, "%s: expected unix:/path or inet:HOST:PORT", spec);
	return -1;
}

/* milter_bad - why a milter spec cannot be opened (NULL: its syntax) */
static int
milter_bad(const char *spec, const char *why, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s (got \"%s\")", why != NULL ? why :
	    "expected unix:/path, inet:PORT@HOST or inet6:PORT@HOST", spec);
	return -1;
}

int
listen_milter(const char *spec, int *every, char *err, size_t errlen)
{
	static const unsigned char zero[16];
	unsigned char	 a[16];
	const char	*p, *at;
	char		 host[INET6_ADDRSTRLEN + 1], *end = NULL;
	size_t		 hl;
	long		 port;
	int		 v6, br;

	*every = 0;
	if (strncmp(spec, "unix:", 5) == 0 || strncmp(spec, "local:", 6) == 0)
		return strchr(spec, '/') != NULL ? 0 :
		    milter_bad(spec, NULL, err, errlen);
	if ((v6 = strncmp(spec, "inet6:", 6) == 0) == 0 &&
	    strncmp(spec, "inet:", 5) != 0)
		return milter_bad(spec, NULL, err, errlen);
	p = spec + (v6 ? 6 : 5);
	port = *p >= '0' && *p <= '9' ? strtol(p, &end, 10) : 0;
	if (port < 1 || port > 65535 || (*end != '\0' && *end != '@'))
		return milter_bad(spec, NULL, err, errlen);
	if (*end == '\0') {
		*every = 1;
		return 0;
	}
	at = end + 1;
	hl = strlen(at);
	br = hl >= 2 && at[0] == '[' && at[hl - 1] == ']';
	if (hl == 0 || (!br && strpbrk(at, "[]") != NULL))
		return milter_bad(spec, NULL, err, errlen);
	if (br) {
		at++;
		hl -= 2;
	}
	if (hl >= sizeof(host))		/* a name: libmilter resolves it */
		return br ? milter_bad(spec, NULL, err, errlen) : 0;
	memcpy(host, at, hl);
	host[hl] = '\0';
	if (inet_pton(AF_INET, host, a) == 1) {
		if (v6)
			return milter_bad(spec, "an IPv4 address needs inet: "
			    "(inet:PORT@127.0.0.1), inet6: takes IPv6 ones",
			    err, errlen);
		*every = memcmp(a, zero, 4) == 0;
		return 0;
	}
	if (inet_pton(AF_INET6, host, a) == 1) {
		if (!v6)
			return milter_bad(spec, "an IPv6 address needs inet6: "
			    "(inet6:PORT@[::1]), inet: takes IPv4 ones",
			    err, errlen);
		*every = memcmp(a, zero, 16) == 0;
		return 0;
	}
	/* a name in brackets is not an address */
	return br ? milter_bad(spec, NULL, err, errlen) : 0;
}

int
listen_wildcard(const struct listen_addr *a)
{
	static const struct in6_addr any6 = IN6ADDR_ANY_INIT;

	if (a->ss.ss_family == AF_UNIX)
		return 0;
	if (a->ss.ss_family == AF_INET)
		return ((const struct sockaddr_in *)&a->ss)->sin_addr.s_addr ==
		    htonl(INADDR_ANY);
	return memcmp(&((const struct sockaddr_in6 *)&a->ss)->sin6_addr,
	    &any6, sizeof(any6)) == 0;
}

/* port_of - an inet address's port, 0 for a unix one */
static int
port_of(const struct listen_addr *a)
{
	if (a->ss.ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)&a->ss)->sin_port);
	if (a->ss.ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)&a->ss)->sin6_port);
	return 0;
}

int
listen_clash(const struct listen_addr *a, const struct listen_addr *b)
{
	if (a->ss.ss_family == AF_UNIX || b->ss.ss_family == AF_UNIX)
		return a->ss.ss_family == b->ss.ss_family &&
		    strcmp(((const struct sockaddr_un *)&a->ss)->sun_path,
		    ((const struct sockaddr_un *)&b->ss)->sun_path) == 0;
	if (port_of(a) != port_of(b))
		return 0;
	if (a->len == b->len && memcmp(&a->ss, &b->ss, a->len) == 0)
		return 1;
	if (a->ss.ss_family == b->ss.ss_family)
		return listen_wildcard(a) || listen_wildcard(b);
	return (a->ss.ss_family == AF_INET6 && listen_wildcard(a)) ||
	    (b->ss.ss_family == AF_INET6 && listen_wildcard(b));
}

/* spec_of - policyd.listen then policyd.socketmap, by one index */
static const char *
spec_of(const struct conf_policyd *cp, int k)
{
	return k < cp->nlisten ? cp->listen[k] : cp->socketmap[k - cp->nlisten];
}

int
listen_check(const struct conf_policyd *cp, int *bad, char *err,
    size_t errlen)
{
	struct listen_addr *a;
	int		 n = cp->nlisten + cp->nsocketmap, i, j, rc = 0;

	a = calloc(n > 0 ? (size_t)n : 1, sizeof(*a));
	if (a == NULL) {
		*bad = 0;
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < n && rc == 0; i++) {
		*bad = i;
		if (listen_parse(spec_of(cp, i), &a[i], err, errlen) < 0)
			rc = -1;
		for (j = 0; j < i && rc == 0; j++)
			if (listen_clash(&a[j], &a[i])) {
				snprintf(err, errlen, "\"%s\" is also policyd.%s[%d] "
				    "= \"%s\": the same address, only one can be "
				    "bound", spec_of(cp, i), j < cp->nlisten ?
				    "listen" : "socketmap", j < cp->nlisten ? j :
				    j - cp->nlisten, spec_of(cp, j));
				rc = -1;
			}
	}
	free(a);
	return rc;
}
