// Package controlplane runs a local Kubernetes control plane as plain processes: etcd,
// kube-apiserver and, when asked, kube-controller-manager with the garbage-collector and namespace
// controllers. Tests, the demo and the benchmark use it instead of a container-based cluster, which
// this project cannot assume.
//
// Every process is started in its own process group with a parent-death signal, and Stop ends them
// all, so neither a failing test nor an interrupted run leaves a control plane behind.
package controlplane
