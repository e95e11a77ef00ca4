/*
 * NAME
 *	conf_check - relay.conf rules beyond one value's type and range
 * DESCRIPTION
 *	Run by conf_load() once every setting has a valid type and range:
 *	socket and address syntax, domain names, secrets, and the rules
 *	that tie two settings together (reconnect_min_ms <= reconnect_max_ms,
 *	warn_rate <= suspend_rate, per_hour <= per_day). Each rule here is
 *	listed in relay.conf(5), which says what it enforces.
 * SEE ALSO
 *	conf.c, conf_priv.h, relay.conf(5)
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "conf_priv.h"
#include "listen.h"
#include "metrics_http.h"
#include "rsentinel.h"
#include "xalloc.h"

#define errs_add	conf__errs_add

/* check_metrics - a scrape port is "" (off) or a loopback HOST:PORT */
static void
check_metrics(struct conf_errs *e, const config_setting_t *s, const char *key,
    const char *spec)
{
	char	 why[256];

	if (spec[0] != '\0' &&
	    metrics_http_addr(spec, NULL, NULL, why, sizeof(why)) < 0)
		errs_add(e, s, key, "%s", why);
}

/*
 * spf_domain - relayctl.spf_include, mx_host: a domain name as addr.c checks one,
 * except that a label may also hold '_' ("_spf.relay.example" is usual).
 * Returns 0 with the normalised name in out (ADDR_BUFSIZE), or -1.
 */
static int
spf_domain(const char *in, char *out, size_t len)
{
	char	*tmp = xstrdup(in), *u;
	size_t	 i;
	int	 rc, under = 0;

	for (u = tmp; *u != '\0'; u++) {
		if (*u == '_') {
			*u = 'u';
			under = 1;
		} else if (under && (unsigned char)*u >= 0x80)
			break;	/* an A-label would move the '_' */
	}
	rc = *u == '\0' && in[0] != ' ' && in[0] != '\t' ?
	    addr_domain_norm(tmp, out, len) : -1;
	free(tmp);
	if (rc < 0)
		return -1;
	/* ASCII and untrimmed: out[i] is in[i], lower-cased. */
	for (i = 0; under && out[i] != '\0'; i++)
		if (in[i] == '_')
			out[i] = '_';
	return 0;
}

/*
 * ip_literal - a numeric IPv4 address, or an IPv6 one bare or in
 * brackets ("::1", "[::1]"): its canonical text (inet_ntop: what Postfix
 * logs, what hiredis and libresolv take) in out, and AF_INET or
 * AF_INET6; 0 when in is no such address
 */
static int
ip_literal(const char *in, char *out, size_t len)
{
	unsigned char	 a[16];
	char		 tmp[INET6_ADDRSTRLEN + 2];
	size_t		 n = strlen(in);

	if (inet_pton(AF_INET, in, a) == 1)
		return inet_ntop(AF_INET, a, out, (socklen_t)len) ? AF_INET : 0;
	if (n >= 2 && n - 2 < sizeof(tmp) && in[0] == '[' && in[n - 1] == ']') {
		memcpy(tmp, in + 1, n - 2);
		tmp[n - 2] = '\0';
		in = tmp;
	}
	if (inet_pton(AF_INET6, in, a) == 1)
		return inet_ntop(AF_INET6, a, out, (socklen_t)len) ? AF_INET6 : 0;
	return 0;
}

/* ip_key - a setting that must be an IP address, made canonical in place */
static int
ip_key(char **val)
{
	char	 ip[INET6_ADDRSTRLEN];

	if (ip_literal(*val, ip, sizeof(ip)) == 0)
		return -1;
	free(*val);
	*val = xstrdup(ip);
	return 0;
}

/* printable - no white space or control characters */
static int
printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return 0;
	return 1;
}

#define AT(sec, name)	where[conf__find_decl(sec, name) - conf_decls]
/* AT2 - the first setting's place, or the other's when it is not written */
#define AT2(sec, a, b)	(AT(sec, a) != NULL ? AT(sec, a) : AT(sec, b))

/* check_numbers - the rules between two numeric settings */
static void
check_numbers(struct relay_conf *c, struct conf_errs *e,
    const config_setting_t **where)
{
	const struct conf_warming *w = &c->warming;

	if (c->redis.reconnect_min_ms > c->redis.reconnect_max_ms)
		errs_add(e, AT2("redis", "reconnect_min_ms",
		    "reconnect_max_ms"), "redis.reconnect_min_ms",
		    "larger than reconnect_max_ms "
		    "(%d > %d)", c->redis.reconnect_min_ms,
		    c->redis.reconnect_max_ms);
	if (c->suspension.warn_rate > c->suspension.suspend_rate)
		errs_add(e, AT2("suspension", "warn_rate", "suspend_rate"),
		    "suspension.warn_rate",
		    "larger than suspend_rate (%.10g > %.10g)",
		    c->suspension.warn_rate, c->suspension.suspend_rate);
	if (c->suspension.complaint_suspend_rate > 0 &&
	    c->suspension.complaint_warn_rate >
	    c->suspension.complaint_suspend_rate)
		errs_add(e, AT2("suspension", "complaint_warn_rate",
		    "complaint_suspend_rate"),
		    "suspension.complaint_warn_rate", "larger than "
		    "complaint_suspend_rate (%.10g > %.10g)",
		    c->suspension.complaint_warn_rate,
		    c->suspension.complaint_suspend_rate);
	/* WAIT's reply must come within the command timeout */
	if (c->redis.wait_replicas > 0 && c->redis.wait_ms >= c->redis.timeout_ms)
		errs_add(e, AT2("redis", "wait_ms", "timeout_ms"),
		    "redis.wait_ms", "not below "
		    "timeout_ms (%d >= %d): WAIT would outlast the command "
		    "timeout", c->redis.wait_ms, c->redis.timeout_ms);
	/* 0 is unlimited; tiers check per_hour <= per_day in conf.c */
	if (w->standard_per_hour > 0 && w->standard_per_day > 0 &&
	    w->standard_per_hour > w->standard_per_day)
		errs_add(e, AT2("warming", "standard_per_hour",
		    "standard_per_day"),
		    "warming.standard_per_hour", "larger than standard_per_day "
		    "(%d > %d)", w->standard_per_hour, w->standard_per_day);
}

/* check_network - sockets, addresses and the Redis login */
/* check_sentinels - redis.sentinels and sentinel_master, both or neither */
static void
check_sentinels(struct relay_conf *c, struct conf_errs *e,
    const config_setting_t **where)
{
	const struct conf_redis *r = &c->redis;
	char		 host[RSENTINEL_HOST_MAX];
	int		 i, port;

	for (i = 0; i < r->nsentinels; i++)
		if (rsentinel_spec(r->sentinels[i], host, sizeof(host),
		    &port) < 0)
			errs_add(e, AT("redis", "sentinels"), "redis.sentinels",
			    "not HOST:PORT (got \"%s\"; an IPv6 address is "
			    "written \"[::1]:26379\")", r->sentinels[i]);
	if (r->nsentinels > 0 && r->sentinel_master[0] == '\0')
		errs_add(e, AT("redis", "sentinels"), "redis.sentinels",
		    "set, but redis.sentinel_master is empty (the name of "
		    "sentinel monitor NAME ...)");
	else if (r->nsentinels == 0 && r->sentinel_master[0] != '\0')
		errs_add(e, AT("redis", "sentinel_master"),
		    "redis.sentinel_master", "set, but redis.sentinels is "
		    "empty");
	else if (!printable(r->sentinel_master))
		errs_add(e, AT("redis", "sentinel_master"),
		    "redis.sentinel_master", "no spaces or control characters");
	if (r->nsentinels > 0 && r->socket[0] != '\0')
		errs_add(e, AT("redis", "sentinels"), "redis.sentinels",
		    "set with redis.socket: the sentinels name a TCP address; "
		    "set one or the other");
}

static void
check_network(struct relay_conf *c, struct conf_errs *e,
    const config_setting_t **where)
{
	char		 why[384];
	int		 bad;

	if (c->redis.socket[0] != '\0' && c->redis.socket[0] != '/')
		errs_add(e, AT("redis", "socket"), "redis.socket",
		    "must be an absolute path (got \"%s\")", c->redis.socket);
	if (c->redis.socket[0] == '\0' && c->redis.host[0] == '\0')
		errs_add(e, AT("redis", "host"), "redis.host",
		    "empty, and no redis.socket either");
	/* hiredis takes a bare address or a name: "[::1]" is no name */
	else if (c->redis.socket[0] == '\0' && ip_key(&c->redis.host) < 0 &&
	    strpbrk(c->redis.host, ":[]") != NULL)
		errs_add(e, AT("redis", "host"), "redis.host",
		    "not an IP address or host name (got \"%s\"); an IPv6 "
		    "address is written \"::1\" or \"[::1]\", the port goes "
		    "in redis.port", c->redis.host);
	check_sentinels(c, e, where);
	if (!printable(c->redis.user))
		errs_add(e, AT("redis", "user"), "redis.user",
		    "no spaces or control characters in an ACL user name");
	else if (c->redis.user[0] != '\0' && c->redis.password[0] == '\0')
		errs_add(e, AT("redis", "user"), "redis.user",
		    "set, but redis.password is empty (AUTH user password)");
	if (c->dns.nameserver[0] != '\0' && ip_key(&c->dns.nameserver) < 0)
		errs_add(e, AT("dns", "nameserver"), "dns.nameserver",
		    "not an IPv4 or IPv6 address (got \"%s\"; names are not "
		    "resolved)", c->dns.nameserver);
	if (listen_milter(c->milter.socket, &bad, why, sizeof(why)) < 0)
		errs_add(e, AT("milter", "socket"), "milter.socket", "%s", why);
	if (listen_check(&c->policyd, &bad, why, sizeof(why)) < 0) {
		int	 sm = bad >= c->policyd.nlisten;

		errs_add(e, sm ? AT("policyd", "socketmap") : AT("policyd",
		    "listen"), sm ? "policyd.socketmap" : "policyd.listen",
		    "%s", why);
	}
	check_metrics(e, AT("milter", "metrics"), "milter.metrics",
	    c->milter.metrics);
	check_metrics(e, AT("policyd", "metrics"), "policyd.metrics",
	    c->policyd.metrics);
	check_metrics(e, AT("tracker", "metrics"), "tracker.metrics",
	    c->tracker.metrics);
}

/*
 * host_key - a setting that names a host or DNS domain (spf_domain: '_'
 * allowed), normalised in place unless empty
 */
static void
host_key(struct conf_errs *e, const config_setting_t **where,
    const char *sec, const char *name, char **val)
{
	char	 dom[ADDR_BUFSIZE], key[64];

	if ((*val)[0] == '\0')
		return;
	if (spf_domain(*val, dom, sizeof(dom)) < 0) {
		snprintf(key, sizeof(key), "%s.%s", sec, name);
		errs_add(e, AT(sec, name), key, "not a domain name (got \"%s\")",
		    *val);
		return;
	}
	free(*val);
	*val = xstrdup(dom);
}

/* check_names - domains, secrets, names and paths */
static void
check_names(struct relay_conf *c, struct conf_errs *e,
    const config_setting_t **where)
{
	char	 dom[ADDR_BUFSIZE];
	int	 i;

	if (c->unsubscribe.domain[0] != '\0') {
		if (addr_domain_norm(c->unsubscribe.domain, dom, sizeof(dom)) < 0)
			errs_add(e, AT("unsubscribe", "domain"),
			    "unsubscribe.domain", "not a domain name (got \"%s\")",
			    c->unsubscribe.domain);
		else {
			free(c->unsubscribe.domain);
			c->unsubscribe.domain = xstrdup(dom);
		}
		if (c->unsubscribe.hmac_key[0] == '\0')
			errs_add(e, AT("unsubscribe", "domain"),
			    "unsubscribe.hmac_key",
			    "required when unsubscribe.domain is set");
	}
	for (i = 0; i < c->unsubscribe.ncomplaint_signers; i++) {
		char **s = &c->unsubscribe.complaint_signers[i];

		if (addr_domain_norm(*s, dom, sizeof(dom)) < 0)
			errs_add(e, AT("unsubscribe", "complaint_signers"),
			    "unsubscribe.complaint_signers", "element %d: not "
			    "a domain name (got \"%s\")", i + 1, *s);
		else {
			free(*s);
			*s = xstrdup(dom);
		}
	}
	if (c->unsubscribe.sendmail[0] != '/')
		errs_add(e, AT("unsubscribe", "sendmail"),
		    "unsubscribe.sendmail", "not an absolute path (got \"%s\")",
		    c->unsubscribe.sendmail);
	if (c->unsubscribe.return_path && c->unsubscribe.domain[0] == '\0')
		errs_add(e, AT("unsubscribe", "return_path"),
		    "unsubscribe.return_path",
		    "needs unsubscribe.domain: the bounces come back there");
	if (c->unsubscribe.hmac_key[0] != '\0' &&
	    strlen(c->unsubscribe.hmac_key) < 32)
		errs_add(e, AT("unsubscribe", "hmac_key"), "unsubscribe.hmac_key",
		    "too short: at least 32 characters (openssl rand -hex 32)");
	if (c->unsubscribe.previous_hmac_key[0] != '\0' &&
	    strlen(c->unsubscribe.previous_hmac_key) < 32)
		errs_add(e, AT("unsubscribe", "previous_hmac_key"),
		    "unsubscribe.previous_hmac_key",
		    "too short: at least 32 characters (the old hmac_key)");
	else if (c->unsubscribe.previous_hmac_key[0] != '\0' &&
	    c->unsubscribe.hmac_key[0] == '\0')
		errs_add(e, AT("unsubscribe", "previous_hmac_key"),
		    "unsubscribe.previous_hmac_key",
		    "needs unsubscribe.hmac_key: the key tokens are made with");
	if (c->unsubscribe.https_url[0] != '\0' &&
	    strncmp(c->unsubscribe.https_url, "https://", 8) != 0)
		errs_add(e, AT("unsubscribe", "https_url"),
		    "unsubscribe.https_url", "must start with https://");
	else if (strlen(c->unsubscribe.https_url) > CONF_HTTPS_URL_MAX)
		errs_add(e, AT("unsubscribe", "https_url"),
		    "unsubscribe.https_url", "too long: at most %d characters "
		    "(got %zu; the token, up to about 500 more, is appended)",
		    CONF_HTTPS_URL_MAX, strlen(c->unsubscribe.https_url));
	host_key(e, where, "relayctl", "spf_include", &c->relayctl.spf_include);
	host_key(e, where, "relayctl", "mx_host", &c->relayctl.mx_host);
	if (strspn(c->dkim.selector_prefix, "abcdefghijklmnopqrstuvwxyz0123456789-")
	    != strlen(c->dkim.selector_prefix) || c->dkim.selector_prefix[0] == '\0'
	    || strlen(c->dkim.selector_prefix) > 20)
		errs_add(e, AT("dkim", "selector_prefix"), "dkim.selector_prefix",
		    "1 to 20 lower-case letters, digits or hyphens");
	if (c->tracker.node[0] == '\0' || strspn(c->tracker.node,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
	    != strlen(c->tracker.node))
		errs_add(e, AT("tracker", "node"), "tracker.node",
		    "letters, digits, '-', '_' and '.' only");
	if (c->tracker.maillog[0] == '\0')
		errs_add(e, AT("tracker", "maillog"), "tracker.maillog",
		    "must not be empty (the file Postfix's maillog_file names)");
	/* canonical, as Postfix logs it: relay-tracker compares the text */
	for (i = 0; i < c->tracker.ncontent_filters; i++)
		if (ip_key(&c->tracker.content_filters[i]) < 0)
			errs_add(e, AT("tracker", "content_filters"),
			    "tracker.content_filters", "element %d: not an IP "
			    "address (got \"%s\"; as relay=HOST[ADDRESS] logs "
			    "it)", i + 1, c->tracker.content_filters[i]);
}

#undef AT

void
conf__cross_check(struct relay_conf *c, struct conf_errs *e,
    const config_setting_t **where)
{
	check_numbers(c, e, where);
	check_network(c, e, where);
	check_names(c, e, where);
}
