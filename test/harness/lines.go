package harness

import (
	"bytes"
	"sync"
)

// Lines collects log lines written from several goroutines (e.g. an in-process operator's logs)
// for a test to read back.
type Lines struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// WriteLine appends s and a newline.
func (l *Lines) WriteLine(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.WriteString(s)
	l.buf.WriteByte('\n')
}

// Len is the offset a later From call starts at.
func (l *Lines) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Len()
}

// From returns what was written since offset.
func (l *Lines) From(offset int) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()[offset:]
}

// String returns everything written.
func (l *Lines) String() string { return l.From(0) }
