#!/usr/bin/env bash
# Run a drift check (the command given as arguments) and classify its exit code for the drift workflow:
#   0 -> status=clean; 7 (--expect-no-changes violated) -> status=drift; anything else -> fail with that code.
# Writes `status` and `report` (the command's output, last REPORT_LIMIT bytes) to $GITHUB_OUTPUT.
set -uo pipefail

report_limit="${REPORT_LIMIT:-60000}" # a GitHub issue body holds 65536 characters
log="$(mktemp)"
"$@" >"$log" 2>&1
code=$?
cat "$log"

case "$code" in
  0) status=clean ;;
  7) status=drift ;;
  *)
    echo "::error::drift check failed with exit code ${code} (an error, not drift)"
    exit "$code"
    ;;
esac

delimiter="report-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
{
  echo "status=${status}"
  echo "report<<${delimiter}"
  tail -c "$report_limit" "$log"
  echo
  echo "${delimiter}"
} >>"$GITHUB_OUTPUT"
