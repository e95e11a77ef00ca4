/*
 * NAME
 *	sockwrap - relay-milter's layer under libmilter's socket calls
 * DESCRIPTION
 *	libmilter does its own accept(), read(), poll() and close() on the
 *	connections from Postfix. relay-milter links the static libmilter
 *	with -Wl,--wrap=accept,--wrap=read,--wrap=poll,--wrap=close and
 *	puts three things under them (calls from shared libraries are not
 *	touched; in relay-milter only libmilter calls accept()):
 *
 *	TCP options. Over loopback TCP, Postfix's small milter writes meet
 *	delayed ACKs on the milter's side: about 40 ms per stall, several
 *	per message. An accepted TCP connection gets TCP_NODELAY, and
 *	TCP_QUICKACK is re-armed after every read (Linux clears it again by
 *	itself). And the listening socket announces an MSS of at most
 *	SOCKWRAP_MSS: Postfix sizes its milter stream buffers to twice the
 *	connection's MSS, which over loopback (32741 on Linux 6) makes two
 *	64 KB buffers a connection, allocated and faulted in again and
 *	again: with 20 KB messages that cost Postfix about 2 ms of CPU a
 *	message more than a unix socket. A real network's MSS is smaller
 *	and is not changed.
 *	Unix sockets are left alone. relay.conf: milter.tcp_quickack.
 *
 *	A read buffer. libmilter reads each packet with two read()s (its
 *	5-byte header, then its data), each after a poll(), and polls once
 *	more to see whether the next packet is there: five system calls a
 *	packet, and Postfix sends about 25 packets per message (a macro
 *	packet before every event, one per header). Reads from an accepted
 *	connection are served from a per-connection buffer filled with one
 *	read() of up to SOCKWRAP_BUFSIZE, and a poll() for input on a
 *	connection with buffered bytes answers at once without a call.
 *
 *	The worker's wait. Having answered a command, a libmilter worker
 *	polls its connection for 1 ms and, if the next command is not
 *	there, hands the connection back to its controller thread (a pipe
 *	write and two thread wake-ups, and the same again when the command
 *	comes). That 1 ms poll waits up to milter.worker_wait_ms instead,
 *	which keeps a connection on its worker for the SMTP round trip.
 */
#ifndef RELAY_MILTER_SOCKWRAP_H
#define RELAY_MILTER_SOCKWRAP_H

#define SOCKWRAP_BUFSIZE	16384
#define SOCKWRAP_MSS		16384	/* announced on a TCP listener */

/*
 * sockwrap_init - before smfi_opensocket (before any thread): the TCP options
 * on (1) or off (0), and the worker's wait in ms (>= 1). Returns 0, or
 * -1 when the connection table cannot be made (buffering stays off).
 */
int	 sockwrap_init(int tcp_options, int wait_ms);

/* sockwrap_counts - sockets given TCP_NODELAY; TCP_QUICKACK re-arms; reads
 * that went to the kernel; reads served from the buffer */
void	 sockwrap_counts(unsigned long *nodelay, unsigned long *quickack,
	    unsigned long *sysreads, unsigned long *bufreads);

/*
 * sockwrap_fd - the accepted connection this thread last read from, or
 * -1: in a libmilter callback, the socket of the session it serves.
 */
int	 sockwrap_fd(void);
/*
 * sockwrap_on_close - before any thread: fn(fd) is called when libmilter
 * closes an accepted connection, before the fd is closed (mlfi_sess.c
 * learns of sessions libmilter drops without their close callback)
 */
void	 sockwrap_on_close(void (*fn)(int));
/*
 * sockwrap_on_pool - before any thread: fn(fd, 1) when a worker's wait
 * for the next command found nothing (the connection goes back to
 * libmilter's pool), fn(fd, 0) when a worker reads it again
 */
void	 sockwrap_on_pool(void (*fn)(int, int));

#endif
