#!/usr/bin/env bash
# Usage: bench/staged.sh [FILES [CHANGED]]   (default: 50000 files, 20 changed)
#
# The pre-commit hook as a user runs it: the scour binary's `scour staged`
# (process start, rule set, index, the changed blobs) on a commit of CHANGED
# changed files in a repository of FILES files, beside
# `git diff --cached --name-only` on the same repository, which only lists
# the changes. Prints the best wall and CPU time of RUNS (default 5)
# alternating runs of each and the ratios. The target is scour under 50 ms.
# scour is built once first so compile time is not measured.
set -euo pipefail

files="${1:-50000}"
changed="${2:-20}"
runs="${RUNS:-5}"
src="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$src" && go build -o "$tmp/scour" . && go build -o "$tmp/peakrss" ./bench/peakrss)

# Commit 1 on main holds FILES files in 20 x 25 directories; commit 2 on
# "next" changes CHANGED of them across directories, and its tree becomes
# the index while HEAD stays on main.
repo="$tmp/repo"
git init -q "$repo"
awk -v files="$files" -v changed="$changed" 'BEGIN {
	lorem = ""; for (i = 0; i < 8; i++) lorem = lorem "lorem ipsum "
	dolor = ""; for (i = 0; i < 20; i++) dolor = dolor "dolor sit "
	printf "commit refs/heads/main\ncommitter T <t@example.com> 1700000000 +0000\ndata 2\nc1\n"
	for (i = 0; i < files; i++) {
		d = sprintf("file %d\n%s\n", i, lorem)
		printf "M 100644 inline d%02d/e%02d/f%05d.txt\ndata %d\n%s\n", i % 20, int(i / 20) % 25, i, length(d), d
	}
	printf "commit refs/heads/next\ncommitter T <t@example.com> 1700000001 +0000\ndata 2\nc2\nfrom refs/heads/main\n"
	step = int(files / changed)
	for (k = 0; k < changed; k++) {
		i = k * step
		d = sprintf("changed %d\n%s\n", k, dolor)
		printf "M 100644 inline d%02d/e%02d/f%05d.txt\ndata %d\n%s\n", i % 20, int(i / 20) % 25, i, length(d), d
	}
}' | git -C "$repo" fast-import --quiet
git -C "$repo" symbolic-ref HEAD refs/heads/main
git -C "$repo" read-tree next
got="$(git -C "$repo" diff --cached --name-only | wc -l)"
if [ "$got" -ne "$changed" ]; then
	echo "the generated repository stages $got changes, not $changed" >&2
	exit 1
fi

cd "$repo"
"$tmp/scour" staged -q >/dev/null # warm the page cache
for _ in $(seq "$runs"); do
	"$tmp/peakrss" -quiet -label scour -- "$tmp/scour" staged -q 2>>"$tmp/raw" || true
	"$tmp/peakrss" -quiet -label git -- git diff --cached --name-only 2>>"$tmp/raw" || true
done
if grep -q '^scour .* exit=[^0]' "$tmp/raw"; then
	echo "scour staged failed:" >&2
	grep '^scour' "$tmp/raw" >&2
	exit 1
fi

echo "machine: $(nproc) cores, $(uname -sm), $(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)"
echo "repository: $files files, $changed staged changes; best of $runs runs"
awk '{
	for (i = 2; i <= NF; i++) { split($i, kv, "="); sub(/s$/, "", kv[2]); v[kv[1]] = kv[2] }
	if (!($1 in wall) || v["wall"] < wall[$1]) wall[$1] = v["wall"]
	if (!($1 in cpu) || v["cpu"] < cpu[$1]) cpu[$1] = v["cpu"]
} END {
	printf "%-28s %8s %8s\n", "", "wall ms", "cpu ms"
	printf "%-28s %8.0f %8.0f\n", "scour staged", wall["scour"] * 1000, cpu["scour"] * 1000
	printf "%-28s %8.0f %8.0f\n", "git diff --cached --name-only", wall["git"] * 1000, cpu["git"] * 1000
	if (wall["git"] > 0 && cpu["git"] > 0)
		printf "%-28s %7.1fx %7.1fx\n", "ratio", wall["scour"] / wall["git"], cpu["scour"] / cpu["git"]
}' "$tmp/raw"
