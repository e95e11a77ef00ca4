/*
 * NAME
 *	replay - run a libFuzzer harness over its checked-in corpus
 * DESCRIPTION
 *	Linked with one tests/fuzz/fuzz_NAME.c (FUZZ_NAME is defined by the
 *	build) so that every build, not only a clang --enable-fuzzing one,
 *	feeds the corpus in tests/fuzz/corpus/NAME/ through the parser. A
 *	crash or a sanitizer report fails the test. Prints TAP.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* run_file - feed one corpus file; returns 0 or -1 when unreadable */
static int
run_file(const char *path)
{
	FILE	*fp;
	uint8_t	*buf;
	long	 n;

	if ((fp = fopen(path, "rb")) == NULL)
		return -1;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	if (n < 0) {
		fclose(fp);
		return -1;
	}
	buf = xmalloc((size_t)n + 1);
	if (fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		fclose(fp);
		free(buf);
		return -1;
	}
	fclose(fp);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	return 0;
}

int
main(int argc, char **argv)
{
	const char	*top = getenv("RELAY_TOP_SRCDIR");
	char		 dir[4096], path[8192];
	DIR		*d;
	struct dirent	*de;
	int		 n = 0, bad = 0;

	snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus/%s",
	    argc > 1 ? argv[1] : (top ? top : "."), FUZZ_NAME);
	if ((d = opendir(dir)) == NULL) {
		printf("1..1\nnot ok 1 - corpus %s: cannot open %s\n", FUZZ_NAME, dir);
		return 1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (run_file(path) < 0)
			bad++;
		n++;
	}
	closedir(d);
	/* An empty input is always worth one run. */
	LLVMFuzzerTestOneInput((const uint8_t *)"", 0);
	printf("1..1\n%s 1 - corpus %s: %d inputs replayed%s\n",
	    bad || n == 0 ? "not ok" : "ok", FUZZ_NAME, n,
	    bad ? ", some unreadable" : "");
	return bad || n == 0;
}
