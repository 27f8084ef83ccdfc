// Command bench runs the operator benchmark (`make bench`, flags through BENCH_ARGS): see
// docs/performance.md for what it measures, and -help for the flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/litellm-operator/litellm-operator/test/bench"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	cfg, err := bench.ParseFlags(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 2
	}
	// Ctrl-C cancels the run; Run stops every process it started before returning.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	progress := newProgress(os.Stderr)
	cfg.Progress = progress.show
	rep, err := bench.Run(ctx, cfg)
	progress.done()
	if rep != nil {
		if werr := rep.WriteText(os.Stdout); werr != nil {
			fmt.Fprintln(os.Stderr, "bench:", werr)
		}
		for _, p := range []string{cfg.JSONPath, cfg.ChartPath} {
			if st, serr := os.Stat(p); p != "" && err == nil && serr == nil && !st.ModTime().Before(rep.Started) {
				fmt.Printf("wrote %s\n", p)
			}
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	return 0
}

// progress keeps one status line on a terminal (rewritten in place); elsewhere, as in CI logs,
// it prints a line at most every five seconds, and always when the phase changes or a step ends.
type progress struct {
	mu        sync.Mutex
	out       io.Writer
	tty       bool
	last      time.Time
	lastPhase string
	width     int
}

func newProgress(f *os.File) *progress {
	st, err := f.Stat()
	return &progress{out: f, tty: err == nil && st.Mode()&os.ModeCharDevice != 0}
}

func (p *progress) show(line string, milestone bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty {
		pad := max(p.width-len(line), 0)
		_, _ = fmt.Fprintf(p.out, "\r%s%s", line, strings.Repeat(" ", pad))
		p.width = len(line)
		if milestone {
			_, _ = fmt.Fprintln(p.out)
			p.width = 0
		}
		return
	}
	phase, _, _ := strings.Cut(line, ":")
	if !milestone && phase == p.lastPhase && time.Since(p.last) < 5*time.Second {
		return
	}
	p.lastPhase, p.last = phase, time.Now()
	_, _ = fmt.Fprintln(p.out, line)
}

func (p *progress) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty && p.width > 0 {
		_, _ = fmt.Fprintln(p.out)
	}
}
