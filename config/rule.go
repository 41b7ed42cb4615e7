package config

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// rule is one validation rule kept as data: the field it checks, what it allows in words that
// hold for every environment, and the check. The configuration reference shows Field and
// Allowed (see Rules); Validate runs check, which reports through f at Field, so the field a
// message names and the field the reference lists cannot differ.
type rule[T any] struct {
	// Field is the dotted name FieldError reports, with [] standing for every index or key.
	Field string
	// Allowed is the message of a failed check unless the check words it for the value at hand
	// (field.checkf), e.g. "must be from 1 to maxWorkers (5)" for "must be from 1 to maxWorkers".
	Allowed string
	// check reports the problems of x, if any, through f.
	check func(f field, x T)
	// stop skips the rules after this one in its list when it reports a problem: they rely on
	// the value it checks, e.g. alarms count in periods of monitoring.periodMinutes.
	stop bool
	// nested, set instead of Field and Allowed, is the rule list check applies to a part of x
	// (see nest, each, eachKey and only); Rules lists its rules in its place.
	nested describer
}

// rules is an ordered list of rules: Validate reports problems in this order.
type rules[T any] []rule[T]

// describer lists rules for the reference, whatever the type they check.
type describer interface {
	describe() []Rule
}

// run applies every rule to x, in order; keys are the indices or map keys that lead to x,
// outermost first, and fill the [] of the rules' fields.
func (rs rules[T]) run(v *validator, keys []any, x T) {
	for _, r := range rs {
		before := len(v.errs)
		r.check(field{v: v, name: r.Field, allowed: r.Allowed, keys: keys}, x)
		if r.stop && len(v.errs) > before {
			return
		}
	}
}

func (rs rules[T]) describe() []Rule {
	var out []Rule
	for _, r := range rs {
		if r.nested != nil {
			out = append(out, r.nested.describe()...)
			continue
		}
		out = append(out, Rule{Field: r.Field, Allowed: r.Allowed})
	}
	return out
}

// field is where one rule reports: the validator, the rule's field and the keys of the element
// being checked, and the rule's Allowed.
type field struct {
	v       *validator
	name    string
	allowed string
	keys    []any
}

// check reports value, with the rule's Allowed, unless ok; it returns ok.
func (f field) check(ok bool, value any) bool {
	return f.checkf(ok, value, "%s", f.allowed)
}

// checkf reports value unless ok, with a message made for this environment that names the
// limit the value broke; it returns ok.
func (f field) checkf(ok bool, value any, format string, args ...any) bool {
	if !ok {
		f.v.errs = append(f.v.errs, &FieldError{Env: f.v.env, Field: f.path(), Value: value, Allowed: fmt.Sprintf(format, args...)})
	}
	return ok
}

// path is the field's name with each [] replaced by its element's index ([0]) or key (["rds"]).
func (f field) path() string {
	var b strings.Builder
	rest := f.name
	for _, key := range f.keys {
		before, after, found := strings.Cut(rest, "[]")
		if !found {
			break
		}
		b.WriteString(before)
		if i, ok := key.(int); ok {
			fmt.Fprintf(&b, "[%d]", i)
		} else {
			fmt.Fprintf(&b, "[%q]", key)
		}
		rest = after
	}
	b.WriteString(rest)
	return b.String()
}

// group runs rs as one rule: a rule of rs that stops skips the rest of rs only.
func group[T any](rs rules[T]) rule[T] {
	return rule[T]{nested: rs, check: func(f field, x T) { rs.run(f.v, f.keys, x) }}
}

// nest checks the part of x that get returns with rs: a type used in several places (a
// Lifecycle, an Alarm) has its rules once, named after where it is mounted.
func nest[T, U any](rs rules[U], get func(T) U) rule[T] {
	return rule[T]{nested: rs, check: func(f field, x T) { rs.run(f.v, f.keys, get(x)) }}
}

// listed is one element of a list with the elements before it, for rules against repeats.
type listed[U any] struct {
	value   U
	earlier []U
}

// each checks every element of the list get returns with rs, one element after the other, so
// an element's problems are reported together.
func each[T, U any](rs rules[listed[U]], get func(T) []U) rule[T] {
	return rule[T]{nested: rs, check: func(f field, x T) {
		list := get(x)
		for i, u := range list {
			rs.run(f.v, append(slices.Clip(f.keys), i), listed[U]{value: u, earlier: list[:i]})
		}
	}}
}

// keyed is one entry of a map.
type keyed[U any] struct {
	key   string
	value U
}

// eachKey checks every entry of the map get returns with rs, in key order, so that the
// messages come in the same order every run.
func eachKey[T, U any](rs rules[keyed[U]], get func(T) map[string]U) rule[T] {
	return rule[T]{nested: rs, check: func(f field, x T) {
		m := get(x)
		for _, k := range slices.Sorted(maps.Keys(m)) {
			rs.run(f.v, append(slices.Clip(f.keys), k), keyed[U]{key: k, value: m[k]})
		}
	}}
}

// only checks rs when applies(x): a part that is switched off is not checked, and rules that
// build on a setting reported invalid stay silent instead of adding noise.
func only[T any](applies func(T) bool, rs rules[T]) rule[T] {
	return rule[T]{nested: rs, check: func(f field, x T) {
		if applies(x) {
			rs.run(f.v, f.keys, x)
		}
	}}
}
