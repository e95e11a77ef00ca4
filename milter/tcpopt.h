/*
 * NAME
 *	tcpopt - TCP_NODELAY and TCP_QUICKACK on libmilter's connections
 * DESCRIPTION
 *	Over loopback TCP, Postfix's small milter writes meet delayed ACKs
 *	on the milter's side: about 40 ms per stall, several per message.
 *	libmilter does its own accept() and read(), so relay-milter links
 *	the static libmilter with -Wl,--wrap=accept,--wrap=read: an accepted
 *	TCP connection gets TCP_NODELAY, and TCP_QUICKACK is re-armed after
 *	every read (Linux clears it again by itself). Unix sockets are left
 *	alone. The wrappers apply only to calls from the objects linked into
 *	relay-milter (libmilter.a and ours); shared libraries are not touched.
 *	relay.conf: milter.tcp_quickack.
 */
#ifndef RELAY_MILTER_TCPOPT_H
#define RELAY_MILTER_TCPOPT_H

/* tcpopt_enable - switch the options on (1) or off (0); before smfi_main */
void	 tcpopt_enable(int on);
/* tcpopt_counts - how many sockets got TCP_NODELAY, and QUICKACK re-arms */
void	 tcpopt_counts(unsigned long *nodelay, unsigned long *quickack);

#endif
