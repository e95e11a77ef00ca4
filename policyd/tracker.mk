# policyd/tracker.mk - relay-tracker and relay-unsub (filled in by the tracker work)
