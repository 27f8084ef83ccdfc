package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const sampleReference = "#### Thing\n\n| Field | Description | Default | Validation |\n| --- | --- | --- | --- |\n" +
	"| `spec` _[ThingSpec](#thingspec)_ | spec |  |  |\n" +
	"#### ThingSpec\n\n| Field | Description | Default | Validation |\n| --- | --- | --- | --- |\n" +
	"| `ref` _[Ref](#ref)_ | where |  | Required: \\{\\} <br /> |\n" +
	"| `models` _string array_ | models |  |  |\n" +
	"| `limits` _object (keys:string, values:integer)_ | limits |  |  |\n" +
	"#### ThingStatus\n\n| Field | Description | Default | Validation |\n| --- | --- | --- | --- |\n" +
	"| `conditions` _[Condition](https://k8s.io/condition) array_ | conditions |  |  |\n" +
	"| `members` _[Member](#member) array_ | members |  |  |\n" +
	"#### Ref\n\n| Field | Description | Default | Validation |\n| --- | --- | --- | --- |\n" +
	"| `name` _string_ | name |  |  |\n" +
	"#### Member\n\n| Field | Description | Default | Validation |\n| --- | --- | --- | --- |\n" +
	"| `role` _string_ | role |  |  |\n"

func TestParseReference(t *testing.T) {
	fields, err := ParseReference(sampleReference)
	require.NoError(t, err)
	got := make([]string, 0, len(fields))
	for _, f := range fields {
		got = append(got, f.String())
	}
	assert.Equal(t, []string{
		"Thing spec ref object required",
		"Thing spec.ref name string optional",
		"Thing spec models []string optional",
		"Thing spec limits map[string]integer optional",
		"Thing status conditions []object optional",
		"Thing status members []object optional",
		"Thing status.members[] role string optional",
	}, got, "linked local types are walked, external ones are not; arrays get []")

	_, err = ParseReference("#### Thing\n| `spec` _[ThingSpec](#thingspec)_ | x |  |  |\n" +
		"#### ThingSpec\n| `ref` _[Ref](#ref)_ | x |  |  |\n")
	assert.ErrorContains(t, err, "no section", "a link to a type the document lacks is an error, not a silent gap")
}

const sampleGuide = "# Guide\n### Basic Key\n\n```yaml\nkind: VirtualKey\n```\n" +
	"### Use it\n```bash\n# Get the key\nKEY=$(kubectl get secret s -o jsonpath='{.data.key}')\nkubectl get virtualkeys\n" +
	"curl -X POST \"https://proxy/chat\" \\\n  -d '{\n    \"model\": \"m\"\n  }'\n```\n" +
	"```bash\nkubectl get virtualkeys\n```\n" +
	"Check spend: `kubectl get virtualkey a -o jsonpath='{.status.currentSpend}'`\n"

func TestExtractGuide(t *testing.T) {
	files, err := ExtractGuide(sampleGuide)
	require.NoError(t, err)
	assert.Equal(t, "kind: VirtualKey\n", files["basic-key.yaml"], "named after the heading above it, verbatim")
	assert.Equal(t, "# The kubectl command lines of the virtual-keys guide, verbatim, in the guide's order, once each.\n"+
		"# Extracted by hack/seeddata; see ../README.md.\n"+
		"KEY=$(kubectl get secret s -o jsonpath='{.data.key}')\n"+
		"kubectl get virtualkeys\n"+
		"kubectl get virtualkey a -o jsonpath='{.status.currentSpend}'\n", files[CommandsFile],
		"comments and curl are left out, a repeated command is kept once, inline commands come last")
	assert.Equal(t, "{\n    \"model\": \"m\"\n  }\n", files[ChatRequestFile])

	_, err = ExtractGuide("no examples here")
	assert.Error(t, err, "a guide without YAML is refused rather than extracted as nothing")
}
