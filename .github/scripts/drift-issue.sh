#!/usr/bin/env bash
# Keep ONE GitHub issue per stack in step with the latest drift check (found by label + exact title):
#   STATUS=drift -> open it, or update its body and comment if it is already open;
#   STATUS=clean -> close it if open.
# Needs: gh (GH_TOKEN, GH_REPO), jq; env STACK, STATUS, REPORT, RUN_URL.
set -euo pipefail

: "${STACK:?}" "${STATUS:?}" "${RUN_URL:?}"
label="pulumi-drift"
title="Drift detected in stack ${STACK}"

open_issue() {
  gh issue list --state open --label "$label" --limit 100 --json number,title |
    jq -r --arg title "$title" '[.[] | select(.title == $title) | .number][0] // empty'
}

body() {
  printf 'The scheduled drift check of stack `%s` found changes (`pulumi preview --refresh --expect-no-changes` exited 7).\n\n' "$STACK"
  printf 'Latest run: %s\n\nHow to read it and decide between `pulumi refresh` and `pulumi up`: docs/operations.md, "Drift".\n\n' "$RUN_URL"
  printf '<details><summary>preview output</summary>\n\n```\n%s\n```\n</details>\n' "${REPORT:-}"
}

number="$(open_issue)"
case "$STATUS" in
  drift)
    if [[ -z "$number" ]]; then
      gh label create "$label" --color D93F0B --description "Pulumi stack differs from the clouds" --force
      body | gh issue create --title "$title" --label "$label" --body-file -
    else
      body | gh issue edit "$number" --body-file -
      gh issue comment "$number" --body "Still drifting: ${RUN_URL}"
    fi
    ;;
  clean)
    if [[ -n "$number" ]]; then
      gh issue close "$number" --comment "A later drift check is clean: ${RUN_URL}"
    fi
    ;;
  *)
    echo "::error::unknown drift status '${STATUS}'"
    exit 2
    ;;
esac
