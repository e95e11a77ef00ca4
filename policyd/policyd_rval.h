/*
 * NAME
 *	policyd_rval - a Redis reply copied out of hiredis
 * DESCRIPTION
 *	hiredis frees an async reply as soon as its callback returns, so the
 *	callback copies what it got into a struct rval, which then outlives
 *	it. The decision code reads rvals only, so it is tested without a
 *	Redis (unit tests build rvals by hand with rval_new_*).
 * OWNERSHIP
 *	rval_free() frees a value and its elements; NULL is a no-op.
 */
#ifndef RELAY_POLICYD_RVAL_H
#define RELAY_POLICYD_RVAL_H

#include <stddef.h>

enum rval_type {
	RVAL_NIL,
	RVAL_INT,
	RVAL_STR,	/* bulk or status string */
	RVAL_ERR,	/* an error reply: str holds its text */
	RVAL_ARRAY
};

struct rval {
	enum rval_type	 type;
	long long	 integer;
	char		*str;		/* NUL-terminated copy */
	size_t		 len;
	struct rval	**el;
	size_t		 nel;
};

struct rval *rval_new_nil(void);
struct rval *rval_new_int(long long);
struct rval *rval_new_str(const char *, size_t);
struct rval *rval_new_err(const char *);
/* rval_new_array - n elements, all NULL until set */
struct rval *rval_new_array(size_t n);
void	 rval_free(struct rval *);

/*
 * rval_int - a number from an integer or a decimal string reply. Returns
 * 0 and sets *out, or -1 for nil, an error, an array or a string that is
 * not a whole decimal number.
 */
int	 rval_int(const struct rval *, long long *out);
/*
 * rval_str - the string of a string reply, or NULL (also for one holding
 * a NUL: no field of ours may, and its C string would be a prefix)
 */
const char *rval_str(const struct rval *);
/* rval_badstr - 1 for a string reply that rval_str refuses */
int	 rval_badstr(const struct rval *);
/* rval_at - element i of an array, or NULL */
const struct rval *rval_at(const struct rval *, size_t i);

#endif
