#!/usr/bin/env bash
# Usage: bench/sweep.sh [N]
#
# Makes N (default 200) small local repositories with bench/mkrepo (some
# planted secrets are shared between them), then prints, in one invocation:
#   scan-each   one `scour scan --format json REPO` per repository, in a loop
#   sweep       `scour sweep dir:ROOT` into a new store and mirror cache
#   resweep     the same sweep again, nothing changed
#   push1       the same sweep after one commit (one new file) in one
#               repository
# with wall time, CPU time and peak RSS (bench/peakrss), the ratios
# sweep/scan-each and resweep/sweep, the blobs each sweep read, and the
# store's size.
# Targets (issue 10): sweep <= 0.7x scan-each, resweep < 5% of sweep, peak
# RSS < 1 GB. On a busy machine compare CPU as well as wall time.
# Knobs: COMMITS (default 40), FILES (default 40) per repository; JOBS for
# --scan-jobs; KEEP=1 keeps the work directory.
set -euo pipefail

n="${1:-200}"
commits="${COMMITS:-40}"
files="${FILES:-40}"
src="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d)"
if [ "${KEEP:-}" != 1 ]; then
	trap 'rm -rf "$tmp"' EXIT
else
	echo "work directory: $tmp"
fi

(cd "$src" && go build -o "$tmp/scour" . && go build -o "$tmp/peakrss" ./bench/peakrss && go build -o "$tmp/mkrepo" ./bench/mkrepo)

root="$tmp/org"
mkdir -p "$root"
for i in $(seq 1 "$n"); do
	# Seeds repeat every 20 repositories: those share their planted secrets.
	"$tmp/mkrepo" -out "$root/repo-$i" -commits "$commits" -files "$files" -seed $((i % 20 + 1)) >/dev/null 2>&1
done
echo "organisation: $n repositories of $commits commits and $files files under $root"

cat >"$tmp/scan-each.sh" <<EOF
#!/usr/bin/env bash
for r in "$root"/*; do "$tmp/scour" scan --format json "\$r" >/dev/null 2>&1 || true; done
EOF
chmod +x "$tmp/scan-each.sh"

jobs=()
if [ -n "${JOBS:-}" ]; then jobs=(--scan-jobs "$JOBS"); fi
: >"$tmp/results"
run() { # LABEL CMD...
	local label="$1"
	shift
	"$tmp/peakrss" -quiet -label "$label" -- "$@" 2>>"$tmp/raw" || true
	grep "^$label wall=" "$tmp/raw" | tail -n 1 >>"$tmp/results"
}
run scan-each "$tmp/scan-each.sh"
run sweep "$tmp/scour" sweep -q --store "$tmp/sweep.db" --cache "$tmp/cache" "${jobs[@]}" "dir:$root"
run resweep "$tmp/scour" sweep -q --store "$tmp/sweep.db" --cache "$tmp/cache" "${jobs[@]}" "dir:$root"
one="$(ls -d "$root"/* | head -n 1)"
printf 'pushed\n' >"$one/pushed.txt"
git -C "$one" add pushed.txt && git -C "$one" -c user.name=bench -c user.email=bench@example.com commit -q -m "one push"
run push1 "$tmp/scour" sweep -q --store "$tmp/sweep.db" --cache "$tmp/cache" "${jobs[@]}" "dir:$root"
# What each sweep read, from its summary line.
echo "read by sweep, resweep, push1:"
grep -o '[0-9]* scanned, [0-9]* unchanged, [0-9]* failed; [0-9]* blobs read' "$tmp/raw" | sed 's/^/  /' || true

awk -v store_bytes="$(wc -c <"$tmp/sweep.db")" '
	{ for (i = 2; i <= NF; i++) { split($i, kv, "="); v[$1, kv[1]] = kv[2] } names[++n] = $1 }
	END {
		printf "%-10s %10s %10s %12s %6s\n", "what", "wall", "cpu", "peak RSS", "exit"
		for (i = 1; i <= n; i++) printf "%-10s %10s %10s %12s %6s\n", names[i], v[names[i], "wall"], v[names[i], "cpu"], v[names[i], "maxrss"], v[names[i], "exit"]
		se = v["scan-each", "wall"] + 0; sw = v["sweep", "wall"] + 0; rw = v["resweep", "wall"] + 0
		sc = v["scan-each", "cpu"] + 0; swc = v["sweep", "cpu"] + 0
		if (se > 0) printf "sweep / scan-each: %.2fx wall, %.2fx cpu (target <= 0.7x)\n", sw / se, (sc > 0 ? swc / sc : 0)
		if (sw > 0) printf "resweep / sweep:   %.3fx wall (target < 0.05)\n", rw / sw
		printf "store: %.1f MB\n", store_bytes / 1e6
	}' "$tmp/results"
