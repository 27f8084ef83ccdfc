// Command litellm-sim serves an in-memory LiteLLM proxy (package litellmsim) for tests and demos.
// Run it with --help for the flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/litellm-operator/litellm-operator/pkg/litellmsim"
)

func main() {
	os.Exit(run(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// run starts the simulator, prints its base URL as the first stdout line and serves until
// SIGINT/SIGTERM. It returns the exit code.
func run(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "litellm-sim:", err)
		return 2
	}
	sim, err := litellmsim.New(cfg.opts)
	if err != nil {
		fmt.Fprintln(stderr, "litellm-sim:", err)
		return 2
	}
	if err := sim.ApplyFaults(cfg.faults); err != nil {
		fmt.Fprintln(stderr, "litellm-sim:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	url, err := sim.Start(cfg.listen)
	if err != nil {
		fmt.Fprintln(stderr, "litellm-sim:", err)
		return 1
	}
	fmt.Fprintln(stdout, url)
	fmt.Fprintf(stderr, "litellm-sim: serving on %s (premium=%t)\n", url, cfg.opts.Premium)
	<-ctx.Done()
	fmt.Fprintln(stderr, "litellm-sim: shutting down")
	if err := sim.Close(); err != nil {
		fmt.Fprintln(stderr, "litellm-sim: close:", err)
	}
	return 0
}
