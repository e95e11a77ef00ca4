/*
 * NAME
 *	cmd_apikey - relayctl apikey create|list|revoke
 * DESCRIPTION
 *	API keys are what members log in with (SMTP AUTH, handle + key).
 *	create prints a new key once (192 random bits, base64url: see
 *	common/token.h) and stores only "CREATED SHA256HEX" under an 8-digit
 *	hex id in relay:{m:H}:apikeys. revoke deletes the field and its
 *	last-login entry in relay:{m:H}:apikeys_used, in one script
 *	(ctl_hdel_both.lua); a revoke that finds only the last-login entry
 *	(left by an earlier relayctl stopped half way) deletes it and says
 *	so. relay-checkpw reads the hash at every login and Dovecot's auth
 *	cache is off, so the next login with that key fails.
 * SEE ALSO
 *	relayctl(8), relay-checkpw(8), common/token.h
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ctl.h"
#include "rconn.h"
#include "token.h"
#include "xalloc.h"

#define APIKEY_ID_BYTES	4

/*
 * unshown - the new key could not be printed: only its hash exists, so
 * nobody can ever use it; revoke it and exit 2
 */
static void __attribute__((noreturn))
unshown(struct ctl *c, const char *akey, const char *h, const char *id)
{
	const char	*argv[3] = { "HDEL", akey, id };
	redisReply	*r = rconn_cmdargv(ctl_redis(c), 3, argv, NULL);

	if (r == NULL)
		ctl_fail(c, CTL_EXIT_BACKEND, "output", id, "the new key could "
		    "not be written to standard output, and could not be "
		    "revoked (%s): revoke it with relayctl apikey revoke %s %s",
		    rconn_errstr(c->rc), h, id);
	freeReplyObject(r);
	ctl_fail(c, CTL_EXIT_BACKEND, "output", id, "the new key could not be "
	    "written to standard output: it was revoked (only its hash was "
	    "stored); run apikey create again");
}

/* apikey_create - apikey create HANDLE */
static int
apikey_create(struct ctl *c, int argc, char **argv)
{
	const char	*pos[1], *keys[2], *args[2];
	char		 h[64], mkey[RKEY_MAX], akey[RKEY_MAX];
	char		 secret[TOKEN_APIKEY_LEN + 1], id[2 * APIKEY_ID_BYTES + 1];
	char		 hash[TOKEN_SHA256_HEX], val[100];
	redisReply	*r;
	long long	 res = 0;
	int		 tries;

	ctl_args(c, argc, argv, NULL, pos, 1, 1, "apikey create HANDLE");
	ctl_handle(c, pos[0], h, sizeof(h));
	ctl_key(c, mkey, RKEY_MEMBER, h, NULL);
	ctl_key(c, akey, RKEY_APIKEYS, h, NULL);
	if (token_apikey_new(secret, sizeof(secret)) != 0)
		ctl_fail(c, CTL_EXIT_BACKEND, "backend", NULL,
		    "no random bytes for a key");
	token_sha256_hex(secret, strlen(secret), hash);
	snprintf(val, sizeof(val), "%lld %s", (long long)c->now, hash);
	keys[0] = mkey;
	keys[1] = akey;
	/* A new id until it is unused (4 random bytes: a clash is rare). */
	for (tries = 0; tries < 8 && res == 0; tries++) {
		if (token_random_hex(APIKEY_ID_BYTES, id, sizeof(id)) != 0)
			ctl_fail(c, CTL_EXIT_BACKEND, "backend", NULL,
			    "no random bytes for a key id");
		args[0] = id;
		args[1] = val;
		r = ctl_script(c, "ctl_hsetnx_if", 2, keys, 2, args);
		res = r->type == REDIS_REPLY_INTEGER ? r->integer : -2;
		freeReplyObject(r);
		if (res == -1) {
			OPENSSL_cleanse(secret, sizeof(secret));
			ctl_user(c, "unknown_member", pos[0], "no such member");
		}
	}
	if (res != 1) {
		OPENSSL_cleanse(secret, sizeof(secret));
		ctl_fail(c, CTL_EXIT_BACKEND, "backend", NULL,
		    "could not store the key");
	}
	/* A closed pipe must fail the write, not kill us before revoke. */
	signal(SIGPIPE, SIG_IGN);
	if (c->json)
		ctl_emit(c, json_pack("{s:s, s:s, s:s, s:I}", "handle", h,
		    "id", id, "key", secret, "created", (json_int_t)c->now));
	else
		printf("%s\n", secret);
	OPENSSL_cleanse(secret, sizeof(secret));
	if (ctl_flush(c) != 0)
		unshown(c, akey, h, id);
	if (!c->json)
		fprintf(stderr, "relayctl: apikey create: key id %s for %s; "
		    "shown once, only its hash is stored\n", id, h);
	return CTL_EXIT_OK;
}

/* One key of apikey list. */
struct keyrow {
	const char	*id;		/* in the hash it was read from */
	long long	 created, used;
};

/* cmp_key - qsort: oldest first, then by id (a stable, total order) */
static int
cmp_key(const void *a, const void *b)
{
	const struct keyrow *x = a, *y = b;

	if (x->created != y->created)
		return x->created < y->created ? -1 : 1;
	return strcmp(x->id, y->id);
}

/* apikey_list - apikey list HANDLE: ids, created, last used */
static int
apikey_list(struct ctl *c, int argc, char **argv)
{
	const char	*pos[1], *id, *u;
	char		 h[64], akey[RKEY_MAX], ukey[RKEY_MAX];
	json_t		*keys, *used, *out, *v;
	struct keyrow	*rows;
	size_t		 i, n = 0;

	ctl_args(c, argc, argv, NULL, pos, 1, 1, "apikey list HANDLE");
	ctl_member(c, pos[0], h, sizeof(h));
	ctl_key(c, akey, RKEY_APIKEYS, h, NULL);
	ctl_key(c, ukey, RKEY_APIKEYS_USED, h, NULL);
	keys = ctl_hgetall(c, akey);
	used = ctl_hgetall(c, ukey);
	/* Collected, then sorted once: n log n, for however many keys. */
	rows = xcalloc(json_object_size(keys) + 1, sizeof(*rows));
	json_object_foreach(keys, id, v) {
		u = json_string_value(json_object_get(used, id));
		rows[n].id = id;
		rows[n].created = atoll(json_string_value(v));
		rows[n++].used = u ? atoll(u) : 0;
	}
	qsort(rows, n, sizeof(*rows), cmp_key);
	if (c->json) {
		out = json_array();
		for (i = 0; i < n; i++)
			json_array_append_new(out, json_pack("{s:s, s:I, s:I}",
			    "id", rows[i].id, "created",
			    (json_int_t)rows[i].created, "last_used",
			    (json_int_t)rows[i].used));
		ctl_emit(c, out);
	} else {
		printf("%-8s  %-20s  %s\n", "ID", "CREATED", "LAST USED");
		for (i = 0; i < n; i++) {
			printf("%-8s  %-20s  ", ctl_tx(rows[i].id),
			    ctl_time(rows[i].created));
			printf("%s\n", ctl_time(rows[i].used));
		}
	}
	free(rows);
	json_decref(keys);
	json_decref(used);
	return CTL_EXIT_OK;
}

/* id_ok - 8 lower-case hex digits */
static int
id_ok(const char *id)
{
	size_t	 i;

	for (i = 0; id[i]; i++)
		if (!((id[i] >= '0' && id[i] <= '9') ||
		    (id[i] >= 'a' && id[i] <= 'f')))
			return 0;
	return i == 2 * APIKEY_ID_BYTES;
}

/* apikey_revoke - apikey revoke HANDLE ID */
static int
apikey_revoke(struct ctl *c, int argc, char **argv)
{
	const char	*pos[2], *keys[2], *args[1];
	char		 h[64], akey[RKEY_MAX], ukey[RKEY_MAX];
	redisReply	*r;
	int		 gone, used;

	ctl_args(c, argc, argv, NULL, pos, 2, 2, "apikey revoke HANDLE ID");
	ctl_member(c, pos[0], h, sizeof(h));
	if (!id_ok(pos[1]))
		ctl_user(c, "invalid", pos[1], "a key id is 8 hex digits "
		    "(relayctl apikey list %s)", h);
	ctl_key(c, akey, RKEY_APIKEYS, h, NULL);
	ctl_key(c, ukey, RKEY_APIKEYS_USED, h, NULL);
	keys[0] = akey;
	keys[1] = ukey;
	args[0] = pos[1];
	r = ctl_script(c, "ctl_hdel_both", 2, keys, 1, args);
	gone = r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
	    r->element[0]->integer == 1;
	used = r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
	    r->element[1]->integer == 1;
	freeReplyObject(r);
	if (!gone && !used)
		ctl_user(c, "unknown_apikey", pos[1], "no such key for %s", h);
	if (c->json)
		ctl_emit(c, json_pack("{s:s, s:s, s:b, s:b}", "handle", h, "id",
		    pos[1], "revoked", 1, "leftovers_only", !gone));
	else if (gone)
		printf("key %s of %s revoked\n", pos[1], h);
	else
		printf("key %s of %s was already revoked; its leftover "
		    "last-login entry is gone now\n", pos[1], h);
	return CTL_EXIT_OK;
}

int
cmd_apikey(struct ctl *c, int argc, char **argv)
{
	if (argc < 2)
		ctl_user(c, "usage", NULL, "apikey create|list|revoke ...");
	if (strcmp(argv[1], "create") == 0) {
		c->cmd = "apikey create";
		return apikey_create(c, argc - 1, argv + 1);
	}
	if (strcmp(argv[1], "list") == 0) {
		c->cmd = "apikey list";
		return apikey_list(c, argc - 1, argv + 1);
	}
	if (strcmp(argv[1], "revoke") == 0) {
		c->cmd = "apikey revoke";
		return apikey_revoke(c, argc - 1, argv + 1);
	}
	ctl_user(c, "usage", argv[1], "unknown apikey command (create, list, "
	    "revoke)");
}
