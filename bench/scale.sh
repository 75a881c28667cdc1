#!/usr/bin/env bash
# Usage: bench/scale.sh [SCALES...]   (default: 1 2 4 8)
#
# The cost curve of a whole-history scan: for each scale k, makes a
# synthetic repository with bench/mkrepo of k times the base size (COMMITS,
# default 2000 commits, and FILES, default 500 files, both times k; the
# same seed, so the histories nest in shape) and prints, in one
# invocation, the median of RUNS (default 3) runs of scour scan and of
# git cat-file --batch-all-objects --batch --unordered: wall, CPU, peak RSS
# and scour's ratios to cat-file. Linear time shows as constant ratios and
# time per MB; peak RSS should stay well under 1 GB at every size.
# Repositories are made under $TMPDIR and removed at the end. REPOS, a
# space-separated list of existing repositories (say bare mirrors of
# prometheus and terraform), adds a row for each after the synthetic ones.
# SCOUR_FLAGS is passed to every scour scan (e.g. --memory-budget 256MiB).
set -euo pipefail

scales=("$@")
[ ${#scales[@]} -gt 0 ] || scales=(1 2 4 8)
src="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$src" && go build -o "$tmp/scour" . && go build -o "$tmp/peakrss" ./bench/peakrss && go build -o "$tmp/mkrepo" ./bench/mkrepo)
runs="${RUNS:-3}"
commits="${COMMITS:-2000}"
files="${FILES:-500}"

median() { # LABEL CMD...: the median-wall line of $runs runs
	local label="$1"
	shift
	: >"$tmp/one"
	for _ in $(seq "$runs"); do
		"$tmp/peakrss" -quiet -label "$label" -- "$@" 2>>"$tmp/raw" || true
		grep "^$label wall=" "$tmp/raw" | tail -n 1 >>"$tmp/one"
	done
	sort -t= -k2 -g "$tmp/one" | sed -n "$(((runs + 1) / 2))p"
}

echo "machine: $(nproc) cores, $(uname -sm), $(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)"
printf "%5s %10s %10s %10s %10s %10s %10s %9s %9s %10s\n" scale "blob MB" "cat wall" "cat cpu" "scour wall" "scour cpu" "scour RSS" "wall/cat" "cpu/cat" "cpu ms/MB"
row() { # LABEL REPO: one row of the table
	local label="$1" repo="$2" mb cat sc
	git -C "$repo" cat-file --batch-all-objects --batch --unordered >/dev/null # warm the cache
	mb="$(git -C "$repo" cat-file --batch-all-objects --batch-check='%(objecttype) %(objectsize)' --unordered |
		awk '$1 == "blob" {b += $2} END {printf "%.1f", b / 1e6}')"
	cat="$(median cat git -C "$repo" cat-file --batch-all-objects --batch --unordered)"
	# shellcheck disable=SC2086 # SCOUR_FLAGS is a list of flags
	sc="$(median scour "$tmp/scour" scan --format json ${SCOUR_FLAGS:-} "$repo")"
	echo "$label $mb $cat $sc" | awk '{
		for (i = 3; i <= NF; i++) { split($i, kv, "="); sub(/s$/, "", kv[2]); v[i, kv[1]] = kv[2] }
		# fields: 3..7 cat (label wall cpu maxrss exit), 8..12 scour
		cw = v[4, "wall"]; cc = v[5, "cpu"]; sw = v[9, "wall"]; scpu = v[10, "cpu"]; rss = v[11, "maxrss"]
		printf "%5s %10s %10s %10s %10s %10s %10s %9.2f %9.2f %10.1f\n", $1, $2, cw, cc, sw, scpu, rss, (cw > 0 ? sw / cw : 0), (cc > 0 ? scpu / cc : 0), ($2 > 0 ? scpu * 1000 / $2 : 0)
	}'
}

for k in "${scales[@]}"; do
	repo="$tmp/repo$k"
	"$tmp/mkrepo" -out "$repo" -commits $((commits * k)) -files $((files * k)) >/dev/null
	row "$k" "$repo"
	rm -rf "$repo"
done
for repo in ${REPOS:-}; do
	row "$(basename "$(dirname "$repo")")" "$repo"
done
