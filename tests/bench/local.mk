# tests/bench/local.mk - filled in by the tests/bench work
