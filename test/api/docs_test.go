package api

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/litellm-operator/litellm-operator/hack/apidocs/markdown"
)

// TestAPIReferenceIsUpToDate regenerates docs/api-reference.md in memory: a change to the types
// or their comments must come with the regenerated reference (go run ./hack/apidocs).
func TestAPIReferenceIsUpToDate(t *testing.T) {
	want, err := markdown.Generate(filepath.Join(repoRoot, "api", "v1alpha1"))
	require.NoError(t, err)
	got, err := os.ReadFile(filepath.Join(repoRoot, "docs", "api-reference.md"))
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got), "docs/api-reference.md is out of date: run go run ./hack/apidocs")
}

// TestAPIReferenceIsDeterministic guards the comparison above against map-order noise.
func TestAPIReferenceIsDeterministic(t *testing.T) {
	first, err := markdown.Generate(filepath.Join(repoRoot, "api", "v1alpha1"))
	require.NoError(t, err)
	for range 5 {
		again, err := markdown.Generate(filepath.Join(repoRoot, "api", "v1alpha1"))
		require.NoError(t, err)
		require.Equal(t, string(first), string(again))
	}
}
