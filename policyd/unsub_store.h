/*
 * NAME
 *	unsub_store - relay-unsub's writes: a recipient onto a member's
 *	suppression list
 * DESCRIPTION
 *	unsub_suppress() adds RCPT to relay:{m:H}:suppress with the given
 *	reason, while the member exists, with ctl_hsetnx_if.lua (an entry
 *	already there keeps its reason). unsub_by_msgid() does the same for
 *	a complaint report that names a message by its Message-ID (the
 *	relay:{x:SHA}:msgid index relay-milter writes), with
 *	unsub_complaint.lua on each message recorded under it.
 *	unsub_complaint_count() counts a complaint into the member's
 *	complaint-rate window and judges it (unsub_complaint_count.lua).
 *	unsub_bounce_apply() applies one recipient of a bounce that came
 *	back to a message's return path (unsub_bounce.lua).
 * SEE ALSO
 *	unsub.c, unsub_report.c, complaint.h, common/SCHEMA.md
 */
#ifndef RELAY_UNSUB_STORE_H
#define RELAY_UNSUB_STORE_H

#include <stddef.h>

#include "addr.h"
#include "complaint.h"
#include "conf.h"
#include "rconn.h"

enum {
	UNSUB_STORE_OK = 0,		/* suppressed (or was already) */
	UNSUB_STORE_NONE = 1,		/* nobody to suppress: why says */
	UNSUB_STORE_EREDIS = -1,	/* Redis failed */
	UNSUB_STORE_ENODATA = -2	/* relay:schema missing: data lost */
};

/*
 * unsub_suppress - rcpt onto handle's list with reason (a word), dated
 * now; UNSUB_STORE_OK (*added 1 when the entry is new, 0 when one was
 * there), _NONE (the member is gone), _EREDIS or _ENODATA
 */
int	 unsub_suppress(struct rconn *rc, const char *handle,
	    const char *rcpt, const char *reason, int *added);

/*
 * unsub_by_msgid - the recipients plan p names through its Message-ID,
 * suppressed with reason "complaint": a candidate found among a recorded
 * message's recipients, or the only recipient of the only message
 * recorded with that Message-ID. UNSUB_STORE_OK with the (first) member
 * and recipient in handle and rcpt, their count in *n and in *added how
 * many of them were new entries of that member (to count: a Message-ID
 * two members used is the other's too), _NONE with why, _EREDIS or
 * _ENODATA
 */
int	 unsub_by_msgid(struct rconn *rc, const struct complaint_plan *p,
	    char *handle, size_t hlen, char *rcpt, size_t rlen, int *n,
	    int *added, const char **why);

/* the complaint rate after one more complaint */
struct unsub_rate {
	int		 suspended;	/* this complaint suspended them */
	int		 warn;		/* it crossed complaint_warn_rate */
	long long	 complaints;	/* in the window, this one included */
	long long	 delivered;	/* recipients delivered in the window */
	char		 text[160];	/* "complaint rate 0.60% (3/500) over
					   24h", "auto: ..." when suspended;
					   "" below min_volume or the rates */
};

/*
 * unsub_complaint_count - n complaints of handle into its window,
 * judged with relay.conf's suspension section; 0, or -1 when Redis failed
 */
int	 unsub_complaint_count(struct rconn *rc,
	    const struct conf_suspension *s, const char *handle, int n,
	    struct unsub_rate *out);

/* one recipient of a bounce, as unsub_bounce_apply() is to apply it */
struct unsub_bounce_in {
	const char	*handle, *qid;	/* the return path's token */
	const char	*postfix_qid;	/* the bounce's X-Postfix-Queue-ID */
	const char	*cand[2];	/* Original-, Final-Recipient; "" */
	const char	*status, *class, *diag;
	int		 suppress;	/* a hard bounce */
	int		 soft_step;	/* a soft one: one more soft failure */
};

enum {
	UNSUB_BOUNCE_COUNTED = 1,	/* delivered -> bounced */
	UNSUB_BOUNCE_NOTHING = 0,	/* the relay's own, final before */
	UNSUB_BOUNCE_NORECORD = -1,	/* the message record is gone */
	UNSUB_BOUNCE_NORCPT = -3,	/* not a recipient of the message */
	UNSUB_BOUNCE_GONE = -4,		/* the member is gone */
	UNSUB_BOUNCE_EARLY = -5		/* its delivery not recorded yet */
};

struct unsub_bounce_out {
	int		 code;		/* UNSUB_BOUNCE_* */
	char		 rcpt[ADDR_BUFSIZE];	/* the recipient matched */
	char		 sender[ADDR_BUFSIZE];	/* the message's envelope
						   sender, "" when unknown */
	char		 suppressed[32];	/* a new entry's reason
						   (hard_bounce,
						   soft_bounce_limit), or "" */
	long long	 soft;		/* the soft count after a step, or 0 */
	int		 suspended, warn;
	char		 text[160];	/* the suspension or warning */
	long long	 sent, bounced;	/* the window after it */
};

/*
 * unsub_bounce_apply - one recipient of a bounce (both candidates "":
 * only the record's sender and member are looked up), judged with
 * relay.conf's suspension section, a soft failure counted against
 * tracker.soft_bounce_limit; UNSUB_STORE_OK with out filled, _EREDIS, or
 * _ENODATA (the record is gone and relay:schema with it)
 */
int	 unsub_bounce_apply(struct rconn *rc, const struct relay_conf *conf,
	    const struct unsub_bounce_in *in, struct unsub_bounce_out *out);

#endif /* RELAY_UNSUB_STORE_H */
