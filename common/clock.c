/*
 * NAME
 *	clock - wall and monotonic time with a test offset
 * SEE ALSO
 *	clock.h
 */
#include <stdatomic.h>
#include <time.h>

#include "clock.h"

static _Atomic int64_t offset_s;

void
clock_set_offset(int64_t seconds)
{
	atomic_store(&offset_s, seconds);
}

int64_t
clock_offset(void)
{
	return atomic_load(&offset_s);
}

time_t
clock_now(void)
{
	return time(NULL) + (time_t)atomic_load(&offset_s);
}

int64_t
clock_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 +
	    atomic_load(&offset_s) * 1000;
}

int64_t
clock_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
