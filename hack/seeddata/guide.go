package main

import (
	"errors"
	"regexp"
	"strings"
)

// Files extracted from the guide into testdata/virtual-keys-guide.
const (
	CommandsFile    = "commands.txt"
	ChatRequestFile = "chat-request.json"
)

var (
	headingRE   = regexp.MustCompile(`(?m)^#+ (.+)$`)
	yamlBlockRE = regexp.MustCompile("(?s)```yaml\n(.*?)```")
	bashBlockRE = regexp.MustCompile("(?s)```bash\n(.*?)```")
	inlineCmdRE = regexp.MustCompile("`(kubectl [^`]+)`")
	curlBodyRE  = regexp.MustCompile(`(?s)-d '(\{.*?\})'`)
	nonWordRE   = regexp.MustCompile(`[^a-z0-9]+`)
)

// ExtractGuide returns the files for testdata/virtual-keys-guide: each YAML example verbatim, named
// after the heading above it ("### Basic Virtual Key" → basic-virtual-key.yaml); every command line
// that runs kubectl, in the guide's order, once each (code blocks and inline code); and the body of
// the guide's curl call.
func ExtractGuide(md string) (map[string]string, error) {
	files := map[string]string{}
	for _, m := range yamlBlockRE.FindAllStringSubmatchIndex(md, -1) {
		name := slug(lastHeading(md[:m[0]])) + ".yaml"
		if _, taken := files[name]; taken || name == ".yaml" {
			return nil, errors.New("two YAML examples under one heading: name them apart")
		}
		files[name] = md[m[2]:m[3]]
	}
	if len(files) == 0 {
		return nil, errors.New("no YAML example")
	}

	var commands []string
	seen := map[string]bool{}
	add := func(c string) {
		if !seen[c] {
			seen[c] = true
			commands = append(commands, c)
		}
	}
	for _, block := range bashBlockRE.FindAllStringSubmatch(md, -1) {
		for _, line := range strings.Split(block[1], "\n") {
			if line = strings.TrimSpace(line); strings.Contains(line, "kubectl ") && !strings.HasPrefix(line, "#") {
				add(line)
			}
		}
	}
	for _, m := range inlineCmdRE.FindAllStringSubmatch(md, -1) {
		add(m[1])
	}
	if len(commands) == 0 {
		return nil, errors.New("no kubectl command")
	}
	files[CommandsFile] = "# The kubectl command lines of the virtual-keys guide, verbatim, in the guide's order, once each.\n" +
		"# Extracted by hack/seeddata; see ../README.md.\n" + strings.Join(commands, "\n") + "\n"

	body := curlBodyRE.FindStringSubmatch(md)
	if body == nil {
		return nil, errors.New("no curl call with a -d '{...}' body")
	}
	files[ChatRequestFile] = body[1] + "\n"
	return files, nil
}

func lastHeading(md string) string {
	all := headingRE.FindAllStringSubmatch(md, -1)
	if len(all) == 0 {
		return ""
	}
	return all[len(all)-1][1]
}

func slug(s string) string {
	return strings.Trim(nonWordRE.ReplaceAllString(strings.ToLower(s), "-"), "-")
}
