#!/usr/bin/env bash
# Install the Debian packages behind the programs the tests run. Arguments: program:package pairs
# (program "dpkg" means: the package itself must be installed, e.g. dpkg:linux-headers-amd64).
# A program that is already on PATH needs nothing; a missing one is installed with apt-get (as root),
# or reported as an error naming the package to install.
set -euo pipefail
missing=()
for pair in "$@"; do
	program=${pair%%:*}
	package=${pair#*:}
	if [ "$program" = dpkg ]; then
		dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
	else
		command -v "$program" >/dev/null 2>&1 || missing+=("$package")
	fi
done
[ "${#missing[@]}" -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
	echo "error: missing programs; install these packages: ${missing[*]}" >&2
	exit 1
fi
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
