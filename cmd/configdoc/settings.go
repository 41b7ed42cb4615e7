package main

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"
	"unicode"

	"dataplatform/config"
)

// setting is one field reachable from config.Environment.
type setting struct {
	// name is the field's name as validation reports it, with [] for every element of a list or
	// map: "streaming.streams[].columns[].name".
	name string
	// owner and goName find the field's doc comment: the struct type declaring it, the field.
	owner, goName string
	typ           reflect.Type
	// group is a struct of the walked package: its fields are settings, it has no value.
	group bool
	// path leads from an Environment to the field's values.
	path []step
}

// step is one move from a value towards a setting's: into struct field index, or, when index
// is every, into each element of a list or map.
type step struct{ index int }

const every = -1

// configPackage is the package whose struct types are settings to walk into; a struct of any
// other package (none today) is one value.
var configPackage = reflect.TypeFor[config.Environment]().PkgPath()

func isConfigStruct(t reflect.Type) bool {
	return t.Kind() == reflect.Struct && t.PkgPath() == configPackage
}

// hasElements reports whether validation can name the elements of t's values (field[0]).
func hasElements(t reflect.Type) bool {
	return t.Kind() == reflect.Slice || t.Kind() == reflect.Map
}

// settings lists every exported field reachable from t, depth first in declaration order,
// walking into the structs of t's package.
func settings(t reflect.Type) []setting {
	return walk(t, t.PkgPath(), "", nil)
}

func walk(t reflect.Type, pkg, prefix string, path []step) []setting {
	isGroup := func(t reflect.Type) bool { return t.Kind() == reflect.Struct && t.PkgPath() == pkg }
	var out []setting
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		s := setting{name: prefix + settingName(sf), owner: t.Name(), goName: sf.Name, typ: sf.Type, group: isGroup(sf.Type),
			path: append(slices.Clip(path), step{i})}
		out = append(out, s)
		switch {
		case s.group:
			out = append(out, walk(sf.Type, pkg, s.name+".", s.path)...)
		case hasElements(sf.Type) && isGroup(sf.Type.Elem()):
			out = append(out, walk(sf.Type.Elem(), pkg, s.name+"[].", append(s.path, step{every}))...)
		}
	}
	return out
}

// settingName is the name validation gives a field (see package config): its config tag, or
// its Go name in lowerCamel case, a leading initialism lowercased whole (CIDR: cidr,
// NATGateways: natGateways, S3ServerErrors: s3ServerErrors).
func settingName(sf reflect.StructField) string {
	if name := sf.Tag.Get("config"); name != "" {
		return name
	}
	r := []rune(sf.Name)
	n := 0
	for n < len(r) && (unicode.IsUpper(r[n]) || unicode.IsDigit(r[n])) {
		n++
	}
	if n > 1 && n < len(r) {
		n-- // the last capital starts the next word
	}
	for i := range max(n, 1) {
		r[i] = unicode.ToLower(r[i])
	}
	return string(r)
}

// section is the top-level field of Environment a setting belongs to, "" for Environment's own.
func (s setting) section() string {
	if i := strings.IndexAny(s.name, ".["); i >= 0 {
		return s.name[:i]
	}
	if s.group {
		return s.name
	}
	return ""
}

// none stands for an empty list or map.
const none = "—"

// value renders the setting's value in env: lists comma-joined, maps as key=value in key
// order, the elements of an outer list separated by "; ".
func (s setting) value(env config.Environment) string {
	return render(reflect.ValueOf(env), s.path)
}

func render(v reflect.Value, path []step) string {
	if len(path) == 0 {
		return leaf(v)
	}
	if path[0].index != every {
		return render(v.Field(path[0].index), path[1:])
	}
	sep := ", "
	if slices.Contains(path[1:], step{every}) {
		sep = "; "
	}
	var parts []string
	if v.Kind() == reflect.Map {
		for _, k := range sortedKeys(v) {
			parts = append(parts, fmt.Sprint(k.Interface())+"="+render(v.MapIndex(k), path[1:]))
		}
	} else {
		for i := range v.Len() {
			parts = append(parts, render(v.Index(i), path[1:]))
		}
	}
	if len(parts) == 0 {
		return none
	}
	return strings.Join(parts, sep)
}

// leaf renders one value; a struct of config renders as nothing, its fields have rows.
func leaf(v reflect.Value) string {
	t := v.Type()
	switch {
	case isConfigStruct(t):
		return ""
	case t == reflect.TypeFor[time.Duration]():
		return time.Duration(v.Int()).String()
	}
	switch t.Kind() {
	case reflect.Pointer: // a setting that may be left unset, as an override's
		if v.IsNil() {
			return none
		}
		return leaf(v.Elem())
	case reflect.String:
		if v.String() == "" {
			return `""`
		}
		return v.String()
	case reflect.Slice:
		if v.Len() == 0 {
			return none
		}
		if isConfigStruct(t.Elem()) {
			if v.Len() == 1 {
				return "1 entry"
			}
			return fmt.Sprintf("%d entries", v.Len())
		}
		parts := make([]string, v.Len())
		for i := range v.Len() {
			parts[i] = leaf(v.Index(i))
		}
		return strings.Join(parts, ", ")
	case reflect.Map:
		if v.Len() == 0 {
			return none
		}
		var parts []string
		for _, k := range sortedKeys(v) {
			if isConfigStruct(t.Elem()) {
				parts = append(parts, fmt.Sprint(k.Interface()))
			} else {
				parts = append(parts, fmt.Sprint(k.Interface())+"="+leaf(v.MapIndex(k)))
			}
		}
		return strings.Join(parts, ", ")
	default:
		return fmt.Sprint(v.Interface())
	}
}

// sortedKeys are a map's keys in the order of their text, so the page is the same every run.
func sortedKeys(m reflect.Value) []reflect.Value {
	keys := m.MapKeys()
	slices.SortFunc(keys, func(a, b reflect.Value) int {
		return strings.Compare(fmt.Sprint(a.Interface()), fmt.Sprint(b.Interface()))
	})
	return keys
}
