#!/usr/bin/env bash
# Installs the Debian packages the tests and the demo need, when they are missing:
# a real OpenLDAP (slapd + ldap-utils), openssl for the throwaway certificates, and Chromium for the
# editor tests (driven by playwright-core at /usr/bin/chromium; no browser download), and the C/C++
# toolchain node-gyp needs to build n8n's native addons (sqlite3) in the test installs of n8n.
# Needs root (CI and the development machines run as root); otherwise says what to run.
set -euo pipefail

missing=()
[ -x /usr/sbin/slapd ] || missing+=(slapd)
command -v ldapsearch >/dev/null 2>&1 || missing+=(ldap-utils)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v make >/dev/null 2>&1 || missing+=(make)
command -v g++ >/dev/null 2>&1 || missing+=(g++)
command -v python3 >/dev/null 2>&1 || missing+=(python3)

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
