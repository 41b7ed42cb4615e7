// Package cli holds what the repository's commands share: naming one environment of config,
// printing shell-readable settings, and writing a generated file or standard output.
package cli

import (
	"fmt"
	"io"
	"os"

	"dataplatform/config"
)

// Environment is the environment of config called name; an empty or unknown name is an error
// that says -env must name one.
func Environment(name string) (config.Environment, error) {
	envs, err := config.Select(config.All(), name)
	if err != nil || name == "" {
		return config.Environment{}, fmt.Errorf("-env must name one environment of config: %v", err)
	}
	return envs[0], nil
}

// PrintSettings writes each setting as a KEY=value line, which a shell can eval or a workflow
// append to $GITHUB_ENV.
func PrintSettings(w io.Writer, settings [][2]string) error {
	for _, s := range settings {
		if _, err := fmt.Fprintf(w, "%s=%s\n", s[0], s[1]); err != nil {
			return err
		}
	}
	return nil
}

// WriteOutput writes page to the file at path, or to stdout when path is "".
func WriteOutput(path string, page []byte, stdout io.Writer) error {
	if path == "" {
		_, err := stdout.Write(page)
		return err
	}
	return os.WriteFile(path, page, 0o644)
}
