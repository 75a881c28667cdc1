#!/usr/bin/env bash
# Usage: bench/scan-history.sh REPO [-- extra scour flags]
#
# Prints, in one invocation on the same repository with a warm page cache,
# the wall time, CPU time (user+system) and peak memory (RSS, from
# getrusage via bench/peakrss; no GNU time needed) of
#   scour scan --format json REPO           (whole history, all rules)
#   git cat-file --batch-all-objects --batch --unordered >/dev/null
#   git log -p --all >/dev/null
# and their ratios to git cat-file (the bar: reading every object once).
# Each command runs $RUNS times (default 3); the run with the median wall time is shown.
# On a busy machine compare the CPU ratio: wall time depends on the load.
# scour is built first so compile time is not measured.
# Make a repository with: go run ./bench/mkrepo -out /tmp/repo -commits 5000 ...
set -euo pipefail

if [ $# -lt 1 ] || [ ! -d "$1" ]; then
	echo "usage: $0 REPO [extra scour flags...]" >&2
	exit 2
fi
repo_dir="$(cd "$1" && pwd)"
shift
src="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

(cd "$src" && go build -o "$tmp/scour" . && go build -o "$tmp/peakrss" ./bench/peakrss)

runs="${RUNS:-3}"

measure() { # LABEL CMD...: runs CMD $runs times, keeps the median run's line
	local label="$1"
	shift
	: >"$tmp/one"
	for _ in $(seq "$runs"); do
		"$tmp/peakrss" -quiet -label "$label" -- "$@" 2>>"$tmp/raw" || true
		grep "^$label wall=" "$tmp/raw" | tail -n 1 >>"$tmp/one"
	done
	sort -t= -k2 -g "$tmp/one" | sed -n "$(((runs + 1) / 2))p" >>"$tmp/results"
}

# Warm the page cache.
git -C "$repo_dir" cat-file --batch-all-objects --batch --unordered >/dev/null

objects="$(git -C "$repo_dir" count-objects -v | awk '/^(count|in-pack):/ {n += $2} END {print n}')"
commits="$(git -C "$repo_dir" rev-list --all --count)"
blob_bytes="$(git -C "$repo_dir" cat-file --batch-all-objects --batch-check='%(objecttype) %(objectsize)' --unordered |
	awk '$1 == "blob" {n++; b += $2} END {printf "%d blobs, %.1f MB of blob content", n, b / 1e6}')"
echo "repository: $repo_dir: $commits commits, $objects objects, $blob_bytes"

: >"$tmp/results"
measure "scour-scan" "$tmp/scour" scan --format json "$@" "$repo_dir"
measure "git-cat-file" git -C "$repo_dir" cat-file --batch-all-objects --batch --unordered
measure "git-log-p" git -C "$repo_dir" log -p --all

# scour exits 1 when it finds secrets (planted ones, in mkrepo repositories).
awk '
	{ for (i = 2; i <= NF; i++) { split($i, kv, "="); v[$1, kv[1]] = kv[2] } names[++n] = $1 }
	END {
		bw = v["git-cat-file", "wall"] + 0
		bc = v["git-cat-file", "cpu"] + 0
		printf "%-14s %10s %10s %12s %12s %11s %6s\n", "what", "wall", "cpu", "peak RSS", "wall/cat-file", "cpu/cat-file", "exit"
		for (i = 1; i <= n; i++) {
			w = v[names[i], "wall"] + 0
			c = v[names[i], "cpu"] + 0
			printf "%-14s %10s %10s %12s %12.2f %11.2f %6s\n", names[i], v[names[i], "wall"], v[names[i], "cpu"], v[names[i], "maxrss"], (bw > 0 ? w / bw : 0), (bc > 0 ? c / bc : 0), v[names[i], "exit"]
		}
	}' "$tmp/results"
