//go:build tools

// Package lint pins golangci-lint in a module of its own: its dependency graph is large and
// would otherwise constrain the generators' versions.
package lint

import _ "github.com/golangci/golangci-lint/v2/cmd/golangci-lint"
