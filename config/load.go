package config

import (
	"fmt"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
)

// All returns every environment in deployment order, each with its Source.
func All() []Environment {
	var envs []Environment
	for _, build := range []func() Environment{develop, staging, production} {
		e := build()
		e.Source = sourceOf(build)
		envs = append(envs, e)
	}
	return envs
}

// sourceOf is the file that defines build, as config/<file>.go: read from the function
// itself, so it cannot name the wrong file.
func sourceOf(build func() Environment) string {
	pc := reflect.ValueOf(build).Pointer()
	file, _ := runtime.FuncForPC(pc).FileLine(pc)
	return "config/" + filepath.Base(file)
}

// Select returns the environment of envs called name, or all of envs when name is empty.
func Select(envs []Environment, name string) ([]Environment, error) {
	if name == "" {
		return envs, nil
	}
	var names []string
	for _, e := range envs {
		if e.Name == name {
			return []Environment{e}, nil
		}
		names = append(names, e.Name)
	}
	return nil, fmt.Errorf("unknown environment %q: valid names are %s", name, strings.Join(names, ", "))
}
