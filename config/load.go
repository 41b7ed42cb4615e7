package config

import (
	"fmt"
	"strings"
)

// All returns every environment in deployment order.
func All() []Environment {
	return []Environment{develop(), staging(), production()}
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
