# contrib/local.mk - filled in by the contrib work
