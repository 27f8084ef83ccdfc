package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ui prints the demo's progress: one line per finished step, and on a terminal a spinner line
// for the step under way (elsewhere, e.g. in CI logs, only the finished lines).
type ui struct {
	out io.Writer
	tty bool

	mu      sync.Mutex
	spinner string // the text after the spinner frame; "" when none is shown
	frame   int
}

func newUI(f *os.File) *ui {
	st, err := f.Stat()
	return &ui{out: f, tty: err == nil && st.Mode()&os.ModeCharDevice != 0 && os.Getenv("TERM") != "dumb"}
}

var frames = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

// printf prints a full line, keeping the spinner below it.
func (u *ui) printf(format string, args ...any) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.clearLocked()
	fmt.Fprintf(u.out, format+"\n", args...)
	u.drawLocked()
}

func (u *ui) done(format string, args ...any) { u.printf("✓ "+format, args...) }
func (u *ui) fail(format string, args ...any) { u.printf("✗ "+format, args...) }

// spin shows text (recomputed on every frame) after a spinner until the returned stop is called.
func (u *ui) spin(text func() string) (stop func()) {
	if !u.tty {
		return func() {}
	}
	quit, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			u.mu.Lock()
			u.clearLocked()
			u.spinner = text()
			u.frame++
			u.drawLocked()
			u.mu.Unlock()
			select {
			case <-quit:
				u.mu.Lock()
				u.clearLocked()
				u.spinner = ""
				u.mu.Unlock()
				return
			case <-t.C:
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(quit); <-finished }) }
}

func (u *ui) clearLocked() {
	if u.tty && u.spinner != "" {
		fmt.Fprint(u.out, "\r\033[K")
	}
}

// drawLocked draws the spinner line, cut to the terminal's width so that "\r" can redraw it.
func (u *ui) drawLocked() {
	if u.tty && u.spinner != "" {
		text := []rune(u.spinner)
		if width := terminalWidth() - 3; len(text) > width {
			text = append(text[:width-1], '…')
		}
		fmt.Fprintf(u.out, "%s %s", frames[u.frame%len(frames)], string(text))
	}
}

func terminalWidth() int {
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 20 {
		return n
	}
	return 80
}

// elapsed formats a duration for humans: 850ms, 4.2s, 1m12s.
func elapsed(d time.Duration) string {
	switch {
	case d < time.Second:
		return d.Round(10 * time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	default:
		return d.Round(time.Second).String()
	}
}

// indent indents every line of s by two spaces.
func indent(s string) string {
	if s == "" {
		return s
	}
	return "  " + strings.ReplaceAll(s, "\n", "\n  ")
}
