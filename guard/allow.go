package guard

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

// AllowFile is the file, at the repository root, that lists deliberate deletions and
// replacements of stateful resources.
const AllowFile = "guard-allow.yaml"

// Allowance lets one stateful resource be deleted or replaced.
type Allowance struct {
	// Stage and Stack name the stack, e.g. production and DataLake.
	Stage string `yaml:"stage"`
	Stack string `yaml:"stack"`
	// LogicalID is the resource's logical ID in the base template.
	LogicalID string `yaml:"logicalId"`
	// Reason says why losing the resource is intended (data migrated, copy kept, ...).
	Reason string `yaml:"reason"`
}

// matches reports whether a allows f.
func (a Allowance) matches(f Finding) bool {
	return a.Stage+"/"+a.Stack == f.Key && a.LogicalID == f.LogicalID
}

// ReadAllowFile reads an allow file; a missing file allows nothing. Every entry needs stage,
// stack, logicalId and a reason.
func ReadAllowFile(path string) ([]Allowance, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var file struct {
		Allow []Allowance `yaml:"allow"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true) // a misspelt key must not silently drop the reason
	if err := dec.Decode(&file); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var problems []string
	for i, a := range file.Allow {
		if a.Stage == "" || a.Stack == "" || a.LogicalID == "" || strings.TrimSpace(a.Reason) == "" {
			problems = append(problems, fmt.Sprintf("%s: allow[%d]: stage, stack, logicalId and reason are all required", path, i))
		}
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "\n"))
	}
	return file.Allow, nil
}

// Apply splits findings into those no allowance covers (they block) and those allowed, and
// returns the allowances that matched nothing (stale entries, worth deleting).
func Apply(findings []Finding, allow []Allowance) (blocking, allowed []Finding, unused []Allowance) {
	used := make([]bool, len(allow))
	for _, f := range findings {
		ok := false
		for i, a := range allow {
			if a.matches(f) {
				ok, used[i] = true, true
			}
		}
		if ok {
			allowed = append(allowed, f)
		} else {
			blocking = append(blocking, f)
		}
	}
	for i, a := range allow {
		if !used[i] {
			unused = append(unused, a)
		}
	}
	return blocking, allowed, unused
}
