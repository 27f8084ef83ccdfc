//go:build tools

// Package controlplane pins the Kubernetes control-plane binaries that tests, the demo and the
// benchmark run as local processes. It is a module of its own because k8s.io/kubernetes is not meant
// to be imported as a library and its dependency graph must not reach the operator's go.mod.
package controlplane

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
