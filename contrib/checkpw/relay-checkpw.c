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
 *	Exit 1: unknown handle or wrong key, or input that is not a
 *	"user\0password\0" (Postfix answers 535 5.7.8).
 *	Exit 111: relay.conf or Redis unavailable, a Redis that holds no
 *	relay-suite data (relay:schema missing: emptied by a restart
 *	without persistence, or the wrong database), or the whole Redis
 *	exchange slower than twice redis.timeout_ms (at least 1 s): a
 *	temporary failure, never a wrong-password answer. Dovecot answers
 *	code=temp_fail; Postfix 3.7 still shows the client a 535, never a
 *	successful login. Suspension is not checked here: a suspended
 *	member logs in and relay-policyd answers 521 with the reason.
 *
 *	Each login reads Redis afresh, so a revoked key fails at the next
 *	login as long as Dovecot's auth cache is off (auth_cache_size = 0,
 *	Dovecot's default, set explicitly in contrib/dovecot/). Only HGETALL
 *	and one script (checkpw_touch.lua) are sent: the other scripts are
 *	not loaded (rconn_lazy_scripts), so a Redis ACL user with little
 *	more than those rights will do (relay-checkpw(8)).
 *
 *	Lines go to syslog (facility mail); Dovecot turns a child's stderr
 *	into error lines, so only what keeps the program from working (a bad
 *	relay.conf, an exec failure, the deadline) is also written there.
 *	-f writes every line to stderr instead (tests, debugging).
 * SEE ALSO
 *	relay-checkpw(8), checkpw_match.c, contrib/dovecot/
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "checkpw_match.h"
#include "clock.h"
#include "conf.h"
#include "daemon.h"
#include "ident.h"
#include "log.h"
#include "rconn.h"
#include "rkeys.h"
#include "rscript.h"
#include "xalloc.h"

#define EXIT_REJECT	1
#define EXIT_TEMP	111
#define INPUT_MAX	512

static int foreground;

/*
 * read_input - "user\0password\0" from fd 3; 0, -1 (not that), or -2
 * when fd 3 cannot be read (errno set): not Dovecot's input at all
 */
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
		if (n < 0)
			return -2;
		if (n == 0)
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

/* logline - one key=value line (syslog, or stderr with -f) */
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

/*
 * complain - an error that keeps the program from working: logged, and
 * also written to stderr (Dovecot's log) when logging goes to syslog.
 * Multi-line text (relay.conf's errors) becomes one entry per line.
 */
static void
complain(const char *what, const char *text)
{
	const char	*p = text, *nl;
	int		 len;

	while (*p != '\0') {
		nl = strchr(p, '\n');
		len = nl != NULL ? (int)(nl - p) : (int)strlen(p);
		if (len > 0) {
			log_err("relay-checkpw: %s%.*s", what, len, p);
			if (!foreground)
				fprintf(stderr, "relay-checkpw: %s%.*s\n", what,
				    len, p);
		}
		p += len + (nl != NULL);
	}
}

/* on_deadline - SIGALRM: the Redis exchange took too long (async-safe) */
static void
on_deadline(int sig)
{
	static const char msg[] = "relay-checkpw: Redis too slow: "
	    "deadline passed, temporary failure\n";

	(void)sig;
	(void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
	_exit(EXIT_TEMP);
}

/* deadline - the whole Redis exchange: twice the command timeout, >= 1 s */
static void
deadline(int timeout_ms)
{
	struct itimerval it;
	struct sigaction sa;
	long		 ms = 2L * timeout_ms < 1000 ? 1000 : 2L * timeout_ms;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_deadline;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	memset(&it, 0, sizeof(it));
	it.it_value.tv_sec = ms / 1000;
	it.it_value.tv_usec = (ms % 1000) * 1000;
	setitimer(ITIMER_REAL, &it, NULL);
}

/* deadline_off - before exec: the reply program gets no pending alarm */
static void
deadline_off(void)
{
	struct itimerval it;

	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	signal(SIGALRM, SIG_DFL);
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

/*
 * touch - record the last login with key id, while the key exists (a
 * failure is only logged: the login stands)
 */
static void
touch(struct rconn *rc, const char *h, const char *id)
{
	char		 keys[2][RKEY_MAX], now[24];
	const char	*kv[2] = { keys[0], keys[1] }, *args[2];
	redisReply	*r;

	if (rkey(keys[0], RKEY_MAX, RKEY_APIKEYS, h, NULL) < 0 ||
	    rkey(keys[1], RKEY_MAX, RKEY_APIKEYS_USED, h, NULL) < 0)
		return;
	snprintf(now, sizeof(now), "%lld", (long long)clock_now());
	args[0] = id;
	args[1] = now;
	r = rscript_call(rc, rscript_get("checkpw_touch"), 2, kv, 2, args);
	if (r == NULL)
		logline(h, "ok", "could not record the last-used time");
	freeReplyObject(r);
}

/* check - the key against every stored hash: 1 and *id set on a match, else 0 */
static int
check(redisReply *r, const char *pass, size_t passlen, char *id, size_t idlen)
{
	const char	**vals;
	size_t		 i, n = 0, which = 0;
	int		 ok;

	vals = xcalloc(r->elements / 2 + 1, sizeof(*vals));
	for (i = 0; i + 1 < r->elements; i += 2)
		vals[n++] = r->element[i + 1]->str;
	ok = checkpw_match(pass, passlen, vals, n, &which);
	free(vals);
	if (ok)
		snprintf(id, idlen, "%s", r->element[2 * which]->str);
	return ok;
}

int
main(int argc, char **argv)
{
	const char	*conf_path, *user, *pass;
	const char	*why;
	char		 in[INPUT_MAX], h[64], err[2048], id[64];
	struct relay_conf *conf = NULL;
	struct rconn	*rc;
	redisReply	*r = NULL;
	size_t		 passlen;
	int		 ch, ok, nkeys, e;

	/* Before any open or socket: none may become fd 0, 1 or 2. */
	if (daemon_stdfds() != 0)
		return EXIT_TEMP;
	conf_path = daemon_conf_path();
	while ((ch = getopt(argc, argv, "+c:fh")) != -1) {
		if (ch == 'c')
			conf_path = optarg;
		else if (ch == 'f')
			foreground = 1;
		else {
			fprintf(ch == 'h' ? stdout : stderr, "usage: relay-checkpw "
			    "[-f] [-c relay.conf] REPLY-PROGRAM [ARGS...]\n"
			    "  -c FILE  configuration (default $RELAY_CONF, "
			    "else %s)\n"
			    "  -f       log to stderr, not syslog\n"
			    "  (run by Dovecot's checkpassword passdb: user and "
			    "password on fd 3)\n", RELAY_CONF_DEFAULT);
			return ch == 'h' ? 0 : 2;
		}
	}
	log_open("relay-checkpw", foreground);
	if (optind >= argc) {
		complain("", "no reply program (run by Dovecot's "
		    "checkpassword passdb)");
		return 2;
	}
	if ((e = read_input(in, sizeof(in), &user, &pass, &passlen)) != 0) {
		const char *rerr = strerror(errno);

		OPENSSL_cleanse(in, sizeof(in));
		if (e == -2) {
			/* a hand-off that failed is no wrong password */
			complain("cannot read fd 3: ", rerr);
			logline("", "tempfail", "cannot read fd 3");
			return EXIT_TEMP;
		}
		logline("", "fail", "bad input on fd 3");
		return EXIT_REJECT;
	}
	if (ident_handle_norm(user, h, sizeof(h), &why) != 0 || passlen == 0 ||
	    passlen > CHECKPW_KEY_MAX) {
		logline(user, "fail", "not a handle and key");
		OPENSSL_cleanse(in, sizeof(in));
		return EXIT_REJECT;
	}
	if (conf_load(conf_path, &conf, err, sizeof(err)) != 0) {
		OPENSSL_cleanse(in, sizeof(in));
		complain("", err);
		return EXIT_TEMP;
	}
	clock_set_offset(conf->testing.clock_offset_s);
	deadline(conf->redis.timeout_ms);
	rc = rconn_new(&conf->redis);
	rconn_lazy_scripts(rc);
	if (lookup(rc, h, &r) != 0) {
		OPENSSL_cleanse(in, sizeof(in));
		logline(h, "tempfail", rconn_errstr(rc));
		freeReplyObject(r);
		rconn_free(rc);
		conf_free(conf);
		return EXIT_TEMP;
	}
	ok = check(r, pass, passlen, id, sizeof(id));
	nkeys = (int)(r->elements / 2);
	OPENSSL_cleanse(in, sizeof(in));
	freeReplyObject(r);
	if (!ok && nkeys == 0 && (e = rscript_installed(rc)) != 1) {
		if (e == 0)
			complain("", "relay:schema is missing: this Redis holds "
			    "no relay-suite data (restarted without it, or "
			    "another database?); logins fail temporarily");
		logline(h, "tempfail", e == 0 ? "no relay-suite data in Redis"
		    : rconn_errstr(rc));
		rconn_free(rc);
		conf_free(conf);
		return EXIT_TEMP;
	}
	if (!ok) {
		logline(h, "fail", nkeys ? "no key matches" : "no keys (unknown "
		    "member?)");
		rconn_free(rc);
		conf_free(conf);
		return EXIT_REJECT;
	}
	touch(rc, h, id);
	rconn_free(rc);
	conf_free(conf);
	deadline_off();
	logline(h, "ok", id);
	if (setenv("USER", h, 1) != 0)
		return EXIT_TEMP;
	execv(argv[optind], argv + optind);
	snprintf(err, sizeof(err), "exec %s: %s", argv[optind], strerror(errno));
	complain("", err);
	return EXIT_TEMP;
}
