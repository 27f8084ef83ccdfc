// Package bench measures the operator against the performance targets of design.md: time and
// throughput until VirtualKeys are Ready against a LiteLLM simulator with a fixed latency per call,
// what each key costs (LiteLLM calls, Kubernetes writes), the physical bound for that cost, the
// steady-state cost of resyncs, and the operator's memory with many keys and many unrelated Secrets.
//
// Run starts a local control plane (package controlplane), one in-process LiteLLM simulator per
// phase, and the operator's manager binary as a child process (its memory must be its own), and
// stops them all before it returns. cmd/bench is the command behind `make bench`; the package's
// test is a small run with exact counts only, so the benchmark keeps working.
package bench
