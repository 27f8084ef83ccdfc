// Package harness starts the programs that tests, the benchmark and the demo run beside the
// operator (control-plane binaries, the manager, the LiteLLM simulator), picks free loopback ports
// for them and waits for them to answer. It is an ordinary package, not a _test one, so cmd/demo
// uses it too.
//
// Every process runs in its own process group (Stop and Kill reach whatever it forks) and, on
// Linux, gets a parent-death signal, so it dies with the program that started it even when that
// program is killed or panics before stopping it.
package harness
