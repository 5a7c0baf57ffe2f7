#!/bin/sh
# deps.sh -- install the Debian packages Loa needs to build, test and demo.
#
# Run by `make check` and `make demo`.  As root, installs what is missing
# with apt-get; otherwise prints the exact command and fails.  prometheus
# is there for promtool (t_metrics checks /metrics and conf/monitoring);
# Debian has no package with promtool alone.  debhelper, dpkg-dev,
# fakeroot and lintian build and check the Debian package (make deb,
# tests/integration/t_deb.sh).
set -e
PKGS="gcc make pkg-config libc6-dev libcurl4-openssl-dev libevent-dev
libhiredis-dev libjansson-dev libinih-dev libunistring-dev redis-server
redis-tools jq curl ca-certificates socat libssl-dev openssl python3
lua-check prometheus debhelper dpkg-dev fakeroot lintian libsodium-dev"
# groff: t_docs formats the man pages with it (-mdoc -ww).
PKGS="$PKGS groff-base"
# t_console drives the console (www/) in Debian's chromium, headless.
PKGS="$PKGS chromium chromium-driver python3-selenium"
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
# No service a package ships is started by this install (prometheus
# would start a server on :9090): a policy-rc.d of our own, only for
# the install, when the machine has none.
policy=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
	policy=/usr/sbin/policy-rc.d
fi
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null || {
	[ -z "$policy" ] || rm -f "$policy"
	exit 1
}
[ -z "$policy" ] || rm -f "$policy"
