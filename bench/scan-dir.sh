#!/usr/bin/env bash
# Usage: bench/scan-dir.sh DIR
#
# Prints scour's wall and CPU time for `scour scan DIR --format json` (with
# --max-file-size 0, so both read the same bytes) beside the floor of
# reading the same files (`find DIR -type f -print0 | xargs -0 cat`),
# measured in one invocation with a warm page cache, best of RUNS (default
# 3) alternating runs of each, and their ratios. scour is built once first
# so compile time is not measured.
set -euo pipefail

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
	echo "usage: $0 DIR" >&2
	exit 2
fi
dir="$1"
repo="$(cd "$(dirname "$0")/.." && pwd)"
runs="${RUNS:-3}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

(cd "$repo" && go build -o "$tmp/scour" . && go build -o "$tmp/peakrss" ./bench/peakrss)

# Warm the page cache so both runs read from memory.
find "$dir" -type f -print0 | xargs -0 cat >/dev/null

for _ in $(seq "$runs"); do
	"$tmp/peakrss" -quiet -label cat -- sh -c 'find "$1" -type f -print0 | xargs -0 cat' sh "$dir" 2>>"$tmp/raw"
	"$tmp/peakrss" -quiet -label scour -- "$tmp/scour" scan "$dir" --format json --max-file-size 0 2>>"$tmp/raw" || true
done
if grep -q '^scour .* exit=[^01]' "$tmp/raw"; then # 1 only means findings
	echo "scour scan failed:" >&2
	cat "$tmp/raw" >&2
	exit 1
fi

bytes=$(($(find "$dir" -type f -printf '%s+') 0))
echo "machine: $(nproc) cores, $(uname -sm), $(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)"
echo "dir: $dir ($bytes bytes); best of $runs runs"
grep '^scour: scanned' "$tmp/raw" | tail -n 1
awk '/^(cat|scour) wall=/ {
	for (i = 2; i <= NF; i++) { split($i, kv, "="); sub(/s$/, "", kv[2]); v[kv[1]] = kv[2] }
	if (!($1 in wall) || v["wall"] < wall[$1]) wall[$1] = v["wall"]
	if (!($1 in cpu) || v["cpu"] < cpu[$1]) cpu[$1] = v["cpu"]
} END {
	printf "%-6s %9s %9s\n", "", "wall s", "cpu s"
	printf "%-6s %9.3f %9.3f\n", "cat", wall["cat"], cpu["cat"]
	printf "%-6s %9.3f %9.3f\n", "scour", wall["scour"], cpu["scour"]
	if (wall["cat"] > 0 && cpu["cat"] > 0)
		printf "ratio  %8.2fx %8.2fx  the cat floor\n", wall["scour"] / wall["cat"], cpu["scour"] / cpu["cat"]
}' "$tmp/raw"
