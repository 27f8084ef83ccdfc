//go:build tools

// Package promtool pins Prometheus's promtool in a module of its own: it checks and unit-tests the
// alert rules in config/prometheus, and Prometheus's dependency graph must not reach the
// operator's go.mod.
package promtool

import _ "github.com/prometheus/prometheus/cmd/promtool"
