#!/usr/bin/env bash
# Print the newest kernel release whose headers are installed (/lib/modules/KVER/build): what `make run`
# builds the demo driver for. Debian's linux-headers-amd64 puts them there.
set -euo pipefail
best=""
for build in /lib/modules/*/build; do
	[ -d "$build" ] || continue
	best=$(basename "$(dirname "$build")")
done
if [ -z "$best" ]; then
	echo "error: no kernel headers in /lib/modules/*/build; install linux-headers-amd64 (make run does, as root)" >&2
	exit 1
fi
echo "$best"
