#!/usr/bin/env bash
# Usage: hack/verify-generated.sh <command that regenerates...>
# Regenerates every generated file and fails when that changed anything, so a change to the Go types
# or markers cannot land without its CRDs, RBAC, deepcopy code and docs. It compares the working
# tree before and after (not against HEAD), so it also works while other edits are uncommitted.
set -euo pipefail
cd "$(dirname "$0")/.."

generated=(config/crd config/rbac config/manifests api docs bundle bundle.Dockerfile catalog catalog.Dockerfile)
snapshot() {
  for path in "${generated[@]}"; do
    [ -e "$path" ] && find "$path" -type f -print0
  done | sort -z | xargs -0 -r sha256sum
}

before=$(snapshot)
"$@" >/dev/null
after=$(snapshot)
if [ "$before" != "$after" ]; then
  echo "Generated files were out of date and have been regenerated; review and commit them:" >&2
  diff <(echo "$before") <(echo "$after") | grep '^[<>]' | awk '{print "  " $3}' | sort -u >&2
  exit 1
fi
echo "Generated files are up to date."
