/*
 * NAME
 *	policyd_rval - Redis reply values that outlive the hiredis callback
 * SEE ALSO
 *	policyd_rval.h, policyd_redis.c (rval_from_reply)
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policyd_rval.h"
#include "xalloc.h"

struct rval *
rval_new_nil(void)
{
	return xcalloc(1, sizeof(struct rval));
}

struct rval *
rval_new_int(long long v)
{
	struct rval *r = rval_new_nil();

	r->type = RVAL_INT;
	r->integer = v;
	return r;
}

struct rval *
rval_new_str(const char *s, size_t n)
{
	struct rval *r = rval_new_nil();

	r->type = RVAL_STR;
	r->str = xmalloc(n + 1);	/* as Redis has it: a NUL may be in it */
	memcpy(r->str, s, n);
	r->str[n] = '\0';
	r->len = n;
	return r;
}

struct rval *
rval_new_err(const char *s)
{
	struct rval *r = rval_new_str(s, strlen(s));

	r->type = RVAL_ERR;
	return r;
}

struct rval *
rval_new_array(size_t n)
{
	struct rval *r = rval_new_nil();

	r->type = RVAL_ARRAY;
	r->el = xcalloc(n ? n : 1, sizeof(*r->el));
	r->nel = n;
	return r;
}

void
rval_free(struct rval *r)
{
	size_t	 i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nel; i++)
		rval_free(r->el[i]);
	free(r->el);
	free(r->str);
	free(r);
}

int
rval_int(const struct rval *r, long long *out)
{
	char	*end;
	long long v;

	if (r == NULL)
		return -1;
	if (r->type == RVAL_INT) {
		*out = r->integer;
		return 0;
	}
	if (r->type != RVAL_STR || r->len == 0 || strlen(r->str) != r->len)
		return -1;
	errno = 0;
	v = strtoll(r->str, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

const char *
rval_str(const struct rval *r)
{
	return r != NULL && r->type == RVAL_STR &&
	    strlen(r->str) == r->len ? r->str : NULL;
}

int
rval_badstr(const struct rval *r)
{
	return r != NULL && r->type == RVAL_STR && rval_str(r) == NULL;
}

const struct rval *
rval_at(const struct rval *r, size_t i)
{
	if (r == NULL || r->type != RVAL_ARRAY || i >= r->nel)
		return NULL;
	return r->el[i];
}
