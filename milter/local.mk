# milter/local.mk - filled in by the milter work
