/*
 * NAME
 *	linelimit - a message as Postfix's SMTP client will send it (pure)
 * DESCRIPTION
 *	Postfix's smtp(8) breaks every header and body line longer than
 *	smtp_line_length_limit (998 by default: SMTP's 1000 with CRLF) by
 *	inserting CRLF and a space: the first 998 octets, then a space and
 *	up to 997 more on each further line (smtp_text_out() in Postfix's
 *	smtp_proto.c). That happens at delivery, after relay-milter signed,
 *	so a signature over the lines as submitted fails at the receiver:
 *	relaxed canonicalization does not undo the break in the body, and
 *	turns it into a space in a header. relay-milter hashes the text
 *	Postfix will send instead (milter.line_length_limit): what the
 *	receiver gets is unchanged, and it verifies.
 *
 *	linelimit_feed() takes the text in chunks (CRLF line ends; a bare LF
 *	ends a line too, as Postfix's records do) and passes it on, broken,
 *	to out(); a CR at the end of a chunk waits for the next one (is it a
 *	line end?). linelimit_end() passes on what waited. A limit of 0
 *	passes everything as it is.
 *
 *	linelimit_records() says how long the records of Postfix's queue
 *	file are (its line_length_limit, 2048 by default; 0: not known): a
 *	longer line is kept in records of that length, and one whose length
 *	is a multiple of it ends with an empty record. smtp(8) breaks the
 *	output line after a continued record that fills it exactly, even
 *	when only that empty record follows: such a line, when its last
 *	output line is exactly full, is sent with CRLF SP before its line
 *	end (a line of one space; the first such length is 1,550,336
 *	octets, 998 + 997 * 1554).
 * SEE ALSO
 *	sign.c, postconf(5) smtp_line_length_limit, tests/unit/test_linelimit.c
 */
#ifndef RELAY_MILTER_LINELIMIT_H
#define RELAY_MILTER_LINELIMIT_H

#include <stddef.h>

typedef int linelimit_out(void *arg, const unsigned char *buf, size_t len);

struct linelimit {
	size_t		 limit;		/* 0: off */
	size_t		 rec;		/* queue file record length; 0: none */
	size_t		 room;		/* octets the current line still takes */
	size_t		 len;		/* octets of the current line so far */
	int		 cr;		/* a CR waits: line end or content? */
	unsigned long	 breaks;	/* CRLF SP inserted so far */
	unsigned char	 buf[4096];	/* output not yet given to out() */
	size_t		 n;
};

void	 linelimit_init(struct linelimit *, size_t limit);
void	 linelimit_records(struct linelimit *, size_t rec);
/* linelimit_feed - in[0..len) on to out(); 0, or what out() returned */
int	 linelimit_feed(struct linelimit *, const unsigned char *in,
	    size_t len, linelimit_out *out, void *arg);
/* linelimit_end - the waiting CR (content now) and the rest on to out() */
int	 linelimit_end(struct linelimit *, linelimit_out *out, void *arg);

#endif
