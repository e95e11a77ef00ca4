/*
 * NAME
 *	unsub_report - relay-unsub -r: a complaint report (feedback loop)
 * DESCRIPTION
 *	unsub_report() reads one report from stdin (a pipe(8) delivery to
 *	the complaint address), finds the member and the recipient it is
 *	about (complaint.h) and puts the recipient on the member's
 *	suppression list with reason "complaint". One line on stdout says
 *	what became of it, one log line event=complaint. Returns the exit
 *	code: EX_OK for a suppression and for a report that names nobody of
 *	ours (logged; a bounce would go to the provider's feedback address,
 *	or to a forged sender), EX_TEMPFAIL when Redis fails or holds no
 *	relay-suite data, so Postfix tries again.
 *
 *	unsub_slurp() reads the message a pipe(8) delivery gives on stdin,
 *	for -r and -b.
 * SEE ALSO
 *	unsub.c, complaint.h, arf.h, relay-unsub(8)
 */
#ifndef RELAY_UNSUB_REPORT_H
#define RELAY_UNSUB_REPORT_H

#include <stddef.h>

#include "conf.h"

int	 unsub_report(const struct relay_conf *conf);
/*
 * unsub_slurp - stdin, up to max octets kept in a NUL-terminated heap
 * buffer (the rest read and dropped); its length, and in *cut whether
 * there was more
 */
size_t	 unsub_slurp(char **out, size_t max, int *cut);

#endif /* RELAY_UNSUB_REPORT_H */
