package bench

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// The API server's metrics count requests by verb and resource but not by name, so they cannot
// tell a read of a key Secret from a read of the connection Secret. Each control plane therefore
// writes an audit log of Secret reads alone (every other request is left out, so the log costs the
// API server next to nothing), and the benchmark counts the reads of the phase's key Secrets.

// auditPolicy logs the reads of single Secrets, with metadata only (never their data).
const auditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
- level: Metadata
  verbs: ["get"]
  resources: [{group: "", resources: ["secrets"]}]
- level: None
`

// auditFlags writes the policy into dir and returns the API server flags that write the log there.
func auditFlags(dir string) (map[string]string, string, error) {
	policy := filepath.Join(dir, "audit-policy.yaml")
	if err := os.WriteFile(policy, []byte(auditPolicy), 0o600); err != nil {
		return nil, "", err
	}
	log := filepath.Join(dir, "audit.log")
	return map[string]string{
		"audit-policy-file": policy, "audit-log-path": log, "audit-log-format": "json",
		"audit-log-mode": "blocking", "audit-log-maxbackup": "1",
	}, log, nil
}

// auditEvent is what the benchmark reads of an audit event.
type auditEvent struct {
	Verb      string `json:"verb"`
	ObjectRef struct {
		Resource  string `json:"resource"`
		Namespace string `json:"namespace"`
		Name      string `json:"name"`
	} `json:"objectRef"`
}

// auditLog reads the audit log from where the last reading stopped.
type auditLog struct {
	path   string
	offset int64
}

// secretReads returns the Secret reads logged since the previous call, by "namespace/name".
func (a *auditLog) secretReads() (map[string]float64, error) {
	out := map[string]float64{}
	if a == nil || a.path == "" {
		return out, nil
	}
	f, err := os.Open(a.path)
	if errors.Is(err, os.ErrNotExist) {
		return out, nil // nothing logged yet
	}
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	if _, err := f.Seek(a.offset, io.SeekStart); err != nil {
		return nil, err
	}
	r := bufio.NewReader(f)
	for {
		line, err := r.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			break // a partial last line is read next time
		}
		if err != nil {
			return nil, err
		}
		a.offset += int64(len(line))
		var ev auditEvent
		if json.Unmarshal(line, &ev) == nil && ev.Verb == "get" && ev.ObjectRef.Resource == "secrets" {
			out[ev.ObjectRef.Namespace+"/"+ev.ObjectRef.Name]++
		}
	}
	return out, nil
}

// keySecretReads adds the reads of the key Secrets of the named VirtualKeys of ns: "<name>-key",
// the Secret of this repository's operator, or "<anything>-key-<alias>", the replaced operator's.
func keySecretReads(reads map[string]float64, ns string, names []string) float64 {
	keys := make(map[string]bool, len(names))
	aliases := make(map[string]bool, len(names))
	for _, n := range names {
		keys[ns+"/"+n+"-key"] = true
		aliases[newVirtualKey(ns, n).Spec.KeyAlias] = true
	}
	total := 0.0
	for name, n := range reads {
		secretNS, secret, _ := strings.Cut(name, "/")
		_, alias, legacy := strings.Cut(secret, "-key-")
		if keys[name] || secretNS == ns && legacy && aliases[alias] {
			total += n
		}
	}
	return total
}
