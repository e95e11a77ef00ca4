/*
 * NAME
 *	policyd_listen - listening sockets from relay.conf specs
 * DESCRIPTION
 *	The specs of common/listen.h (checked by conf_load()).
 *
 *	A unix socket is made mode 0660, and given to daemon.user and
 *	daemon.group when bound as root: Postfix's processes, running as
 *	user postfix, connect through the group (postfix in group relay),
 *	and no other local user can act as Postfix. An existing path is replaced only when it is a socket nobody listens on
 *	(a stale one: connect() is refused); a socket in use, or anything
 *	that is not a socket, is an error and is left alone. Sockets are
 *	bound before the daemon drops privileges and are non-blocking.
 */
#ifndef RELAY_POLICYD_LISTEN_H
#define RELAY_POLICYD_LISTEN_H

#include <stddef.h>

/*
 * pl_open - bind and listen; returns the descriptor, or -1 with a reason
 * in err. user and group: daemon.user and daemon.group, the owner of a
 * unix socket bound as root.
 */
int	 pl_open(const char *spec, const char *user, const char *group,
	    char *err, size_t errlen);

/*
 * pl_cleanup - remove the unix sockets pl_open made (at exit), each only
 * if the path is still that socket.
 */
void	 pl_cleanup(void);

#endif
