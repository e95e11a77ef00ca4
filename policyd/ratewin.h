/*
 * NAME
 *	ratewin - the suspension window's buckets and label (pure)
 * DESCRIPTION
 *	The bounce-rate and complaint-rate windows (relay.conf's
 *	suspension.window) are counted in buckets, hash fields named by
 *	their start time: relay-tracker writes the outcomes, relay-unsub -r
 *	the complaints, relayctl member show reads both. The width of a
 *	bucket and the window's name in a suspension text or on screen are
 *	the same for all three.
 * SEE ALSO
 *	common/lua/tracker_event.lua, common/lua/unsub_complaint_count.lua,
 *	contrib/relayctl/rates.h
 */
#ifndef RELAY_RATEWIN_H
#define RELAY_RATEWIN_H

#include <stddef.h>

/* ratewin_bucket_s - width of one window bucket: window/24, >= 60 s */
int	 ratewin_bucket_s(int window_s);
/* ratewin_label - "24h", "7d", "90m", "45s" for a suspension text */
void	 ratewin_label(int window_s, char *buf, size_t len);

#endif /* RELAY_RATEWIN_H */
