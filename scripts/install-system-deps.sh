#!/usr/bin/env bash
# Installs the Debian packages the tests and the demo need, when they are missing:
# a real OpenLDAP (slapd + ldap-utils), openssl for the throwaway certificates, and Chromium for the
# editor tests (driven by playwright-core at /usr/bin/chromium; no browser download), and the C/C++
# toolchain node-gyp needs to build n8n's native addons (sqlite3) in the test installs of n8n.
# With --tests, also the directory servers only the tests run: a Samba AD domain controller and a 389
# Directory Server, and PostgreSQL and Redis for n8n's queue mode (the demo does not need them). Each has a
# block of its own below.
# Needs root (CI and the development machines run as root); otherwise says what to run.
set -euo pipefail

for_tests=0
[ "${1:-}" = "--tests" ] && for_tests=1

# Samba's Active Directory domain controller, for the tests against a real AD (devkit/samba.ts): the
# daemon, the provisioning tool and their AD modules; recommends left out (no file server needed).
samba_missing=()
[ "$for_tests" -eq 1 ] && for package in samba samba-ad-provision samba-ad-dc samba-dsdb-modules samba-vfs-modules winbind ldb-tools; do
	dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || samba_missing+=("$package")
done
if [ ${#samba_missing[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "Missing Debian packages: ${samba_missing[*]}. Install them with: sudo apt-get install -y --no-install-recommends ${samba_missing[*]}" >&2
		exit 1
	fi
	echo "Installing Debian packages: ${samba_missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${samba_missing[@]}" >/dev/null
	# The packages may start Debian's own domain controller or file server, which would hold the ports
	# 389/636 the tests' Samba needs: stop what they started (by service, never by process name).
	if command -v service >/dev/null 2>&1; then
		for service in samba-ad-dc smbd nmbd winbind; do service "$service" stop >/dev/null 2>&1 || true; done
	fi
fi

missing=()
[ -x /usr/sbin/slapd ] || missing+=(slapd)
command -v ldapsearch >/dev/null 2>&1 || missing+=(ldap-utils)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v make >/dev/null 2>&1 || missing+=(make)
command -v g++ >/dev/null 2>&1 || missing+=(g++)
command -v python3 >/dev/null 2>&1 || missing+=(python3)

# 389 Directory Server 2.3 for the real-389ds tests (devkit/dirsrv.ts), in its own block: lib389's
# tools (dscreate, dsctl) drive systemd unless its defaults say there is none. The tests run ns-slapd
# themselves and CI machines have no systemd, so say so in those defaults. Idempotent.
if [ "$for_tests" -eq 1 ] && { ! command -v dscreate >/dev/null 2>&1 || grep -q '^with_systemd = 1' /usr/share/dirsrv/inf/defaults.inf; }; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "389 Directory Server needs root to install and set up: run this script as root" >&2
		exit 1
	fi
	if ! command -v dscreate >/dev/null 2>&1; then
		echo "Installing Debian packages: 389-ds-base python3-lib389"
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends 389-ds-base python3-lib389 >/dev/null
	fi
	sed -i 's/^with_systemd = 1$/with_systemd = 0/' /usr/share/dirsrv/inf/defaults.inf
fi

# PostgreSQL and Redis for the tests of n8n's queue mode (devkit/postgres.ts, devkit/redis.ts), in their own
# block: the tests start throwaway servers of their own, so stop the system instances the packages may start
# (by service, never by process name). Idempotent.
queue_missing=()
if [ "$for_tests" -eq 1 ]; then
	compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || queue_missing+=(postgresql)
	[ -x /usr/bin/redis-server ] || queue_missing+=(redis-server)
fi
if [ ${#queue_missing[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "Missing Debian packages: ${queue_missing[*]}. Install them with: sudo apt-get install -y --no-install-recommends ${queue_missing[*]}" >&2
		exit 1
	fi
	echo "Installing Debian packages: ${queue_missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${queue_missing[@]}" >/dev/null
	if command -v service >/dev/null 2>&1; then
		for service in postgresql redis-server; do service "$service" stop >/dev/null 2>&1 || true; done
	fi
fi

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "Missing Debian packages: ${missing[*]}. Install them with: sudo apt-get install -y ${missing[*]}" >&2
	exit 1
fi
echo "Installing Debian packages: ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
# The slapd package may start its own system instance; the tests run their own, so stop it if it runs.
if command -v service >/dev/null 2>&1; then service slapd stop >/dev/null 2>&1 || true; fi
