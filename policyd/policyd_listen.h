/*
 * NAME
 *	policyd_listen - listening sockets from relay.conf specs
 * DESCRIPTION
 *	"unix:/path" (an old socket file is replaced; mode 0666 so Postfix's
 *	processes, running as user postfix, can connect) or "inet:HOST:PORT"
 *	(a numeric IPv4 or IPv6 address). Sockets are bound before the
 *	daemon drops privileges and are non-blocking.
 */
#ifndef RELAY_POLICYD_LISTEN_H
#define RELAY_POLICYD_LISTEN_H

#include <stddef.h>

/*
 * pl_open - bind and listen; returns the descriptor, or -1 with a reason
 * in err.
 */
int	 pl_open(const char *spec, char *err, size_t errlen);
/* pl_unlink - remove the socket file of a "unix:" spec (at exit) */
void	 pl_unlink(const char *spec);

#endif
