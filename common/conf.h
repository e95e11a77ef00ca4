/*
 * NAME
 *	conf - relay.conf, the one configuration file of every program
 * DESCRIPTION
 *	conf_load() reads a libconfig file into a new struct relay_conf that
 *	the caller owns and treats as read-only; reloading builds a new one
 *	and swaps it in, so a bad file never leaves a half-applied config.
 *	Every setting is declared once, in conf_table.c (name, type, default,
 *	bounds, field, one line of documentation). Unknown sections and keys,
 *	wrong types and out-of-range values are errors of the form
 *	"FILE:LINE: section.key: what is wrong".
 * SEE ALSO
 *	conf_table.c, contrib/relay.conf.example, relay.conf(5)
 */
#ifndef RELAY_CONF_H
#define RELAY_CONF_H

#include <stddef.h>
#include <stdio.h>

#define CONF_MAX_TIERS	16
/* unsubscribe.https_url: with its token, one header line of < 998 octets */
#define CONF_HTTPS_URL_MAX	400

struct conf_redis {
	char	*socket;		/* unix socket path; wins over host */
	char	*host;
	int	 port;
	char	*user;			/* ACL user (Redis 6+); "": default user */
	char	*password;
	int	 db;
	int	 timeout_ms;		/* connect and each command */
	int	 reconnect_min_ms;	/* backoff after a failure ... */
	int	 reconnect_max_ms;	/* ... doubling up to this */
	char	**sentinels;		/* "HOST:PORT" of Redis Sentinels */
	int	 nsentinels;		/* 0: host/port or socket */
	char	*sentinel_master;	/* the primary's name in Sentinel */
	char	*sentinel_password;	/* the sentinels' AUTH password */
	int	 wait_replicas;		/* WAIT for them after the writes a
					   program answers for; 0: no */
	int	 wait_ms;		/* ... this long at most */
};

struct conf_daemon {
	char	*user;			/* drop to this user after binding */
	char	*group;
};

struct conf_milter {
	char	*socket;		/* libmilter spec: unix:/p, inet:PORT@127.0.0.1 */
	char	*pid_file;
	int	 timeout_s;		/* libmilter I/O timeout */
	int	 record_ttl_s;		/* queue id -> member record */
	int	 tcp_quickack;		/* TCP_NODELAY + TCP_QUICKACK on TCP sockets */
	int	 worker_wait_ms;	/* a worker waits this long for its next command */
	int	 cache_entries;		/* fact cache size; 0: off */
	int	 line_length_limit;	/* Postfix's smtp_line_length_limit */
	int	 record_length_limit;	/* Postfix's line_length_limit */
	char	*metrics;		/* "127.0.0.1:PORT" scrape port; "": off */
};

struct conf_policyd {
	char	**listen;		/* "unix:/path" or "inet:HOST:PORT" */
	int	 nlisten;
	char	**socketmap;
	int	 nsocketmap;
	char	*pid_file;
	int	 queue_cap;		/* messages not yet final per member */
	int	 max_line;		/* bytes in one request line */
	int	 max_attrs;		/* attributes in one request */
	int	 max_request;		/* bytes in one request */
	int	 idle_timeout_s;
	int	 request_timeout_s;	/* first byte to end of one request */
	int	 max_clients;		/* open connections, all listeners */
	char	*metrics;		/* "127.0.0.1:PORT" scrape port; "": off */
};

struct conf_tracker {
	char	*maillog;		/* Postfix maillog_file */
	char	*state_file;		/* position; empty: kept in Redis */
	char	*pid_file;
	char	*node;			/* name of this node's log, for state keys */
	int	 status_ttl_s;		/* message status retention */
	int	 soft_bounce_limit;	/* consecutive soft bounces -> suppress */
	int	 max_line;		/* longer log lines are skipped */
	int	 poll_ms;		/* how often a quiet file is checked */
	char	*metrics;		/* "127.0.0.1:PORT" scrape port; "": off */
	char	**content_filters;	/* addresses of filters re-injecting */
	int	 ncontent_filters;
};

struct conf_dns {
	char	*nameserver;		/* empty: resolv.conf */
	int	 port;
	int	 timeout_ms;
};

struct conf_tier {
	int	 days;			/* applies while the domain is younger */
	int	 per_hour;
	int	 per_day;
};

struct conf_warming {
	struct conf_tier tiers[CONF_MAX_TIERS];
	int	 ntiers;
	int	 standard_per_hour;	/* after the last tier; 0 = unlimited */
	int	 standard_per_day;
};

struct conf_suspension {
	int	 window_s;		/* sliding window of final outcomes */
	int	 min_volume;		/* outcomes before a rate is judged */
	double	 warn_rate;		/* percent */
	double	 suspend_rate;		/* percent */
	double	 complaint_warn_rate;	/* percent of delivered; 0: never */
	double	 complaint_suspend_rate; /* percent of delivered; 0: never */
};

struct conf_dkim {
	int	 key_cache_s;		/* how long a loaded key is trusted */
	int	 ed25519;		/* add the ed25519-sha256 signature */
	char	*selector_prefix;	/* PREFIX + yyyymmdd (UTC) + a..z */
};

struct conf_unsubscribe {
	char	*domain;		/* unsub+TOKEN@DOMAIN */
	char	*hmac_key;		/* at least 32 characters when set */
	char	*previous_hmac_key;	/* tokens made with it still verify */
	char	*https_url;		/* optional, TOKEN appended */
	int	 return_path;		/* envelope sender b+TOKEN@DOMAIN */
	char	*sendmail;		/* relay-unsub -b forwards with it */
	char	**complaint_signers;	/* relay-unsub -r: DKIM d= needed */
	int	 ncomplaint_signers;	/* 0: any report is read */
};

struct conf_relayctl {
	char	*spf_include;		/* SPF include: of the relay; empty: no check */
	char	*mx_host;		/* the relay's inbound host; "": no MX advice */
	int	 verify_interval_s;	/* domain verify --watch: between checks */
	int	 verify_timeout_s;	/* domain verify --watch: give up after */
};

struct conf_testing {
	int	 clock_offset_s;	/* shifts "now"; tests only */
};

struct relay_conf {
	char			*path;
	/*
	 * Valid settings that are probably wrong: "FILE:LINE: key: warning:
	 * why" lines, each ending in a newline; "" when none (conf_advise.c)
	 */
	char			*warnings;
	struct conf_redis	 redis;
	struct conf_daemon	 daemon;
	struct conf_milter	 milter;
	struct conf_policyd	 policyd;
	struct conf_tracker	 tracker;
	struct conf_dns		 dns;
	struct conf_warming	 warming;
	struct conf_suspension	 suspension;
	struct conf_dkim	 dkim;
	struct conf_unsubscribe	 unsubscribe;
	struct conf_relayctl	 relayctl;
	struct conf_testing	 testing;
};

/*
 * conf_load - read and validate path. On success *out is a new config and
 * the result is 0. On failure the result is -1, *out is NULL and errbuf
 * holds one line per problem found ("FILE:LINE: key: why"), up to its size.
 * A config that loads may still carry warnings (conf->warnings).
 */
int	 conf_load(const char *path, struct relay_conf **out, char *errbuf,
	    size_t errlen);
/* conf_defaults - a config with every default, as if from an empty file */
struct relay_conf *conf_defaults(void);
/* conf_free - NULL is a no-op */
void	 conf_free(struct relay_conf *);
/* conf_dump - every setting and its value, as a libconfig file (secrets masked) */
void	 conf_dump(const struct relay_conf *, FILE *);

#endif
