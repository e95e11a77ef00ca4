/*
 * NAME
 *	rstore_probe - drive common/'s Redis store from a test script
 * SYNOPSIS
 *	rstore_probe -c relay.conf STEP...
 * DESCRIPTION
 *	Runs the steps in order on ONE struct rconn, as a daemon would, and
 *	prints one line per step, so tests/integration/test_redis_store.sh
 *	can watch connecting, AUTH/SELECT, the schema version, NOSCRIPT
 *	recovery, timeouts and the reconnect backoff against a real
 *	redis-server. Steps:
 *
 *	ping		PING
 *	set K V		SET K V
 *	get K		GET K
 *	schema		rscript_schema_check(), setting a missing version
 *	check		rscript_schema_check(), only reporting a missing one
 *	flush		SCRIPT FLUSH (the next script call meets NOSCRIPT)
 *	script		EVALSHA schema_check through rscript_call()
 *	loop N MS	N times: ping, then sleep MS ms
 *
 *	Each line is "STEP ok VALUE ms=T" or
 *	"STEP fail connected=0|1 attempts=N ms=T ERROR", where connected=1
 *	means Redis answered with an error, attempts counts the connects
 *	tried so far (the backoff keeps it low while Redis is away) and T is
 *	the time the step took. Exit status:
 *	0 when every step succeeded, 1 otherwise, 64 for a usage error,
 *	78 for a bad relay.conf.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "conf.h"
#include "rconn.h"
#include "rkeys.h"
#include "rscript.h"

static int failures;

static void
report(const char *step, redisReply *r, struct rconn *rc, int64_t t0)
{
	int64_t		 ms = clock_mono_ms() - t0;
	unsigned long	 attempts, lost;

	if (r != NULL) {
		printf("%s ok %s ms=%lld\n", step,
		    r->type == REDIS_REPLY_NIL ? "(nil)" :
		    r->str != NULL ? r->str : "-", (long long)ms);
		freeReplyObject(r);
		return;
	}
	failures++;
	rconn_counts(rc, &attempts, &lost);
	printf("%s fail connected=%d attempts=%lu ms=%lld %s\n", step,
	    rconn_connected(rc), attempts, (long long)ms, rconn_errstr(rc));
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void
schema(struct rconn *rc, int create)
{
	char	 found[64] = "", key[RKEY_MAX];
	int64_t	 t0 = clock_mono_ms();
	int	 e = rscript_schema_check(rc, found, sizeof(found), create);

	rkey(key, sizeof(key), RKEY_SCHEMA, NULL, NULL);
	if (e == 0 || e == RSCRIPT_SCHEMA_SET)
		printf("schema %s %s ms=%lld\n", e == RSCRIPT_SCHEMA_SET ?
		    "set" : "ok", RKEY_SCHEMA_VERSION,
		    (long long)(clock_mono_ms() - t0));
	else if (e == RSCRIPT_SCHEMA_MISSING)
		printf("schema missing ms=%lld\n",
		    (long long)(clock_mono_ms() - t0));
	else if (e == 1) {
		failures++;
		printf("schema other %s ms=%lld\n", found,
		    (long long)(clock_mono_ms() - t0));
	} else
		report("schema", NULL, rc, t0);
}

static void
script(struct rconn *rc)
{
	char		 key[RKEY_MAX];
	const char	*keys[1] = { key };
	const char	*args[2] = { RKEY_SCHEMA_VERSION, "1" };
	int64_t		 t0 = clock_mono_ms();

	rkey(key, sizeof(key), RKEY_SCHEMA, NULL, NULL);
	report("script", rscript_call(rc, rscript_get("schema_check"), 1, keys,
	    2, args), rc, t0);
}

int
main(int argc, char **argv)
{
	struct relay_conf	*cf;
	struct rconn		*rc;
	char			 err[4096];
	int			 i;

	if (argc < 4 || strcmp(argv[1], "-c") != 0) {
		fprintf(stderr, "usage: rstore_probe -c relay.conf STEP...\n");
		return 64;
	}
	if (conf_load(argv[2], &cf, err, sizeof(err)) < 0) {
		fprintf(stderr, "rstore_probe: %s", err);
		return 78;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	rc = rconn_new(&cf->redis);
	for (i = 3; i < argc; i++) {
		const char	*s = argv[i];
		int64_t		 t0 = clock_mono_ms();

		if (strcmp(s, "ping") == 0)
			report(s, rconn_cmd(rc, "PING"), rc, t0);
		else if (strcmp(s, "set") == 0 && i + 2 < argc) {
			report(s, rconn_cmd(rc, "SET %s %s", argv[i + 1],
			    argv[i + 2]), rc, t0);
			i += 2;
		} else if (strcmp(s, "get") == 0 && i + 1 < argc)
			report(s, rconn_cmd(rc, "GET %s", argv[++i]), rc, t0);
		else if (strcmp(s, "schema") == 0)
			schema(rc, 1);
		else if (strcmp(s, "check") == 0)
			schema(rc, 0);
		else if (strcmp(s, "flush") == 0)
			report(s, rconn_cmd(rc, "SCRIPT FLUSH"), rc, t0);
		else if (strcmp(s, "script") == 0)
			script(rc);
		else if (strcmp(s, "loop") == 0 && i + 2 < argc) {
			long n = strtol(argv[i + 1], NULL, 10);
			long ms = strtol(argv[i + 2], NULL, 10);

			for (i += 2; n-- > 0; sleep_ms(ms)) {
				t0 = clock_mono_ms();
				report("ping", rconn_cmd(rc, "PING"), rc, t0);
			}
		} else {
			fprintf(stderr, "rstore_probe: bad step '%s'\n", s);
			rconn_free(rc);
			conf_free(cf);
			return 64;
		}
	}
	rconn_free(rc);
	conf_free(cf);
	return failures ? 1 : 0;
}
