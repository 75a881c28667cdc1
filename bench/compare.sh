#!/usr/bin/env bash
# Usage: bench/compare.sh REPO
#
# Scans one git repository's whole history, in one invocation with a warm
# page cache, with:
#   git cat-file --batch-all-objects --batch --unordered   (the floor: every object read once)
#   scour scan                                             (delta-aware matching, the default)
#   scour scan --no-delta-matching                         (every blob matched in full)
#   gitleaks git, betterleaks git, trufflehog git          (each only when on PATH)
# and prints the median wall time, CPU time (user+system) and peak RSS
# (bench/peakrss, getrusage) of $RUNS runs each (default 3), the ratios to
# git cat-file, the findings each reported and its exit code (scour and
# gitleaks exit 1 when they find something; a peer that fails on the
# repository, say on a missing object, shows it here). It also checks that scour
# reports the same findings, byte for byte, with and without delta-aware
# matching (the JSON reports less their elapsed time), and exits 1 if not.
# On a loaded machine wall times mean little: compare the CPU ratios, and
# say how loaded it was (the load average is printed). PEERS limits the
# peers tried (default "gitleaks betterleaks trufflehog"; gitleaks takes
# about 40x cat-file).
set -euo pipefail

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
	echo "usage: $0 REPO" >&2
	exit 2
fi
repo_dir="$(cd "$1" && pwd)"
src="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$src" && go build -o "$tmp/scour" . && go build -o "$tmp/peakrss" ./bench/peakrss)
runs="${RUNS:-3}"
peers=" ${PEERS-gitleaks betterleaks trufflehog} "
want() { [[ "$peers" == *" $1 "* ]] && command -v "$1" >/dev/null; }

# measure LABEL OUTFILE CMD...: runs CMD $runs times (stdout to OUTFILE),
# keeps the run with the median wall time.
measure() {
	local label="$1" out="$2"
	shift 2
	: >"$tmp/one"
	for _ in $(seq "$runs"); do
		"$tmp/peakrss" -label "$label" -- "$@" >"$out" 2>>"$tmp/raw" || true
		grep "^$label wall=" "$tmp/raw" | tail -n 1 >>"$tmp/one"
	done
	sort -t= -k2 -g "$tmp/one" | sed -n "$(((runs + 1) / 2))p" >>"$tmp/results"
}
count() { # LABEL N: the findings a tool reported
	echo "$1 $2" >>"$tmp/counts"
}

git -C "$repo_dir" cat-file --batch-all-objects --batch --unordered >/dev/null # warm the cache
blobs="$(git -C "$repo_dir" cat-file --batch-all-objects --batch-check='%(objecttype) %(objectsize)' --unordered |
	awk '$1 == "blob" {n++; b += $2} END {printf "%d blobs, %.1f MB of blob content", n, b / 1e6}')"
echo "repository: $repo_dir: $(git -C "$repo_dir" rev-list --all --count) commits, $blobs"
echo "machine: $(nproc) cores, $(uname -sm), $(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)"

: >"$tmp/results"
: >"$tmp/counts"
measure git-cat-file /dev/null git -C "$repo_dir" cat-file --batch-all-objects --batch --unordered
measure scour "$tmp/scour.json" "$tmp/scour" scan --format json "$repo_dir"
count scour "$(jq '.findings | length' "$tmp/scour.json")"
measure scour-no-delta "$tmp/full.json" "$tmp/scour" scan --format json --no-delta-matching "$repo_dir"
count scour-no-delta "$(jq '.findings | length' "$tmp/full.json")"
if want gitleaks; then
	measure gitleaks /dev/null gitleaks git --no-banner --redact --log-opts=--all -r "$tmp/gitleaks.json" -f json "$repo_dir"
	count gitleaks "$(jq length "$tmp/gitleaks.json" 2>/dev/null || echo '?')"
fi
if want betterleaks; then
	measure betterleaks /dev/null betterleaks git --no-banner --redact --log-opts=--all -r "$tmp/betterleaks.json" -f json "$repo_dir"
	count betterleaks "$(jq length "$tmp/betterleaks.json" 2>/dev/null || echo '?')"
fi
if want trufflehog; then
	measure trufflehog "$tmp/trufflehog.json" trufflehog git --json --no-update --no-verification "file://$repo_dir"
	count trufflehog "$(grep -c '"SourceMetadata"' "$tmp/trufflehog.json" || true)"
fi

awk -v counts="$tmp/counts" '
	BEGIN { while ((getline line < counts) > 0) { split(line, f, " "); found[f[1]] = f[2] } }
	{ for (i = 2; i <= NF; i++) { split($i, kv, "="); v[$1, kv[1]] = kv[2] } names[++n] = $1 }
	END {
		bw = v["git-cat-file", "wall"] + 0
		bc = v["git-cat-file", "cpu"] + 0
		printf "%-15s %10s %10s %12s %9s %9s %9s %5s\n", "what", "wall", "cpu", "peak RSS", "wall/cat", "cpu/cat", "findings", "exit"
		for (i = 1; i <= n; i++) {
			w = v[names[i], "wall"] + 0
			c = v[names[i], "cpu"] + 0
			printf "%-15s %10s %10s %12s %9.2f %9.2f %9s %5s\n", names[i], v[names[i], "wall"], v[names[i], "cpu"], v[names[i], "maxrss"], (bw > 0 ? w / bw : 0), (bc > 0 ? c / bc : 0), (names[i] in found ? found[names[i]] : "-"), v[names[i], "exit"]
		}
	}' "$tmp/results"

# Delta-aware matching must not change a byte of the report.
strip() { jq 'del(.stats.elapsed_ms)' "$1"; }
if [ ! -s "$tmp/scour.json" ] || ! jq -e .findings "$tmp/scour.json" >/dev/null; then
	echo "scour wrote no JSON report" >&2
	exit 1
fi
if [ "$(strip "$tmp/scour.json")" = "$(strip "$tmp/full.json")" ]; then
	echo "delta-aware matching: same report as a full scan"
else
	echo "delta-aware matching: REPORTS DIFFER" >&2
	diff <(strip "$tmp/full.json") <(strip "$tmp/scour.json") | head -n 40 >&2
	exit 1
fi
