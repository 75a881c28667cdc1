#!/usr/bin/env bash
# Usage: bench/scan-dir.sh DIR
#
# Prints scour's wall time for `scour scan DIR --format json` (with
# --max-file-size 0, so both read the same bytes) beside the
# floor of reading the same files (`find DIR -type f -print0 | xargs -0 cat`),
# measured in one invocation with a warm page cache, and their ratio.
# scour is built once first so compile time is not measured.
set -euo pipefail

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
	echo "usage: $0 DIR" >&2
	exit 2
fi
dir="$1"
repo="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

(cd "$repo" && go build -o "$tmp/scour" .)

now() { date +%s%N; } # nanoseconds
# secs NS: nanoseconds as seconds with three decimals.
secs() { printf '%d.%03d' $(($1 / 1000000000)) $(($1 % 1000000000 / 1000000)); }

read_all() { find "$dir" -type f -print0 | xargs -0 cat >/dev/null; }

# Warm the page cache so both runs read from memory.
read_all

t0="$(now)"
read_all
t1="$(now)"
cat_ns=$((t1 - t0))

t0="$(now)"
rc=0
"$tmp/scour" scan "$dir" --format json --max-file-size 0 >/dev/null 2>"$tmp/stderr" || rc=$?
t1="$(now)"
scour_ns=$((t1 - t0))
if [ "$rc" -gt 1 ]; then # 1 only means findings
	echo "scour scan failed (exit $rc):" >&2
	cat "$tmp/stderr" >&2
	exit "$rc"
fi

bytes=$(($(find "$dir" -type f -printf '%s+') 0))
echo "dir:    $dir ($bytes bytes)"
echo "cat:    $(secs "$cat_ns")s"
echo "scour:  $(secs "$scour_ns")s (exit $rc)"
tail -n 1 "$tmp/stderr"
if [ "$cat_ns" -gt 0 ]; then
	r=$((scour_ns * 100 / cat_ns))
	printf 'ratio:  %d.%02dx the cat floor\n' $((r / 100)) $((r % 100))
fi
