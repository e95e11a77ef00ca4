dnl relay.m4 - small configure helpers for relay-suite

dnl RELAY_REQUIRE_PKG(VARIABLE-PREFIX, PKG-CONFIG-NAME, DEBIAN-PACKAGE)
dnl Finds a library with pkg-config or stops with the package to install.
AC_DEFUN([RELAY_REQUIRE_PKG], [
  PKG_CHECK_MODULES([$1], [$2], [],
    [AC_MSG_ERROR([$2 was not found by pkg-config. On Debian: apt-get install $3])])
])

dnl RELAY_TRY_CFLAG(FLAG, [ACTION-IF-OK], [ACTION-IF-NOT])
AC_DEFUN([RELAY_TRY_CFLAG], [
  AC_MSG_CHECKING([whether $CC accepts $1])
  relay_save_CFLAGS="$CFLAGS"
  CFLAGS="$CFLAGS $1 -Werror"
  AC_LINK_IFELSE([AC_LANG_PROGRAM([], [])],
    [AC_MSG_RESULT([yes]); CFLAGS="$relay_save_CFLAGS"; $2],
    [AC_MSG_RESULT([no]); CFLAGS="$relay_save_CFLAGS"; $3])
])

dnl RELAY_TRY_LDFLAG(FLAG, [ACTION-IF-OK], [ACTION-IF-NOT])
AC_DEFUN([RELAY_TRY_LDFLAG], [
  AC_MSG_CHECKING([whether the linker accepts $1])
  relay_save_LDFLAGS="$LDFLAGS"
  LDFLAGS="$LDFLAGS $1"
  AC_LINK_IFELSE([AC_LANG_PROGRAM([], [])],
    [AC_MSG_RESULT([yes]); LDFLAGS="$relay_save_LDFLAGS"; $2],
    [AC_MSG_RESULT([no]); LDFLAGS="$relay_save_LDFLAGS"; $3])
])
