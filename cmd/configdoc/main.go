// Command configdoc writes docs/configuration.md, the configuration reference: every setting
// of config.Environment with its doc comment, what validation allows and each environment's
// value.
//
//	go run ./cmd/configdoc -o docs/configuration.md   # make config-doc
//	go run ./cmd/configdoc > page.md
//
// It reads the doc comments from config's source (found from this file's location or the
// working directory, or -config), so it runs from the repository. It writes nothing and exits
// 1 when a setting has no doc comment or no rule, or a rule names no setting.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"reflect"

	"dataplatform/config"
	"dataplatform/internal/cli"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("configdoc", flag.ContinueOnError)
	flags.SetOutput(stderr)
	out := flags.String("o", "", "file to write the page to (default: standard output)")
	dir := flags.String("config", "", "directory of config's Go source (default: found from the repository)")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	page, err := generate(*dir)
	if err != nil {
		fmt.Fprintln(stderr, "configdoc:", err)
		return 1
	}
	if err := cli.WriteOutput(*out, []byte(page), stdout); err != nil {
		fmt.Fprintln(stderr, "configdoc:", err)
		return 1
	}
	return 0
}

// generate makes the page from config's source in dir, found when dir is "".
func generate(dir string) (string, error) {
	if dir == "" {
		var err error
		if dir, err = configDir(); err != nil {
			return "", err
		}
	}
	d, err := parseDocs(dir)
	if err != nil {
		return "", err
	}
	ref, err := configSources(d).build()
	if err != nil {
		return "", err
	}
	return ref.markdown(), nil
}

// configSources are the real inputs: config's types, rules and committed environments.
func configSources(d docs) sources {
	return sources{root: reflect.TypeFor[config.Environment](), docs: d, rules: config.Rules(), unchecked: config.Unchecked,
		resolved: config.ResolvedInto, envs: config.All()}
}
