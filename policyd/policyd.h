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

#include <event2/listener.h>

#include "conf.h"

struct event_base;
struct evconnlistener;
struct pr;
struct polreq;
struct pd_dcache;

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

/* pd_admit - 1 when one more client may connect; else closes fd, logs, 0 */
int	 pd_admit(struct policyd *, int fd);
/* pd_listen - accept on a listening socket with accept_cb (arg: pd) */
int	 pd_listen(struct policyd *, int fd, const char *spec,
	    const char *service, evconnlistener_cb accept_cb);

/* server_add_policy / server_add_socketmap - serve a listening socket */
int	 server_add_policy(struct policyd *, int fd, const char *spec);
int	 socketmap_add(struct policyd *, int fd, const char *spec);

#endif
