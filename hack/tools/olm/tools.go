//go:build tools

// Package olm pins operator-sdk and opm, which build and validate the OLM bundle and catalog. Both
// must be built with -tags containers_image_openpgp (opm also json1): without them they need a C
// library or a module the proxy does not serve.
package olm

import (
	_ "github.com/operator-framework/operator-registry/cmd/opm"
	_ "github.com/operator-framework/operator-sdk/cmd/operator-sdk"
)
