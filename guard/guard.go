// Package guard stops a change that would make CloudFormation delete or replace a stateful
// resource (a bucket, a database, a stream, a key, a secret, a Glue database...) in a protected
// environment. It compares the synthesized templates of a base (the main branch) with those of
// a head (the change), offline, and reports every stateful resource of the base whose logical
// ID is gone from the head (CloudFormation deletes it) or whose replacing property changed
// (CloudFormation creates a new one and deletes the old one, data included). A deliberate
// deletion or replacement passes only when an allow file names it with a reason.
package guard

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// Finding is one stateful resource that the head would delete or replace.
type Finding struct {
	// Key is the stack, "<stage>/<stack>".
	Key string
	// LogicalID and Type identify the resource in the base template.
	LogicalID string
	Type      string
	// Change is "deleted" or "replaced", or for an output "changed under its readers".
	Change string
	// Why says what in the head causes it.
	Why string
}

func (f Finding) String() string {
	return fmt.Sprintf("%s %s (%s) would be %s: %s", f.Key, f.LogicalID, f.Type, f.Change, f.Why)
}

// Check compares every stack of the given stages in base with the same stack in head, and
// returns the findings sorted by stack and logical ID. A stack missing from head loses all of
// its stateful resources. An output that another stack reads and whose value changes is a
// finding too (staleOutputs).
func Check(base, head Templates, stages []string) []Finding {
	var findings []Finding
	for key, baseTpl := range base {
		if !slices.Contains(stages, Stage(key)) {
			continue
		}
		headTpl, stackKept := head[key]
		for id, old := range baseTpl.Resources {
			if !Stateful(old.Type) {
				continue
			}
			f := Finding{Key: key, LogicalID: id, Type: old.Type}
			now, kept := headTpl.Resources[id]
			switch {
			case !stackKept:
				f.Change, f.Why = "deleted", "its stack is gone from the app"+orphaned(old)
			case !kept:
				f.Change, f.Why = "deleted", "its logical ID is gone from the template (renamed, moved or removed)"+orphaned(old)
			case now.Type != old.Type:
				f.Change, f.Why = "replaced", "its type changes to "+now.Type
			default:
				changed := replacingChanges(old, now)
				if len(changed) == 0 {
					continue
				}
				f.Change, f.Why = "replaced", strings.Join(changed, ", ")+" changes, which CloudFormation cannot apply in place"
			}
			findings = append(findings, f)
		}
	}
	findings = append(findings, staleOutputs(base, head, stages)...)
	slices.SortFunc(findings, func(a, b Finding) int {
		return strings.Compare(a.Key+" "+a.LogicalID, b.Key+" "+b.LogicalID)
	})
	return findings
}

// orphaned notes that a retained resource survives its deletion from the stack, detached: still
// a finding, because the app loses it and a re-created twin collides with its name.
func orphaned(r Resource) string {
	if r.DeletionPolicy == "Retain" || r.DeletionPolicy == "RetainExceptOnCreate" || r.DeletionPolicy == "Snapshot" {
		return fmt.Sprintf(" (DeletionPolicy %s: CloudFormation orphans it, and the app loses it)", r.DeletionPolicy)
	}
	return ""
}

// replacingChanges lists the replacing properties of old's type whose value differs in now.
func replacingChanges(old, now Resource) []string {
	return changedPaths(old, now, ReplacingProperties(old.Type))
}

// changedPaths lists the paths whose value differs between old and now (appearing and
// disappearing count: CloudFormation then uses the default value).
func changedPaths(old, now Resource, paths []string) []string {
	var changed []string
	for _, path := range paths {
		before, hadBefore := lookup(old.Properties, path)
		after, hasAfter := lookup(now.Properties, path)
		if hadBefore != hasAfter || !reflect.DeepEqual(before, after) {
			changed = append(changed, path)
		}
	}
	return changed
}

// lookup follows a dotted path such as "DatabaseInput.Name" into a resource's properties.
func lookup(props map[string]any, path string) (any, bool) {
	var value any = props
	for _, part := range strings.Split(path, ".") {
		m, ok := value.(map[string]any)
		if !ok {
			return nil, false
		}
		if value, ok = m[part]; !ok {
			return nil, false
		}
	}
	return value, true
}
