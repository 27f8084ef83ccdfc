#!/usr/bin/env bash
# Usage: hack/check-leftover-processes.sh <control-plane bin folder>
# Fails (and cleans up) when an etcd, kube-apiserver or kube-controller-manager started from our
# bin/ folder is still running after the tests: a test that leaks a control plane would slow down,
# and eventually break, every later run on the same machine.
set -uo pipefail
dir=${1:?control-plane bin folder}
pids=$(pgrep -f "^$dir/(etcd|kube-apiserver|kube-controller-manager)( |$)" || true)
if [ -n "$pids" ]; then
  echo "Control-plane processes left running after the tests:" >&2
  ps -o pid=,args= -p $pids | cut -c1-160 >&2
  kill -9 $pids 2>/dev/null || true
  exit 1
fi
echo "No control-plane processes left running."
