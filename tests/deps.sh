#!/bin/sh
# deps.sh -- install the Debian packages Loa needs to build, test and demo.
#
# Run by `make check` and `make demo`.  As root, installs what is missing
# with apt-get; otherwise prints the exact command and fails.  debhelper,
# dpkg-dev, fakeroot and lintian build and check the Debian package (make
# deb, tests/integration/t_deb.sh).
set -e
PKGS="gcc make pkg-config libc6-dev libcurl4-openssl-dev libevent-dev
libhiredis-dev libjansson-dev libinih-dev libunistring-dev redis-server
redis-tools jq curl ca-certificates socat libssl-dev openssl python3
lua-check debhelper dpkg-dev fakeroot lintian"
missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "Loa needs these Debian packages:$missing" >&2
	echo "run: sudo apt-get update && sudo apt-get install -y$missing" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null
