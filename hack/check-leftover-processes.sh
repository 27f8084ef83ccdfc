#!/usr/bin/env bash
# Usage: hack/check-leftover-processes.sh <control-plane bin folder> <run id>
# Fails (and cleans up) when an etcd, kube-apiserver or kube-controller-manager that this test run
# started is still running after the tests: a test that leaks a control plane would slow down, and
# eventually break, every later run on the same machine. The run id is exported to the tests and so
# inherited by every process they start; processes of other runs (a demo, a second checkout) are
# left alone.
set -uo pipefail
dir=${1:?control-plane bin folder}
run=${2:?run id}
leftover=()
for pid in $(pgrep -f "^$dir/(etcd|kube-apiserver|kube-controller-manager)( |$)" || true); do
  if tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qx "LITELLM_OPERATOR_TEST_RUN=$run"; then
    leftover+=("$pid")
  fi
done
if [ ${#leftover[@]} -gt 0 ]; then
  echo "Control-plane processes left running after the tests:" >&2
  ps -o pid=,args= -p "${leftover[@]}" | cut -c1-160 >&2
  kill -9 "${leftover[@]}" 2>/dev/null || true
  exit 1
fi
echo "No control-plane processes left running."
