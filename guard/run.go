package guard

import (
	"fmt"
	"slices"
	"strings"
)

// Result is what one run of the guard found.
type Result struct {
	// Stages are the protected stages; Stacks counts their stacks in the base.
	Stages []string
	Stacks int
	// Blocking are the findings no allowance covers; Allowed are the others.
	Blocking, Allowed []Finding
	// Unused are allowances that matched nothing: delete them once the change is merged.
	Unused []Allowance
}

// Run loads the base and head templates and the allow file, and checks the given stages.
// It is an error when the base has no stack of those stages: a mistyped path must not pass.
func Run(baseDir, headDir string, stages []string, allowFile string) (Result, error) {
	base, err := Load(baseDir)
	if err != nil {
		return Result{}, fmt.Errorf("base: %w", err)
	}
	head, err := Load(headDir)
	if err != nil {
		return Result{}, fmt.Errorf("head: %w", err)
	}
	allow, err := ReadAllowFile(allowFile)
	if err != nil {
		return Result{}, err
	}
	r := Result{Stages: stages}
	for key := range base {
		if slices.Contains(stages, Stage(key)) {
			r.Stacks++
		}
	}
	if r.Stacks == 0 {
		return Result{}, fmt.Errorf("base %s has no stack of stages %s", baseDir, strings.Join(stages, ", "))
	}
	r.Blocking, r.Allowed, r.Unused = Apply(Check(base, head, stages), allow)
	return r, nil
}

// Report is the guard's output: every finding, allowed or not, and what to do about them.
func (r Result) Report() string {
	var b strings.Builder
	for _, f := range r.Allowed {
		fmt.Fprintf(&b, "allowed: %s\n", f)
	}
	for _, a := range r.Unused {
		fmt.Fprintf(&b, "warning: %s allows %s/%s %s, which nothing deletes or replaces: remove the entry once merged\n", AllowFile, a.Stage, a.Stack, a.LogicalID)
	}
	for _, f := range r.Blocking {
		fmt.Fprintf(&b, "BLOCKED: %s\n", f)
	}
	if len(r.Blocking) > 0 {
		outputs := 0
		for _, f := range r.Blocking {
			if f.Type == "output" {
				outputs++
			}
		}
		if resources := len(r.Blocking) - outputs; resources > 0 {
			fmt.Fprintf(&b, "guard: %d stateful resource(s) of %s would be lost. Keep their logical IDs and replacing properties stable,\n"+
				"or, if it is deliberate (data moved or backed up), add each to %s with stage, stack, logicalId and reason.\n",
				resources, strings.Join(r.Stages, ", "), AllowFile)
		}
		if outputs > 0 {
			fmt.Fprintf(&b, "guard: %d output(s) of %s would change under the stacks that read them. Keep what they point to stable,\n"+
				"or, once the readers are deployed again with the change, add each to %s with stage, stack, logicalId (the output's name) and reason.\n",
				outputs, strings.Join(r.Stages, ", "), AllowFile)
		}
		return b.String()
	}
	fmt.Fprintf(&b, "guard: no stateful resource of %s (%d stacks) would be deleted or replaced\n", strings.Join(r.Stages, ", "), r.Stacks)
	return b.String()
}
