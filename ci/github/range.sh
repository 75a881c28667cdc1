#!/usr/bin/env bash
# Decides what the scour GitHub Action scans, from the triggering event.
# Run in the checked-out repository. Input (environment):
#   SCOUR_EVENT    github.event_name
#   SCOUR_BASE     pull_request.base.sha | merge_group.base_sha | push before
#   SCOUR_HEAD     pull_request.head.sha | merge_group.head_sha | push after
#   SCOUR_DELETED  push: "true" when the push deleted the ref
#   SCOUR_RANGE    the action's `range` input: A..B, or "all"; overrides the event
# Output (to $GITHUB_OUTPUT, or stdout when unset), one key=value a line:
#   mode     range | all | none
#   range    A..B when mode=range
#   message  what is scanned and why, for the log and the job summary
# It never fails because base equals head: that scans nothing, and says so.
set -euo pipefail

zero='^0+$'
out="${GITHUB_OUTPUT:-/dev/stdout}"

emit() { # mode range message
	{
		echo "mode=$1"
		echo "range=$2"
		echo "message=$3"
	} >>"$out"
	echo "scour: $3" >&2
	exit 0
}

# have_commit SHA: is the commit in this clone? A shallow or single-branch
# checkout may lack it; try fetching just that commit before giving up.
have_commit() {
	git rev-parse --quiet --verify "$1^{commit}" >/dev/null 2>&1 && return 0
	git fetch --quiet --no-tags origin "$1" >/dev/null 2>&1 || true
	git rev-parse --quiet --verify "$1^{commit}" >/dev/null 2>&1
}

need_commits() { # base head
	local c
	for c in "$1" "$2"; do
		if ! have_commit "$c"; then
			echo "scour: commit $c is not in the checkout; use actions/checkout with fetch-depth: 0" >&2
			exit 2
		fi
	done
}

event="${SCOUR_EVENT:-}"
base="${SCOUR_BASE:-}"
head="${SCOUR_HEAD:-}"

case "${SCOUR_RANGE:-}" in
"") ;;
all) emit all "" "scanning the whole history (range: all)" ;;
*..*)
	emit range "$SCOUR_RANGE" "scanning $SCOUR_RANGE (range input)" ;;
*)
	echo "scour: range input \"$SCOUR_RANGE\" is neither A..B nor all" >&2
	exit 2 ;;
esac

case "$event" in
pull_request | pull_request_target | merge_group)
	if [[ -z "$base" || -z "$head" ]]; then
		emit all "" "$event event without base and head commits: scanning the whole history"
	fi
	if [[ "$base" == "$head" ]]; then
		emit none "" "nothing to scan: base and head are the same commit ($head)"
	fi
	need_commits "$base" "$head"
	emit range "$base..$head" "scanning the commits $event adds: $base..$head"
	;;
push)
	if [[ "${SCOUR_DELETED:-}" == "true" || "$head" =~ $zero ]]; then
		emit none "" "nothing to scan: the push deleted the ref"
	fi
	if [[ -z "$base" || "$base" =~ $zero ]]; then
		emit all "" "new branch or tag (no previous commit): scanning the whole history"
	fi
	if [[ "$base" == "$head" ]]; then
		emit none "" "nothing to scan: the push did not move the ref (before = after = $head)"
	fi
	if ! have_commit "$base"; then
		# A force push can leave the old tip unreachable and unfetchable.
		emit all "" "previous tip $base is not available (force push?): scanning the whole history"
	fi
	need_commits "$base" "$head"
	emit range "$base..$head" "scanning the commits pushed: $base..$head"
	;;
*)
	emit all "" "${event:-unknown} event: scanning the whole history"
	;;
esac
