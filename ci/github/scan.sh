#!/usr/bin/env bash
# Runs scour for the GitHub Action (action.yml), after range.sh chose what
# to scan. Annotations go to the log, SARIF and a text report to
# $RUNNER_TEMP/scour-action, a summary to $GITHUB_STEP_SUMMARY. Exits 0 on
# findings, exit 1 or 3 (the action fails later, after the SARIF upload),
# and with scour's code on errors.
# Input (environment): SCOUR_MODE (range|all|none), SCOUR_SCAN_RANGE,
# SCOUR_MESSAGE, SCOUR_CONFIG_INPUT, SCOUR_ARGS (split on whitespace),
# RUNNER_TEMP, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY.
#
# scour's stderr and text report name files, authors and rules of the
# scanned repository. scour escapes them (no control character, no
# "::command" or "##[command]" sequence), and this script adds two guards
# of its own: scour's stderr is replayed between ::stop-commands:: markers
# with a random token, so the runner executes nothing in it, and text
# placed in the job summary is fenced with more backticks than it holds.
set -euo pipefail

# fence FILE...: a Markdown code fence longer than any run of backticks in
# the files, so no line of theirs can close it.
fence() {
	local n
	n="$(cat "$@" 2>/dev/null | grep -o '`\+' | awk '{ if (length($0) > m) m = length($0) } END { print m + 1 }')" || true
	if [[ -z "$n" || "$n" -lt 3 ]]; then
		n=3
	fi
	printf '%*s' "$n" '' | tr ' ' '`'
}

# replay FILE: writes FILE to stderr with workflow commands off.
replay() {
	local token
	token="scour-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
	echo "::stop-commands::$token" >&2
	cat "$1" >&2
	echo "::$token::" >&2
}

dir="$RUNNER_TEMP/scour-action"
scour="$dir/scour"
sarif="$dir/scour.sarif"
text="$dir/scour.txt"
log="$dir/stderr.txt"
out="${GITHUB_OUTPUT:-/dev/null}"
summary="${GITHUB_STEP_SUMMARY:-/dev/null}"
mkdir -p "$dir"

{
	echo "## scour secret scan"
	echo
	echo "${SCOUR_MESSAGE:-}"
	echo
} >>"$summary"

if [[ "${SCOUR_MODE:-}" == "none" ]]; then
	echo "exit-code=0" >>"$out"
	echo "**Nothing to scan.**" >>"$summary"
	exit 0
fi

args=(scan .)
if [[ "${SCOUR_MODE:-}" == "range" ]]; then
	args+=(--range "$SCOUR_SCAN_RANGE")
fi
if [[ -n "${SCOUR_CONFIG_INPUT:-}" ]]; then
	args+=(--config "$SCOUR_CONFIG_INPUT")
fi
if [[ -n "${SCOUR_ARGS:-}" ]]; then
	read -r -a extra <<<"$SCOUR_ARGS"
	args+=("${extra[@]}")
fi
args+=(--format github --report-to "sarif=$sarif" --report-to "text=$text")

echo "scour ${args[*]}" >&2
set +e
"$scour" "${args[@]}" 2>"$log"
code=$?
set -e
replay "$log"

echo "exit-code=$code" >>"$out"
if [[ -s "$sarif" ]]; then
	echo "sarif=$sarif" >>"$out"
fi

stats="$(grep '^scour: scanned' "$log" | tail -n 1 | sed 's/^scour: //')" || true
case "$code" in
0) echo "**No leaked credentials found.** ${stats}" >>"$summary" ;;
1 | 3) # 3: a secret verified live (args: --verify)
	{
		echo "**Leaked credentials found.** ${stats}"
		echo
		echo "Treat each as compromised: revoke or rotate it, then remove it. Secrets are redacted below."
		echo
		f="$(fence "$text")"
		echo "${f}text"
		# Job summaries are capped at 1 MiB; the SARIF has everything.
		head -n 400 "$text"
		echo "$f"
		if (($(wc -l <"$text") > 400)); then
			echo
			echo "Truncated: see the annotations and code scanning for the rest."
		fi
	} >>"$summary"
	;;
*)
	{
		echo "**scour failed (exit $code).** ${stats}"
		echo
		f="$(fence "$log")"
		echo "${f}text"
		grep -v '^scour: skipped ' "$log" | tail -n 20
		echo "$f"
	} >>"$summary"
	exit "$code"
	;;
esac
