package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestExitCodes: a log within every budget passes (0); a part over its budget, or without a
// time or a budget, is a report that fails (1); a log or table it cannot read is a usage
// error (2), never a silent pass.
func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		assert.NoError(t, os.WriteFile(path, []byte(text), 0o644))
		return path
	}
	table := write("testing.md", "## Budget\n\n| part | budget (s) |\n| --- | --- |\n| `lint` | 60 |\n| `.ci/run` | 900 |\n")
	within := write("within.log", "lint: 60 s\nci: '.ci/run' took 700 s\n")
	over := write("over.log", "lint: 61 s\nci: '.ci/run' took 700 s\n")
	for _, c := range []struct {
		name string
		args []string
		code int
		out  string
	}{
		{"within", []string{"-log", within, "-table", table}, 0, "lint        60 s        -      -     60 s  within budget\n"},
		{"over", []string{"-log", over, "-table", table}, 1, "budget: lint took 61 s, over its budget of 60 s by 1 s\n"},
		{"no log flag", []string{"-table", table}, 2, "usage: go run ./cmd/budget -log FILE"},
		{"missing log", []string{"-log", filepath.Join(dir, "none.log"), "-table", table}, 2, "none.log: no such file"},
		{"no table", []string{"-log", within, "-table", within}, 2, `within.log: no "## Budget" section`},
		// -table's default, docs/testing.md, read from the repository's root as .ci/run runs it:
		// the made-up log has no time for its unit suite.
		{"the repository's table", []string{"-log", within}, 1, "budget: unit has a budget of"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			t.Chdir(filepath.Join("..", ".."))
			assert.Equal(t, c.code, run(c.args, &stdout, &stderr), stderr.String())
			assert.Contains(t, stdout.String()+stderr.String(), c.out)
		})
	}
}
