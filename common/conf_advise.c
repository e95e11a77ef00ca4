/*
 * NAME
 *	conf_advise - relay.conf settings that are valid but probably wrong
 * DESCRIPTION
 *	Run by conf_load() on a config that passed every check. A warning
 *	does not refuse the file: it is a "FILE:LINE: key: warning: why"
 *	line in conf->warnings, which the daemons log at start and at each
 *	reload (daemon_log_warnings) and relayctl config check prints. Each
 *	rule is listed in relay.conf(5), Warnings:
 *	    - milter.socket, policyd.listen or policyd.socketmap on every
 *	      address of the host (who can connect is not limited);
 *	    - policyd.listen and policyd.socketmap both empty (relay-policyd
 *	      refuses to start);
 *	    - milter.record_ttl shorter than Postfix's default
 *	      maximal_queue_lifetime (5d), after which relay-tracker cannot
 *	      attribute the outcome of mail that was deferred that long;
 *	    - unsubscribe.previous_hmac_key equal to hmac_key (the tokens
 *	      of the key before it no longer verify);
 *	    - a secret (redis.password, sentinel_password,
 *	      unsubscribe.hmac_key, previous_hmac_key) set in a file that
 *	      every user of the host can read or write.
 *	Reads the config and stats the files that set a secret; binds and
 *	resolves nothing.
 * SEE ALSO
 *	conf.c, conf_check.c, listen.c, relay.conf(5)
 */
#include <sys/stat.h>

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "conf_priv.h"
#include "conf_table.h"
#include "listen.h"

#define AT(sec, name)	where[conf__find_decl(sec, name) - conf_decls]

/* Postfix's default maximal_queue_lifetime and bounce_queue_lifetime. */
#define POSTFIX_QUEUE_LIFETIME_S	(5 * 86400)

int
conf__milter_every_address(const char *spec)
{
	char	 why[256];
	int	 every;

	/* the wildcard in any spelling: [0::0] listens on every address too */
	return listen_milter(spec, &every, why, sizeof(why)) == 0 && every;
}

/* duration - seconds as relay.conf writes them: "2d", "36h", "90m", "59s" */
static void
duration(int s, char *buf, size_t len)
{
	if (s % 86400 == 0)
		snprintf(buf, len, "%dd", s / 86400);
	else if (s % 3600 == 0)
		snprintf(buf, len, "%dh", s / 3600);
	else if (s % 60 == 0)
		snprintf(buf, len, "%dm", s / 60);
	else
		snprintf(buf, len, "%ds", s);
}

/* advise_list - policyd.listen or .socketmap entries on every address */
static void
advise_list(struct conf_errs *w, const config_setting_t *s, const char *key,
    char **specs, int n, const char *who)
{
	struct listen_addr a;
	char		 why[256];
	int		 i;

	for (i = 0; i < n; i++)
		if (listen_parse(specs[i], &a, why, sizeof(why)) == 0 &&
		    listen_wildcard(&a))
			conf__errs_add(w, s, key, "warning: \"%s\" listens on "
			    "every address of this host: whoever reaches the "
			    "port %s; bind 127.0.0.1, ::1 or the address only "
			    "your Postfix nodes reach", specs[i], who);
}

/*
 * advise_secrets - a secret set in a file other users can read (or
 * write): they can then log in to Redis (every key, every DKIM key) or
 * forge unsubscribe tokens. The README and relay.conf(5) say 0640
 * root:relay; OpenDKIM refuses a key file others can read.
 */
static void
advise_secrets(const struct relay_conf *c, struct conf_errs *w,
    const config_setting_t **where)
{
	const struct conf_decl *d;
	struct stat	 st;
	char		 key[128], buf[PATH_MAX];
	const char	*file;
	size_t		 i;

	for (i = 0; i < conf_ndecls; i++) {
		d = &conf_decls[i];
		if (!d->secret || where[i] == NULL ||
		    **(char **)conf_field((struct relay_conf *)c,
		    d->offset) == '\0')
			continue;
		file = conf__src_path(w, config_setting_source_file(where[i]),
		    buf, sizeof(buf));
		if (stat(file, &st) < 0 || (st.st_mode & (S_IROTH | S_IWOTH)) == 0)
			continue;
		snprintf(key, sizeof(key), "%s.%s", d->section, d->name);
		conf__errs_add(w, where[i], key, "warning: every user of this "
		    "host can %s %s (mode %04o), which sets this secret: "
		    "chmod o-rwx %s", st.st_mode & S_IROTH ? "read" : "write",
		    file, (unsigned)(st.st_mode & 07777), file);
	}
}

void
conf__advise(const struct relay_conf *c, struct conf_errs *w,
    const config_setting_t **where)
{
	char	 ttl[32];

	if (conf__milter_every_address(c->milter.socket))
		conf__errs_add(w, AT("milter", "socket"), "milter.socket",
		    "warning: \"%s\" listens on every address of this host: "
		    "whoever reaches the port can get any member's DKIM "
		    "signatures; use inet:PORT@127.0.0.1, inet6:PORT@[::1] or a "
		    "unix: socket",
		    c->milter.socket);
	advise_list(w, AT("policyd", "listen"), "policyd.listen",
	    c->policyd.listen, c->policyd.nlisten,
	    "can spend any member's warming and queue caps");
	advise_list(w, AT("policyd", "socketmap"), "policyd.socketmap",
	    c->policyd.socketmap, c->policyd.nsocketmap,
	    "can read the forward-to address of every enrolled domain");
	if (c->policyd.nlisten + c->policyd.nsocketmap == 0)
		conf__errs_add(w, AT("policyd", "listen") != NULL ?
		    AT("policyd", "listen") : AT("policyd", "socketmap"),
		    "policyd.listen", "warning: empty, and so is "
		    "policyd.socketmap: relay-policyd refuses to start with "
		    "nothing to listen on (fine on a host that runs none)");
	duration(c->milter.record_ttl_s, ttl, sizeof(ttl));
	if (c->milter.record_ttl_s < POSTFIX_QUEUE_LIFETIME_S)
		conf__errs_add(w, AT("milter", "record_ttl"), "milter.record_ttl",
		    "warning: %s is shorter than Postfix's default "
		    "maximal_queue_lifetime (5d): for mail deferred longer, "
		    "relay-tracker finds no record and its outcome is lost "
		    "(no status, no bounce count, no suppression)", ttl);
	if (c->unsubscribe.previous_hmac_key[0] != '\0' &&
	    strcmp(c->unsubscribe.previous_hmac_key,
	    c->unsubscribe.hmac_key) == 0)
		conf__errs_add(w, AT("unsubscribe", "previous_hmac_key"),
		    "unsubscribe.previous_hmac_key",
		    "warning: the same as unsubscribe.hmac_key: tokens made "
		    "with the key before it no longer verify; set it to that "
		    "key, or remove it");
	advise_secrets(c, w, where);
}

#undef AT
