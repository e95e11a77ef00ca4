/*
 * NAME
 *	rkeys - the Redis key schema; the only code that spells a key
 * DESCRIPTION
 *	Every key name of relay-suite is one row of the table in rkeys.c and
 *	one section of common/SCHEMA.md. Keys that a multi-key script touches
 *	together share a hash tag ({m:HANDLE} for a member, {d:DOMAIN} for a
 *	domain), so each script stays in one Redis Cluster slot.
 *
 *	rkey() writes a key into the caller's buffer. The identifiers must
 *	already be normalised (addr.h for domains and addresses, lower-case
 *	handles); one that holds a brace, white space or a control character
 *	is refused, so no input can move a key into another slot or forge a
 *	key of another kind. Message-IDs are hashed (SHA-256, hex) first.
 */
#ifndef RELAY_RKEYS_H
#define RELAY_RKEYS_H

#include <stddef.h>

#define RKEY_SCHEMA_VERSION	"1"
#define RKEY_MAX		512

enum rkey_kind {
	RKEY_SCHEMA,		/* string: schema version */
	RKEY_MEMBERS,		/* set: every handle */
	RKEY_DOMAINS,		/* set: every enrolled domain */
	RKEY_MEMBER,		/* hash: a member (id = handle) */
	RKEY_APIKEYS,		/* hash: key id -> "created sha256hex" */
	RKEY_APIKEYS_USED,	/* hash: key id -> last login time */
	RKEY_MEMBER_DOMAINS,	/* set: the member's domains */
	RKEY_SUPPRESS,		/* hash: address -> JSON reason */
	RKEY_SOFT,		/* hash: address -> consecutive soft bounces */
	RKEY_OUTCOMES,		/* hash: bounce-rate window buckets */
	RKEY_COMPLAINTS,	/* hash: complaint-rate window buckets */
	RKEY_INFLIGHT,		/* zset: queue id -> accept time */
	RKEY_MSG,		/* hash: one message (id = handle, sub = queue id) */
	RKEY_RECENT,		/* zset: queue id -> accept time */
	RKEY_APPLIED,		/* zset: applied delivery event ids -> time */
	RKEY_CHARGES,		/* hash: a session's warming charges */
	RKEY_QID,		/* string: queue id -> handle */
	RKEY_MSGID,		/* set: "handle queueid" per Message-ID */
	RKEY_DOMAIN,		/* hash: a domain (id = domain) */
	RKEY_DKIM,		/* hash: selector keys of a domain */
	RKEY_WARM,		/* rate state of a domain (relay-policyd) */
	RKEY_TRACKER_POS,	/* hash: log position (id = node) */
	RKEY_CTL_LOCK,		/* string: relayctl's admin lock */
	RKEY__COUNT
};

/*
 * rkey - format one key. sub is used by the kinds that need two
 * identifiers (RKEY_MSG) and must be NULL otherwise. Returns the length
 * of the key, or -1 for an identifier that is empty, too long or holds a
 * forbidden character.
 */
int	 rkey(char *buf, size_t len, enum rkey_kind kind, const char *id,
	    const char *sub);
/*
 * rkey_charges - the key of the warming charges handle's SMTP session made
 * (relay-policyd writes one entry per charged recipient; relay-milter
 * takes them back when the transaction queued nothing, and its record
 * deletes them when it did). The session is named as Postfix names it
 * to both: node (tracker.node), client address and port, server address
 * and port (policy attributes client_address, client_port,
 * server_address, server_port; milter macros {client_addr},
 * {client_port}, {daemon_addr}, {daemon_port}). Returns the key's length,
 * or -1 without a client address or port, or when a part cannot be in a
 * key (white space, braces).
 */
int	 rkey_charges(char *buf, size_t len, const char *handle,
	    const char *node, const char *caddr, const char *cport,
	    const char *saddr, const char *sport);
/* How long a session's charges stay refundable (s): longer than any
   transaction Postfix's smtpd timeouts let run. */
#define RKEY_CHARGES_TTL_S	3600

/* rkey_pattern - the printf pattern of a kind, for SCHEMA.md checks */
const char *rkey_pattern(enum rkey_kind kind);
/* rkey_name - the kind's short name ("member", "suppress") */
const char *rkey_name(enum rkey_kind kind);
/*
 * rkey_suppress_value - the value of a relay:{m:H}:suppress entry that
 * relayctl and relay-unsub write, {"reason":REASON,"at":AT} (SCHEMA.md;
 * reason a word of parse_reasons)
 */
void	 rkey_suppress_value(char *buf, size_t len, const char *reason,
	    long long at);

#endif
