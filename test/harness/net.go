package harness

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"
)

// FreePorts returns n distinct free TCP ports on 127.0.0.1. They are held open together while
// chosen, so none is returned twice; another program may still take one before the caller binds it.
func FreePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	listeners := make([]net.Listener, 0, n)
	defer func() {
		for _, l := range listeners {
			_ = l.Close()
		}
	}()
	for range n {
		l, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		listeners = append(listeners, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// FreeAddresses returns n distinct free "127.0.0.1:port" addresses (see FreePorts).
func FreeAddresses(n int) ([]string, error) {
	ports, err := FreePorts(n)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(ports))
	for i, p := range ports {
		out[i] = "127.0.0.1:" + strconv.Itoa(p)
	}
	return out, nil
}

// WaitHTTP polls url until it answers 200. It gives up when ctx ends and, when p is not nil, as
// soon as p exits, with the end of p's log in the error.
func WaitHTTP(ctx context.Context, client *http.Client, url string, p *Process) error {
	for {
		if OK(ctx, client, url) {
			return nil
		}
		if p != nil && p.Exited() {
			return fmt.Errorf("%s exited during start-up (%s):\n%s", p.name, exitStatus(p.err), p.Tail(2000))
		}
		select {
		case <-ctx.Done():
			what := url
			if p != nil {
				what = fmt.Sprintf("%s (%s)", p.name, url)
			}
			tail := ""
			if p != nil {
				tail = "\n" + p.Tail(2000)
			}
			return fmt.Errorf("%s did not answer 200: %w%s", what, ctx.Err(), tail)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// OK reports whether a GET of url answers 200 (client nil: http.DefaultClient).
func OK(ctx context.Context, client *http.Client, url string) bool {
	if client == nil {
		client = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}
