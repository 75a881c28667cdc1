#!/usr/bin/env bash
# Usage: bench/accuracy.sh [-v] [--leaky-repo DIR] [--gitleaks DIR] [--betterleaks DIR]
#                          [--noseyparker DIR] [--kingfisher DIR]
#
# Scores scour on public truth data, each corpus a local checkout (nothing
# is vendored or downloaded):
#   --leaky-repo DIR   github.com/Plazmaz/leaky-repo: risk lines of its truth
#                      table (.leaky-meta/secrets.csv) found, and false-alarm
#                      lines (beyond the table's counts, or in unlisted files)
#   --gitleaks, --betterleaks, --noseyparker, --kingfisher DIR
#                      the rule examples those projects publish, for the
#                      providers scour covers (real-looking positives only):
#                      recall and false alarms on their negatives, per provider
# gitleaks and betterleaks are scored beside scour when they are on PATH.
# -v lists every miss and false alarm.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$repo" && go build -o "$tmp/scour" . && go build -o "$tmp/accuracy" ./bench/accuracy)

args=(-scour "$tmp/scour")
for t in gitleaks betterleaks; do
	if bin="$(command -v "$t")"; then
		args+=("-$t-bin" "$bin")
		echo "$t: $("$bin" version 2>/dev/null || echo unknown version)"
	fi
done
while [ $# -gt 0 ]; do
	case "$1" in
	-v) args+=(-v) ;;
	--leaky-repo | --gitleaks | --betterleaks | --noseyparker | --kingfisher)
		[ $# -ge 2 ] && [ -d "$2" ] || { echo "$1: want a directory" >&2; exit 2; }
		args+=("-${1#--}" "$2")
		shift
		;;
	*) echo "unknown argument $1 (see the usage at the top of $0)" >&2; exit 2 ;;
	esac
	shift
done
"$tmp/accuracy" "${args[@]}"
