#!/usr/bin/env bash
# Usage: bench/scan-history.sh REPO [-- extra scour flags]
#
# Prints, in one invocation on the same repository with a warm page cache,
# the wall time, CPU time (user+system) and peak memory (RSS, from
# getrusage via bench/peakrss; no GNU time needed) of
#   scour scan --format json REPO           (whole history, all rules, delta-aware matching)
#   scour scan --no-delta-matching ...      (every blob matched in full)
#   git cat-file --batch-all-objects --batch --unordered >/dev/null
#   git log -p --all >/dev/null             (skipped with LOGP=0)
# and their ratios to git cat-file (the bar: reading every object once).
# Each command runs $RUNS times (default 3); the best run (least CPU) is
# shown, the measure a loaded machine disturbs least: compare CPU ratios
# there, wall time depends on the load (the load average is printed).
# It exits 1 unless both scour reports are identical but for the elapsed
# time (delta-aware matching must not change a finding). REPO may be a
# bare mirror (git clone --mirror). scour is built first so compile time
# is not measured.
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

measure() { # LABEL CMD...: runs CMD $runs times, keeps the line of the run with the least CPU
	local label="$1"
	shift
	: >"$tmp/one"
	for _ in $(seq "$runs"); do
		"$tmp/peakrss" -quiet -label "$label" -- "$@" 2>>"$tmp/raw" || true
		grep "^$label wall=" "$tmp/raw" | tail -n 1 >>"$tmp/one"
	done
	awk '{ split($3, c, "="); sub(/s$/, "", c[2]); print c[2], $0 }' "$tmp/one" | sort -g | head -n 1 | cut -d' ' -f2- >>"$tmp/results"
}

# Warm the page cache.
git -C "$repo_dir" cat-file --batch-all-objects --batch --unordered >/dev/null

objects="$(git -C "$repo_dir" count-objects -v | awk '/^(count|in-pack):/ {n += $2} END {print n}')"
commits="$(git -C "$repo_dir" rev-list --all --count)"
blob_bytes="$(git -C "$repo_dir" cat-file --batch-all-objects --batch-check='%(objecttype) %(objectsize)' --unordered |
	awk '$1 == "blob" {n++; b += $2} END {printf "%d blobs, %.1f MB of blob content", n, b / 1e6}')"
echo "repository: $repo_dir: $commits commits, $objects objects, $blob_bytes"
echo "machine: $(nproc) cores, $(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)"

: >"$tmp/results"
measure "git-cat-file" git -C "$repo_dir" cat-file --batch-all-objects --batch --unordered
measure "scour-scan" "$tmp/scour" scan --format json --report "$tmp/delta.json" "$@" "$repo_dir"
measure "scour-no-delta" "$tmp/scour" scan --format json --report "$tmp/full.json" --no-delta-matching "$@" "$repo_dir"
if [ "${LOGP:-1}" != 0 ]; then
	measure "git-log-p" git -C "$repo_dir" log -p --all
fi

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

# Delta-aware matching must not change a byte of the report.
strip() { jq 'del(.stats.elapsed_ms)' "$1"; }
if [ ! -s "$tmp/delta.json" ] || ! jq -e .findings "$tmp/delta.json" >/dev/null; then
	echo "scour wrote no JSON report" >&2
	exit 1
fi
if [ "$(strip "$tmp/delta.json")" = "$(strip "$tmp/full.json")" ]; then
	echo "delta-aware matching: same report as a full scan ($(jq '.findings | length' "$tmp/delta.json") findings)"
else
	echo "delta-aware matching: REPORTS DIFFER" >&2
	diff <(strip "$tmp/full.json") <(strip "$tmp/delta.json") | head -n 40 >&2
	exit 1
fi
