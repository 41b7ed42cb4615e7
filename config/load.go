package config

import (
	"fmt"
	"strings"
)

// All returns every environment in deployment order.
func All() []Environment {
	return []Environment{develop(), staging(), production()}
}

// Names returns the names of every environment in deployment order.
func Names() []string {
	var names []string
	for _, e := range All() {
		names = append(names, e.Name)
	}
	return names
}

// Select returns the environment called name, or all of them when name is empty.
func Select(name string) ([]Environment, error) {
	all := All()
	if name == "" {
		return all, nil
	}
	for _, e := range all {
		if e.Name == name {
			return []Environment{e}, nil
		}
	}
	return nil, fmt.Errorf("unknown environment %q: valid names are %s", name, strings.Join(Names(), ", "))
}
