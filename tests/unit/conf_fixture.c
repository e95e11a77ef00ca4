/*
 * NAME
 *	conf_fixture - see conf_fixture.h
 */
#include <sys/stat.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "conf_fixture.h"

char errbuf[8192];
char tmpdir[] = "/tmp/test_conf.XXXXXX";

/* data - path of a fixture in tests/unit/data */
const char *
data(const char *name)
{
	static char	 path[4096];
	const char	*top = getenv("RELAY_TOP_SRCDIR");

	snprintf(path, sizeof(path), "%s/tests/unit/data/%s", top ? top : ".",
	    name);
	return path;
}

/* load_bad - a file that must fail; returns the error text */
const char *
load_bad(const char *name)
{
	struct relay_conf *c = (void *)1;

	assert_int_equal(conf_load(data(name), &c, errbuf, sizeof(errbuf)), -1);
	assert_null(c);
	return errbuf;
}

/* has - the error text contains s */
void
has(const char *text, const char *s)
{
	if (strstr(text, s) == NULL)
		fail_msg("expected \"%s\" in:\n%s", s, text);
}

/* put - write text to tmpdir/name (sub-directories made); its path */
const char *
put(const char *name, const char *text)
{
	static char	 path[4][4096];
	static int	 turn;
	char		*p, *slash;
	FILE		*fp;

	p = path[turn++ % 4];
	snprintf(p, 4096, "%s/%s", tmpdir, name);
	for (slash = strchr(p + strlen(tmpdir) + 1, '/'); slash != NULL;
	    slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(p, 0700);
		*slash = '/';
	}
	if ((fp = fopen(p, "w")) == NULL)
		fail_msg("cannot write %s", p);
	fputs(text, fp);
	fclose(fp);
	return p;
}

/* bad_text - text as a file that must fail; the error text */
const char *
bad_text(const char *text)
{
	struct relay_conf *c = (void *)1;

	assert_int_equal(conf_load(put("t.conf", text), &c, errbuf,
	    sizeof(errbuf)), -1);
	assert_null(c);
	return errbuf;
}

/* good_text - text as a file that must load */
struct relay_conf *
good_text(const char *text)
{
	struct relay_conf *c = NULL;

	if (conf_load(put("t.conf", text), &c, errbuf, sizeof(errbuf)) != 0)
		fail_msg("does not load:\n%s\n%s", text, errbuf);
	return c;
}

/* slurp - a file of the source tree, NUL-terminated; roff's \- read as - */
char *
slurp(const char *rel)
{
	const char	*top = getenv("RELAY_TOP_SRCDIR");
	char		 path[4096], *text, *r, *w;
	long		 n;
	FILE		*fp;

	snprintf(path, sizeof(path), "%s/%s", top ? top : ".", rel);
	if ((fp = fopen(path, "r")) == NULL)
		fail_msg("cannot open %s", path);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	text = calloc(1, (size_t)n + 1);
	assert_int_equal(fread(text, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	for (r = w = text; *r != '\0'; r++)
		if (!(r[0] == '\\' && r[1] == '-'))
			*w++ = *r;
	*w = '\0';
	return text;
}

struct relay_conf *
load_case(const char *name, const char *text, const char *err)
{
	struct relay_conf *c = err == NULL ? NULL : (void *)1;
	int	 r = conf_load(put("t.conf", text), &c, errbuf, sizeof(errbuf));

	if (err == NULL && r != 0)
		fail_msg("%s: %s", name, errbuf);
	if (err != NULL && (r != -1 || c != NULL ||
	    strstr(errbuf, err) == NULL))
		fail_msg("%s: loads, or not for %s: %s", name, err, errbuf);
	return c;
}

int
fixture_begin(void)
{
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

int
fixture_end(int rc)
{
	char	 cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		rc = rc ? rc : 1;
	return rc;
}
