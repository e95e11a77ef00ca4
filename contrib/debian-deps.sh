#!/bin/sh
# contrib/debian-deps.sh - install what relay-suite needs on Debian 12.
#
# Usage: contrib/debian-deps.sh [build|test|demo|ci|bench]   (default: test)
#   build  compilers, autotools and the -dev packages configure looks for
#   test   build + the servers and tools the integration tests drive
#   demo   build + the servers the demo relay runs on
#   ci     test + clang and its sanitizer runtime (libFuzzer), for .ci/run
#   bench  test + the tools the benchmarks compare with (OpenDKIM, rspamd,
#          postfwd, policyd-rate-limit)
#
# Postfix is preseeded to "No configuration": the suite runs private
# instances (postfix -c DIR) and never touches /etc/postfix/main.cf.
# Installing the packages does not leave any of their system services
# running: the tests and the demo start their own on loopback.
set -eu

what=${1:-test}

build="autoconf automake libtool pkg-config build-essential make
libmilter-dev libopendkim-dev libhiredis-dev libconfig-dev libevent-dev
libssl-dev libjansson-dev libcmocka-dev libidn2-dev"

servers="postfix redis-server redis-tools dovecot-core unbound
bind9-dnsutils swaks python3 python3-dkim python3-nacl opendkim-tools
miltertest openssl procps iproute2 curl"

case $what in
build)  pkgs=$build ;;
test)   pkgs="$build $servers valgrind" ;;
demo)   pkgs="$build $servers" ;;
ci)     pkgs="$build $servers valgrind clang libclang-rt-14-dev" ;;
bench)  pkgs="$build $servers valgrind opendkim rspamd postfwd policyd-rate-limit" ;;
*)      echo "usage: $0 [build|test|demo|ci|bench]" >&2; exit 64 ;;
esac

if [ "$(id -u)" -ne 0 ]; then
	sudo=sudo
else
	sudo=
fi

missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
	    grep -q '^install ok installed' || missing="$missing $p"
done
[ -n "$missing" ] || exit 0

echo "postfix postfix/main_mailer_type select No configuration" |
    $sudo debconf-set-selections
export DEBIAN_FRONTEND=noninteractive
# policy-rc.d keeps the packages' own daemons from starting on install.
prc=/usr/sbin/policy-rc.d
made_prc=
if [ ! -e $prc ]; then
	printf '#!/bin/sh\nexit 101\n' | $sudo tee $prc >/dev/null
	$sudo chmod 755 $prc
	made_prc=1
fi
trap '[ -z "$made_prc" ] || $sudo rm -f $prc' EXIT
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing
