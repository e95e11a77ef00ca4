/*
 * NAME
 *	policyd_proto - the Postfix policy delegation protocol, as a codec
 * DESCRIPTION
 *	A request is "name=value" lines ended by an empty line
 *	(SMTPD_POLICY_README); lines end in LF, or CRLF (the CR dropped).
 *	polproto_parse() looks at the bytes a connection has buffered and
 *	either finds one whole request, says it needs more, or names what is
 *	wrong: a line longer than max_line, more than max_attrs attributes,
 *	more than max_request bytes, or a line that is not name=value (no
 *	"=", empty name, a NUL byte, a duplicated attribute, known or not, an
 *	empty request, or no request=smtpd_access_policy: POLPROTO_ESYNTAX,
 *	and req->error names the rule).
 *	It does no I/O and keeps no state between calls; limits are checked on
 *	the incomplete tail too, so a client cannot make us buffer more than
 *	max_request + max_line bytes. Unknown attributes are skipped.
 *
 *	After an error the connection answers once and then drops bytes up
 *	to the end of the bad request with polproto_skip(), so it can go on
 *	serving the next request.
 * OWNERSHIP
 *	A struct polreq owns a copy of the request; polreq_free() releases it
 *	(NULL-safe). The attribute pointers live as long as the polreq.
 */
#ifndef RELAY_POLICYD_PROTO_H
#define RELAY_POLICYD_PROTO_H

#include <stddef.h>

enum {
	POLPROTO_REQ = 1,	/* one whole request in *req */
	POLPROTO_MORE = 0,	/* no whole request yet, nothing wrong so far */
	POLPROTO_ELINE = -1,	/* a line longer than max_line */
	POLPROTO_EATTRS = -2,	/* more than max_attrs attributes */
	POLPROTO_ESIZE = -3,	/* more than max_request bytes */
	POLPROTO_ESYNTAX = -4	/* not a policy request */
};

struct polproto_limits {
	size_t	 max_line;	/* bytes in one line, without its LF */
	size_t	 max_attrs;
	size_t	 max_request;	/* bytes, including the final empty line */
};

/* The attributes relay-policyd reads; the others are ignored. */
enum polreq_attr {
	POLREQ_REQUEST,
	POLREQ_STATE,		/* protocol_state: CONNECT, MAIL, RCPT, ... */
	POLREQ_SASL_USERNAME,
	POLREQ_SENDER,
	POLREQ_RECIPIENT,
	POLREQ_QUEUE_ID,
	POLREQ_INSTANCE,
	POLREQ_CLIENT_ADDRESS,
	POLREQ_POLICY_CONTEXT,	/* Postfix 3.1+: check_policy_service { ..., policy_context=X } */
	POLREQ_CLIENT_PORT,	/* Postfix 3.0+ */
	POLREQ_SERVER_ADDRESS,	/* Postfix 3.2+ */
	POLREQ_SERVER_PORT,	/* Postfix 3.2+ */
	POLREQ__COUNT
};

struct polreq {
	char		*raw;			/* the request, NULs at '=' and LF */
	const char	*attr[POLREQ__COUNT];	/* NULL when absent */
	size_t		 nattrs;		/* all attributes, known or not */
	const char	*error;	/* POLPROTO_ESYNTAX: the rule broken (static) */
};

/*
 * polproto_parse - one request from buf[0..len). POLPROTO_REQ: *req is
 * filled (free it with polreq_free) and *used is its length with the
 * empty line. POLPROTO_MORE: *used is 0. Errors: *used is the length of
 * the bad request when its end is in buf, else 0 (skip the rest with
 * polproto_skip); for POLPROTO_ESYNTAX req->error says which rule was
 * broken ("NUL byte", "duplicated attribute", ...), else it is NULL.
 */
int	 polproto_parse(const char *buf, size_t len,
	    const struct polproto_limits *lim, struct polreq *req, size_t *used);

/*
 * polproto_skip - drop bytes of a bad request until its empty line ("\n"
 * or "\r\n"). *nl carries "at the start of a line" between calls (start
 * with 0 if the bytes so far ended mid-line, 1 after a line end; 2 is a
 * CR there).
 * Returns the bytes to drop; *done is set to 1 when the end was found.
 */
size_t	 polproto_skip(const char *buf, size_t len, int *nl, int *done);

/* polproto_strerror - what an error code means, for a log line */
const char *polproto_strerror(int rc);

/* polreq_free - release the copy; NULL-safe, the struct may be reused */
void	 polreq_free(struct polreq *);

#endif
