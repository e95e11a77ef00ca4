/*
 * NAME
 *	sign - DKIM signatures through libopendkim (rsa-sha256, ed25519-sha256)
 * DESCRIPTION
 *	A signer is one message: one libopendkim handle per algorithm, fed
 *	the same headers and body. relaxed/relaxed, the RFC 6376 5.4.1
 *	header set plus MIME and Message-ID fields, with From,
 *	List-Unsubscribe and List-Unsubscribe-Post oversigned (listed once
 *	more than they occur, so nobody can add one later).
 *	Selectors follow SCHEMA.md: base selector S signs rsa-sha256 as "Sr"
 *	and ed25519-sha256 (RFC 8463) as "Se".
 *
 *	Every failure (a key libopendkim cannot read, a header it refuses)
 *	returns -1 with a reason for the log: the caller tempfails, never
 *	passes a message unsigned.
 * THREADS
 *	sign_lib_init() once before any thread; a signer belongs to one thread.
 * OWNERSHIP
 *	sign_result() strings belong to the signer (valid until sign_free).
 */
#ifndef RELAY_MILTER_SIGN_H
#define RELAY_MILTER_SIGN_H

#include <stddef.h>
#include <time.h>

struct signer;

/* sign_lib_init - the library handle; fixed_time != 0 pins t= (tests); 0 or -1 */
int	 sign_lib_init(time_t fixed_time);
void	 sign_lib_close(void);

/*
 * sign_key_check - each key is of its algorithm's type (an RSA key in the
 * Ed25519 field would make an ed25519-sha256 signature no verifier
 * accepts: libopendkim signs with whatever it is given). 0, or -1 with
 * *why. Decodes each key once: for keys just read from Redis, not for
 * every message.
 */
int	 sign_key_check(const char *rsa_pem, const char *ed_pem,
	    const char **why);

/*
 * sign_new - a signer for domain with base selector sel; ed_pem may be
 * NULL (no second signature). line_limit: Postfix's smtp_line_length_limit
 * (0: none): what is hashed is each line as smtp(8) will send it, broken
 * there; rec_limit: Postfix's line_length_limit, the length of its queue
 * file records (0: not known; linelimit.h). NULL on failure, with *why
 * set.
 */
struct signer *sign_new(const char *id, const char *domain, const char *sel,
	    const char *rsa_pem, const char *ed_pem, size_t line_limit,
	    size_t rec_limit, const char **why);
/*
 * sign_header_as - one header field as it is in the message; 0 or -1.
 * verbatim: value has its own leading white space, as the client wrote
 * it (Postfix sends it so under SMFIP_HDR_LEADSPC), and the field is
 * "name:value"; else, as Postfix sends a value otherwise (the one space
 * after the colon taken off), "name: value" unless value starts with a
 * blank. Only a line longer than the line limit cares: where smtp(8)
 * breaks it depends on every octet before. Blanks before the colon
 * (obsolete "To :x") need nothing: Postfix's cleanup removes them before
 * the queue file, which is what the milter is handed (name "To") and
 * what smtp(8) sends ("To:x"; Postfix 3.7, test_milter_enroll).
 * sign_header - not verbatim.
 */
int	 sign_header_as(struct signer *, const char *name, const char *value,
	    int verbatim, const char **why);
int	 sign_header(struct signer *, const char *name, const char *value,
	    const char **why);
/* sign_eoh - after the last header; 0 or -1 */
int	 sign_eoh(struct signer *, const char **why);
/* sign_body - a chunk of the body (CRLF line ends); 0 or -1 */
int	 sign_body(struct signer *, const unsigned char *buf, size_t len,
	    const char **why);
/* sign_breaks - body lines the signer broke as smtp(8) will, so far */
unsigned long sign_breaks(const struct signer *);
/*
 * sign_eom - finish; *nsig gets 1 or 2 and sign_result(s, i) the value of
 * each DKIM-Signature header (folded with LF + TAB, as milters insert).
 */
int	 sign_eom(struct signer *, int *nsig, const char **why);
const char *sign_result(const struct signer *, int i);
/* sign_free - NULL is a no-op */
void	 sign_free(struct signer *);

#endif
