/*
 * NAME
 *	conf_table - every relay.conf setting, declared once
 * DESCRIPTION
 *	Adding a setting: a field in conf.h, a row here, a line in
 *	contrib/relay.conf.example and doc/relay.conf.5. test_conf checks the
 *	last two.
 * SEE ALSO
 *	conf.h, conf.c
 */
#include <stddef.h>

#include "conf.h"
#include "conf_table.h"

#define F(field)	offsetof(struct relay_conf, field)
#define DAY		86400.0
#define STR(sec, name, def, field, doc) \
	{ sec, name, CONF_STRING, def, 0, 0, 0, F(field), 0, 0, doc }
#define SECRET(sec, name, field, doc) \
	{ sec, name, CONF_STRING, "", 0, 0, 0, F(field), 0, 1, doc }
#define INT(sec, name, def, lo, hi, field, doc) \
	{ sec, name, CONF_INT, NULL, def, lo, hi, F(field), 0, 0, doc }
#define BOOL(sec, name, def, field, doc) \
	{ sec, name, CONF_BOOL, NULL, def, 0, 1, F(field), 0, 0, doc }
#define DUR(sec, name, def, lo, hi, field, doc) \
	{ sec, name, CONF_DURATION, NULL, def, lo, hi, F(field), 0, 0, doc }
/* A bounce rate: 0 would judge every member with min_volume outcomes. */
#define RATE(sec, name, def, field, doc) \
	{ sec, name, CONF_PERCENT, NULL, def, 0.1, 100, F(field), 0, 0, doc }
/* a percentage from 0 (off) */
#define RATE0(sec, name, def, field, doc) \
	{ sec, name, CONF_PERCENT, NULL, def, 0, 100, F(field), 0, 0, doc }
#define LIST(sec, name, def, field, count, doc) \
	{ sec, name, CONF_STRLIST, def, 0, 0, 64, F(field), F(count), 0, doc }

const struct conf_decl conf_decls[] = {
	STR("redis", "socket", "", redis.socket,
	    "unix socket of Redis; when set, host and port are not used"),
	STR("redis", "host", "127.0.0.1", redis.host,
	    "Redis host: a name, or an IPv4 or IPv6 address (\"::1\", \"[::1]\")"),
	INT("redis", "port", 6379, 1, 65535, redis.port, "Redis TCP port"),
	STR("redis", "user", "", redis.user,
	    "Redis ACL user (Redis 6+), AUTH user password; empty: the default user"),
	SECRET("redis", "password", redis.password,
	    "Redis AUTH password; empty for none"),
	INT("redis", "db", 0, 0, 1023, redis.db, "Redis database number"),
	INT("redis", "timeout_ms", 500, 10, 60000, redis.timeout_ms,
	    "connect and command timeout; a slower Redis is a temporary failure"),
	INT("redis", "reconnect_min_ms", 100, 1, 60000, redis.reconnect_min_ms,
	    "first wait before reconnecting after a failure"),
	INT("redis", "reconnect_max_ms", 5000, 1, 600000, redis.reconnect_max_ms,
	    "the wait doubles up to this"),
	INT("redis", "wait_replicas", 0, 0, 64, redis.wait_replicas,
	    "replicas that must hold a message's record, an unsubscribe or "
	    "an admin change before the answer (WAIT); 0: none"),
	INT("redis", "wait_ms", 200, 1, 59999, redis.wait_ms,
	    "how long to wait for them (below timeout_ms); then a temporary "
	    "failure"),
	LIST("redis", "sentinels", "", redis.sentinels, redis.nsentinels,
	    "Redis Sentinels, \"HOST:PORT\": they name the primary; empty: "
	    "socket or host/port"),
	STR("redis", "sentinel_master", "", redis.sentinel_master,
	    "the primary's name in Sentinel (sentinel monitor NAME ...)"),
	SECRET("redis", "sentinel_password", redis.sentinel_password,
	    "the sentinels' AUTH password (their requirepass); empty for none"),

	STR("daemon", "user", "", daemon.user,
	    "user the daemons switch to after binding; empty: stay"),
	STR("daemon", "group", "", daemon.group,
	    "group; empty: the user's primary group"),

	/*
	 * unix sockets in /run/relay (the units' RuntimeDirectory, 0750
	 * relay:relay), made 0660: only Postfix, in group relay, connects.
	 * Whoever connects can claim any member's login (a loopback port
	 * lets every local user sign as any member and spend its caps).
	 */
	STR("milter", "socket", "unix:/run/relay/milter.sock", milter.socket,
	    "libmilter socket: unix:/run/relay/milter.sock or inet:PORT@HOST"),
	STR("milter", "pid_file", "", milter.pid_file, "pid file; empty: none"),
	DUR("milter", "timeout", 30, 1, 3600, milter.timeout_s,
	    "libmilter I/O timeout towards Postfix"),
	DUR("milter", "record_ttl", 7 * DAY, 60, 90 * DAY, milter.record_ttl_s,
	    "how long the queue id -> member record is kept for the tracker"),
	BOOL("milter", "tcp_quickack", 1, milter.tcp_quickack,
	    "set TCP_NODELAY and TCP_QUICKACK on inet milter connections"),
	INT("milter", "worker_wait_ms", 100, 1, 10000, milter.worker_wait_ms,
	    "how long a libmilter worker waits for its connection's next command"),
	INT("milter", "cache_entries", 20000, 0, 10000000, milter.cache_entries,
	    "facts kept in memory, current through Redis' client-side caching; 0: off"),
	INT("milter", "line_length_limit", 998, 0, 1000000,
	    milter.line_length_limit,
	    "Postfix's smtp_line_length_limit: lines are signed as smtp(8) breaks them; 0: none"),
	INT("milter", "record_length_limit", 2048, 0, 1000000,
	    milter.record_length_limit,
	    "Postfix's line_length_limit: the queue file's records, where smtp(8) may break a line; 0: unknown"),
	STR("milter", "metrics", "", milter.metrics,
	    "Prometheus scrape port, loopback \"127.0.0.1:PORT\"; empty: off"),

	LIST("policyd", "listen", "unix:/run/relay/policy.sock", policyd.listen,
	    policyd.nlisten,
	    "policy service sockets: \"unix:/run/relay/policy.sock\", \"inet:127.0.0.1:20100\""),
	/*
	 * Loopback TCP: chrooted cleanup and trivial-rewrite (Debian's
	 * default) cannot reach /run/relay. It tells any local user the
	 * enrolled domains and their forward-to addresses, nothing more.
	 */
	LIST("policyd", "socketmap", "inet:127.0.0.1:20120", policyd.socketmap,
	    policyd.nsocketmap, "socketmap table sockets, same syntax"),
	STR("policyd", "pid_file", "", policyd.pid_file, "pid file; empty: none"),
	INT("policyd", "queue_cap", 1000, 0, 100000000, policyd.queue_cap,
	    "messages per member queued and not yet final; 0 = no cap"),
	INT("policyd", "max_line", 2048, 256, 65536, policyd.max_line,
	    "longest policy request line accepted"),
	INT("policyd", "max_attrs", 100, 10, 1000, policyd.max_attrs,
	    "most attributes in one policy request"),
	INT("policyd", "max_request", 16384, 1024, 1048576, policyd.max_request,
	    "most bytes in one policy request"),
	DUR("policyd", "idle_timeout", 330, 1, 86400, policyd.idle_timeout_s,
	    "close a client connection idle this long (Postfix: 300 s)"),
	DUR("policyd", "request_timeout", 10, 1, 3600, policyd.request_timeout_s,
	    "a request must be complete this long after its first byte"),
	INT("policyd", "max_clients", 4096, 1, 1000000, policyd.max_clients,
	    "open connections (policy and socketmap); more are closed at once"),
	STR("policyd", "metrics", "", policyd.metrics,
	    "Prometheus scrape port, loopback \"127.0.0.1:PORT\"; empty: off"),

	STR("tracker", "maillog", "/var/log/mail.log", tracker.maillog,
	    "the file Postfix writes through maillog_file"),
	STR("tracker", "state_file", "", tracker.state_file,
	    "where the read position is kept; empty: in Redis"),
	STR("tracker", "pid_file", "", tracker.pid_file, "pid file; empty: none"),
	STR("tracker", "node", "default", tracker.node,
	    "name of this Postfix node; one tracker per node log"),
	DUR("tracker", "status_ttl", 30 * DAY, 3600, 400 * DAY,
	    tracker.status_ttl_s, "how long message status is kept"),
	INT("tracker", "soft_bounce_limit", 3, 1, 100, tracker.soft_bounce_limit,
	    "consecutive soft bounces (4.2.x) before a recipient is suppressed"),
	INT("tracker", "max_line", 16384, 512, 1048576, tracker.max_line,
	    "longer log lines are skipped with a warning"),
	INT("tracker", "poll_ms", 200, 10, 60000, tracker.poll_ms,
	    "how often a quiet log file is checked for growth and rotation"),
	LIST("tracker", "content_filters", "", tracker.content_filters,
	    tracker.ncontent_filters,
	    "IP addresses of after-queue content filters on other hosts (loopback ones are always)"),
	STR("tracker", "metrics", "", tracker.metrics,
	    "Prometheus scrape port, loopback \"127.0.0.1:PORT\"; empty: off"),

	STR("dns", "nameserver", "", dns.nameserver,
	    "IPv4 or IPv6 address of the resolver; empty: /etc/resolv.conf"),
	INT("dns", "port", 53, 1, 65535, dns.port, "resolver port"),
	INT("dns", "timeout_ms", 3000, 100, 60000, dns.timeout_ms,
	    "time for one DNS query"),

	{ "warming", "tiers", CONF_TIERS, NULL, 0, 0, 0,
	  F(warming), 0, 0,
	  "list of { days; per_hour; per_day; }: caps while a domain is younger "
	  "than days (from verification)" },
	INT("warming", "standard_per_hour", 0, 0, 1000000000,
	    warming.standard_per_hour,
	    "cap per domain and hour after the last tier; 0 = unlimited"),
	INT("warming", "standard_per_day", 0, 0, 1000000000,
	    warming.standard_per_day,
	    "cap per domain and day after the last tier; 0 = unlimited"),

	DUR("suspension", "window", DAY, 3600, 30 * DAY, suspension.window_s,
	    "sliding window of final outcomes for the bounce rate"),
	INT("suspension", "min_volume", 100, 1, 100000000, suspension.min_volume,
	    "final outcomes in the window before the rate is judged"),
	RATE("suspension", "warn_rate", 5.0, suspension.warn_rate,
	    "bounce rate (percent) that logs a warning"),
	RATE("suspension", "suspend_rate", 10.0, suspension.suspend_rate,
	    "bounce rate (percent) that suspends the member"),
	RATE0("suspension", "complaint_warn_rate", 0.1,
	    suspension.complaint_warn_rate,
	    "complaint rate (percent of delivered) that logs a warning; "
	    "0 = never"),
	RATE0("suspension", "complaint_suspend_rate", 0.5,
	    suspension.complaint_suspend_rate,
	    "complaint rate (percent of delivered) that suspends the member; "
	    "0 = never"),

	DUR("dkim", "key_cache", 60, 0, 86400, dkim.key_cache_s,
	    "how long a loaded key is used before Redis is asked again"),
	BOOL("dkim", "ed25519", 1, dkim.ed25519,
	    "add an ed25519-sha256 signature when the domain has such a key"),
	STR("dkim", "selector_prefix", "rs", dkim.selector_prefix,
	    "new selectors are PREFIX + yyyymmdd (UTC) + 4 of [a-z2-7]"),

	STR("unsubscribe", "domain", "", unsubscribe.domain,
	    "domain of the unsub+TOKEN@ address; empty: no List-Unsubscribe"),
	SECRET("unsubscribe", "hmac_key", unsubscribe.hmac_key,
	    "secret for unsubscribe tokens, at least 32 characters"),
	SECRET("unsubscribe", "previous_hmac_key",
	    unsubscribe.previous_hmac_key,
	    "the hmac_key before the last change: its tokens still verify"),
	STR("unsubscribe", "https_url", "", unsubscribe.https_url,
	    "one-click URL the token is appended to; empty: mailto only"),
	BOOL("unsubscribe", "return_path", 0, unsubscribe.return_path,
	    "envelope sender b+TOKEN@DOMAIN: bounces come back to relay-unsub"),
	STR("unsubscribe", "sendmail", "/usr/sbin/sendmail",
	    unsubscribe.sendmail,
	    "sendmail(1) that relay-unsub -b forwards a bounce with"),
	LIST("unsubscribe", "complaint_signers", "",
	    unsubscribe.complaint_signers, unsubscribe.ncomplaint_signers,
	    "DKIM d= a complaint report must be signed by; empty: any report"),

	STR("relayctl", "spf_include", "", relayctl.spf_include,
	    "domain of the relay's SPF record, for include: in members' SPF"),
	STR("relayctl", "mx_host", "", relayctl.mx_host,
	    "the relay's inbound host: the MX of domains with a forward-to"),
	DUR("relayctl", "verify_interval", 300, 1, 86400,
	    relayctl.verify_interval_s,
	    "domain verify --watch: time between two checks"),
	DUR("relayctl", "verify_timeout", 3600, 1, 30 * DAY,
	    relayctl.verify_timeout_s,
	    "domain verify --watch: give up after this long"),

	INT("testing", "clock_offset", 0, -3650 * DAY, 3650 * DAY,
	    testing.clock_offset_s,
	    "seconds added to the clock; for tests only, never in production"),
};

const size_t conf_ndecls = sizeof(conf_decls) / sizeof(conf_decls[0]);

const struct conf_tier_default conf_default_tiers[] = {
	{ 2, 20, 100 },
	{ 4, 50, 500 },
	{ 7, 200, 2000 },
	{ 10, 500, 5000 },
	{ 14, 1000, 10000 },
};

const size_t conf_default_ntiers =
    sizeof(conf_default_tiers) / sizeof(conf_default_tiers[0]);
