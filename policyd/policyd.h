/*
 * NAME
 *	policyd - what relay-policyd's modules share
 * DESCRIPTION
 *	One struct policyd per process: the event loop, the config (swapped
 *	on SIGHUP; every module reads it through pd->cf at the moment it
 *	needs it, never keeps a pointer into an old one), the Redis
 *	connection and the client count.
 */
#ifndef RELAY_POLICYD_H
#define RELAY_POLICYD_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <event2/listener.h>

#include "conf.h"

struct event;
struct event_base;
struct evconnlistener;
struct pr;
struct polreq;
struct pd_dcache;
struct sockaddr;

#define PD_MAX_LISTENERS	64

/* Every open connection is on one list, so shutdown can free them all. */
struct pd_link {
	struct pd_link	*prev, *next;
	void		(*kill)(struct pd_link *);	/* close and free */
};

struct policyd {
	struct event_base *base;
	struct relay_conf *cf;
	struct pr	*redis;
	struct pd_dcache *dcache;	/* sender domains' facts (policyd_dcache.h) */
	size_t		 nclients;	/* policy and socketmap connections */
	struct pd_link	 conns;		/* list head */
	struct evconnlistener *listeners[PD_MAX_LISTENERS];
	int		 nlisteners;
	uint64_t	 seed;		/* makes charge ids unique across nodes */
	uint64_t	 seq;
	size_t		 inflight;	/* requests waiting for Redis */
	int		 stopping;	/* SIGTERM: draining */
	struct event	*accept_ev;	/* resumes accepting after a pause */
	int		 accept_paused;
	unsigned long	 accept_errors;	/* since the last line logged */
	unsigned long	 refused;	/* over max_clients, likewise */
	int64_t		 accept_logged, refused_logged; /* monotonic ms; 0 never */
};

/*
 * pd_busy / pd_idle - a request started / was answered. After SIGTERM the
 * loop ends once none is left waiting (relay-policyd.c).
 */
void	 pd_busy(struct policyd *);
void	 pd_idle(struct policyd *);

/* pd_link_add / pd_link_del - the connection list (nclients too) */
void	 pd_link_add(struct policyd *, struct pd_link *, void (*)(struct pd_link *));
void	 pd_link_del(struct policyd *, struct pd_link *);

/*
 * The policy server (policyd_server.c) hands each request to
 * policy_handle() (policyd_policy.c), which answers exactly once, maybe
 * before it returns, through policy_reply(conn, action text).
 */
void	 policy_handle(struct policyd *, void *conn, struct polreq *req);
void	 policy_reply(void *conn, const char *action);

/*
 * The connection core (policyd_server.c), the one set of connection rules
 * of both services. Input is read into a buffer no larger than the
 * service's max_in() (taken from the current config, so a reload applies
 * to open connections); a request not complete within
 * policyd.request_timeout of its first byte is expire()d and closed; an
 * idle connection is closed after policyd.idle_timeout; replies the
 * client does not read are queued up to PC_MAX_OUTPUT, past it the
 * connection is closed; a closing connection gets request_timeout to
 * take its last replies, then is closed hard. At most PC_LOG_ERRORS
 * protocol errors are logged per connection, the rest are counted in one
 * line at close. A client that shuts down its sending side still gets
 * the answers to its whole requests.
 */
#define PC_MAX_OUTPUT	(256 * 1024)	/* replies the client does not read */
#define PC_LOG_ERRORS	3		/* protocol errors logged per connection */

struct pconn;

enum { PC_MORE = 0, PC_NEXT = 1 };

struct pconn_ops {
	const char *service;		/* "policy", "socketmap": for logs */
	/*
	 * step - look at the unused input in[0..len) (len > 0, no request
	 * busy): consume bytes with pc_used(), maybe start a request with
	 * pc_take() or answer with pc_send()/pc_close(). PC_NEXT when a whole
	 * request (good or bad) was dealt with, PC_MORE when the one begun
	 * needs more bytes (its timer runs).
	 */
	int	 (*step)(struct pconn *, const char *in, size_t len);
	/* expire - answer a request that timed out (the core then closes) */
	void	 (*expire)(struct pconn *);
	/* max_in - input buffer limit under the current config */
	size_t	 (*max_in)(const struct relay_conf *);
};

/* pc_new - serve an accepted socket (after pd_admit) */
void	 pc_new(struct policyd *, int fd, const struct sockaddr *,
	    const struct pconn_ops *);
/* pc_used - n input bytes are done with */
void	 pc_used(struct pconn *, size_t n);
/* pc_take - a request is handed off; answer it with pc_reply() */
void	 pc_take(struct pconn *);
/* pc_send - queue bytes in order; closes the connection past PC_MAX_OUTPUT */
void	 pc_send(struct pconn *, const char *buf, size_t n);
/*
 * pc_reply - the answer to the request taken: sent, and the input goes
 * on. Frees the connection if the client went away meanwhile.
 */
void	 pc_reply(struct pconn *, const char *buf, size_t n);
/* pc_close - read no more; freed once the output is out (bounded wait) */
void	 pc_close(struct pconn *);
/* pc_log_error - count a protocol error; 1 when it is to be logged */
int	 pc_log_error(struct pconn *);
const char *pc_peer(const struct pconn *);	/* "ip:port" or "unix" */
struct policyd *pc_pd(const struct pconn *);

/* pd_admit - 1 when one more client may connect; else closes fd, logs, 0 */
int	 pd_admit(struct policyd *, int fd);
/* pd_listen - accept on a listening socket with accept_cb (arg: pd) */
int	 pd_listen(struct policyd *, int fd, const char *spec,
	    const char *service, evconnlistener_cb accept_cb);

/* server_add_policy / server_add_socketmap - serve a listening socket */
int	 server_add_policy(struct policyd *, int fd, const char *spec);
int	 socketmap_add(struct policyd *, int fd, const char *spec);

#endif
