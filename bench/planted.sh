#!/usr/bin/env bash
# Usage: bench/planted.sh [-v] [-seed N] [-dir DIR]
#
# Generates at run time a realistic repository (a git repository of four
# commits, files in many formats) with fake credentials planted in it, each
# random, shaped as its vendor issues it (checksums included) and recorded
# in a truth list with its file and lines, plus at least as many lookalikes
# (placeholders, environment lookups, CI references, hashes, public keys,
# published samples, i18n strings); then scans its working tree with scour
# and, when on PATH, gitleaks, betterleaks and trufflehog, and prints per
# family planted found / total, and per lookalike class the false alarms,
# per tool. -v lists every miss and false alarm; -dir keeps the corpus.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$repo" && go build -o "$tmp/scour" . && go build -o "$tmp/planted" ./bench/planted)

args=(-scour "$tmp/scour")
for t in gitleaks betterleaks trufflehog; do
	if bin="$(command -v "$t")"; then
		args+=("-$t-bin" "$bin")
		echo "$t: $("$bin" version 2>/dev/null | head -1 || echo unknown version)"
	fi
done
"$tmp/planted" "${args[@]}" "$@"
