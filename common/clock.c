/*
 * NAME
 *	clock - wall and monotonic time with a test offset
 * SEE ALSO
 *	clock.h
 */
#include <stdatomic.h>
#include <time.h>

#include "clock.h"

static _Atomic int64_t clock_offset;

void
clock_set_offset(int64_t seconds)
{
	atomic_store(&clock_offset, seconds);
}

time_t
clock_now(void)
{
	return time(NULL) + (time_t)atomic_load(&clock_offset);
}

int64_t
clock_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 +
	    atomic_load(&clock_offset) * 1000;
}

int64_t
clock_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
