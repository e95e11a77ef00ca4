/*
 * NAME
 *	conf_lit - relay.conf read again as written: integer literals and
 *	@include lines
 * DESCRIPTION
 *	libconfig 1.5 (Debian 12) gives no error for a plain integer literal
 *	that does not fit 32 bits: 4294967296 reads as 0, 4294973597 as
 *	6301. It gives no access to the literal either, so each source file
 *	a numeric setting came from is scanned here once with libconfig's
 *	own lexical rules (strings, # // and C comments, @include lines) for
 *	"name = INTEGER" and "name : INTEGER"; conf.c then compares.
 *	Only integers right after the assignment are recorded: in arrays or
 *	lists a literal has no name and is no numeric setting of ours.
 *
 *	The same scan records the @include lines, so that every file they
 *	name is checked before libconfig reads it: libconfig 1.5 opens a
 *	directory without error and its scanner then exit()s the process (a
 *	daemon on reload), and it reads an absolute name from the main
 *	file's directory too. (An included FIFO is read as libconfig reads
 *	it: tests/integration/test_policyd_hup.sh holds a start-up there.)
 * SEE ALSO
 *	conf_priv.h, conf.c
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf_priv.h"
#include "xalloc.h"

#define LIT_MAX_FILE	(16 * 1024 * 1024)

struct lit {
	struct conf_lit	 pub;
	unsigned	 line;		/* of the name, as libconfig counts */
	char		 name[64];
	char		 text[48];
	int		 used;
};

struct incl {
	unsigned	 line;
	char		*name;		/* as written, escapes undone */
};

struct lit_file {
	char		*path;
	struct lit	*lits;
	size_t		 n;
	struct incl	*incls;
	size_t		 nincl;
};

struct conf_lits {
	struct lit_file	*files;
	size_t		 nfiles;
};

struct conf_lits *
conf__lits_new(void)
{
	return xcalloc(1, sizeof(struct conf_lits));
}

void
conf__lits_free(struct conf_lits *l)
{
	size_t	 i;

	if (l == NULL)
		return;
	for (i = 0; i < l->nfiles; i++) {
		struct lit_file *f = &l->files[i];
		size_t	 k;

		for (k = 0; k < f->nincl; k++)
			free(f->incls[k].name);
		free(f->incls);
		free(f->path);
		free(f->lits);
	}
	free(l->files);
	free(l);
}

/* is_name_start, is_name - libconfig's [A-Za-z*][-A-Za-z0-9_*]* */
static int
is_name_start(int c)
{
	return isalpha(c) || c == '*';
}

static int
is_name(int c)
{
	return isalnum(c) || c == '-' || c == '_' || c == '*';
}

/* add - record the literal p[0..n) for name at line */
static void
add(struct lit_file *f, const char *name, unsigned line, const char *p,
    size_t n, int is64)
{
	struct lit	*l;
	char		*end;
	long long	 v;
	int		 hex;

	f->lits = xrealloc(f->lits, sizeof(*f->lits) * (f->n + 1));
	l = &f->lits[f->n++];
	memset(l, 0, sizeof(*l));
	l->line = line;
	snprintf(l->name, sizeof(l->name), "%s", name);
	snprintf(l->text, sizeof(l->text), "%.*s%s", (int)n, p,
	    n >= sizeof(l->text) ? "..." : "");
	hex = n > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X');
	errno = 0;
	v = strtoll(l->text, &end, hex ? 16 : 10);
	l->pub.value = v;
	l->pub.bad = errno == ERANGE || n >= sizeof(l->text) ||
	    (!is64 && (v < INT_MIN || v > INT_MAX));
}

/* number - a literal at p: returns its length; *is64 for an L suffix */
static size_t
number(const char *p, size_t *digits, int *is64, int *isint)
{
	size_t	 i = 0;

	if (p[i] == '-' || p[i] == '+')
		i++;
	if (p[i] == '0' && (p[i + 1] == 'x' || p[i + 1] == 'X'))
		for (i += 2; isxdigit((unsigned char)p[i]); i++)
			;
	else
		while (isdigit((unsigned char)p[i]))
			i++;
	*digits = i;
	*isint = !(p[i] == '.' || p[i] == 'e' || p[i] == 'E');
	*is64 = p[i] == 'L';
	while (isalnum((unsigned char)p[i]) || p[i] == '.' ||
	    ((p[i] == '-' || p[i] == '+') && (p[i - 1] == 'e' ||
	    p[i - 1] == 'E')))
		i++;
	return i;
}

/*
 * include - libconfig's ^[ \t]*@include[ \t]+"NAME" at p (bol: only blanks
 * before it on its line): NAME and its line into f; the bytes taken, 0
 * when p is no @include
 */
static size_t
include(struct lit_file *f, const char *p, int bol, unsigned line)
{
	const char	*q = p + 8;
	struct incl	*in;
	char		*name;
	size_t		 n = 0;

	if (!bol || strncmp(p, "@include", 8) != 0 || (*q != ' ' &&
	    *q != '\t'))
		return 0;
	while (*q == ' ' || *q == '\t')
		q++;
	if (*q++ != '"')
		return 0;
	name = xmalloc(strlen(q) + 1);
	for (; *q != '\0' && *q != '"'; q++) {
		if (*q == '\\' && (q[1] == '\\' || q[1] == '"'))
			q++;
		name[n++] = *q;
	}
	name[n] = '\0';
	f->incls = xrealloc(f->incls, sizeof(*f->incls) * (f->nincl + 1));
	in = &f->incls[f->nincl++];
	in->line = line;
	in->name = name;
	return (size_t)(q - p) + (*q != '\0');
}

/* scan - every "name = INTEGER" and @include of text into f */
static void
scan(struct lit_file *f, const char *p)
{
	char		 name[64] = "";
	unsigned	 line = 1, nline = 0;
	int		 assign = 0, is64, isint, bol = 1;
	size_t		 n, digits;

	while (*p != '\0') {
		if (*p == '\n') {
			line++;
			p++;
			bol = 1;
			continue;
		}
		if (*p == ' ' || *p == '\t') {
			p++;
			continue;
		}
		if ((n = include(f, p, bol, line)) > 0) {
			for (; n > 0; n--)	/* a name on several lines */
				line += *p++ == '\n';
			name[0] = '\0';
			continue;
		}
		bol = 0;
		if (isspace((unsigned char)*p)) {
			p++;
		} else if (*p == '#' || (p[0] == '/' && p[1] == '/')) {
			while (*p != '\0' && *p != '\n')
				p++;
		} else if (p[0] == '/' && p[1] == '*') {
			for (p += 2; *p != '\0' && !(p[0] == '*' && p[1] == '/');
			    p++)
				line += *p == '\n';
			p += *p != '\0' ? 2 : 0;
		} else if (*p == '"') {
			for (p++; *p != '\0' && *p != '"'; p++) {
				if (*p == '\\' && p[1] != '\0')
					p++;
				line += *p == '\n';
			}
			p += *p != '\0';
			name[0] = '\0';
		} else if (is_name_start((unsigned char)*p)) {
			for (n = 0; is_name((unsigned char)p[n]); n++)
				;
			snprintf(name, sizeof(name), "%.*s", (int)n, p);
			nline = line;
			assign = 0;
			p += n;
		} else if ((*p == '=' || *p == ':') && name[0] != '\0' &&
		    !assign) {
			assign = 1;
			p++;
		} else if (isdigit((unsigned char)*p) || ((*p == '-' ||
		    *p == '+') && isdigit((unsigned char)p[1]))) {
			n = number(p, &digits, &is64, &isint);
			while (p[digits] == 'L')	/* shown as written */
				digits++;
			if (assign && isint)
				add(f, name, nline, p, digits, is64);
			name[0] = '\0';
			p += n;
		} else {
			name[0] = '\0';
			p++;
		}
	}
}

/* file_of - the scanned literals of path, scanning it the first time */
static struct lit_file *
file_of(struct conf_lits *l, const char *path)
{
	struct lit_file	*f;
	char		*text;
	size_t		 i, n, got;
	FILE		*fp;

	for (i = 0; i < l->nfiles; i++)
		if (strcmp(l->files[i].path, path) == 0)
			return &l->files[i];
	l->files = xrealloc(l->files, sizeof(*l->files) * (l->nfiles + 1));
	f = &l->files[l->nfiles++];
	memset(f, 0, sizeof(*f));
	f->path = xstrdup(path);
	if ((fp = fopen(path, "r")) == NULL)
		return f;
	text = NULL;
	n = 0;
	do {
		text = xrealloc(text, n + 65536 + 1);
		got = fread(text + n, 1, 65536, fp);
		n += got;
	} while (got > 0 && n < LIT_MAX_FILE);
	text[n] = '\0';
	fclose(fp);
	scan(f, text);
	free(text);
	return f;
}

const struct conf_lit *
conf__lits_find(struct conf_lits *l, const char *file, unsigned line,
    const char *name, long long libval)
{
	struct lit_file	*f;
	struct lit	*pick = NULL;
	size_t		 i;

	if (l == NULL || file == NULL || name == NULL)
		return NULL;
	f = file_of(l, file);
	/*
	 * Same name on one line ("{ days = 1; ... }, { days = 2; ... }"):
	 * settings come in file order; one skipped as unknown is passed over
	 * when its literal reads differently from libval.
	 */
	for (i = 0; i < f->n && pick == NULL; i++)
		if (!f->lits[i].used && f->lits[i].line == line &&
		    strcmp(f->lits[i].name, name) == 0 &&
		    (f->lits[i].pub.bad || f->lits[i].pub.value == libval))
			pick = &f->lits[i];
	if (pick == NULL)
		return NULL;
	pick->used = 1;
	pick->pub.text = pick->text;	/* here: the array moves as it grows */
	return &pick->pub;
}

/*
 * conf__file_kind - 0 for a regular file (or one that cannot be opened:
 * the read says why), EISDIR for a directory, -1 for anything else.
 * Opened without blocking: a FIFO nobody writes to would hold up the read
 * (at start, or a reload for ever); a config file is never one.
 */
int
conf__file_kind(const char *path)
{
	struct stat	 st;
	int		 fd, r = 0;

	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0)
		return 0;
	if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode))
		r = S_ISDIR(st.st_mode) ? EISDIR : -1;
	close(fd);
	return r;
}

int
conf__includes_check(struct conf_lits *l, struct conf_errs *e,
    const char *file, int depth)
{
	struct lit_file	*f = file_of(l, file);
	struct incl	*in = f->incls;		/* stays: f is scanned */
	size_t		 i, n = f->nincl;
	char		 buf[PATH_MAX];
	const char	*path;
	int		 kind, bad = 0;

	for (i = 0; i < n; i++) {
		if (in[i].name[0] == '/') {
			conf__errs_at(e, file, in[i].line, "@include",
			    "\"%s\" is an absolute path: libconfig 1.5 reads "
			    "every @include from %s, give it relative to that",
			    in[i].name, e->incdir);
			bad = 1;
			continue;
		}
		/* what libconfig opens: incdir/NAME */
		path = conf__src_path(e, in[i].name, buf, sizeof(buf));
		if ((kind = conf__file_kind(path)) == EISDIR) {
			conf__errs_at(e, file, in[i].line, "@include",
			    "cannot read \"%s\": %s", path, strerror(EISDIR));
			bad = 1;
		} else if (kind == 0 && depth < CONF_INCLUDE_DEPTH &&
		    conf__includes_check(l, e, path, depth + 1) < 0)
			bad = 1;
	}
	return bad ? -1 : 0;
}
