/*
 * NAME
 *	cmd_member - relayctl member add|show|list|remove|suspend|unsuspend
 * DESCRIPTION
 *	A member is relay:{m:H}:member plus its entry in relay:members
 *	(common/SCHEMA.md). add creates the hash first (one script, refuses
 *	a duplicate) and then indexes it; remove deletes the hash and its
 *	keys first (refused while domains are enrolled or being enrolled
 *	under it: domain add claims relay:{m:H}:domains before it writes
 *	anything else) and then drops the index entry, so a run stopped half
 *	way never leaves a member that logs in without a record. Either is
 *	finished by running the same command again. Both run under the admin
 *	lock (ctl_lock), with domain add and remove.
 * SEE ALSO
 *	relayctl(8), common/lua/ctl_create.lua, ctl_member_remove.lua
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_table.h"
#include "ctl.h"
#include "ident.h"
#include "rates.h"
#include "xalloc.h"

#include "ratewin.h"

#define REASON_MAX	200

/*
 * A member's own caps (SCHEMA.md: relay:{m:H}:member) and the relay.conf
 * setting each overrides, whose range they share; 0 = no cap, as there.
 */
static const struct limit {
	const char	*opt, *field, *section, *setting;
} limits[] = {
	{ "per-hour", "per_hour", "warming", "standard_per_hour" },
	{ "per-day", "per_day", "warming", "standard_per_day" },
	{ "queue-cap", "queue_cap", "policyd", "queue_cap" },
};
#define NLIMITS	(sizeof(limits) / sizeof(limits[0]))

/*
 * add_again - member add of a handle whose record exists: an add that
 * stopped before the index entry (same DID, not listed) is finished;
 * anything else is a duplicate
 */
static int
add_again(struct ctl *c, const char *h, const char *did, const char *arg)
{
	char		 key[RKEY_MAX], idx[RKEY_MAX], *have;
	redisReply	*r;
	int		 listed;

	ctl_key(c, key, RKEY_MEMBER, h, NULL);
	ctl_key(c, idx, RKEY_MEMBERS, NULL, NULL);
	r = ctl_cmdf(c, "SISMEMBER %s %s", idx, h);
	listed = r->type == REDIS_REPLY_INTEGER && r->integer == 1;
	freeReplyObject(r);
	if (listed)
		ctl_user(c, "exists", arg, "member already exists");
	have = ctl_hget(c, key, "did");
	if (have == NULL || strcmp(have, did) != 0)
		ctl_user(c, "exists", arg, "member already exists, with DID %s, "
		    "but is not listed: an earlier member add stopped half way "
		    "(relayctl member add %s --did %s finishes it)",
		    have ? have : "(none)", h, have ? have : "...");
	free(have);
	ctl_finish(c, "SADD %s %s", idx, h);
	if (c->json)
		ctl_emit(c, json_pack("{s:s, s:s, s:b}", "handle", h, "did", did,
		    "already_added", 1));
	else
		printf("member %s was already added (%s); its index entry is "
		    "complete now\n", h, did);
	return CTL_EXIT_OK;
}

/* member_add - member add HANDLE --did DID */
static int
member_add(struct ctl *c, int argc, char **argv)
{
	const char	*did = NULL, *pos[1], *why = "invalid";
	struct ctl_opt	 opts[] = { { "did", 1, &did }, { NULL, 0, NULL } };
	char		 h[64], key[RKEY_MAX], idx[RKEY_MAX], now[24];
	const char	*keys[1], *args[6];
	redisReply	*r;
	int		 created;

	ctl_args(c, argc, argv, opts, pos, 1, 1, "member add HANDLE --did DID");
	ctl_handle(c, pos[0], h, sizeof(h));
	c->create_schema = 1;	/* the first data of a new Redis */
	if (did == NULL)
		ctl_user(c, "usage", "--did", "required (did:plc:... or did:web:...)");
	if (ident_did_check(did, &why) != 0)
		ctl_user(c, "invalid_did", did, "%s", why);
	ctl_key(c, key, RKEY_MEMBER, h, NULL);
	ctl_key(c, idx, RKEY_MEMBERS, NULL, NULL);
	snprintf(now, sizeof(now), "%lld", (long long)c->now);
	keys[0] = key;
	args[0] = "did"; args[1] = did;
	args[2] = "created"; args[3] = now;
	args[4] = "suspended"; args[5] = "0";
	ctl_lock(c);
	r = ctl_script(c, "ctl_create", 1, keys, 6, args);
	created = !(r->type == REDIS_REPLY_INTEGER && r->integer == 0);
	freeReplyObject(r);
	if (!created)
		return add_again(c, h, did, pos[0]);
	ctl_finish(c, "SADD %s %s", idx, h);
	if (c->json)
		ctl_emit(c, json_pack("{s:s, s:s, s:I}", "handle", h, "did", did,
		    "created", (json_int_t)c->now));
	else
		printf("member %s added (%s)\n", h, did);
	return CTL_EXIT_OK;
}

/* hlen - number of fields of a hash */
static long long
hlen(struct ctl *c, enum rkey_kind kind, const char *h)
{
	char		 key[RKEY_MAX];
	redisReply	*r;
	long long	 n;

	ctl_key(c, key, kind, h, NULL);
	r = ctl_cmdf(c, "HLEN %s", key);
	n = r->type == REDIS_REPLY_INTEGER ? r->integer : 0;
	freeReplyObject(r);
	return n;
}

json_t *
ctl_member_obj(const char *h, const json_t *m)
{
	json_t		*o;
	const char	*s;

	s = json_string_value(json_object_get(m, "suspended"));
	o = json_pack("{s:o, s:s, s:I, s:b}", "handle", ctl_jstr(h),
	    "did", json_string_value(json_object_get(m, "did")) ?
	    json_string_value(json_object_get(m, "did")) : "",
	    "created", (json_int_t)atoll(json_string_value(
	    json_object_get(m, "created")) ? json_string_value(
	    json_object_get(m, "created")) : "0"),
	    "suspended", s != NULL && strcmp(s, "1") == 0);
	if (s != NULL && strcmp(s, "1") == 0) {
		json_object_set(o, "suspend_reason",
		    json_object_get(m, "suspend_reason"));
		json_object_set(o, "suspended_by",
		    json_object_get(m, "suspended_by"));
		s = json_string_value(json_object_get(m, "suspended_at"));
		json_object_set_new(o, "suspended_at",
		    json_integer(s ? atoll(s) : 0));
	}
	return o;
}

/* rate_json - one of member show's rates, with its line of text */
static json_t *
rate_json(const struct rate *r, const char *count, const char *total,
    int decimals, const char *window)
{
	json_t	*o = json_object();
	char	 buf[200];

	json_object_set_new(o, count, json_integer(r->count));
	json_object_set_new(o, total, json_integer(r->total));
	json_object_set_new(o, "rate", r->total > 0 ? json_real(r->pct) :
	    json_null());
	json_object_set_new(o, "judged", json_boolean(r->judged));
	json_object_set_new(o, "warn_rate", json_real(r->warn));
	json_object_set_new(o, "suspend_rate", json_real(r->suspend));
	rates_text(r, decimals, window, buf, sizeof(buf));
	json_object_set_new(o, "text", json_string(buf));
	return o;
}

/*
 * rates_json - the bounce and complaint rates the member's next outcome
 * or complaint is judged on (rates.h), from the window's buckets
 */
static json_t *
rates_json(struct ctl *c, const char *h, json_t *m)
{
	const struct conf_suspension *sp = &c->conf->suspension;
	char		 key[RKEY_MAX], w[32];
	json_t		*out, *cpl, *o;
	const char	*s;
	long long	 ws, sent, bounced, n;
	struct rate	 r;

	s = json_string_value(json_object_get(m, "window_start"));
	ws = s != NULL ? atoll(s) : 0;
	ctl_key(c, key, RKEY_OUTCOMES, h, NULL);
	out = ctl_hgetall(c, key);
	ctl_key(c, key, RKEY_COMPLAINTS, h, NULL);
	cpl = ctl_hgetall(c, key);
	sent = rates_sum(out, "s:", c->now, sp->window_s, ws);
	bounced = rates_sum(out, "b:", c->now, sp->window_s, ws);
	n = rates_sum(cpl, "c:", c->now, sp->window_s, ws);
	json_decref(out);
	json_decref(cpl);

	o = json_object();
	json_object_set_new(o, "window", json_integer(sp->window_s));
	json_object_set_new(o, "min_volume", json_integer(sp->min_volume));
	ratewin_label(sp->window_s, w, sizeof(w));
	/* one decimal for bounces, two for complaints: the log's texts */
	rates_judge(&r, bounced, sent + bounced, sp->warn_rate,
	    sp->suspend_rate, sp->min_volume);
	json_object_set_new(o, "bounce", rate_json(&r, "bounced",
	    "outcomes", 1, w));
	rates_judge(&r, n, sent, sp->complaint_warn_rate,
	    sp->complaint_suspend_rate, sp->min_volume);
	json_object_set_new(o, "complaint", rate_json(&r, "complaints",
	    "delivered", 2, w));
	return o;
}

/* rates_print - member show's two lines of rates */
static void
rates_print(json_t *o)
{
	printf("bounces:    %s\n", json_string_value(json_object_get(
	    json_object_get(o, "bounce"), "text")));
	printf("complaints: %s\n", json_string_value(json_object_get(
	    json_object_get(o, "complaint"), "text")));
}

/* member_json - member show's JSON of one member (NULL when absent) */
static json_t *
member_json(struct ctl *c, const char *h)
{
	char		 key[RKEY_MAX];
	json_t		*m, *o, *l;
	const char	*s;
	size_t		 i;

	ctl_key(c, key, RKEY_MEMBER, h, NULL);
	m = ctl_hgetall(c, key);
	if (json_object_size(m) == 0) {
		json_decref(m);
		return NULL;
	}
	o = ctl_member_obj(h, m);
	l = json_object();
	for (i = 0; i < NLIMITS; i++)
		if ((s = json_string_value(json_object_get(m,
		    limits[i].field))) != NULL)
			json_object_set_new(l, limits[i].field,
			    json_integer(atoll(s)));
	json_object_set_new(o, "limits", l);
	ctl_key(c, key, RKEY_MEMBER_DOMAINS, h, NULL);
	json_object_set_new(o, "domains", ctl_smembers(c, key));
	json_object_set_new(o, "apikeys",
	    json_integer(hlen(c, RKEY_APIKEYS, h)));
	json_object_set_new(o, "suppressed",
	    json_integer(hlen(c, RKEY_SUPPRESS, h)));
	json_object_set_new(o, "rates", rates_json(c, h, m));
	json_decref(m);
	return o;
}

/* member_show - member show HANDLE */
static int
member_show(struct ctl *c, int argc, char **argv)
{
	const char	*pos[1];
	char		 h[64];
	json_t		*o, *v;
	size_t		 i;

	ctl_args(c, argc, argv, NULL, pos, 1, 1, "member show HANDLE");
	ctl_handle(c, pos[0], h, sizeof(h));
	if ((o = member_json(c, h)) == NULL)
		ctl_user(c, "unknown_member", pos[0], "no such member");
	if (c->json) {
		ctl_emit(c, o);
		return CTL_EXIT_OK;
	}
	printf("handle:     %s\ndid:        %s\ncreated:    %s\n", h,
	    ctl_txf(o, "did", ""),
	    ctl_time(json_integer_value(json_object_get(o, "created"))));
	if (json_is_true(json_object_get(o, "suspended")))
		printf("suspended:  yes, by %s at %s: %s\n",
		    ctl_txf(o, "suspended_by", "?"),
		    ctl_time(json_integer_value(json_object_get(o,
		    "suspended_at"))), ctl_txf(o, "suspend_reason", ""));
	else
		printf("suspended:  no\n");
	printf("limits:    ");
	for (i = 0; i < NLIMITS; i++) {
		v = json_object_get(json_object_get(o, "limits"),
		    limits[i].field);
		if (v != NULL)
			printf(" %s=%lld", limits[i].field,
			    (long long)json_integer_value(v));
		else
			printf(" %s=(relay.conf)", limits[i].field);
	}
	printf("\napi keys:   %lld\nsuppressed: %lld\ndomains:   ",
	    (long long)json_integer_value(json_object_get(o, "apikeys")),
	    (long long)json_integer_value(json_object_get(o, "suppressed")));
	json_array_foreach(json_object_get(o, "domains"), i, v)
		printf(" %s", ctl_tx(json_string_value(v)));
	printf("%s\n", json_array_size(json_object_get(o, "domains")) ? "" :
	    " (none)");
	rates_print(json_object_get(o, "rates"));
	json_decref(o);
	return CTL_EXIT_OK;
}

/*
 * has_domains - member remove refused: name each domain of the member's
 * set that is not simply enrolled (an add stopped half way, an entry
 * left over), then exit 1
 */
static void
has_domains(struct ctl *c, const char *h, const char *arg)
{
	char		 key[RKEY_MAX];
	const char	*d;
	redisReply	*r;
	json_t		*ds, *v;
	size_t		 i;

	ctl_key(c, key, RKEY_MEMBER_DOMAINS, h, NULL);
	ds = ctl_smembers(c, key);
	json_array_foreach(ds, i, v) {
		d = json_string_value(v);
		if (rkey(key, sizeof(key), RKEY_DOMAIN, d, NULL) < 0)
			continue;
		r = ctl_cmdf_or(c, "HGET %s member", key);
		if (r->type == REDIS_REPLY_NIL)
			ctl_note(c, d, "no domain record: a domain add or "
			    "remove stopped half way (relayctl domain remove %s "
			    "finishes a remove and undoes an add; relayctl "
			    "domain add %s --member %s finishes an add)",
			    d, d, h);
		else if (r->type == REDIS_REPLY_STRING && strcmp(r->str, h) != 0)
			ctl_note(c, d, "enrolled by %s: %s's entry is left over "
			    "(relayctl domain add %s --member %s removes it)",
			    ctl_tx(r->str), h, d, h);
		else if (r->type == REDIS_REPLY_ERROR)
			ctl_note(c, d, "%s cannot be read (%s)", key, r->str);
		freeReplyObject(r);
	}
	json_decref(ds);
	ctl_user(c, "member_has_domains", arg, "domains are enrolled under "
	    "this member: remove them first (relayctl domain list --member %s)",
	    h);
}

/* member_remove - member remove HANDLE */
static int
member_remove(struct ctl *c, int argc, char **argv)
{
	static const enum rkey_kind kinds[] = { RKEY_MEMBER,
	    RKEY_MEMBER_DOMAINS, RKEY_APIKEYS, RKEY_APIKEYS_USED,
	    RKEY_SUPPRESS, RKEY_SOFT, RKEY_OUTCOMES, RKEY_COMPLAINTS,
	    RKEY_INFLIGHT, RKEY_RECENT, RKEY_APPLIED };
	const size_t	 nk = sizeof(kinds) / sizeof(kinds[0]);
	char		 keybuf[sizeof(kinds) / sizeof(kinds[0])][RKEY_MAX];
	const char	*keys[sizeof(kinds) / sizeof(kinds[0])], *pos[1];
	char		 h[64], idx[RKEY_MAX];
	redisReply	*r;
	long long	 res;
	size_t		 i;

	ctl_args(c, argc, argv, NULL, pos, 1, 1, "member remove HANDLE");
	ctl_handle(c, pos[0], h, sizeof(h));
	for (i = 0; i < nk; i++) {
		ctl_key(c, keybuf[i], kinds[i], h, NULL);
		keys[i] = keybuf[i];
	}
	ctl_key(c, idx, RKEY_MEMBERS, NULL, NULL);
	ctl_lock(c);
	r = ctl_script(c, "ctl_member_remove", (int)nk, keys, 0, NULL);
	res = r->type == REDIS_REPLY_INTEGER ? r->integer : 0;
	freeReplyObject(r);
	if (res < 0)
		has_domains(c, h, pos[0]);
	/* Record gone: finish a remove that stopped before the index. */
	if (res == 0 && ctl_finish(c, "SREM %s %s", idx, h) == 0)
		ctl_user(c, "unknown_member", pos[0], "no such member");
	if (res != 0)
		ctl_finish(c, "SREM %s %s", idx, h);
	if (c->json)
		ctl_emit(c, json_pack("{s:s, s:b, s:b}", "handle", h, "removed", 1,
		    "leftovers_only", res == 0));
	else if (res == 0)
		printf("member %s was already removed; its leftover index entry "
		    "is gone now\n", h);
	else
		printf("member %s removed\n", h);
	return CTL_EXIT_OK;
}

/* member_suspend - member suspend HANDLE --reason TEXT, member unsuspend HANDLE */
static int
member_suspend(struct ctl *c, int argc, char **argv, int on)
{
	const char	*reason = NULL, *pos[1], *keys[1], *args[8], *p;
	struct ctl_opt	 opts[] = { { "reason", 1, &reason }, { NULL, 0, NULL } };
	char		 h[64], key[RKEY_MAX], now[24];
	redisReply	*r;
	int		 ok;

	ctl_args(c, argc, argv, on ? opts : NULL, pos, 1, 1, on ?
	    "member suspend HANDLE --reason TEXT" : "member unsuspend HANDLE");
	ctl_handle(c, pos[0], h, sizeof(h));
	if (on) {
		if (reason == NULL || *reason == '\0')
			ctl_user(c, "usage", "--reason", "required: the text "
			    "the member sees in the 521 reply");
		if (strlen(reason) > REASON_MAX)
			ctl_user(c, "invalid", "--reason", "at most %d characters",
			    REASON_MAX);
		/* It goes as is into the 521 reply: SMTP text is ASCII. */
		for (p = reason; *p; p++)
			if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
				ctl_user(c, "invalid", "--reason", "printable "
				    "ASCII only (it is the text of the 521 "
				    "reply): no control characters, no 8-bit "
				    "bytes");
	}
	ctl_key(c, key, RKEY_MEMBER, h, NULL);
	snprintf(now, sizeof(now), "%lld", (long long)c->now);
	keys[0] = key;
	args[0] = "suspended"; args[1] = on ? "1" : "0";
	args[2] = "suspend_reason"; args[3] = on ? reason : "";
	args[4] = "suspended_by"; args[5] = on ? "admin" : "";
	/* Unsuspending restarts the rate windows (SCHEMA.md). */
	args[6] = on ? "suspended_at" : "window_start"; args[7] = now;
	r = ctl_script(c, "ctl_hset_if", 1, keys, 8, args);
	ok = r->type == REDIS_REPLY_INTEGER && r->integer == 1;
	freeReplyObject(r);
	if (!ok)
		ctl_user(c, "unknown_member", pos[0], "no such member");
	if (c->json)
		ctl_emit(c, json_pack("{s:s, s:b, s:s?}", "handle", h,
		    "suspended", on, "suspend_reason", on ? reason : NULL));
	else
		printf("member %s %s\n", h, on ? "suspended" : "unsuspended");
	return CTL_EXIT_OK;
}

/* limit_value - an option's value: "" for default, else a number in range */
static const char *
limit_value(struct ctl *c, const struct limit *l, const char *v, char *buf,
    size_t len, long long *n)
{
	const struct conf_decl *d = NULL;
	char		*end, opt[32];
	size_t		 i;

	*n = -1;
	if (strcmp(v, "default") == 0)
		return "";
	for (i = 0; i < conf_ndecls && d == NULL; i++)
		if (strcmp(conf_decls[i].section, l->section) == 0 &&
		    strcmp(conf_decls[i].name, l->setting) == 0)
			d = &conf_decls[i];
	*n = strtoll(v, &end, 10);
	snprintf(opt, sizeof(opt), "--%s", l->opt);
	if (d == NULL || *v < '0' || *v > '9' || *end != '\0' ||
	    *n < (long long)d->min || *n > (long long)d->max)
		ctl_user(c, "invalid", opt, "a number from %.0f to %.0f "
		    "(0: no cap), or \"default\" (relay.conf's %s.%s)",
		    d ? d->min : 0, d ? d->max : 0, l->section, l->setting);
	snprintf(buf, len, "%lld", *n);
	return buf;
}

/* member_limits - member limits HANDLE [--per-hour N] [--per-day N] [--queue-cap N] */
static int
member_limits(struct ctl *c, int argc, char **argv)
{
	const char	*val[NLIMITS] = { NULL }, *pos[1], *keys[1];
	const char	*args[2 * NLIMITS];
	struct ctl_opt	 opts[NLIMITS + 1];
	char		 h[64], key[RKEY_MAX], buf[NLIMITS][24];
	long long	 n[NLIMITS], res;
	redisReply	*r;
	size_t		 i;
	int		 na = 0;

	for (i = 0; i < NLIMITS; i++) {
		opts[i].name = limits[i].opt;
		opts[i].has_arg = 1;
		opts[i].val = &val[i];
	}
	opts[NLIMITS].name = NULL;
	ctl_args(c, argc, argv, opts, pos, 1, 1, "member limits HANDLE "
	    "[--per-hour N|default] [--per-day N|default] "
	    "[--queue-cap N|default]");
	ctl_handle(c, pos[0], h, sizeof(h));
	for (i = 0; i < NLIMITS; i++) {
		if (val[i] == NULL) {
			n[i] = -1;
			continue;
		}
		args[na++] = limits[i].field;
		args[na++] = limit_value(c, &limits[i], val[i], buf[i],
		    sizeof(buf[i]), &n[i]);
	}
	if (na == 0)
		ctl_user(c, "usage", NULL, "nothing to set: give --per-hour, "
		    "--per-day or --queue-cap");
	ctl_key(c, key, RKEY_MEMBER, h, NULL);
	keys[0] = key;
	r = ctl_script(c, "ctl_member_limits", 1, keys, na, args);
	res = r->type == REDIS_REPLY_INTEGER ? r->integer : 0;
	freeReplyObject(r);
	if (res == 0)
		ctl_user(c, "unknown_member", pos[0], "no such member");
	if (res < 0)	/* name the option given: --per-day alone too */
		ctl_user(c, "invalid", val[0] != NULL ? "--per-hour" :
		    "--per-day", "per_hour would be above per_day: nothing "
		    "changed");
	if (c->json) {
		json_t *o = json_pack("{s:s}", "handle", h);

		for (i = 0; i < NLIMITS; i++)
			if (val[i] != NULL)
				json_object_set_new(o, limits[i].field, n[i] < 0 ?
				    json_null() : json_integer(n[i]));
		ctl_emit(c, o);
	} else
		printf("member %s limits set\n", h);
	return CTL_EXIT_OK;
}

int
cmd_member(struct ctl *c, int argc, char **argv)
{
	if (argc < 2)
		ctl_user(c, "usage", NULL, "member add|show|list|remove|"
		    "suspend|unsuspend|limits ...");
	if (strcmp(argv[1], "add") == 0) {
		c->cmd = "member add";
		return member_add(c, argc - 1, argv + 1);
	}
	if (strcmp(argv[1], "show") == 0) {
		c->cmd = "member show";
		return member_show(c, argc - 1, argv + 1);
	}
	if (strcmp(argv[1], "list") == 0) {
		c->cmd = "member list";
		return ctl_member_list(c, argc - 1, argv + 1);
	}
	if (strcmp(argv[1], "remove") == 0) {
		c->cmd = "member remove";
		return member_remove(c, argc - 1, argv + 1);
	}
	if (strcmp(argv[1], "suspend") == 0) {
		c->cmd = "member suspend";
		return member_suspend(c, argc - 1, argv + 1, 1);
	}
	if (strcmp(argv[1], "unsuspend") == 0) {
		c->cmd = "member unsuspend";
		return member_suspend(c, argc - 1, argv + 1, 0);
	}
	if (strcmp(argv[1], "limits") == 0) {
		c->cmd = "member limits";
		return member_limits(c, argc - 1, argv + 1);
	}
	ctl_user(c, "usage", argv[1], "unknown member command (add, show, list, "
	    "remove, suspend, unsuspend, limits)");
}
