# policyd/local.mk - filled in by the policyd work
