/*
 * tests/integration/san_probe.c - a program with a memory error on demand,
 * for test_harness_sanitizer.sh: in a sanitizer build (./configure
 * --enable-sanitizers) each mode makes the report that the harness must
 * turn into a failed test. In other builds the errors go unnoticed and are
 * harmless (one byte read past an 8-byte block is inside malloc's chunk).
 * Not installed.
 *
 *   san_probe oob        read one byte past a heap block
 *   san_probe leak       exit 0 with a block never freed
 *   san_probe ub         signed integer overflow
 *   san_probe term-oob   wait for SIGTERM (a daemon), then read past a heap
 *                        block: an error at shutdown
 *   san_probe race       two threads write one counter without a lock (a
 *                        data race for ThreadSanitizer: ./configure
 *                        --enable-tsan)
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* volatile: the compiler must neither see the bug nor drop it (nor UBSan's
 * object-size check, which would report it before AddressSanitizer) */
static volatile size_t	 size = 8;
static void *volatile	 kept;

static int
oob(void)
{
	char		*p = malloc(size);
	volatile char	 c;

	if (p == NULL)
		return 1;
	memset(p, 'x', size);
	c = p[size];
	(void)c;
	free(p);
	return 0;
}

static volatile long	 counter;

/* bump - the racing thread: a plain read-modify-write of counter */
static void *
bump(void *arg)
{
	int	 i;

	(void)arg;
	for (i = 0; i < 1000; i++)
		counter = counter + 1;
	return NULL;
}

/* race - bump counter from two threads at once, unlocked */
static int
race(void)
{
	pthread_t	 t;

	if (pthread_create(&t, NULL, bump, NULL) != 0)
		return 1;
	bump(NULL);
	if (pthread_join(t, NULL) != 0)
		return 1;
	printf("%ld\n", counter);
	return 0;
}

int
main(int argc, char **argv)
{
	const char	*mode = argc > 1 ? argv[1] : "";

	if (strcmp(mode, "oob") == 0)
		return oob();
	if (strcmp(mode, "leak") == 0) {
		kept = malloc(64);
		kept = NULL;
		return 0;
	}
	if (strcmp(mode, "ub") == 0) {
		volatile int	 n = 2147483647;

		n = n + (argc > 1);
		printf("%d\n", n);
		return 0;
	}
	if (strcmp(mode, "term-oob") == 0) {
		sigset_t	 set;
		int		 sig;

		sigemptyset(&set);
		sigaddset(&set, SIGTERM);
		if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
			return 1;
		printf("waiting\n");
		fflush(stdout);
		if (sigwait(&set, &sig) != 0)
			return 1;
		return oob();
	}
	if (strcmp(mode, "race") == 0)
		return race();
	fprintf(stderr, "usage: san_probe oob|leak|ub|term-oob|race\n");
	return 64;
}
