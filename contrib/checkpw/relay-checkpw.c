/*
 * NAME
 *	relay-checkpw - Dovecot checkpassword helper: handle + API key
 * SUMMARY
 *	passdb { driver = checkpassword
 *	         args = /usr/sbin/relay-checkpw -c /etc/relay/relay.conf }
 * DESCRIPTION
 *	Dovecot runs this program for every SASL login, with the user name
 *	and the password on file descriptor 3 ("user\0password\0...") and
 *	the program to run on success as the remaining arguments
 *	(checkpassword-reply). The user name is the member's handle, already
 *	lower-cased by Dovecot (auth_username_format = %Lu) and lower-cased
 *	again here; the password is an API key made by relayctl apikey
 *	create. The key is checked against the SHA-256 hashes in
 *	relay:{m:H}:apikeys, in constant time. On a match the key's
 *	last-used time is recorded and the reply program runs with USER set.
 *
 *	Exit 1: unknown handle or wrong key (Postfix answers 535 5.7.8).
 *	Exit 111: relay.conf or Redis unavailable, a temporary failure
 *	(Postfix answers 454 4.7.0), never a wrong-password answer.
 *	Suspension is not checked here: a suspended member logs in and
 *	relay-policyd answers 521 with the reason.
 *
 *	Each login reads Redis afresh, so a revoked key fails at the next
 *	login as long as Dovecot's auth cache is off (auth_cache_size = 0,
 *	Dovecot's default, set explicitly in contrib/dovecot/).
 * SEE ALSO
 *	relay-checkpw(8), checkpw_match.c, contrib/dovecot/
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "checkpw_match.h"
#include "clock.h"
#include "conf.h"
#include "ident.h"
#include "log.h"
#include "rconn.h"
#include "rkeys.h"
#include "xalloc.h"

#define EXIT_REJECT	1
#define EXIT_TEMP	111
#define INPUT_MAX	512
#define KEYS_MAX	64

/* read_input - "user\0password\0" from fd 3; 0 or -1 */
static int
read_input(char *buf, size_t len, const char **user, const char **pass,
    size_t *passlen)
{
	size_t	 got = 0, ul;
	ssize_t	 n;

	while (got < len - 1) {
		n = read(3, buf + got, len - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	ul = strnlen(buf, got);
	if (ul == got)
		return -1;
	*user = buf;
	*pass = buf + ul + 1;
	*passlen = strnlen(*pass, got - ul - 1);
	if (*passlen == got - ul - 1)
		return -1;	/* no terminating NUL: cut off */
	return 0;
}

/* logline - one key=value line (stderr: Dovecot's log) */
static void
logline(const char *user, const char *result, const char *detail)
{
	struct logkv	 kv;

	logkv_init(&kv, NULL);
	logkv_str(&kv, "user", user);
	logkv_str(&kv, "result", result);
	if (detail != NULL)
		logkv_str(&kv, "detail", detail);
	logkv_emit(&kv, LOG_INFO);
}

/* lookup - the member's stored keys: 0 and their count, or -1 (temporary) */
static int
lookup(struct rconn *rc, const char *h, redisReply **out)
{
	char		 key[RKEY_MAX];
	const char	*argv[2];

	if (rkey(key, sizeof(key), RKEY_APIKEYS, h, NULL) < 0)
		return -1;
	argv[0] = "HGETALL";
	argv[1] = key;
	*out = rconn_cmdargv(rc, 2, argv, NULL);
	return *out != NULL && (*out)->type == REDIS_REPLY_ARRAY ? 0 : -1;
}

/* touch - record the last login with key id (a failure is only logged) */
static void
touch(struct rconn *rc, const char *h, const char *id)
{
	char		 key[RKEY_MAX], now[24];
	const char	*argv[4];
	redisReply	*r;

	if (rkey(key, sizeof(key), RKEY_APIKEYS_USED, h, NULL) < 0)
		return;
	snprintf(now, sizeof(now), "%lld", (long long)clock_now());
	argv[0] = "HSET"; argv[1] = key; argv[2] = id; argv[3] = now;
	if ((r = rconn_cmdargv(rc, 4, argv, NULL)) == NULL)
		logline(h, "ok", "could not record the last-used time");
	freeReplyObject(r);
}

int
main(int argc, char **argv)
{
	const char	*conf_path = RELAY_CONF_DEFAULT, *user, *pass;
	const char	*why, *vals[KEYS_MAX];
	char		 in[INPUT_MAX], h[64], err[2048], id[64];
	struct relay_conf *conf = NULL;
	struct rconn	*rc;
	redisReply	*r = NULL;
	size_t		 passlen, i, n = 0, which = 0;
	int		 ch, ok;

	log_open("relay-checkpw", 1);
	if (getenv("RELAY_CONF") != NULL && *getenv("RELAY_CONF") != '\0')
		conf_path = getenv("RELAY_CONF");
	while ((ch = getopt(argc, argv, "+c:")) != -1) {
		if (ch != 'c') {
			log_err("usage: relay-checkpw [-c relay.conf] "
			    "REPLY-PROGRAM [ARGS...]");
			return 2;
		}
		conf_path = optarg;
	}
	if (optind >= argc) {
		log_err("relay-checkpw: no reply program (run by Dovecot's "
		    "checkpassword passdb)");
		return 2;
	}
	if (read_input(in, sizeof(in), &user, &pass, &passlen) != 0) {
		log_err("relay-checkpw: bad input on fd 3");
		return EXIT_REJECT;
	}
	if (ident_handle_norm(user, h, sizeof(h), &why) != 0 || passlen == 0 ||
	    passlen > CHECKPW_KEY_MAX) {
		OPENSSL_cleanse(in, sizeof(in));
		logline(user, "fail", "not a handle and key");
		return EXIT_REJECT;
	}
	if (conf_load(conf_path, &conf, err, sizeof(err)) != 0) {
		OPENSSL_cleanse(in, sizeof(in));
		log_err("relay-checkpw: %s", err);
		return EXIT_TEMP;
	}
	clock_set_offset(conf->testing.clock_offset_s);
	rc = rconn_new(&conf->redis);
	if (lookup(rc, h, &r) != 0) {
		OPENSSL_cleanse(in, sizeof(in));
		logline(h, "tempfail", rconn_errstr(rc));
		freeReplyObject(r);
		rconn_free(rc);
		conf_free(conf);
		return EXIT_TEMP;
	}
	for (i = 0; i + 1 < r->elements && n < KEYS_MAX; i += 2)
		vals[n++] = r->element[i + 1]->str;
	ok = checkpw_match(pass, passlen, vals, n, &which);
	OPENSSL_cleanse(in, sizeof(in));
	if (!ok) {
		logline(h, "fail", n ? "no key matches" : "no keys (unknown "
		    "member?)");
		freeReplyObject(r);
		rconn_free(rc);
		conf_free(conf);
		return EXIT_REJECT;
	}
	snprintf(id, sizeof(id), "%s", r->element[2 * which]->str);
	freeReplyObject(r);
	touch(rc, h, id);
	rconn_free(rc);
	conf_free(conf);
	logline(h, "ok", id);
	if (setenv("USER", h, 1) != 0)
		return EXIT_TEMP;
	execv(argv[optind], argv + optind);
	log_err("relay-checkpw: exec %s: %s", argv[optind], strerror(errno));
	return EXIT_TEMP;
}
