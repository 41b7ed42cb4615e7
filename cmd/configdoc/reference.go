package main

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"dataplatform/config"
)

// reference is the content of the page: one table per section.
type reference struct {
	envs     []string
	intro    string // Environment's doc comment
	sections []section
}

// section is Environment's own settings (name "") or one of its parts (network, ...).
type section struct {
	name, doc string
	rows      []row
}

// row is one setting: its name, meaning, what validation allows, and its value per environment.
type row struct {
	name, meaning string
	allowed       []string
	values        []string
}

// sources is everything the page is made of, so a test can give it other inputs.
type sources struct {
	root      reflect.Type
	docs      docs
	rules     []config.Rule
	unchecked map[string]string
	// resolved maps a setting that sets others to the settings it becomes (config.ResolvedInto).
	resolved map[string]string
	envs     []config.Environment
}

// problems are what keeps the page from being complete and true: a setting without a doc
// comment, one that is neither checked nor listed unchecked, a rule or an Unchecked entry
// that names no setting.
func (src sources) problems() []string {
	var out []string
	names := map[string]bool{}
	for _, s := range settings(src.root) {
		names[s.name] = true
		if hasElements(s.typ) {
			names[s.name+"[]"] = true
		}
		if src.docs[s.owner][s.goName] == "" {
			out = append(out, fmt.Sprintf("%s: %s.%s has no doc comment: say what it means", s.name, s.owner, s.goName))
		}
		if _, listed := src.unchecked[s.name]; !s.group && !listed && len(src.allowed(s)) == 0 {
			out = append(out, fmt.Sprintf("%s: no validation rule checks it: add one, or list it in config.Unchecked with the reason", s.name))
		}
	}
	for _, r := range src.rules {
		if !names[r.Field] {
			out = append(out, fmt.Sprintf("a rule checks %s, which is no setting of config.Environment (a `config:\"name\"` tag names a field otherwise)", r.Field))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(src.unchecked)) {
		if !names[name] {
			out = append(out, fmt.Sprintf("config.Unchecked lists %s, which is no setting of config.Environment", name))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(src.resolved)) {
		if !names[name] || !names[src.resolved[name]] {
			out = append(out, fmt.Sprintf("config.ResolvedInto maps %s to %s: both must be settings of config.Environment", name, src.resolved[name]))
		}
	}
	return slices.Compact(out)
}

// allowed is what the rules of s allow; a rule on every element of s says so, and a rule of a
// declaration file names it. A setting that becomes another (config.ResolvedInto) shows the
// rules of the one it becomes.
func (src sources) allowed(s setting) []string {
	var out []string
	for _, r := range src.rules {
		allowed := r.Allowed
		if r.File != "" {
			allowed = r.File + ": " + allowed
		}
		switch r.Field {
		case s.name:
			out = append(out, allowed)
		case s.name + "[]":
			out = append(out, "each: "+allowed)
		}
	}
	if into, ok := src.becomes(s.name); ok && len(out) == 0 {
		for _, r := range src.rules {
			if r.Field == into && r.File == "" {
				out = append(out, "as "+into+": "+r.Allowed)
			}
		}
	}
	if reason, ok := src.unchecked[s.name]; ok && len(out) == 0 {
		out = append(out, "not checked: "+reason)
	}
	return out
}

// becomes is the setting name becomes by config.ResolvedInto, if any: streaming.defaults.mode
// becomes streaming.streams[].mode.
func (src sources) becomes(name string) (string, bool) {
	for from, into := range src.resolved {
		if rest, ok := strings.CutPrefix(name, from+"."); ok {
			return into + "." + rest, true
		}
	}
	return "", false
}

// build makes the reference, or fails with every problem, so the page is never made incomplete.
func (src sources) build() (reference, error) {
	if problems := src.problems(); len(problems) > 0 {
		return reference{}, fmt.Errorf("the configuration reference is incomplete:\n%s", strings.Join(problems, "\n"))
	}
	ref := reference{intro: src.docs[src.root.Name()][""]}
	for _, env := range src.envs {
		ref.envs = append(ref.envs, env.Name)
	}
	ref.sections = []section{{name: ""}}
	for _, s := range settings(src.root) {
		doc := src.docs[s.owner][s.goName]
		if s.group && s.section() == s.name {
			ref.sections = append(ref.sections, section{name: s.name, doc: doc})
			continue
		}
		r := row{name: s.name, meaning: doc, allowed: src.allowed(s)}
		for _, env := range src.envs {
			r.values = append(r.values, s.value(env))
		}
		i := slices.IndexFunc(ref.sections, func(sec section) bool { return sec.name == s.section() })
		ref.sections[i].rows = append(ref.sections[i].rows, r)
	}
	return ref, nil
}
