/*
 * NAME
 *	clock - the one injectable "now"
 * DESCRIPTION
 *	Decisions take "now" as an argument; the I/O layers get it from
 *	clock_now(). Tests and the integration harness may shift it with
 *	clock_set_offset() (relay.conf: testing.clock_offset), never by
 *	sleeping.
 */
#ifndef RELAY_CLOCK_H
#define RELAY_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Seconds since the epoch, shifted by the configured offset. */
time_t	 clock_now(void);
/* Milliseconds since the epoch, shifted likewise. */
int64_t	 clock_now_ms(void);
/* Monotonic milliseconds, for timeouts and backoff; never shifted. */
int64_t	 clock_mono_ms(void);
void	 clock_set_offset(int64_t seconds);
/* The offset in seconds, for code that takes "now" from Redis (TIME). */
int64_t	 clock_offset(void);

#endif
