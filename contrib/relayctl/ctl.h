/*
 * NAME
 *	ctl - what every relayctl command shares
 * DESCRIPTION
 *	One struct ctl per run: the config, the Redis connection (made on
 *	first use), --json, the command name for messages, and "now".
 *
 *	Exit codes: 0 success, 1 user error (a bad argument, an unknown
 *	member, a duplicate), 2 backend error (Redis, DNS, key generation).
 *	The ctl_fail*() functions print the error, name the argument at
 *	fault, and exit: relayctl is a one-shot tool, so a backend error ends
 *	the run. Commands order their writes so that a run stopped half way
 *	leaves nothing that another program would read as valid.
 *
 *	With --json every run prints one JSON document on stdout, and an
 *	error is {"error": {"code", "message", "argument"}} on stdout too
 *	(the text goes to stderr as always). A listing that fails or skips
 *	records after its array began ends the array with that error object
 *	as its last element (ctl_out.c). A run that could not write stdout
 *	exits 2 (ctl_flush).
 *
 *	With redis.wait_replicas, a run that wrote waits at its end until
 *	that many replicas hold its writes (ctl_settle), else exits 2: the
 *	change is on the primary, but a failover could lose it.
 * SEE ALSO
 *	relayctl(8), ctl_util.c, ctl_out.c
 */
#ifndef RELAY_CTL_H
#define RELAY_CTL_H

#include <stddef.h>
#include <time.h>

#include <hiredis.h>
#include <jansson.h>

#include "conf.h"
#include "rkeys.h"

#define CTL_EXIT_OK	 0
#define CTL_EXIT_USER	 1
#define CTL_EXIT_BACKEND 2

/* The admin lock (ctl_lock): how long it lives, how long a run waits. */
#define CTL_LOCK_TTL_MS	 30000
#define CTL_LOCK_WAIT_MS 10000
#define CTL_LOCK_VAL_MAX 160

struct rconn;

struct ctl {
	const char		*conf_path;
	struct relay_conf	*conf;
	struct rconn		*rc;		/* NULL until ctl_redis() */
	int			 json;
	int			 tty;		/* stderr is a terminal */
	const char		*cmd;		/* "member add", for messages */
	time_t			 now;
	int			 locked;	/* holds the admin lock */
	int			 create_schema;	/* member add: sets relay:schema */
	long			 stream_n;	/* elements of an open array */
	int			 wrote;		/* a write went out */
	unsigned long		 wrote_at;	/* rconn_attempts() before it */
	int			 out_err;	/* a JSON document did not print */
	char			 lock_val[CTL_LOCK_VAL_MAX];
};

/* One option of a command: --name [value]. */
struct ctl_opt {
	const char	*name;		/* without the dashes */
	int		 has_arg;
	const char	**val;		/* set to the value, or "1" */
};

/*
 * ctl_args - split argv into options (from opts, NULL-terminated by
 * name) and positional arguments. Exits 1 on an unknown option, a
 * missing value, or a number of positional arguments outside min..max.
 * Returns the number of positional arguments, stored in pos[].
 */
int	 ctl_args(struct ctl *, int argc, char **argv, const struct ctl_opt *,
	    const char **pos, int min, int max, const char *usage);

/* Errors: print and exit. code is a JSON error code ("not_found"). */
void	 ctl_fail(struct ctl *, int exitcode, const char *code,
	    const char *arg, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6), noreturn));
#define	 ctl_user(c, code, arg, ...) \
	    ctl_fail((c), CTL_EXIT_USER, (code), (arg), __VA_ARGS__)
/* ctl_fail_with - the same, extra's members (taken) join the error object */
void	 ctl_fail_with(struct ctl *, int exitcode, const char *code,
	    const char *arg, json_t *extra, const char *fmt, ...)
	    __attribute__((format(printf, 6, 7), noreturn));
void	 ctl_backend(struct ctl *, const char *what)
	    __attribute__((noreturn));
/*
 * ctl_conf_fail - relay.conf did not load: each line of err on stderr
 * (escaped), and as the "errors" array of the JSON error; exit 1
 */
void	 ctl_conf_fail(struct ctl *, const char *err)
	    __attribute__((noreturn));
/* ctl_error_json - the object {"code", "message", "argument"} (new) */
json_t	*ctl_error_json(const char *code, const char *arg, const char *msg);
/* ctl_note - a message on stderr, in the same form, that ends nothing */
void	 ctl_note(struct ctl *, const char *arg, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/*
 * ctl_note_unreadable - a listing skips a record it cannot read (wrong
 * type): "ID: KEY cannot be read (WHY): not listed" on stderr
 */
void	 ctl_note_unreadable(struct ctl *, enum rkey_kind, const char *id,
	    const char *why);
/* ctl_skip - ctl_note_unreadable, and {"id", "error"} appended to skipped */
void	 ctl_skip(struct ctl *, json_t *skipped, enum rkey_kind,
	    const char *id, const char *why);

/*
 * ctl_lock - take the admin lock, relay:ctl:lock (SET NX PX
 * CTL_LOCK_TTL_MS, the value a random token, the time, pid, host and
 * command), which serialises the commands that change who owns what:
 * member add and remove, domain add and remove. Their checks span slots
 * (a member's keys, a domain's, the index sets), so no one script can
 * make them atomic; the lock makes them run one at a time. A run that
 * finds it taken polls for up to CTL_LOCK_WAIT_MS, then exits 2 naming
 * the lock, its holder and its age. Call after the arguments are
 * checked, before the first read the command acts on.
 * ctl_unlock - release it (a compare-and-delete script: never another
 * run's lock); no-op when not held. ctl_fail() and relayctl's main()
 * call it, so every exit releases the lock; a run that dies leaves it to
 * expire.
 */
void	 ctl_lock(struct ctl *);
void	 ctl_unlock(struct ctl *);
/*
 * ctl_lock_keep - right before a locked command's first write: renew the
 * lock for CTL_LOCK_TTL_MS if it is still ours, else (it expired while the
 * command was stopped or slow, and another run may hold it) exit 2 with
 * nothing written. A run finding the lock held by a relayctl of this host
 * whose process is gone takes it over (ctl_lock_cas.lua).
 */
void	 ctl_lock_keep(struct ctl *);

/* ctl_emit - print a JSON document (takes the reference) */
void	 ctl_emit(struct ctl *, json_t *);
/*
 * ctl_done - end a listing: print j with --json (the text form was printed
 * as it was built), drop it otherwise; returns CTL_EXIT_OK
 */
int	 ctl_done(struct ctl *, json_t *);
/*
 * ctl_stream_item - one element of a streamed JSON array (takes o); the
 * "[" is printed with the first, so an error before it is a plain error
 * document. ctl_stream_end - close the array (with last as its final
 * element when not NULL); "[]" when nothing was printed; CTL_EXIT_OK.
 * ctl_fail() of a run whose array is open ends it with the error.
 */
void	 ctl_stream_item(struct ctl *, json_t *o);
int	 ctl_stream_end(struct ctl *, json_t *last);
/*
 * ctl_stream_done - end a streamed listing that left out the records in
 * skipped (taken; from ctl_skip): when there are any, a line on stderr
 * and, with --json, {"error": {"code": "unreadable", ..., "skipped":
 * [...]}} as the array's last element; CTL_EXIT_BACKEND then, else
 * CTL_EXIT_OK. The array is closed (ctl_stream_end) with --json. what
 * names the records ("members").
 */
int	 ctl_stream_done(struct ctl *, json_t *skipped, const char *what);
/*
 * ctl_flush - flush stdout: 0, or -1 (said on stderr) when any of it
 * could not be written
 */
int	 ctl_flush(struct ctl *);

/* Redis: every function exits 2 on a backend failure. */
struct rconn *ctl_redis(struct ctl *);
void	 ctl_key(struct ctl *, char *buf, enum rkey_kind, const char *id,
	    const char *sub);
redisReply *ctl_cmd(struct ctl *, int argc, const char **argv);
redisReply *ctl_cmdf(struct ctl *, const char *fmt, ...);
/*
 * ctl_cmdf_or - the same, but an error reply (WRONGTYPE, NOPERM) is
 * returned as a REDIS_REPLY_ERROR reply, not fatal; an I/O failure still is
 */
redisReply *ctl_cmdf_or(struct ctl *, const char *fmt, ...);
/*
 * ctl_wrote - a write is about to go out: with redis.wait_replicas, note
 * the connection it goes out on, for ctl_settle
 * ctl_settle - the end of a run that wrote: WAIT for redis.wait_replicas
 * replicas; rc, or 2 (said on stderr) when fewer acknowledged in
 * redis.wait_ms or the connection changed after the first write
 */
void	 ctl_wrote(struct ctl *);
int	 ctl_settle(struct ctl *, int rc);
/*
 * ctl_script - EVALSHA of common/lua/NAME.lua (one that writes: ctl_wrote);
 * an integer or array reply
 */
redisReply *ctl_script(struct ctl *, const char *name, int nkeys,
	    const char **keys, int nargs, const char **args);
/*
 * ctl_script_finish - ctl_script for a later write of a command whose
 * first write went through: a failure tells the admin to run the same
 * command again (as ctl_finish)
 */
redisReply *ctl_script_finish(struct ctl *, const char *name, int nkeys,
	    const char **keys, int nargs, const char **args);
/* ctl_hget - a field as a new string, or NULL when absent */
char	*ctl_hget(struct ctl *, const char *key, const char *field);
/* ctl_hgetall - a hash as a JSON object of strings (new reference) */
json_t	*ctl_hgetall(struct ctl *, const char *key);
/*
 * ctl_hgetall_docs - the same, but a value that is a stored JSON object
 * or array ("rcpts", "r:ADDRESS") is parsed (ctl_jload) instead
 */
json_t	*ctl_hgetall_docs(struct ctl *, const char *key);
/* ctl_hash_json - a hash (HGETALL) reply as a JSON object of strings (new) */
json_t	*ctl_hash_json(const redisReply *);
/*
 * ctl_pipe - "CMD KEY ARGS..." for each of the n keys (a NULL key is left
 * out, its reply NULL), in one round trip. out[i] is the reply for
 * keys[i], error replies (WRONGTYPE) included: the caller frees each. An
 * I/O failure ends the run (exit 2, ctl_backend). At most CTL_PIPE_ARGS
 * args.
 */
#define CTL_PIPE_ARGS	8
void	 ctl_pipe(struct ctl *, const char *cmd, const char *const *keys,
	    size_t n, int nargs, const char *const *args, redisReply **out);
/*
 * ctl_sscan - SSCAN KEY CURSOR COUNT count: the reply (the caller frees
 * it), whose element[1] is the array of names; cursor (CTL_CURSOR_MAX
 * bytes, "0" to start) is set to the next one, "0" at the end. An
 * unexpected reply ends the run (exit 2).
 */
#define CTL_CURSOR_MAX	32
redisReply *ctl_sscan(struct ctl *, const char *key, char *cursor,
	    int count);
/* ctl_smembers - a set as a sorted JSON array of strings (new reference) */
json_t	*ctl_smembers(struct ctl *, const char *key);
/*
 * ctl_finish - a later write of a command whose first write went through
 * (fmt as ctl_cmdf). On a failure the run ends with exit 2 and tells the
 * admin to run the same command again: each such command completes a
 * job that was stopped half way. Returns an integer reply, else 0.
 */
long long ctl_finish(struct ctl *, const char *fmt, ...);
/* ctl_exists - 1 or 0 */
int	 ctl_exists(struct ctl *, const char *key);

/*
 * Stored, network and command-line text is arbitrary bytes. These are
 * the one way it reaches the output (parse_clean: valid UTF-8 as is, any
 * other byte as the text \xNN):
 * ctl_jstrn/ctl_jstr - a JSON string (new reference); NULL in, NULL out
 * ctl_jload - a stored JSON document (new reference), NULL when not JSON
 * ctl_tx - for a terminal: control characters escaped too; NULL gives "";
 *	the result lives until the eighth call after
 * ctl_txf - ctl_tx of the string member key of o, or dflt when absent
 * ctl_pad - s (already ctl_tx'd) padded with spaces to width characters,
 *	counting a UTF-8 sequence as one (printf's %-Ns counts bytes);
 *	lives as long as ctl_tx's result
 */
json_t	*ctl_jstrn(const char *s, size_t len);
json_t	*ctl_jstr(const char *s);
json_t	*ctl_jload(const char *s, size_t len);
const char *ctl_tx(const char *s);
const char *ctl_txf(const json_t *o, const char *key, const char *dflt);
const char *ctl_pad(const char *s, size_t width);

/* Normalising and checking arguments: exit 1 naming the argument. */
void	 ctl_handle(struct ctl *, const char *in, char *out, size_t outlen);
/* ctl_member - a handle that names an existing member */
void	 ctl_member(struct ctl *, const char *in, char *out, size_t outlen);
void	 ctl_domain(struct ctl *, const char *in, char *out, size_t outlen);
void	 ctl_address(struct ctl *, const char *in, char *out, size_t outlen);

/* ctl_time - "2026-11-23 10:51:28Z" (static storage; "-" for 0) */
const char *ctl_time(long long t);

/*
 * ctl_warming_json - a domain's warming state (warming.c, tier.h): null
 * until it is verified; else tier (0: past warming), tiers, per_hour,
 * per_day (0: unlimited; for tier 0 relay.conf's standard caps, which a
 * member's own limits replace) and until (the tier's end; for tier 0 when
 * warming ended). ctl_warming_text - the same for people (static storage).
 */
json_t	*ctl_warming_json(struct ctl *, long long verified_at);
const char *ctl_warming_text(const json_t *w);

/* The command groups, each in its own file. */
int	 cmd_member(struct ctl *, int argc, char **argv);
int	 cmd_apikey(struct ctl *, int argc, char **argv);
int	 cmd_domain(struct ctl *, int argc, char **argv);
int	 cmd_domain_verify(struct ctl *, int argc, char **argv);
/*
 * ctl_verify_once - domain verify of d without printing: its exit status;
 * *unknown (may be NULL) set when the DNS server did not answer a check
 */
int	 ctl_verify_once(struct ctl *, const char *d, int *unknown);
/* ctl_verify_pending - domain verify --pending (cmd_pending.c) */
int	 ctl_verify_pending(struct ctl *);
/*
 * ctl_domain_obj / ctl_member_obj - a domain's or member's record m (a hash
 * as JSON, ctl_hash_json) as the JSON object show and list print (new;
 * the domain's with its token, which list takes out)
 */
json_t	*ctl_domain_obj(const char *d, const json_t *m);
json_t	*ctl_member_obj(const char *h, const json_t *m);
/* ctl_domain_list, ctl_member_list - domain list, member list (cmd_list.c) */
int	 ctl_domain_list(struct ctl *, int argc, char **argv);
int	 ctl_member_list(struct ctl *, int argc, char **argv);
int	 cmd_suppress(struct ctl *, int argc, char **argv);
int	 cmd_status(struct ctl *, int argc, char **argv);
int	 cmd_conditions(struct ctl *, int argc, char **argv);
int	 cmd_config(struct ctl *, int argc, char **argv);
int	 cmd_host(struct ctl *, int argc, char **argv);

struct verify_check;
/* ctl_check_json - one check of domain verify or host check as JSON */
json_t	*ctl_check_json(const struct verify_check *);

/* domain records, shared by domain add, show and rotate-key */
void	 ctl_print_records(struct ctl *, const char *domain, json_t *records);
/* ctl_mx_record - the MX record of a domain with a forward-to, or NULL */
json_t	*ctl_mx_record(struct ctl *, const char *domain);
json_t	*ctl_domain_records(struct ctl *, const char *domain,
	    const char *token, const char *selector, const char *rsa_pem,
	    const char *ed_pem, int dkim_only);

#endif
